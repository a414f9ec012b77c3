import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../../../test/golden/cases';
import { mulberry32 } from '../../../test/support/random';
import { nestYaml, toYaml, toYamlSlow } from './render';
import { emitYaml } from './yaml-emit';

/**
 * The fast emitter must write exactly what yaml's Document machinery writes, and must decline
 * (return undefined) rather than guess. Every check compares `toYaml` with `toYamlSlow`. That every file
 * the compile pipeline writes takes the fast path is checked in the pipeline package (yaml-fast-path.test.ts).
 */

const SINGLE_LINE: string[] = [
  '',
  ' ',
  '  ',
  'a',
  'abc def',
  // other types in disguise (YAML 1.2 core and 1.1)
  'true',
  'True',
  'TRUE',
  'false',
  'null',
  'Null',
  'NULL',
  '~',
  'yes',
  'no',
  'Yes',
  'NO',
  'on',
  'off',
  'On',
  'OFF',
  'y',
  'n',
  'Y',
  '1',
  '0',
  '-1',
  '+1',
  '1.5',
  '.5',
  '5.',
  '0.1',
  '1e3',
  '1E-7',
  '0x1F',
  '0o17',
  '017',
  '1_000',
  '1,000',
  '12:30',
  '190:20:30',
  '.inf',
  '-.Inf',
  '.NaN',
  'NaN',
  'Infinity',
  '2024-01-01',
  '2024-01-01T00:00:00Z',
  '2001-12-14 21:59:43.10 -5',
  // indicators, at the start and inside
  '-',
  '-a',
  '- a',
  '--',
  '?',
  '?a',
  '? a',
  ':',
  ':a',
  ': a',
  'a:',
  'a: b',
  'a:b',
  'a :b',
  'http://x:9090/a',
  '#',
  '#a',
  'a #b',
  'a#b',
  '*a',
  '&a',
  '!a',
  '!!str',
  '|',
  '|-',
  '>',
  '>-',
  "'",
  "'a'",
  '"',
  '"a"',
  "it's",
  'say "hi"',
  `both ' and "`,
  '%a',
  '@a',
  '`a',
  'a`',
  '[',
  ']',
  '{',
  '}',
  ',',
  'a,b',
  '[a]',
  '{a: 1}',
  'a[0]',
  '<<',
  '=',
  '\\',
  'a\\nb',
  // whitespace at the ends
  'a ',
  ' a',
  'a\t',
  '\ta',
  'a\tb',
  'a  b',
  // unicode and control characters
  'ünïcödé',
  '日本語',
  '😀',
  'a😀b',
  '\u2028',
  'a\u2028b',
  '\u0085',
  '\u00a0',
  'a\u00a0',
  '\ufeffa',
  '\x00',
  '\x07',
  '\x1b',
  '\r',
  'a\rb',
  '\x7f',
  '\ud800',
  'a\udc00',
  // document markers
  '---',
  '--- a',
  '---a',
  '...',
  '... a',
  '...a',
  'a---',
  'a...',
  '%YAML 1.2',
  // PromQL and label values
  'sum(rate(http_requests_total{code=~"5.."}[5m]))',
  '{job="api"}',
  'a{b="c"} > 0.99',
  "label_replace(x, 'a', '$1', 'b', '(.*)')",
  '{{ $value | humanizePercentage }}',
  'slo:sli_error:ratio_rate5m',
  '5m',
  '30d',
  '0.999',
  // long
  'x'.repeat(2000),
  'word '.repeat(300).trim(),
  'k'.repeat(1024),
  'k'.repeat(1025),
  'a: b '.repeat(200),
];

const MULTI_LINE: string[] = [
  'a\nb',
  'sum(\n  rate(x[5m])\n)',
  'sum by (job) (\n  rate(errors[5m])\n/\n  rate(total[5m])\n)\n> 14.4 * 0.001',
  'a\n\nb',
  'a\n\n\nb',
  'a\n  \nb',
  'a \nb',
  'a\n b',
  'a\n  b\n    c',
  'a\n#b',
  'a\n- b',
  'a: b\nc: d',
  `"a"\n'b'`,
  'a\nb: c #d',
  // declined by the fast path (and must still come out right)
  'a\nb\n',
  'a\nb\n\n',
  '\na',
  '\n\na',
  ' a\nb',
  '  a\nb',
  '\ta\nb',
  'a\n\tb',
  'a\nb ',
  'a\nb\t',
  'a\n ',
  'a\n\t',
  '\n',
  '\n\n',
  ' \n',
  'a\n---\nb',
  '---\na',
  'a\n...',
  'a\n%b',
  'a\r\nb',
  'a\nb\x07',
  'a\u2028\nb',
  'a\n\u0085b',
  'a\nb'.repeat(300),
];

const NUMBERS: number[] = [0, 1, -3, 0.1, 1e-7, 1e-6, 1e21, 1e20, 14.4, 99.9, 0.999, 1 / 3, 2 ** 53, -1e-300, 5e-324, Number.MAX_VALUE, 123456789.123, 6, 0.25, -0, NaN, Infinity, -Infinity];

const SCALARS: unknown[] = [...SINGLE_LINE, ...MULTI_LINE, ...NUMBERS, true, false, null];
const KEYS: string[] = [...SINGLE_LINE, 'multi\nline', 'a\nb\n'];

/** Each piece in every position the layout distinguishes. */
function placements(p: unknown): unknown[] {
  return [p, [p], [p, p], { k: p }, { k: p, l: 'x' }, { a: { b: [p, { c: p }] } }, [[p]], [[p], [[p]]], [{ k: p, l: [p] }], { a: [{ b: { c: [p] } }] }, { a: [], b: {}, c: [[]], d: [{}], e: p }];
}

/** What a render gives, or the error it throws (yaml refuses functions and symbols): the fast path must do the same. */
const outcome = (render: (v: unknown) => string, v: unknown): string => {
  try {
    return render(v);
  } catch (e) {
    return `threw ${String(e)}`;
  }
};
const same = (v: unknown) => expect(outcome(toYaml, v)).toBe(outcome(toYamlSlow, v));

describe('toYaml (fast) writes what toYamlSlow writes', () => {
  it.each(SCALARS.map((p) => [JSON.stringify(p) ?? String(p), p]))('value %s', (_name, p) => {
    for (const v of placements(p)) same(v);
  });

  it.each(KEYS.map((k) => [JSON.stringify(k), k]))('key %s', (_name, k) => {
    for (const v of [{ [k]: 1 }, { [k]: { [k]: [k] } }, [{ [k]: 'v', x: { [k]: null } }], { a: { b: { [k]: { [k]: 'c' } } } }]) same(v);
  });

  it.each([
    ['empty map', {}],
    ['empty seq', []],
    ['empty things everywhere', { a: {}, b: [], c: [{}, [], [[]], [{}]], d: { e: {}, f: [] } }],
    ['arrays of arrays', [[1, [2, [3, []]]], [], [[]], [{ a: [[{}]] }]]],
    ['nulls', { a: null, b: [null, { c: null }], d: { e: null, f: null } }],
    ['undefined values are skipped', { a: undefined, b: 1, c: { d: undefined }, e: [{ f: undefined, g: 2 }] }],
    ['only undefined values', { a: undefined, b: { c: undefined } }],
    ['integer-like keys come first', { b: 1, 10: 'ten', 2: 'two', a: 3 }],
    ['null-prototype object', Object.assign(Object.create(null) as object, { a: 1, b: [2] })],
    [
      'a rule file',
      {
        groups: [
          {
            name: 'slo-api',
            interval: '30s',
            rules: [
              { record: 'slo:sli_error:ratio_rate5m', expr: 'sum(rate(errors[5m]))\n/\nsum(rate(total[5m]))', labels: { slo: 'api', tier: '1' } },
              {
                alert: 'ErrorBudgetBurn',
                expr: '(\n  x > (14.4 * 0.001)\n)\nand\n(\n  y > (14.4 * 0.001)\n)',
                for: '2m',
                labels: { severity: 'page' },
                annotations: { summary: 'Budget: {{ $value | humanizePercentage }}', runbook_url: 'https://example.com/#burn' },
              },
            ],
          },
        ],
      },
    ],
  ])('%s', (_name, v) => same(v));
});

describe('fallback', () => {
  class Thing {
    a = 1;
  }
  const shared = { x: 1 };
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  const sparse: unknown[] = [1];
  sparse[2] = 3; // a hole at index 1
  it.each([
    ['a Date', new Date(0)],
    ['a Date inside', { at: new Date(0) }],
    ['a Map', new Map([['a', 1]])],
    ['a Set', { s: new Set([1]) }],
    ['a class instance', { t: new Thing() }],
    ['a boxed string', { s: new String('a') }],
    ['a Buffer', { b: Buffer.from('a') }],
    ['a function', { f: () => 1 }],
    ['a symbol', { s: Symbol('s') }],
    ['a bigint', { n: 1n }],
    ['NaN', { n: NaN }],
    ['Infinity', [Infinity]],
    ['-0', { n: -0 }],
    ['a sparse array', sparse],
    ['an undefined array item', [1, undefined]],
    ['an object with toJSON', { a: { toJSON: () => 'x' } }],
    ['an object met twice (yaml writes an alias)', { a: shared, b: shared }],
    [
      'an empty array met twice',
      (() => {
        const e: unknown[] = [];
        return [e, e];
      })(),
    ],
    ['a circular object', circular],
    ['a multi-line string with a leading space', { expr: ' a\nb' }],
    ['a multi-line string with a trailing newline', { expr: 'a\nb\n' }],
    ['a multi-line string with a trailing space', { expr: 'a\nb ' }],
    ['a multi-line string with a control character', { expr: 'a\r\nb' }],
    ['a multi-line string with a tab-started line', { expr: 'a\n\tb' }],
    ['a multi-line string with a document marker', { expr: 'a\n---\nb' }],
    ['a single-line string with a document marker', { v: '---x' }],
    ['a multi-line document', 'a\nb'],
    ['a multi-line key', { 'a\nb': 1 }],
    ['a key over 1024 characters', { ['k'.repeat(1025)]: 1 }],
    ['undefined', undefined],
  ])('is taken for %s', (_name, v) => {
    expect(emitYaml(v)).toBeUndefined();
    same(v);
  });

  it.each([
    ['an ordinary rule', { record: 'a:b', expr: 'sum(\n  rate(x[5m])\n)', labels: { slo: 'a' } }],
    ['indented PromQL with empty lines', { expr: 'a\n\n  b\n    c' }],
    ['empty collections', { a: {}, b: [], c: [[], {}] }],
    ['a key of exactly 1024 characters', { ['k'.repeat(1024)]: 1 }],
    ['a document marker not at a line start', { v: 'a---b\nc...' }],
    ['quoted scalars', { 'a: b': ['yes', '1', '#x', ''], n: [0.1, 1e21, -3] }],
  ])('is not taken for %s', (_name, v) => {
    expect(emitYaml(v)).toBe(toYamlSlow(v));
  });

  it('keeps every rendering when the scalar cache is cleared', () => {
    const v = Array.from({ length: 100_500 }, (_, i) => `v${i}`);
    expect(emitYaml(v)).toBe(toYamlSlow(v));
    same({ a: 'v1', b: 'v100499', c: [1, 2] });
  });
});

function generator(seed: number) {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const scalar = (): unknown => {
    const r = rnd();
    if (r < 0.45) return pick(SINGLE_LINE);
    if (r < 0.55) return pick(MULTI_LINE);
    // a multi-line string glued from pieces, sometimes indented
    if (r < 0.7) return Array.from({ length: 2 + Math.floor(rnd() * 4) }, () => (rnd() < 0.3 ? '  ' : '') + pick(SINGLE_LINE)).join(rnd() < 0.8 ? '\n' : '\n\n');
    if (r < 0.85) return pick(NUMBERS);
    return pick([true, false, null]);
  };
  const value = (depth: number): unknown => {
    const r = rnd();
    if (depth > 4 || r < 0.4) return scalar();
    const n = Math.floor(rnd() * 5);
    if (r < 0.7) {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) o[rnd() < 0.5 ? pick(['name', 'expr', 'labels', 'rules', 'a', 'b']) : pick(KEYS)] = rnd() < 0.05 ? undefined : value(depth + 1);
      return o;
    }
    return Array.from({ length: n }, () => value(depth + 1));
  };
  return value;
}

describe('randomised values', () => {
  it('3000 seeded nested values come out the same as the slow path', () => {
    const value = generator(20240601);
    let fast = 0;
    for (let i = 0; i < 3000; i++) {
      const v = value(0);
      const slow = toYamlSlow(v);
      const out = emitYaml(v);
      if (out !== undefined) {
        fast++;
        if (out !== slow) expect({ i, v, out }).toEqual({ i, v, out: slow });
      }
      expect(toYaml(v)).toBe(slow);
    }
    // the generator must exercise the fast path, not only the fallback
    expect(fast).toBeGreaterThan(1000);
  });
});

describe('strings written as they are, without asking yaml', () => {
  // letters, every indicator, spaces and tabs, line breaks, digits, dots and signs: the characters the plain/quoted choice turns on
  const ALPHABET = [...'aZ_(/ :#-?,[]{}&*!|>\'"%@`.+0159eExo~\t\n\r=$', '\x00', '\u0085', '\u00a0', '\ud800', '😀'];
  const WORDS = ['true', 'False', 'NULL', 'null', 'yes', 'inf', 'nan', '---', '...', 'sum(rate(x[5m]))', 'a: ', ' #'];

  it('20000 seeded strings, as values and as keys, come out the same as the slow path', () => {
    const rnd = mulberry32(20261205);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    let asIs = 0;
    for (let i = 0; i < 20000; i++) {
      let s = '';
      const n = 1 + Math.floor(rnd() * 8);
      for (let j = 0; j < n; j++) s += rnd() < 0.15 ? pick(WORDS) : pick(ALPHABET);
      if (rnd() < 0.1) s = pick(WORDS.slice(0, 7));
      for (const v of [s, { [s]: 1 }, [{ k: [s] }]]) {
        const fast = emitYaml(v);
        if (fast !== undefined && fast !== toYamlSlow(v)) expect({ i, v, fast }).toEqual({ i, v, fast: toYamlSlow(v) });
      }
      if (emitYaml(s) === `${s}\n`) asIs++;
    }
    // the alphabet must reach both sides of the choice
    expect(asIs).toBeGreaterThan(2000);
    expect(asIs).toBeLessThan(18000);
  });
});

/** The committed generated files: their data, parsed back, renders to the same bytes (minus the header). */
function goldenFiles(): string[] {
  const dirs = ['rules-out', 'test/golden/sliced', 'test/golden/sloth'];
  return dirs
    .flatMap((d) =>
      readdirSync(path.join(ROOT, d), { recursive: true, encoding: 'utf8' })
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => path.join(d, f)),
    )
    .sort();
}

describe('generated files', () => {
  const files = goldenFiles();

  it('finds the golden files', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it.each(files)('%s renders on the fast path, byte for byte', (file) => {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    // the header comments are prepended outside toYaml
    const body = text.replace(/^(#.*\n)+/, '');
    const data: unknown = parse(body);
    expect(toYamlSlow(data)).toBe(body);
    expect(emitYaml(data)).toBe(body);
  });
});

describe('nestYaml', () => {
  const VALUES: [string, unknown][] = [
    ['a rule file', { groups: [{ name: 'g', interval: '1m', rules: [{ record: 'r', expr: 'sum(x)', labels: { a: '1' } }] }] }],
    ['a literal block with empty lines', { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'a\n\nand\n  b' }] }] }],
    ['a list', ['x', { y: [1, 2] }, 'a\nb']],
    ['nested empties', { a: {}, b: [], c: { d: [] } }],
  ];
  it.each(VALUES)('%s nested under a key is what rendering it in place gives', (_name, v) => {
    expect(toYaml({ kind: 'K' }) + nestYaml('spec', toYaml(v))).toBe(toYamlSlow({ kind: 'K', spec: v }));
  });
  it.each([['{}\n'], ['[]\n'], ['no newline']])('refuses %j', (text) => {
    expect(() => nestYaml('spec', text)).toThrow(/non-empty map or list/);
  });
});
