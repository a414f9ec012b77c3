import { checkPromql, type QueryShape } from './index';

/** Problems as [offset, length, message, the original text they point at] for readable failures. */
function located(query: string, opts?: { window?: string }): [number, number, string, string][] {
  return checkPromql(query, opts).problems.map((p) => [p.offset, p.length, p.message, query.slice(p.offset, p.offset + p.length)]);
}

describe('valid queries and their shape', () => {
  const base: QueryShape = {
    valueType: 'vector',
    isBareSelector: false,
    metricNames: [],
    usesRangeFunction: false,
    hasWindowPlaceholder: false,
  };
  const cases: [string, string, Partial<QueryShape>][] = [
    ['bare counter selector', 'http_requests_total{job="x",code!~"5.."}', { isBareSelector: true, metricNames: ['http_requests_total'] }],
    ['Sloth placeholder', 'sum(rate(x[{{.window}}]))', { aggregation: { op: 'sum' }, metricNames: ['x'], usesRangeFunction: true, hasWindowPlaceholder: true }],
    ['spaced Go template placeholder', 'sum(rate(x[{{ .window }}]))', { aggregation: { op: 'sum' }, metricNames: ['x'], usesRangeFunction: true, hasWindowPlaceholder: true }],
    ['$window placeholder', 'sum(rate(x{a="b"}[$window]))', { aggregation: { op: 'sum' }, metricNames: ['x'], usesRangeFunction: true, hasWindowPlaceholder: true }],
    ['${window} placeholder', 'sum(increase(x[${window}]))', { aggregation: { op: 'sum' }, metricNames: ['x'], usesRangeFunction: true, hasWindowPlaceholder: true }],
    ['literal window', 'sum(rate(x[5m]))', { aggregation: { op: 'sum' }, metricNames: ['x'], usesRangeFunction: true }],
    [
      'grouped histogram rate',
      'sum by (route) (rate(http_request_duration_seconds_bucket{le=~"0.3|0.3.0"}[5m]))',
      { aggregation: { op: 'sum', by: ['route'] }, metricNames: ['http_request_duration_seconds_bucket'], usesRangeFunction: true },
    ],
    ['grouping after the arguments, quoted label', 'sum(rate(x[5m])) by (le, "k8s.pod")', { aggregation: { op: 'sum', by: ['le', 'k8s.pod'] }, metricNames: ['x'], usesRangeFunction: true }],
    ['without', 'max without (instance) (up)', { aggregation: { op: 'max', without: ['instance'] }, metricNames: ['up'] }],
    ['upper-case aggregation', 'SUM(up)', { aggregation: { op: 'sum' }, metricNames: ['up'] }],
    ['parens around the aggregation', '((sum(up)))', { aggregation: { op: 'sum' }, metricNames: ['up'] }],
    ['ratio of sums over a window', '1 - (sum(sum_over_time(m[{{.window}}])) / sum(count_over_time(m[{{.window}}])))', { metricNames: ['m'], usesRangeFunction: true, hasWindowPlaceholder: true }],
    [
      'multi-line with comments',
      ['# error ratio', 'sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))  # bad', '/', 'sum(rate(http_requests_total[{{.window}}]))'].join('\n'),
      { metricNames: ['http_requests_total'], usesRangeFunction: true, hasWindowPlaceholder: true },
    ],
    ['subquery with placeholder', 'sum_over_time(count(x)[{{.window}}:])', { metricNames: ['x'], usesRangeFunction: true, hasWindowPlaceholder: true }],
    ['subquery with step', 'max_over_time(sum(rate(x[1m]))[1h:1m])', { metricNames: ['x'], usesRangeFunction: true }],
    ['bare range selector', 'x[5m]', { valueType: 'matrix', metricNames: ['x'] }],
    ['bare subquery', 'sum(x)[5m:]', { valueType: 'matrix', metricNames: ['x'] }],
    ['range with offset', 'x[5m] offset 1h', { valueType: 'matrix', metricNames: ['x'] }],
    ['scalar', 'scalar(sum(up)) * 2', { valueType: 'scalar', metricNames: ['up'] }],
    ['number', '0.999', { valueType: 'scalar' }],
    ['string', '"text"', { valueType: 'string' }],
    ['__name__ matchers and UTF-8 names', '{__name__="b"} + {"a.b"} + {__name__=~"c.*"}', { metricNames: ['a.b', 'b'] }],
    ['quantile from a histogram', 'histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))', { metricNames: ['x_bucket'], usesRangeFunction: true }],
    ['vector matching', 'a / on(job) group_left b', { metricNames: ['a', 'b'] }],
    ['@ modifier', 'x @ start()', { metricNames: ['x'] }],
    ['range function on a subquery in parens', 'rate((x[5m]))', { metricNames: ['x'], usesRangeFunction: true }],
    ['metric named like a function', 'sum(time)', { aggregation: { op: 'sum' }, metricNames: ['time'] }],
  ];

  it.each(cases)('%s: %s', (_name, query, expected) => {
    const result = checkPromql(query);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.shape).toEqual({ ...base, ...expected });
  });

  it('reports what was parsed', () => {
    expect(checkPromql('rate(x[{{.window}}])', { window: '1h' }).substituted).toBe('rate(x[1h])');
    expect(checkPromql('rate(x[$window])').substituted).toBe('rate(x[5m])');
  });
});

describe('syntax errors', () => {
  const cases: [string, string, ReturnType<typeof located>][] = [
    ['extra closing brace', 'x{a="b"}}', [[8, 1, 'unexpected "}"', '}']]],
    ['extra closing paren', 'rate(x[5m]))', [[11, 1, 'unexpected ")"', ')']]],
    ['missing closing paren', 'sum(rate(x[5m])', [[3, 1, 'unclosed "("', '(']]],
    [
      'every unclosed bracket',
      'sum(rate(x[5m',
      [
        [3, 1, 'unclosed "("', '('],
        [8, 1, 'unclosed "("', '('],
        [10, 1, 'unclosed "["', '['],
      ],
    ],
    ['wrong closing bracket', 'rate(x[5m)', [[9, 1, 'expected "]" but found ")"', ')']]],
    ['wrong closing bracket, nothing after', 'sum(x]', [[5, 1, 'expected ")" but found "]"', ']']]],
    ['dangling operator', 'sum(x) /', [[8, 0, 'unexpected end of query', '']]],
    ['two operators', '1 + * 2', [[4, 1, 'unexpected "*"', '*']]],
    ['two selectors', 'abc def', [[4, 3, 'unexpected "def"', 'def']]],
    ['unclosed string', 'x{a="b', [[4, 2, 'unclosed string', '"b']]],
    ['string broken by a newline', 'x{a="b\nc"}', [[4, 2, 'unclosed string', '"b']]],
    ['unquoted label value', 'x{a=b}', [[4, 1, 'expected a quoted label value but found "b"', 'b']]],
    ['bad match operator', 'x{a~"b"}', [[3, 1, 'expected =, !=, =~ or !~ but found "~"', '~']]],
    ['missing comma between matchers', 'x{a="b" c="d"}', [[8, 1, 'expected "," before "c"', 'c']]],
    ['grouping without parens', 'sum(x) by a', [[10, 1, 'expected a label list such as (a, b) but found "a"', 'a']]],
    ['unknown function', 'foo(x)', [[0, 3, 'unknown function "foo"', 'foo']]],
    ['unknown function with space', 'foo (x)', [[0, 3, 'unknown function "foo"', 'foo']]],
    ['nested unknown function', 'sum(foo(x)) + rate(y[5m])', [[4, 3, 'unknown function "foo"', 'foo']]],
    [
      'unknown function and a real error after it',
      'sum(foo(x)) + rate(y[5m]',
      [
        [4, 3, 'unknown function "foo"', 'foo'],
        [18, 1, 'unclosed "("', '('],
      ],
    ],
    ['function names are case-sensitive', 'RATE(x[5m])', [[0, 4, 'unknown function "RATE", did you mean "rate"?', 'RATE']]],
    ['typo in a function', 'sum_over_tim(x[5m])', [[0, 12, 'unknown function "sum_over_tim", did you mean "sum_over_time"?', 'sum_over_tim']]],
    ['Prometheus 2 function', 'holt_winters(x[5m], 0.1, 0.1)', [[0, 12, 'holt_winters() was renamed to double_exponential_smoothing() in Prometheus 3', 'holt_winters']]],
    ['duration with a bad unit', 'rate(x[5x])', [[7, 2, 'invalid duration "5x", use forms like 30s, 5m, 1h30m', '5x']]],
    ['fractional duration', 'rate(x[1.5m])', [[7, 4, 'invalid duration "1.5m", use forms like 30s, 5m, 1h30m', '1.5m']]],
    ['units out of order', 'rate(x[5m1h])', [[7, 4, 'invalid duration "5m1h", use forms like 30s, 5m, 1h30m', '5m1h']]],
    ['bad offset duration', 'x offset 5x', [[9, 2, 'invalid duration "5x", use forms like 30s, 5m, 1h30m', '5x']]],
    ['empty range', 'rate(x[])', [[7, 1, 'expected a duration such as 5m but found "]"', ']']]],
    ['word as range', 'rate(x[abc])', [[7, 3, 'expected a duration such as 5m but found "abc"', 'abc']]],
    ['word as subquery step', 'x[5m:abc]', [[5, 3, 'expected a duration such as 5m but found "abc"', 'abc']]],
    ['multi-line, unclosed selector found on the last line', 'sum by (job) (\n  rate(x{code=~"5.."}[5m]\n  ) / foo_bar{\n)', [[56, 1, 'expected "}" but found ")"', ')']]],
    ['multi-line, missing paren', 'sum by (job) (\n  rate(x{code=~"5.."}[5m]\n)', [[13, 1, 'unclosed "("', '(']]],
    ['multi-line, extra paren', 'sum(\n  rate(x[5m]))\n  by (job)\n)', [[31, 1, 'unexpected ")"', ')']]],
    // Placeholders change lengths; offsets must still point into the original text.
    ['error after a {{.window}} placeholder', 'sum(rate(x[{{.window}}])) )', [[26, 1, 'unexpected ")"', ')']]],
    ['error after a $window placeholder', 'rate(x[$window]) }', [[17, 1, 'unexpected "}"', '}']]],
    ['error after two placeholders', 'rate(x[$window]) / rate(y[{{ .window }}]) ]', [[42, 1, 'unexpected "]"', ']']]],
    ['error touching a placeholder covers the placeholder', 'rate(x[{{.window}}x])', [[7, 12, 'invalid duration "5mx", use forms like 30s, 5m, 1h30m', '{{.window}}x']]],
    ['unclosed bracket before a placeholder', 'x[{{.window}}', [[1, 1, 'unclosed "["', '[']]],
    ['unknown function after a placeholder', 'rate(x[${window}]) * fo(y)', [[21, 2, 'unknown function "fo"', 'fo']]],
  ];

  it.each(cases)('%s: %s', (_name, query, expected) => {
    const result = checkPromql(query);
    expect(located(query)).toEqual(expected);
    expect(result.ok).toBe(false);
    expect(result.shape).toBeUndefined();
  });

  it.each([
    ['', 0],
    ['   \n\t ', 6],
    ['# just a comment', 16],
  ])('empty query %j', (query, length) => {
    expect(checkPromql(query).problems).toEqual([{ offset: 0, length, message: 'query is empty' }]);
  });

  it('uses the window option', () => {
    expect(located('rate(x[{{.window}}])', { window: 'banana' })).toEqual([[7, 11, 'expected a duration such as 5m but found "banana"', '{{.window}}']]);
  });
});

describe('semantic checks', () => {
  const cases: [string, string, ReturnType<typeof located>][] = [
    ['rate of an instant vector', 'rate(x)', [[5, 1, 'rate() needs a range vector such as x[5m]', 'x']]],
    ['rate of an aggregation', 'sum(increase(sum(x)))', [[13, 6, 'increase() needs a range vector such as x[5m]', 'sum(x)']]],
    ['rate without arguments', 'rate()', [[4, 2, 'rate() needs a range vector such as x[5m]', '()']]],
    ['over_time of an instant vector', 'avg_over_time(up{job="a"})', [[14, 11, 'avg_over_time() needs a range vector such as x[5m]', 'up{job="a"}']]],
    ['quantile_over_time takes the range second', 'quantile_over_time(0.9, x)', [[24, 1, 'quantile_over_time() needs a range vector such as x[5m]', 'x']]],
    ['aggregation over a range', 'sum(x[5m])', [[4, 5, 'sum() cannot aggregate a range vector, wrap it in rate() or an *_over_time() function first', 'x[5m]']]],
    [
      'aggregation over a subquery with placeholder',
      'avg by (a) (x[{{.window}}:])',
      [[12, 15, 'avg() cannot aggregate a range vector, wrap it in rate() or an *_over_time() function first', 'x[{{.window}}:]']],
    ],
    ['range after an expression', 'sum(rate(x[5m]))[30d]', [[16, 5, 'a range like [30d] can only follow a selector, use a subquery like [30d:] for an expression', '[30d]']]],
    ['zero range', 'rate(x[0s])', [[7, 2, 'range must be greater than 0', '0s']]],
    ['negative range', 'rate(x[-5m])', [[7, 3, 'range must be greater than 0', '-5m']]],
    [
      'two problems in one query',
      'rate(x) / sum(y[5m])',
      [
        [5, 1, 'rate() needs a range vector such as x[5m]', 'x'],
        [14, 5, 'sum() cannot aggregate a range vector, wrap it in rate() or an *_over_time() function first', 'y[5m]'],
      ],
    ],
  ];

  it.each(cases)('%s: %s', (_name, query, expected) => {
    const result = checkPromql(query);
    expect(located(query)).toEqual(expected);
    expect(result.ok).toBe(false);
    // The text parsed, so the shape is still there for callers that want it.
    expect(result.shape).toBeDefined();
  });

  it.each([
    'rate(x[5m] offset 1h)',
    'rate(x[5m] @ 100)',
    'rate((x[5m]))',
    'rate(sum(x)[5m:])',
    'quantile_over_time(0.9, x[5m])',
    'predict_linear(x[1h], 3600)',
    'sum(rate(x[5m] offset -1h))',
    'count_values("v", x)',
    'x[1h30m]',
    'x[300]',
  ])('accepts %s', (query) => {
    expect(checkPromql(query).problems).toEqual([]);
  });
});
