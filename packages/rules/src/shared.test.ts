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
import { PromtoolCases } from '../../../test/support/promtool-run';
import type { RuleFile } from './model';

/** Two SLOs of service shop with different periods and budgeting methods, both at a 99% objective. */
const spec = (name: string, period: string, method: string, service = 'shop', displayName = name) => `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${name}
  displayName: '${displayName}'
spec:
  service: ${service}
  indicator:
    metadata:
      name: ${name}-sli
    spec:
      ratioMetric:
        counter: true
        bad: { metricSource: { type: Prometheus, spec: { query: 'x_total{slo="${service}-${name}",code="500"}' } } }
        total: { metricSource: { type: Prometheus, spec: { query: 'x_total{slo="${service}-${name}"}' } } }
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

// a `$` in a label value, which a label_replace template would read as a reference
const A = spec('a', '7d', 'Occurrences', 'shop', 'A at $1 and ${x}');
const B = spec('b', '30d', 'Timeslices');

describe('the SLO keeps its own part', () => {
  it.each([
    ["an Occurrences SLO: its blocks join the bundle's (its constants too)", A, []],
    ['a Timeslices SLO also its no-traffic flag (its total block counts every slice)', B, [RECORD.noTraffic]],
  ])('%s', (_t, text, extra) => {
    const [c] = compile(text);
    const layout = new SharedLayout();
    const own = layout.add(c!);
    // its own file: its alerts as compiled, untouched, in one group
    expect(own.rules.groups).toEqual([c!.rules.groups.find((g) => g.rules.some(isAlert))]);
    // its building blocks in the bundle's blocks group, as compiled, which the shared groups evaluate first
    const file = layout.file();
    expect(file.groups.map((g) => g.name)).toEqual([GROUP.sharedConstants, GROUP.sharedBlocks, GROUP.sharedWindows, GROUP.sharedRollup, GROUP.sharedPeriod]);
    const blocks = file.groups[1]!.rules.map((r) => (isAlert(r) ? r.alert : r.record));
    expect(blocks.sort()).toEqual([BLOCK.bad, BLOCK.total, ...extra].sort());
    expect(file.groups[1]!.rules).toEqual(c!.series.filter((p) => !p.shared).map((p) => p.rule));
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
    // the building blocks are this test's input series: the bundle's groups that read them
    const file = layout.file();
    writeFileSync(path.join(dir, 'shared.rules.yaml'), toYaml({ groups: file.groups.filter((g) => g.name !== GROUP.sharedBlocks) }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const at = (name: string, labels = '') => `{slo_name="${name}",slo_service="shop"${labels}}`;
  // the constants (objective, error budget, slo_info) are the shared file's own
  const constants = (_name: string, _period: string, _method: string): { series: string; values: string }[] => [];

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
      // as written (constants first); promtool's own order is random without one
      group_eval_order: [GROUP.sharedConstants, GROUP.sharedWindows, GROUP.sharedRollup, GROUP.sharedPeriod],
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
              expr: `${RECORD.errorBudget} + on (slo_name, slo_service) group_left (display_name, period) ${RECORD.info}`,
              eval_time: '20m',
              exp_samples: [
                { labels: at('a', ',display_name="A at $1 and ${x}",period="7d"'), value: 1.01 },
                { labels: at('b', ',display_name="b",period="30d"'), value: 1.01 },
              ],
            },
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

describe('two bundles in one Prometheus (promtool)', () => {
  // each team's bundle holds an SLO of both services, and each SLO name is also used by the other team: a selector by
  // service and by name apart would read the other team's SLOs too
  const teamA = [spec('availability', '30d', 'Occurrences', 'shop'), spec('latency', '7d', 'Occurrences', 'pay')];
  const teamB = [spec('latency', '30d', 'Occurrences', 'shop'), spec('availability', '30d', 'Timeslices', 'pay')];
  const cases = new PromtoolCases();
  afterAll(() => cases.close());

  /** The bundle's files, and a copy of its bundle rules that records under its own prefix what each rule records. */
  const bundle = (specs: string[], prefix: string, global: boolean): RuleFile[] => {
    const layout = new SharedLayout();
    const own = compile(...specs).map((c) => layout.add(c).rules);
    const shared = layout.file();
    // the control: the shared rules without their member filter, reading every SLO their selectors match
    const unselected = (expr: string) => (global ? expr.replace(/\nand on \(slo_name, slo_service\)\nslo:bundle_members:h[0-9a-f]+$/, '') : expr);
    // (the blocks are a rule per objective, as in any layout: not what is checked here)
    const shadow: RuleFile = {
      groups: shared.groups
        .filter((g) => g.name !== GROUP.sharedBlocks)
        .map((g) => ({
          ...g,
          name: `${prefix}:${g.name}`,
          rules: g.rules.map((r) => ({ ...r, ...('record' in r ? { record: `${prefix}:${r.record}` } : {}), expr: unselected(r.expr) })),
        })),
    };
    return [...own, shared, shadow];
  };
  const counter = (perMinute: number) => `0+${perMinute}x40`;
  const inputs = [
    ['shop', 'availability'],
    ['pay', 'latency'],
    ['shop', 'latency'],
    ['pay', 'availability'],
  ].flatMap(([service, name]) => [
    { series: `x_total{slo="${service}-${name}",code="200"}`, values: counter(100) },
    { series: `x_total{slo="${service}-${name}",code="500"}`, values: counter(1) },
  ]);
  const objectives = (prefix: string) => `group by (slo_name, slo_service) ({__name__=~"${prefix}:.+"})`;
  const run = (name: string, global: boolean) =>
    cases.run(name, [...bundle(teamA, 'team_a', global), ...bundle(teamB, 'team_b', global)], inputs, [
      // no objective's series is recorded by both bundles' shared rules
      { expr: `count(${objectives('team_a')} and on (slo_name, slo_service) ${objectives('team_b')}) or vector(0)`, eval_time: '30m', exp_samples: [{ labels: '{}', value: 0 }] },
      // and each records its own objectives'
      {
        expr: objectives('team_a'),
        eval_time: '30m',
        exp_samples: [
          { labels: '{slo_name="availability",slo_service="shop"}', value: 1 },
          { labels: '{slo_name="latency",slo_service="pay"}', value: 1 },
        ],
      },
      {
        expr: objectives('team_b'),
        eval_time: '30m',
        exp_samples: [
          { labels: '{slo_name="latency",slo_service="shop"}', value: 1 },
          { labels: '{slo_name="availability",slo_service="pay"}', value: 1 },
        ],
      },
    ]);

  it("each bundle's shared rules record only its own SLOs' series", () => {
    expect(run('bundles', false)).toContain('SUCCESS');
  });

  it('(control: shared rules without the member filter record every SLO in Prometheus twice, and the same checks fail)', () => {
    // the four SLOs are each recorded by both bundles
    expect(run('bundles-global', true)).toMatch(/FAILED:[\s\S]*got: \{\} 4E\+00/);
  });
});
