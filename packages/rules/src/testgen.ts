import { addMatchers, q } from '@slo-engine/promql';
import type { CompiledObjective, CompiledSlo } from './compile';
import { promDuration } from './durations';
import { isAlert } from './model';
import { BLOCK, BLOCK_RANGE_MINUTES, GROUP, LABEL, NO_DATA_TIER, RECORD, ROLLUP_MINUTES, ROLLUP_THRESHOLD_MINUTES, SHARED_GROUPS } from './names';
import { longestRange, synthesise, type Phase, type SeriesPlan } from './series';
import { detectionMinutes, type Tier } from './tiers';

/** promtool refuses queries touching more than 10,000 samples; keep every test below that at its step. */
const MAX_STEPS = 9000;
/** Events per minute of the synthetic traffic. */
const TRAFFIC = 1000;

interface TestGroup {
  name: string;
  interval: string;
  input_series: { series: string; values: string }[];
  promql_expr_test: { expr: string; eval_time: string; exp_samples: { labels?: string; value: number }[] }[];
}

export interface GeneratedTests {
  rule_files: string[];
  evaluation_interval: string;
  /** Every group, in the order data flows through them: promtool otherwise evaluates them in a random order at each step. */
  group_eval_order: string[];
  tests: TestGroup[];
}

const at = (m: number) => promDuration(Math.max(1, Math.ceil(m)));

/** An objective with what its tests' timing depends on: its building blocks' range and the evaluation step, in minutes. */
/** An objective as the tests see it: with the building blocks' longest range and the step. */
type Timing = CompiledObjective & { range: number; step: number };

/**
 * The first evaluation at or after `m` minutes. promtool evaluates the rules once per step, and a check between
 * two evaluations reads the last one, which is stale after 5 minutes: checks are made at evaluations.
 */
const tick = (o: Timing, m: number) => Math.max(o.step, Math.ceil(m / o.step - 1e-9) * o.step);

/**
 * The matchers of the objective's own series, as its compiled selector has them: slo_name, slo_service, then the
 * scope's labels.
 */
const objectiveMatchers = (o: CompiledObjective): q.Matcher[] => [q.eq(LABEL.name, o.sloName), q.eq(LABEL.service, o.labels[LABEL.service]!), ...q.matchers(o.scope)];
/** A record of the objective: `metric{slo_name="...",...}`. */
const recorded = (o: CompiledObjective, metric: string) => q.render(q.sel(metric, objectiveMatchers(o)));

/** Firing alerts of the objective: one tier's, or every burn-rate tier's (the no-data alert is tested on its own). */
function alertsSelector(o: Timing, tier?: Pick<Tier, 'id'>): q.Selector {
  const which = tier ? [q.eq(LABEL.tier, tier.id)] : o.noDataMinutes !== undefined ? [q.ne(LABEL.tier, NO_DATA_TIER)] : [];
  return q.sel('ALERTS', [q.eq(LABEL.name, o.sloName), q.eq(LABEL.service, o.labels[LABEL.service]!), q.eq('alertstate', 'firing'), ...which]);
}
const countAlerts = (o: Timing, tier?: Pick<Tier, 'id'>) => q.render(q.agg('count', alertsSelector(o, tier)));
const firing = (o: Timing, tier: Pick<Tier, 'id'>, eval_time: number) => ({ expr: countAlerts(o, tier), eval_time: at(tick(o, eval_time)), exp_samples: [{ labels: '{}', value: 1 }] });
const silent = (o: Timing, eval_time: number, tier?: Pick<Tier, 'id'>) => ({ expr: countAlerts(o, tier), eval_time: at(tick(o, eval_time)), exp_samples: [] });

/**
 * How far back the building blocks of an objective read raw samples, in minutes: their longest range (the 5m
 * rate, a time slice, a fixed range written in the query), 0 for a gauge read as it is.
 */
function blockRangeMinutes(c: CompiledSlo, o: CompiledObjective): number {
  let seconds = 0;
  for (const g of c.rules.groups)
    for (const r of g.rules) if (!isAlert(r) && (r.record === BLOCK.bad || r.record === BLOCK.total) && r.labels[LABEL.name] === o.sloName) seconds = Math.max(seconds, longestRange(r.expr));
  return Math.ceil(seconds / 60);
}

/** How late a window can see a change: the building blocks' range (at least 5m), and the 10m roll-ups for day-plus windows. */
const smear = (o: Timing, minutes: number) => Math.max(BLOCK_RANGE_MINUTES, o.range) + (minutes >= ROLLUP_THRESHOLD_MINUTES ? ROLLUP_MINUTES : 0);

function tierTests(o: Timing, plan: SeriesPlan, tier: Tier): TestGroup[] {
  const stepMinutes = o.step;
  const budget = Number(o.budget);
  const maxBurn = 1 / budget;
  const factor = Number(tier.factor);
  if (factor >= maxBurn) return [];
  const burn = Math.min(2 * factor, (factor + maxBurn) / 2);
  const bad = burn * budget * TRAFFIC;
  const warmup = tier.longMinutes + smear(o, tier.longMinutes) + ROLLUP_MINUTES;
  const detect = detectionMinutes(tier, burn);
  const slack = stepMinutes + tier.forMinutes + smear(o, tier.longMinutes) + 1;
  // the burn lasts until the check that it fired
  const stopAt = tick(o, warmup + detect + slack);
  const resolvedAt = tick(o, stopAt + tier.shortMinutes + smear(o, tier.shortMinutes) + 2 * stepMinutes);
  const phases: Phase[] = [
    { minutes: warmup, good: TRAFFIC, bad: 0 },
    { minutes: stopAt - warmup, good: TRAFFIC - bad, bad },
    { minutes: resolvedAt - stopAt + 5, good: TRAFFIC, bad: 0 },
  ];
  const checks = [silent(o, warmup, tier), firing(o, tier, stopAt), silent(o, resolvedAt, tier)];
  // not yet at four fifths of the detection time, when the evaluation that checks it is at least 10 minutes before it
  if (detect * 0.2 >= 10 + stepMinutes - 1) checks.splice(1, 0, silent(o, warmup + detect * 0.8, tier));
  return [
    {
      name: `${o.sloName}: a ${+burn.toPrecision(4)}x burn fires ${tier.id} within ${at(detect)} (+${slack}m) and resolves after the burn stops`,
      interval: '1m',
      input_series: plan.series(phases),
      promql_expr_test: checks,
    },
  ];
}

function slowBurnTest(o: Timing, plan: SeriesPlan, longest: number, slowest: number): TestGroup {
  const burn = slowest / 2;
  const bad = burn * Number(o.budget) * TRAFFIC;
  const minutes = longest + smear(o, longest) + ROLLUP_MINUTES;
  const checks = [0.25, 0.5, 0.75, 1].map((f) => silent(o, Math.max(10, minutes * f)));
  return {
    name: `${o.sloName}: a ${+burn.toPrecision(4)}x burn (half the slowest factor) fires nothing for ${at(minutes)}`,
    interval: '1m',
    input_series: plan.series([{ minutes: minutes + 1, good: TRAFFIC - bad, bad }]),
    promql_expr_test: checks,
  };
}

/**
 * Without traffic nothing fires and every record reads 0, not NaN. Where the SLI's series can sit idle (counters
 * that stop growing), the test loads them: a raw ratio of idle counters is 0/0. A grouped SLO has no series at
 * all until a group appears, so its test gives one group counters that never move.
 */
function zeroTrafficTest(o: Timing, plan: SeriesPlan | undefined): TestGroup {
  const group = o.groupBy.length ? plan?.group : undefined;
  const labels = { ...o.labels, ...(group ?? {}) };
  const when = tick(o, 30);
  const windows = o.windows.map((m) => ({
    expr: recorded(o, RECORD.errorRatio(promDuration(m))),
    eval_time: at(when),
    exp_samples: [{ labels: q.seriesText({ __name__: RECORD.errorRatio(promDuration(m)), ...labels, [LABEL.window]: promDuration(m) }), value: 0 }],
  }));
  // alertWhenNoData: the no-data alert fires once nothing was seen for its for: (plus the pending evaluation)
  const noData = o.noDataMinutes === undefined ? [] : [silent(o, o.step, { id: NO_DATA_TIER }), firing(o, { id: NO_DATA_TIER }, o.noDataMinutes + 2 * o.step)];
  return {
    name: `${o.sloName}: no traffic fires nothing${noData.length ? ' but its no-data alert' : ''}, every error ratio is 0 (never NaN) and no-traffic reads 1`,
    interval: '1m',
    input_series: (group || plan?.idle) && plan ? plan.series([{ minutes: when + 15, good: 0, bad: 0 }]) : [],
    promql_expr_test: [
      ...noData,
      silent(o, 30),
      silent(o, 2 * 60),
      ...windows,
      { expr: recorded(o, RECORD.budgetRemaining), eval_time: at(when), exp_samples: [{ labels: q.seriesText({ __name__: RECORD.budgetRemaining, ...labels }), value: 1 }] },
      { expr: recorded(o, RECORD.noTraffic), eval_time: at(when), exp_samples: [{ labels: q.seriesText({ __name__: RECORD.noTraffic, ...labels }), value: 1 }] },
    ],
  };
}

/**
 * SLIs counted in slices (Timeslices, threshold metrics) burn in whole slices, so their burns are pulses:
 * every `period` minutes, some minutes of bad input. promtool evaluates every group once per step. What a
 * slice reads reaches back over the slice or the longest range in its query, whichever is longer (a 1m slice
 * of `avg_over_time(up[5m])` reads 5 minutes). A pulse of that reach and one step makes at least one slice
 * wholly bad, whatever the query does over its range (rate, avg, max); a pulse of `p` minutes makes at most
 * `(p + reach) / step + 1` bad slices. Tests that must fire count the fewest, tests that must stay quiet the most.
 */
interface Pulses {
  pulse: number;
  period: number;
}
/** Bad evaluations a pulse can cause, at most. */
const mostBadSlices = (pulse: number, reach: number, step: number) => Math.floor((pulse + reach) / step) + 1;

function pulsePhases(p: Pulses, minutes: number): Phase[] {
  if (p.period <= p.pulse) return [{ minutes, good: 0, bad: TRAFFIC }];
  const phases: Phase[] = [];
  for (let t = 0; t < minutes; t += p.period) {
    const bad = Math.min(p.pulse, minutes - t);
    phases.push({ minutes: bad, good: 0, bad: TRAFFIC });
    if (minutes - t - bad > 0) phases.push({ minutes: Math.min(p.period, minutes - t) - bad, good: TRAFFIC, bad: 0 });
  }
  return phases;
}

/** Has the tier's alert fired at any evaluation in the last `range` minutes (a pulsed burn may flap)? */
const firedWithin = (o: Timing, tier: Tier, evalTime: number, range: number) => ({
  expr: q.render(q.agg('count', q.call('max_over_time', q.range(alertsSelector(o, tier), at(range))))),
  eval_time: at(evalTime),
  exp_samples: [{ labels: '{}', value: 1 }],
});
const silentWithin = (o: Timing, evalTime: number) => ({ expr: q.render(q.agg('count', q.call('max_over_time', q.range(alertsSelector(o), at(evalTime))))), eval_time: at(evalTime), exp_samples: [] });

function slicedTierTest(o: Timing, plan: SeriesPlan, tier: Tier, slice: number): TestGroup[] {
  const step = o.step;
  const budget = Number(o.budget);
  const maxBurn = 1 / budget;
  const factor = Number(tier.factor);
  if (factor >= maxBurn) return [];
  const wanted = Math.min(2 * factor, (factor + maxBurn) / 2);
  const reach = Math.max(slice, o.range);
  const pulse = reach + step;
  // with for: as long as the short window, only a solid burn holds the condition that long
  const period = tier.forMinutes + step >= tier.shortMinutes ? pulse : Math.max(pulse, Math.floor(step / (wanted * budget)));
  const p: Pulses = { pulse, period };
  const burn = period <= pulse ? maxBurn : step / (period * budget);
  const warmup = tier.longMinutes + smear(o, tier.longMinutes) + ROLLUP_MINUTES;
  const detect = detectionMinutes(tier, burn);
  const slack = step + tier.forMinutes + smear(o, tier.longMinutes) + period + reach + 1;
  const fireAt = tick(o, warmup + detect + slack);
  const resolvedAt = tick(o, fireAt + tier.shortMinutes + smear(o, tier.shortMinutes) + reach + 2 * step);
  return [
    {
      name: `${o.sloName}: bad slices at ${+burn.toPrecision(4)}x the budget or more fire ${tier.id} within ${at(detect)} (+${slack}m) and it resolves after they stop`,
      interval: '1m',
      input_series: plan.series([{ minutes: warmup, good: TRAFFIC, bad: 0 }, ...pulsePhases(p, fireAt - warmup), { minutes: resolvedAt - fireAt + 5, good: TRAFFIC, bad: 0 }]),
      promql_expr_test: [silent(o, warmup, tier), firedWithin(o, tier, fireAt, fireAt - warmup), silent(o, resolvedAt, tier)],
    },
  ];
}

/**
 * Half the slowest factor in pulses fires nothing, but only where a single pulse cannot already cross a tier's
 * threshold on its own; the reason is returned otherwise.
 */
function slicedSlowBurnTest(o: Timing, plan: SeriesPlan, slice: number, longest: number): TestGroup | string {
  const step = o.step;
  const budget = Number(o.budget);
  const slowest = Math.min(...o.tiers.map((t) => Number(t.factor)));
  const reach = Math.max(slice, o.range);
  const pulse = reach + step;
  const most = mostBadSlices(pulse, reach, step) * step;
  const period = Math.ceil(most / ((slowest / 2) * budget));
  // the most bad slices a long window can hold, as a share of its slices, must stay below every threshold
  const tooCoarse = o.tiers.find((t) => (t.longMinutes / period + 1) * most >= Number(t.factor) * budget * t.longMinutes);
  if (tooCoarse)
    return `${tooCoarse.id}'s threshold (${tooCoarse.factor} × ${o.budget} over ${promDuration(tooCoarse.longMinutes)}) is too close to a single bad slice for a half-factor burn in ${slice}m slices to stay below it`;
  // windows fill with good slices first: in a window that has barely begun, one pulse is most of it
  const warmup = longest + smear(o, longest) + ROLLUP_MINUTES;
  const minutes = longest + smear(o, longest) + ROLLUP_MINUTES;
  const end = tick(o, warmup + minutes);
  return {
    name: `${o.sloName}: bad slices at half the slowest factor (${+(slowest / 2).toPrecision(4)}x) fire nothing for ${at(minutes)}`,
    interval: '1m',
    input_series: plan.series([{ minutes: warmup, good: TRAFFIC, bad: 0 }, ...pulsePhases({ pulse, period }, end - warmup + 1)]),
    promql_expr_test: [silentWithin(o, end)],
  };
}

/** The slice length of an objective whose SLI is counted in slices, or undefined for event-counted ones. */
function sliceMinutes(c: CompiledSlo, o: CompiledObjective): number | undefined {
  const objective = c.slo.objectives[o.index]!;
  if (c.slo.budgetingMethod === 'Timeslices') return objective.timeSliceWindow?.minutes ?? BLOCK_RANGE_MINUTES;
  if (objective.indicator.kind === 'threshold') return c.slo.budgetingMethod === 'Occurrences' ? BLOCK_RANGE_MINUTES : (objective.timeSliceWindow?.minutes ?? BLOCK_RANGE_MINUTES);
  return undefined;
}

/**
 * promtool tests for one compiled SLO, and what they leave out: objectives whose queries no input series could be
 * synthesised for (see series.ts; they get zero-traffic tests only), and burn tests slices are too coarse for.
 * `ruleFiles`: the SLO's rule file, then any file it needs beside it (the shared layout's groups).
 */
export function generateTests(c: CompiledSlo, ruleFiles: string[]): { file: GeneratedTests; untestable: { name: string; reason: string }[] } {
  const tests: TestGroup[] = [];
  const untestable: { name: string; reason: string }[] = [];
  const longest = (o: CompiledObjective) => Math.max(60, ...o.tiers.map((t) => t.longMinutes));
  // a coarser step for day-plus windows keeps promtool fast (and under its 10,000-sample limit) without blurring the checks
  const step = Math.max(1, ...c.objectives.map((o) => Math.max(Math.ceil((longest(o) * 2.5 + 60) / MAX_STEPS), Math.ceil(longest(o) / 1440))));
  for (const compiled of c.objectives) {
    const o: Timing = { ...compiled, range: blockRangeMinutes(c, compiled), step };
    const synthesis = synthesise(c.slo.objectives[o.index]!, o.groupBy);
    const plan = 'plan' in synthesis ? scoped(synthesis.plan, c.scope) : undefined;
    const why = 'reason' in synthesis ? synthesis.reason : '';
    if (o.groupBy.length && !plan) {
      untestable.push({ name: o.sloName, reason: `have no tests: no input series can be synthesised for the queries of this grouped SLO (${why})` });
      continue;
    }
    tests.push(zeroTrafficTest(o, plan));
    if (!plan) {
      untestable.push({ name: o.sloName, reason: `cover zero traffic only: no input series can be synthesised for its queries (${why})` });
      continue;
    }
    if (o.tiers.length === 0) continue;
    const slice = sliceMinutes(c, o);
    if (slice === undefined) {
      // with steady traffic a RatioTimeslices SLI reads like an Occurrences one
      for (const tier of o.tiers) tests.push(...tierTests(o, plan, tier));
      tests.push(slowBurnTest(o, plan, longest(o), Math.min(...o.tiers.map((t) => Number(t.factor)))));
      continue;
    }
    for (const tier of o.tiers) tests.push(...slicedTierTest(o, plan, tier, slice));
    const slow = slicedSlowBurnTest(o, plan, slice, longest(o));
    if (typeof slow === 'string') untestable.push({ name: o.sloName, reason: `have no half-factor burn test: ${slow}` });
    else tests.push(slow);
  }
  return { file: { rule_files: ruleFiles, evaluation_interval: promDuration(step), group_eval_order: evaluationOrder(c, ruleFiles), tests }, untestable };
}

/** Synthetic series carry the compile's scope labels, as the scoped rules select them. */
function scoped(plan: SeriesPlan, scope: Readonly<Record<string, string>>): SeriesPlan {
  if (Object.keys(scope).length === 0) return plan;
  return { ...plan, series: (phases) => plan.series(phases).map((x) => ({ ...x, series: addMatchers(x.series, scope) })) };
}

/**
 * The SLO's groups in the order data flows through them: building blocks, roll-ups, windows, then alerts, with
 * the shared layout's groups (in the file beside the SLO's own, the blocks among them) before its alerts.
 */
function evaluationOrder(c: CompiledSlo, ruleFiles: string[]): string[] {
  const alerting = (g: CompiledSlo['rules']['groups'][number]) => g.rules.some(isAlert);
  const own = c.rules.groups.filter((g) => !alerting(g)).map((g) => g.name);
  const shared = ruleFiles.length > 1 && !own.includes(GROUP.rollup(c.slo.service, c.slo.name)) ? SHARED_GROUPS : [];
  return [...own, ...shared, ...c.rules.groups.filter(alerting).map((g) => g.name)];
}
