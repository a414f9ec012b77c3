/**
 * What we need to know about PromQL functions that the lezer grammar does not tell us.
 * The grammar already rejects names it does not know; these tables only add types and advice.
 */

/** Function names the installed grammar (Prometheus 3.x) accepts in a call. */
export const KNOWN_FUNCTIONS: ReadonlySet<string> = new Set([
  'abs',
  'absent',
  'absent_over_time',
  'acos',
  'acosh',
  'asin',
  'asinh',
  'atan',
  'atanh',
  'avg_over_time',
  'ceil',
  'changes',
  'clamp',
  'clamp_max',
  'clamp_min',
  'cos',
  'cosh',
  'count_over_time',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'days_in_month',
  'deg',
  'delta',
  'deriv',
  'double_exponential_smoothing',
  'end',
  'exp',
  'first_over_time',
  'floor',
  'histogram_avg',
  'histogram_count',
  'histogram_fraction',
  'histogram_quantile',
  'histogram_quantiles',
  'histogram_stddev',
  'histogram_stdvar',
  'histogram_sum',
  'hour',
  'idelta',
  'increase',
  'info',
  'irate',
  'label_join',
  'label_replace',
  'last_over_time',
  'ln',
  'log10',
  'log2',
  'mad_over_time',
  'max_over_time',
  'min_over_time',
  'minute',
  'month',
  'pi',
  'predict_linear',
  'present_over_time',
  'quantile_over_time',
  'rad',
  'range',
  'rate',
  'resets',
  'round',
  'scalar',
  'sgn',
  'sin',
  'sinh',
  'sort',
  'sort_by_label',
  'sort_by_label_desc',
  'sort_desc',
  'sqrt',
  'start',
  'start_timestamp',
  'stddev_over_time',
  'stdvar_over_time',
  'step',
  'sum_over_time',
  'tan',
  'tanh',
  'time',
  'timestamp',
  'ts_of_first_over_time',
  'ts_of_last_over_time',
  'ts_of_max_over_time',
  'ts_of_min_over_time',
  'vector',
  'year',
]);

/** Aggregation operators; only used to suggest a fix for a misspelt call. */
export const AGGREGATIONS: readonly string[] = ['avg', 'bottomk', 'count', 'count_values', 'group', 'limit_ratio', 'limitk', 'max', 'min', 'quantile', 'stddev', 'stdvar', 'sum', 'topk'];

/** Names Prometheus used to accept; calling them is a common leftover from 2.x dashboards. */
export const RENAMED_FUNCTIONS: Readonly<Record<string, string>> = {
  holt_winters: 'double_exponential_smoothing',
};

/**
 * Functions that take a range vector, and which argument it is.
 * quantile_over_time is the odd one: its range vector comes after the quantile.
 */
const RANGE_ARGUMENT: Readonly<Record<string, number>> = {
  rate: 0,
  increase: 0,
  irate: 0,
  delta: 0,
  idelta: 0,
  deriv: 0,
  resets: 0,
  changes: 0,
  predict_linear: 0,
  double_exponential_smoothing: 0,
  holt_winters: 0,
  absent_over_time: 0,
  present_over_time: 0,
  avg_over_time: 0,
  count_over_time: 0,
  first_over_time: 0,
  last_over_time: 0,
  mad_over_time: 0,
  max_over_time: 0,
  min_over_time: 0,
  stddev_over_time: 0,
  stdvar_over_time: 0,
  sum_over_time: 0,
  quantile_over_time: 1,
  ts_of_first_over_time: 0,
  ts_of_last_over_time: 0,
  ts_of_max_over_time: 0,
  ts_of_min_over_time: 0,
};

/** Index of the argument that must be a range vector, or undefined if the function takes none. */
export function rangeArgumentIndex(name: string): number | undefined {
  return Object.hasOwn(RANGE_ARGUMENT, name) ? RANGE_ARGUMENT[name] : undefined;
}

export function isRangeFunction(name: string): boolean {
  return rangeArgumentIndex(name) !== undefined;
}

/** Functions whose result is a scalar; every other function returns an instant vector. */
const SCALAR_FUNCTIONS: ReadonlySet<string> = new Set(['pi', 'scalar', 'time', 'start', 'end', 'range', 'step']);

export function functionReturnsScalar(name: string): boolean {
  return SCALAR_FUNCTIONS.has(name);
}

/** The current name of a function that was renamed (own keys only: names like `constructor` are not in the table). */
export function renamedFunction(name: string): string | undefined {
  return Object.hasOwn(RENAMED_FUNCTIONS, name) ? RENAMED_FUNCTIONS[name] : undefined;
}

/** Message for a call to a function the grammar does not know. */
export function unknownFunctionMessage(name: string): string {
  const renamed = renamedFunction(name);
  if (renamed !== undefined) return `${name}() was renamed to ${renamed}() in Prometheus 3`;
  const suggestion = closestName(name);
  return suggestion === undefined ? `unknown function "${name}"` : `unknown function "${name}", did you mean "${suggestion}"?`;
}

/** A known function or aggregation that differs only in case or by a typo or two. */
function closestName(name: string): string | undefined {
  const lower = name.toLowerCase();
  const candidates = [...KNOWN_FUNCTIONS, ...AGGREGATIONS];
  const sameLetters = candidates.find((c) => c === lower);
  if (sameLetters !== undefined) return sameLetters;
  // Short names are too close to everything for a suggestion to mean anything.
  if (lower.length < 4) return undefined;
  const limit = lower.length < 8 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const d = editDistance(lower, c, bestDistance);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning `cap`) once it cannot get below `cap`. */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin >= cap) return cap;
    prev = cur;
  }
  return Math.min(prev[b.length] ?? cap, cap);
}
