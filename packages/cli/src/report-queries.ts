/**
 * Every PromQL text `slo report` sends, built here and nowhere else: the instant queries of the table, the
 * second round that closes the gap between the period's roll-ups and the building blocks, and the range
 * queries of the HTML page.
 */
import { q } from '@slo-engine/promql';
import { BLOCK, LABEL, promDuration, RECORD, ROLLUP_MINUTES, ROLLUP_THRESHOLD_MINUTES } from '@slo-engine/rules';
import type { ReportObjective, Sample } from './report-format';

/** Prometheus's own names (not the metrics contract's): the series of active alerts and its state label. */
export const ALERTS_METRIC = 'ALERTS';
export const ALERT_STATE = 'alertstate';

/**
 * How far back the report looks for the newest roll-up: three roll-up intervals, so one missed evaluation
 * still finds one. Older than that the roll-ups are stale and the report shows the recorded period values.
 */
export const ROLLUP_LOOKBACK_MINUTES = 3 * ROLLUP_MINUTES;

/** Matchers for the objectives' series (names × services: rows ignore any other pairing). */
export function objectivesMatchers(objectives: ReportObjective[]): q.Matcher[] {
  return [
    q.reAnyOf(
      LABEL.name,
      objectives.map((o) => o.objective.sloName),
    ),
    q.reAnyOf(
      LABEL.service,
      objectives.map((o) => o.service),
    ),
  ];
}

/** Active alerts (firing and pending) of the objectives. */
const activeAlerts = (sel: q.Matcher[]) => q.sel(ALERTS_METRIC, [q.re(ALERT_STATE, 'firing|pending'), ...sel]);
/** Any of these recorded series of the objectives, in one selector. */
const anyRecord = (names: string[], sel: q.Matcher[]) => q.sel(undefined, [q.reAnyOf(q.METRIC_NAME, names), ...sel]);

/** The instant queries of the first round. */
export interface InstantQueries {
  /** `slo:sli_error:ratio_rate<W>` of every window a row needs, in one query. */
  ratios: string;
  budgetRemaining: string;
  noTraffic: string;
  /** `ALERTS` firing and pending. */
  alerts: string;
  coverage: string;
  /**
   * Per roll-up series, the time of its newest sample as the value. `timestamp(x)` alone sees only the last
   * 5 minutes (the lookback delta) but roll-ups come every 10: the subquery finds older ones, to the minute
   * step, and the first operand the exact newest when it is recent.
   */
  lastRollup: string;
}

/** Six instant queries, however many SLOs. */
export function reportQueries(objectives: ReportObjective[]): InstantQueries {
  const sel = objectivesMatchers(objectives);
  const windows = objectives.flatMap(({ objective: o }) => [o.periodMinutes, ...o.tiers.flatMap((t) => [t.longMinutes, t.shortMinutes])]);
  const newest = q.call('timestamp', q.sel(BLOCK.totalRollup, sel));
  return {
    ratios: q.render(
      anyRecord(
        windows.map((m) => RECORD.errorRatio(promDuration(m))),
        sel,
      ),
    ),
    budgetRemaining: q.render(q.sel(RECORD.budgetRemaining, sel)),
    noTraffic: q.render(q.sel(RECORD.noTraffic, sel)),
    alerts: q.render(activeAlerts(sel)),
    coverage: q.render(q.sel(RECORD.periodCoverage, sel)),
    lastRollup: q.render(q.binary(newest, 'or', q.call('max_over_time', q.subquery(newest, promDuration(ROLLUP_LOOKBACK_MINUTES), '1m')))),
  };
}

const key = (service: string, slo: string) => `${service}\u0000${slo}`;

/** A selector that matches one series by all of its labels. */
const exactly = (name: string, labels: Record<string, string>) => q.sel(name, q.matchers(labels));

/** Unix seconds with milliseconds, as PromQL's `@` takes them. */
const atSeconds = (ms: number) => (ms / 1000).toFixed(3);

/** The second round: per series, the period's bad and total event sums up to the report time. */
export interface LiveQueries {
  bad: string;
  total: string;
}

/**
 * The period's sums of bad and total events as of `timeMs`, per series. For a day-plus period (summed from
 * roll-ups): the roll-ups of the period up to the newest one (`@` pins it, so a roll-up written meanwhile is
 * not counted twice) plus the building blocks recorded after it, over a range of exactly the milliseconds
 * since then — the blocks the next roll-up will sum. For a shorter period (summed from building blocks): the
 * building blocks over the period. Undefined when there is nothing to ask (no roll-up found, no short period).
 */
export function liveQueries(objectives: ReportObjective[], lastRollup: Sample[], timeMs: number): LiveQueries | undefined {
  const periods = new Map(objectives.map(({ service, objective: o }) => [key(service, o.sloName), o.periodMinutes]));
  const terms = { bad: [] as q.Expr[], total: [] as q.Expr[] };
  const pairs = [
    ['bad', BLOCK.badRollup, BLOCK.bad],
    ['total', BLOCK.totalRollup, BLOCK.total],
  ] as const;
  const anchors = [...lastRollup].sort((a, b) => (JSON.stringify(a.labels) < JSON.stringify(b.labels) ? -1 : 1));
  for (const a of anchors) {
    const minutes = periods.get(key(a.labels[LABEL.service] ?? '', a.labels[LABEL.name] ?? ''));
    if (minutes === undefined || minutes < ROLLUP_THRESHOLD_MINUTES || !Number.isFinite(a.value)) continue;
    const rollupMs = Math.round(a.value * 1000);
    const gapMs = timeMs - rollupMs;
    for (const [k, rollup, block] of pairs) {
      const at = atSeconds(rollupMs);
      const summed = q.call('sum_over_time', q.at(q.range(exactly(rollup, a.labels), promDuration(minutes)), at));
      // no block since the roll-up: the roll-ups alone (0 times the newest roll-up, not an absent sum)
      const since = q.binary(q.call('sum_over_time', q.range(exactly(block, a.labels), `${gapMs}ms`)), 'or', q.binary(q.num(0), '*', q.at(exactly(rollup, a.labels), at)));
      terms[k].push(gapMs > 0 ? q.binary(summed, '+', q.paren(since)) : summed);
    }
  }
  for (const { service, objective: o } of objectives) {
    if (o.periodMinutes >= ROLLUP_THRESHOLD_MINUTES) continue;
    for (const [k, , block] of pairs) terms[k].push(q.call('sum_over_time', q.range(q.sel(block, [q.eq(LABEL.name, o.sloName), q.eq(LABEL.service, service)]), promDuration(o.periodMinutes))));
  }
  const bad = q.chain('or', terms.bad, { lines: true });
  const total = q.chain('or', terms.total, { lines: true });
  if (!bad || !total) return undefined;
  return { bad: q.render(bad), total: q.render(total) };
}

/** The range queries of the HTML page. */
export interface RangeQueries {
  /** The period error ratio of each objective (its own period's window). */
  periodRatios: string;
  budgetRemaining: string;
  coverage: string;
  /** Whether each alert was active at any time during each step (the step's whole interval, not its end). */
  alerts: string;
}

/** A step that gives about 300 points over the longest period, at least a minute: whole seconds. */
export function rangeStepSeconds(objectives: ReportObjective[]): number {
  const longest = Math.max(0, ...objectives.map((o) => o.objective.periodMinutes)) * 60;
  return Math.max(60, Math.ceil(longest / 300));
}

export function rangeQueries(objectives: ReportObjective[], stepSeconds: number): RangeQueries {
  const sel = objectivesMatchers(objectives);
  return {
    periodRatios: q.render(
      anyRecord(
        objectives.map((o) => RECORD.errorRatio(promDuration(o.objective.periodMinutes))),
        sel,
      ),
    ),
    budgetRemaining: q.render(q.sel(RECORD.budgetRemaining, sel)),
    coverage: q.render(q.sel(RECORD.periodCoverage, sel)),
    alerts: q.render(q.call('max_over_time', q.range(activeAlerts(sel), `${stepSeconds}s`))),
  };
}
