import type { Indicator, Objective, Query } from '@slo-engine/openslo';
import { matchesSelector, sampleLabelValue, selectors, type SelectorInfo } from '@slo-engine/promql';

/** A stretch of synthetic traffic: good and bad events per minute for some minutes. */
export interface Phase {
  minutes: number;
  good: number;
  bad: number;
}

/** How to turn a traffic profile into input series that the SLI's own queries read. */
export interface SeriesPlan {
  series(phases: Phase[]): { series: string; values: string }[];
  /** For a grouped SLO: the one group the synthetic series belong to (label → value). */
  group?: Record<string, string>;
}

/** The value synthetic series get for each label an SLO is grouped by (unless a selector fixes it). */
export const GROUP_VALUE = 'group-a';

type Counts = (p: Phase) => number;
interface Part {
  labels: Record<string, string>;
  counter: boolean;
  count: Counts;
}

const MAX_COMBINATIONS = 2000;
const NEGATE = { '=': '!=', '!=': '=', '=~': '!~', '!~': '=~' } as const;

function seriesName(labels: Record<string, string>): string {
  const { __name__: name, ...rest } = labels;
  const inner = Object.keys(rest)
    .sort()
    .map((k) => `${k}=${JSON.stringify(rest[k])}`)
    .join(', ');
  return `${name}{${inner}}`;
}

/** `0+3x59 180+5x59`: counters that grow by `count` per minute, phase after phase (promtool's expanding notation). */
function counterValues(phases: Phase[], count: Counts): string {
  let value = 0;
  const parts: string[] = [];
  phases.forEach((p, i) => {
    const inc = count(p);
    const start = i === 0 ? 0 : value + inc;
    const n = i === 0 ? p.minutes : p.minutes - 1;
    parts.push(`${fmt(start)}+${fmt(inc)}x${n}`);
    value = start + inc * n;
  });
  return parts.join(' ');
}

/** Gauges read as events per second: constant within a phase. */
function gaugeValues(phases: Phase[], count: Counts): string {
  return phases.map((p, i) => `${fmt(count(p) / 60)}+0x${i === 0 ? p.minutes : p.minutes - 1}`).join(' ');
}

// integers below 1e12 print the same either way, and toPrecision is the slow part of rendering tests
const fmt = (n: number) => (Number.isSafeInteger(n) && Math.abs(n) < 1e12 ? String(n) : String(+n.toPrecision(12)));

/** Labels satisfying every selector in `yes` and none in `no`, found among a few candidate values per label. */
export function solveLabels(yes: SelectorInfo[], no: SelectorInfo[]): Record<string, string> | undefined {
  const metric = yes[0]?.metric;
  if (!metric || yes.some((s) => s.metric !== metric)) return undefined;
  const labels = [...new Set([...yes, ...no].flatMap((s) => s.matchers.map((m) => m.label)).filter((l) => l !== '__name__'))].sort();
  const candidates = labels.map((l) => {
    const vals = new Set<string>();
    for (const s of [...yes, ...no])
      for (const m of s.matchers) {
        if (m.label !== l) continue;
        // values on both sides of each matcher: a series may need to match one selector and miss another
        for (const v of sampleLabelValue(m)) vals.add(v);
        for (const v of sampleLabelValue({ ...m, op: NEGATE[m.op] })) vals.add(v);
      }
    vals.add('x');
    return [...vals];
  });
  let tried = 0;
  const pick: string[] = [];
  const search = (i: number): Record<string, string> | undefined => {
    if (tried++ > MAX_COMBINATIONS) return undefined;
    if (i === labels.length) {
      const set: Record<string, string> = { __name__: metric };
      labels.forEach((l, k) => {
        if (pick[k] !== '') set[l] = pick[k]!;
      });
      return yes.every((s) => matchesSelector(set, s)) && !no.some((s) => matchesSelector(set, s)) ? set : undefined;
    }
    for (const v of candidates[i]!) {
      pick[i] = v;
      const r = search(i + 1);
      if (r) return r;
    }
    return undefined;
  };
  return search(0);
}

function single(q: Query): SelectorInfo | undefined {
  const s = selectors(q.promql);
  return s.length === 1 ? s[0] : undefined;
}

/** A selector read through rate()/increase() is a counter; otherwise the query reads a gauge. */
const isCounter = (s: SelectorInfo, counterFlag: boolean) => s.range !== undefined || counterFlag;

function ratioPlan(ind: Extract<Indicator, { kind: 'ratio' }>): Part[] | undefined {
  const numQ = ind.good ?? ind.bad!;
  const num = single(numQ);
  const tot = single(ind.total);
  if (!num || !tot) return undefined;
  const numCount: Counts = ind.good ? (p) => p.good : (p) => p.bad;
  const otherCount: Counts = ind.good ? (p) => p.bad : (p) => p.good;
  if (num.metric === tot.metric) {
    const both = solveLabels([num, tot], []);
    const onlyTotal = solveLabels([tot], [num]);
    if (!both || !onlyTotal) return undefined;
    return [
      { labels: both, counter: isCounter(num, ind.counter), count: numCount },
      { labels: onlyTotal, counter: isCounter(tot, ind.counter), count: otherCount },
    ];
  }
  const n = solveLabels([num], []);
  const t = solveLabels([tot], []);
  if (!n || !t) return undefined;
  return [
    { labels: n, counter: isCounter(num, ind.counter), count: numCount },
    { labels: t, counter: isCounter(tot, ind.counter), count: (p) => p.good + p.bad },
  ];
}

/** A raw ratio read from one gauge: its value is the error ratio (failure) or success ratio of each minute. */
function rawPlan(ind: Extract<Indicator, { kind: 'raw' }>): SeriesPlan | undefined {
  const sel = single(ind.raw);
  if (!sel || sel.range !== undefined) return undefined;
  const labels = solveLabels([sel], []);
  if (!labels) return undefined;
  const ratio = (p: Phase) => {
    const e = p.good + p.bad > 0 ? p.bad / (p.good + p.bad) : 0;
    return ind.rawType === 'failure' ? e : 1 - e;
  };
  return {
    series: (phases) => [{ series: seriesName(labels), values: phases.map((p, i) => `${fmt(ratio(p))}+0x${i === 0 ? p.minutes : p.minutes - 1}`).join(' ') }],
  };
}

/** A threshold metric read from one selector: comfortably on the good side of the threshold, or clearly past it while a phase has bad events. */
function thresholdPlan(ind: Extract<Indicator, { kind: 'threshold' }>, objective: Objective): SeriesPlan | undefined {
  const sel = single(ind.metric);
  if (!sel || objective.op === undefined || objective.value === undefined) return undefined;
  const labels = solveLabels([sel], []);
  if (!labels) return undefined;
  const v = Number(objective.value);
  const [low, high] = v > 0 ? [v / 2, v * 2] : [v - 1, v + 1];
  const [good, bad] = objective.op === 'lte' || objective.op === 'lt' ? [low, high] : [high, low];
  const value: Counts = (p) => (p.bad > 0 ? bad : good);
  // a range under rate()/increase() reads a counter; under max_over_time() and the like, a gauge
  if (sel.range !== undefined && /\b(?:i?rate|increase)\s*\(/.test(ind.metric.promql)) {
    if (good < 0 || bad < 0) return undefined;
    // read through rate(): grow by the wanted per-second value every minute
    return { series: (phases) => [{ series: seriesName(labels), values: counterValues(phases, (p) => value(p) * 60) }] };
  }
  return { series: (phases) => [{ series: seriesName(labels), values: gaugeValues(phases, (p) => value(p) * 60) }] };
}

/**
 * Input series for an objective's SLI, or undefined when its queries are too intricate to synthesise
 * (the generated tests then cover zero traffic only).
 */
export function planSeries(objective: Objective, groupBy: string[] = []): SeriesPlan | undefined {
  const ind = objective.indicator;
  if (ind.kind === 'raw') return groupBy.length ? undefined : rawPlan(ind);
  if (ind.kind === 'threshold') return groupBy.length ? undefined : thresholdPlan(ind, objective);
  const parts = ratioPlan(ind);
  if (!parts) return undefined;
  // every series in one group, so the expected alerts and records are one series each
  const group: Record<string, string> = {};
  for (const g of groupBy) {
    const fixed = parts.find((p) => p.labels[g] !== undefined)?.labels[g];
    group[g] = fixed ?? GROUP_VALUE;
    for (const p of parts) p.labels[g] = group[g]!;
  }
  return {
    series: (phases) =>
      parts.map((p) => ({ series: seriesName(p.labels), values: p.counter ? counterValues(phases, p.count) : gaugeValues(phases, p.count) })),
    ...(groupBy.length ? { group } : {}),
  };
}
