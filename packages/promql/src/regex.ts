/**
 * Label-matcher regular expressions: matching label values the way Prometheus does, and making up a
 * few strings a pattern matches.
 *
 * Patterns are compiled with re2js, a port of RE2 (Go's regexp), so what matches here is what
 * Prometheus selects: inline flags anywhere (`a(?i)b`), Unicode classes (`\pL`, `\p{Greek}`), POSIX
 * classes, `\Q...\E`, ASCII-only `\s`, and RE2's syntax errors (back references, look-arounds,
 * repeat counts over 1000). A pattern RE2 rejects counts as matching nothing, as Prometheus refuses
 * the query.
 */
import { RE2JS } from 're2js';

/** A compiled label-matcher pattern; `test` is true when the pattern matches the whole value. */
export interface AnchoredRegex {
  test(value: string): boolean;
}

/** Compiled patterns by source; matchers repeat a lot when synthesising series. */
const cache = new Map<string, AnchoredRegex | null>();
const CACHE_LIMIT = 500;

/**
 * `re` anchored at both ends as Prometheus does (`^(?s:re)$`: since Prometheus 3, `.` also matches
 * a newline); undefined if RE2 rejects the pattern.
 */
export function compileAnchored(re: string): AnchoredRegex | undefined {
  const hit = cache.get(re);
  if (hit !== undefined) return hit ?? undefined;
  const compiled = compile(re);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(re, compiled ?? null);
  return compiled;
}

function compile(re: string): AnchoredRegex | undefined {
  let pattern: RE2JS;
  try {
    // DOTALL puts `(?s)` in front of the pattern instead of wrapping it in a group, so an unbalanced
    // `a)|(b` stays an error, as in Prometheus, which parses the pattern on its own first.
    pattern = RE2JS.compile(re, RE2JS.DOTALL);
  } catch {
    // Syntax errors, and "nests too deeply" style limits.
    return undefined;
  }
  // testExact anchors at both ends; RE2JS#test would search for a match anywhere in the value.
  return { test: (value) => pattern.testExact(value) };
}

/** How many examples each part of a pattern contributes; keeps products and alternations small. */
const MAX_EXAMPLES = 6;
/** `x{1000}` would make a long string; patterns in SLI queries never need that. */
const MAX_REPEAT = 64;
/** Patterns nest parentheses; a pathological one must not exhaust the stack. */
const MAX_DEPTH = 50;

/**
 * A few strings `re` matches, best first: the first alternative first, `.` as `0`, character
 * classes resolved to their first member. The candidates come from a small parser of RE2 syntax
 * that ignores flags and anchors; only those the compiled pattern matches are returned, so a
 * pattern RE2 rejects, or one the parser cannot read, gives none.
 */
export function regexExamples(re: string): string[] {
  const compiled = compileAnchored(re);
  if (!compiled) return [];
  let candidates: string[];
  try {
    candidates = examples(new RegexParser(re).parseAll());
  } catch {
    // A construct the generator does not read (octal escapes, `\p` classes outside its pool, ...).
    return [];
  }
  return [...new Set(candidates)].filter((s) => compiled.test(s));
}

type RNode = { t: 'text'; s: string } | { t: 'chars'; options: string[] } | { t: 'seq'; items: RNode[] } | { t: 'alt'; alts: RNode[] } | { t: 'rep'; node: RNode; min: number; max: number };

const EMPTY: RNode = { t: 'text', s: '' };

class UnsupportedRegex extends Error {}

/** Typical members of the Perl classes: `\w+` reads better as `a` than as `0`. */
const PERL_CLASS_PICKS: Readonly<Record<string, string>> = { d: '0', D: 'a', w: 'a', W: '-', s: ' ', S: 'a' };
const CHAR_ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07' };
/**
 * Characters tried, in order, for negated, POSIX and Unicode classes: digits first so `[^a-z]`
 * gives `0`; a few letters of other scripts last, for `\pL` or `\p{Greek}`.
 */
const CHAR_POOL = ['0', 'a', 'x', '1', 'z', 'A', 'Z', '9', '_', '-', '.', ' ', '/', ':', 'é', 'α', 'ж', '中'];

/** The first CHAR_POOL characters the class `cls` (RE2 syntax, e.g. `[^a-z]` or `\pL`) contains. */
function poolMembers(cls: string, max: number): string[] {
  const re = compileAnchored(cls);
  const out = re ? CHAR_POOL.filter((ch) => re.test(ch)).slice(0, max) : [];
  if (out.length === 0) throw new UnsupportedRegex(`no character found for ${cls}`);
  return out;
}

/**
 * Reads patterns RE2 has already accepted, so it checks little syntax itself; set membership of
 * classes is left to RE2 (poolMembers).
 */
class RegexParser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly src: string) {}

  parseAll(): RNode {
    const node = this.parseAlt();
    if (this.pos < this.src.length) throw new UnsupportedRegex(`unexpected ${this.src[this.pos]}`);
    return node;
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private parseAlt(): RNode {
    if (++this.depth > MAX_DEPTH) throw new UnsupportedRegex('nested too deeply');
    const alts = [this.parseSeq()];
    while (this.peek() === '|') {
      this.pos++;
      alts.push(this.parseSeq());
    }
    this.depth--;
    return alts.length === 1 ? (alts[0] as RNode) : { t: 'alt', alts };
  }

  private parseSeq(): RNode {
    const items: RNode[] = [];
    for (let c = this.peek(); c !== undefined && c !== '|' && c !== ')'; c = this.peek()) {
      items.push(this.parseQuantified(this.parseAtom()));
    }
    return { t: 'seq', items };
  }

  /** One optional repetition operator after an atom (RE2 rejects `a**`). */
  private parseQuantified(atom: RNode): RNode {
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '*' || c === '+' || c === '?') {
      this.pos++;
      [min, max] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
      if (!m) return atom; // RE2 reads a `{` that starts no repetition as a literal
      this.pos += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] ? Number(m[3]) : Infinity;
    } else {
      return atom;
    }
    if (min > MAX_REPEAT) throw new UnsupportedRegex('repetition too long');
    if (this.peek() === '?') this.pos++; // lazy: matches the same strings
    return { t: 'rep', node: atom, min, max };
  }

  private parseAtom(): RNode {
    const start = this.pos;
    const c = this.src[this.pos++] as string;
    switch (c) {
      case '(':
        return this.parseGroup();
      case '[':
        return this.parseClass(start);
      case '.':
        return { t: 'chars', options: ['0'] };
      case '^':
      case '$':
        return EMPTY;
      case '\\':
        return this.parseEscape(false);
      case '*':
      case '+':
      case '?':
        throw new UnsupportedRegex('missing argument to repetition operator');
      default:
        return { t: 'text', s: c };
    }
  }

  private parseGroup(): RNode {
    if (this.peek() === '?') {
      const rest = this.src.slice(this.pos);
      const named = /^\?P?<[A-Za-z_][A-Za-z0-9_]*>/.exec(rest);
      const flags = /^\?[imsU-]*([:)])/.exec(rest);
      if (named) this.pos += named[0].length;
      else if (flags) {
        this.pos += flags[0].length;
        if (flags[1] === ')') return EMPTY; // `(?i)` in the middle: only changes flags
      } else throw new UnsupportedRegex('unsupported group');
    }
    const inner = this.parseAlt();
    if (this.peek() !== ')') throw new UnsupportedRegex('missing )');
    this.pos++;
    return inner;
  }

  /** An escape after the backslash; `inClass` for `[...]`, where `\b` etc. mean nothing useful. */
  private parseEscape(inClass: boolean): RNode {
    const escStart = this.pos - 1;
    const c = this.src[this.pos++];
    if (c === undefined) throw new UnsupportedRegex('trailing backslash');
    const pick = PERL_CLASS_PICKS[c];
    if (pick !== undefined) return { t: 'chars', options: [pick] };
    if (c === 'p' || c === 'P') {
      const name = this.peek() === '{' ? /^\{[^}]*\}/.exec(this.src.slice(this.pos))?.[0] : this.peek();
      if (name === undefined) throw new UnsupportedRegex('bad Unicode class');
      this.pos += name.length;
      return { t: 'chars', options: poolMembers(this.src.slice(escStart, this.pos), 1) };
    }
    if (!inClass && (c === 'b' || c === 'B' || c === 'A' || c === 'z')) return EMPTY;
    const simple = CHAR_ESCAPES[c];
    if (simple !== undefined) return { t: 'text', s: simple };
    if (c === 'x') {
      const m = /^(?:\{([0-9A-Fa-f]{1,6})\}|([0-9A-Fa-f]{2}))/.exec(this.src.slice(this.pos));
      if (!m) throw new UnsupportedRegex('bad \\x escape');
      this.pos += m[0].length;
      return { t: 'text', s: String.fromCodePoint(parseInt(m[1] ?? m[2] ?? '0', 16)) };
    }
    if (!inClass && c === 'Q') {
      const end = this.src.indexOf('\\E', this.pos);
      const text = this.src.slice(this.pos, end < 0 ? undefined : end);
      this.pos = end < 0 ? this.src.length : end + 2;
      return { t: 'text', s: text };
    }
    // RE2 allows escaping any punctuation; letters and digits left here are octal escapes we skip.
    if (/[A-Za-z0-9]/.test(c)) throw new UnsupportedRegex(`unsupported escape \\${c}`);
    return { t: 'text', s: c };
  }

  /** `[...]` from `start` (its `[`): literal members and range starts first, RE2 for negated classes. */
  private parseClass(start: number): RNode {
    const negated = this.peek() === '^';
    if (negated) this.pos++;
    const firsts: string[] = [];
    let first = true;
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) throw new UnsupportedRegex('missing ]');
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      const posix = /^\[:\^?[a-z]+:\]/.exec(this.src.slice(this.pos));
      if (posix) {
        this.pos += posix[0].length;
        if (!negated) firsts.push(...poolMembers(`[${posix[0]}]`, 1));
        continue;
      }
      const lo = this.classItem();
      if (this.peek() === '-' && this.src[this.pos + 1] !== ']' && this.src[this.pos + 1] !== undefined) {
        this.pos++;
        this.classItem();
      }
      firsts.push(lo);
    }
    const options = negated ? poolMembers(this.src.slice(start, this.pos), 2) : [...new Set(firsts)].slice(0, 2);
    if (options.length === 0) throw new UnsupportedRegex('empty class');
    return { t: 'chars', options };
  }

  /** One character of a class, or a member of an escape class such as `\d` or `\pL` in it. */
  private classItem(): string {
    const c = this.src[this.pos++] as string;
    if (c !== '\\') return c;
    const node = this.parseEscape(true);
    if (node.t === 'text') return node.s;
    if (node.t === 'chars' && node.options[0] !== undefined) return node.options[0];
    throw new UnsupportedRegex('bad class item');
  }
}

function examples(node: RNode): string[] {
  switch (node.t) {
    case 'text':
      return [node.s];
    case 'chars':
      return node.options.slice(0, MAX_EXAMPLES);
    case 'seq': {
      // Best first: combinations of earlier choices before later ones (rank i + j, then j).
      let acc = [''];
      for (const item of node.items) {
        const ex = examples(item);
        const pairs: { s: string; rank: number; j: number }[] = [];
        for (const [i, a] of acc.entries()) for (const [j, b] of ex.entries()) pairs.push({ s: a + b, rank: i + j, j });
        acc = pairs
          .sort((p, q) => p.rank - q.rank || p.j - q.j)
          .slice(0, MAX_EXAMPLES)
          .map((p) => p.s);
      }
      return acc;
    }
    case 'alt': {
      // Round robin: the first example of every alternative before the second of any.
      const lists = node.alts.map(examples);
      const out: string[] = [];
      for (let i = 0; out.length < MAX_EXAMPLES && lists.some((l) => i < l.length); i++) {
        for (const l of lists) {
          const s = l[i];
          if (s !== undefined && out.length < MAX_EXAMPLES) out.push(s);
        }
      }
      return out;
    }
    case 'rep': {
      const ex = examples(node.node);
      const out = ex.map((e) => e.repeat(node.min));
      // `(-suffix)?` and `x*`: also once, since the empty choice is often not the typical value.
      const firstEx = ex[0];
      if (node.min === 0 && node.max > 0 && firstEx !== undefined) out.push(firstEx);
      return out.slice(0, MAX_EXAMPLES);
    }
  }
}
