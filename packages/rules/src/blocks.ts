import { Decimal } from 'decimal.js';
import type { BudgetingMethod, Indicator, Objective, Operator, Query } from '@slo-engine/openslo';
import { rewriteLeMatchers, substituteWindow, toRate } from '@slo-engine/promql';
import { BLOCK_RANGE } from './names';

/** The two building-block expressions of an objective: bad and total events (or slices) per second. */
export interface Blocks {
  bad: string;
  total: string;
  /** 1 when the SLI saw no events lately; defaults to "the total block is 0". */
  noTraffic?: string;
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

function rate(q: Query, counter: boolean, window: string): string {
  prometheusOnly(q);
  const r = toRate(rewriteLeMatchers(q.promql), { window, counter });
  if (!r.ok) throw new BlockError(r.reason, q);
  return r.promql.trim();
}

function gauge(q: Query, window: string): string {
  prometheusOnly(q);
  return substituteWindow(rewriteLeMatchers(q.promql), window).text.trim();
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
  const agg = /^\s*(?:sum|avg|min|max|count)\s*(?:(by|without)\s*\(([^)]*)\))?\s*\(/.exec(q.promql);
  if (!agg || groupBy.length === 0) return;
  const listed = (agg[2] ?? '').split(',').map((l) => l.trim());
  const lost = groupBy.filter((g) => (agg[1] === 'by' ? !listed.includes(g) : agg[1] === 'without' ? listed.includes(g) : true));
  if (lost.length) throw new BlockError(`the query aggregates away ${lost.join(', ')}, which the SLO is grouped by; add ${lost.join(', ')} to its by (...) clause`, q);
}

function ratioParts(ind: Extract<Indicator, { kind: 'ratio' }>, window: string, groupBy: string[]): { bad: string; total: string } {
  const sum = sumBy(groupBy);
  for (const q of [ind.total, ind.bad, ind.good]) if (q) keepsGroups(q, groupBy);
  const total = sum(rate(ind.total, ind.counter, window));
  if (ind.bad) return { bad: sum(rate(ind.bad, ind.counter, window)), total };
  const good = sum(rate(ind.good!, ind.counter, window));
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
export function buildingBlocks(method: BudgetingMethod, objective: Objective, groupBy: string[] = []): Blocks {
  const ind = objective.indicator;
  if (groupBy.length && (ind.kind !== 'ratio' || method === 'Timeslices'))
    throw new BlockError(`grouping by ${groupBy.join(', ')} needs a ratio SLI with Occurrences or RatioTimeslices budgeting`, ind.kind === 'ratio' ? ind.total : ind.kind === 'raw' ? ind.raw : ind.metric);
  const sliceWindow = objective.timeSliceWindow?.text ?? BLOCK_RANGE;
  if (ind.kind === 'threshold') {
    if (objective.op === undefined || objective.value === undefined) throw new BlockError('a threshold SLI needs op and value on its objective', ind.metric);
    const m = gauge(ind.metric, method === 'Occurrences' ? BLOCK_RANGE : sliceWindow);
    const v = new Decimal(objective.value).toString();
    return { bad: orZero(`(${WORST[objective.op]}(${m}) ${INVERSE[objective.op]} bool ${v})`), total: orZero(`(count(${m}) > bool 0)`) };
  }
  if (ind.kind === 'raw') {
    const r = gauge(ind.raw, method === 'Occurrences' ? BLOCK_RANGE : sliceWindow);
    const errorRatio = ind.rawType === 'failure' ? `avg(${r})` : `1 - avg(${r})`;
    if (method === 'Timeslices') {
      const limit = new Decimal(1).minus(objective.timeSliceTarget ?? 1).toString();
      return { bad: orZero(`((${errorRatio}) > bool ${limit})`), total: orZero(`(count(${r}) > bool 0)`) };
    }
    return { bad: orZero(`clamp(${errorRatio}, 0, 1)`), total: orZero(`(count(${r}) > bool 0)`) };
  }
  if (method === 'Occurrences') {
    const p = ratioParts(ind, BLOCK_RANGE, groupBy);
    if (groupBy.length) return { bad: `${p.bad} or ${zeroLike(p.total, groupBy)}`, total: p.total };
    return { bad: orZero(p.bad), total: orZero(p.total) };
  }
  const p = ratioParts(ind, sliceWindow, groupBy);
  const sliceErrorRatio = `(${p.bad}) / (${p.total} > 0)`;
  if (method === 'Timeslices') {
    const limit = new Decimal(1).minus(objective.timeSliceTarget ?? 1).toString();
    // a slice without traffic is a good slice, so the total block counts every slice and cannot tell quiet from busy
    return { bad: orZero(`(${sliceErrorRatio} > bool ${limit})`), total: 'vector(1)', noTraffic: `(${p.total} == bool 0) or on() vector(1)` };
  }
  if (groupBy.length) return { bad: `clamp(${sliceErrorRatio}, 0, 1) or ${zeroLike(p.total, groupBy)}`, total: `(${p.total} > bool 0)` };
  return { bad: orZero(`clamp(${sliceErrorRatio}, 0, 1)`), total: orZero(`(${p.total} > bool 0)`) };
}
