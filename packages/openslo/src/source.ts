import { constructFromEvents, CORE_SCHEMA, EVENT_ID, getScalarValue, parseEvents, SCALAR_STYLE, type Event } from 'js-yaml';
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

/** Calls `f` once, on first use. */
function once<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

/**
 * A position worked out only when its line or column is read. Files read by the quick path have no node
 * positions; they are found by reading the file again with yaml, which only diagnostics need.
 */
function lazyPos(file: string, resolve: () => SourcePos): SourcePos {
  const pos = once(resolve);
  return {
    file,
    get line() {
      return pos().line;
    },
    get column() {
      return pos().column;
    },
  };
}

/** Mapping keys that js-yaml and yaml turn into different strings (null, numbers, booleans, empty) start or read like this. */
const NON_STRING_KEY = /^(?:$|[-+.0-9~]|(?:null|Null|NULL|true|True|TRUE|false|False|FALSE)$)/;

/** A file read by js-yaml: its documents' values and the events they were built from. */
export interface QuickRead {
  values: unknown[];
  events: Event[];
}

/**
 * Reads the documents of a file with js-yaml, about ten times faster than building yaml's Documents, when
 * its values are certain to be the ones yaml gives: no directives, tags, anchors or aliases, every mapping
 * key a plain or quoted string that yaml also reads as a string. Returns undefined for anything else and for every error, so that yaml reads the file
 * and reports what is wrong with positions.
 */
export function quickRead(text: string): QuickRead | undefined {
  let events: Event[];
  try {
    events = parseEvents(text, { maxDepth: MAX_DEPTH });
  } catch {
    return undefined;
  }
  // per open node: the number of keys and values seen so far in a mapping, -1 in a sequence or document
  const open: number[] = [];
  for (const e of events) {
    if (e.type === EVENT_ID.POP) {
      open.pop();
      continue;
    }
    if (e.type === EVENT_ID.DOCUMENT) {
      if (e.directives.length) return undefined;
      open.push(-1);
      continue;
    }
    if (e.type === EVENT_ID.ALIAS || e.anchorStart >= 0 || e.tagStart >= 0) return undefined;
    const top = open.length - 1;
    const inMap = top >= 0 && open[top]! >= 0;
    if (inMap && open[top]! % 2 === 0) {
      // a key: only plain and quoted strings
      if (e.type !== EVENT_ID.SCALAR) return undefined;
      if (e.style === SCALAR_STYLE.PLAIN && NON_STRING_KEY.test(e.valueStart < 0 ? '' : text.slice(e.valueStart, e.valueEnd))) return undefined;
    }
    if (inMap) open[top]!++;
    if (e.type !== EVENT_ID.SCALAR) open.push(e.type === EVENT_ID.MAPPING ? 0 : -1);
  }
  try {
    return { values: constructFromEvents(events, { source: text, schema: CORE_SCHEMA, maxAliases: 0 }), events };
  } catch {
    return undefined;
  }
}

/** Where a node starts (yaml's offset for it), or -1 where the events do not tell; `key` is where its key starts. */
interface Spot {
  start: number;
  key: number;
  kids?: Map<string | number, Spot>;
}

/** yaml's start offset of a node: a quoted scalar starts at its quote; block scalars and empty values are not known here. */
function spotStart(e: Event): number {
  if (e.type === EVENT_ID.MAPPING || e.type === EVENT_ID.SEQUENCE) return e.start;
  if (e.type !== EVENT_ID.SCALAR || e.valueStart < 0) return -1;
  if (e.style === SCALAR_STYLE.SINGLE_QUOTED || e.style === SCALAR_STYLE.DOUBLE_QUOTED) return e.valueStart - 1;
  return e.style === SCALAR_STYLE.PLAIN ? e.valueStart : -1;
}

interface OpenNode {
  spot?: Spot;
  map: boolean;
  count: number;
  keyName?: string;
  keyStart?: number;
}

/** The node starts of every document of a quick read, as trees addressed like the values. */
function spotsOf(events: readonly Event[], text: string): (Spot | undefined)[] {
  const roots: (Spot | undefined)[] = [];
  const open: OpenNode[] = [];
  for (const e of events) {
    if (e.type === EVENT_ID.POP) {
      open.pop();
      continue;
    }
    if (e.type === EVENT_ID.DOCUMENT) {
      roots.push(undefined);
      open.push({ map: false, count: 0 });
      continue;
    }
    const spot: Spot = { start: spotStart(e), key: -1 };
    const parent = open[open.length - 1]!;
    const index = parent.count++;
    if (!parent.spot) roots[roots.length - 1] = spot;
    else if (!parent.map) parent.spot.kids!.set(index, spot);
    else if (index % 2 === 0) {
      // keys are plain or quoted strings on the quick path
      parent.keyName = e.type === EVENT_ID.SCALAR ? getScalarValue(text, e) : '';
      parent.keyStart = spot.start;
    } else {
      spot.key = parent.keyStart!;
      parent.spot.kids!.set(parent.keyName!, spot);
    }
    if (e.type === EVENT_ID.MAPPING || e.type === EVENT_ID.SEQUENCE) {
      spot.kids = new Map();
      open.push({ spot, map: e.type === EVENT_ID.MAPPING, count: 0 });
    }
  }
  return roots;
}

/** Follows a path through the spots: the deepest spot reached, the key start of the last step, and whether the whole path was found. */
function walkSpots(root: Spot | undefined, path: readonly PathSeg[]): { spot: Spot | undefined; key: number; complete: boolean } {
  let spot = root;
  let key = -1;
  for (const seg of path) {
    const next = spot?.kids?.get(seg);
    if (!next) return { spot, key, complete: false };
    key = next.key;
    spot = next;
  }
  return { spot, key, complete: true };
}

/**
 * The raw objects of a file's documents. Positions are worked out when read: from the quick read's spots
 * where they tell, otherwise from yaml's Documents (built on first need for a quick read).
 */
function rawObjects(file: string, text: string, values: readonly unknown[], docs: () => readonly Document.Parsed[], lines: () => Lines, spots?: () => readonly (Spot | undefined)[]): RawObject[] {
  const objects: RawObject[] = [];
  values.forEach((value, docIndex) => {
    if (value === null || value === undefined) return; // an empty document, e.g. after a trailing `---`, or one with errors
    const root = () => docs()[docIndex]?.contents;
    const offsetOf = (path: readonly PathSeg[], at: 'key' | 'value'): number => {
      if (spots) {
        const { spot, key, complete } = walkSpots(spots()[docIndex], path);
        const offset = complete && at === 'key' && key >= 0 ? key : (spot?.start ?? -1);
        if (offset >= 0) return offset;
      }
      const { node, key, complete } = walk(root(), path);
      const target = complete && at === 'key' && key ? key : node;
      return target?.range?.[0] ?? 0;
    };
    const make = (v: unknown, base: PathSeg[]): RawObject => ({
      file,
      value: v,
      docIndex,
      base,
      text,
      posAt: (offset) => lines().pos(file, offset),
      locate: (path, at = 'value') => lazyPos(file, () => lines().pos(file, offsetOf([...base, ...path], at))),
      scalarSource(path) {
        const { node, complete } = walk(root(), [...base, ...path]);
        if (!complete || !isScalar(node) || !node.range) return undefined;
        return { offset: node.range[0], end: node.range[1], type: String(node.type ?? 'PLAIN') };
      },
    });
    if (Array.isArray(value)) for (const [i, item] of value.entries()) objects.push(make(item, [i]));
    else objects.push(make(value, []));
  });
  return objects;
}

const YAML_OPTIONS = { prettyErrors: false, uniqueKeys: true, strict: true, logLevel: 'error' } as const;

const yamlDocuments = (text: string): Document.Parsed[] => {
  const docs = parseAllDocuments(text, YAML_OPTIONS) as Document.Parsed[];
  return Array.isArray(docs) ? docs : [docs as unknown as Document.Parsed];
};

/**
 * Parses YAML or JSON text (JSON is read as YAML so that positions are known) into raw objects.
 * Never throws: syntax errors, alias bombs and oversized structures become diagnostics.
 */
export function parseSource(file: string, text: string): ParsedFile {
  const lines = once(() => new Lines(text));
  const quick = quickRead(text);
  // no depth check needed here: js-yaml's maxDepth refuses nesting before MAX_DEPTH is reached
  if (quick) {
    let events: Event[] | undefined = quick.events;
    const spots = once(() => {
      const s = spotsOf(events!, text);
      events = undefined; // the spots replace them
      return s;
    });
    return {
      objects: rawObjects(
        file,
        text,
        quick.values,
        once(() => yamlDocuments(text)),
        lines,
        spots,
      ),
      diagnostics: [],
    };
  }
  return readWithYaml(file, text, lines());
}

/** The careful path alone, never the quick one: what `parseSource` must agree with (its tests compare them). */
export function parseSourceWithYaml(file: string, text: string): ParsedFile {
  return readWithYaml(file, text, new Lines(text));
}

/** The careful path: yaml's Documents, with every error of every document reported where it is. */
function readWithYaml(file: string, text: string, lines: Lines): ParsedFile {
  const diagnostics: Diagnostic[] = [];
  let docs: Document.Parsed[];
  try {
    docs = yamlDocuments(text);
  } catch (e) {
    const msg = tooDeep(e) ? TOO_DEEP_MESSAGE : `cannot parse the file: ${(e as Error).message}`;
    diagnostics.push(new Diagnostic('error', tooDeep(e) ? 'too-deep' : 'yaml-syntax', msg, { file, line: 1, column: 1 }, ''));
    return { objects: [], diagnostics };
  }
  const values = docs.map((doc): unknown => {
    let deep = false;
    for (const err of doc.errors) {
      const offset = err.pos?.[0] ?? 0;
      if (/call stack/i.test(err.message)) {
        // the parser ran out of stack: report once, in words a user can act on
        if (!deep) diagnostics.push(new Diagnostic('error', 'too-deep', TOO_DEEP_MESSAGE, lines.pos(file, offset), ''));
        deep = true;
        continue;
      }
      const first = err.message.split('\n')[0] ?? err.message;
      diagnostics.push(new Diagnostic('error', yamlErrorCode(err.code), first.replace(/ at line \d+, column \d+:?$/, ''), lines.pos(file, offset), '', yamlHint(err.code)));
    }
    if (doc.errors.length) return undefined;
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
          lines.pos(file, doc.contents?.range?.[0] ?? 0),
          '',
          aliasBomb ? 'write the repeated parts out, or use fewer nested aliases' : undefined,
        ),
      );
      return undefined;
    }
    if (value !== null && value !== undefined && nestingDepth(value, MAX_DEPTH) > MAX_DEPTH) {
      diagnostics.push(
        new Diagnostic('error', 'too-deep', `the document is nested more than ${MAX_DEPTH} levels deep; OpenSLO documents need far fewer`, lines.pos(file, doc.contents?.range?.[0] ?? 0), ''),
      );
      return undefined;
    }
    return value;
  });
  return {
    objects: rawObjects(
      file,
      text,
      values,
      () => docs,
      () => lines,
    ),
    diagnostics,
  };
}
