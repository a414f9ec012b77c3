import { compileText, ratioSli, sloDoc } from '../../../test/support/slo-docs';
import { BLOCK, RECORD } from '@slo-engine/rules';
import { q } from '@slo-engine/promql';
import { alignDown, human, objectivesMatchers, parts, planPasses, rawMetrics, uniformLabels } from './passes';

const compiled = compileText(sloDoc({ sli: ratioSli({ bad: 'http_requests_total{code="500"}', total: 'http_requests_total' }), objectives: '    - target: 0.999\n' }));
const recordsOf = (p: { groups: { rules: unknown[] }[] }) => p.groups.flatMap((g) => g.rules as { record: string }[]).map((r) => r.record);

describe('planPasses', () => {
  const passes = planPasses(compiled);
  it('puts every recorded series in the pass after everything it reads', () => {
    expect(passes.map(recordsOf).map((rs) => rs.filter((r) => [BLOCK.total, BLOCK.totalRollup, RECORD.errorRatio('30d'), RECORD.budgetRemaining].includes(r as never)))).toEqual([
      [BLOCK.total],
      [BLOCK.totalRollup],
      [RECORD.errorRatio('30d')],
      [RECORD.budgetRemaining],
    ]);
  });
  it('records each series once, and no alerts', () => {
    const all = passes.flatMap(recordsOf);
    expect(all.filter((r) => r === undefined)).toEqual([]);
    expect(new Set(all).size).toBe(compiled[0]!.rules.groups.flatMap((g) => g.rules).filter((r) => 'record' in r).length);
  });
  it("keeps the groups' intervals", () => {
    expect(passes[1]!.groups.map((g) => g.interval).sort()).toEqual(['10m', '1m']);
  });
  it('knows the raw metrics the SLI reads', () => {
    expect(rawMetrics(passes)).toEqual(['http_requests_total']);
  });
});

describe('a scoped compile (--scope)', () => {
  const scoped = compileText(sloDoc({ sli: ratioSli({ bad: 'http_requests_total{code="500"}', total: 'http_requests_total' }), objectives: '    - target: 0.999\n' }), {
    scope: { namespace: 'shop-prod' },
  });
  it('looks for recorded blocks of its own environment only', () => {
    expect(q.render(q.sel(undefined, objectivesMatchers(scoped)))).toBe('{slo_name=~"api",slo_service=~"shop",namespace="shop-prod"}');
    expect(q.render(q.sel(undefined, objectivesMatchers(compiled)))).toBe('{slo_name=~"api",slo_service=~"shop"}');
  });
  it("backfills from the environment's raw series into series that carry its label", () => {
    const first = planPasses(scoped)[0]!.groups.flatMap((g) => g.rules) as { expr: string; labels: Record<string, string> }[];
    expect(first.map((r) => r.expr)).toEqual(expect.arrayContaining([expect.stringContaining('http_requests_total{code="500",namespace="shop-prod"}')]));
    for (const r of first) expect(r.labels.namespace).toBe('shop-prod');
  });
});

describe('parts', () => {
  const file = { groups: ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, interval: '1m', rules: [] })) };
  it.each([
    [
      2,
      [
        ['a', 'c', 'e'],
        ['b', 'd'],
      ],
    ],
    [8, [['a'], ['b'], ['c'], ['d'], ['e']]],
    [1, [['a', 'b', 'c', 'd', 'e']]],
  ])('%d parts: groups dealt round-robin, each whole', (n, expected) => {
    expect(parts(file, n).map((p) => p.groups.map((g) => g.name))).toEqual(expected);
  });
});

it.each([
  [30 * 86_400, '30d'],
  [2 * 86_400 + 4 * 3600 + 60, '2d 4h'],
  [45 * 60, '45m'],
  [20, '20s'],
])('human(%d) = %s', (s, text) => expect(human(s)).toBe(text));

it('aligns to the roll-up interval', () => expect(alignDown(1_700_000_123)).toBe(1_699_999_800));

describe('uniformLabels (what promtool evaluates)', () => {
  const rules = uniformLabels(compiled[0]!.rules).groups.flatMap((g) => g.rules);
  const byName = (name: string) => rules.find((r) => 'record' in r && r.record === name) as { expr: string };
  it.each([
    // the ratio's `or on() vector(0)` and the ratio itself become one series: the labels the rule sets are dropped first
    [RECORD.errorRatio('5m'), /^max without \(slo_name, slo_service, slo_window\) \(\(slo:sli_bad:rate5m\{.*\} \/ \(slo:sli_total:rate5m\{.*\} > 0\)\) or on\(\) vector\(0\)\)$/],
    [BLOCK.total, /^max without \(slo_name, slo_service\) \(sum\(rate\(http_requests_total\[5m\]\)\) or vector\(0\)\)$/],
  ])('%s', (name, expr) => {
    expect(byName(name).expr).toMatch(expr);
  });
  it('leaves alerts as they are', () => {
    const alerts = compiled[0]!.rules.groups.flatMap((g) => g.rules).filter((r) => 'alert' in r);
    expect(alerts.length).toBeGreaterThan(0);
    expect(rules.filter((r) => 'alert' in r)).toEqual(alerts);
  });
});
