import { stringify } from 'yaml';

/**
 * A fast path for `toYaml`: the same bytes as the `yaml` library's Document/visit/stringify
 * machinery (lineWidth 0, indent 2, indentSeq, multi-line strings as literal blocks), for plain
 * data only. Building a Document node per value cost about a third of compiling 10,000 SLOs.
 *
 * Quoting is not re-implemented: each single-line scalar is rendered by `yaml` itself and
 * memoised, since with lineWidth 0 a single-line scalar renders the same wherever it stands
 * (see the exceptions in `scalar`). Only the block layout, which is simple and fixed, is written
 * here. Anything this module is not sure about returns `undefined`, and the caller takes the
 * slow path: the two must never differ, and the tests compare them.
 */
export function emitYaml(value: unknown): string | undefined {
  // a top-level literal block is laid out differently (no indentation, forceBlockIndent)
  if (typeof value === 'string' && value.includes('\n')) return undefined;
  const out = node(value, '', new Set());
  return out === undefined ? undefined : `${out}\n`;
}

type Plain = string | number | boolean | null;

/** Label values, names and keys repeat thousands of times across a compile. */
const cache = new Map<Plain, string>();
const CACHE_LIMIT = 100_000;

/** yaml's `containsDocumentMarker`: such strings are indented or quoted depending on where they stand. */
const DOC_MARKER = /^(%|---|\.\.\.)/m;
/** Characters that make yaml double-quote a string instead of writing a literal block. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the control characters that yaml escapes is the point
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;

/**
 * One single-line scalar as yaml writes it, as a key or a value at any depth. Not position-free,
 * so left to the slow path: document markers (quoted as a top-level key, plain deeper, a block at
 * the root; the newline check below would catch most, the explicit test is belt and braces), and
 * anything whose rendering spans lines. -0 and non-finite numbers are refused by the caller
 * (a Map key cannot tell -0 from 0). Strings that are plain as they are, or must be quoted on one line,
 * are written without asking yaml (both are decided before anything that depends on position).
 */
function scalar(v: Plain): string | undefined {
  if (typeof v === 'string') {
    if (isPlainAsIs(v)) return v;
    if (mustQuote(v)) return quoted(v);
  }
  let out = cache.get(v);
  if (out !== undefined) return out;
  if (typeof v === 'string' && (v.includes('\n') || DOC_MARKER.test(v))) return undefined;
  out = stringify(v, { lineWidth: 0 });
  if (!out.endsWith('\n')) return undefined;
  out = out.slice(0, -1);
  if (out.includes('\n')) return undefined;
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(v, out);
  return out;
}

/**
 * Strings yaml writes plain and unchanged anywhere in block context, decided without asking it: most
 * of what we render (PromQL, names, descriptions) is unique, so the memo above rarely helps them.
 * Conservative: a letter, `_`, `(` or `/` first (never an indicator, a number or `.inf`), no control
 * characters, tabs or lone surrogates, no `: ` or ` #` inside, no space or `:` at the end, and not a
 * word the core schema reads as null or a boolean. Everything else asks yaml.
 */
const PLAIN_START = /^[A-Za-z_(/]/;
/** What rules a plain scalar out wherever it starts: `: ` or ` #` inside, a space or `:` at the end. */
const BREAKS_PLAIN = /: | #|[ :]$/;
/** Every C0 control character (tabs and line breaks included), C1 controls and lone surrogates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the control characters that rule out a plain scalar is the point
const ANY_CONTROL = /[\x00-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
const CORE_WORDS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE']);
const isPlainAsIs = (s: string): boolean => PLAIN_START.test(s) && !ANY_CONTROL.test(s) && !BREAKS_PLAIN.test(s) && !CORE_WORDS.has(s);

/**
 * Printable ASCII strings that can never be plain: an indicator first, or `: ` / ` #` inside, or a
 * space or `:` at the end. yaml quotes these on one line: single quotes when the string has a `"` and
 * no `'` (nothing to escape then), else double quotes, which for printable ASCII is exactly JSON.
 */
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;
const INDICATOR_START = /^[ ,[\]{}#&*!|>'"%@`]/;
const mustQuote = (s: string): boolean => PRINTABLE_ASCII.test(s) && (INDICATOR_START.test(s) || BREAKS_PLAIN.test(s));
const quoted = (s: string): string => (s.includes('"') && !s.includes("'") ? `'${s}'` : JSON.stringify(s));

/**
 * A multi-line string as yaml's `blockString` writes a BLOCK_LITERAL, for the simple case only:
 * header `|-` (no trailing newline: strip chomping; no leading space: no indentation indicator),
 * then every run of newlines followed by the indentation, so empty lines carry none.
 * Leading/trailing whitespace, control characters (double-quoted instead), document markers and
 * tab-started lines go to the slow path.
 */
function blockLiteral(s: string, indent: string): string | undefined {
  const first = s[0];
  const last = s[s.length - 1];
  if (first === ' ' || first === '\t' || first === '\n') return undefined;
  if (last === ' ' || last === '\t' || last === '\n') return undefined;
  if (CONTROL.test(s) || DOC_MARKER.test(s) || s.includes('\n\t')) return undefined;
  return `|-\n${indent}${s.replace(/\n+/g, `$&${indent}`)}`;
}

/**
 * `v` rendered at indentation `indent` (yaml's ctx.indent), its first line unindented (the
 * caller places it after `key: `, `- ` or at the start of the document).
 */
function node(v: unknown, indent: string, seen: Set<object>): string | undefined {
  switch (typeof v) {
    case 'string':
      return v.includes('\n') ? blockLiteral(v, indent) : scalar(v);
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0) ? scalar(v) : undefined;
    case 'boolean':
      return scalar(v);
    case 'object':
      if (v === null) return scalar(null);
      // yaml writes an anchor and alias for an object met twice
      if (seen.has(v)) return undefined;
      seen.add(v);
      if (Array.isArray(v)) return Object.getPrototypeOf(v) === Array.prototype ? seq(v, indent, seen) : undefined;
      return isPlainObject(v) ? map(v as Record<string, unknown>, indent, seen) : undefined;
    default:
      return undefined; // undefined (as a document or array item), bigint, symbol, function
  }
}

/** Plain objects only: yaml turns class instances, Maps, iterables and toJSON owners into other things. */
function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function' && !(Symbol.iterator in v);
}

/** A non-empty collection as a value goes on the next line; scalars, `{}`, `[]` and `|-` after a space. */
const onNextLine = (v: unknown, rendered: string): boolean => v !== null && typeof v === 'object' && rendered !== '{}' && rendered !== '[]';

/** yaml's stringifyBlockCollection + stringifyPair: pairs joined by newline + indent, values one step in. */
function map(obj: Record<string, unknown>, indent: string, seen: Set<object>): string | undefined {
  const inner = `${indent}  `;
  let out = '';
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (v === undefined) continue; // yaml drops these (keepUndefined is off)
    const k = scalar(key);
    // a key longer than 1024 characters is written as an explicit `? key`
    if (k === undefined || k.length > 1024) return undefined;
    const rendered = node(v, inner, seen);
    if (rendered === undefined) return undefined;
    if (out) out += `\n${indent}`;
    out += k + (onNextLine(v, rendered) ? `:\n${inner}` : ': ') + rendered;
  }
  return out || '{}';
}

/** yaml's YAMLSeq: `- ` items joined by newline + indent, each item rendered one step in. */
function seq(arr: unknown[], indent: string, seen: Set<object>): string | undefined {
  if (arr.length === 0) return '[]';
  const inner = `${indent}  `;
  let out = '';
  for (let i = 0; i < arr.length; i++) {
    // yaml writes holes and undefined items as null; nothing we render has them, so don't guess
    if (!(i in arr)) return undefined;
    const rendered = node(arr[i], inner, seen);
    if (rendered === undefined) return undefined;
    out += (i === 0 ? '- ' : `\n${indent}- `) + rendered;
  }
  return out;
}
