/**
 * A plain syntax tree of a query, read off the lezer parse, for code that evaluates PromQL rather than
 * rewriting its text (the generated tests' series synthesiser). Only valid queries convert; anything this
 * small tree has no shape for (an `@` modifier, a duration expression) is refused with the reason.
 */
import { durationSeconds } from './durations';
import { matcherParts, type LabelMatcher } from './selectors';
import { children, exprChildren, parsePromql, textOf, unquote, type SyntaxNode } from './tree';

export interface AstSelector {
  metric?: string;
  matchers: LabelMatcher[];
}

export type AstNode =
  | { t: 'num'; v: number }
  | { t: 'str'; v: string }
  | { t: 'sel'; sel: AstSelector }
  | { t: 'range'; expr: AstNode; seconds: number; step?: number; subquery: boolean }
  | { t: 'call'; fn: string; args: AstNode[] }
  | { t: 'agg'; op: string; param?: AstNode; expr: AstNode; by?: string[]; without?: string[] }
  | { t: 'bin'; op: string; lhs: AstNode; rhs: AstNode; bool: boolean; on?: string[]; ignoring?: string[]; group?: 'left' | 'right'; include: string[] }
  | { t: 'neg'; expr: AstNode };

/** A query the tree cannot represent, or that does not parse; the message says why. */
export class UnsupportedQuery extends Error {}

export function toAst(query: string): AstNode {
  const tree = parsePromql(query);
  let broken = false;
  tree.iterate({
    enter: (n) => {
      if (n.type.isError) broken = true;
    },
  });
  const root = exprChildren(tree.topNode)[0];
  if (broken || !root) throw new UnsupportedQuery('the query does not parse');
  return convert(root, query);
}

const child = (n: SyntaxNode, name: string) => children(n).find((c) => c.type.name === name);

function numberOf(text: string): number {
  if (/^0x/i.test(text)) return parseInt(text, 16);
  if (/^[+-]?inf$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  const n = Number(text);
  if (!Number.isNaN(n)) return n;
  // Prometheus 3 reads a duration where a number is expected as its seconds
  const s = durationSeconds(text);
  if (s === undefined) throw new UnsupportedQuery(`"${text}" is not a number`);
  return s;
}

function secondsOf(n: SyntaxNode | undefined, q: string): number {
  const text = n ? textOf(q, n).trim() : '';
  const s = durationSeconds(text);
  if (s === undefined) throw new UnsupportedQuery(`"${text}" is not a plain duration`);
  return s;
}

function labelsOf(n: SyntaxNode | undefined, q: string): string[] {
  return n
    ? children(n)
        .filter((c) => c.type.name === 'LabelName' || c.type.name === 'QuotedLabelName')
        .map((c) => (c.type.name === 'LabelName' ? textOf(q, c) : unquote(textOf(q, c))))
    : [];
}

function selectorOf(n: SyntaxNode, q: string): AstSelector {
  const ident = child(n, 'Identifier');
  let metric = ident ? textOf(q, ident) : undefined;
  const matchers: LabelMatcher[] = [];
  for (const m of children(child(n, 'LabelMatchers') ?? n)) {
    if (m.type.name === 'QuotedLabelName') metric = unquote(textOf(q, m));
    const parts = matcherParts(m, q);
    if (!parts) continue;
    matchers.push(parts.matcher);
    if (parts.matcher.label === '__name__' && parts.matcher.op === '=') metric ??= parts.matcher.value;
  }
  return { ...(metric !== undefined ? { metric } : {}), matchers };
}

function convert(n: SyntaxNode, q: string): AstNode {
  const [first, second] = exprChildren(n);
  switch (n.type.name) {
    case 'ParenExpr':
    case 'OffsetExpr': // a steady series reads the same at any offset
      return convert(first!, q);
    case 'StepInvariantExpr':
      throw new UnsupportedQuery('an @ modifier pins the query to one time');
    case 'NumberDurationLiteral':
      return { t: 'num', v: numberOf(textOf(q, n)) };
    case 'StringLiteral':
      return { t: 'str', v: unquote(textOf(q, n)) };
    case 'VectorSelector':
      return { t: 'sel', sel: selectorOf(n, q) };
    case 'MatrixSelector':
      return { t: 'range', expr: convert(child(n, 'VectorSelector')!, q), seconds: secondsOf(child(n, 'DurationExpr'), q), subquery: false };
    case 'SubqueryExpr': {
      const [range, step] = children(n).filter((c) => c.type.name === 'DurationExpr');
      return { t: 'range', expr: convert(first!, q), seconds: secondsOf(range, q), ...(step ? { step: secondsOf(step, q) } : {}), subquery: true };
    }
    case 'UnaryExpr': {
      const e = convert(first!, q);
      return textOf(q, child(n, 'UnaryOp')!) === '-' ? { t: 'neg', expr: e } : e;
    }
    case 'FunctionCall':
      return { t: 'call', fn: textOf(q, child(n, 'FunctionIdentifier')!), args: exprChildren(child(n, 'FunctionCallBody')!).map((a) => convert(a, q)) };
    case 'AggregateExpr': {
      const args = exprChildren(child(n, 'FunctionCallBody')!).map((a) => convert(a, q));
      const modifier = child(n, 'AggregateModifier');
      const labels = labelsOf(modifier && child(modifier, 'GroupingLabels'), q);
      const expr = args[args.length - 1];
      const op = textOf(q, child(n, 'AggregateOp')!).toLowerCase();
      if (!expr) throw new UnsupportedQuery(`${op}() without an argument`);
      return {
        t: 'agg',
        op,
        expr,
        ...(args.length > 1 ? { param: args[0]! } : {}),
        ...(modifier && child(modifier, 'By') ? { by: labels } : {}),
        ...(modifier && child(modifier, 'Without') ? { without: labels } : {}),
      };
    }
    case 'BinaryExpr': {
      const opNode = children(n).find((c) => !c.type.is('Expr') && c.type.name !== 'BoolModifier' && c.type.name !== 'MatchingModifierClause');
      const node: Extract<AstNode, { t: 'bin' }> = {
        t: 'bin',
        op: textOf(q, opNode!).toLowerCase(),
        lhs: convert(first!, q),
        rhs: convert(second!, q),
        bool: child(n, 'BoolModifier') !== undefined,
        include: [],
      };
      const matching = child(n, 'MatchingModifierClause');
      if (matching) {
        const [labels, include] = children(matching).filter((c) => c.type.name === 'GroupingLabels');
        node[child(matching, 'On') ? 'on' : 'ignoring'] = labelsOf(labels, q);
        if (child(matching, 'GroupLeft') || child(matching, 'GroupRight')) {
          node.group = child(matching, 'GroupLeft') ? 'left' : 'right';
          node.include = labelsOf(include, q);
        }
      }
      return node;
    }
    default:
      throw new UnsupportedQuery(`${n.type.name} is not supported`);
  }
}
