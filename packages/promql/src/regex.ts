/**
 * Label-matcher regular expressions: compiling Prometheus (RE2) patterns as JS RegExps, and
 * making up a few strings a pattern matches.
 *
 * JS RegExp stands in for RE2 here. That is fine for the simple patterns SLI queries use
 * (`5..`, `2xx|3xx`, `(5..|429)`, `GET|POST`); a pattern JS cannot compile counts as matching
 * nothing. The example generator covers literals, `.`, escapes, character classes, groups,
 * alternation and repetition; anything else (back references, `\pN`, ...) falls back to a fixed
 * list of guesses, and every result is checked against the compiled pattern anyway.
 */

/** Compiled patterns by source; matchers repeat a lot when synthesising series. */
const cache = new Map<string, RegExp | null>();
const CACHE_LIMIT = 500;

/**
 * `re` anchored at both ends as Prometheus does (`^(?s:re)$`: since Prometheus 3, `.` also matches
 * a newline); undefined if JS cannot compile it. A leading RE2 flag group such as `(?i)` becomes a
 * JS flag, since Node 20 does not support inline flags.
 */
export function compileAnchored(re: string): RegExp | undefined {
  const hit = cache.get(re);
  if (hit !== undefined) return hit ?? undefined;
  const compiled = compile(re);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(re, compiled ?? null);
  return compiled;
}

function compile(re: string): RegExp | undefined {
  let source = re;
  let flags = 's';
  const lead = /^\(\?([imsU]+)\)/.exec(source);
  if (lead) {
    const f = lead[1] ?? '';
    // Ungreedy mode has no JS equivalent; it does not change what matches when the whole
    // string must match, so it is simply dropped.
    if (f.includes('i')) flags += 'i';
    if (f.includes('m')) flags += 'm';
    source = source.slice(lead[0].length);
  }
  const translated = translateRe2(source);
  if (translated === undefined) return undefined;
  try {
    // Compiled alone first: wrapping an unbalanced pattern like `a)|(b` could make it valid.
    new RegExp(translated, flags);
    return new RegExp(`^(?:${translated})$`, flags);
  } catch {
    return undefined;
  }
}

/** POSIX classes as the inside of a JS character class. */
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7f', blank: ' \\t', cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ', upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

/**
 * RE2 syntax that JS (without the `u` flag) would read differently, rewritten or refused:
 * `[[:digit:]]`, `[]a]`, `\A`, `\z`, `\Q...\E`, `\x{41}` and `(?P<name>`. Unicode classes
 * (`\pL`), `\C` and `\1` are refused: JS would silently read them differently.
 */
function translateRe2(src: string): string | undefined {
  let out = '';
  let inClass = false;
  /** Right after `[` or `[^`, where RE2 reads `]` as a literal and JS as the end of the class. */
  let classStart = false;
  for (let i = 0; i < src.length; ) {
    const c = src[i] as string;
    if (c === '\\') {
      const d = src[i + 1];
      // Back references do not exist in RE2; JS would accept them.
      if (d === undefined || d === 'p' || d === 'P' || d === 'C' || /[1-9]/.test(d)) return undefined;
      classStart = false;
      if (d === 'Q') {
        const end = src.indexOf('\\E', i + 2);
        const literal = src.slice(i + 2, end < 0 ? undefined : end);
        out += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? src.length : end + 2;
        continue;
      }
      if (d === 'x' && src[i + 2] === '{') {
        const m = /^\{([0-9A-Fa-f]{1,4})\}/.exec(src.slice(i + 2));
        if (!m) return undefined;
        out += `\\u${(m[1] ?? '').padStart(4, '0')}`;
        i += 2 + m[0].length;
        continue;
      }
      if (!inClass && (d === 'A' || d === 'z')) out += d === 'A' ? '^' : '$';
      else out += c + d;
      i += 2;
      continue;
    }
    if (inClass) {
      const posix = c === '[' ? /^\[:(\^?)([a-z]+):\]/.exec(src.slice(i)) : null;
      if (posix) {
        const body = POSIX_CLASSES[posix[2] ?? ''];
        if (posix[1] || body === undefined) return undefined;
        out += body;
        i += posix[0].length;
      } else if (c === ']') {
        out += classStart ? '\\]' : ']';
        if (!classStart) inClass = false;
        i++;
      } else {
        out += c === '[' ? '\\[' : c;
        i++;
      }
      classStart = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      classStart = true;
      const negated = src[i + 1] === '^';
      out += negated ? '[^' : '[';
      i += negated ? 2 : 1;
      continue;
    }
    if (src.startsWith('(?P<', i)) {
      out += '(?<';
      i += 4;
      continue;
    }
    out += c;
    i++;
  }
  return inClass ? undefined : out;
}

/** How many examples each part of a pattern contributes; keeps products and alternations small. */
const MAX_EXAMPLES = 6;
/** `x{1000}` would make a long string; patterns in SLI queries never need that. */
const MAX_REPEAT = 64;
/** Patterns nest parentheses; a pathological one must not exhaust the stack. */
const MAX_DEPTH = 50;

/**
 * A few strings `re` should match, best first: the first alternative first, `.` as `0`,
 * character classes resolved to their first member. Not verified here; may throw on constructs
 * it does not handle.
 */
export function regexExamples(re: string): string[] {
  return examples(new RegexParser(re).parseAll());
}

type RNode =
  | { t: 'text'; s: string }
  | { t: 'chars'; options: string[] }
  | { t: 'seq'; items: RNode[] }
  | { t: 'alt'; alts: RNode[] }
  | { t: 'rep'; node: RNode; min: number; max: number };

const EMPTY: RNode = { t: 'text', s: '' };

class UnsupportedRegex extends Error {}

/** Representatives for the escape classes, and what a negated class tries. */
const CLASS_ESCAPES: Readonly<Record<string, string>> = { d: '0', D: 'a', w: 'a', W: '-', s: ' ', S: 'a' };
const CHAR_ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07' };
const ESCAPE_CLASSES: Readonly<Record<string, RegExp>> = { d: /\d/, D: /\D/, w: /\w/, W: /\W/, s: /\s/, S: /\S/ };
/** Characters tried, in order, for a class: digits first so `[^a-z]` gives `0` and `[0-9]` gives `0`. */
const CHAR_POOL = ['0', 'a', 'x', '1', 'z', 'A', 'Z', '9', '_', '-', '.', ' ', '/', ':'];

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

  /** One optional repetition operator after an atom (RE2 rejects `a**`, and so do we). */
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
    const c = this.src[this.pos++] as string;
    switch (c) {
      case '(':
        return this.parseGroup();
      case '[':
        return this.parseClass();
      case '.':
        return { t: 'chars', options: ['0'] };
      case '^':
      case '$':
        return EMPTY;
      case '\\':
        return this.parseEscape(false).node;
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
  private parseEscape(inClass: boolean): { node: RNode; test: (ch: string) => boolean } {
    const c = this.src[this.pos++];
    if (c === undefined) throw new UnsupportedRegex('trailing backslash');
    const cls = ESCAPE_CLASSES[c];
    if (cls) return { node: { t: 'chars', options: [CLASS_ESCAPES[c] ?? 'a'] }, test: (ch) => cls.test(ch) };
    const literal = (s: string) => ({ node: { t: 'text', s } as RNode, test: (ch: string) => ch === s });
    if (!inClass && (c === 'b' || c === 'B' || c === 'A' || c === 'z')) return { node: EMPTY, test: () => false };
    const simple = CHAR_ESCAPES[c];
    if (simple !== undefined) return literal(simple);
    if (c === 'x') {
      const m = /^(?:\{([0-9A-Fa-f]{1,6})\}|([0-9A-Fa-f]{2}))/.exec(this.src.slice(this.pos));
      if (!m) throw new UnsupportedRegex('bad \\x escape');
      this.pos += m[0].length;
      const cp = parseInt(m[1] ?? m[2] ?? '0', 16);
      if (cp > 0x10ffff) throw new UnsupportedRegex('bad \\x escape');
      return literal(String.fromCodePoint(cp));
    }
    if (!inClass && c === 'Q') {
      const end = this.src.indexOf('\\E', this.pos);
      const text = this.src.slice(this.pos, end < 0 ? undefined : end);
      this.pos = end < 0 ? this.src.length : end + 2;
      return literal(text);
    }
    // RE2 allows escaping any punctuation; letters and digits are classes or references we skip.
    if (/[A-Za-z0-9]/.test(c)) throw new UnsupportedRegex(`unsupported escape \\${c}`);
    return literal(c);
  }

  private parseClass(): RNode {
    const negated = this.peek() === '^';
    if (negated) this.pos++;
    const tests: ((ch: string) => boolean)[] = [];
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
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.pos));
      if (posix) {
        const body = POSIX_CLASSES[posix[2] ?? ''];
        if (body === undefined) throw new UnsupportedRegex('unknown POSIX class');
        const re = new RegExp(`[${body}]`);
        this.pos += posix[0].length;
        const test = posix[1] ? (ch: string) => !re.test(ch) : (ch: string) => re.test(ch);
        tests.push(test);
        const rep = CHAR_POOL.find(test);
        if (rep !== undefined) firsts.push(rep);
        continue;
      }
      const lo = this.classChar();
      if (this.peek() === '-' && this.src[this.pos + 1] !== ']' && this.src[this.pos + 1] !== undefined && lo.single !== undefined) {
        this.pos++;
        const hi = this.classChar();
        if (hi.single === undefined) throw new UnsupportedRegex('bad range');
        const [a, b] = [lo.single.codePointAt(0) ?? 0, hi.single.codePointAt(0) ?? 0];
        if (b < a) throw new UnsupportedRegex('bad range');
        tests.push((ch) => {
          const cp = ch.codePointAt(0) ?? -1;
          return cp >= a && cp <= b;
        });
        firsts.push(lo.single);
        continue;
      }
      tests.push(lo.test);
      firsts.push(lo.rep);
    }
    const member = (ch: string) => tests.some((t) => t(ch));
    if (negated) {
      const options = CHAR_POOL.filter((ch) => !member(ch)).slice(0, 2);
      if (options.length === 0) throw new UnsupportedRegex('no character found for a negated class');
      return { t: 'chars', options };
    }
    const options = [...new Set(firsts)].slice(0, 2);
    if (options.length === 0) throw new UnsupportedRegex('empty class');
    return { t: 'chars', options };
  }

  /** One item of a class: a plain or escaped character (`single`), or an escape class. */
  private classChar(): { single?: string; rep: string; test: (ch: string) => boolean } {
    const c = this.src[this.pos++] as string;
    if (c !== '\\') return { single: c, rep: c, test: (ch) => ch === c };
    const { node, test } = this.parseEscape(true);
    if (node.t === 'text') return { single: node.s, rep: node.s, test };
    return { rep: node.t === 'chars' ? (node.options[0] ?? 'a') : 'a', test };
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
        acc.forEach((a, i) => ex.forEach((b, j) => pairs.push({ s: a + b, rank: i + j, j })));
        acc = pairs.sort((p, q) => p.rank - q.rank || p.j - q.j).slice(0, MAX_EXAMPLES).map((p) => p.s);
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
