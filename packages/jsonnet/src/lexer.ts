/**
 * Just enough of a jsonnet lexer to bundle files ourselves: the WebAssembly engine cannot read files, so
 * imports are found here and replaced. It skips comments, strings and text blocks exactly, finds
 * `import`/`importstr`/`importbin` with their literal paths, collects identifiers, notes the comments and
 * quoted strings holding non-ASCII text (see bundle.ts), and rejects text that is not lexically closed
 * (open strings, comments, text blocks, brackets), because such text would run into the code wrapped
 * around it.
 */

export type ImportKind = 'import' | 'importstr' | 'importbin';

export interface ImportRef {
  kind: ImportKind;
  /** The path as written, escapes decoded. */
  path: string;
  /** UTF-16 offsets of the whole expression, from the keyword to the end of the string literal. */
  start: number;
  end: number;
}

/** A comment or a '...'/"..." string with non-ASCII characters, by UTF-16 offsets. */
export interface NonAscii {
  kind: 'comment' | 'quoted';
  start: number;
  end: number;
}

export interface Scan {
  imports: ImportRef[];
  identifiers: Set<string>;
  nonAscii: NonAscii[];
}

/** A lexical problem at a UTF-16 offset of the scanned text. */
export class LexError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const IMPORT_KINDS: ReadonlySet<string> = new Set(['import', 'importstr', 'importbin']);
const CLOSING: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };
// biome-ignore lint/suspicious/noControlCharactersInRegex: the range \x00-\x7f is all of ASCII, control characters included; the regex matches anything outside it
const NON_ASCII = /[^\x00-\x7f]/;
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '"': '"', "'": "'", '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}

/** 1-based line and column (in code points) of a UTF-16 offset. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: [...text.slice(lineStart, offset)].length + 1 };
}

export function scanJsonnet(text: string): Scan {
  const imports: ImportRef[] = [];
  const identifiers = new Set<string>();
  const nonAscii: NonAscii[] = [];
  const noteNonAscii = (kind: NonAscii['kind'], start: number, end: number): void => {
    if (NON_ASCII.test(text.slice(start, end))) nonAscii.push({ kind, start, end });
  };
  const open: { ch: string; at: number }[] = [];
  const n = text.length;
  let pending: { kind: ImportKind; start: number } | undefined;
  let i = 0;

  const notComputed = (at: number): never => {
    throw new LexError(`${pending?.kind ?? 'import'} must be followed by a string literal path (computed imports are not allowed)`, at);
  };

  while (i < n) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
      continue;
    }
    if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      const eol = text.indexOf('\n', i);
      const end = eol === -1 ? n : eol;
      noteNonAscii('comment', i, end);
      i = end;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close === -1) throw new LexError('comment /* is never closed with */', i);
      noteNonAscii('comment', i, close + 2);
      i = close + 2;
      continue;
    }

    if (c === '"' || c === "'" || (c === '@' && (text[i + 1] === '"' || text[i + 1] === "'"))) {
      const literal = c === '@' ? readVerbatim(text, i) : readQuoted(text, i, pending !== undefined);
      if (pending) {
        imports.push({ kind: pending.kind, path: literal.value, start: pending.start, end: literal.end });
        pending = undefined;
      } else if (c !== '@') {
        noteNonAscii('quoted', i, literal.end);
      }
      i = literal.end;
      continue;
    }
    if (text.startsWith('|||', i)) {
      if (pending) throw new LexError(`${pending.kind} path must be a plain string literal, not a text block`, i);
      i = skipTextBlock(text, i);
      continue;
    }
    if (pending) notComputed(i);

    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentPart(text[j] as string)) j++;
      const word = text.slice(i, j);
      if (IMPORT_KINDS.has(word)) pending = { kind: word as ImportKind, start: i };
      else identifiers.add(word);
      i = j;
      continue;
    }
    if (c >= '0' && c <= '9') {
      // a number, exponent included; what follows it is irrelevant here
      while (i < n && (isIdentPart(text[i] as string) || text[i] === '.')) i++;
      continue;
    }
    if (NON_ASCII.test(c)) {
      const cp = text.codePointAt(i) ?? 0;
      const name = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
      throw new LexError(
        `unexpected character ${cp === 0xfeff ? 'U+FEFF (a byte order mark: save the file without it)' : `"${String.fromCodePoint(cp)}" (${name})`}: outside strings and comments jsonnet is ASCII`,
        i,
      );
    }
    if (c === '(' || c === '[' || c === '{') {
      open.push({ ch: c, at: i });
    } else if (c === ')' || c === ']' || c === '}') {
      const top = open.pop();
      if (!top) throw new LexError(`unexpected "${c}": nothing to close`, i);
      if (top.ch !== CLOSING[c]) throw new LexError(`"${c}" does not close "${top.ch}" (expected "${closerOf(top.ch)}")`, i);
    }
    i++;
  }
  if (pending) notComputed(n);
  const unclosed = open.pop();
  if (unclosed) throw new LexError(`"${unclosed.ch}" is never closed with "${closerOf(unclosed.ch)}"`, unclosed.at);
  return { imports, identifiers, nonAscii };
}

function closerOf(opener: string): string {
  return opener === '(' ? ')' : opener === '[' ? ']' : '}';
}

/** A '...' or "..." string; decodes its value only when asked (import paths), else just finds its end. */
function readQuoted(text: string, start: number, decode: boolean): { value: string; end: number } {
  const quote = text[start];
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === quote) return { value, end: i + 1 };
    if (c !== '\\') {
      if (decode) value += c;
      i++;
      continue;
    }
    const e = text[i + 1];
    if (e === undefined) break;
    // never valid, and bundle.ts would turn it into a valid \\ followed by an escape
    if (NON_ASCII.test(e)) throw new LexError(`invalid escape "\\${String.fromCodePoint(text.codePointAt(i + 1) ?? 0)}" in a string`, i);
    if (!decode) {
      i += 2;
      continue;
    }
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      value += simple;
      i += 2;
    } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
      // code units: a surrogate pair written as two \u escapes joins up by itself
      value += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
      i += 6;
    } else {
      throw new LexError(`invalid escape "\\${e}" in the import path`, i);
    }
  }
  throw new LexError(`string is never closed with ${quote}`, start);
}

/** @'...' or @"...": no escapes, a doubled quote stands for one. */
function readVerbatim(text: string, start: number): { value: string; end: number } {
  const quote = text[start + 1] as string;
  let value = '';
  let i = start + 2;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === quote) {
      if (text[i + 1] !== quote) return { value, end: i + 1 };
      value += quote;
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
  throw new LexError(`verbatim string is never closed with ${quote}`, start);
}

/** A ||| text block: indented lines, ended by a less indented line holding |||. Returns the offset after it. */
function skipTextBlock(text: string, start: number): number {
  const n = text.length;
  let i = start + 3;
  if (text[i] === '-') i++; // |||- chomps the final newline
  while (text[i] === ' ' || text[i] === '\t' || text[i] === '\r') i++;
  if (text[i] !== '\n') throw new LexError('text block: ||| must be followed by a new line', start);
  i++;
  const skipBlankLines = (): void => {
    for (;;) {
      if (text[i] === '\n') i++;
      else if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
      else return;
    }
  };
  skipBlankLines();
  let indent = i;
  while (text[indent] === ' ' || text[indent] === '\t') indent++;
  const prefix = text.slice(i, indent);
  if (prefix === '') throw new LexError('text block: its first line must be indented', i < n ? i : start);
  for (;;) {
    const eol = text.indexOf('\n', i);
    if (eol === -1) throw new LexError('text block is never closed with |||', start);
    i = eol + 1;
    skipBlankLines();
    if (i >= n) throw new LexError('text block is never closed with |||', start);
    if (text.startsWith(prefix, i)) continue;
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (!text.startsWith('|||', i)) throw new LexError('text block: a line indented less than its first line must be the closing |||', i);
    return i + 3;
  }
}
