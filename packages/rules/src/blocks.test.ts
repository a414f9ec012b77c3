import type { Objective, Query } from '@slo-engine/openslo';
import { buildingBlocks, checkScrapeInterval, sliceRange } from './blocks';

const query = (promql: string): Query => ({ promql, pos: { file: 'in.yaml', line: 1, column: 1 } as Query['pos'] });
const ratioObjective = (bad: string, total: string, slice?: number, counter = true): Objective => ({
  target: '0.99',
  compositeWeight: 1,
  ...(slice ? { timeSliceWindow: { text: `${slice}m`, count: slice, unit: 'm', minutes: slice } as Objective['timeSliceWindow'], timeSliceTarget: 0.9 } : {}),
  indicator: { kind: 'ratio', counter, bad: query(bad), total: query(total) },
});

describe('time slices are read over a range that holds two scrapes', () => {
  it.each([
    // slice minutes, scrape seconds, range, warns
    [1, 15, '1m', false],
    [1, 30, '1m', false],
    [1, 60, '2m', true],
    [1, 45, '1m30s', true],
    [2, 60, '2m', false],
    [5, 60, '5m', false],
    [5, 150, '5m', false],
  ])('a %dm slice at a %ds scrape interval reads [%s]', (slice, scrape, range, warns) => {
    const r = sliceRange(slice, scrape, query('x'));
    expect(r.range).toBe(range);
    expect(r.warning !== undefined).toBe(warns);
    const blocks = buildingBlocks('Timeslices', ratioObjective('x{e="1"}', 'x', slice), [], { scrapeSeconds: scrape });
    expect(blocks.bad).toContain(`rate(x[${range}])`);
    expect(blocks.warnings.some((w) => w.includes(`measured over ${range}`))).toBe(warns);
  });

  it('refuses a slice shorter than the scrape interval', () => {
    expect(() => sliceRange(1, 120, query('x'))).toThrow('a 1m time slice cannot be measured when targets are scraped every 2m: use a timeSliceWindow of at least 2m');
  });

  it('does not warn about a widened range that no query reads (a bare gauge)', () => {
    const objective: Objective = {
      target: '0.99',
      compositeWeight: 1,
      op: 'lt',
      value: 3,
      timeSliceTarget: 1,
      timeSliceWindow: { text: '1m', count: 1, unit: 'm', minutes: 1 } as Objective['timeSliceWindow'],
      indicator: { kind: 'threshold', metric: query('lag_seconds{job="w"}') },
    };
    expect(buildingBlocks('Timeslices', objective, [], { scrapeSeconds: 60 }).warnings).toEqual([]);
  });
});

describe('the scrape interval must leave two samples in the 5m building blocks', () => {
  it.each([
    [15, undefined],
    [60, undefined],
    [150, undefined],
    [180, 'the building blocks read 5m ranges, which hold fewer than two samples when targets are scraped every 3m; the longest supported scrape interval is 2m30s'],
    [0, 'the scrape interval must be a positive duration such as 15s, 30s or 1m'],
  ])('%ds', (scrape, message) => expect(checkScrapeInterval(scrape)).toBe(message));

  it('warns about a fixed range that holds one scrape: the SLI would read as perfect forever', () => {
    const blocks = buildingBlocks('Occurrences', ratioObjective('sum(rate(x{e="1"}[1m]))', 'sum(rate(x[1m]))', undefined, false), [], { scrapeSeconds: 60 });
    expect(blocks.warnings).toEqual([expect.stringMatching(/^rate\(\.\.\.\[1m\]\) holds fewer than two samples when targets are scraped every 1m/)]);
    expect(buildingBlocks('Occurrences', ratioObjective('sum(rate(x{e="1"}[1m]))', 'sum(rate(x[1m]))', undefined, false), [], { scrapeSeconds: 15 }).warnings).toEqual([]);
  });
});

describe('no building block can hold NaN or Inf', () => {
  it.each([
    ['a raw ratio', { kind: 'raw', rawType: 'failure', raw: query('errors:ratio') } as const, 'avg((errors:ratio) > -Inf < +Inf)'],
    ['a ratio query that divides', { kind: 'ratio', counter: false, bad: query('sum(rate(e[5m])) / 2'), total: query('sum(rate(t[5m]))') } as const, '(sum(rate(e[5m])) / 2) > -Inf < +Inf'],
  ])('%s is filtered', (_name, indicator, expected) => {
    const blocks = buildingBlocks('Occurrences', { target: '0.99', compositeWeight: 1, indicator }, [], { scrapeSeconds: 60 });
    expect(blocks.bad).toContain(expected);
  });
  it('plain counter rates are left as they are', () => {
    expect(buildingBlocks('Occurrences', ratioObjective('x{e="1"}', 'x')).bad).toBe('sum(rate(x{e="1"}[5m])) or vector(0)');
  });
});
