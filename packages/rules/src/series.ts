import type { Indicator, Objective, Operator, Query } from '@slo-engine/openslo';
import {
  durationSeconds,
  rewriteLeMatchers,
  storedBound,
  matchesLabelMatcher,
  matchesSelector,
  sampleLabelValue,
  substituteWindow,
  toAst,
  UnsupportedQuery,
  type AstNode,
  type AstSelector,
  type LabelMatcher,
  type SelectorInfo,
  q,
} from '@slo-engine/promql';

/**
 * Input series for generated tests, synthesised to fit the SLI's own queries: counters for what is read
 * through rate(), gauges (0..1 levels where that is what the SLI reads) for what is read as is or through
 * `*_over_time`, and whole histograms (cumulative `le` buckets, `_count`, `_sum`) for what reads buckets.
 * Candidate series are checked by evaluating the SLI's queries on them (a small steady-state PromQL
 * evaluator below): only series that give the intended good, bad and total events, raw ratio, or threshold
 * verdict are used, and where none do the SLI gets zero-traffic tests only.
 */

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
  /** Whether the series without events read as no traffic (counters that stop growing), so that a zero-traffic test can load them. */
  idle?: boolean;
}

/** The value synthetic series get for each label an SLO is grouped by (unless a selector fixes it). */
export const GROUP_VALUE = 'group-a';

type Labels = Record<string, string>;
type Counts = (p: Phase) => number;

const MAX_COMBINATIONS = 2000;
const NEGATE = { '=': '!=', '!=': '=', '=~': '!~', '!~': '=~' } as const;

function seriesName(labels: Labels): string {
  const { __name__: name, ...rest } = labels;
  return q.seriesText(rest, name);
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

/** Gauges: one level per phase. */
function gaugeValues(phases: Phase[], level: Counts): string {
  return phases.map((p, i) => `${fmt(level(p))}+0x${i === 0 ? p.minutes : p.minutes - 1}`).join(' ');
}

// integers below 1e12 print the same either way, and toPrecision is the slow part of rendering tests
const fmt = (n: number) => (Number.isSafeInteger(n) && Math.abs(n) < 1e12 ? String(n) : String(+n.toPrecision(12)));

const sampled = new Map<string, string[]>();
/** sampleLabelValue, remembered: the same matchers come back for every subset of selectors tried. */
function samples(m: LabelMatcher): string[] {
  const k = `${m.label}\u0000${m.op}\u0000${m.value}`;
  let out = sampled.get(k);
  if (!out) {
    if (sampled.size > 10000) sampled.clear();
    out = sampleLabelValue(m);
    sampled.set(k, out);
  }
  return out;
}

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
        for (const v of samples(m)) vals.add(v);
        for (const v of samples({ ...m, op: NEGATE[m.op] })) vals.add(v);
      }
    vals.add('x');
    // values that miss a selector the series must match can never be part of a solution
    return [...vals].filter((v) => yes.every((s) => s.matchers.every((m) => m.label !== l || matchesLabelMatcher(v, m))));
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

// ---------------------------------------------------------------------------------------------------------
// The queries of SLIs as syntax trees (read off the PromQL parser by @slo-engine/promql).

/** A query the evaluator cannot hold steady or does not know; the message says why. */
const Unsupported = UnsupportedQuery;
type Sel = AstSelector;
type Node = AstNode;

const COMPARISON = new Set(['==', '!=', '<=', '<', '>=', '>']);
const SET_OPS = new Set(['and', 'or', 'unless']);

/** Every selector of a syntax tree, and whether it is read as a counter (through rate() and the like). */
function selectorsOf(node: Node, out: { sel: Sel; counter: boolean }[] = [], counter = false): { sel: Sel; counter: boolean }[] {
  switch (node.t) {
    case 'sel':
      out.push({ sel: node.sel, counter });
      break;
    case 'range':
      selectorsOf(node.expr, out, counter);
      break;
    case 'call': {
      const reads = COUNTER_FUNCTIONS.has(node.fn);
      for (const a of node.args) selectorsOf(a, out, reads && a.t === 'range' && !a.subquery);
      break;
    }
    case 'agg':
      if (node.param) selectorsOf(node.param, out);
      selectorsOf(node.expr, out);
      break;
    case 'bin':
      selectorsOf(node.lhs, out);
      selectorsOf(node.rhs, out);
      break;
    case 'neg':
      selectorsOf(node.expr, out);
      break;
  }
  return out;
}

const KNOWN_FUNCTIONS = new Set([
  ...['rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'resets', 'changes', 'sum_over_time', 'count_over_time', 'present_over_time'],
  ...['avg_over_time', 'min_over_time', 'max_over_time', 'last_over_time', 'quantile_over_time', 'mad_over_time', 'stddev_over_time', 'stdvar_over_time'],
  ...['vector', 'scalar', 'sort', 'sort_desc', 'abs', 'ceil', 'floor', 'exp', 'sqrt', 'ln', 'log2', 'log10', 'sgn', 'clamp', 'clamp_min', 'clamp_max', 'round'],
  ...['absent', 'histogram_quantile', 'label_replace'],
]);
const CLOCK_FUNCTIONS = /^(?:time|timestamp|minute|hour|day_of_week|day_of_month|day_of_year|days_in_month|month|year)$/;
const KNOWN_AGGREGATIONS = new Set(['sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile']);

/** Why no steady input can drive the query, whatever the series: it reads the clock, or something this module does not evaluate. */
function unsupportedIn(node: Node): string | undefined {
  switch (node.t) {
    case 'call':
      if (CLOCK_FUNCTIONS.test(node.fn)) return `it reads ${node.fn}(), which moves with the clock`;
      if (!KNOWN_FUNCTIONS.has(node.fn)) return `${node.fn}() is not supported by the series synthesiser`;
      return node.args.map(unsupportedIn).find((r) => r !== undefined);
    case 'agg':
      if (!KNOWN_AGGREGATIONS.has(node.op)) return `${node.op}() is not supported by the series synthesiser`;
      return unsupportedIn(node.expr) ?? (node.param ? unsupportedIn(node.param) : undefined);
    case 'bin':
      return unsupportedIn(node.lhs) ?? unsupportedIn(node.rhs);
    case 'range':
    case 'neg':
      return unsupportedIn(node.expr);
    default:
      return undefined;
  }
}

/** The longest range (of a range selector or subquery) a query reads, in seconds; 0 without any. */
function longestRangeOf(node: Node): number {
  switch (node.t) {
    case 'range':
      return Math.max(node.seconds, longestRangeOf(node.expr));
    case 'call':
      return Math.max(0, ...node.args.map(longestRangeOf));
    case 'agg':
      return Math.max(longestRangeOf(node.expr), node.param ? longestRangeOf(node.param) : 0);
    case 'bin':
      return Math.max(longestRangeOf(node.lhs), longestRangeOf(node.rhs));
    case 'neg':
      return longestRangeOf(node.expr);
    default:
      return 0;
  }
}

/** The longest range a query reads (of a range selector or a subquery), in seconds; 0 when none. */
export function longestRange(promql: string): number {
  // string literals may hold anything; durations are read as PromQL writes them
  const text = promql.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  let longest = 0;
  for (const m of text.matchAll(/\[\s*((?:\d+(?:ms|s|m|h|d|w|y))+)\s*(?:[:\]])/g)) longest = Math.max(longest, durationSeconds(m[1]!) ?? 0);
  return longest;
}

// ---------------------------------------------------------------------------------------------------------
// Steady-state evaluation: every series holds one level (a gauge) or grows at one rate (a counter).

interface Steady {
  labels: Labels;
  counter: boolean;
  /** Per second for a counter, the level for a gauge. */
  value: number;
}

interface Sample {
  labels: Labels;
  v: number;
}
type Value = { k: 'scalar'; v: number } | { k: 'vector'; s: Sample[] } | { k: 'matrix'; s: { labels: Labels; src: Steady }[]; seconds: number; step: number } | { k: 'string'; v: string };

/** Functions reading a counter's growth over a range. */
const COUNTER_FUNCTIONS = new Set(['rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'resets', 'changes']);
const LEVEL_OVER_TIME = new Set(['avg_over_time', 'min_over_time', 'max_over_time', 'last_over_time', 'quantile_over_time', 'mad_over_time']);
const MATH: Record<string, (x: number) => number> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  sqrt: Math.sqrt,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sgn: Math.sign,
};

const dropName = ({ __name__: _, ...rest }: Labels): Labels => rest;
const key = (l: Labels) =>
  JSON.stringify(
    Object.keys(l)
      .sort()
      .map((k) => [k, l[k]]),
  );
function pick(l: Labels, names: string[]): Labels {
  const out: Labels = {};
  for (const n of names) if (l[n] !== undefined && l[n] !== '') out[n] = l[n]!;
  return out;
}
function omit(l: Labels, names: string[]): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(l)) if (!names.includes(k)) out[k] = v;
  return out;
}

/** The series a synthesis may use (their labels never change, only their values) and which selector reads which. */
interface World {
  series: { labels: Labels; counter: boolean }[];
  matches: Map<Sel, number[]>;
}

class Evaluator {
  /**
   * `values`: per series of the world, per second for a counter, the level of a gauge, undefined when absent.
   * `inclusive`: whether a range holds the sample at its start (Prometheus 2) or not (Prometheus 3); only
   * sample counts (count_over_time, sum_over_time) depend on it, and a synthesis must hold for both.
   */
  constructor(
    private readonly world: World,
    private readonly values: (number | undefined)[],
    private readonly inclusive: boolean,
  ) {}

  private samples(seconds: number, step: number): number {
    return Math.floor(seconds / step) + (this.inclusive ? 1 : 0);
  }

  eval(n: Node): Value {
    switch (n.t) {
      case 'num':
        return { k: 'scalar', v: n.v };
      case 'str':
        return { k: 'string', v: n.v };
      case 'sel': {
        const s: Sample[] = [];
        for (const w of this.select(n.sel)) {
          if (w.counter) throw new Unsupported('a counter read without rate() grows without bound');
          s.push({ labels: w.labels, v: w.value });
        }
        return { k: 'vector', s };
      }
      case 'range': {
        if (!n.subquery) return { k: 'matrix', s: this.select((n.expr as { sel: Sel }).sel).map((src) => ({ labels: src.labels, src })), seconds: n.seconds, step: 60 };
        const inner = this.vector(n.expr);
        return { k: 'matrix', s: inner.map((x) => ({ labels: x.labels, src: { labels: x.labels, counter: false, value: x.v } })), seconds: n.seconds, step: n.step ?? 60 };
      }
      case 'neg': {
        const v = this.eval(n.expr);
        if (v.k === 'scalar') return { k: 'scalar', v: -v.v };
        return { k: 'vector', s: this.vectorOf(v).map((x) => ({ labels: dropName(x.labels), v: -x.v })) };
      }
      case 'call':
        return this.call(n.fn, n.args);
      case 'agg':
        return this.aggregate(n);
      case 'bin':
        return this.binary(n);
    }
  }

  private select(sel: Sel): Steady[] {
    let matching = this.world.matches.get(sel);
    if (!matching) {
      const info: SelectorInfo = { ...(sel.metric !== undefined ? { metric: sel.metric } : {}), matchers: sel.matchers, from: 0, to: 0 };
      matching = this.world.series.flatMap((w, i) => (matchesSelector(w.labels, info) ? [i] : []));
      this.world.matches.set(sel, matching);
    }
    const out: Steady[] = [];
    for (const i of matching) {
      const value = this.values[i];
      if (value !== undefined) out.push({ ...this.world.series[i]!, value });
    }
    return out;
  }

  private vectorOf(v: Value): Sample[] {
    if (v.k !== 'vector') throw new Unsupported(`expected an instant vector, got a ${v.k}`);
    return v.s;
  }
  vector(n: Node): Sample[] {
    return this.vectorOf(this.eval(n));
  }
  private scalar(n: Node): number {
    const v = this.eval(n);
    if (v.k !== 'scalar') throw new Unsupported(`expected a number, got a ${v.k}`);
    return v.v;
  }
  private matrix(n: Node): Extract<Value, { k: 'matrix' }> {
    const v = this.eval(n);
    if (v.k !== 'matrix') throw new Unsupported(`expected a range vector, got a ${v.k}`);
    return v;
  }

  private call(fn: string, args: Node[]): Value {
    const over = (f: (src: Steady, m: Extract<Value, { k: 'matrix' }>) => number): Value => {
      const m = this.matrix(args[args.length - 1]!);
      return { k: 'vector', s: m.s.map((x) => ({ labels: dropName(x.labels), v: f(x.src, m) })) };
    };
    const level = (src: Steady) => {
      if (src.counter) throw new Unsupported(`${fn}() of a counter changes all the time`);
      return src.value;
    };
    if (fn === 'rate' || fn === 'irate' || fn === 'deriv') return over((s) => (s.counter ? s.value : 0));
    if (fn === 'increase' || fn === 'delta') return over((s, m) => (s.counter ? s.value * m.seconds : 0));
    if (fn === 'idelta') return over((s, m) => (s.counter ? s.value * m.step : 0));
    if (fn === 'resets') return over(() => 0);
    if (fn === 'changes') return over((s, m) => (s.counter && s.value !== 0 ? this.samples(m.seconds, m.step) - 1 : 0));
    // a steady level does not deviate: 0, once level() has refused a counter
    const noDeviation = (src: Steady): number => {
      level(src);
      return 0;
    };
    if (LEVEL_OVER_TIME.has(fn)) return over((s) => (fn === 'mad_over_time' ? noDeviation(s) : level(s)));
    if (fn === 'stddev_over_time' || fn === 'stdvar_over_time') return over(noDeviation);
    if (fn === 'sum_over_time') return over((s, m) => level(s) * this.samples(m.seconds, m.step));
    if (fn === 'count_over_time') return over((_, m) => this.samples(m.seconds, m.step));
    if (fn === 'present_over_time') return over(() => 1);
    if (fn === 'vector') return { k: 'vector', s: [{ labels: {}, v: this.scalar(args[0]!) }] };
    if (fn === 'scalar') {
      const s = this.vector(args[0]!);
      return { k: 'scalar', v: s.length === 1 ? s[0]!.v : NaN };
    }
    if (fn === 'sort' || fn === 'sort_desc') return { k: 'vector', s: this.vector(args[0]!) };
    const unary = MATH[fn];
    if (unary) return { k: 'vector', s: this.vector(args[0]!).map((x) => ({ labels: dropName(x.labels), v: unary(x.v) })) };
    if (fn === 'clamp' || fn === 'clamp_min' || fn === 'clamp_max') {
      const v = this.vector(args[0]!);
      const lo = fn === 'clamp_max' ? -Infinity : this.scalar(args[1]!);
      const hi = fn === 'clamp_min' ? Infinity : this.scalar(args[fn === 'clamp' ? 2 : 1]!);
      if (fn === 'clamp' && lo > hi) return { k: 'vector', s: [] };
      return { k: 'vector', s: v.map((x) => ({ labels: dropName(x.labels), v: Number.isNaN(x.v) ? NaN : Math.min(hi, Math.max(lo, x.v)) })) };
    }
    if (fn === 'round') {
      const to = args[1] ? this.scalar(args[1]) : 1;
      return { k: 'vector', s: this.vector(args[0]!).map((x) => ({ labels: dropName(x.labels), v: Math.floor(x.v / to + 0.5) * to })) };
    }
    if (fn === 'absent') {
      if (this.vector(args[0]!).length) return { k: 'vector', s: [] };
      const a = args[0]!;
      const labels = a.t === 'sel' ? Object.fromEntries(a.sel.matchers.filter((m) => m.op === '=' && m.label !== '__name__').map((m) => [m.label, m.value])) : {};
      return { k: 'vector', s: [{ labels, v: 1 }] };
    }
    if (fn === 'histogram_quantile') return { k: 'vector', s: histogramQuantile(this.scalar(args[0]!), this.vector(args[1]!)) };
    if (fn === 'label_replace') return { k: 'vector', s: this.labelReplace(args) };
    throw new Unsupported(`${fn}() is not supported by the series synthesiser`);
  }

  private labelReplace(args: Node[]): Sample[] {
    const [v, dst, repl, src, re] = [this.vector(args[0]!), ...args.slice(1).map((a) => this.eval(a))];
    if (dst?.k !== 'string' || repl?.k !== 'string' || src?.k !== 'string' || re?.k !== 'string') throw new Unsupported('label_replace() needs string arguments');
    const regex = new RegExp(`^(?:${re.v})$`, 's');
    return v.map((x) => {
      const m = regex.exec(x.labels[src.v] ?? '');
      if (!m) return x;
      const value = repl.v.replace(/\$(\d+|\{(\w+)\})/g, (_, a: string, b?: string) => (b !== undefined ? (/^\d+$/.test(b) ? m[Number(b)] : m.groups?.[b]) : m[Number(a)]) ?? '');
      const labels = { ...x.labels };
      if (value === '') delete labels[dst.v];
      else labels[dst.v] = value;
      return { labels, v: x.v };
    });
  }

  private aggregate(n: Extract<Node, { t: 'agg' }>): Value {
    const input = this.vector(n.expr);
    const groupOf = (l: Labels) => (n.by ? pick(l, n.by) : n.without ? omit(dropName(l), n.without) : {});
    const groups = new Map<string, { labels: Labels; members: Sample[] }>();
    for (const x of input) {
      const g = groupOf(x.labels);
      const k = key(g);
      if (!groups.has(k)) groups.set(k, { labels: g, members: [] });
      groups.get(k)!.members.push(x);
    }
    const out: Sample[] = [];
    const param = n.param ? this.eval(n.param) : undefined;
    for (const { labels, members } of groups.values()) {
      const vs = members.map((m) => m.v);
      const sum = vs.reduce((a, b) => a + b, 0);
      const mean = sum / vs.length;
      switch (n.op) {
        case 'sum':
          out.push({ labels, v: sum });
          break;
        case 'avg':
          out.push({ labels, v: mean });
          break;
        case 'min':
          out.push({ labels, v: Math.min(...vs) });
          break;
        case 'max':
          out.push({ labels, v: Math.max(...vs) });
          break;
        case 'count':
          out.push({ labels, v: vs.length });
          break;
        case 'group':
          out.push({ labels, v: 1 });
          break;
        case 'stdvar':
        case 'stddev': {
          const variance = vs.reduce((a, b) => a + (b - mean) ** 2, 0) / vs.length;
          out.push({ labels, v: n.op === 'stddev' ? Math.sqrt(variance) : variance });
          break;
        }
        case 'topk':
        case 'bottomk': {
          const k = param?.k === 'scalar' ? param.v : 0;
          const sorted = [...members].sort((a, b) => (n.op === 'topk' ? b.v - a.v : a.v - b.v));
          out.push(...sorted.slice(0, Math.max(0, Math.floor(k))));
          break;
        }
        case 'quantile': {
          const q = param?.k === 'scalar' ? param.v : NaN;
          const sorted = [...vs].sort((a, b) => a - b);
          const rank = q * (sorted.length - 1);
          const lo = Math.max(0, Math.floor(rank));
          const hi = Math.min(sorted.length - 1, lo + 1);
          const w = rank - Math.floor(rank);
          out.push({ labels, v: q < 0 ? -Infinity : q > 1 ? Infinity : sorted[lo]! * (1 - w) + sorted[hi]! * w });
          break;
        }
        default:
          throw new Unsupported(`${n.op}() is not supported by the series synthesiser`);
      }
    }
    return { k: 'vector', s: out };
  }

  private binary(n: Extract<Node, { t: 'bin' }>): Value {
    const l = this.eval(n.lhs);
    const r = this.eval(n.rhs);
    const cmp = COMPARISON.has(n.op);
    if (l.k === 'scalar' && r.k === 'scalar') {
      const v = arith(n.op, l.v, r.v);
      return { k: 'scalar', v: cmp ? (v ? 1 : 0) : v };
    }
    if (SET_OPS.has(n.op)) return { k: 'vector', s: this.setOp(n, this.vectorOf(l), this.vectorOf(r)) };
    if (l.k === 'scalar' || r.k === 'scalar') {
      const swap = l.k === 'scalar';
      const vec = this.vectorOf(swap ? r : l);
      const s = (swap ? l : r) as { v: number };
      const out: Sample[] = [];
      for (const x of vec) {
        const v = swap ? arith(n.op, s.v, x.v) : arith(n.op, x.v, s.v);
        if (!cmp) out.push({ labels: dropName(x.labels), v });
        else if (n.bool) out.push({ labels: dropName(x.labels), v: v ? 1 : 0 });
        else if (v) out.push(x);
      }
      return { k: 'vector', s: out };
    }
    const lv = this.vectorOf(l);
    const rv = this.vectorOf(r);
    const sig = (labels: Labels) => key(n.on ? pick(labels, n.on) : omit(dropName(labels), n.ignoring ?? []));
    const [one, many] = n.group === 'right' ? [lv, rv] : [rv, lv];
    const bySig = new Map<string, Sample>();
    for (const x of one) {
      const k = sig(x.labels);
      if (bySig.has(k)) throw new Unsupported('many-to-many matching');
      bySig.set(k, x);
    }
    const seen = new Set<string>();
    const out: Sample[] = [];
    for (const m of many) {
      const k = sig(m.labels);
      const o = bySig.get(k);
      if (!o) continue;
      if (!n.group) {
        if (seen.has(k)) throw new Unsupported('many-to-one matching without group_left');
        seen.add(k);
      }
      const [a, b] = n.group === 'right' ? [o, m] : [m, o];
      const v = arith(n.op, a.v, b.v);
      if (cmp && !n.bool && !v) continue;
      let labels = cmp && !n.bool ? m.labels : dropName(m.labels);
      if (!n.group) labels = n.on ? pick(labels, n.on) : omit(labels, n.ignoring ?? []);
      else for (const inc of n.include) labels = o.labels[inc] ? { ...labels, [inc]: o.labels[inc]! } : omit(labels, [inc]);
      out.push({ labels, v: cmp ? (n.bool ? (v ? 1 : 0) : a.v) : v });
    }
    return { k: 'vector', s: out };
  }

  private setOp(n: Extract<Node, { t: 'bin' }>, l: Sample[], r: Sample[]): Sample[] {
    const sig = (labels: Labels) => key(n.on ? pick(labels, n.on) : omit(dropName(labels), n.ignoring ?? []));
    const right = new Set(r.map((x) => sig(x.labels)));
    if (n.op === 'and') return l.filter((x) => right.has(sig(x.labels)));
    if (n.op === 'unless') return l.filter((x) => !right.has(sig(x.labels)));
    const left = new Set(l.map((x) => sig(x.labels)));
    return [...l, ...r.filter((x) => !left.has(sig(x.labels)))];
  }
}

function arith(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    case '^':
      return a ** b;
    case 'atan2':
      return Math.atan2(a, b);
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
    case '<':
      return a < b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
    case '>':
      return a > b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
  }
  throw new Unsupported(`operator ${op}`);
}

/** A bucket bound as Prometheus reads it: a float, `+Inf` included. */
function bound(le: string): number {
  const t = le.trim();
  if (/^\+?inf$/i.test(t)) return Infinity;
  if (/^-inf$/i.test(t)) return -Infinity;
  return t === '' ? NaN : Number(t);
}

/** Prometheus' histogram_quantile over classic buckets (linear interpolation within the bucket). */
function histogramQuantile(q: number, input: Sample[]): Sample[] {
  const sets = new Map<string, { labels: Labels; buckets: { le: number; count: number }[] }>();
  for (const x of input) {
    const le = x.labels.le === undefined ? NaN : bound(x.labels.le);
    if (Number.isNaN(le)) continue;
    const labels = omit(dropName(x.labels), ['le']);
    const k = key(labels);
    if (!sets.has(k)) sets.set(k, { labels, buckets: [] });
    sets.get(k)!.buckets.push({ le, count: x.v });
  }
  const out: Sample[] = [];
  for (const { labels, buckets } of sets.values()) {
    buckets.sort((a, b) => a.le - b.le);
    let max = -Infinity;
    for (const b of buckets) b.count = max = Math.max(max, b.count);
    out.push({ labels, v: bucketQuantile(q, buckets) });
  }
  return out;
}

function bucketQuantile(q: number, buckets: { le: number; count: number }[]): number {
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const last = buckets[buckets.length - 1];
  if (buckets.length < 2 || !last || last.le !== Infinity) return NaN;
  const total = last.count;
  if (total === 0) return NaN;
  let rank = q * total;
  const b = buckets.findIndex((x) => x.count >= rank);
  if (b === buckets.length - 1) return buckets[buckets.length - 2]!.le;
  if (b === 0 && buckets[0]!.le <= 0) return buckets[0]!.le;
  const start = b === 0 ? 0 : buckets[b - 1]!.le;
  const below = b === 0 ? 0 : buckets[b - 1]!.count;
  rank -= below;
  return start + (buckets[b]!.le - start) * (rank / (buckets[b]!.count - below));
}

// ---------------------------------------------------------------------------------------------------------
// Synthesis: atoms (one series, or one whole histogram) and what each of them does in a phase.

/** A histogram's observations in a phase: fast ones at or below every bound the SLI reads, slow ones above them all. */
interface Observations {
  fast: number;
  slow: number;
}

interface Histogram {
  /** Bucket bounds in ascending order (the spelling of `le`), without +Inf. */
  bounds: { le: string; value: number }[];
  fastValue: number;
  slowValue: number;
  withSum: boolean;
}

interface Atom {
  /** The series' labels, `__name__` the metric (for a histogram its base name, without `_bucket`). */
  labels: Labels;
  kind: 'counter' | 'gauge' | 'histogram';
  histogram?: Histogram;
}

/** What an atom does: counters grow by `count` per minute, gauges hold `count` as their level, histograms observe. */
interface Behaviour {
  what: string;
  count?: Counts;
  observe?: (p: Phase) => Observations;
}

/** The series of an atom: one, or a histogram's buckets (+Inf last), `_count` and maybe `_sum`; all but gauges are counters. */
function seriesOf(atom: Atom): { labels: Labels; counter: boolean }[] {
  if (atom.kind !== 'histogram') return [{ labels: atom.labels, counter: atom.kind === 'counter' }];
  const h = atom.histogram!;
  const base = atom.labels.__name__!;
  const rest = dropName(atom.labels);
  return [
    ...[...h.bounds, { le: '+Inf', value: Infinity }].map((x) => ({ labels: { ...rest, __name__: `${base}_bucket`, le: x.le }, counter: true })),
    { labels: { ...rest, __name__: `${base}_count` }, counter: true },
    ...(h.withSum ? [{ labels: { ...rest, __name__: `${base}_sum` }, counter: true }] : []),
  ];
}

/** Per series of the atom (as seriesOf lists them): a counter's growth per minute, a gauge's level, in a phase; undefined when absent. */
function countsOf(atom: Atom, b: Behaviour): Counts[] | undefined {
  if (b.what === 'absent') return undefined;
  if (atom.kind !== 'histogram') return [b.count!];
  const h = atom.histogram!;
  const o = b.observe!;
  return [
    ...[...h.bounds, { value: Infinity }].map((x) => (p: Phase) => (h.fastValue <= x.value ? o(p).fast : 0) + (h.slowValue <= x.value ? o(p).slow : 0)),
    (p: Phase) => o(p).fast + o(p).slow,
    ...(h.withSum ? [(p: Phase) => o(p).fast * h.fastValue + o(p).slow * h.slowValue] : []),
  ];
}

function render(atom: Atom, b: Behaviour, phases: Phase[]): { series: string; values: string }[] {
  const counts = countsOf(atom, b);
  if (!counts) return [];
  return seriesOf(atom).map((x, j) => ({ series: seriesName(x.labels), values: x.counter ? counterValues(phases, counts[j]!) : gaugeValues(phases, counts[j]!) }));
}

const HISTOGRAM_SUFFIX = /_(bucket|count|sum)$/;

/**
 * How synthesised bucket series spell their bound: `stored` as Prometheus 3 stores it (`le="5"` is kept as `5.0`),
 * `as-written` as the SLI spells it, which is what Prometheus 2 keeps from an exporter that writes it so.
 */
export type BoundSpelling = 'stored' | 'as-written';

export interface PlanOptions {
  groupBy?: string[];
  bounds?: BoundSpelling;
}

/** A number as a bucket bound label (`1.0`, `0.25` when stored by Prometheus 3). */
const leText = (n: number, spelling: BoundSpelling) => {
  const s = String(+n.toPrecision(12));
  return spelling === 'stored' ? (storedBound(s) ?? s) : s;
};

/**
 * The atoms that can carry the queries' selectors: per metric (or histogram), one series per combination
 * of selectors it can match and miss, the combinations matching more selectors first.
 */
function atomsFor(trees: Node[], extraBounds: number[], spelling: BoundSpelling): Atom[] | string {
  const found = trees.flatMap((t) => selectorsOf(t));
  if (found.some((f) => f.sel.metric === undefined)) return 'a selector without a metric name';
  // metrics read as histogram buckets make their _count and _sum part of one histogram
  const histograms = new Set(found.filter((f) => f.sel.metric!.endsWith('_bucket')).map((f) => f.sel.metric!.replace(/_bucket$/, '')));
  const familyOf = (metric: string) => {
    const base = metric.replace(HISTOGRAM_SUFFIX, '');
    return HISTOGRAM_SUFFIX.test(metric) && histograms.has(base) ? base : undefined;
  };
  const groups = new Map<string, { histogram: boolean; counter: Set<boolean>; sels: SelectorInfo[]; bounds: Set<string>; withSum: boolean }>();
  for (const f of found) {
    const family = familyOf(f.sel.metric!);
    const name = family ?? f.sel.metric!;
    if (!groups.has(name)) groups.set(name, { histogram: family !== undefined, counter: new Set(), sels: [], bounds: new Set(), withSum: false });
    const g = groups.get(name)!;
    g.counter.add(f.counter);
    if (family !== undefined && f.sel.metric!.endsWith('_sum')) g.withSum = true;
    const matchers = f.sel.matchers.filter((m) => m.label !== '__name__' && !(family !== undefined && m.label === 'le'));
    for (const m of f.sel.matchers) if (family !== undefined && m.label === 'le' && (m.op === '=' || m.op === '=~')) for (const v of sampleLabelValue(m).slice(0, 1)) g.bounds.add(v);
    const info: SelectorInfo = { metric: name, matchers, from: 0, to: 0 };
    if (!g.sels.some((s) => JSON.stringify(s.matchers) === JSON.stringify(matchers))) g.sels.push(info);
  }
  const atoms: Atom[] = [];
  for (const [name, g] of groups) {
    if (g.counter.size > 1) return `${name} is read both as a counter and as a gauge`;
    if (g.histogram && !g.counter.has(true)) return `histogram ${name} is not read through rate() or increase()`;
    if (g.sels.length > 5) return `${name} has more than 5 selectors`;
    let histogram: Histogram | undefined;
    if (g.histogram) {
      const bounds = new Map<number, string>();
      // by default series carry the bound as Prometheus 3 stores it, not as the SLI spells it: `le="0.30"` must still match `0.3`
      for (const b of g.bounds) if (Number.isFinite(bound(b))) bounds.set(bound(b), spelling === 'stored' ? (storedBound(b) ?? b) : b);
      for (const v of extraBounds) if (Number.isFinite(v) && !bounds.has(v)) bounds.set(v, leText(v, spelling));
      if (bounds.size === 0) bounds.set(1, '1');
      const values = [...bounds.keys()].sort((a, b) => a - b);
      const lo = values[0]!;
      const hi = values[values.length - 1]!;
      // one bound below and one above everything the SLI reads: fast observations land below, slow ones above
      const below = lo > 0 ? lo / 2 : lo - 1;
      const above = hi > 0 ? hi * 2 : hi + 1;
      if (!bounds.has(below)) bounds.set(below, leText(below, spelling));
      if (!bounds.has(above)) bounds.set(above, leText(above, spelling));
      const sorted = [...bounds.entries()].sort((a, b) => a[0] - b[0]).map(([value, le]) => ({ le, value }));
      histogram = { bounds: sorted, fastValue: below > 0 ? below / 2 : below - 1, slowValue: (hi + above) / 2, withSum: g.withSum };
    }
    const n = g.sels.length;
    const bits = (m: number) => g.sels.flatMap((_, i) => (m & (1 << i) ? [i] : []));
    const subsets = Array.from({ length: (1 << n) - 1 }, (_, i) => ({ m: i + 1, size: bits(i + 1).length }));
    subsets.sort((a, b) => b.size - a.size || a.m - b.m);
    for (const { m } of subsets) {
      const yes = bits(m).map((i) => g.sels[i]!);
      const no = g.sels.filter((_, i) => !(m & (1 << i)));
      // a selector whose every matcher one of `yes` also has matches whatever they match: no series can miss it
      const same = (x: LabelMatcher, y: LabelMatcher) => x.label === y.label && x.op === y.op && x.value === y.value;
      if (no.some((s) => s.matchers.every((x) => yes.some((y) => y.matchers.some((z) => same(x, z)))))) continue;
      const labels = solveLabels(yes, no);
      if (labels) atoms.push({ labels, kind: g.histogram ? 'histogram' : g.counter.has(true) ? 'counter' : 'gauge', ...(histogram ? { histogram } : {}) });
    }
  }
  if (atoms.length > 8) return 'its queries read too many distinct series';
  return atoms;
}

const ROLES: Record<string, Counts> = { good: (p) => p.good, bad: (p) => p.bad, total: (p) => p.good + p.bad, zero: () => 0 };
const ratioOf = (p: Phase) => (p.good + p.bad > 0 ? p.bad / (p.good + p.bad) : 0);

/** Behaviours of counters and histograms carrying events: good, bad, all or none of them. */
function eventBehaviours(atom: Atom, order: string[]): Behaviour[] {
  const absent: Behaviour = { what: 'absent' };
  if (atom.kind === 'histogram')
    return [
      { what: 'fast good, slow bad', observe: (p) => ({ fast: p.good, slow: p.bad }) },
      { what: 'fast bad, slow good', observe: (p) => ({ fast: p.bad, slow: p.good }) },
      { what: 'all fast', observe: (p) => ({ fast: p.good + p.bad, slow: 0 }) },
      { what: 'all slow', observe: (p) => ({ fast: 0, slow: p.good + p.bad }) },
      absent,
      { what: 'none', observe: () => ({ fast: 0, slow: 0 }) },
    ];
  return [...order.filter((r) => r !== 'zero').map((r) => ({ what: r, count: ROLES[r]! })), absent, { what: 'zero', count: ROLES.zero! }];
}

/** Threshold levels to try: 0..1 first (a probe succeeds or not, a target is up or not), then around the threshold. */
function levels(v: number): number[] {
  return [...new Set([1, 0, v, 2 * v, v / 2, v + 1, v - 1, 10 * v, v / 10])].filter(Number.isFinite);
}

interface Goal {
  /** The behaviours to try for each atom, best first. */
  options(atom: Atom): Behaviour[];
  /** Whether the queries' values on these series are right for this phase. */
  check(values: Sample[][], p: Phase, scale: { k?: number }): boolean;
  probes: Phase[];
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
const finite = (s: Sample[]) => s.length > 0 && s.every((x) => Number.isFinite(x.v));
const sum = (s: Sample[]) => s.reduce((a, x) => a + x.v, 0);

const EVENT_PROBES: Phase[] = [
  { minutes: 1, good: 1000, bad: 0 },
  { minutes: 1, good: 0, bad: 1000 },
  { minutes: 1, good: 971.2, bad: 28.8 },
];
const SLICE_PROBES: Phase[] = [
  { minutes: 1, good: 1000, bad: 0 },
  { minutes: 1, good: 0, bad: 1000 },
];

function ratioGoal(ind: Extract<Indicator, { kind: 'ratio' }>): Goal {
  const num: Counts = ind.good ? ROLES.good! : ROLES.bad!;
  return {
    options: (a) => {
      if (a.kind === 'gauge') {
        // gauges read as events per second
        const order = ind.good ? ['good', 'bad', 'total', 'zero'] : ['bad', 'good', 'total', 'zero'];
        return [...order.map((r) => ({ what: r, count: (p: Phase) => ROLES[r]!(p) / 60 })), { what: 'absent' } as Behaviour];
      }
      return eventBehaviours(a, ind.good ? ['good', 'bad', 'total'] : ['bad', 'good', 'total']);
    },
    // a common scale for every phase: windows spanning several phases then weigh them as the test means
    check: ([n, t], p, scale) => {
      if (!n || !t || !finite(n) || !finite(t)) return false;
      const total = sum(t);
      if (!(total > 0)) return false;
      scale.k ??= total / ((p.good + p.bad) / 60);
      return close(total, (scale.k * (p.good + p.bad)) / 60) && close(sum(n), (scale.k * num(p)) / 60);
    },
    probes: EVENT_PROBES,
  };
}

function rawGoal(ind: Extract<Indicator, { kind: 'raw' }>): Goal {
  const wanted = (p: Phase) => (ind.rawType === 'failure' ? ratioOf(p) : 1 - ratioOf(p));
  return {
    options: (a) =>
      a.kind === 'gauge' ? [{ what: 'success ratio', count: (p) => 1 - ratioOf(p) }, { what: 'error ratio', count: ratioOf }, { what: 'absent' }] : eventBehaviours(a, ['bad', 'good', 'total']),
    // the block averages the query's series
    check: ([r], p) => !!r && finite(r) && close(sum(r) / r.length, wanted(p)),
    probes: EVENT_PROBES,
  };
}

const HOLDS: Record<Operator, (x: number, v: number) => boolean> = { lte: (x, v) => x <= v, lt: (x, v) => x < v, gte: (x, v) => x >= v, gt: (x, v) => x > v };

function thresholdGoal(op: Operator, v: number): Goal {
  const pairs: [number, number][] = [];
  for (const g of levels(v)) for (const b of levels(v)) if (g !== b) pairs.push([g, b]);
  const level =
    ([g, b]: [number, number]) =>
    (p: Phase) =>
      p.bad > 0 ? b : g;
  return {
    options: (a) => {
      const absent: Behaviour = { what: 'absent' };
      if (a.kind === 'gauge') return [...pairs.map((x) => ({ what: `level ${x[0]} or ${x[1]}`, count: level(x) })), absent];
      if (a.kind === 'histogram') return eventBehaviours(a, []);
      // counters: a rate of 1/s or none, then the events of the phase, then rates around the threshold
      const perMinute = (x: [number, number]) => (p: Phase) => level(x)(p) * 60;
      return [
        { what: 'rate 1 or 0', count: perMinute([1, 0]) },
        { what: 'rate 0 or 1', count: perMinute([0, 1]) },
        ...eventBehaviours(a, ['good', 'bad', 'total']),
        ...pairs.filter(([g, b]) => g >= 0 && b >= 0).map((x) => ({ what: `rate ${x[0]} or ${x[1]}`, count: perMinute(x) })),
      ];
    },
    // the block judges the worst series
    check: ([m], p) => {
      if (!m || !finite(m)) return false;
      const worst = op === 'lte' || op === 'lt' ? Math.max(...m.map((x) => x.v)) : Math.min(...m.map((x) => x.v));
      return HOLDS[op](worst, v) === (p.bad === 0);
    },
    probes: SLICE_PROBES,
  };
}

/** The queries as the building blocks read them, in steady state (the window does not change a steady value). */
function queries(objective: Objective): Node[] {
  const ind = objective.indicator;
  // the query as the compiled rules read it: `le` matchers match every stored spelling
  const parse = (query: Query) => toAst(substituteWindow(rewriteLeMatchers(query.promql), '5m').text);
  if (ind.kind === 'raw') return [parse(ind.raw)];
  if (ind.kind === 'threshold') return [parse(ind.metric)];
  return [ind.good ?? ind.bad!, ind.total].map((query) => (ind.counter ? asRate(parse(query)) : parse(query)));
}

/** A counter query as the compiler reads it: a bare selector, or one aggregation of one, becomes a 5m rate. */
function asRate(tree: Node): Node {
  if (longestRangeOf(tree) > 0) return tree;
  const rate = (sel: Node): Node => ({ t: 'call', fn: 'rate', args: [{ t: 'range', expr: sel, seconds: 300, subquery: false }] });
  if (tree.t === 'sel') return rate(tree);
  if (tree.t === 'agg' && !tree.param && tree.expr.t === 'sel') return { ...tree, expr: rate(tree.expr) };
  throw new Unsupported('a counter query must be a rate or a bare counter selector');
}

/** Whether a query counts samples (sum_over_time, count_over_time), which Prometheus 2 and 3 do differently. */
function countsSamples(node: Node): boolean {
  switch (node.t) {
    case 'call':
      return ['sum_over_time', 'count_over_time', 'changes'].includes(node.fn) || node.args.some(countsSamples);
    case 'agg':
      return countsSamples(node.expr) || (node.param !== undefined && countsSamples(node.param));
    case 'bin':
      return countsSamples(node.lhs) || countsSamples(node.rhs);
    case 'range':
    case 'neg':
      return countsSamples(node.expr);
    default:
      return false;
  }
}

/** How many combinations of behaviours a synthesis may try before giving up. */
const MAX_CANDIDATES = 20000;

/** Input series for an objective's SLI, or why there are none (the generated tests then cover zero traffic only). */
export function synthesise(objective: Objective, groupBy: string[] = [], spelling: BoundSpelling = 'stored'): { plan: SeriesPlan } | { reason: string } {
  const ind = objective.indicator;
  if (groupBy.length && ind.kind !== 'ratio') return { reason: 'only ratio SLIs can be grouped' };
  if (ind.kind === 'threshold' && (objective.op === undefined || objective.value === undefined)) return { reason: 'the threshold has no op or value' };
  let trees: Node[];
  try {
    trees = queries(objective);
  } catch (e) {
    if (e instanceof Unsupported) return { reason: `its query cannot be read: ${e.message}` };
    throw e;
  }
  const unsupported = trees.map(unsupportedIn).find((r) => r !== undefined);
  if (unsupported) return { reason: unsupported };
  const goal = ind.kind === 'ratio' ? ratioGoal(ind) : ind.kind === 'raw' ? rawGoal(ind) : thresholdGoal(objective.op!, Number(objective.value));
  const extraBounds = ind.kind === 'threshold' ? [Number(objective.value)] : [];
  const atoms = atomsFor(trees, extraBounds, spelling);
  if (typeof atoms === 'string') return { reason: atoms };
  // every series in one group, so the expected alerts and records are one series each
  const group: Labels = {};
  for (const g of groupBy) {
    group[g] = atoms.find((a) => a.labels[g] !== undefined)?.labels[g] ?? GROUP_VALUE;
    for (const a of atoms) a.labels[g] = group[g]!;
  }
  const options = atoms.map((a) => goal.options(a));
  const choice = atoms.map(() => 0);
  const conventions = trees.some(countsSamples) ? [true, false] : [true];
  const shapes = atoms.map(seriesOf);
  const world: World = { series: shapes.flat(), matches: new Map() };
  // what each behaviour of each atom puts into the world, per probe: computed when first tried
  const cache = options.map((os) => os.map(() => [] as ((number | undefined)[] | undefined)[]));
  const valuesAt = (i: number, k: number): (number | undefined)[] => {
    const slot = cache[i]![choice[i]!]!;
    if (!slot[k]) {
      const counts = countsOf(atoms[i]!, options[i]![choice[i]!]!);
      const p = goal.probes[k]!;
      slot[k] = shapes[i]!.map((x, j) => (counts === undefined ? undefined : x.counter ? counts[j]!(p) / 60 : counts[j]!(p)));
    }
    return slot[k]!;
  };
  let why: string | undefined;
  const works = (): boolean => {
    for (const inclusive of conventions) {
      const scale: { k?: number } = {};
      for (let k = 0; k < goal.probes.length; k++) {
        const ev = new Evaluator(
          world,
          atoms.flatMap((_, i) => valuesAt(i, k)),
          inclusive,
        );
        let values: Sample[][];
        try {
          values = trees.map((t) => ev.vector(t));
        } catch (e) {
          if (!(e instanceof Unsupported)) throw e;
          why ??= e.message;
          return false;
        }
        if (!goal.check(values, goal.probes[k]!, scale)) return false;
      }
    }
    return true;
  };
  // without events, do the chosen series read as no traffic (counters that stop growing; a gauge still reports)?
  const idle = (): boolean => {
    if (ind.kind === 'threshold') return false;
    const quiet: Phase = { minutes: 1, good: 0, bad: 0 };
    const values = atoms.flatMap((a, i) => {
      const counts = countsOf(a, options[i]![choice[i]!]!);
      return shapes[i]!.map((x, j) => (counts === undefined ? undefined : x.counter ? counts[j]!(quiet) / 60 : counts[j]!(quiet)));
    });
    return conventions.every((inclusive) => {
      // the total query, or the raw ratio (0/0 of idle counters is NaN, which the building blocks drop)
      const v = new Evaluator(world, values, inclusive).vector(trees[trees.length - 1]!);
      return ind.kind === 'ratio' ? sum(v) === 0 : v.every((x) => !Number.isFinite(x.v));
    });
  };
  for (let tried = 0; tried < MAX_CANDIDATES; tried++) {
    if (works()) {
      const chosen = atoms.map((a, i) => ({ atom: a, b: options[i]![choice[i]!]! }));
      return {
        plan: {
          series: (phases) => chosen.flatMap(({ atom, b }) => render(atom, b, phases)),
          ...(groupBy.length ? { group } : {}),
          ...(idle() ? { idle: true } : {}),
        },
      };
    }
    // the next combination, the last atom's behaviour changing fastest
    let i = atoms.length - 1;
    while (i >= 0 && choice[i] === options[i]!.length - 1) choice[i--] = 0;
    if (i < 0) break;
    choice[i]!++;
  }
  return { reason: why ?? (atoms.length ? 'no input series found that its queries read as the intended traffic' : 'its queries read no series') };
}

/**
 * Input series for an objective's SLI, or undefined when none can be synthesised (the generated tests
 * then cover zero traffic only).
 */
export function planSeries(objective: Objective, options: PlanOptions = {}): SeriesPlan | undefined {
  const r = synthesise(objective, options.groupBy, options.bounds);
  return 'plan' in r ? r.plan : undefined;
}
