import { addMatchers, checkPromql, matchesLabelMatcher, rewriteLeMatchers, selectors, toRate } from './index';

const SLOTH_ERRORS = 'sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))';

describe('toRate', () => {
  const ok: [string, string, { window: string; counter: boolean }, string][] = [
    ['Sloth query with {{.window}}', SLOTH_ERRORS, { window: '5m', counter: true }, 'sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[5m]))'],
    ['Sloth query, counter false', SLOTH_ERRORS, { window: '1h', counter: false }, 'sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[1h]))'],
    ['{{ .window }}', 'sum(increase(x[{{ .window }}]))', { window: '30m', counter: true }, 'sum(increase(x[30m]))'],
    ['$window and ${window}', 'rate(a[$window]) / rate(b[${window}])', { window: '2h', counter: true }, 'rate(a[2h]) / rate(b[2h])'],
    ['fixed range is kept', 'rate(x[1m])', { window: '5m', counter: true }, 'rate(x[1m])'],
    ['over_time function', 'avg_over_time(up{job="api"}[{{.window}}])', { window: '5m', counter: true }, 'avg_over_time(up{job="api"}[5m])'],
    [
      'histogram bucket rate',
      'sum(rate(http_request_duration_seconds_bucket{le="0.3"}[{{.window}}]))',
      { window: '5m', counter: true },
      'sum(rate(http_request_duration_seconds_bucket{le="0.3"}[5m]))',
    ],
    ['bare counter selector', 'http_requests_total{code=~"5.."}', { window: '5m', counter: true }, 'rate(http_requests_total{code=~"5.."}[5m])'],
    ['bare selector without matchers', 'http_requests_total', { window: '1d', counter: true }, 'rate(http_requests_total[1d])'],
    [
      'spec-style sum of a counter',
      'sum(localhost_server_requests{code=~"2xx|3xx",host="*",instance="127.0.0.1:9090"})',
      { window: '5m', counter: true },
      'sum(rate(localhost_server_requests{code=~"2xx|3xx",host="*",instance="127.0.0.1:9090"}[5m]))',
    ],
    ['grouping before the argument', 'sum by (code) (http_requests_total{job="api"})', { window: '5m', counter: true }, 'sum by (code) (rate(http_requests_total{job="api"}[5m]))'],
    ['grouping after the argument', 'sum(http_requests_total{job="api"}) by (code)', { window: '5m', counter: true }, 'sum(rate(http_requests_total{job="api"}[5m])) by (code)'],
    ['without', 'sum without (instance) (x)', { window: '5m', counter: true }, 'sum without (instance) (rate(x[5m]))'],
    ['parens around everything', '((x{a="b"}))', { window: '5m', counter: true }, '((rate(x{a="b"}[5m])))'],
    ['parens around the argument', '(sum((x)))', { window: '5m', counter: true }, '(sum((rate(x[5m]))))'],
    ['offset modifier', 'x offset 1h', { window: '5m', counter: true }, 'rate(x[5m] offset 1h)'],
    [
      'multi-line aggregation with a comment',
      'sum by (route) (\n  http_requests_total{\n    job="api",\n    code=~"5.."\n  }\n) # errors',
      { window: '5m', counter: true },
      'sum by (route) (\n  rate(http_requests_total{\n    job="api",\n    code=~"5.."\n  }[5m])\n) # errors',
    ],
    ['multi-line rate', 'sum(\n  rate(x[{{.window}}])\n)', { window: '10m', counter: true }, 'sum(\n  rate(x[10m])\n)'],
    ['gauge used as is', 'sum(queue_depth{queue="jobs"}) / 2', { window: '5m', counter: false }, 'sum(queue_depth{queue="jobs"}) / 2'],
    ['already a rate, recorded', 'job:http_errors:rate5m', { window: '5m', counter: false }, 'job:http_errors:rate5m'],
    ['scalar gauge', '1', { window: '5m', counter: false }, '1'],
    ['seconds as window', 'x', { window: '300', counter: true }, 'rate(x[300])'],
  ];
  it.each(ok)('%s', (_, query, opts, expected) => {
    const r = toRate(query, opts);
    expect(r).toEqual({ ok: true, promql: expected });
    if (r.ok) expect(checkPromql(r.promql).problems).toEqual([]);
  });

  const refused: [string, string, { window: string; counter: boolean }, RegExp][] = [
    ['arithmetic on a counter', 'sum(x) / 2', { window: '5m', counter: true }, /write the query as a rate.* or as a bare counter selector/],
    ['ratio of counters', 'sum(errors_total) / sum(requests_total)', { window: '5m', counter: true }, /bare counter selector/],
    ['aggregation with a parameter', 'topk(3, x)', { window: '5m', counter: true }, /bare counter selector/],
    ['aggregation of an expression', 'sum(x + y)', { window: '5m', counter: true }, /bare counter selector/],
    ['function on a counter', 'abs(x)', { window: '5m', counter: true }, /bare counter selector/],
    ['range vector', 'x[5m]', { window: '5m', counter: false }, /range vector/],
    ['range vector, counter', 'x[{{.window}}]', { window: '5m', counter: true }, /range vector/],
    ['string', '"x"', { window: '5m', counter: false }, /string/],
    ['syntax error', 'sum(rate(x[5m])', { window: '5m', counter: true }, /not valid PromQL: unclosed "\("/],
    ['unknown function', 'summ(rate(x[5m]))', { window: '5m', counter: true }, /did you mean "sum"/],
    ['empty', '  ', { window: '5m', counter: true }, /empty/],
    ['bad window', 'x', { window: '5 minutes', counter: true }, /invalid window "5 minutes"/],
    ['zero window', 'x', { window: '0s', counter: true }, /invalid window/],
  ];
  it.each(refused)('refuses %s', (_, query, opts, reason) => {
    const r = toRate(query, opts);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('rewriteLeMatchers', () => {
  const cases: [string, string, string][] = [
    ['integer bound', 'x_bucket{le="1"}', 'x_bucket{le=~"1|1\\\\.0"}'],
    ['two digits', 'x_bucket{le="10"}', 'x_bucket{le=~"10|10\\\\.0"}'],
    ['float spelling', 'x_bucket{le="1.0"}', 'x_bucket{le=~"1|1\\\\.0"}'],
    ['extra zeros keep their own spelling', 'x_bucket{le="2.00"}', 'x_bucket{le=~"2|2\\\\.0|2\\\\.00"}'],
    ['non-integer left alone', 'x_bucket{le="0.3"}', 'x_bucket{le="0.3"}'],
    ['another non-integer', 'x_bucket{le="0.25"}', 'x_bucket{le="0.25"}'],
    ['+Inf left alone', 'x_bucket{le="+Inf"}', 'x_bucket{le="+Inf"}'],
    ['!= excludes every spelling', 'x_bucket{le!="1"}', 'x_bucket{le!~"1|1\\\\.0"}'],
    ['a numeric regex gets every spelling', 'x_bucket{le=~"1"}', 'x_bucket{le=~"1|1\\\\.0"}'],
    ['other labels left alone', 'x{code="1", lee="1"}', 'x{code="1", lee="1"}'],
    ['single quotes', "x_bucket{le='5'}", "x_bucket{le=~'5|5\\\\.0'}"],
    ['backticks (raw string)', 'x_bucket{le=`5`}', 'x_bucket{le=~`5|5\\.0`}'],
    ['quoted label name', 'x_bucket{"le"="5"}', 'x_bucket{"le"=~"5|5\\\\.0"}'],
    ['spaces around the operator', 'x_bucket{le = "5"}', 'x_bucket{le =~ "5|5\\\\.0"}'],
    ['a million (Go spells it 1e+06)', 'x_bucket{le="1000000"}', 'x_bucket{le=~"1000000|1e\\\\+06|1000000\\\\.0"}'],
    ['leading zero', 'x_bucket{le="05"}', 'x_bucket{le=~"5|5\\\\.0|05"}'],
    [
      'histogram SLI with placeholders',
      'sum(rate(http_request_duration_seconds_bucket{job="api",le="1"}[{{.window}}]))\n/\nsum(rate(http_request_duration_seconds_count{job="api"}[{{.window}}]))',
      'sum(rate(http_request_duration_seconds_bucket{job="api",le=~"1|1\\\\.0"}[{{.window}}]))\n/\nsum(rate(http_request_duration_seconds_count{job="api"}[{{.window}}]))',
    ],
    [
      'several matchers, mixed',
      'sum(rate(h_bucket{le="0.3"}[$window])) + sum(rate(h_bucket{le="10", job="a"}[${window}])) # le="1" in a comment',
      'sum(rate(h_bucket{le="0.3"}[$window])) + sum(rate(h_bucket{le=~"10|10\\\\.0", job="a"}[${window}])) # le="1" in a comment',
    ],
    ['no matchers', 'rate(x[1m])', 'rate(x[1m])'],
    ['text that does not parse is still rewritten where it can be', 'sum(x_bucket{le="1"}', 'sum(x_bucket{le=~"1|1\\\\.0"}'],
  ];
  it.each(cases)('%s', (_, query, expected) => {
    const out = rewriteLeMatchers(query);
    expect(out).toBe(expected);
    if (checkPromql(query).ok) expect(checkPromql(out).problems).toEqual([]);
  });

  it.each([
    ['x{le="1"}', '1|1\\.0', ['1', '1.0'], ['10', '1x0', '2']],
    ['x{le="1000000"}', '1000000|1e\\+06|1000000\\.0', ['1000000', '1e+06', '1000000.0'], ['1e06', '1000000.00']],
  ])('the regex in %s matches both spellings', (query, pattern, matches, nonMatches) => {
    const [sel] = selectors(rewriteLeMatchers(query));
    expect(sel?.matchers).toEqual([{ label: 'le', op: '=~', value: pattern }]);
    const re = new RegExp(`^(?:${pattern})$`);
    for (const v of matches) expect([v, re.test(v)]).toEqual([v, true]);
    for (const v of nonMatches) expect([v, re.test(v)]).toEqual([v, false]);
  });
});

describe('rewriteLeMatchers: every numeric spelling of a bucket bound', () => {
  const raw = String.raw;
  // [written matcher, operator after the rewrite, pattern after the rewrite]; an unchanged matcher repeats itself
  const cases: [string, string, string][] = [
    // Prometheus 3 and prom-client store the shortest spelling; a spelling with extra digits matched nothing
    ['le="0.30"', '=~', raw`0\.3|0\.30`],
    ['le=".25"', '=~', raw`0\.25|\.25`],
    ['le="0.250"', '=~', raw`0\.25|0\.250`],
    ['le="2.50"', '=~', raw`2\.5|2\.50`],
    ['le="+0.3"', '=~', raw`0\.3|\+0\.3`],
    ['le="00.300"', '=~', raw`0\.3|00\.300`],
    ['le="1e-1"', '=~', raw`0\.1|1e-1`],
    ['le="2.5E-1"', '=~', raw`0\.25|2\.5E-1`],
    // integers: Prometheus 3 appends .0
    ['le="1"', '=~', raw`1|1\.0`],
    ['le="1.0"', '=~', raw`1|1\.0`],
    ['le="1e0"', '=~', raw`1|1\.0|1e0`],
    ['le="100000"', '=~', raw`100000|100000\.0`],
    ['le="0"', '=~', raw`0|0\.0`],
    ['le="-0"', '=~', raw`0|0\.0|-0`],
    ['le="-1"', '=~', raw`-1|-1\.0`],
    ['le="-0.5"', '=', '-0.5'],
    // Go (Prometheus 3, client_golang, Python) switches to an exponent from 1e+06 and below 1e-04; Java below
    // 1e-3 and from 1e7, JavaScript below 1e-6 and from 1e21
    ['le="1000000"', '=~', raw`1000000|1e\+06|1000000\.0`],
    ['le="1e6"', '=~', raw`1000000|1e\+06|1000000\.0|1e6`],
    ['le="2500000"', '=~', raw`2500000|2\.5e\+06|2500000\.0`],
    ['le="1e7"', '=~', raw`10000000|1e\+07|1\.0E7|1e7`],
    // the Python client writes 1e+010 for ten billion (it pads the exponent to two digits by prefixing a zero)
    ['le="10000000000"', '=~', raw`10000000000|1e\+10|1e\+010|1\.0E10`],
    ['le="1.5e21"', '=~', raw`1500000000000000000000|1\.5e\+21|1\.5E21|1\.5e21`],
    ['le="0.0001"', '=~', raw`0\.0001|1\.0E-4`],
    ['le="0.0005"', '=~', raw`0\.0005|5\.0E-4`],
    ['le="1e-05"', '=~', raw`0\.00001|1e-05|1\.0E-5`],
    ['le="0.0000001"', '=~', raw`0\.0000001|1e-07|1e-7|1\.0E-7`],
    ['le="0.001"', '=', '0.001'],
    // already the only spelling anyone stores
    ['le="0.3"', '=', '0.3'],
    ['le="0.005"', '=', '0.005'],
    ['le="+Inf"', '=', '+Inf'],
    ['le="-Inf"', '=', '-Inf'],
    // other spellings of infinity that Go's ParseFloat reads (Prometheus 3 stores +Inf)
    ['le="Inf"', '=~', raw`\+Inf|Inf`],
    ['le="+inf"', '=~', raw`\+Inf|\+inf`],
    ['le="infinity"', '=~', raw`\+Inf|infinity`],
    // not numbers (or not read as one): left as they are
    ['le="NaN"', '=', 'NaN'],
    ['le="fast"', '=', 'fast'],
    ['le=""', '=', ''],
    ['le="0x1p-2"', '=', '0x1p-2'],
    ['le="1_000"', '=', '1_000'],
    ['le=" 1"', '=', ' 1'],
    ['le="1e400"', '=', '1e400'],
    // != excludes every spelling of the bound
    ['le!="0.30"', '!~', raw`0\.3|0\.30`],
    ['le!="+Inf"', '!=', '+Inf'],
    // a regex of number literals, unescaped dots read as decimal points
    ['le=~"0.30"', '=~', raw`0\.3|0\.30`],
    [raw`le=~"0\\.25|1"`, '=~', raw`0\.25|1|1\.0`],
    ['le!~"1|2"', '!~', raw`1|1\.0|2|2\.0`],
    ['le=~"Inf"', '=~', raw`\+Inf|Inf`],
    // a regex that already matches every spelling is kept as written
    ['le=~"0.3"', '=~', '0.3'],
    [raw`le=~"0\\.25|0\\.5"`, '=~', raw`0\.25|0\.5`],
    [raw`le=~"1|1\\.0"`, '=~', raw`1|1\.0`],
    [raw`le=~"\\+Inf"`, '=~', raw`\+Inf`],
    // any other regex cannot be rewritten exactly and is left alone
    [raw`le=~"0\\.[0-9]+"`, '=~', raw`0\.[0-9]+`],
    ['le=~".*"', '=~', '.*'],
    ['le=~"1e+06"', '=~', '1e+06'],
    ['le=~"(1|2)"', '=~', '(1|2)'],
    ['le=~"1|"', '=~', '1|'],
  ];
  it.each(cases)('%s', (written, op, pattern) => {
    const out = rewriteLeMatchers(`x_bucket{${written}}`);
    const [sel] = selectors(out);
    expect(sel?.matchers).toEqual([{ label: 'le', op, value: pattern }]);
    expect(checkPromql(out).problems).toEqual([]);
  });

  // what each rewritten matcher must select among bounds stored by Prometheus 2 or 3 or a client, and must not
  const selects: [string, string[], string[]][] = [
    ['le="0.30"', ['0.3', '0.30'], ['0.35', '0.03', '0x3', '003', '0.3.0', '30']],
    ['le=".25"', ['0.25', '.25'], ['0.255', '0.2', '025', '25']],
    ['le="1"', ['1', '1.0'], ['10', '1x0', '1.00', '0.1', '11']],
    ['le="1e-05"', ['0.00001', '1e-05', '1.0E-5'], ['1e-5x', '1e-50', '0.000010', '1e+05']],
    ['le="2500000"', ['2500000', '2500000.0', '2.5e+06'], ['2.5e+060', '2500000.5', '25000000']],
    ['le!="0.30"', ['0.35', '1', '+Inf'], ['0.3', '0.30']],
  ];
  it.each(selects)('%s selects every spelling of its bound and nothing else', (written, yes, no) => {
    const [sel] = selectors(rewriteLeMatchers(`x_bucket{${written}}`));
    const m = sel?.matchers[0];
    expect(m).toBeDefined();
    const picked = (v: string) => matchesLabelMatcher(v, m!);
    expect(yes.filter((v) => !picked(v))).toEqual([]);
    expect(no.filter(picked)).toEqual([]);
  });
});

describe('addMatchers', () => {
  const env = { namespace: 'day-prod', cluster: 'eks-1' };
  it.each([
    ['a bare metric', 'up', 'up{cluster="eks-1",namespace="day-prod"}'],
    ['matchers kept first', 'x{job="day"}', 'x{job="day",cluster="eks-1",namespace="day-prod"}'],
    ['an empty matcher list', 'x{}', 'x{cluster="eks-1",namespace="day-prod"}'],
    ['a trailing comma', 'x{job="day",}', 'x{job="day",cluster="eks-1",namespace="day-prod",}'],
    ['a name in braces', '{__name__="x"}', '{__name__="x",cluster="eks-1",namespace="day-prod"}'],
    ['a label already matched keeps its matcher', 'x{namespace=~"day-.*"}', 'x{namespace=~"day-.*",cluster="eks-1"}'],
    [
      'every selector, ranges and functions',
      'sum(rate(a{c="5"}[5m])) / sum(rate(a[5m])) or on() vector(0)',
      'sum(rate(a{c="5",cluster="eks-1",namespace="day-prod"}[5m])) / sum(rate(a{cluster="eks-1",namespace="day-prod"}[5m])) or on() vector(0)',
    ],
    ['offset and @ kept', 'a offset 5m and b @ 100', 'a{cluster="eks-1",namespace="day-prod"} offset 5m and b{cluster="eks-1",namespace="day-prod"} @ 100'],
    ['window placeholders', 'rate(a{x="1"}[{{.window}}])', 'rate(a{x="1",cluster="eks-1",namespace="day-prod"}[{{.window}}])'],
    ['no selector', 'vector(1)', 'vector(1)'],
    ['a query that does not parse', 'sum(a{', 'sum(a{'],
  ])('%s', (_name, query, want) => {
    expect(addMatchers(query, env)).toBe(want);
  });

  it('quotes values as PromQL strings', () => {
    expect(addMatchers('x', { env: 'a"b\\c' })).toBe('x{env="a\\"b\\\\c"}');
  });

  it('adding twice changes nothing', () => {
    const once = addMatchers('sum(rate(a{c="5"}[5m]))', env);
    expect(addMatchers(once, env)).toBe(once);
  });

  it('no matchers: the query as it is', () => {
    expect(addMatchers('a{b="c"}', {})).toBe('a{b="c"}');
  });
});
