/** checkPromql: placeholders → parse → syntax problems → (if it parsed) semantic problems and shape. */
import { composeMaps, type OffsetMap } from './edits';
import { parseWithRepairs } from './parse';
import { hasWindowPlaceholder, substituteWindowMapped } from './placeholders';
import { semanticProblems } from './semantics';
import { describeShape } from './shape';
import { syntaxProblems } from './syntax';
import type { PromqlCheck, PromqlProblem, RawProblem } from './types';
import { ValueTypes } from './valueTypes';

const DEFAULT_WINDOW = '5m';
/**
 * Far beyond any hand-written or generated SLO query; keeps a pathological input from tying up
 * the caller (lezer needs about a second per megabyte, and repairs may parse more than once).
 */
export const MAX_QUERY_LENGTH = 100_000;

/**
 * lezer builds its syntax tree recursively, one stack frame per level, so a deep enough query overflows
 * the stack (at about 1,500 levels with Node's default stack, fewer when the caller is itself deep).
 * Far beyond any real query, and safe with a third of the default stack.
 */
export const MAX_NESTING = 400;

/**
 * An upper bound of the syntax tree's depth, without parsing: the deepest bracket nesting plus every
 * binary operator outside label matchers (a chain of n operators nests n deep). Strings are skipped.
 */
export function nestingBound(text: string): number {
  let depth = 0;
  let deepest = 0;
  let braces = 0;
  let operators = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === '`') {
      // to the closing quote; backslash escapes in all but raw strings
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\' && c !== '`') i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '(' || c === '[' || c === '{') {
      if (c === '{') braces++;
      deepest = Math.max(deepest, ++depth);
    } else if (c === ')' || c === ']' || c === '}') {
      if (c === '}' && braces > 0) braces--;
      depth = Math.max(0, depth - 1);
    } else if (braces === 0 && '+-*/%^=!<>'.includes(c)) {
      operators++;
      // two-character comparisons count once
      if (text[i + 1] === '=') i++;
    } else if (braces === 0 && /[a-z]/i.test(c) && (i === 0 || !/[\w:]/.test(text[i - 1]!))) {
      const word = /^[a-zA-Z_][\w:]*/.exec(text.slice(i, i + 16))![0];
      if (word === 'and' || word === 'or' || word === 'unless' || word === 'atan2') operators++;
      i += word.length - 1;
    }
  }
  return deepest + operators;
}

export function checkPromql(query: string, opts?: { window?: string }): PromqlCheck {
  // Callers in plain JS (or reading YAML) may hand over anything.
  if (typeof query !== 'string') {
    return { ok: false, problems: [{ offset: 0, length: 0, message: `query must be a string, got ${typeName(query)}` }], substituted: '' };
  }
  let substituted = query;
  try {
    const window = typeof opts?.window === 'string' ? opts.window : DEFAULT_WINDOW;
    const sub = substituteWindowMapped(query, window);
    substituted = sub.text;
    return { ...analyse(query, sub.text, sub.map), substituted };
  } catch (e) {
    // A bug here must not take down validation of a whole spec set; report it like any problem.
    const message = e instanceof Error ? e.message : String(e);
    return { ok: false, problems: [{ offset: 0, length: 0, message: `internal error while checking the query: ${message}` }], substituted };
  }
}

function analyse(original: string, text: string, placeholderMap: OffsetMap): Omit<PromqlCheck, 'substituted'> {
  const fail = (problem: RawProblem) => ({ ok: false, problems: toOriginal([problem], placeholderMap, original.length) });
  if (isBlank(text)) return fail({ from: 0, to: text.length, message: 'query is empty' });
  if (text.length > MAX_QUERY_LENGTH) {
    return fail({ from: 0, to: 0, message: `query is too long (${text.length} characters, at most ${MAX_QUERY_LENGTH})` });
  }

  const deep = nestingBound(text);
  if (deep > MAX_NESTING) {
    return fail({ from: 0, to: 0, message: `query nests too deeply (up to ${deep} levels of brackets and operators, at most ${MAX_NESTING}); split it into recording rules` });
  }

  const parsed = parseWithRepairs(text);
  const map = composeMaps(placeholderMap, parsed.map);
  const syntax = [...toOriginal(parsed.problems, placeholderMap, original.length), ...toOriginal(syntaxProblems(parsed.tree, parsed.text), map, original.length)];
  if (syntax.length > 0) return { ok: false, problems: sortProblems(syntax) };

  const types = new ValueTypes(parsed.text);
  const problems = sortProblems(toOriginal(semanticProblems(parsed.tree, parsed.text, types), map, original.length));
  const shape = describeShape(parsed.tree, parsed.text, types, hasWindowPlaceholder(original));
  return shape ? { ok: problems.length === 0, problems, shape } : { ok: problems.length === 0, problems };
}

/** Only whitespace and `# comments`; the grammar would report this as a confusing "end of query". */
function isBlank(text: string): boolean {
  return text.replace(/#[^\n]*/g, '').trim() === '';
}

function toOriginal(problems: readonly RawProblem[], map: OffsetMap, originalLength: number): PromqlProblem[] {
  return problems.map((p) => {
    const offset = Math.min(map.toOriginal(p.from), originalLength);
    const end = Math.min(Math.max(map.toOriginalEnd(p.to), offset), originalLength);
    return { offset, length: end - offset, message: p.message };
  });
}

function sortProblems(problems: PromqlProblem[]): PromqlProblem[] {
  return problems.sort((a, b) => a.offset - b.offset || a.length - b.length);
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}
