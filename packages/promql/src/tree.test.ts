import { parser } from '@prometheus-io/lezer-promql';
import { parsePromql } from './tree';

/** The parse cache: shared trees for repeated queries, bounded in count and in query length. */
describe('parsePromql', () => {
  const shape = (t: ReturnType<typeof parser.parse>) => t.toString();

  it.each([['rate(x[5m])'], ['sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) / 2'], ['not promql ((']])('%s parses as the parser does', (q) => {
    expect(shape(parsePromql(q))).toBe(shape(parser.parse(q)));
    // a repeat is the same tree, not a second parse
    expect(parsePromql(q)).toBe(parsePromql(q));
  });

  it('forgets the least recently used query after 256 others', () => {
    const first = parsePromql('up{n="first"}');
    const kept = parsePromql('up{n="kept"}');
    for (let i = 0; i < 255; i++) {
      parsePromql(`up{n="${i}"}`);
      // used again and again: stays
      expect(parsePromql('up{n="kept"}')).toBe(kept);
    }
    expect(parsePromql('up{n="first"}')).not.toBe(first);
    expect(shape(parsePromql('up{n="first"}'))).toBe(shape(first));
  });

  it('does not keep long queries', () => {
    const long = `sum(${Array.from({ length: 400 }, (_, i) => `x${i}`).join(' + ')})`;
    expect(long.length).toBeGreaterThan(2000);
    expect(parsePromql(long)).not.toBe(parsePromql(long));
  });
});
