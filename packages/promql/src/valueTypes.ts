/**
 * PromQL value types of expression nodes. Lezer builds the tree but does not type it, and the
 * semantic checks and the query shape both need to know what an argument evaluates to.
 */
import {
  AnchoredExpr,
  BinaryExpr,
  FunctionCall,
  FunctionIdentifier,
  MatrixSelector,
  NumberDurationLiteral,
  OffsetExpr,
  ParenExpr,
  SmoothedExpr,
  StepInvariantExpr,
  StringLiteral,
  SubqueryExpr,
  UnaryExpr,
} from '@prometheus-io/lezer-promql';
import { functionReturnsScalar } from './functions';
import { exprChildren, firstChildOfType, textOf, type SyntaxNode } from './tree';
import type { PromqlValueType } from './types';

/** Nodes whose type is the type of their first expression child (a modifier does not change it). */
const PASS_THROUGH = new Set([ParenExpr, UnaryExpr, OffsetExpr, StepInvariantExpr, AnchoredExpr, SmoothedExpr]);

export class ValueTypes {
  private readonly memo = new Map<string, PromqlValueType>();

  constructor(private readonly text: string) {}

  /**
   * Type of an expression node. Computed with an explicit stack rather than recursion,
   * because `1+1+1+...` or `((((x))))` can nest deeper than the JS call stack.
   */
  of(root: SyntaxNode): PromqlValueType {
    const stack: { node: SyntaxNode; expanded: boolean }[] = [{ node: root, expanded: false }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { node: SyntaxNode; expanded: boolean };
      if (this.memo.has(key(top.node))) {
        stack.pop();
        continue;
      }
      const deps = dependencies(top.node);
      if (!top.expanded) {
        top.expanded = true;
        for (const d of deps) if (!this.memo.has(key(d))) stack.push({ node: d, expanded: false });
        continue;
      }
      stack.pop();
      this.memo.set(
        key(top.node),
        this.combine(
          top.node,
          deps.map((d) => this.memo.get(key(d)) ?? 'vector'),
        ),
      );
    }
    return this.memo.get(key(root)) ?? 'vector';
  }

  private combine(node: SyntaxNode, deps: PromqlValueType[]): PromqlValueType {
    const id = node.type.id;
    if (id === MatrixSelector || id === SubqueryExpr) return 'matrix';
    if (id === NumberDurationLiteral) return 'scalar';
    if (id === StringLiteral) return 'string';
    if (id === FunctionCall) {
      const ident = firstChildOfType(node, FunctionIdentifier);
      return ident && functionReturnsScalar(textOf(this.text, ident)) ? 'scalar' : 'vector';
    }
    if (id === BinaryExpr) return deps.length > 0 && deps.every((t) => t === 'scalar') ? 'scalar' : 'vector';
    if (PASS_THROUGH.has(id)) return deps[0] ?? 'vector';
    // VectorSelector, AggregateExpr and anything unexpected.
    return 'vector';
  }
}

function dependencies(node: SyntaxNode): SyntaxNode[] {
  const id = node.type.id;
  if (id === BinaryExpr) return exprChildren(node);
  if (PASS_THROUGH.has(id)) return exprChildren(node).slice(0, 1);
  return [];
}

function key(node: SyntaxNode): string {
  return `${node.type.id}:${node.from}:${node.to}`;
}

/** Strips any number of enclosing parentheses. */
export function unwrapParens(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.type.id === ParenExpr) {
    const inner = exprChildren(n)[0];
    if (!inner) break;
    n = inner;
  }
  return n;
}
