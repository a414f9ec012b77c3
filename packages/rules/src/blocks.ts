import { Decimal } from 'decimal.js';
import type { BudgetingMethod, Indicator, Objective, Operator, Query } from '@slo-engine/openslo';
import { checkPromql, durationSeconds, mayBeNonFinite, rewriteLeMatchers, substituteWindow, toRate, twoSampleRanges } from '@slo-engine/promql';
import { BLOCK_RANGE, BLOCK_RANGE_MINUTES } from './names';
import { promDuration, promSeconds } from './durations';

/** The two building-block expressions of an objective: bad and total events (or slices) per second. */
export interface Blocks {
  bad: string;
  total: string;
  /** 1 when the SLI saw no events lately; defaults to "the total block is 0". */
  noTraffic?: string;
  /** What the compiler changed or could not guarantee about these blocks, to tell the user. */
  warnings: string[];
}

/** How the blocks are built: the scrape interval of the SLI's targets, in seconds. */
export interface BlockOptions {
  scrapeSeconds: number;
}

export class BlockError extends Error {
  constructor(
    message: string,
    readonly query?: Query,
  ) {
    super(message);
    this.name = 'BlockError';
  }
}

/** Only PromQL can become a recording rule; a Datadog or CloudWatch query cannot. */
function prometheusOnly(q: Query): void {
  if (q.sourceType !== undefined && !/^prometheus$/i.test(q.sourceType))
    throw new BlockError(`the query reads a ${q.sourceType} data source; only Prometheus queries can be compiled to Prometheus rules`, q);
}

/** Reads a query's expression as written, checking what it reads can be measured and kept finite. */
class Reader {
  readonly warnings: string[] = [];
  private watched?: { range: string; warning: string };
  constructor(private readonly scrapeSeconds: number) {}

  private warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }

  /** Warn once if any query read from now on has a range of exactly this length. */
  onRange(range: string, warning: string): void {
    this.watched = { range, warning };
  }

  rate(q: Query, counter: boolean, window: string): string {
    prometheusOnly(q);
    const r = toRate(rewriteLeMatchers(q.promql), { window, counter });
    if (!r.ok) throw new BlockError(r.reason, q);
    return this.measurable(r.promql.trim());
  }

  /** A gauge, a ratio or a threshold value: any of them may be NaN (0/0 of an idle minute), so never kept unfiltered. */
  gauge(q: Query, window: string): string {
    prometheusOnly(q);
    return finite(this.measurable(substituteWindow(rewriteLeMatchers(q.promql), window).text.trim()));
  }

  /** A rate over a range with fewer than two samples is always empty: the SLI would read as perfect forever. */
  private measurable(promql: string): string {
    if (this.watched && promql.includes(`[${this.watched.range}]`)) {
      this.warn(this.watched.warning);
      this.watched = undefined;
    }
    for (const r of twoSampleRanges(promql))
      if (r.seconds < 2 * this.scrapeSeconds)
        this.warn(
          `${r.fn}(...[${r.range}]) holds fewer than two samples when targets are scraped every ${promSeconds(this.scrapeSeconds)}, so it reads nothing and the SLI looks perfect; ` +
            `use {{.window}} or a range of at least ${promSeconds(2 * this.scrapeSeconds)} (or set the real scrape interval with --scrape-interval or the ${SCRAPE_INTERVAL_ANNOTATION} annotation)`,
        );
    return promql;
  }

  /** A user's ratio query that can divide by zero is filtered like a gauge; plain counter rates are always finite. */
  ratio(q: Query, counter: boolean, window: string): string {
    const r = this.rate(q, counter, window);
    return mayBeNonFinite(r) ? finite(r) : r;
  }
}

/** `slo-engine.dev/scrape-interval: 30s`: how often the SLI's targets are scraped, when not the compile default. */
export const SCRAPE_INTERVAL_ANNOTATION = 'slo-engine.dev/scrape-interval';

/**
 * Drops NaN and ±Inf samples (NaN fails every comparison): a 0/0 of an idle minute in a building block
 * would make every window over it NaN for as long as the window, and `or vector(0)` cannot replace a
 * sample that exists.
 */
const finite = (e: string) => `(${e}) > -Inf < +Inf`;

/**
 * The range a time slice is measured over. A rate needs two samples in its range; at a 1m scrape interval
 * a 1m range holds one (promtool hides it: its samples sit exactly on evaluation times). A slice shorter
 * than two scrape intervals is read over two, which is the increase between the last two scrapes; a slice
 * shorter than one scrape interval cannot be measured at all.
 */
export function sliceRange(sliceMinutes: number, scrapeSeconds: number, q: Query): { range: string; warning?: string } {
  const slice = sliceMinutes * 60;
  if (slice < scrapeSeconds)
    throw new BlockError(
      `a ${promDuration(sliceMinutes)} time slice cannot be measured when targets are scraped every ${promSeconds(scrapeSeconds)}: use a timeSliceWindow of at least ${promSeconds(Math.ceil(scrapeSeconds / 60) * 60)}`,
      q,
    );
  if (slice >= 2 * scrapeSeconds) return { range: promDuration(sliceMinutes) };
  const range = promSeconds(2 * scrapeSeconds);
  return {
    range,
    warning: `${promDuration(sliceMinutes)} time slices are measured over ${range}: a rate needs two samples and targets are scraped every ${promSeconds(scrapeSeconds)}, so each slice reads the change between the last two scrapes`,
  };
}

/** A scrape interval as written (`30s`, `1m`), in seconds, or why it cannot be used. */
export function parseScrapeInterval(text: string): { seconds: number } | { error: string } {
  const seconds = durationSeconds(text.trim());
  if (seconds === undefined || !Number.isInteger(seconds)) return { error: `must be a whole number of seconds written as a duration such as 15s, 30s or 1m (got "${text}")` };
  const problem = checkScrapeInterval(seconds);
  return problem ? { error: problem } : { seconds };
}

/** The 5m building blocks need two samples in 5m. */
export function checkScrapeInterval(scrapeSeconds: number): string | undefined {
  if (!(scrapeSeconds > 0)) return 'the scrape interval must be a positive duration such as 15s, 30s or 1m';
  if (scrapeSeconds * 2 > BLOCK_RANGE_MINUTES * 60)
    return `the building blocks read ${BLOCK_RANGE} ranges, which hold fewer than two samples when targets are scraped every ${promSeconds(scrapeSeconds)}; the longest supported scrape interval is ${promSeconds((BLOCK_RANGE_MINUTES * 60) / 2)}`;
  return undefined;
}

const INVERSE: Record<Operator, string> = { lte: '>', lt: '>=', gte: '<', gt: '<=' };
/** A threshold metric with several series is judged by its worst series. */
const WORST: Record<Operator, string> = { lte: 'max', lt: 'max', gte: 'min', gt: 'min' };

/** `sum(x) or vector(0)`: a missing series counts as zero events instead of making the ratio absent. */
const orZero = (e: string) => `${e} or vector(0)`;

/** `sum(...)`, or `sum by (route) (...)` for an SLO grouped by labels. */
const sumBy = (groupBy: string[]) => (e: string) => (groupBy.length ? `sum by (${groupBy.join(', ')}) (${e})` : `sum(${e})`);

/** A query that aggregates the group labels away cannot be grouped: say so instead of silently merging groups. */
function keepsGroups(q: Query, groupBy: string[]): void {
  if (groupBy.length === 0) return;
  const agg = checkPromql(q.promql).shape?.aggregation;
  if (!agg) return;
  // `sum by (a) (x)` and `sum(x) by (a)` alike: the syntax tree says which labels survive
  const lost = groupBy.filter((g) => (agg.by ? !agg.by.includes(g) : agg.without ? agg.without.includes(g) : true));
  if (lost.length) throw new BlockError(`the query aggregates away ${lost.join(', ')}, which the SLO is grouped by; add ${lost.join(', ')} to its by (...) clause`, q);
}

function ratioParts(read: Reader, ind: Extract<Indicator, { kind: 'ratio' }>, window: string, groupBy: string[]): { bad: string; total: string } {
  const sum = sumBy(groupBy);
  for (const q of [ind.total, ind.bad, ind.good]) if (q) keepsGroups(q, groupBy);
  const total = sum(read.ratio(ind.total, ind.counter, window));
  if (ind.bad) return { bad: sum(read.ratio(ind.bad, ind.counter, window)), total };
  const good = sum(read.ratio(ind.good!, ind.counter, window));
  // total - good can dip below zero when the two are scraped a moment apart
  return { bad: `clamp_min(${total} - (${good} or ${zeroLike(total, groupBy)}), 0)`, total };
}

/** Zero with the right labels: `vector(0)`, or `0 * total` per group (a group without errors still has a 0). */
const zeroLike = (total: string, groupBy: string[]) => (groupBy.length ? `(0 * ${total})` : 'vector(0)');

/**
 * Building blocks per budgeting method. Occurrences: bad and total events per second over 5m.
 * Timeslices: 1 for a bad slice (error ratio above 1 - timeSliceTarget, or the threshold broken), per slice.
 * RatioTimeslices: the slice's error ratio, counted only for slices with traffic.
 */
export function buildingBlocks(method: BudgetingMethod, objective: Objective, groupBy: string[] = [], opts: BlockOptions = { scrapeSeconds: 60 }): Blocks {
  const read = new Reader(opts.scrapeSeconds);
  const { warnings } = read;
  const ind = objective.indicator;
  const main = ind.kind === 'ratio' ? ind.total : ind.kind === 'raw' ? ind.raw : ind.metric;
  if (groupBy.length && (ind.kind !== 'ratio' || method === 'Timeslices'))
    throw new BlockError(`grouping by ${groupBy.join(', ')} needs a ratio SLI with Occurrences or RatioTimeslices budgeting`, main);
  const scrapeProblem = checkScrapeInterval(opts.scrapeSeconds);
  if (scrapeProblem) throw new BlockError(scrapeProblem, main);
  let sliceWindow = BLOCK_RANGE;
  if (method !== 'Occurrences') {
    const s = sliceRange(objective.timeSliceWindow?.minutes ?? BLOCK_RANGE_MINUTES, opts.scrapeSeconds, main);
    sliceWindow = s.range;
    // said only where a query really reads the widened range (a bare gauge reads none)
    if (s.warning) read.onRange(sliceWindow, s.warning);
  }
  if (ind.kind === 'threshold') {
    if (objective.op === undefined || objective.value === undefined) throw new BlockError('a threshold SLI needs op and value on its objective', ind.metric);
    const m = read.gauge(ind.metric, sliceWindow);
    const v = new Decimal(objective.value).toString();
    return { bad: orZero(`(${WORST[objective.op]}(${m}) ${INVERSE[objective.op]} bool ${v})`), total: orZero(`(count(${m}) > bool 0)`), warnings };
  }
  if (ind.kind === 'raw') {
    const r = read.gauge(ind.raw, sliceWindow);
    const errorRatio = ind.rawType === 'failure' ? `avg(${r})` : `1 - avg(${r})`;
    if (method === 'Timeslices') {
      const limit = new Decimal(1).minus(objective.timeSliceTarget ?? 1).toString();
      return { bad: orZero(`((${errorRatio}) > bool ${limit})`), total: orZero(`(count(${r}) > bool 0)`), warnings };
    }
    return { bad: orZero(`clamp(${errorRatio}, 0, 1)`), total: orZero(`(count(${r}) > bool 0)`), warnings };
  }
  if (method === 'Occurrences') {
    const p = ratioParts(read, ind, BLOCK_RANGE, groupBy);
    if (groupBy.length) return { bad: `${p.bad} or ${zeroLike(p.total, groupBy)}`, total: p.total, warnings };
    return { bad: orZero(p.bad), total: orZero(p.total), warnings };
  }
  const p = ratioParts(read, ind, sliceWindow, groupBy);
  const sliceErrorRatio = `(${p.bad}) / (${p.total} > 0)`;
  if (method === 'Timeslices') {
    const limit = new Decimal(1).minus(objective.timeSliceTarget ?? 1).toString();
    // a slice without traffic is a good slice, so the total block counts every slice and cannot tell quiet from busy
    return { bad: orZero(`(${sliceErrorRatio} > bool ${limit})`), total: 'vector(1)', noTraffic: `(${p.total} == bool 0) or on() vector(1)`, warnings };
  }
  if (groupBy.length) return { bad: `clamp(${sliceErrorRatio}, 0, 1) or ${zeroLike(p.total, groupBy)}`, total: `(${p.total} > bool 0)`, warnings };
  return { bad: orZero(`clamp(${sliceErrorRatio}, 0, 1)`), total: orZero(`(${p.total} > bool 0)`), warnings };
}
