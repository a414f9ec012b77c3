// @integration: runs promtool (check rules) on the generated shape
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { isAlert, toYaml, type AlertingRule, type RecordingRule } from '@slo-engine/rules';
import { promtool } from '@slo-engine/stack';
import { promDuration, pyrraIncreaseIntervalSeconds, pyrraPeriodErrorRatio, pyrraRules, pyrraWindows } from './evalcost-pyrra';
import { benchSlos, type BenchSlo } from './evalcost-slos';

const DAY = 86400;
const minutes = (m: number) => m * 60;

/**
 * What Pyrra's own tests expect (pyrra-dev/pyrra): Test_windows in slo/rules_test.go for a 28-day window, and the
 * PrometheusRule of Test_makePrometheusRule in kubernetes/controllers/servicelevelobjective_test.go for the "http"
 * SLO (28d, 99.5%, errors http_requests_total{job="app",status=~"5.."}, the propagated label team: foo).
 */
describe("Pyrra's rule shape", () => {
  const http: BenchSlo = {
    ...benchSlos(1, 40)[0]!,
    name: 'http',
    objectivePercent: 99.5,
    labels: { team: 'foo' },
    errorSelector: 'http_requests_total{job="app",status=~"5.."}',
    totalSelector: 'http_requests_total{job="app"}',
  };

  it("has Pyrra's windows for 28 days (Test_windows), and their 30-day scaling", () => {
    expect(pyrraWindows(28 * DAY)).toEqual([
      { severity: 'critical', forSeconds: minutes(2), longSeconds: minutes(60), shortSeconds: minutes(5), factor: 14 },
      { severity: 'critical', forSeconds: minutes(15), longSeconds: minutes(360), shortSeconds: minutes(30), factor: 7 },
      { severity: 'warning', forSeconds: minutes(60), longSeconds: DAY, shortSeconds: minutes(120), factor: 2 },
      { severity: 'warning', forSeconds: minutes(180), longSeconds: 4 * DAY, shortSeconds: minutes(360), factor: 1 },
    ]);
    // 30 days: the same divisions of the window, rounded to the minute
    expect(pyrraWindows(30 * DAY).map((w) => [w.shortSeconds, w.longSeconds, w.forSeconds].map(promDuration))).toEqual([
      ['5m', '1h4m', '2m'],
      ['32m', '6h26m', '16m'],
      ['2h9m', '1d1h43m', '1h4m'],
      ['6h26m', '4d6h51m', '3h13m'],
    ]);
    expect([28, 30].map((d) => promDuration(pyrraIncreaseIntervalSeconds(d * DAY)))).toEqual(['2m30s', '2m30s']);
  });

  it('reproduces the PrometheusRule of Test_makePrometheusRule for its 28-day SLO', () => {
    const { groups } = pyrraRules(http, 28 * DAY);
    expect(groups.map((g) => [g.name, g.interval])).toEqual([
      ['http-increase', '2m30s'],
      ['http', '30s'],
    ]);
    const [increase, absent] = groups[0]!.rules as [RecordingRule, AlertingRule];
    expect(increase).toEqual({ record: 'http_requests:increase4w', expr: 'sum by (status) (increase(http_requests_total{job="app"}[4w]))', labels: { job: 'app', slo: 'http', team: 'foo' } });
    expect(absent).toEqual({ alert: 'SLOMetricAbsent', expr: 'absent(http_requests_total{job="app"}) == 1', for: '6m', labels: { job: 'app', severity: 'critical', slo: 'http', team: 'foo' } });
    const rules = groups[1]!.rules;
    expect(rules.map((r) => (isAlert(r) ? r.alert : r.record))).toEqual([
      ...['5m', '30m', '1h', '2h', '6h', '1d', '4d'].map((w) => `http_requests:burnrate${w}`),
      ...Array.from({ length: 4 }, () => 'ErrorBudgetBurn'),
    ]);
    expect(rules[0]).toEqual({
      record: 'http_requests:burnrate5m',
      expr: 'sum(rate(http_requests_total{job="app",status=~"5.."}[5m])) / sum(rate(http_requests_total{job="app"}[5m]))',
      labels: { job: 'app', slo: 'http', team: 'foo' },
    });
    const alerts = rules.filter(isAlert);
    expect(alerts[0]).toEqual({
      alert: 'ErrorBudgetBurn',
      expr: 'http_requests:burnrate5m{job="app",slo="http"} > (14 * (1-0.995)) and http_requests:burnrate1h{job="app",slo="http"} > (14 * (1-0.995))',
      for: '2m0s',
      labels: { exhaustion: '2d', job: 'app', long: '1h', severity: 'critical', short: '5m', slo: 'http', team: 'foo' },
    });
    expect(alerts.map((a) => [a.for, a.labels.short, a.labels.long, a.labels.severity, a.labels.exhaustion])).toEqual([
      ['2m0s', '5m', '1h', 'critical', '2d'],
      ['15m0s', '30m', '6h', 'critical', '4d'],
      ['1h0m0s', '2h', '1d', 'warning', '2w'],
      ['3h0m0s', '6h', '4d', 'warning', '4w'],
    ]);
  });

  it('for a benchmark SLO over 30 days: the same groups, with its selectors, objective, name and labels', () => {
    const slo = benchSlos(3, 40)[2]!;
    const { groups } = pyrraRules(slo);
    expect(groups.map((g) => [g.name, g.interval, g.rules.length])).toEqual([
      [`${slo.name}-increase`, '2m30s', 2],
      [slo.name, '30s', 11],
    ]);
    const labels = { job: slo.job, slo: slo.name, ...slo.labels };
    expect(groups[0]!.rules[0]).toEqual({ record: 'http_requests:increase30d', expr: `sum by (code) (increase(http_requests_total{job="${slo.job}"}[30d]))`, labels });
    // 99.9%: Go and JavaScript both render 99.9 / 100 as 0.9990000000000001
    expect(slo.objectivePercent).toBe(99.9);
    expect(groups[0]!.rules[1]).toMatchObject({ alert: 'SLOMetricAbsent', for: '3m' });
    const records = groups[1]!.rules.flatMap((r) => (isAlert(r) ? [] : [r.record]));
    expect(records).toEqual(['5m', '32m', '1h4m', '2h9m', '6h26m', '1d1h43m', '4d6h51m'].map((w) => `http_requests:burnrate${w}`));
    const alerts = groups[1]!.rules.filter(isAlert);
    expect(alerts[1]!.expr).toBe(
      `http_requests:burnrate32m{job="${slo.job}",slo="${slo.name}"} > (7 * (1-0.9990000000000001)) and http_requests:burnrate6h26m{job="${slo.job}",slo="${slo.name}"} > (7 * (1-0.9990000000000001))`,
    );
    expect(alerts.map((a) => [a.for, a.labels.exhaustion])).toEqual([
      ['2m0s', '2d3h25m42s'],
      ['16m0s', '4d6h51m25s'],
      ['1h4m0s', '15d'],
      ['3h13m0s', '30d'],
    ]);
    expect(pyrraPeriodErrorRatio(slo)).toBe(
      `sum(http_requests:increase30d{code=~"5..",job="${slo.job}",slo="${slo.name}"} or vector(0)) / sum(http_requests:increase30d{job="${slo.job}",slo="${slo.name}"})`,
    );
  });

  it('passes promtool check rules for 50 benchmark SLOs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'slo-bench-pyrra-'));
    try {
      const file = path.join(dir, 'pyrra.rules.yml');
      writeFileSync(file, toYaml({ groups: benchSlos(50, 40).flatMap((s) => pyrraRules(s).groups) }));
      await promtool(['check', 'rules', file]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
