/**
 * Turns lezer error nodes into short problems that say what was found where.
 *
 * Lezer marks the spot where its recovery kicked in; it does not say what it expected. The
 * messages below use the surrounding nodes for the few cases where the fix is certain
 * (an unclosed bracket, a malformed duration, an unquoted label value) and otherwise just name
 * the unexpected token.
 */
import { isClosedString } from './tree';
import {
  AggregateModifier,
  By,
  DurationExpr,
  FunctionCallBody,
  GroupLeft,
  GroupRight,
  GroupingLabels,
  Ignoring,
  LabelMatchers,
  LabelName,
  MatchingModifierClause,
  MatchOp,
  MatrixSelector,
  NumberDurationLiteralInDurationContext,
  Offset,
  OffsetDurationExpr,
  OffsetExpr,
  On,
  ParenExpr,
  QuotedLabelMatcher,
  QuotedLabelName,
  StringLiteral,
  SubqueryExpr,
  UnquotedLabelMatcher,
  Without,
} from '@prometheus-io/lezer-promql';
import { DURATION_HINT } from './durations';
import type { SyntaxNode, Tree } from './tree';
import type { RawProblem } from './types';

/** Past this, further errors are almost always fallout from the first ones. */
export const MAX_SYNTAX_PROBLEMS = 50;
/** Bounds the work on garbage input (every error costs a walk up the tree). */
const MAX_ERROR_NODES = 1000;

export function syntaxProblems(tree: Tree, text: string): RawProblem[] {
  // An unclosed string swallows the rest of its line, so errors after it are noise.
  const badString = firstUnclosedString(tree, text);
  const cutoff = badString ? badString.from : Infinity;
  const errors = collectErrors(tree, cutoff);

  const problems: RawProblem[] = badString ? [badString] : [];
  const seen = new Set<string>();
  // Brackets already blamed once (`expected ")" but found "]"`) are not reported again as unclosed.
  const blamed = new Set<number>();
  for (const run of groupRuns(errors, text)) {
    const { problem, bracket } = describe(run, text);
    const k = `${problem.from}:${problem.to}:${problem.message}`;
    if (seen.has(k) || (bracket && blamed.has(bracket.pos) && problem.from === bracket.pos)) continue;
    seen.add(k);
    if (bracket) blamed.add(bracket.pos);
    problems.push(problem);
  }
  problems.sort((a, b) => a.from - b.from || a.to - b.to);
  if (problems.length > MAX_SYNTAX_PROBLEMS) {
    const next = problems[MAX_SYNTAX_PROBLEMS] as RawProblem;
    return [...problems.slice(0, MAX_SYNTAX_PROBLEMS), { from: next.from, to: next.from, message: `too many syntax errors, showing the first ${MAX_SYNTAX_PROBLEMS}` }];
  }
  return problems;
}

function firstUnclosedString(tree: Tree, text: string): RawProblem | undefined {
  const cursor = tree.cursor();
  do {
    if (cursor.type.id !== StringLiteral) continue;
    const s = text.slice(cursor.from, cursor.to);
    if (!isClosedString(s)) return { from: cursor.from, to: cursor.to, message: 'unclosed string' };
  } while (cursor.next());
  return undefined;
}

function collectErrors(tree: Tree, cutoff: number): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError && cursor.from < cutoff) {
      out.push(cursor.node);
      if (out.length >= MAX_ERROR_NODES) break;
    }
  } while (cursor.next());
  return out.sort((a, b) => a.from - b.from);
}

interface Run {
  first: SyntaxNode;
  to: number;
}

/**
 * Recovery often emits several adjacent error nodes for one mistake (`foo(x)` gives three);
 * errors separated only by whitespace are reported once. Errors at the end of the text are kept
 * apart because each one belongs to a different unclosed bracket.
 */
function groupRuns(errors: readonly SyntaxNode[], text: string): Run[] {
  const runs: Run[] = [];
  let current: Run | undefined;
  for (const e of errors) {
    const atEnd = nextTokenStart(text, e.from) >= text.length;
    if (current && !atEnd && text.slice(current.to, e.from).trim() === '') {
      current.to = Math.max(current.to, e.to);
      continue;
    }
    if (current && e.from < current.to) continue;
    current = { first: e, to: e.to };
    runs.push(current);
    if (atEnd) current = undefined;
  }
  return runs;
}

interface Described {
  problem: RawProblem;
  /** The bracket the problem blames, so it is not blamed twice. */
  bracket?: Bracket;
}

function describe(run: Run, text: string): Described {
  const err = run.first;
  const start = nextTokenStart(text, err.from);
  const found = tokenAt(text, start);
  if (found === undefined) {
    const open = unclosedBracket(err, text);
    if (open) return { problem: { from: open.pos, to: open.pos + 1, message: `unclosed "${open.open}"` }, bracket: open };
    return { problem: { from: err.from, to: err.from, message: 'unexpected end of query' } };
  }
  let to = Math.max(run.to, start + found.length);
  while (to > start + found.length && /\s/.test(text[to - 1] ?? '')) to--;
  const here = (message: string, bracket?: Bracket): Described => {
    const problem = { from: start, to, message };
    return bracket ? { problem, bracket } : { problem };
  };
  const shown = show(found);

  const duration = durationBefore(err, start);
  if (duration && /^[A-Za-z0-9.]/.test(found)) {
    const written = text.slice(duration.from, start + found.length);
    return { problem: { from: duration.from, to, message: `invalid duration "${written}", ${DURATION_HINT}` } };
  }
  if (expectsDuration(err, text)) return here(`expected a duration such as 5m but found ${shown}`);

  const parentId = err.parent?.type.id;
  const prevId = previousNode(err)?.type.id;
  if (parentId === UnquotedLabelMatcher || parentId === QuotedLabelMatcher) {
    if (prevId === MatchOp) return here(`expected a quoted label value but found ${shown}`);
    if (prevId === LabelName || prevId === QuotedLabelName) return here(`expected =, !=, =~ or !~ but found ${shown}`);
  }
  if (parentId === LabelMatchers && prevId !== undefined && MATCHERS.has(prevId) && /^[A-Za-z_"'`]/.test(found)) {
    return here(`expected "," before ${shown}`);
  }
  if ((parentId === AggregateModifier || parentId === MatchingModifierClause) && prevId !== undefined && GROUPING_KEYWORDS.has(prevId)) {
    return here(`expected a label list such as (a, b) but found ${shown}`);
  }
  if (found === ')' || found === ']' || found === '}') {
    const open = unclosedBracket(err, text);
    if (open && open.close !== found) return here(`expected "${open.close}" but found ${shown}`, open);
  }
  return here(`unexpected ${shown}`);
}

const MATCHERS = new Set([UnquotedLabelMatcher, QuotedLabelMatcher, QuotedLabelName]);
const GROUPING_KEYWORDS = new Set([By, Without, On, Ignoring, GroupLeft, GroupRight]);

/** The closest sibling before `node` that is not itself an error. */
function previousNode(node: SyntaxNode): SyntaxNode | null {
  let p = node.prevSibling;
  while (p?.type.isError) p = p.prevSibling;
  return p;
}

/** A duration literal ending exactly where the error starts, as in `5x`, `1.5m` or `5m1h`. */
function durationBefore(err: SyntaxNode, start: number): SyntaxNode | undefined {
  let d = previousNode(err);
  if (!d || d.to !== start) return undefined;
  while (d.lastChild && d.lastChild.to === d.to) d = d.lastChild;
  return d.type.id === NumberDurationLiteralInDurationContext ? d : undefined;
}

/** The error sits where only a duration can go: right after `[`, `:` in a subquery, or `offset`. */
function expectsDuration(err: SyntaxNode, text: string): boolean {
  const id = err.parent?.type.id;
  if (id === DurationExpr || id === NumberDurationLiteralInDurationContext || id === OffsetDurationExpr) return true;
  if (id === MatrixSelector || id === SubqueryExpr) {
    const before = text.slice(0, err.from).trimEnd();
    return before.endsWith('[') || before.endsWith(':');
  }
  return id === OffsetExpr && previousNode(err)?.type.id === Offset;
}

interface Bracket {
  pos: number;
  open: string;
  close: string;
}

/**
 * The innermost bracket around the error, if it is still open there: a node that ends where the
 * error ends has no room left for its closing bracket.
 */
function unclosedBracket(err: SyntaxNode, text: string): Bracket | undefined {
  for (let n = err.parent; n; n = n.parent) {
    const b = bracketOf(n, text);
    if (!b || b.pos >= err.from) continue;
    return n.to <= err.to ? b : undefined;
  }
  return undefined;
}

function bracketOf(node: SyntaxNode, text: string): Bracket | undefined {
  const id = node.type.id;
  if ((id === ParenExpr || id === FunctionCallBody || id === GroupingLabels) && text[node.from] === '(') {
    return { pos: node.from, open: '(', close: ')' };
  }
  if (id === LabelMatchers && text[node.from] === '{') return { pos: node.from, open: '{', close: '}' };
  if (id === MatrixSelector || id === SubqueryExpr) {
    const pos = text.indexOf('[', node.firstChild ? node.firstChild.to : node.from);
    if (pos >= 0 && pos < node.to) return { pos, open: '[', close: ']' };
  }
  return undefined;
}

/** Skips whitespace and `#` comments; returns text.length at the end. */
function nextTokenStart(text: string, pos: number): number {
  let i = pos;
  for (;;) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (text[i] !== '#') return i;
    const nl = text.indexOf('\n', i);
    if (nl < 0) return text.length;
    i = nl;
  }
}

const TOKEN = /^(?:[A-Za-z_:][A-Za-z0-9_:]*|[0-9.][A-Za-z0-9_.]*|==|!=|=~|!~|>=|<=|[\s\S])/u;

function tokenAt(text: string, pos: number): string | undefined {
  if (pos >= text.length) return undefined;
  // Only look at a bounded slice: the token regex never needs more, and the text may be huge.
  return TOKEN.exec(text.slice(pos, pos + 200))?.[0];
}

/** How a found token appears in a message. */
function show(token: string): string {
  if (token === '"' || token === "'" || token === '`') return 'a string';
  const short = [...token].length > 24 ? `${[...token].slice(0, 24).join('')}…` : token;
  return JSON.stringify(short);
}
