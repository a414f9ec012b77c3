/** What a query looks like from the outside: enough for rule generators to decide how to wrap it. */
import {
  AggregateExpr,
  AggregateModifier,
  AggregateOp,
  By,
  EqlSingle,
  FunctionCall,
  FunctionIdentifier,
  GroupingLabels,
  Identifier,
  LabelMatchers,
  LabelName,
  MatchOp,
  QuotedLabelMatcher,
  QuotedLabelName,
  StringLiteral,
  UnquotedLabelMatcher,
  VectorSelector,
  Without,
} from '@prometheus-io/lezer-promql';
import { isRangeFunction } from './functions';
import { children, exprChildren, firstChildOfType, textOf, unquote, type SyntaxNode, type Tree } from './tree';
import type { QueryShape } from './types';
import { unwrapParens, type ValueTypes } from './valueTypes';

export function describeShape(tree: Tree, text: string, types: ValueTypes, hasWindowPlaceholder: boolean): QueryShape | undefined {
  const root = exprChildren(tree.topNode)[0];
  if (!root) return undefined;
  const names = new Set<string>();
  let usesRangeFunction = false;
  const cursor = tree.cursor();
  do {
    if (cursor.type.id === VectorSelector) {
      const name = metricName(cursor.node, text);
      if (name !== undefined) names.add(name);
    } else if (cursor.type.id === FunctionCall) {
      const ident = firstChildOfType(cursor.node, FunctionIdentifier);
      if (ident && isRangeFunction(textOf(text, ident))) usesRangeFunction = true;
    }
  } while (cursor.next());

  const shape: QueryShape = {
    valueType: types.of(root),
    isBareSelector: root.type.id === VectorSelector,
    metricNames: [...names].sort(),
    usesRangeFunction,
    hasWindowPlaceholder,
  };
  const aggregation = describeAggregation(unwrapParens(root), text);
  if (aggregation) shape.aggregation = aggregation;
  return shape;
}

function describeAggregation(node: SyntaxNode, text: string): QueryShape['aggregation'] {
  if (node.type.id !== AggregateExpr) return undefined;
  const op = firstChildOfType(node, AggregateOp);
  if (!op) return undefined;
  const result: NonNullable<QueryShape['aggregation']> = { op: textOf(text, op).toLowerCase() };
  // The modifier may come before or after the arguments: `sum by (a) (x)` or `sum(x) by (a)`.
  const modifier = firstChildOfType(node, AggregateModifier);
  const labels = modifier && firstChildOfType(modifier, GroupingLabels);
  if (modifier && labels) {
    const list = children(labels).flatMap((c) => {
      if (c.type.id === LabelName) return [textOf(text, c)];
      if (c.type.id === QuotedLabelName) return [unquote(textOf(text, c))];
      return [];
    });
    if (firstChildOfType(modifier, By)) result.by = list;
    else if (firstChildOfType(modifier, Without)) result.without = list;
  }
  return result;
}

/** `name{...}`, `{__name__="name"}` or the UTF-8 form `{"name"}`; undefined for regex or absent names. */
function metricName(selector: SyntaxNode, text: string): string | undefined {
  const ident = firstChildOfType(selector, Identifier);
  if (ident) return textOf(text, ident);
  const matchers = firstChildOfType(selector, LabelMatchers);
  if (!matchers) return undefined;
  for (const m of children(matchers)) {
    if (m.type.id === QuotedLabelName) return unquote(textOf(text, m));
    if (m.type.id !== UnquotedLabelMatcher && m.type.id !== QuotedLabelMatcher) continue;
    const label = firstChildOfType(m, m.type.id === UnquotedLabelMatcher ? LabelName : QuotedLabelName);
    const op = firstChildOfType(m, MatchOp);
    const value = firstChildOfType(m, StringLiteral);
    if (!label || !op || !value || !firstChildOfType(op, EqlSingle)) continue;
    const labelText = m.type.id === UnquotedLabelMatcher ? textOf(text, label) : unquote(textOf(text, label));
    if (labelText === '__name__') return unquote(textOf(text, value));
  }
  return undefined;
}
