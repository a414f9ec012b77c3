/**
 * Every PromQL text `slo report` sends, built here and nowhere else: the instant queries of the table, the
 * second round that closes the gap between the period's roll-ups and the building blocks, and the range
 * queries of the HTML page.
 */
import { BLOCK, LABEL, promDuration, RECORD, ROLLUP_MINUTES, ROLLUP_THRESHOLD_MINUTES } from '@slo-engine/rules';
import type { ReportObjective, Sample } from './report-format';

/** Prometheus's own names (not the metrics contract's): the series of active alerts and its state label. */
export const ALERTS_METRIC = 'ALERTS';
export const ALERT_STATE = 'alertstate';
const METRIC_NAME = '__name__';

/**
 * How far back the report looks for the newest roll-up: three roll-up intervals, so one missed evaluation
 * still finds one. Older than that the roll-ups are stale and the report shows the recorded period values.
 */
export const ROLLUP_LOOKBACK_MINUTES = 3 * ROLLUP_MINUTES;

/** A PromQL string literal holding an RE2 alternation that matches exactly these values. */
export function anyOf(values: Iterable<string>): string {
  return JSON.stringify(
    [...new Set(values)]
      .sort()
      .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|'),
  );
}

/** Matchers for the objectives' series (names × services: rows ignore any other pairing). */
export function objectivesMatchers(objectives: ReportObjective[]): string {
  return `${LABEL.name}=~${anyOf(objectives.map((o) => o.objective.sloName))},${LABEL.service}=~${anyOf(objectives.map((o) => o.service))}`;
}

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
  const rollup = `${BLOCK.totalRollup}{${sel}}`;
  return {
    ratios: `{${METRIC_NAME}=~${anyOf(windows.map((m) => RECORD.errorRatio(promDuration(m))))},${sel}}`,
    budgetRemaining: `${RECORD.budgetRemaining}{${sel}}`,
    noTraffic: `${RECORD.noTraffic}{${sel}}`,
    alerts: `${ALERTS_METRIC}{${ALERT_STATE}=~"firing|pending",${sel}}`,
    coverage: `${RECORD.periodCoverage}{${sel}}`,
    lastRollup: `timestamp(${rollup}) or max_over_time(timestamp(${rollup})[${promDuration(ROLLUP_LOOKBACK_MINUTES)}:1m])`,
  };
}

const key = (service: string, slo: string) => `${service}\u0000${slo}`;

/** A selector that matches one series by all of its labels. */
function exactly(name: string, labels: Record<string, string>): string {
  const matchers = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${name}{${matchers.join(',')}}`;
}

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
  const terms = { bad: [] as string[], total: [] as string[] };
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
      const at = `@ ${atSeconds(rollupMs)}`;
      const summed = `sum_over_time(${exactly(rollup, a.labels)}[${promDuration(minutes)}] ${at})`;
      // no block since the roll-up: the roll-ups alone (0 times the newest roll-up, not an absent sum)
      terms[k].push(gapMs > 0 ? `${summed} + (sum_over_time(${exactly(block, a.labels)}[${gapMs}ms]) or 0 * ${exactly(rollup, a.labels)} ${at})` : summed);
    }
  }
  for (const { service, objective: o } of objectives) {
    if (o.periodMinutes >= ROLLUP_THRESHOLD_MINUTES) continue;
    for (const [k, , block] of pairs)
      terms[k].push(`sum_over_time(${block}{${LABEL.name}=${JSON.stringify(o.sloName)},${LABEL.service}=${JSON.stringify(service)}}[${promDuration(o.periodMinutes)}])`);
  }
  if (!terms.total.length) return undefined;
  return { bad: terms.bad.join('\nor\n'), total: terms.total.join('\nor\n') };
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
    periodRatios: `{${METRIC_NAME}=~${anyOf(objectives.map((o) => RECORD.errorRatio(promDuration(o.objective.periodMinutes))))},${sel}}`,
    budgetRemaining: `${RECORD.budgetRemaining}{${sel}}`,
    coverage: `${RECORD.periodCoverage}{${sel}}`,
    alerts: `max_over_time(${ALERTS_METRIC}{${ALERT_STATE}=~"firing|pending",${sel}}[${stepSeconds}s])`,
  };
}
