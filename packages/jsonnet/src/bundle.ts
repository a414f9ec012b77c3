import * as fs from 'node:fs';
import * as path from 'node:path';
import { JsonnetError, formatLocation } from './errors';
import { LexError, positionAt, scanJsonnet, type ImportKind, type Scan } from './lexer';

/**
 * Turns a jsonnet file and everything it imports into one program the WebAssembly engine can run: its
 * `import` reads files with std::fs, which that build does not have. Each file becomes a binding of one
 * `local`, so imports keep their semantics (evaluated once, in their own scope, lazily, cycles allowed):
 *
 *     local
 *     __a0 = (
 *     <entry file, each import expression replaced by the name of its binding>
 *     ),
 *     __a1 = std.extVar('__a1');      <- importstr (importbin alike): the text goes in as an ext var, not as code
 *     <tail>                           <- the caller's expression, e.g. calling __a0
 *
 * Every file starts on a line of its own and keeps its lines, so engine positions map back to the file.
 * Non-ASCII text is made ASCII where that cannot change a value: `\uXXXX` escapes in quoted strings, `?`
 * in comments. jrsonnet's positions drift after non-ASCII characters (see trace.ts); verbatim strings and
 * text blocks stay as written, and trace.ts corrects for them.
 */

export interface Segment {
  /** The path as shown to the user: the entry's path as given, imports joined onto their importer's directory. */
  display: string;
  /** The file's lines as written. */
  lines: string[];
  /** The lines as bundled. */
  codeLines: string[];
  /** For bundled lines longer than written (escapes): written column (0-based) of each bundled column. */
  columnMaps: Map<number, number[]>;
  /** Bundle line holding the file's first line. */
  firstLine: number;
}

export interface Bundle {
  code: string;
  extVars: Map<string, string>;
  segments: Segment[];
  /** Starts every generated name; chosen so no identifier in any bundled file starts with it. */
  prefix: string;
}

interface Binding {
  kind: ImportKind;
  display: string;
  /** Code (import) or text (importstr) or a JSON byte array (importbin). */
  content: string;
  scan?: Scan;
  /** For code: the binding each of `scan.imports` refers to. */
  targets: number[];
}

/** Imports per bundle: names are at most as long as the `import` keyword they replace. */
const MAX_BINDINGS = 1000;
const scanCache = new Map<string, Scan>();

function scanCached(text: string): Scan {
  let scan = scanCache.get(text);
  if (!scan) {
    scan = scanJsonnet(text);
    if (scanCache.size >= 64) scanCache.clear();
    scanCache.set(text, scan);
  }
  return scan;
}

function lexicalError(display: string, text: string, e: LexError): JsonnetError {
  const { line, column } = positionAt(text, e.offset);
  return new JsonnetError(`${formatLocation(display, line, column)}: syntax error: ${e.message}\n    hint: fix the jsonnet syntax at that position`, display, line, column);
}

function readImport(importer: Binding, offset: number, kind: ImportKind, written: string, display: string): string {
  let reason: string;
  try {
    const bytes = fs.readFileSync(path.resolve(display));
    return kind === 'importbin' ? JSON.stringify([...bytes]) : bytes.toString('utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    reason = code === 'ENOENT' ? `no file ${display}` : code === 'EISDIR' ? `${display} is a directory` : (e as Error).message;
  }
  const { line, column } = positionAt(importer.content, offset);
  throw new JsonnetError(
    `${formatLocation(importer.display, line, column)}: cannot ${kind} "${written}": ${reason}\n` +
      `    hint: a relative import is resolved against the directory of the file that imports it (${path.dirname(importer.display)})`,
    importer.display,
    line,
    column,
  );
}

function choosePrefix(bindings: Binding[]): string {
  const identifiers: string[] = [];
  for (const b of bindings) if (b.scan) identifiers.push(...b.scan.identifiers);
  for (let c = 'a'.charCodeAt(0); c <= 'z'.charCodeAt(0); c++) {
    const prefix = `__${String.fromCharCode(c)}`;
    if (!identifiers.some((id) => id.startsWith(prefix))) return prefix;
  }
  const entry = bindings[0] as Binding;
  throw new JsonnetError(`${entry.display}: identifiers start with every one of __a ... __z; rename some so slo-engine has a prefix for its own names`, entry.display);
}

function escapeCodePoint(cp: number): string {
  const hex = (u: number): string => `\\u${u.toString(16).padStart(4, '0')}`;
  if (cp <= 0xffff) return hex(cp);
  const v = cp - 0x10000;
  return hex(0xd800 + (v >> 10)) + hex(0xdc00 + (v & 0x3ff));
}

interface Edit {
  start: number;
  end: number;
  /** What a code point at `offset` inside the edit becomes. */
  replace: (ch: string, offset: number) => string;
}

/**
 * Applies the edits (sorted, not overlapping) code point by code point, and records for each line that
 * grew which written column each bundled column comes from.
 */
function rewrite(text: string, edits: Edit[]): { code: string; columnMaps: Map<number, number[]> } {
  const columnMaps = new Map<number, number[]>();
  let code = '';
  let line = 0;
  let column = 0;
  let lineMap: number[] = [];
  let grew = false;
  let e = 0;
  let offset = 0;
  for (const ch of text) {
    while (e < edits.length && (edits[e] as Edit).end <= offset) e++;
    const edit = edits[e];
    const out = edit && edit.start <= offset ? edit.replace(ch, offset) : ch;
    offset += ch.length;
    code += out;
    if (ch === '\n') {
      if (grew) columnMaps.set(line, lineMap);
      line++;
      column = 0;
      lineMap = [];
      grew = false;
      continue;
    }
    const width = out === ch ? 1 : out.length; // replacements are ASCII: one column per UTF-16 unit
    for (let k = 0; k < width; k++) lineMap.push(column);
    if (width !== 1) grew = true;
    column++;
  }
  if (grew) columnMaps.set(line, lineMap);
  return { code, columnMaps };
}

function bundledCode(binding: Binding, prefix: string): { code: string; columnMaps: Map<number, number[]> } {
  const scan = binding.scan as Scan;
  const edits: Edit[] = scan.imports.map((ref, i) => {
    // the name over the keyword (at least six ASCII characters; names are at most six), the rest blank
    const name = `${prefix}${binding.targets[i]}`;
    return { start: ref.start, end: ref.end, replace: (ch, at) => name[at - ref.start] ?? (ch === '\n' || ch === '\r' ? ch : ' ') };
  });
  for (const span of scan.nonAscii) {
    const ascii = span.kind === 'comment' ? () => '?' : (ch: string) => escapeCodePoint(ch.codePointAt(0) ?? 0);
    edits.push({ start: span.start, end: span.end, replace: (ch) => (ch.charCodeAt(0) < 0x80 ? ch : ascii(ch)) });
  }
  edits.sort((a, b) => a.start - b.start);
  return rewrite(binding.content, edits);
}

function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 1 && text.endsWith('\n')) lines.pop();
  return lines;
}

/**
 * Bundles `entry` (its text as given, its imports read from disk) and ends the program with `tail`, which
 * gets the name prefix and the entry's binding name and returns jsonnet lines.
 */
export function buildBundle(entry: { file: string; text: string }, tail: (prefix: string, entryName: string) => string[]): Bundle {
  const bindings: Binding[] = [{ kind: 'import', display: entry.file, content: entry.text, targets: [] }];
  const byKey = new Map<string, number>([[`import\0${path.resolve(entry.file)}`, 0]]);

  for (let b = 0; b < bindings.length; b++) {
    const binding = bindings[b] as Binding;
    if (binding.kind !== 'import') continue;
    try {
      binding.scan = scanCached(binding.content);
    } catch (e) {
      if (e instanceof LexError) throw lexicalError(binding.display, binding.content, e);
      throw e;
    }
    for (const ref of binding.scan.imports) {
      const display = path.isAbsolute(ref.path) ? path.normalize(ref.path) : path.join(path.dirname(binding.display), ref.path);
      const key = `${ref.kind}\0${path.resolve(display)}`;
      let target = byKey.get(key);
      if (target === undefined) {
        const content = readImport(binding, ref.start, ref.kind, ref.path, display);
        target = bindings.length;
        if (target >= MAX_BINDINGS) {
          const { line, column } = positionAt(binding.content, ref.start);
          throw new JsonnetError(`${formatLocation(binding.display, line, column)}: more than ${MAX_BINDINGS - 1} imported files`, binding.display, line, column);
        }
        bindings.push({ kind: ref.kind, display, content, targets: [] });
        byKey.set(key, target);
      }
      binding.targets.push(target);
    }
  }

  const prefix = choosePrefix(bindings);
  const lines: string[] = ['local'];
  const segments: Segment[] = [];
  const extVars = new Map<string, string>();
  bindings.forEach((binding, index) => {
    const name = `${prefix}${index}`;
    const end = index === bindings.length - 1 ? ';' : ',';
    if (binding.kind === 'importstr' || binding.kind === 'importbin') {
      extVars.set(name, binding.content);
      const value = `std.extVar('${name}')`;
      lines.push(`${name} = ${binding.kind === 'importbin' ? `std.parseJson(${value})` : value}${end}`);
      return;
    }
    const { code, columnMaps } = bundledCode(binding, prefix);
    const codeLines = linesOf(code);
    lines.push(`${name} = (`);
    segments.push({ display: binding.display, lines: linesOf(binding.content), codeLines, columnMaps, firstLine: lines.length + 1 });
    lines.push(...codeLines, `)${end}`);
  });
  lines.push(...tail(prefix, `${prefix}0`));
  return { code: `${lines.join('\n')}\n`, extVars, segments, prefix };
}
