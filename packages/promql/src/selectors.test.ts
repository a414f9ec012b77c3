import { matchesSelector, sampleLabelValue, selectors, type LabelMatcher, type SelectorInfo } from './index';

describe('selectors', () => {
  it('reads a Sloth query, with positions in the original text', () => {
    const q = 'sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))';
    const [sel, ...rest] = selectors(q);
    expect(rest).toEqual([]);
    expect(sel).toEqual({
      metric: 'http_request_duration_seconds_count',
      matchers: [
        { label: 'job', op: '=', value: 'myservice' },
        { label: 'code', op: '=~', value: '(5..|429)' },
      ],
      from: 9,
      to: 79,
      range: '5m',
    });
    expect(q.slice(sel?.from, sel?.to)).toBe('http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}');
  });

  const cases: [string, string, Omit<SelectorInfo, 'from' | 'to'>[]][] = [
    ['bare selector', 'up', [{ metric: 'up', matchers: [] }]],
    ['fixed range', 'rate(x[1m])', [{ metric: 'x', matchers: [], range: '1m' }]],
    ['$window range', 'rate(x{a="b"}[$window])', [{ metric: 'x', matchers: [{ label: 'a', op: '=', value: 'b' }], range: '5m' }]],
    [
      'all operators',
      'x{a="1", b!="2", c=~"3.*", d!~"4|5"}',
      [
        {
          metric: 'x',
          matchers: [
            { label: 'a', op: '=', value: '1' },
            { label: 'b', op: '!=', value: '2' },
            { label: 'c', op: '=~', value: '3.*' },
            { label: 'd', op: '!~', value: '4|5' },
          ],
        },
      ],
    ],
    [
      'histogram ratio',
      'sum(rate(h_bucket{le="0.3"}[5m])) / sum(rate(h_count[5m]))',
      [
        { metric: 'h_bucket', matchers: [{ label: 'le', op: '=', value: '0.3' }], range: '5m' },
        { metric: 'h_count', matchers: [], range: '5m' },
      ],
    ],
    [
      'escapes are unquoted',
      'x{path="a\\"b", re=~"1\\\\.0", raw=~`1\\.0`}',
      [
        {
          metric: 'x',
          matchers: [
            { label: 'path', op: '=', value: 'a"b' },
            { label: 're', op: '=~', value: '1\\.0' },
            { label: 'raw', op: '=~', value: '1\\.0' },
          ],
        },
      ],
    ],
    [
      '__name__ matcher',
      '{__name__="up", job="a"}',
      [
        {
          metric: 'up',
          matchers: [
            { label: '__name__', op: '=', value: 'up' },
            { label: 'job', op: '=', value: 'a' },
          ],
        },
      ],
    ],
    ['__name__ regex', '{__name__=~"http_.*"}', [{ matchers: [{ label: '__name__', op: '=~', value: 'http_.*' }] }]],
    ['UTF-8 names', '{"http.requests", "k8s.pod"="p"}', [{ metric: 'http.requests', matchers: [{ label: 'k8s.pod', op: '=', value: 'p' }] }]],
    ['subquery: the selector itself has no range', 'max_over_time(x[1h:5m])', [{ metric: 'x', matchers: [] }]],
    ['offset', 'x offset 5m', [{ metric: 'x', matchers: [] }]],
    ['unknown function is repaired', 'foo(x{a="b"})', [{ metric: 'x', matchers: [{ label: 'a', op: '=', value: 'b' }] }]],
    ['incomplete matcher is skipped', 'x{a="b", c=}', [{ metric: 'x', matchers: [{ label: 'a', op: '=', value: 'b' }] }]],
    ['no selectors', '1 + 2', []],
  ];
  it.each(cases)('%s', (_, query, expected) => {
    const got = selectors(query);
    expect(got.map(({ from: _f, to: _t, ...rest }) => rest)).toEqual(expected);
    // Every position points at the selector in the original text.
    for (const s of got) {
      const text = query.slice(s.from, s.to);
      expect(text.length).toBeGreaterThan(0);
      if (s.metric !== undefined && !text.startsWith('{')) expect(text.startsWith(s.metric)).toBe(true);
    }
  });

  it('maps positions across several placeholders on several lines', () => {
    const q = 'sum(rate(a{x="1"}[{{ .window }}]))\n/\nsum(rate(b[${window}])) + c';
    const got = selectors(q).map((s) => [q.slice(s.from, s.to), s.range]);
    expect(got).toEqual([
      ['a{x="1"}', '5m'],
      ['b', '5m'],
      ['c', undefined],
    ]);
  });
});

describe('matchesSelector', () => {
  const sel = (query: string): SelectorInfo => {
    const [s] = selectors(query);
    if (!s) throw new Error(`no selector in ${query}`);
    return s;
  };
  const cases: [string, Record<string, string>, boolean][] = [
    ['x{code=~"(5..|429)"}', { __name__: 'x', code: '503' }, true],
    ['x{code=~"(5..|429)"}', { __name__: 'x', code: '429' }, true],
    ['x{code=~"(5..|429)"}', { __name__: 'x', code: '4290' }, false],
    ['x{code=~"5.."}', { __name__: 'x', code: '1500' }, false], // anchored
    ['x{code=~"5.."}', { __name__: 'x' }, false],
    ['x{code=~"5.."}', { __name__: 'y', code: '500' }, false], // metric name
    ['x{code!~"5.."}', { __name__: 'x', code: '200' }, true],
    ['x{code!~"5.."}', { __name__: 'x' }, true], // missing reads as ""
    ['x{code!~"5.."}', { __name__: 'x', code: '500' }, false],
    ['x{code!=""}', { __name__: 'x' }, false],
    ['x{code=""}', { __name__: 'x' }, true],
    ['x{code=""}', { __name__: 'x', code: '' }, true],
    ['x{code!="200"}', { __name__: 'x', code: '201' }, true],
    ['localhost_server_requests{code=~"2xx|3xx",host="*",instance="127.0.0.1:9090"}', { __name__: 'localhost_server_requests', code: '2xx', host: '*', instance: '127.0.0.1:9090' }, true],
    ['localhost_server_requests{code=~"2xx|3xx",host="*",instance="127.0.0.1:9090"}', { __name__: 'localhost_server_requests', code: '200', host: '*', instance: '127.0.0.1:9090' }, false],
    ['h_bucket{le=~"1|1\\\\.0"}', { __name__: 'h_bucket', le: '1.0' }, true],
    ['h_bucket{le=~"1|1\\\\.0"}', { __name__: 'h_bucket', le: '110' }, false],
    ['{__name__=~"http_.*_total"}', { __name__: 'http_requests_total' }, true],
    ['{"http.requests"}', { __name__: 'http.requests' }, true],
    ['x{method=~"(?i)get"}', { __name__: 'x', method: 'GET' }, true],
    ['x{code=~"[[:digit:]]+"}', { __name__: 'x', code: '200' }, true],
    ['x{code=~"[[:digit:]]+"}', { __name__: 'x', code: 'ok' }, false],
    ['x{path=~"/a/.*"}', { __name__: 'x', path: '/a/b\nc' }, true], // `.` matches newlines (Prometheus 3)
    ['x{a=~"(a"}', { __name__: 'x', a: '(a' }, false], // does not compile
    ['x{a!~"(a"}', { __name__: 'x', a: 'b' }, false],
    ['x{a=~"a)|(b"}', { __name__: 'x', a: 'a' }, false], // unbalanced: not made valid by anchoring
    ['x{constructor=""}', { __name__: 'x' }, true], // no prototype lookups
  ];
  it.each(cases)('%s with %j → %s', (query, labels, expected) => {
    expect(matchesSelector(labels, sel(query))).toBe(expected);
  });
});

describe('sampleLabelValue', () => {
  const cases: [LabelMatcher, string[]][] = [
    [{ label: 'job', op: '=', value: 'myservice' }, ['myservice']],
    [{ label: 'code', op: '=~', value: '5..' }, ['500']],
    [{ label: 'code', op: '=~', value: '(5..|429)' }, ['500', '429']],
    [{ label: 'code', op: '=~', value: '2..|3..' }, ['200', '300']],
    [{ label: 'code', op: '=~', value: '2xx|3xx' }, ['2xx', '3xx']],
    [{ label: 'code', op: '=~', value: '[45]\\d{2}' }, ['400', '500']],
    [{ label: 'le', op: '=~', value: '1|1\\.0' }, ['1', '1.0']],
    [{ label: 'method', op: '=~', value: 'GET|POST' }, ['GET', 'POST']],
    [{ label: 'route', op: '=~', value: '/api/(users|orders)/?' }, ['/api/users', '/api/orders', '/api/users/']],
    [{ label: 'x', op: '=~', value: '(?i)get' }, ['get']],
  ];
  it.each(cases)('%j gives %j first', (matcher, first) => {
    const got = sampleLabelValue(matcher);
    expect(got.slice(0, first.length)).toEqual(first);
  });

  const negative: [LabelMatcher, string][] = [
    [{ label: 'code', op: '!~', value: '5..' }, '200'],
    [{ label: 'code', op: '!~', value: '2..|3..' }, 'ok'],
    [{ label: 'code', op: '!=', value: '200' }, 'ok'],
    [{ label: 'code', op: '!=', value: '' }, '200'],
    [{ label: 'code', op: '!~', value: '.+' }, ''],
  ];
  it.each(negative)('%j gives %j first', (matcher, first) => {
    expect(sampleLabelValue(matcher)[0]).toBe(first);
  });

  const all: LabelMatcher[] = [
    ...cases.map(([m]) => m),
    ...negative.map(([m]) => m),
    { label: 'a', op: '=~', value: '.*' },
    { label: 'a', op: '=~', value: '.+' },
    { label: 'a', op: '=~', value: '[^5].*' },
    { label: 'a', op: '=~', value: '[[:alpha:]]+-[0-9]+' },
    { label: 'a', op: '=~', value: '\\Q1.0\\E|x{2,3}' },
    { label: 'a', op: '=~', value: '(?P<code>5)\\d\\d' },
    { label: 'a', op: '=~', value: '[]a]b' },
    { label: 'a', op: '=~', value: 'a\\.b\\-c' },
    { label: 'a', op: '=~', value: 'ok' },
    { label: 'a', op: '!~', value: 'ok|x' },
  ];
  it.each(all)('every value satisfies %j', (matcher) => {
    const got = sampleLabelValue(matcher);
    expect(got.length).toBeGreaterThan(0);
    expect(new Set(got).size).toBe(got.length);
    const s: SelectorInfo = { matchers: [matcher], from: 0, to: 0 };
    for (const v of got) expect([v, matchesSelector({ [matcher.label]: v }, s)]).toEqual([v, true]);
  });

  it.each([
    { label: 'a', op: '!~', value: '.*' },
    { label: 'a', op: '=~', value: '(a' },
    { label: 'a', op: '!~', value: '(a' },
    { label: 'a', op: '=~', value: 'a\\1' },
  ] as LabelMatcher[])('nothing satisfies %j', (matcher) => {
    expect(sampleLabelValue(matcher)).toEqual([]);
  });
});
