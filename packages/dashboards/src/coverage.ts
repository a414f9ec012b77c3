import { q } from '@slo-engine/promql';
import { BLOCK, LABEL, promDuration, RECORD, ROLLUP_THRESHOLD_MINUTES } from '@slo-engine/rules';
import { byRefId, steps, valueText } from './panels';

/**
 * Missing history must read as missing, not as perfect. The period values (error ratio, SLI, budget remaining) are sums of
 * recorded samples, so until the rules have run for a whole period (or history was backfilled) they cover less than the
 * period; and before the first roll-up the period ratio rule records 0 (`or vector(0)` stands for "no events"), which
 * would show a perfect SLI and an untouched budget. RECORD.periodCoverage is absent until the first sample and below 1
 * while the history is short: every period value the dashboards show is gated on it, and says how much it covers.
 */

/** What the period values are summed from, as the compiler chooses it: 10-minute roll-ups for day-plus periods, else building blocks. */
export interface PeriodSource {
  /** The series whose samples the period sums (and coverage counts); its newest sample dates the period values. */
  series: string;
  /** In words, for panel descriptions. */
  samples: string;
  first: string;
  lag: string;
}

export function periodSource(periodMinutes: number): PeriodSource {
  return periodMinutes >= ROLLUP_THRESHOLD_MINUTES
    ? { series: BLOCK.totalRollup, samples: '10-minute roll-ups', first: 'the first roll-up, about 10 minutes after the rules load', lag: 'up to about 12 minutes' }
    : { series: BLOCK.total, samples: 'building blocks', first: 'the first building block, a minute after the rules load', lag: 'up to about 2 minutes' };
}

/**
 * `expr`, only where its period is measured at all. `ignoring(slo_window)`: window ratios carry that label, coverage does
 * not; every other label (the SLO's, a grouped SLO's group labels) must match.
 */
export function measuredOnly(expr: q.Expr, sel: readonly q.Matcher[], windowRatio = false): q.Expr {
  return q.binary(q.paren(expr), 'and', q.sel(RECORD.periodCoverage, sel), windowRatio ? { ignoring: [LABEL.window] } : {});
}

/**
 * The period in whole units for "measured over" (days where it divides, else hours, else minutes): a full period is then
 * an exact value that a value mapping can name, and one sample short of it still rounds below it at these decimals
 * (a 10-minute roll-up is 0.007 days; a 1-minute building block 0.017 hours).
 */
export function periodUnits(periodMinutes: number): { amount: number; symbol: string; decimals: number } {
  if (periodMinutes % 1440 === 0) return { amount: periodMinutes / 1440, symbol: 'd', decimals: 2 };
  if (periodMinutes % 60 === 0) return { amount: periodMinutes / 60, symbol: 'h', decimals: 2 };
  return { amount: periodMinutes, symbol: 'min', decimals: 0 };
}

/** Coverage of the shown objective; the least-measured group speaks for a grouped SLO (its values are partial there). */
export const coverageExpr = (sel: readonly q.Matcher[]) => q.agg('min', q.sel(RECORD.periodCoverage, sel));

/** How much of the period is measured, in periodUnits: e.g. 12.5 (days) of 30. */
export const measuredExpr = (sel: readonly q.Matcher[], periodMinutes: number) => q.binary(coverageExpr(sel), '*', q.num(periodUnits(periodMinutes).amount));

/**
 * Minutes since the newest sample the period values sum. Roll-ups are written every 10 minutes but an instant query looks
 * back only 5, so `timestamp()` alone is empty half of the time: the subquery (1m steps, within the lookback) finds older
 * ones, over a day so that stalled roll-ups still show their age.
 */
export function ageMinutesExpr(sel: readonly q.Matcher[], periodMinutes: number): q.Expr {
  const newest = q.call('timestamp', q.sel(periodSource(periodMinutes).series, sel));
  const seen = q.agg('max', q.binary(newest, 'or', q.call('max_over_time', q.subquery(newest, '1d', '1m'))));
  return q.binary(q.paren(q.binary(q.call('time'), '-', seen)), '/', q.num(60));
}

export const NOT_MEASURED = 'not measured';

/** The "measured over" line of a stat: orange while partial, "all 30d" when the whole period is measured. */
export function measuredLine(refId: string, periodMinutes: number, name = 'measured over') {
  const u = periodUnits(periodMinutes);
  const period = promDuration(periodMinutes);
  return byRefId(refId, [
    { id: 'displayName', value: name },
    { id: 'unit', value: `suffix:${u.symbol} of ${period}` },
    { id: 'decimals', value: u.decimals },
    { id: 'thresholds', value: steps('orange', [u.amount, 'green']) },
    { id: 'mappings', value: [valueText(String(u.amount), `all ${period}`, 'green')] },
  ]);
}
