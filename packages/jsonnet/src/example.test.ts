// @integration: runs the jsonnet command
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyOverrides, type OverrideContext } from './index';

/** The example shipped for users: examples/dashboard-overrides.jsonnet at the repository root. */
const exampleFile = path.join(__dirname, '..', '..', '..', 'examples', 'dashboard-overrides.jsonnet');
const example = { file: exampleFile, text: fs.readFileSync(exampleFile, 'utf8') };

function dashboard(): Record<string, unknown> {
  return {
    uid: 'slo-day-api-availability',
    title: 'SLO: day-api-availability',
    tags: ['slo', 'day'],
    time: { from: 'now-24h', to: 'now' },
    refresh: '1m',
    links: [{ type: 'link', title: 'OpenSLO spec', url: 'https://git.example.com/slo-specs/day.yaml' }],
    templating: { list: [{ type: 'datasource', name: 'datasource', query: 'prometheus' }] },
    panels: [
      { id: 1, type: 'stat', title: 'Error budget remaining', gridPos: { h: 6, w: 8, x: 0, y: 0 } },
      { id: 4, type: 'timeseries', title: 'Burn rate', gridPos: { h: 8, w: 24, x: 0, y: 6 } },
      { id: 2, type: 'stat', title: 'SLI', gridPos: { h: 6, w: 8, x: 8, y: 0 } },
    ],
  };
}

const sloContext: OverrideContext = { name: 'day-api-availability', service: 'day', uid: 'slo-day-api-availability', file: 'day/day-api-availability.json' };
const overviewContext: OverrideContext = { name: null, service: null, uid: 'slo-overview', file: 'overview.json' };

const runbookLink = {
  type: 'link',
  title: 'Runbooks',
  tooltip: 'Runbook index of payments-platform',
  url: 'https://runbooks.example.com/payments-platform/',
  icon: 'doc',
  targetBlank: true,
  asDropdown: false,
  includeVars: false,
  keepTime: false,
  tags: [],
};

describe('examples/dashboard-overrides.jsonnet', () => {
  it('on an SLO dashboard: adds the team tag, refresh, time range, runbook link and a runbook text panel below the rest', () => {
    const original = dashboard();
    expect(applyOverrides(example, dashboard(), sloContext)).toEqual({
      ...original,
      tags: ['slo', 'day', 'payments-platform'],
      refresh: '5m',
      time: { from: 'now-7d', to: 'now' },
      links: [...(original.links as unknown[]), runbookLink],
      panels: [
        ...(original.panels as unknown[]),
        {
          id: 5,
          type: 'text',
          title: 'Runbook',
          gridPos: { x: 0, y: 14, w: 24, h: 4 },
          options: {
            mode: 'markdown',
            content: 'Paged for **day-api-availability** (service day)? Follow the [runbook](https://runbooks.example.com/payments-platform/day/day-api-availability.md).',
          },
        },
      ],
    });
  });

  it('on the overview: the same house style, but no text panel', () => {
    const original: Record<string, unknown> = { ...dashboard(), uid: 'slo-overview', title: 'SLO overview' };
    expect(applyOverrides(example, original, overviewContext)).toEqual({
      ...original,
      tags: ['slo', 'day', 'payments-platform'],
      refresh: '5m',
      time: { from: 'now-7d', to: 'now' },
      links: [...(original.links as unknown[]), runbookLink],
    });
  });

  it('copes with a dashboard without panels, tags or links', () => {
    expect(applyOverrides(example, { uid: 'u', title: 't' }, sloContext)).toMatchObject({
      uid: 'u',
      title: 't',
      tags: ['payments-platform'],
      links: [runbookLink],
      panels: [{ id: 1, type: 'text', gridPos: { x: 0, y: 0, w: 24, h: 4 } }],
    });
  });

  it('gives what its header says the jsonnet CLI gives (arguments by name, as --tla-code)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slo-jsonnet-example-'));
    try {
      fs.writeFileSync(path.join(dir, 'dashboard.json'), JSON.stringify(dashboard()));
      const run = spawnSync('jsonnet', ['--tla-code-file', `dashboard=${path.join(dir, 'dashboard.json')}`, '--tla-code', `slo=${JSON.stringify(sloContext)}`, exampleFile], { encoding: 'utf8' });
      if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
        throw new Error('the jsonnet CLI (Debian package jsonnet) is missing: run scripts/setup-test-tools.sh');
      }
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toEqual(applyOverrides(example, dashboard(), sloContext));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
