/**
 * Parsing with one repair: calls to unknown functions.
 *
 * The grammar only knows the built-in function names, so `foo(x)` or `RATE(x[5m])` parses as a
 * selector `foo` followed by garbage, and lezer's recovery then reports a cascade of confusing
 * errors (often including a `)` far to the right). We name the function instead, rename the call
 * to a known function and parse again, so the rest of the query is still checked properly.
 */
import { Identifier, VectorSelector } from '@prometheus-io/lezer-promql';
import { applyEdits, composeMaps, identityMap, type Edit, type OffsetMap } from './edits';
import { KNOWN_FUNCTIONS, renamedFunction, unknownFunctionMessage } from './functions';
import { parsePromql, textOf, type Tree } from './tree';
import type { RawProblem } from './types';

/** Each pass can uncover calls hidden inside the arguments of the previous ones; a few passes suffice. */
const MAX_REPAIR_PASSES = 3;
/** Enough to report every real typo; random input can contain thousands of `word(`. */
const MAX_REPAIRS_PER_PASS = 50;

export interface ParsedQuery {
  tree: Tree;
  /** The text the tree was built from (the input with unknown calls renamed). */
  text: string;
  /** Maps offsets in `text` back to the input. */
  map: OffsetMap;
  /** Unknown-function problems, already in input coordinates. */
  problems: RawProblem[];
}

export function parseWithRepairs(input: string): ParsedQuery {
  let text = input;
  let map: OffsetMap = identityMap;
  let tree = parsePromql(text);
  const problems: RawProblem[] = [];
  for (let pass = 0; pass < MAX_REPAIR_PASSES; pass++) {
    const calls = findUnknownCalls(tree, text).slice(0, MAX_REPAIRS_PER_PASS);
    if (calls.length === 0) break;
    const edits: Edit[] = [];
    for (const c of calls) {
      problems.push({ from: map.toOriginal(c.from), to: map.toOriginalEnd(c.to), message: unknownFunctionMessage(c.name) });
      edits.push({ from: c.from, to: c.to, insert: renamedFunction(c.name) ?? 'abs' });
    }
    const repaired = applyEdits(text, edits);
    map = composeMaps(map, repaired.map);
    text = repaired.text;
    tree = parsePromql(text);
  }
  return { tree, text, map, problems };
}

interface UnknownCall {
  from: number;
  to: number;
  name: string;
}

/** `name(` where the grammar saw a metric name followed by an unexpected `(`. */
function findUnknownCalls(tree: Tree, text: string): UnknownCall[] {
  const calls: UnknownCall[] = [];
  const cursor = tree.cursor();
  do {
    if (!cursor.type.isError || text[cursor.from] !== '(') continue;
    let end = cursor.from;
    while (end > 0 && /\s/.test(text[end - 1] ?? '')) end--;
    const before = tree.resolveInner(end, -1);
    if (before.type.id !== Identifier || before.to !== end || before.parent?.type.id !== VectorSelector) continue;
    const name = textOf(text, before);
    // A known name rejected by the grammar is a different mistake; leave it to the generic errors.
    if (KNOWN_FUNCTIONS.has(name)) continue;
    if (calls.length === 0 || (calls[calls.length - 1] as UnknownCall).from !== before.from) {
      calls.push({ from: before.from, to: before.to, name });
    }
  } while (cursor.next());
  return calls;
}
