/**
 * Rewrites of SLI queries for generated rules: a per-second rate over a window for recording
 * rules, and `le` matchers that work on both Prometheus 2 and 3. All edits are made at the
 * positions of syntax tree nodes; the rest of the text is kept byte for byte.
 */
import { AggregateExpr, FunctionCallBody, LabelMatchers, OffsetExpr, QuotedLabelMatcher, QuotedLabelName, StepInvariantExpr, UnquotedLabelMatcher, VectorSelector } from '@prometheus-io/lezer-promql';
import { boundSpellings, regexBoundSpellings } from './bounds';
import { checkPromql } from './check';
import { DURATION_HINT, durationSeconds } from './durations';
import { applyEdits, composeMaps, identityMap, type Edit } from './edits';
import { parseWithRepairs } from './parse';
import { substituteWindowMapped } from './placeholders';
import { compileAnchored } from './regex';
import { matcherParts, type LabelMatcher } from './selectors';
import { children, exprChildren, firstChildOfType, parsePromql, textOf, type SyntaxNode } from './tree';
import type { PromqlProblem } from './types';
import { unwrapParens } from './valueTypes';

export type ToRateResult = { ok: true; promql: string } | { ok: false; reason: string };

const SHAPE_ADVICE =
  'write the query as a rate, e.g. sum(rate(http_requests_total{code=~"5.."}[{{.window}}])), ' +
  'or as a bare counter selector, e.g. http_requests_total{code=~"5.."} or sum by (code) (http_requests_total)';

/**
 * The SLI query as a per-second rate over `window` (e.g. `5m`), for a recording rule.
 *
 * Window placeholders are substituted first. A query that already uses a range function
 * (rate, increase, *_over_time, ...) is returned as is, and so is any query when `counter` is
 * false (a gauge or an already computed rate). For a counter, a bare selector `x{...}` becomes
 * `rate(x{...}[window])` and a single-argument aggregation of one, `sum by (a) (x{...})`, the
 * same aggregation of that rate; offset and @ modifiers on the selector are kept. Anything else
 * is refused with a reason.
 */
export function toRate(query: string, opts: { window: string; counter: boolean }): ToRateResult {
  if (typeof query !== 'string') return { ok: false, reason: 'query must be a string' };
  const window = opts?.window;
  const seconds = typeof window === 'string' ? durationSeconds(window) : undefined;
  if (typeof window !== 'string' || seconds === undefined || !(seconds > 0)) {
    return { ok: false, reason: `invalid window ${JSON.stringify(window)}, ${DURATION_HINT}` };
  }

  const check = checkPromql(query, { window });
  if (!check.ok || !check.shape) return { ok: false, reason: `query is not valid PromQL: ${describeProblems(check.problems)}` };
  const text = check.substituted;
  const shape = check.shape;
  if (shape.valueType === 'matrix') {
    return {
      ok: false,
      reason: `query returns a range vector (like x[5m]), a recording rule needs an instant vector; ${SHAPE_ADVICE}`,
    };
  }
  if (shape.valueType === 'string') return { ok: false, reason: `query is a string literal, not a rate; ${SHAPE_ADVICE}` };
  if (shape.usesRangeFunction || opts.counter !== true) return { ok: true, promql: text };

  // checkPromql found no unknown functions, so the text parses as it is, without repairs.
  const root = exprChildren(parsePromql(text).topNode)[0];
  const target = root && rateTarget(unwrapParens(root));
  if (!target) {
    return { ok: false, reason: `a counter query must be a rate or a bare counter selector; ${SHAPE_ADVICE}` };
  }
  const { node, selector } = target;
  const insert = `rate(${text.slice(node.from, selector.to)}[${window}]${text.slice(selector.to, node.to)})`;
  const promql = applyEdits(text, [{ from: node.from, to: node.to, insert }]).text;
  const after = checkPromql(promql);
  if (!after.ok) return { ok: false, reason: `internal error: the rewritten query is invalid: ${describeProblems(after.problems)}` };
  return { ok: true, promql };
}

/** The part of the query to wrap in rate(), and the selector in it that gets the range. */
function rateTarget(node: SyntaxNode): { node: SyntaxNode; selector: SyntaxNode } | undefined {
  const selector = modifiedSelector(node);
  if (selector) return { node, selector };
  if (node.type.id !== AggregateExpr) return undefined;
  const body = firstChildOfType(node, FunctionCallBody);
  const args = body ? exprChildren(body) : [];
  const only = args.length === 1 ? unwrapParens(args[0] as SyntaxNode) : undefined;
  const inner = only && modifiedSelector(only);
  return only && inner ? { node: only, selector: inner } : undefined;
}

/** `x{...}`, optionally with `offset` / `@` modifiers: the selector inside, else undefined. */
function modifiedSelector(node: SyntaxNode): SyntaxNode | undefined {
  let n: SyntaxNode | undefined = node;
  while (n && (n.type.id === OffsetExpr || n.type.id === StepInvariantExpr)) n = exprChildren(n)[0];
  return n && n.type.id === VectorSelector ? n : undefined;
}

function describeProblems(problems: readonly PromqlProblem[]): string {
  if (problems.length === 0) return 'unknown problem';
  const shown = problems.slice(0, 3).map((p) => `${p.message} (at offset ${p.offset})`);
  return shown.join('; ') + (problems.length > 3 ? `; and ${problems.length - 3} more` : '');
}

/**
 * Makes `le` matchers select every spelling Prometheus 2 or 3 may have stored for the bucket bound. Prometheus
 * 3 normalises classic histogram bounds to Go float formatting (`le="1.0"`, `le="1e+06"`), Prometheus 2 keeps
 * what the target exposed (`1` from Go and JS clients, `1.0` from Java and Python ones), and a bound written
 * `0.30` or `.25` matches neither (stored: `0.3`, `0.25`). See boundSpellings for the spellings.
 *
 * `le="0.30"` becomes `le=~"0\\.3|0\\.30"` (the written spelling is kept) and `le!="0.30"` becomes
 * `le!~"0\\.3|0\\.30"`. A regex matcher of number literals (`le=~"1|0.25"`) gets every spelling of each,
 * unless it already matches them all. Anything else is left alone: a bound with one spelling only
 * (`0.3`, `+Inf`), a value that is not a number, and any other regex (`0\\.[0-9]+`), which cannot be
 * rewritten exactly. Everything else is kept byte for byte; placeholders may be present.
 */
export function rewriteLeMatchers(query: string): string {
  if (typeof query !== 'string') return query;
  const sub = substituteWindowMapped(query, '5m');
  const parsed = parseWithRepairs(sub.text);
  const map = composeMaps(sub.map, parsed.map);
  const { text } = parsed;
  const edits: Edit[] = [];
  const cursor = parsed.tree.cursor();
  do {
    if (cursor.type.id !== UnquotedLabelMatcher && cursor.type.id !== QuotedLabelMatcher) continue;
    const parts = matcherParts(cursor.node, text);
    if (parts?.matcher.label !== 'le') continue;
    const rewritten = rewriteLe(parts.matcher);
    if (rewritten === undefined) continue;
    const quote = text[parts.value.from] ?? '"';
    const pattern = rewritten.value;
    const literal = quote === '`' ? `\`${pattern}\`` : `${quote}${pattern.replace(/\\/g, '\\\\')}${quote}`;
    // Nodes map back to the original only where it reads the same (not inside a placeholder).
    const at = (node: SyntaxNode) => {
      const from = map.toOriginal(node.from);
      const to = map.toOriginalEnd(node.to);
      return query.slice(from, to) === textOf(text, node) ? { from, to } : undefined;
    };
    const op = at(parts.op);
    const value = at(parts.value);
    if (!op || !value) continue;
    edits.push({ ...op, insert: rewritten.op }, { ...value, insert: literal });
  } while (cursor.next());
  return edits.length === 0 ? query : applyEdits(query, edits).text;
}

/** The regex matcher selecting every spelling of the bound(s) `m` names, or undefined to keep `m` as it is. */
function rewriteLe(m: LabelMatcher): { op: '=~' | '!~'; value: string } | undefined {
  const regex = m.op === '=~' || m.op === '!~';
  const spellings = regex ? regexBoundSpellings(m.value) : boundSpellings(m.value);
  if (!spellings) return undefined;
  if (regex) {
    const re = compileAnchored(m.value);
    if (re && spellings.every((s) => re.test(s))) return undefined;
  } else if (spellings.length === 1) return undefined;
  return { op: m.op === '=' || m.op === '=~' ? '=~' : '!~', value: spellings.map(escapeRegex).join('|') };
}

function escapeRegex(s: string): string {
  return s.replace(/[.+*?()|[\]{}^$\\]/g, '\\$&');
}

/**
 * Adds equality matchers to every vector selector of a query, the way Prometheus Operator's enforced namespace
 * label does: `x{a="1"}` with `{env: "prod"}` becomes `x{a="1",env="prod"}`, `x` becomes `x{env="prod"}`. A
 * selector that already has a matcher on one of the labels keeps its own (so adding twice changes nothing).
 * Placeholders may be present; the rest of the text is kept byte for byte. A query that does not parse is
 * returned as it is (the caller's syntax check reports it).
 */
export function addMatchers(query: string, matchers: Readonly<Record<string, string>>): string {
  const labels = Object.keys(matchers).sort();
  if (typeof query !== 'string' || labels.length === 0) return query;
  const sub = substituteWindowMapped(query, '5m');
  const parsed = parseWithRepairs(sub.text);
  // a query that needed repairs to parse is left to the syntax check that reports it
  if (parsed.map !== identityMap || parsed.problems.length > 0) return query;
  const { text } = parsed;
  const edits: Edit[] = [];
  const cursor = parsed.tree.cursor();
  do {
    if (cursor.type.isError) return query;
    if (cursor.type.id !== VectorSelector) continue;
    const node = cursor.node;
    const list = firstChildOfType(node, LabelMatchers);
    const present = new Set<string>();
    let last: SyntaxNode | undefined;
    for (const m of list ? children(list) : []) {
      if (m.type.id !== UnquotedLabelMatcher && m.type.id !== QuotedLabelMatcher && m.type.id !== QuotedLabelName) continue;
      const parts = matcherParts(m, text);
      if (parts) present.add(parts.matcher.label);
      last = m;
    }
    const add = labels.filter((l) => !present.has(l)).map((l) => `${l}=${JSON.stringify(matchers[l])}`);
    if (add.length === 0) continue;
    const where = list ? (last ? last.to : list.from + 1) : node.to;
    const at = sub.map.toOriginal(where);
    // the insertion point must read the same in the original text (never inside a placeholder)
    if (query.slice(Math.max(0, at - 1), at) !== text.slice(Math.max(0, where - 1), where)) continue;
    edits.push({ from: at, to: at, insert: list ? `${last ? ',' : ''}${add.join(',')}` : `{${add.join(',')}}` });
  } while (cursor.next());
  return edits.length === 0 ? query : applyEdits(query, edits).text;
}
