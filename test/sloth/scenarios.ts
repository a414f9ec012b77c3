import { LABEL, promDuration, RECORD, type Phase } from '@slo-engine/rules';
import { minutesOf, type Pair, type Severity } from './examples';
import type { InputSeries } from './traffic';

/**
 * The synthetic incidents both rule sets are run against, and what each must do. Every scenario asserts the same
 * of Sloth's rules and of ours: that is the comparison.
 */

/** Events per minute. */
const TRAFFIC = 1000;
/** Our windows lag a change by the 5m building-block rate, and day-plus windows also by the 10m roll-ups. */
const lag = (longMinutes: number) => 5 + (longMinutes >= 1440 ? 10 : 0);
/** Margin after the computed detection time. */
const MARGIN_MINUTES = 2;

/**
 * Sample and evaluation interval of a scenario, in minutes. 1 for scenarios of hours; 5 for the multi-day ticket
 * scenarios, which at 1 minute take about a minute of promtool time each (Sloth's rate()s over 1d and 3d read every
 * raw sample at every evaluation). promtool evaluates every group at this step whatever its own interval, so our
 * 1m, 2m and 10m groups all run every 5 minutes there; at 5 minutes our 5m building blocks still tile the timeline.
 */
export type Step = 1 | 5;

export type ScenarioSpec =
  /** A clean warm-up longer than the severity's longest window, then a burn of 2x the reference tier's factor. Both fire. */
  | { kind: 'above'; severity: Severity; reference: 'fastest' | 'slowest'; step: Step }
  /** Half the severity's slowest factor for its longest window (plus lag). Neither fires. */
  | { kind: 'below'; severity: Severity; step: Step }
  /** An SLO whose alerts are disabled in the spec: a heavy burn, and neither rule set has an alert for it. */
  | { kind: 'no-alerts' }
  /** Steady traffic at this error ratio from the start: Sloth reads it, and every error-ratio window both record agrees. */
  | { kind: 'sli'; errorRatio: number };

export interface Scenario {
  name: string;
  spec: ScenarioSpec;
  /** Whether the scenario applies to a pair (e.g. page scenarios only where Sloth generated a page alert). */
  applies(p: Pair): boolean;
}

const slothAlerts = (p: Pair, s: Severity) => p.sloth.alerts[s] !== undefined;

/** Table: one row per scenario; each applies to every pair its predicate accepts. */
export const SCENARIOS: Scenario[] = [
  {
    name: 'page, clearly above: 2x the fast page factor after a clean warm-up fires both page alerts',
    spec: { kind: 'above', severity: 'page', reference: 'fastest', step: 1 },
    applies: (p) => slothAlerts(p, 'page'),
  },
  { name: 'page, clearly below: half the slow page factor for its whole long window fires neither', spec: { kind: 'below', severity: 'page', step: 1 }, applies: (p) => slothAlerts(p, 'page') },
  {
    name: 'ticket, clearly above: 2x the slow ticket factor after a clean warm-up fires both ticket alerts',
    spec: { kind: 'above', severity: 'ticket', reference: 'slowest', step: 5 },
    applies: (p) => slothAlerts(p, 'ticket'),
  },
  {
    name: 'ticket, clearly below: half the slow ticket factor for its whole long window fires neither',
    spec: { kind: 'below', severity: 'ticket', step: 5 },
    applies: (p) => slothAlerts(p, 'ticket'),
  },
  { name: 'alerts disabled: a heavy burn fires nothing in either', spec: { kind: 'no-alerts' }, applies: (p) => p.category !== 'openslo' && !slothAlerts(p, 'page') && !slothAlerts(p, 'ticket') },
  { name: 'steady 25% errors: the error ratio of every shared window agrees', spec: { kind: 'sli', errorRatio: 0.25 }, applies: () => true },
];

// ------------------------------------------------------------------ promtool test groups

interface ExprTest {
  expr: string;
  eval_time: string;
  exp_samples: { labels?: string; value: number }[];
}

export interface TestGroup {
  name: string;
  interval: string;
  input_series: InputSeries[];
  promql_expr_test: ExprTest[];
}

const q = JSON.stringify;
const roundUp = (minutes: number, step: Step) => Math.ceil(minutes / step) * step;
/** An evaluation time: whole steps, at least one. */
const at = (minutes: number, step: Step) => promDuration(Math.max(step, roundUp(minutes, step)));

function alertSelectors(p: Pair, severity?: Severity): { tool: string; selector: string }[] {
  const sloth = severity ? p.sloth.alerts[severity] : undefined;
  const ours = severity ? p.ourAlerts[severity] : undefined;
  return [
    {
      tool: 'Sloth',
      selector: `ALERTS{${sloth ? `alertname=${q(sloth.name)},` : ''}sloth_id=${q(p.sloth.id)},${severity ? `sloth_severity=${q(severity)},` : ''}alertstate="firing"}`,
    },
    {
      tool: 'ours',
      selector: `ALERTS{${ours ? `alertname=${q(ours)},` : ''}${LABEL.name}=${q(p.objective.sloName)},${LABEL.service}=${q(p.objective.labels[LABEL.service]!)},${severity ? `${LABEL.severity}=${q(severity)},` : ''}alertstate="firing"}`,
    },
  ];
}

const firing = (selector: string, time: string): ExprTest => ({ expr: `count(${selector}) > bool 0`, eval_time: time, exp_samples: [{ labels: '{}', value: 1 }] });
const silent = (selector: string, time: string): ExprTest => ({ expr: `count(${selector})`, eval_time: time, exp_samples: [] });

const budgetOf = (p: Pair) => Number(p.objective.budget);
/** `minutes` of traffic with this error ratio (a multiple of the step). */
const phase = (minutes: number, errorRatio: number): Phase => ({ minutes, good: TRAFFIC * (1 - errorRatio), bad: TRAFFIC * errorRatio });

/** Input series at one sample per step: phases in samples, events per sample. */
function inputs(p: Pair, phases: Phase[], step: Step): InputSeries[] {
  for (const ph of phases) if (ph.minutes % step !== 0) throw new Error(`phase of ${ph.minutes}m is not whole ${step}m steps`);
  return p.traffic.series(phases.map((ph) => ({ minutes: ph.minutes / step, good: ph.good * step, bad: ph.bad * step })));
}

/**
 * Tiers of a severity, in minutes: the same windows in both tools (a separate test asserts it), and the factor
 * of the slower of the two. They differ only where ours was lowered to half the requests failing (a low
 * objective), so ours fires earlier there and both have fired by the times the scenarios check.
 */
function tiersOf(p: Pair, severity: Severity) {
  const theirs = p.sloth.alerts[severity]?.tiers ?? [];
  return p.objective.tiers
    .filter((t) => t.severity === severity)
    .map((t) => {
      const same = theirs.find((x) => x.long === promDuration(t.longMinutes));
      return { factor: Math.max(Number(t.factor), same?.factor ?? 0), long: t.longMinutes, forMinutes: t.forMinutes };
    });
}

export interface BuiltScenario {
  group: TestGroup;
  step: Step;
  /** Burn rate, for the report. */
  burn?: number;
  minutes: number;
}

function group(name: string, step: Step, input_series: InputSeries[], promql_expr_test: ExprTest[]): TestGroup {
  return { name, interval: `${step}m`, input_series, promql_expr_test };
}

function above(p: Pair, severity: Severity, reference: 'fastest' | 'slowest', step: Step): BuiltScenario {
  const tiers = tiersOf(p, severity);
  const factors = tiers.map((t) => t.factor);
  const ref = reference === 'fastest' ? Math.max(...factors) : Math.min(...factors);
  const maxBurn = 1 / budgetOf(p);
  // 2x the reference factor, or half-way to 100% errors when that is more than the budget allows
  const burn = Math.min(2 * ref, (ref + maxBurn) / 2);
  const ratio = burn * budgetOf(p);
  const exceeded = tiers.filter((t) => t.factor < burn);
  // the clean warm-up outlasts every long window the burn exceeds, so each sees only clean traffic when it starts
  const warmup = roundUp(Math.max(...exceeded.map((t) => t.long + lag(t.long))) + 10, step);
  // detection = factor / burn x long window (Sloth's arithmetic), plus our lag, a sample and an evaluation, any for:,
  // and the traffic's granularity
  const detect = exceeded.map((t) => (t.factor / burn) * t.long);
  const slack = (t: (typeof exceeded)[number]) => lag(t.long) + 2 * step + t.forMinutes + p.traffic.granularitySamples(ratio) * step + MARGIN_MINUTES;
  // firing once the first tier has detected the burn (Sloth's alert is the `or` of its tiers), and still once every tier has
  const fireTimes = [...new Set(exceeded.map((t, i) => roundUp(warmup + detect[i]! + slack(t), step)))].sort((a, b) => a - b);
  const fireAt = fireTimes[fireTimes.length - 1]!;
  // half-way to the earliest detection, no long window has reached its factor yet
  const earlyAt = warmup + Math.floor(Math.min(...detect) / 2 / step) * step;
  const minutes = fireAt + step;
  const tools = alertSelectors(p, severity);
  return {
    burn,
    step,
    minutes,
    group: group(
      `${p.sloth.id}: ${severity} above: ${+burn.toPrecision(4)}x burn (${+(ratio * 100).toPrecision(4)}% errors) after a clean ${at(warmup, step)}: quiet until ${at(earlyAt, step)}, both firing at ${fireTimes.map((m) => at(m, step)).join(' and ')}`,
      step,
      inputs(p, [phase(warmup, 0), phase(minutes - warmup, ratio)], step),
      [...[warmup, earlyAt].flatMap((m) => tools.map((t) => silent(t.selector, at(m, step)))), ...fireTimes.flatMap((m) => tools.map((t) => firing(t.selector, at(m, step))))],
    ),
  };
}

function below(p: Pair, severity: Severity, step: Step): BuiltScenario {
  const tiers = tiersOf(p, severity);
  const burn = Math.min(...tiers.map((t) => t.factor)) / 2;
  const longest = Math.max(...tiers.map((t) => t.long));
  const minutes = roundUp(longest + lag(longest) + 10, step);
  const tools = alertSelectors(p, severity);
  const checks = [...new Set([0.1, 0.25, 0.5, 0.75, 1].map((f) => at(Math.max(10, minutes * f), step)))];
  return {
    burn,
    step,
    minutes,
    group: group(
      `${p.sloth.id}: ${severity} below: ${burn}x burn for ${at(minutes, step)} fires neither`,
      step,
      inputs(p, [phase(minutes + step, burn * budgetOf(p))], step),
      checks.flatMap((time) => tools.map((t) => silent(t.selector, time))),
    ),
  };
}

function noAlerts(p: Pair): BuiltScenario {
  const step = 1;
  const minutes = 3 * 60;
  const tools = alertSelectors(p);
  return {
    step,
    minutes,
    group: group(
      `${p.sloth.id}: alerts disabled: 50% errors for ${at(minutes, step)} fires nothing`,
      step,
      inputs(p, [phase(minutes + step, 0.5)], step),
      [30, 90, minutes].flatMap((m) => tools.map((t) => silent(t.selector, at(m, step)))),
    ),
  };
}

/** Windows with an error-ratio record in both rule sets. */
export function sharedWindows(p: Pair): string[] {
  const ours = new Set(p.objective.windows.map(promDuration));
  return p.sloth.windows.filter((w) => ours.has(w)).sort((a, b) => minutesOf(a) - minutesOf(b));
}

/** Relative tolerance of the SLI comparison. */
export const SLI_TOLERANCE = 0.01;

function sli(p: Pair, errorRatio: number): BuiltScenario {
  const step = 1;
  // steady traffic: every window reads the same ratio once the longest short window (1h) is full
  const minutes = 2 * 60;
  const tol = errorRatio * SLI_TOLERANCE;
  const ours = (w: string) => `max(${RECORD.errorRatio(w)}${p.objective.selector})`;
  const sloth = (w: string) => `max(${RECORD.errorRatio(w)}{sloth_id=${q(p.sloth.id)}})`;
  const time = at(minutes, step);
  const tests = sharedWindows(p).flatMap((w) => [
    // Sloth reads the synthetic traffic as intended...
    { expr: `abs(${sloth(w)} - ${errorRatio}) < bool ${tol}`, eval_time: time, exp_samples: [{ labels: '{}', value: 1 }] },
    // ...and ours agrees with it
    { expr: `abs(${ours(w)} - ${sloth(w)}) < bool ${tol}`, eval_time: time, exp_samples: [{ labels: '{}', value: 1 }] },
  ]);
  return {
    step,
    minutes,
    group: group(
      `${p.sloth.id}: steady ${errorRatio * 100}% errors for ${time}: error ratios over ${sharedWindows(p).join(', ')} agree within ${SLI_TOLERANCE * 100}%`,
      step,
      inputs(p, [phase(minutes + step, errorRatio)], step),
      tests,
    ),
  };
}

export function buildScenario(p: Pair, spec: ScenarioSpec): BuiltScenario {
  switch (spec.kind) {
    case 'above':
      return above(p, spec.severity, spec.reference, spec.step);
    case 'below':
      return below(p, spec.severity, spec.step);
    case 'no-alerts':
      return noAlerts(p);
    case 'sli':
      return sli(p, spec.errorRatio);
  }
}
