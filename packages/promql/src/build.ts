/**
 * PromQL built as data, rendered in one place. Generated rules, tests, dashboards and report queries compose
 * these values instead of concatenating text, so a selector gets its scope matchers by extending a list and
 * nobody slices braces off a string. Rendering adds nothing the caller did not ask for: no parentheses (wrap
 * with `paren`), no reordering, so the text is exactly what was built.
 */
import type { LabelMatcher, MatchOperator } from './selectors';

/** `label="value"`, `label=~"regex"`...: the same shape `selectors()` reads off a query. */
export type Matcher = LabelMatcher;
export type { MatchOperator };

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2' | '==' | '!=' | '>' | '<' | '>=' | '<=' | 'and' | 'or' | 'unless';

/** Vector matching of a binary operation: at most one of `on` and `ignoring`, at most one of the group modifiers. */
export type VectorMatching = ({ on?: readonly string[]; ignoring?: never } | { ignoring?: readonly string[]; on?: never }) &
  ({ groupLeft?: readonly string[]; groupRight?: never } | { groupRight?: readonly string[]; groupLeft?: never });

export type BinaryOptions = VectorMatching & {
  /** `==` and friends return 0 or 1 instead of filtering. */
  bool?: boolean;
  /** `on (a)` and `group_left ()`, with a space before the list, where existing rules are written that way. */
  spaced?: boolean;
  /** The operator and its modifiers on a line of their own, for long rule expressions: `a\nor\nb`. */
  lines?: boolean;
};

export type Expr =
  | { readonly t: 'selector'; readonly metric?: string; readonly matchers: readonly Matcher[] }
  /** `expr[range]`, or the subquery `expr[range:step]` with a step. */
  | { readonly t: 'range'; readonly expr: Expr; readonly range: string; readonly step?: string }
  /** `expr @ time` (Unix seconds). */
  | { readonly t: 'at'; readonly expr: Expr; readonly time: string }
  | { readonly t: 'call'; readonly fn: string; readonly args: readonly Expr[] }
  | { readonly t: 'agg'; readonly op: string; readonly grouping?: { readonly mode: 'by' | 'without'; readonly labels: readonly string[] }; readonly expr: Expr }
  | { readonly t: 'binary'; readonly op: BinaryOp; readonly lhs: Expr; readonly rhs: Expr; readonly options: BinaryOptions }
  | { readonly t: 'paren'; readonly expr: Expr }
  | { readonly t: 'number'; readonly text: string }
  | { readonly t: 'string'; readonly value: string }
  /** PromQL written elsewhere (an SLI's own query), embedded as it is. */
  | { readonly t: 'text'; readonly text: string };

export type Selector = Extract<Expr, { t: 'selector' }>;

// ---------------------------------------------------------------------------------------------------------
// Matchers

export const matcher = (label: string, op: MatchOperator, value: string): Matcher => ({ label, op, value });
export const eq = (label: string, value: string): Matcher => matcher(label, '=', value);
export const ne = (label: string, value: string): Matcher => matcher(label, '!=', value);
export const re = (label: string, value: string): Matcher => matcher(label, '=~', value);
/** An RE2 alternation that matches exactly these values (sorted, each once), for an `=~` matcher. */
export function anyOf(values: Iterable<string>): string {
  return [...new Set(values)]
    .sort()
    .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|');
}
/** The label that holds a series' metric name, for selecting several metrics in one selector. */
export const METRIC_NAME = '__name__';
/** `label=~"a|b"`: any of these values exactly. */
export const reAnyOf = (label: string, values: Iterable<string>): Matcher => re(label, anyOf(values));
export const nre = (label: string, value: string): Matcher => matcher(label, '!~', value);

/** Equality matchers for a label set, sorted by label name: one rendering per set, whatever the key order. */
export function matchers(labels: Readonly<Record<string, string>>): Matcher[] {
  return Object.keys(labels)
    .sort()
    .map((k) => eq(k, labels[k]!));
}

// ---------------------------------------------------------------------------------------------------------
// Expressions

/** `metric{matchers}`; without a metric, `{matchers}`; without matchers, the bare metric. */
export const sel = (metric?: string, list: readonly Matcher[] = []): Selector => ({ t: 'selector', ...(metric !== undefined ? { metric } : {}), matchers: list });
/** The selector with more matchers after its own (a scope's, a dashboard variable's). */
export const withMatchers = (s: Selector, more: readonly Matcher[]): Selector => ({ ...s, matchers: [...s.matchers, ...more] });
export const range = (expr: Expr, duration: string): Expr => ({ t: 'range', expr, range: duration });
export const subquery = (expr: Expr, duration: string, step: string): Expr => ({ t: 'range', expr, range: duration, step });
export const at = (expr: Expr, time: string): Expr => ({ t: 'at', expr, time });
export const call = (fn: string, ...args: Expr[]): Expr => ({ t: 'call', fn, args });
/** An aggregation without grouping: `sum(expr)`. */
export const agg = (op: string, expr: Expr): Expr => ({ t: 'agg', op, expr });
export const by = (op: string, labels: readonly string[], expr: Expr): Expr => ({ t: 'agg', op, grouping: { mode: 'by', labels }, expr });
export const without = (op: string, labels: readonly string[], expr: Expr): Expr => ({ t: 'agg', op, grouping: { mode: 'without', labels }, expr });
export const binary = (lhs: Expr, op: BinaryOp, rhs: Expr, options: BinaryOptions = {}): Expr => ({ t: 'binary', op, lhs, rhs, options });
/** `a op b op c`, left to right (as PromQL reads a chain of one operator); undefined for no terms. */
export function chain(op: BinaryOp, terms: readonly Expr[], options: BinaryOptions = {}): Expr | undefined {
  return terms.reduce<Expr | undefined>((acc, x) => (acc === undefined ? x : binary(acc, op, x, options)), undefined);
}
export const paren = (expr: Expr): Expr => ({ t: 'paren', expr });
/** A number literal, as the caller spells it (a decimal string keeps its digits). */
export const num = (value: number | string): Expr => ({ t: 'number', text: String(value) });
export const str = (value: string): Expr => ({ t: 'string', value });
export const text = (promql: string): Expr => ({ t: 'text', text: promql });

// ---------------------------------------------------------------------------------------------------------
// Rendering

/**
 * A PromQL string literal. JSON's escapes (`\"`, `\\`, `\n`, `\uXXXX`) are a subset of Go's, which PromQL
 * uses; other characters stay as they are.
 */
export const quote = (value: string): string => JSON.stringify(value);

export const renderMatcher = (m: Matcher): string => `${m.label}${m.op}${quote(m.value)}`;

/** The matcher list without braces, `a="1",b=~"2"`: for label filters that take only the list (Grafana's). */
export const renderMatchers = (list: readonly Matcher[]): string => list.map(renderMatcher).join(',');

const labelList = (labels: readonly string[], spaced: boolean | undefined) => `${spaced ? ' ' : ''}(${labels.join(', ')})`;

function modifiers(o: BinaryOptions): string {
  const parts: string[] = [];
  if (o.bool) parts.push('bool');
  if (o.on) parts.push(`on${labelList(o.on, o.spaced)}`);
  if (o.ignoring) parts.push(`ignoring${labelList(o.ignoring, o.spaced)}`);
  if (o.groupLeft) parts.push(`group_left${labelList(o.groupLeft, o.spaced)}`);
  if (o.groupRight) parts.push(`group_right${labelList(o.groupRight, o.spaced)}`);
  return parts.map((p) => ` ${p}`).join('');
}

/** The PromQL text of an expression. */
export function render(e: Expr): string {
  switch (e.t) {
    case 'selector':
      if (e.matchers.length === 0) return e.metric ?? '{}';
      return `${e.metric ?? ''}{${renderMatchers(e.matchers)}}`;
    case 'range':
      return `${render(e.expr)}[${e.range}${e.step !== undefined ? `:${e.step}` : ''}]`;
    case 'at':
      return `${render(e.expr)} @ ${e.time}`;
    case 'call':
      return `${e.fn}(${e.args.map(render).join(', ')})`;
    case 'agg':
      return e.grouping ? `${e.op} ${e.grouping.mode} (${e.grouping.labels.join(', ')}) (${render(e.expr)})` : `${e.op}(${render(e.expr)})`;
    case 'binary': {
      const op = `${e.op}${modifiers(e.options)}`;
      return e.options.lines ? `${render(e.lhs)}\n${op}\n${render(e.rhs)}` : `${render(e.lhs)} ${op} ${render(e.rhs)}`;
    }
    case 'paren':
      return `(${render(e.expr)})`;
    case 'number':
    case 'text':
      return e.text;
    case 'string':
      return quote(e.value);
  }
}

/**
 * A series as promtool's test files write it, `metric{a="1", b="2"}` (labels sorted, `, ` between them), or
 * just the braces for expected sample labels.
 */
export function seriesText(labels: Readonly<Record<string, string>>, metric?: string): string {
  return `${metric ?? ''}{${matchers(labels).map(renderMatcher).join(', ')}}`;
}
