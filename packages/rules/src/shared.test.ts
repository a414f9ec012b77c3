// @integration: runs promtool
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildModel, checkSources } from '@slo-engine/openslo';
import { compileSlo, type CompiledSlo } from './compile';
import { isAlert } from './model';
import { BLOCK, GROUP, RECORD } from './names';
import { toYaml } from './render';
import { SharedLayout } from './shared';

/** Two SLOs of service shop with different periods and budgeting methods, both at a 99% objective. */
const spec = (name: string, period: string, method: string) => `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${name}
spec:
  service: shop
  indicator:
    metadata:
      name: ${name}-sli
    spec:
      ratioMetric:
        counter: true
        bad: { metricSource: { type: Prometheus, spec: { query: 'x_total{slo="${name}",code="500"}' } } }
        total: { metricSource: { type: Prometheus, spec: { query: 'x_total{slo="${name}"}' } } }
  timeWindow:
    - duration: ${period}
      isRolling: true
  budgetingMethod: ${method}
  objectives:
    - target: 0.99${method === 'Timeslices' ? '\n      timeSliceTarget: 0.9\n      timeSliceWindow: 1m' : ''}
`;

function compile(...specs: string[]): CompiledSlo[] {
  const result = checkSources(
    specs.map((text, i) => ({ file: `in-${i}.yaml`, text })),
    { missingReferences: 'error' },
  );
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return buildModel(result).slos.map((s) => compileSlo(s, { engineVersion: 'test' }));
}

const A = spec('a', '7d', 'Occurrences');
const B = spec('b', '30d', 'Timeslices');
const records = (c: CompiledSlo) => c.rules.groups.flatMap((g) => g.rules.map((r) => (isAlert(r) ? `alert:${r.labels.slo_tier}` : r.record)));

describe('the SLO keeps its own part', () => {
  it.each([
    ['an Occurrences SLO: building blocks, constants, alerts', A, []],
    ['a Timeslices SLO also keeps its no-traffic flag (its total block counts every slice)', B, [RECORD.noTraffic]],
  ])('%s', (_t, text, extra) => {
    const [c] = compile(text);
    const own = new SharedLayout().add(c!);
    expect(own.rules.groups.map((g) => g.name)).toEqual([GROUP.sli('shop', c!.slo.name), GROUP.alerts('shop', c!.slo.name)]);
    const kept = [BLOCK.bad, BLOCK.total, ...extra, RECORD.objective, RECORD.errorBudget, RECORD.info];
    expect(
      records(own)
        .filter((r) => !r.startsWith('alert:'))
        .sort(),
    ).toEqual(kept.sort());
    // every alert as compiled, untouched
    expect(own.rules.groups[1]).toBe(c!.rules.groups.find((g) => g.rules.some(isAlert)));
    expect(own.objectives).toBe(c!.objectives);
  });
});

it('renders the same file whatever order the SLOs come in', () => {
  const render = (cs: CompiledSlo[]) => {
    const layout = new SharedLayout();
    for (const c of cs) layout.add(c);
    return toYaml(layout.file());
  };
  const cs = compile(A, B);
  expect(render([...cs].reverse())).toBe(render(cs));
  expect(render(cs)).not.toBe(render(cs.slice(0, 1)));
});

describe('promtool: the shared groups from recorded inputs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'slo-shared-'));
    const layout = new SharedLayout();
    for (const c of compile(A, B)) layout.add(c);
    writeFileSync(path.join(dir, 'shared.rules.yaml'), toYaml(layout.file()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const at = (name: string, labels = '') => `{slo_name="${name}",slo_service="shop"${labels}}`;
  const constants = (name: string, period: string, method: string) => [
    { series: `${RECORD.errorBudget}${at(name)}`, values: '0.01+0x300' },
    { series: `slo_info${at(name, `,period="${period}",budgeting_method="${method}"`)}`, values: '1+0x300' },
  ];

  it("each objective's budget left is over its own period, the burn rate is over its budget, and a sliced SLO keeps its own no-traffic flag", () => {
    // roll-ups hourly for 8 days: a bad first day (10% errors), then 0.1%; a 7-day window at 8d misses the bad day, a 30-day one holds it
    const rollups = (name: string) => [
      { series: `${BLOCK.badRollup}${at(name)}`, values: '100+0x23 1+0x168' },
      { series: `${BLOCK.totalRollup}${at(name)}`, values: '1000+0x192' },
    ];
    const ratio30d = (24 * 100 + 169 * 1) / (193 * 1000);
    const test = {
      rule_files: ['shared.rules.yaml'],
      evaluation_interval: '10m',
      tests: [
        {
          interval: '1h',
          input_series: [...rollups('a'), ...rollups('b'), ...constants('a', '7d', 'Occurrences'), ...constants('b', '30d', 'Timeslices')],
          promql_expr_test: [
            {
              expr: RECORD.budgetRemaining,
              eval_time: '8d',
              exp_samples: [
                { labels: `${RECORD.budgetRemaining}${at('a')}`, value: 1 - 0.001 / 0.01 },
                { labels: `${RECORD.budgetRemaining}${at('b')}`, value: 1 - ratio30d / 0.01 },
              ],
            },
          ],
        },
        {
          interval: '1m',
          input_series: [
            { series: `${BLOCK.bad}${at('a')}`, values: '1+0x30' },
            { series: `${BLOCK.total}${at('a')}`, values: '10+0x30' },
            { series: `${BLOCK.bad}${at('b')}`, values: '0+0x30' },
            { series: `${BLOCK.total}${at('b')}`, values: '0+0x30' },
            ...constants('a', '7d', 'Occurrences'),
            ...constants('b', '30d', 'Timeslices'),
          ],
          promql_expr_test: [
            {
              expr: RECORD.currentBurnRate,
              eval_time: '20m',
              exp_samples: [
                { labels: `${RECORD.currentBurnRate}${at('a')}`, value: 10 },
                { labels: `${RECORD.currentBurnRate}${at('b')}`, value: 0 },
              ],
            },
            { expr: RECORD.noTraffic, eval_time: '20m', exp_samples: [{ labels: `${RECORD.noTraffic}${at('a')}`, value: 0 }] },
            {
              expr: RECORD.errorRatio('1h'),
              eval_time: '20m',
              exp_samples: [
                { labels: `${RECORD.errorRatio('1h')}${at('a', ',slo_window="1h"')}`, value: 0.1 },
                { labels: `${RECORD.errorRatio('1h')}${at('b', ',slo_window="1h"')}`, value: 0 },
              ],
            },
          ],
        },
      ],
    };
    writeFileSync(path.join(dir, 'shared.test.yaml'), toYaml(test));
    const r = spawnSync('promtool', ['test', 'rules', 'shared.test.yaml'], { cwd: dir, encoding: 'utf8' });
    expect(r.status === 0 ? 'ok' : `${r.stdout}${r.stderr}`).toBe('ok');
  });
});
