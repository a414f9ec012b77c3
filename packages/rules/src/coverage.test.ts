// @integration: runs promtool
/**
 * The period coverage series (slo:period_coverage:ratio) under promtool: the share of the period that recorded
 * samples cover, so that a period value over a few hours of rules is never read as a whole period's. Day-plus
 * periods count the 10m roll-ups, shorter ones the 1m building blocks; capped at 1; idle traffic is still covered
 * (no traffic is a measurement, no rules is not). promtool evaluates every group every minute, whatever its
 * interval, so roll-up counts (day-plus periods) are shown on a real Prometheus instead: test/e2e/history.test.ts.
 */
import { PromtoolCases } from '../../../test/support/promtool-run';
import { compileText, ratioSli, rolling, sloDoc } from '../../../test/support/slo-docs';
import { RECORD } from './names';

const cases = new PromtoolCases();
afterAll(() => cases.close());

const spec = (period: string) => sloDoc({ sli: ratioSli({ bad: 'http_requests_total{code="500"}', total: 'http_requests_total' }), objectives: '    - target: 0.999\n', window: rolling(period) });
const sel = '{slo_name="api",slo_service="shop"}';
const busy = { series: 'http_requests_total{code="200"}', values: '0+60x240' };
const idle = { series: 'http_requests_total{code="200"}', values: '0+0x240' };
const at = (minute: number, value: number) => ({
  expr: `${RECORD.periodCoverage}${sel}`,
  eval_time: `${minute}m`,
  exp_samples: [{ labels: `${RECORD.periodCoverage}{slo_name="api",slo_service="shop"}`, value }],
});

describe.each([
  ['12h, counted in building blocks', '12h', busy, [at(0, 1 / 720), at(60, 61 / 720), at(240, 241 / 720)]],
  // 1h: after an hour the period is whole, and stays at 1
  ['1h, capped at 1', '1h', busy, [at(30, 31 / 60), at(120, 1), at(240, 1)]],
  ['12h without traffic: covered all the same', '12h', idle, [at(120, 121 / 720)]],
])('%s', (_, period, input, checks) => {
  it('promtool agrees with the expected coverage', () => {
    const c = compileText(spec(period))[0]!;
    expect(cases.run(`coverage-${period}-${input.values}`, c, [input, { series: 'http_requests_total{code="500"}', values: '0+0x240' }], checks)).toContain('SUCCESS');
  });
});
