import { mulberry32 as prng } from '../../../test/support/random';
import { checkPromql, type PromqlCheck } from './index';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { MAX_NESTING, MAX_QUERY_LENGTH, nestingBound } from './check';

const TOKENS = [
  'sum',
  'rate',
  'foo',
  'by',
  'without',
  'on',
  'offset',
  'bool',
  'x',
  'http_requests_total',
  '(',
  ')',
  '{',
  '}',
  '[',
  ']',
  '[5m]',
  '[{{.window}}]',
  '{{.window}}',
  '$window',
  '${window}',
  '5m',
  '1h30m',
  '0.5',
  ':',
  ',',
  '"a"',
  "'b'",
  '`c`',
  '"',
  '=',
  '=~',
  '!~',
  '!=',
  '+',
  '-',
  '*',
  '/',
  '^',
  '@',
  '#',
  '\n',
  ' ',
  '\t',
  'le',
  '__name__',
];
const VALID = [
  'sum(rate(http_requests_total{code=~"5.."}[{{.window}}])) / sum(rate(http_requests_total[{{.window}}]))',
  'sum_over_time(count(x)[{{.window}}:])',
  'histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))',
];

function randomCodeUnits(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(rand() * 0x10000)); // includes lone surrogates
  return s;
}

function tokenSoup(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += TOKENS[Math.floor(rand() * TOKENS.length)] as string;
  return s;
}

function mutate(rand: () => number, text: string, edits: number): string {
  let s = text;
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rand() * (s.length + 1));
    const r = rand();
    if (r < 0.4) s = s.slice(0, at) + s.slice(at + 1);
    else if (r < 0.8) s = s.slice(0, at) + (TOKENS[Math.floor(rand() * TOKENS.length)] as string) + s.slice(at);
    else s = s.slice(0, at) + randomCodeUnits(rand, 1) + s.slice(at);
  }
  return s;
}

function expectWellFormed(query: string, result: PromqlCheck): void {
  expect(typeof result.ok).toBe('boolean');
  expect(result.ok).toBe(result.problems.length === 0);
  expect(typeof result.substituted).toBe('string');
  for (const p of result.problems) {
    expect(Number.isInteger(p.offset) && Number.isInteger(p.length)).toBe(true);
    expect(p.offset).toBeGreaterThanOrEqual(0);
    expect(p.length).toBeGreaterThanOrEqual(0);
    expect(p.offset + p.length).toBeLessThanOrEqual(query.length);
    expect(p.message).toMatch(/^[a-z0-9_*(]/);
    expect(p.message).not.toMatch(/\.$/);
    expect(p.message).not.toMatch(/internal error/);
  }
  if (result.shape) expect(['vector', 'matrix', 'scalar', 'string']).toContain(result.shape.valueType);
}

describe('checkPromql never throws', () => {
  const rand = prng(20240611);
  const inputs: string[] = [];
  for (let i = 0; i < 150; i++) inputs.push(randomCodeUnits(rand, Math.floor(rand() * 80)));
  for (let i = 0; i < 200; i++) inputs.push(tokenSoup(rand, Math.floor(rand() * 40)));
  for (let i = 0; i < 150; i++) inputs.push(mutate(rand, VALID[i % VALID.length] as string, 1 + Math.floor(rand() * 4)));

  it(`handles ${inputs.length} random strings`, () => {
    for (const q of inputs) {
      let result: PromqlCheck | undefined;
      expect(() => {
        result = checkPromql(q);
      }).not.toThrow();
      expectWellFormed(q, result as PromqlCheck);
    }
  });

  it('handles pathological shapes', () => {
    const cases = [
      '('.repeat(20_000),
      `${'('.repeat(5_000)}x${')'.repeat(5_000)}`,
      Array(2_000).fill('x').join(' + '),
      'foo('.repeat(5_000),
      '"'.repeat(10_001),
      '{{.window}}'.repeat(1_000),
      '\u0000\uffff\ud800',
    ];
    for (const q of cases) expectWellFormed(q, checkPromql(q));
  });

  it('refuses pathological nesting the same way however little stack the caller leaves', () => {
    // a third of Node's default stack, in a process of its own: the limit must hold well before lezer's recursion overflows
    const dist = path.resolve(__dirname, '../dist/check.js');
    const script = `
      const { checkPromql } = require(${JSON.stringify(dist)});
      const cases = ['('.repeat(20000), '('.repeat(5000) + 'x' + ')'.repeat(5000), Array(2000).fill('x').join(' + '), 'foo('.repeat(5000),
        '('.repeat(${MAX_NESTING}) + 'x' + ')'.repeat(${MAX_NESTING}), Array(${MAX_NESTING + 1}).fill('x').join(' / '), Array(${MAX_NESTING + 2}).fill('x').join(' / '), 'sum('.repeat(${MAX_NESTING}) + 'x' + ')'.repeat(${MAX_NESTING})];
      console.log(JSON.stringify(cases.map((q) => checkPromql(q).problems.map((p) => p.message))));`;
    const r = spawnSync(process.execPath, ['--stack-size=300', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const messages = JSON.parse(r.stdout) as string[][];
    const tooDeep = (n: number) => [`query nests too deeply (up to ${n} levels of brackets and operators, at most ${MAX_NESTING}); split it into recording rules`];
    expect(messages).toEqual([tooDeep(20_000), tooDeep(5_000), tooDeep(1_999), tooDeep(5_000), [], [], tooDeep(MAX_NESTING + 1), []]);
  });

  it.each([
    ['sum(rate(http_requests_total{code=~"5..",a!="b"}[5m])) / sum(rate(http_requests_total[5m]))', 4],
    ['a and b or c unless d', 3],
    ['x{a="((("} > bool 1', 2],
    ['x{le!~"+Inf|1e-3"} # ((( comment', 1],
    ['rate(x[5m]) >= 0.5 * on(job) group_left y', 4],
    ['histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))', 4],
  ])('bounds the nesting of %s by %d', (query, bound) => {
    expect(nestingBound(query)).toBe(bound);
  });

  it('refuses huge queries quickly', () => {
    const q = 'x'.repeat(MAX_QUERY_LENGTH + 1);
    const started = Date.now();
    const result = checkPromql(q);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result.problems).toEqual([{ offset: 0, length: 0, message: `query is too long (${q.length} characters, at most ${MAX_QUERY_LENGTH})` }]);
  });

  it.each([undefined, null, 42, {}, ['x']])('reports a non-string query (%p)', (value) => {
    const result = checkPromql(value as unknown as string);
    expect(result.ok).toBe(false);
    expect(result.problems[0]?.message).toMatch(/^query must be a string/);
  });

  it('ignores a non-string window option', () => {
    expect(checkPromql('rate(x[$window])', { window: 5 as unknown as string }).substituted).toBe('rate(x[5m])');
  });
});
