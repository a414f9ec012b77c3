import { compileText, indent, promSource, ratioSli, rolling, sloDoc } from '../../../test/support/slo-docs';
import type { CompiledSlo } from './compile';
import { longestRange, synthesise, type Phase } from './series';
import { SharedLayout } from './shared';
import { generateTests } from './testgen';

/** Input series synthesised for SLI shapes: counters, gauges, histograms, several selectors per query. */

const compile = (text: string): CompiledSlo[] => compileText(text);
const q = promSource;
const slo = (sli: string, objective = '    - target: 0.999', method = 'Occurrences', period = '30d'): string => sloDoc({ sli, objectives: objective, method, window: rolling(period) });
const ratio = ratioSli;
const raw = (query: string, rawType: 'success' | 'failure') => `      ratioMetric:\n        counter: false\n        rawType: ${rawType}\n        raw:\n${indent(q(query), 10)}`;
const threshold = (query: string) => `      thresholdMetric:\n${indent(q(query), 8)}`;
const thresholdObjective = (op: string, value: number, slice = '5m') => `    - op: ${op}\n      value: ${value}\n      target: 0.99\n      timeSliceTarget: 1\n      timeSliceWindow: ${slice}`;

const objectiveOf = (text: string) => compile(text)[0]!.slo.objectives[0]!;
const seriesFor = (text: string, phases: Phase[]) => {
  const r = synthesise(objectiveOf(text));
  if (!('plan' in r)) throw new Error(r.reason);
  return Object.fromEntries(r.plan.series(phases).map((s) => [s.series, s.values]));
};
const HEALTHY_THEN_BURN: Phase[] = [
  { minutes: 10, good: 1000, bad: 0 },
  { minutes: 10, good: 900, bad: 100 },
];

describe('synthesised input series', () => {
  it('keep the same-metric counter pair of a plain availability SLI', () => {
    expect(seriesFor(slo(ratio({ bad: 'http_requests_total{job="a",code=~"5.."}', total: 'http_requests_total{job="a"}' })), HEALTHY_THEN_BURN)).toEqual({
      'http_requests_total{code="500", job="a"}': '0+0x10 100+100x9',
      'http_requests_total{code="200", job="a"}': '0+1000x10 10900+900x9',
    });
  });

  it('give every selector of a sum its own series', () => {
    const text = slo(ratio({ bad: 'sum(rate(web_total{code=~"5.."}[5m])) + sum(rate(api_total{code=~"5.."}[5m]))', total: 'sum(rate(web_total[5m])) + sum(rate(api_total[5m]))' }, false));
    // both services carry the same traffic: the sums then hold the intended error ratio
    expect(seriesFor(text, HEALTHY_THEN_BURN)).toEqual({
      'web_total{code="500"}': '0+0x10 100+100x9',
      'web_total{code="200"}': '0+1000x10 10900+900x9',
      'api_total{code="500"}': '0+0x10 100+100x9',
      'api_total{code="200"}': '0+1000x10 10900+900x9',
    });
    // a service that only adds to the total stays flat
    const partly = slo(ratio({ bad: 'sum(rate(web_total{code=~"5.."}[5m]))', total: 'sum(rate(web_total[5m])) + sum(rate(api_total[5m]))' }, false));
    expect(seriesFor(partly, HEALTHY_THEN_BURN)).toEqual({
      'web_total{code="500"}': '0+0x10 100+100x9',
      'web_total{code="200"}': '0+1000x10 10900+900x9',
      'api_total{}': '0+0x10 0+0x9',
    });
  });

  it('make a whole histogram for a bucket over _count: cumulative buckets, slow requests above the bound', () => {
    const s = seriesFor(slo(ratio({ good: 'h_bucket{job="a",le="0.3"}', total: 'h_count{job="a"}' })), HEALTHY_THEN_BURN);
    expect(s).toEqual({
      'h_bucket{job="a", le="0.15"}': '0+1000x10 10900+900x9',
      'h_bucket{job="a", le="0.3"}': '0+1000x10 10900+900x9',
      'h_bucket{job="a", le="0.6"}': '0+1000x10 11000+1000x9',
      'h_bucket{job="a", le="+Inf"}': '0+1000x10 11000+1000x9',
      'h_count{job="a"}': '0+1000x10 11000+1000x9',
    });
  });

  it.each([
    ['0.30', '0.3'],
    ['.25', '0.25'],
    ['1', '1.0'],
  ])('feed a bucket written le="%s" as Prometheus 3 stores it, le="%s"', (written, stored) => {
    const s = seriesFor(slo(ratio({ good: `h_bucket{job="a",le="${written}"}`, total: 'h_count{job="a"}' })), HEALTHY_THEN_BURN);
    expect(Object.keys(s)).toContain(`h_bucket{job="a", le="${stored}"}`);
    expect(Object.keys(s)).not.toContain(`h_bucket{job="a", le="${written}"}`);
  });

  it('solve a difference of _count and a bucket as the bad events', () => {
    const s = seriesFor(
      slo(ratio({ bad: 'sum(rate(h_count{verb!="WATCH"}[5m])) - sum(rate(h_bucket{verb!="WATCH",le="1"}[5m]))', total: 'sum(rate(h_count{verb!="WATCH"}[5m]))' }, false)),
      HEALTHY_THEN_BURN,
    );
    expect(s).toEqual({
      'h_bucket{le="0.5", verb="200"}': '0+1000x10 10900+900x9',
      'h_bucket{le="1.0", verb="200"}': '0+1000x10 10900+900x9',
      'h_bucket{le="2.0", verb="200"}': '0+1000x10 11000+1000x9',
      'h_bucket{le="+Inf", verb="200"}': '0+1000x10 11000+1000x9',
      'h_count{verb="200"}': '0+1000x10 11000+1000x9',
    });
  });

  it('hold gauges read through *_over_time at the success ratio for a raw SLI', () => {
    expect(seriesFor(slo(raw('avg_over_time(probe_success{job="bb"}[5m])', 'success')), HEALTHY_THEN_BURN)).toEqual({ 'probe_success{job="bb"}': '1+0x10 0.9+0x9' });
    expect(seriesFor(slo(raw('1 - avg(avg_over_time(probe_success{job="bb"}[5m]))', 'failure')), HEALTHY_THEN_BURN)).toEqual({ 'probe_success{job="bb"}': '1+0x10 0.9+0x9' });
  });

  it('give a raw ratio of rates its counters', () => {
    expect(seriesFor(slo(raw('sum(rate(req_total{code=~"5.."}[5m])) / sum(rate(req_total[5m]))', 'failure')), HEALTHY_THEN_BURN)).toEqual({
      'req_total{code="500"}': '0+0x10 100+100x9',
      'req_total{code="200"}': '0+1000x10 10900+900x9',
    });
  });

  it('hold 0..1 gauges at 1 and 0 for thresholds on them', () => {
    const slices: Phase[] = [
      { minutes: 10, good: 1000, bad: 0 },
      { minutes: 6, good: 0, bad: 1000 },
    ];
    expect(seriesFor(slo(threshold('up{job="x"}'), thresholdObjective('gte', 1, '1m'), 'Timeslices'), slices)).toEqual({ 'up{job="x"}': '1+0x10 0+0x5' });
    expect(seriesFor(slo(threshold('min(min_over_time(up{job="x"}[5m]))'), thresholdObjective('gte', 1), 'Timeslices'), slices)).toEqual({ 'up{job="x"}': '1+0x10 0+0x5' });
    expect(seriesFor(slo(threshold('avg_over_time(probe_success[5m])'), thresholdObjective('gte', 0.99), 'Timeslices'), slices)).toEqual({ 'probe_success{}': '1+0x10 0+0x5' });
  });

  it('move a histogram above a quantile threshold in bad slices', () => {
    const text = slo(threshold('histogram_quantile(0.99, sum by (le) (rate(lat_bucket{job="c"}[5m])))'), thresholdObjective('lte', 0.5), 'Timeslices');
    const s = seriesFor(text, [
      { minutes: 10, good: 1000, bad: 0 },
      { minutes: 6, good: 0, bad: 1000 },
    ]);
    expect(Object.keys(s)).toEqual(['lat_bucket{job="c", le="0.25"}', 'lat_bucket{job="c", le="0.5"}', 'lat_bucket{job="c", le="1.0"}', 'lat_bucket{job="c", le="+Inf"}', 'lat_count{job="c"}']);
    expect(s['lat_bucket{job="c", le="0.5"}']).toBe('0+1000x10 10000+0x5');
    expect(s['lat_bucket{job="c", le="1.0"}']).toBe('0+1000x10 11000+1000x5');
  });

  it('say which can sit idle for a zero-traffic test: counters can, a gauge always reports', () => {
    const idle = (text: string) => {
      const r = synthesise(objectiveOf(text));
      return 'plan' in r ? r.plan.idle === true : r.reason;
    };
    expect(idle(slo(ratio({ bad: 'x_total{e="1"}', total: 'x_total' })))).toBe(true);
    // 0/0 of idle counters: the raw ratio is NaN, which the building blocks must drop
    expect(idle(slo(raw('sum(rate(req_total{code=~"5.."}[5m])) / sum(rate(req_total[5m]))', 'failure')))).toBe(true);
    expect(idle(slo(raw('avg_over_time(probe_success[5m])', 'success')))).toBe(false);
    expect(idle(slo(threshold('sum(rate(drops_total[5m]))'), thresholdObjective('lt', 5), 'Timeslices'))).toBe(false);
  });

  it('say why where nothing can be synthesised', () => {
    const clock = synthesise(objectiveOf(slo(threshold('min(probe_ssl_earliest_cert_expiry - time())'), thresholdObjective('gt', 604800), 'Timeslices')));
    expect(clock).toEqual({ reason: 'it reads time(), which moves with the clock' });
    const clients = synthesise(objectiveOf(slo(ratio({ bad: 'sum_over_time((count(sat{site="a"} < 0.7))[5m:]) OR on() vector(0)', total: 'sum_over_time((count(sat{site="a"}))[5m:])' }, false))));
    expect(clients).toEqual({ reason: expect.stringContaining('no input series') });
  });
});

describe('generated tests', () => {
  it('reach back over a fixed range longer than the slice', () => {
    expect(longestRange('max(avg_over_time(probe_success[15m])) < bool 0.99')).toBe(900);
    expect(longestRange('sum_over_time((count(x))[5m:1m])')).toBe(300);
    expect(longestRange('up{job="x"}')).toBe(0);
    const [c] = compile(slo(threshold('avg_over_time(probe_success{job="bb"}[10m])'), thresholdObjective('gte', 0.99, '1m'), 'Timeslices', '7d'));
    const tests = generateTests(c!, ['x.yaml']);
    // bad slices come in pulses of the 10m range and one step
    const burn = tests.file.tests.find((t) => /fire ticket-slow/.test(t.name))!;
    expect(burn.input_series[0]!.values).toMatch(/^1\+0x\d+ 0\+0x10 1\+0x\d+ 0\+0x10 /);
  });

  it('evaluate the groups in the order data flows through them, and check at evaluations', () => {
    const [c] = compile(slo(ratio({ bad: 'x_total{e="1"}', total: 'x_total' }), '    - target: 0.999', 'Occurrences', '90d'));
    const tests = generateTests(c!, ['x.yaml']);
    expect(tests.file.group_eval_order).toEqual(['slo:shop:api:sli', 'slo:shop:api:rollup', 'slo:shop:api:period', 'slo:shop:api:alerts']);
    const shared = generateTests(new SharedLayout().add(c!), ['x.yaml', '../shared.rules.yaml']);
    expect(shared.file.group_eval_order).toEqual(['slo:shared:constants', 'slo:shared:blocks', 'slo:shared:windows', 'slo:shared:rollup', 'slo:shared:period', 'slo:shop:api:alerts']);
    // 90 days: windows of up to 9 days are checked every 9 minutes, at evaluations only
    expect(tests.file.evaluation_interval).toBe('9m');
    const minutes = (d: string) => [...d.matchAll(/(\d+)([dhm])/g)].reduce((n, m) => n + Number(m[1]) * { d: 1440, h: 60, m: 1 }[m[2] as 'd' | 'h' | 'm'], 0);
    for (const t of tests.file.tests) for (const check of t.promql_expr_test) expect(`${t.name} ${check.eval_time}: ${minutes(check.eval_time) % 9}`).toBe(`${t.name} ${check.eval_time}: 0`);
  });

  it('are byte-identical when generated twice', () => {
    const text = slo(ratio({ good: '(sum(rate(h_bucket{le="0.3"}[5m])) + sum(rate(h_bucket{le="1.2"}[5m]))) / 2', total: 'sum(rate(h_count[5m]))' }, false));
    const [a, b] = [generateTests(compile(text)[0]!, ['x.yaml']), generateTests(compile(text)[0]!, ['x.yaml'])];
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(a.untestable).toEqual([]);
  });
});
