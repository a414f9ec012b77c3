import { toAst, UnsupportedQuery } from './ast';

describe('toAst reads the parse tree into a plain syntax tree', () => {
  it.each([
    ['rate(x{a="1"}[5m])', { t: 'call', fn: 'rate', args: [{ t: 'range', expr: { t: 'sel', sel: { metric: 'x', matchers: [{ label: 'a', op: '=', value: '1' }] } }, seconds: 300, subquery: false }] }],
    [
      'sum by (le) (h_bucket) / 2',
      { t: 'bin', op: '/', lhs: { t: 'agg', op: 'sum', expr: { t: 'sel', sel: { metric: 'h_bucket', matchers: [] } }, by: ['le'] }, rhs: { t: 'num', v: 2 }, bool: false, include: [] },
    ],
    ['topk(3, x) without (a)', { t: 'agg', op: 'topk', expr: { t: 'sel', sel: { metric: 'x', matchers: [] } }, param: { t: 'num', v: 3 }, without: ['a'] }],
    ['x < bool 0.7', { t: 'bin', op: '<', lhs: { t: 'sel', sel: { metric: 'x', matchers: [] } }, rhs: { t: 'num', v: 0.7 }, bool: true, include: [] }],
    [
      'a / on(b) group_left(c) d',
      { t: 'bin', op: '/', lhs: { t: 'sel', sel: { metric: 'a', matchers: [] } }, rhs: { t: 'sel', sel: { metric: 'd', matchers: [] } }, bool: false, on: ['b'], group: 'left', include: ['c'] },
    ],
    ['count(x)[1h:1m] offset 5m', { t: 'range', expr: { t: 'agg', op: 'count', expr: { t: 'sel', sel: { metric: 'x', matchers: [] } } }, seconds: 3600, step: 60, subquery: true }],
    ['-(x)', { t: 'neg', expr: { t: 'sel', sel: { metric: 'x', matchers: [] } } }],
    [
      '{"m", __name__="m", c!~"z"}',
      {
        t: 'sel',
        sel: {
          metric: 'm',
          matchers: [
            { label: '__name__', op: '=', value: 'm' },
            { label: 'c', op: '!~', value: 'z' },
          ],
        },
      },
    ],
  ])('%s', (query, tree) => expect(toAst(query)).toEqual(tree));

  it.each([
    ['x @ 100', 'an @ modifier pins the query to one time'],
    ['sum(x', 'the query does not parse'],
  ])('refuses %s', (query, message) => {
    expect(() => toAst(query)).toThrow(UnsupportedQuery);
    expect(() => toAst(query)).toThrow(message);
  });
});
