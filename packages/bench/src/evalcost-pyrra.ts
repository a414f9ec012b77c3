import type { RuleFile, RuleGroup } from '@slo-engine/rules';
import type { BenchSlo } from './evalcost-slos';

/**
 * The rules Pyrra generates, for our SLOs. Pyrra ships no generated rule files, so its shape is written out
 * here from what its own tests expect: the PrometheusRule its Kubernetes operator makes for a ratio SLO
 * (pyrra-dev/pyrra, kubernetes/controllers/servicelevelobjective_test.go, Test_makePrometheusRule, the
 * 28-day "http" SLO over http_requests_total), with the window arithmetic of slo/rules.go (Windows,
 * increaseInterval, burn-rate and alert expressions) and slo/slo.go (Exhausts, AbsentDuration) applied to
 * our 30-day window. Replaced, and nothing else: the SLO name (group names and the slo label), the error
 * and total selectors, the objective, and the propagated labels (the template's team label; ours are the
 * SLO's own labels). The template's only annotation is a propagated one, which our SLOs do not have.
 * Generic rules are not generated: Pyrra writes them only with --generic-rules.
 */

export const PYRRA_SOURCE =
  'the PrometheusRule Pyrra’s Kubernetes operator generates for a ratio SLO, as its own test expects it (pyrra-dev/pyrra, kubernetes/controllers/servicelevelobjective_test.go, Test_makePrometheusRule), with the windows, intervals and durations of slo/rules.go and slo/slo.go for a 30d window';

const DAY = 86400;
export const PYRRA_WINDOW_SECONDS = 30 * DAY;

/** The burn-rate group's interval, whatever the window (Burnrates in slo/rules.go). */
export const PYRRA_BURNRATE_INTERVAL_SECONDS = 30;

/** One multi-window alert: Pyrra's Window (slo/rules.go), in seconds. */
export interface PyrraWindow {
  severity: 'critical' | 'warning';
  forSeconds: number;
  longSeconds: number;
  shortSeconds: number;
  factor: number;
}

/** `window / divisor` as Go divides a time.Duration (whole nanoseconds), rounded to the minute as Duration.Round does. */
const part = (windowSeconds: number, divisor: number): number => Math.round(Math.floor((windowSeconds * 1e9) / divisor) / 60e9) * 60;

/** Pyrra's four alert windows for an SLO window: the 28-day ones (1h/5m, 6h/30m, 1d/2h, 4d/6h) scaled. */
export function pyrraWindows(windowSeconds: number): PyrraWindow[] {
  const w = (severity: PyrraWindow['severity'], forDiv: number, longDiv: number, shortDiv: number, factor: number): PyrraWindow => ({
    severity,
    forSeconds: part(windowSeconds, forDiv),
    longSeconds: part(windowSeconds, longDiv),
    shortSeconds: part(windowSeconds, shortDiv),
    factor,
  });
  // the divisors as Go evaluates them (integer constants): 28×24×(60/2), 28×24, 28×24×(60/5), …
  return [w('critical', 28 * 24 * 30, 28 * 24, 28 * 24 * 12, 14), w('critical', 28 * 24 * 4, 28 * 4, 28 * 24 * 2, 7), w('warning', 28 * 24, 28, 28 * 12, 2), w('warning', 28 * 8, 7, 28 * 4, 1)];
}

/** Every distinct short and long window, shortest first: one burn-rate recording rule each. */
export const pyrraBurnrateWindows = (ws: PyrraWindow[]): number[] => [...new Set(ws.flatMap((w) => [w.shortSeconds, w.longSeconds]))].sort((a, b) => a - b);

/** The increase group's interval: 30s below 7 days, 30s more per started week, at most 4m (increaseInterval). */
export function pyrraIncreaseIntervalSeconds(windowSeconds: number): number {
  const weeks = Math.floor(windowSeconds / (7 * DAY));
  return Math.min(30 * (weeks + 1), 240);
}

/** A duration as Prometheus prints one (model.Duration): years and weeks only when exact, e.g. 30d, 4w, 1d1h43m, 2m30s. */
export function promDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  let rest = seconds;
  let out = '';
  const units: [string, number, boolean][] = [
    ['y', 365 * DAY, true],
    ['w', 7 * DAY, true],
    ['d', DAY, false],
    ['h', 3600, false],
    ['m', 60, false],
    ['s', 1, false],
  ];
  for (const [unit, mult, exact] of units) {
    if (exact && rest % mult !== 0) continue;
    const v = Math.floor(rest / mult);
    if (v > 0) {
      out += `${v}${unit}`;
      rest -= v * mult;
    }
  }
  return out;
}

/** A whole number of seconds as Go prints a time.Duration, e.g. 2m0s, 1h4m0s: the alerts' `for`. */
function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

interface Matcher {
  name: string;
  op: string;
  /** Quoted, as written. */
  value: string;
}

/** A selector like `http_requests_total{job="x",code=~"5.."}`: its metric name and matchers. */
function parseSelector(selector: string): { metric: string; matchers: Matcher[] } {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\}$/.exec(selector);
  if (!m) throw new Error(`not a metric selector: ${selector}`);
  const matchers = [...m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")/g)].map((x) => ({ name: x[1]!, op: x[2]!, value: x[3]! }));
  return { metric: m[1]!, matchers };
}

/** Matchers as Prometheus prints a selector's: each `name op "value"`, sorted as strings. */
const matcherText = (ms: Matcher[]): string =>
  ms
    .map((m) => `${m.name}${m.op}${m.value}`)
    .sort()
    .join(',');

/** Pyrra's recording-rule prefix: the total metric without _total/_count (BurnrateName, increaseName). */
const baseName = (metric: string): string => metric.replace(/_total$/, '').replace(/_count$/, '');

/** Pyrra renders the target as Go's shortest float: 99.9 / 100 is 0.9990000000000001, as in JavaScript. */
const target = (s: BenchSlo): number => s.objectivePercent / 100;

/** Pyrra's rule groups for `s`: `<slo>-increase` (the window's increase and the absent alert), then `<slo>` (burn rates and alerts). */
export function pyrraRules(s: BenchSlo, windowSeconds = PYRRA_WINDOW_SECONDS): RuleFile {
  const errors = parseSelector(s.errorSelector);
  const total = parseSelector(s.totalSelector);
  if (errors.metric !== total.metric) throw new Error(`${s.name}: the Pyrra shape here is the one for errors and total of one metric`);
  const metric = total.metric;
  const base = baseName(metric);
  const equal = total.matchers.filter((m) => m.op === '=');
  // labels of the error matchers that the total's lack (the status code): the increase keeps them apart
  const grouping = [...new Set(errors.matchers.map((m) => m.name).filter((n) => !total.matchers.some((t) => t.name === n)))].sort();
  const sorted = (l: Record<string, string>) => Object.fromEntries(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : 1)));
  const ruleLabels = sorted({ slo: s.name, ...s.labels, ...Object.fromEntries(equal.filter((m) => !grouping.includes(m.name)).map((m) => [m.name, JSON.parse(m.value) as string])) });
  const ws = pyrraWindows(windowSeconds);
  const burnrate = (seconds: number) => `${base}:burnrate${promDuration(seconds)}`;
  const t = String(target(s));
  // alerts select the burn rates by the total's matchers but its regular expressions (nothing is grouped by here), and the slo label
  const alertMatchers = matcherText([...total.matchers.filter((m) => m.op !== '=~' && m.op !== '!~'), { name: 'slo', op: '=', value: JSON.stringify(s.name) }]);
  const short = ws[0]!;
  const absentSeconds = Math.round((Math.trunc(short.factor * (1 - target(s)) * short.longSeconds) + short.forSeconds) / 60) * 60;

  const increase: RuleGroup = {
    name: `${s.name}-increase`,
    interval: promDuration(pyrraIncreaseIntervalSeconds(windowSeconds)),
    rules: [
      {
        record: `${base}:increase${promDuration(windowSeconds)}`,
        expr: `sum${grouping.length ? ` by (${grouping.join(', ')})` : ''} (increase(${metric}{${matcherText(total.matchers)}}[${promDuration(windowSeconds)}]))`,
        labels: ruleLabels,
      },
      {
        alert: 'SLOMetricAbsent',
        expr: `absent(${metric}{${matcherText(total.matchers)}}) == 1`,
        for: promDuration(absentSeconds),
        labels: sorted({ ...ruleLabels, severity: 'critical' }),
      } as RuleGroup['rules'][number],
    ],
  };
  const burnrates: RuleGroup = {
    name: s.name,
    interval: promDuration(PYRRA_BURNRATE_INTERVAL_SECONDS),
    rules: [
      ...pyrraBurnrateWindows(ws).map((w) => ({
        record: burnrate(w),
        expr: `sum(rate(${metric}{${matcherText(errors.matchers)}}[${promDuration(w)}])) / sum(rate(${metric}{${matcherText(total.matchers)}}[${promDuration(w)}]))`,
        labels: ruleLabels,
      })),
      ...ws.map(
        (w) =>
          ({
            alert: 'ErrorBudgetBurn',
            expr: `${burnrate(w.shortSeconds)}{${alertMatchers}} > (${w.factor.toFixed(0)} * (1-${t})) and ${burnrate(w.longSeconds)}{${alertMatchers}} > (${w.factor.toFixed(0)} * (1-${t}))`,
            for: goDuration(w.forSeconds),
            labels: sorted({
              ...ruleLabels,
              short: promDuration(w.shortSeconds),
              long: promDuration(w.longSeconds),
              severity: w.severity,
              exhaustion: promDuration(Math.trunc(windowSeconds / w.factor)),
            }),
          }) as RuleGroup['rules'][number],
      ),
    ],
  };
  return { groups: [increase, burnrates] };
}

/**
 * Pyrra's period error ratio for `s`: the ratio inside its error-budget query (QueryErrorBudget in
 * slo/promql.go), errors over total of its recorded increase over the window, which its UI shows as the
 * availability (1 − this) and the budget left.
 */
export function pyrraPeriodErrorRatio(s: BenchSlo, windowSeconds = PYRRA_WINDOW_SECONDS): string {
  const errors = parseSelector(s.errorSelector);
  const total = parseSelector(s.totalSelector);
  const name = `${baseName(total.metric)}:increase${promDuration(windowSeconds)}`;
  const slo = { name: 'slo', op: '=', value: JSON.stringify(s.name) };
  return `sum(${name}{${matcherText([...errors.matchers, slo])}} or vector(0)) / sum(${name}{${matcherText([...total.matchers, slo])}})`;
}
