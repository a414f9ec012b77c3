import { checkPromql, q, selectors } from './index';

const objective = [q.eq('slo_name', 'api'), q.eq('slo_service', 'shop')];
const ratio5m = q.sel('slo:sli_error:ratio_rate5m', objective);

/** Expressions as the rules, generated tests, dashboards and report write them, and the text each must render to. */
const cases: [string, q.Expr, string][] = [
  ['a bare metric', q.sel('up'), 'up'],
  ['a selector', ratio5m, 'slo:sli_error:ratio_rate5m{slo_name="api",slo_service="shop"}'],
  ['without a metric', q.sel(undefined, [q.re('__name__', 'slo:.+'), q.ne('slo_name', '')]), '{__name__=~"slo:.+",slo_name!=""}'],
  ['all four operators', q.sel('x', [q.eq('a', '1'), q.ne('b', '2'), q.re('c', '3.*'), q.nre('d', '4|5')]), 'x{a="1",b!="2",c=~"3.*",d!~"4|5"}'],
  [
    'scope matchers appended, sorted by label',
    q.withMatchers(ratio5m, q.matchers({ namespace: 'day-prod', cluster: 'eks-1' })),
    'slo:sli_error:ratio_rate5m{slo_name="api",slo_service="shop",cluster="eks-1",namespace="day-prod"}',
  ],
  ['a range', q.call('sum_over_time', q.range(q.sel('slo:sli_error:total', objective), '1h')), 'sum_over_time(slo:sli_error:total{slo_name="api",slo_service="shop"}[1h])'],
  ['a subquery', q.call('max_over_time', q.subquery(q.call('timestamp', q.sel('x')), '1d', '1m')), 'max_over_time(timestamp(x)[1d:1m])'],
  ['@ on a range', q.call('sum_over_time', q.at(q.range(q.sel('x'), '30d'), '1700000000.000')), 'sum_over_time(x[30d] @ 1700000000.000)'],
  [
    'any of several values, each exactly (sorted, once, regex characters escaped)',
    q.sel(undefined, [q.reAnyOf(q.METRIC_NAME, ['slo:b', 'slo:a', 'slo:b']), q.reAnyOf('slo_name', ['a.b', 'c+(d)|e'])]),
    '{__name__=~"slo:a|slo:b",slo_name=~"a\\\\.b|c\\\\+\\\\(d\\\\)\\\\|e"}',
  ],
  ['a call without arguments', q.binary(q.call('time'), '-', q.num(60)), 'time() - 60'],
  ['several arguments', q.call('clamp_max', q.binary(q.call('count_over_time', q.range(q.sel('x'), '30d')), '/', q.num(4320)), q.num(1)), 'clamp_max(count_over_time(x[30d]) / 4320, 1)'],
  ['absent', q.call('absent', q.sel('slo:no_traffic', objective)), 'absent(slo:no_traffic{slo_name="api",slo_service="shop"})'],
  ['a decimal as spelt', q.call('vector', q.num('0.9990')), 'vector(0.9990)'],
  ['an aggregation', q.agg('count', q.sel('ALERTS')), 'count(ALERTS)'],
  ['by', q.by('max', ['slo_name', 'slo_service'], q.sel('slo:info')), 'max by (slo_name, slo_service) (slo:info)'],
  ['without', q.without('max', ['slo_window'], ratio5m), 'max without (slo_window) (slo:sli_error:ratio_rate5m{slo_name="api",slo_service="shop"})'],
  ['bool', q.binary(q.sel('t'), '==', q.num(0), { bool: true }), 't == bool 0'],
  ['on() and a call', q.binary(q.paren(q.binary(q.sel('b'), '/', q.sel('t'))), 'or', q.call('vector', q.num(0)), { on: [] }), '(b / t) or on() vector(0)'],
  ['on and group_left', q.binary(q.sel('r'), '/', q.sel('b'), { on: ['slo_name', 'slo_service'], groupLeft: [] }), 'r / on(slo_name, slo_service) group_left() b'],
  ['spaced', q.binary(q.sel('r'), '/', q.sel('b'), { on: ['slo_name', 'slo_service'], groupLeft: [], spaced: true }), 'r / on (slo_name, slo_service) group_left () b'],
  ['ignoring', q.binary(q.paren(q.sel('r')), 'and', q.sel('c'), { ignoring: ['slo_window'] }), '(r) and ignoring(slo_window) c'],
  ['group_right with labels', q.binary(q.sel('a'), '*', q.sel('b'), { ignoring: ['x'], groupRight: ['y', 'z'] }), 'a * ignoring(x) group_right(y, z) b'],
  ['unless', q.binary(q.sel('a'), 'unless', q.sel('b', [q.eq('m', 'Timeslices')]), { on: ['slo_name'], spaced: true }), 'a unless on (slo_name) b{m="Timeslices"}'],
  ['on a line of its own', q.binary(q.sel('a'), 'and', q.sel('b'), { on: [], lines: true }), 'a\nand on()\nb'],
  ['a chain', q.chain('or', [q.sel('a'), q.sel('b'), q.sel('c')], { lines: true })!, 'a\nor\nb\nor\nc'],
  ['no parentheses added', q.binary(q.num(1), '-', q.binary(q.without('max', ['w'], q.sel('r')), '/', q.num('0.001'))), '1 - max without (w) (r) / 0.001'],
  ['a string argument', q.call('label_replace', q.sel('x'), q.str('dst'), q.str('$1'), q.str('src'), q.str('(.*)')), 'label_replace(x, "dst", "$1", "src", "(.*)")'],
  ['embedded text', q.agg('sum', q.text('rate(x{code=~"5.."}[5m])')), 'sum(rate(x{code=~"5.."}[5m]))'],
];

describe('q.render', () => {
  it.each(cases)('%s', (_name, expr, text) => {
    expect(q.render(expr)).toBe(text);
  });

  it.each(cases)('%s parses', (_name, expr) => {
    const check = checkPromql(q.render(expr));
    expect(check.problems).toEqual([]);
    expect(check.ok).toBe(true);
  });

  it('renders a chain of nothing as nothing', () => {
    expect(q.chain('or', [])).toBeUndefined();
  });
});

describe('label values', () => {
  const values: [string, string, string][] = [
    ['plain', 'day-prod', '"day-prod"'],
    ['empty', '', '""'],
    ['a double quote', 'say "hi"', '"say \\"hi\\""'],
    ['a backslash', 'C:\\dir', '"C:\\\\dir"'],
    ['a regex escape', '5\\.\\d+', '"5\\\\.\\\\d+"'],
    ['a newline and a tab', 'a\nb\tc', '"a\\nb\\tc"'],
    ['a control character', 'a\u0001b', '"a\\u0001b"'],
    ['a single quote and a backtick', "it's `x`", '"it\'s `x`"'],
    ['unicode', 'Zürich ☃ 日本 🚀', '"Zürich ☃ 日本 🚀"'],
    ['template variables', '$route', '"$route"'],
  ];

  it.each(values)('%s is quoted as a PromQL string', (_name, value, quoted) => {
    expect(q.quote(value)).toBe(quoted);
    expect(q.renderMatcher(q.eq('l', value))).toBe(`l=${quoted}`);
  });

  it.each(values)('%s reads back as the same value', (_name, value) => {
    const m = [q.eq('a', value), q.ne('b', value)];
    const text = q.render(q.sel('x', m));
    expect(checkPromql(text).ok).toBe(true);
    expect(selectors(text).map((s) => s.matchers)).toEqual([m]);
  });
});

describe('matcher lists', () => {
  it('renders a list without braces, for label filters that take only the list', () => {
    expect(q.renderMatchers([q.eq('slo_name', '$objective'), q.re('route', '$route')])).toBe('slo_name="$objective",route=~"$route"');
    expect(q.renderMatchers([])).toBe('');
  });

  it('makes equality matchers of a label set, sorted by label name', () => {
    expect(q.matchers({ b: '2', a: '1' })).toEqual([q.eq('a', '1'), q.eq('b', '2')]);
  });

  it('extends a selector without changing it', () => {
    const s = q.sel('x', [q.eq('a', '1')]);
    expect(q.render(q.withMatchers(s, [q.eq('b', '2')]))).toBe('x{a="1",b="2"}');
    expect(q.render(s)).toBe('x{a="1"}');
  });
});

describe('q.seriesText', () => {
  it.each([
    ['a series', { route: '/a "b"', code: '500' }, 'http_requests_total', 'http_requests_total{code="500", route="/a \\"b\\""}'],
    ['expected sample labels', { slo_name: 'api', __name__: 'slo:no_traffic' }, undefined, '{__name__="slo:no_traffic", slo_name="api"}'],
    ['no labels', {}, undefined, '{}'],
  ])('%s, as promtool test files write it', (_name, labels, metric, text) => {
    expect(q.seriesText(labels, metric)).toBe(text);
  });
});
