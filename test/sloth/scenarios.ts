import { LABEL, promDuration, RECORD, type Phase } from '@slo-engine/rules';
import { minutesOf, type Pair, type Severity } from './examples';
import type { InputSeries } from './traffic';

/**
 * The synthetic incidents both rule sets are run against, and what each must do. Every scenario asserts the same
 * of Sloth's rules and of ours: that is the comparison.
 */

/** Events per minute. */
const TRAFFIC = 1000;
/** promtool's evaluation interval (our rule groups declare 1m, 2m and 10m; promtool evaluates all at this step). */
export const STEP_MINUTES = 1;
/** Our windows lag a change by the 5m building-block rate, and day-plus windows also by the 10m roll-ups. */
const lag = (longMinutes: number) => 5 + (longMinutes >= 1440 ? 10 : 0);
/** Margin after the computed detection time. */
const MARGIN_MINUTES = 2;

export type ScenarioSpec =
  /** A clean warm-up longer than the severity's longest window, then a burn of 2x the reference tier's factor. Both fire. */
  | { kind: 'above'; severity: Severity; reference: 'fastest' | 'slowest' }
  /** Half the severity's slowest factor for its longest window (plus lag). Neither fires. */
  | { kind: 'below'; severity: Severity }
  /** An SLO whose alerts are disabled in the spec: a heavy burn, and neither rule set has an alert for it. */
  | { kind: 'no-alerts' }
  /** Steady traffic with 25% errors: every error-ratio window both record agrees. */
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
  { name: 'page, clearly above: 2x the fast page factor after a clean warm-up fires both page alerts', spec: { kind: 'above', severity: 'page', reference: 'fastest' }, applies: (p) => slothAlerts(p, 'page') },
  { name: 'page, clearly below: half the slow page factor for its whole long window fires neither', spec: { kind: 'below', severity: 'page' }, applies: (p) => slothAlerts(p, 'page') },
  { name: 'ticket, clearly above: 2x the slow ticket factor after a clean warm-up fires both ticket alerts', spec: { kind: 'above', severity: 'ticket', reference: 'slowest' }, applies: (p) => slothAlerts(p, 'ticket') },
  { name: 'ticket, clearly below: half the slow ticket factor for its whole long window fires neither', spec: { kind: 'below', severity: 'ticket' }, applies: (p) => slothAlerts(p, 'ticket') },
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

const at = (minutes: number) => promDuration(Math.max(1, Math.ceil(minutes)));
const q = JSON.stringify;

/** The two rule sets' alerts of one severity for the pair's SLO. */
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

const firing = (selector: string, minutes: number): ExprTest => ({ expr: `count(${selector}) > bool 0`, eval_time: at(minutes), exp_samples: [{ labels: '{}', value: 1 }] });
const silent = (selector: string, minutes: number): ExprTest => ({ expr: `count(${selector})`, eval_time: at(minutes), exp_samples: [] });

const budgetOf = (p: Pair) => Number(p.objective.budget);
const phase = (minutes: number, errorRatio: number): Phase => ({ minutes, good: TRAFFIC * (1 - errorRatio), bad: TRAFFIC * errorRatio });

/** Tiers of a severity in both tools (identical windows and factors, which a separate test asserts), in minutes. */
function tiersOf(p: Pair, severity: Severity) {
  return p.objective.tiers.filter((t) => t.severity === severity).map((t) => ({ factor: Number(t.factor), long: t.longMinutes, forMinutes: t.forMinutes }));
}

export interface BuiltScenario {
  group: TestGroup;
  /** The burn rate used, for the report. */
  burn?: number;
  minutes: number;
}

function above(p: Pair, severity: Severity, reference: 'fastest' | 'slowest'): BuiltScenario {
  const tiers = tiersOf(p, severity);
  const factors = tiers.map((t) => t.factor);
  const ref = reference === 'fastest' ? Math.max(...factors) : Math.min(...factors);
  const maxBurn = 1 / budgetOf(p);
  // 2x the reference factor, or half-way to 100% errors when that is more than the budget allows
  const burn = Math.min(2 * ref, (ref + maxBurn) / 2);
  const ratio = burn * budgetOf(p);
  const exceeded = tiers.filter((t) => t.factor < burn);
  const warmup = Math.max(...exceeded.map((t) => t.long + lag(t.long))) + 10;
  // detection = factor / burn x long window (Sloth), plus our lag, one evaluation, any for:, the traffic's granularity
  const detect = exceeded.map((t) => (t.factor / burn) * t.long);
  const fireAt = warmup + Math.max(...exceeded.map((t, i) => detect[i]! + lag(t.long) + STEP_MINUTES + t.forMinutes)) + p.traffic.granularityMinutes(ratio) + MARGIN_MINUTES;
  const earlyAt = warmup + Math.min(...detect) / 2;
  const minutes = Math.ceil(fireAt) + 1;
  const tools = alertSelectors(p, severity);
  return {
    burn,
    minutes,
    group: {
      name: `${p.sloth.id}: ${severity} above: ${+burn.toPrecision(4)}x burn (${+(ratio * 100).toPrecision(4)}% errors) from ${at(warmup)} fires both by ${at(fireAt)}`,
      interval: '1m',
      input_series: p.traffic.series([phase(warmup, 0), phase(minutes - warmup, ratio)]),
      promql_expr_test: [
        ...tools.map((t) => silent(t.selector, warmup)),
        ...tools.map((t) => silent(t.selector, earlyAt)),
        ...tools.map((t) => firing(t.selector, fireAt)),
      ],
    },
  };
}

function below(p: Pair, severity: Severity): BuiltScenario {
  const tiers = tiersOf(p, severity);
  const burn = Math.min(...tiers.map((t) => t.factor)) / 2;
  const longest = Math.max(...tiers.map((t) => t.long));
  const minutes = longest + lag(longest) + 10;
  const tools = alertSelectors(p, severity);
  const checks = [0.1, 0.25, 0.5, 0.75, 1].map((f) => Math.max(10, minutes * f));
  return {
    burn,
    minutes,
    group: {
      name: `${p.sloth.id}: ${severity} below: ${burn}x burn for ${at(minutes)} fires neither`,
      interval: '1m',
      input_series: p.traffic.series([phase(minutes + 1, burn * budgetOf(p))]),
      promql_expr_test: checks.flatMap((m) => tools.map((t) => silent(t.selector, m))),
    },
  };
}

function noAlerts(p: Pair): BuiltScenario {
  const minutes = 3 * 60;
  const tools = alertSelectors(p);
  return {
    minutes,
    group: {
      name: `${p.sloth.id}: alerts disabled: 50% errors for ${at(minutes)} fires nothing`,
      interval: '1m',
      input_series: p.traffic.series([phase(minutes + 1, 0.5)]),
      promql_expr_test: [30, 90, minutes].flatMap((m) => tools.map((t) => silent(t.selector, m))),
    },
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
  const minutes = 6 * 60;
  const tol = errorRatio * SLI_TOLERANCE;
  const ours = (w: string) => `max without (${LABEL.window}) (${RECORD.errorRatio(w)}${p.objective.selector})`;
  const sloth = (w: string) => `max without (sloth_window) (${RECORD.errorRatio(w)}{sloth_id=${q(p.sloth.id)}})`;
  const tests = sharedWindows(p).flatMap((w) => [
    // Sloth reads the synthetic traffic as intended...
    { expr: `abs(${sloth(w)} - ${errorRatio}) < bool ${tol}`, eval_time: at(minutes), exp_samples: [{ labels: '{}', value: 1 }] },
    // ...and ours agrees with it
    { expr: `abs(${ours(w)} - on() ${sloth(w)}) < bool ${tol}`, eval_time: at(minutes), exp_samples: [{ labels: '{}', value: 1 }] },
  ]);
  return {
    minutes,
    group: {
      name: `${p.sloth.id}: steady ${errorRatio * 100}% errors for ${at(minutes)}: error ratios over ${sharedWindows(p).join(', ')} agree within ${SLI_TOLERANCE * 100}%`,
      interval: '1m',
      input_series: p.traffic.series([phase(minutes + 1, errorRatio)]),
      promql_expr_test: tests,
    },
  };
}

export function buildScenario(p: Pair, spec: ScenarioSpec): BuiltScenario {
  switch (spec.kind) {
    case 'above':
      return above(p, spec.severity, spec.reference);
    case 'below':
      return below(p, spec.severity);
    case 'no-alerts':
      return noAlerts(p);
    case 'sli':
      return sli(p, spec.errorRatio);
  }
}
