/**
 * The vector selectors of a query, and what series they select: used to make up input series
 * for testing a query.
 */
import { isClosedString } from './tree';
import {
  DurationExpr,
  EqlRegex,
  EqlSingle,
  Identifier,
  LabelMatchers,
  LabelName,
  MatchOp,
  MatrixSelector,
  Neq,
  NeqRegex,
  QuotedLabelMatcher,
  QuotedLabelName,
  StringLiteral,
  UnquotedLabelMatcher,
  VectorSelector,
} from '@prometheus-io/lezer-promql';
import { composeMaps } from './edits';
import { parseWithRepairs, type ParsedQuery } from './parse';
import { substituteWindowMapped } from './placeholders';
import { compileAnchored, regexExamples } from './regex';
import { children, firstChildOfType, textOf, unquote, type SyntaxNode } from './tree';

export type MatchOperator = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  label: string;
  op: MatchOperator;
  /** Unquoted: `code=~"5.."` has the value `5..`. */
  value: string;
}

export interface SelectorInfo {
  /** From `name{...}`, `{"name"}` or an equality matcher on `__name__` (which also stays in `matchers`). */
  metric?: string;
  matchers: LabelMatcher[];
  /** The selector (without any range) in the original text. */
  from: number;
  to: number;
  /** The range, e.g. `5m`, if the selector is inside a matrix selector (placeholders read as `5m`). */
  range?: string;
}

/** What placeholders are replaced with before parsing. */
const SELECTOR_WINDOW = '5m';

/**
 * Every vector selector in the query, in text order. Placeholders are substituted with `5m`
 * before parsing; positions are in the original text. Best effort on queries with syntax errors:
 * selectors are still reported, minus any matcher that did not parse completely.
 */
export function selectors(query: string): SelectorInfo[] {
  if (typeof query !== 'string') return [];
  const sub = substituteWindowMapped(query, SELECTOR_WINDOW);
  const parsed = parseWithRepairs(sub.text);
  const map = composeMaps(sub.map, parsed.map);
  const out: SelectorInfo[] = [];
  const cursor = parsed.tree.cursor();
  do {
    if (cursor.type.id !== VectorSelector) continue;
    const node = cursor.node;
    const info = describeSelector(node, parsed);
    const from = map.toOriginal(node.from);
    out.push({ ...info, from, to: Math.max(from, map.toOriginalEnd(node.to)) });
  } while (cursor.next());
  return out;
}

function describeSelector(node: SyntaxNode, parsed: ParsedQuery): Omit<SelectorInfo, 'from' | 'to'> {
  const { text } = parsed;
  const matchers: LabelMatcher[] = [];
  let metric: string | undefined;
  const ident = firstChildOfType(node, Identifier);
  if (ident) metric = textOf(text, ident);
  const list = firstChildOfType(node, LabelMatchers);
  for (const m of list ? children(list) : []) {
    if (m.type.id === QuotedLabelName) {
      // `{"some.metric"}`: the UTF-8 spelling of a metric name.
      metric ??= unquote(textOf(text, m));
      continue;
    }
    const parts = matcherParts(m, text);
    if (!parts) continue;
    matchers.push(parts.matcher);
    if (metric === undefined && parts.matcher.label === '__name__' && parts.matcher.op === '=') metric = parts.matcher.value;
  }
  const info: Omit<SelectorInfo, 'from' | 'to'> = { matchers };
  if (metric !== undefined) info.metric = metric;
  const parent = node.parent;
  if (parent?.type.id === MatrixSelector && parent.firstChild?.from === node.from) {
    const range = firstChildOfType(parent, DurationExpr);
    if (range && range.to > range.from) info.range = textOf(text, range);
  }
  return info;
}

const OPERATORS: readonly [number, MatchOperator][] = [
  [EqlSingle, '='],
  [Neq, '!='],
  [EqlRegex, '=~'],
  [NeqRegex, '!~'],
];

export interface MatcherParts {
  matcher: LabelMatcher;
  op: SyntaxNode;
  value: SyntaxNode;
}

/** A complete `label op "value"` matcher node (unquoted or quoted label name); undefined otherwise. */
export function matcherParts(m: SyntaxNode, text: string): MatcherParts | undefined {
  const quoted = m.type.id === QuotedLabelMatcher;
  if (!quoted && m.type.id !== UnquotedLabelMatcher) return undefined;
  if (children(m).some((c) => c.type.isError)) return undefined;
  const labelNode = firstChildOfType(m, quoted ? QuotedLabelName : LabelName);
  const opNode = firstChildOfType(m, MatchOp);
  const valueNode = firstChildOfType(m, StringLiteral);
  const opKind = opNode?.firstChild?.type.id;
  const op = OPERATORS.find(([id]) => id === opKind)?.[1];
  if (!labelNode || !opNode || !valueNode || !op || !isClosedString(textOf(text, valueNode))) return undefined;
  const label = quoted ? unquote(textOf(text, labelNode)) : textOf(text, labelNode);
  return { matcher: { label, op, value: unquote(textOf(text, valueNode)) }, op: opNode, value: valueNode };
}

/** Whether a label value (`""` for a missing label) satisfies one matcher. */
export function matchesLabelMatcher(value: string, m: LabelMatcher): boolean {
  switch (m.op) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
      return compileAnchored(m.value)?.test(value) ?? false;
    case '!~': {
      // A pattern that does not compile selects nothing either way.
      const re = compileAnchored(m.value);
      return re ? !re.test(value) : false;
    }
  }
}

/**
 * Whether a series with these labels (`__name__` is the metric name) is selected, with Prometheus
 * semantics: a missing label reads as "", regular expressions must match the whole value.
 */
export function matchesSelector(labels: Readonly<Record<string, string>>, sel: SelectorInfo): boolean {
  const get = (name: string): string => (Object.hasOwn(labels, name) && typeof labels[name] === 'string' ? (labels[name] as string) : '');
  if (sel.metric !== undefined && get('__name__') !== sel.metric) return false;
  return sel.matchers.every((m) => matchesLabelMatcher(get(m.label), m));
}

/** Guesses for negative matchers and for patterns the example generator cannot read. */
const GENERIC_VALUES = ['200', 'ok', 'x', '0', 'a', 'other', ''];
const MAX_SAMPLES = 6;

/**
 * A few values that satisfy the matcher, best first, checked against it (so possibly none, e.g.
 * for `!~".*"` or a pattern RE2 rejects). `=` gives the value itself; `=~` values made up
 * from the pattern (`5..` → `500`, `(5..|429)` → `500`, `429`); `!=` and `!~` values such as
 * `200`, `ok`, `x` that do not match. An empty string stands for a missing label.
 */
export function sampleLabelValue(matcher: LabelMatcher): string[] {
  if (matcher.op === '=') return [matcher.value];
  let candidates: string[] = GENERIC_VALUES;
  // Examples made up from the pattern first; the generic guesses may match one it cannot read.
  if (matcher.op === '=~') candidates = [...regexExamples(matcher.value), ...GENERIC_VALUES];
  const out: string[] = [];
  for (const c of candidates) {
    if (out.length >= MAX_SAMPLES) break;
    if (!out.includes(c) && matchesLabelMatcher(c, matcher)) out.push(c);
  }
  return out;
}
