/** Small helpers over the lezer PromQL syntax tree. */
import { parser } from '@prometheus-io/lezer-promql';

/*
 * @lezer/common (where Tree and SyntaxNode live) is not a direct dependency of this package,
 * so the types are taken from the parser instead of imported.
 */
export type Tree = ReturnType<typeof parser.parse>;
export type SyntaxNode = Tree['topNode'];

/**
 * Recently parsed queries: compiling an SLO parses the same few queries several times over (checking,
 * rewriting, generating tests), about four parses per distinct text. Trees are immutable, so they can
 * be shared. Bounded in count and in query length, so that the cache stays small whatever the input.
 */
const recent = new Map<string, Tree>();
const RECENT_TREES = 256;
const CACHED_LENGTH = 2000;

export function parsePromql(text: string): Tree {
  if (text.length > CACHED_LENGTH) return parser.parse(text);
  let tree = recent.get(text);
  if (tree) {
    // most recently used last, so the oldest is the first key
    recent.delete(text);
  } else {
    tree = parser.parse(text);
    if (recent.size >= RECENT_TREES) recent.delete(recent.keys().next().value!);
  }
  recent.set(text, tree);
  return tree;
}

export function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

/** Children that are expressions (the grammar tags them with the `Expr` group). */
export function exprChildren(node: SyntaxNode): SyntaxNode[] {
  return children(node).filter((c) => c.type.is('Expr'));
}

export function firstChildOfType(node: SyntaxNode, typeId: number): SyntaxNode | null {
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.type.id === typeId) return c;
  return null;
}

export function textOf(text: string, node: { from: number; to: number }): string {
  return text.slice(node.from, node.to);
}

/** Value of a PromQL string literal (Go-style escapes in "..." and '...', raw in backticks). */
export function unquote(literal: string): string {
  const quote = literal[0];
  if (literal.length < 2 || (quote !== '"' && quote !== "'" && quote !== '`')) return literal;
  const body = literal.slice(1, literal.endsWith(quote) ? -1 : undefined);
  if (quote === '`') return body;
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v' };
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|[\s\S])/g, (_, esc: string) => {
    const head = esc[0] ?? '';
    if (esc.length > 1 && (head === 'x' || head === 'u' || head === 'U')) {
      return safeFromCodePoint(parseInt(esc.slice(1), 16), esc);
    }
    if (esc.length === 3) return safeFromCodePoint(parseInt(esc, 8), esc);
    return simple[head] ?? head;
  });
}

function safeFromCodePoint(cp: number, fallback: string): string {
  return cp >= 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : fallback;
}

/** Whether a string literal has its closing quote (an escaped quote does not close it). */
export function isClosedString(s: string): boolean {
  const quote = s[0];
  if (s.length < 2 || s[s.length - 1] !== quote) return false;
  if (quote === '`') return true;
  let backslashes = 0;
  for (let i = s.length - 2; i > 0 && s[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 0;
}
