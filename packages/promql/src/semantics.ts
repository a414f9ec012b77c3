/**
 * Type checks the grammar cannot express, limited to mistakes that are certain and common in
 * SLO queries: a range function without a range, an aggregation over a range, a range on
 * something that is not a selector, and an empty or negative range.
 */
import {
  AggregateExpr,
  AggregateOp,
  DurationExpr,
  FunctionCall,
  FunctionCallBody,
  FunctionIdentifier,
  MatrixSelector,
  NumberDurationLiteralInDurationContext,
  SubqueryExpr,
  UnaryOp,
  VectorSelector,
} from '@prometheus-io/lezer-promql';
import { DURATION_HINT, durationSeconds } from './durations';
import { rangeArgumentIndex } from './functions';
import { children, exprChildren, firstChildOfType, textOf, type SyntaxNode, type Tree } from './tree';
import type { RawProblem } from './types';
import type { ValueTypes } from './valueTypes';

export function semanticProblems(tree: Tree, text: string, types: ValueTypes): RawProblem[] {
  const problems: RawProblem[] = [];
  const cursor = tree.cursor();
  do {
    const id = cursor.type.id;
    if (id === FunctionCall) checkRangeFunction(cursor.node, text, types, problems);
    else if (id === AggregateExpr) checkAggregation(cursor.node, text, types, problems);
    if (id === MatrixSelector || id === SubqueryExpr) checkRange(cursor.node, text, problems);
  } while (cursor.next());
  return problems;
}

function checkRangeFunction(call: SyntaxNode, text: string, types: ValueTypes, out: RawProblem[]): void {
  const ident = firstChildOfType(call, FunctionIdentifier);
  const body = firstChildOfType(call, FunctionCallBody);
  if (!ident || !body) return;
  const name = textOf(text, ident);
  const index = rangeArgumentIndex(name);
  if (index === undefined) return;
  const arg = exprChildren(body)[index];
  if (arg && types.of(arg) === 'matrix') return;
  const at = arg ?? body;
  out.push({ from: at.from, to: at.to, message: `${name}() needs a range vector such as x[5m]` });
}

function checkAggregation(agg: SyntaxNode, text: string, types: ValueTypes, out: RawProblem[]): void {
  const op = firstChildOfType(agg, AggregateOp);
  const body = firstChildOfType(agg, FunctionCallBody);
  if (!op || !body) return;
  const name = textOf(text, op).toLowerCase();
  for (const arg of exprChildren(body)) {
    if (types.of(arg) !== 'matrix') continue;
    out.push({
      from: arg.from,
      to: arg.to,
      message: `${name}() cannot aggregate a range vector, wrap it in rate() or an *_over_time() function first`,
    });
  }
}

/** `[d]` after something other than a selector (Prometheus rejects it) and ranges that select nothing. */
function checkRange(node: SyntaxNode, text: string, out: RawProblem[]): void {
  const inner = exprChildren(node)[0];
  const rangeNode = firstChildOfType(node, DurationExpr);
  const bracket = text.indexOf('[', inner ? inner.to : node.from);
  const bracketFrom = bracket >= 0 && bracket < node.to ? bracket : node.from;
  if (node.type.id === MatrixSelector && inner && inner.type.id !== VectorSelector) {
    const range = rangeNode ? textOf(text, rangeNode) : '5m';
    out.push({
      from: bracketFrom,
      to: node.to,
      message: `a range like [${range}] can only follow a selector, use a subquery like [${range}:] for an expression`,
    });
  }
  if (!rangeNode) return;
  const seconds = literalDuration(rangeNode, text);
  if (seconds === undefined) return;
  if (Number.isNaN(seconds)) {
    out.push({ from: rangeNode.from, to: rangeNode.to, message: `invalid duration "${textOf(text, rangeNode)}", ${DURATION_HINT}` });
  } else if (seconds <= 0) {
    out.push({ from: rangeNode.from, to: rangeNode.to, message: 'range must be greater than 0' });
  }
}

/**
 * Seconds of a range written as a literal (optionally negated); undefined for duration
 * arithmetic like `5m * 2` or `step()`, which we do not evaluate; NaN if the literal is malformed.
 */
function literalDuration(expr: SyntaxNode, text: string): number | undefined {
  const parts = children(expr);
  const [first, second] = parts;
  if (parts.length === 1 && first?.type.id === NumberDurationLiteralInDurationContext) {
    return durationSeconds(textOf(text, first)) ?? NaN;
  }
  if (parts.length === 2 && first?.type.id === UnaryOp && second?.type.id === DurationExpr) {
    const inner = literalDuration(second, text);
    return inner === undefined || Number.isNaN(inner) ? inner : textOf(text, first) === '-' ? -inner : inner;
  }
  return undefined;
}
