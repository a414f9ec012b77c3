import { mulberry32 as prng } from '../../../test/support/random';
import { checkPromql, type PromqlCheck } from './index';
import { MAX_QUERY_LENGTH } from './check';


const TOKENS = [
  'sum', 'rate', 'foo', 'by', 'without', 'on', 'offset', 'bool', 'x', 'http_requests_total', '(', ')', '{', '}',
  '[', ']', '[5m]', '[{{.window}}]', '{{.window}}', '$window', '${window}', '5m', '1h30m', '0.5', ':', ',', '"a"',
  "'b'", '`c`', '"', '=', '=~', '!~', '!=', '+', '-', '*', '/', '^', '@', '#', '\n', ' ', '\t', 'le', '__name__',
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
      '('.repeat(5_000) + 'x' + ')'.repeat(5_000),
      Array(2_000).fill('x').join(' + '),
      'foo('.repeat(5_000),
      '"'.repeat(10_001),
      '{{.window}}'.repeat(1_000),
      '\u0000\uffff\ud800',
    ];
    for (const q of cases) expectWellFormed(q, checkPromql(q));
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
