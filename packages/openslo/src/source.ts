import { isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import { Diagnostic, type PathSeg, type SourcePos } from './diagnostics';

/** Caps that keep hostile input cheap: alias expansion and nesting are bounded. */
export const MAX_ALIAS_COUNT = 100;
/** OpenSLO documents nest about ten levels; anything far deeper is refused before the rules walk it. */
export const MAX_DEPTH = 64;

/** Depth of nested lists and maps, computed without recursion so that hostile input cannot overflow the stack. */
export function nestingDepth(value: unknown, limit = Infinity): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d + 1 > max) max = d + 1;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

const tooDeep = (e: unknown) => e instanceof RangeError;
const TOO_DEEP_MESSAGE = `the document is nested too deeply to read (OpenSLO documents need fewer than ${MAX_DEPTH} levels)`;

/** One top-level value of an input: a document, or an item of a document that is a list of objects. */
export interface RawObject {
  file: string;
  /** The object as plain data. */
  value: unknown;
  /** Index of the YAML document in the file (0-based). */
  docIndex: number;
  /** Path of the object inside its document: [] or [itemIndex] for a top-level list. */
  base: PathSeg[];
  /** Position of a path inside this object; `key` points at the key of a map entry. */
  locate(path: readonly PathSeg[], at?: 'key' | 'value'): SourcePos;
  /** Offset of the start of a scalar's source text and its style, for mapping positions inside a string. */
  scalarSource(path: readonly PathSeg[]): ScalarSource | undefined;
  /** The whole source text of the file. */
  text: string;
  /** Line and column of an offset in the file. */
  posAt(offset: number): SourcePos;
}

export interface ScalarSource {
  offset: number;
  end: number;
  type: string;
}

export interface ParsedFile {
  objects: RawObject[];
  diagnostics: Diagnostic[];
}

/**
 * Line starts computed from the text itself: the parser's own line counter misses line breaks inside
 * scalars it skips while recovering from an error, which would shift every later position.
 */
class Lines {
  private readonly starts: number[] = [0];
  constructor(private readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  pos(file: string, offset: number): SourcePos {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { file, line: lo + 1, column: o - this.starts[lo]! + 1 };
  }
}

function posAt(file: string, lines: Lines, offset: number): SourcePos {
  return lines.pos(file, offset);
}

/** Walks a YAML node along a path; returns the deepest node reached and whether the whole path was found. */
function walk(root: Node | null | undefined, path: readonly PathSeg[]): { node: Node | null | undefined; key?: Node; complete: boolean } {
  let node: Node | null | undefined = root;
  let key: Node | undefined;
  for (const seg of path) {
    if (isMap(node) && typeof seg === 'string') {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
      if (!pair) return { node, key, complete: false };
      key = pair.key as Node;
      node = (pair.value as Node | null) ?? (pair.key as Node);
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) return { node, key, complete: false };
      key = undefined;
      node = item;
    } else {
      return { node, key, complete: false };
    }
  }
  return { node, key, complete: true };
}

function yamlErrorCode(code: string): string {
  return code === 'DUPLICATE_KEY' ? 'duplicate-key' : 'yaml-syntax';
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'remove one of the two keys; YAML maps cannot repeat a key';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation of this line against the lines above it';
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs';
    default:
      return undefined;
  }
}

/**
 * Parses YAML or JSON text (JSON is read as YAML so that positions are known) into raw objects.
 * Never throws: syntax errors, alias bombs and oversized structures become diagnostics.
 */
export function parseSource(file: string, text: string): ParsedFile {
  const lines = new Lines(text);
  const diagnostics: Diagnostic[] = [];
  const objects: RawObject[] = [];
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true, strict: true, logLevel: 'error' }) as Document.Parsed[];
    if (!Array.isArray(docs)) docs = [docs as unknown as Document.Parsed];
  } catch (e) {
    const msg = tooDeep(e) ? TOO_DEEP_MESSAGE : `cannot parse the file: ${(e as Error).message}`;
    diagnostics.push(new Diagnostic('error', tooDeep(e) ? 'too-deep' : 'yaml-syntax', msg, { file, line: 1, column: 1 }, ''));
    return { objects, diagnostics };
  }
  docs.forEach((doc, docIndex) => {
    const errors = [...doc.errors, ...doc.warnings.filter(() => false)];
    let deep = false;
    for (const err of errors) {
      const offset = err.pos?.[0] ?? 0;
      if (/call stack/i.test(err.message)) {
        // the parser ran out of stack: report once, in words a user can act on
        if (!deep) diagnostics.push(new Diagnostic('error', 'too-deep', TOO_DEEP_MESSAGE, posAt(file, lines, offset), ''));
        deep = true;
        continue;
      }
      const first = err.message.split('\n')[0] ?? err.message;
      diagnostics.push(new Diagnostic('error', yamlErrorCode(err.code), first.replace(/ at line \d+, column \d+:?$/, ''), posAt(file, lines, offset), '', yamlHint(err.code)));
    }
    if (doc.errors.length) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      const msg = tooDeep(e) ? TOO_DEEP_MESSAGE : (e as Error).message;
      const aliasBomb = /excessive alias/i.test(msg);
      diagnostics.push(
        new Diagnostic(
          'error',
          aliasBomb ? 'yaml-alias-limit' : tooDeep(e) ? 'too-deep' : 'yaml-syntax',
          aliasBomb ? `YAML aliases expand too far (more than ${MAX_ALIAS_COUNT} expansions); refusing a possible alias bomb` : tooDeep(e) ? msg : `cannot read the document: ${msg}`,
          posAt(file, lines, doc.contents?.range?.[0] ?? 0),
          '',
          aliasBomb ? 'write the repeated parts out, or use fewer nested aliases' : undefined,
        ),
      );
      return;
    }
    if (value === null || value === undefined) return; // an empty document, e.g. after a trailing `---`
    if (nestingDepth(value, MAX_DEPTH) > MAX_DEPTH) {
      diagnostics.push(new Diagnostic('error', 'too-deep', `the document is nested more than ${MAX_DEPTH} levels deep; OpenSLO documents need far fewer`, posAt(file, lines, doc.contents?.range?.[0] ?? 0), ''));
      return;
    }
    const make = (v: unknown, base: PathSeg[]): RawObject => ({
      file,
      value: v,
      docIndex,
      base,
      text,
      posAt: (offset) => lines.pos(file, offset),
      locate(path, at = 'value') {
        const { node, key, complete } = walk(doc.contents, [...base, ...path]);
        const target = complete && at === 'key' && key ? key : node;
        return posAt(file, lines, target?.range?.[0] ?? 0);
      },
      scalarSource(path) {
        const { node, complete } = walk(doc.contents, [...base, ...path]);
        if (!complete || !isScalar(node) || !node.range) return undefined;
        return { offset: node.range[0], end: node.range[1], type: String(node.type ?? 'PLAIN') };
      },
    });
    if (Array.isArray(value)) value.forEach((item, i) => objects.push(make(item, [i])));
    else objects.push(make(value, []));
  });
  return { objects, diagnostics };
}
