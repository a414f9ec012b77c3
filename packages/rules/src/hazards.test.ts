// @integration: runs promtool
/**
 * SLI shapes that once paged wrongly or never paged, each run through promtool against the compiled
 * rules: idle minutes of a raw ratio (NaN), a low objective whose fast tiers needed more than 100% errors,
 * a short period whose fast page needed less burn than its slow one, and a grouped SLO's idle and vanished groups.
 */
import { PromtoolCases } from '../../../test/support/promtool-run';
import { compileText, rolling, sloDoc } from '../../../test/support/slo-docs';
import type { CompiledSlo } from './compile';
import { isAlert, type RuleFile } from './model';
import { SharedLayout } from './shared';

const compile = (text: string): CompiledSlo => compileText(text)[0]!;
const spec = (sli: string, target: string, period = '30d') => sloDoc({ sli, objectives: `    - target: ${target}\n`, window: rolling(period) });
const source = (query: string, indent: string) => `${indent}metricSource:\n${indent}  type: Prometheus\n${indent}  spec:\n${indent}    query: '${query}'`;
const badTotal = `      ratioMetric:\n        counter: true\n        bad:\n${source('http_requests_total{code="500"}', '          ')}\n        total:\n${source('http_requests_total', '          ')}`;
const rawFailure = `      ratioMetric:\n        rawType: failure\n        raw:\n${source('errors:ratio{job="a"}', '          ')}`;

/** A counter's promtool values: `per` events a minute for each phase's minutes, e.g. [[60, 1000], [30, 0]]. */
function counter(phases: [minutes: number, per: number][]): string {
  let v = 0;
  const out = ['0'];
  for (const [minutes, per] of phases)
    for (let i = 0; i < minutes; i++) {
      v += per;
      out.push(String(v));
    }
  return out.join(' ');
}

const firing = (tier: string) => `count(ALERTS{slo_tier="${tier}",alertstate="firing"})`;
const fires = (tier: string, minute: number) => ({ expr: firing(tier), eval_time: `${minute}m`, exp_samples: [{ labels: '{}', value: 1 }] });
const quiet = (tier: string, minute: number) => ({ expr: firing(tier), eval_time: `${minute}m`, exp_samples: [] });

/** Every recorded series of the SLO that is NaN or ±Inf at a minute: none may be. */
function noneNonFinite(c: CompiledSlo, minute: number) {
  const records = [...new Set(c.rules.groups.flatMap((g) => g.rules).flatMap((r) => (isAlert(r) ? [] : [r.record])))];
  return records.map((r) => ({ expr: `${r} unless (${r} > -Inf < +Inf)`, eval_time: `${minute}m`, exp_samples: [] }));
}

const cases = new PromtoolCases();
afterAll(() => cases.close());
const promtoolTest = (name: string, c: CompiledSlo | RuleFile[], inputs: { series: string; values: string }[], checks: object[]) => cases.run(name, c, inputs, checks);

describe('a raw ratio with idle minutes (0/0 = NaN) never poisons a window', () => {
  const c = compile(spec(rawFailure, '0.999'));
  // 2h healthy, then a 20x burn (2% errors) for 3h in which every fifth minute has no traffic
  const values = [...Array(120).fill('0'), ...Array.from({ length: 180 }, (_, i) => (i % 5 === 4 ? 'NaN' : '0.02'))].join(' ');
  it('pages during the burn, and no recorded series is ever NaN or Inf', () => {
    const out = promtoolTest(
      'raw-idle',
      c,
      [{ series: 'errors:ratio{job="a"}', values }],
      [
        quiet('page-fast', 115),
        // 14.4 / 20 of the 1h window, the 5m rate and a little slack
        fires('page-fast', 120 + 55),
        ...noneNonFinite(c, 124),
        ...noneNonFinite(c, 200),
        // the period's budget is being spent: a number below 1, not NaN
        { expr: 'count(slo:period_error_budget_remaining:ratio > -Inf < 1)', eval_time: '300m', exp_samples: [{ labels: '{}', value: 1 }] },
      ],
    );
    expect(out).toContain('SUCCESS');
  });
});

describe('a low objective still pages on a total outage', () => {
  const c = compile(spec(badTotal, '0.9'));
  it('compile names the tiers whose factor it lowered', () => {
    expect(c.warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(/^tier page-fast needs an error ratio of 144%.*could never fire/), expect.stringMatching(/^tier page-slow needs an error ratio of 60%/)]),
    );
  });
  it('every request failing fires page-fast within its 1h window; a healthy service fires nothing', () => {
    // 70 minutes healthy, then every request fails for 200 minutes
    const out = promtoolTest(
      'low-target',
      c,
      [
        {
          series: 'http_requests_total{code="200"}',
          values: counter([
            [70, 1000],
            [200, 0],
          ]),
        },
        {
          series: 'http_requests_total{code="500"}',
          values: counter([
            [70, 0],
            [200, 1000],
          ]),
        },
      ],
      [
        quiet('page-fast', 69),
        quiet('ticket-slow', 69),
        // half of the 1h window failing, plus the 5m rate: well within the hour
        fires('page-fast', 70 + 30 + 7),
        // half of the 6h window
        fires('page-slow', 70 + 180 + 7),
      ],
    );
    expect(out).toContain('SUCCESS');
  });
});

describe('a 1d period keeps the fast page above the slow one', () => {
  const c = compile(spec(badTotal, '0.999', '1d'));
  const alerts = c.rules.groups.flatMap((g) => g.rules).filter(isAlert);
  it('factors stay 14.4 > 6 > 3 > 1, and compile says page-fast is a single 5m window', () => {
    expect(alerts.map((a) => `${a.labels.slo_tier} ${/>= (\S+)/.exec(a.expr)![1]}`)).toEqual(['page-fast 0.0144', 'page-slow 0.006', 'ticket-fast 0.003', 'ticket-slow 0.001']);
    expect(c.warnings).toEqual(expect.arrayContaining([expect.stringContaining('tier page-fast: a single 5m window')]));
  });
  it('a 10x burn fires page-slow (6x) and not page-fast (14.4x)', () => {
    // 1% errors against a 0.1% budget for 40 minutes
    const out = promtoolTest(
      'short-period',
      c,
      [
        {
          series: 'http_requests_total{code="200"}',
          values: counter([
            [30, 1000],
            [40, 990],
          ]),
        },
        {
          series: 'http_requests_total{code="500"}',
          values: counter([
            [30, 0],
            [40, 10],
          ]),
        },
      ],
      [fires('page-slow', 30 + 20), quiet('page-fast', 30 + 20), quiet('page-fast', 30 + 35)],
    );
    expect(out).toContain('SUCCESS');
  });
});

describe("a grouped SLO's window ratio per group: exact when busy, 0 when idle, none once the group is gone and was idle", () => {
  const text = sloDoc({ sli: badTotal, objectives: '    - target: 0.999\n' }).replace('metadata:\n  name: api\n', 'metadata:\n  name: api\n  annotations:\n    slo-engine.dev/group-by: route\n');
  const c = compile(text);
  const shared = new SharedLayout();
  const own = shared.add(c);
  const ratio = (route: string) => `slo:sli_error:ratio_rate1h{route="${route}"}`;
  const inputs = [
    // /a busy at 1% errors; /b scraped but idle; /c idle for 30 minutes, then its target is gone
    { series: 'http_requests_total{route="/a",code="200"}', values: counter([[90, 990]]) },
    { series: 'http_requests_total{route="/a",code="500"}', values: counter([[90, 10]]) },
    { series: 'http_requests_total{route="/b",code="200"}', values: counter([[90, 0]]) },
    { series: 'http_requests_total{route="/c",code="200"}', values: counter([[30, 0]]) },
  ];
  const checks = [
    { expr: `count(${ratio('/a')} > 0.0099 < 0.0101)`, eval_time: '60m', exp_samples: [{ labels: '{}', value: 1 }] },
    { expr: `count(${ratio('/b')} == 0)`, eval_time: '60m', exp_samples: [{ labels: '{}', value: 1 }] },
    { expr: `count(${ratio('/c')} == 0)`, eval_time: '20m', exp_samples: [{ labels: '{}', value: 1 }] },
    // the zero multiplies the total block as recorded now: a group no longer recorded has no ratio, not a 0 for an hour
    { expr: `count(${ratio('/c')})`, eval_time: '60m', exp_samples: [] },
  ];
  it.each([
    ['per-slo', [c.rules]],
    ['shared', [shared.file(), own.rules]],
  ])('%s layout', (layout, files) => {
    expect(promtoolTest(`grouped-${layout}`, files, inputs, checks)).toContain('SUCCESS');
  });
});
