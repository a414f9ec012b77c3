/**
 * What a query needs of the samples it reads: whether it can produce NaN or ±Inf, and which of its
 * range functions need two samples in their range. Rule compilers use both to keep recorded series
 * finite and measurable at a given scrape interval.
 */
import { BinaryExpr, FunctionCall, FunctionIdentifier, MatrixSelector, NumberDurationLiteral } from '@prometheus-io/lezer-promql';
import { durationSeconds } from './durations';
import { firstChildOfType, parsePromql, textOf, type SyntaxNode } from './tree';

/** Functions whose result can be NaN or ±Inf for finite input (or for no traffic, as a quantile of nothing). */
const NON_FINITE_FUNCTIONS: ReadonlySet<string> = new Set([
  'histogram_quantile',
  'histogram_quantiles',
  'histogram_fraction',
  'histogram_avg',
  'histogram_stddev',
  'histogram_stdvar',
  'ln',
  'log2',
  'log10',
  'sqrt',
  'exp',
  'acos',
  'asin',
  'atanh',
  'acosh',
  'predict_linear',
  'deriv',
  'quantile_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'mad_over_time',
  'double_exponential_smoothing',
]);

/** Binary operators that divide or raise: `0 / 0`, `x % 0` and `0 ^ -1` are not finite. */
const NON_FINITE_OPERATORS = /^(?:\/|%|\^|atan2)$/i;

/**
 * Whether the query can yield NaN or ±Inf: a division, a NaN/Inf literal, or a function such as
 * histogram_quantile (NaN without traffic). A plain rate or sum of counters cannot.
 */
export function mayBeNonFinite(query: string): boolean {
  const tree = parsePromql(query);
  const cursor = tree.cursor();
  do {
    const id = cursor.type.id;
    if (id === BinaryExpr) {
      const op = operatorOf(cursor.node, query);
      if (op !== undefined && NON_FINITE_OPERATORS.test(op)) return true;
    } else if (id === FunctionCall) {
      const ident = firstChildOfType(cursor.node, FunctionIdentifier);
      if (ident && NON_FINITE_FUNCTIONS.has(textOf(query, ident))) return true;
    } else if (id === NumberDurationLiteral && /^[+-]?(?:nan|inf)/i.test(textOf(query, cursor))) return true;
  } while (cursor.next());
  return false;
}

/** The operator token of a binary expression: the first child that is not an expression. */
function operatorOf(node: SyntaxNode, text: string): string | undefined {
  for (let c = node.firstChild; c; c = c.nextSibling) if (!c.type.is('Expr') && c.type.name !== 'BoolModifier' && c.type.name !== 'MatchingModifierClause') return textOf(text, c).trim();
  return undefined;
}

/** Range functions that read nothing from a range holding a single sample. */
const TWO_SAMPLE_FUNCTIONS: ReadonlySet<string> = new Set(['rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'predict_linear', 'resets', 'changes']);

export interface SampleRange {
  /** The function, e.g. `rate`. */
  fn: string;
  /** The range as written, e.g. `1m`. */
  range: string;
  seconds: number;
}

/** Every call of a function that needs two samples in its range, with the range it reads (fixed ranges only). */
export function twoSampleRanges(query: string): SampleRange[] {
  const tree = parsePromql(query);
  const out: SampleRange[] = [];
  const cursor = tree.cursor();
  do {
    if (cursor.type.id !== FunctionCall) continue;
    const ident = firstChildOfType(cursor.node, FunctionIdentifier);
    const fn = ident ? textOf(query, ident) : '';
    if (!TWO_SAMPLE_FUNCTIONS.has(fn)) continue;
    const inner = cursor.node.cursor();
    do {
      if (inner.type.id !== MatrixSelector) continue;
      const m = /\[\s*([^\]:\s]+)\s*\]\s*$/.exec(textOf(query, inner));
      const seconds = m ? durationSeconds(m[1]!) : undefined;
      if (m && seconds !== undefined) out.push({ fn, range: m[1]!, seconds });
      break;
    } while (inner.next() && inner.from < cursor.to);
  } while (cursor.next());
  return out;
}
