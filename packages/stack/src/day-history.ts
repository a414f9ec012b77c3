import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mulberry32 } from './random';
import { diurnalRps } from './traffic';

/**
 * Synthetic raw history of the demo app "day": the `http_request_duration_seconds` histogram it exports
 * (method, route, status_code, le), as Prometheus would have scraped it from the stack's job "day", with a
 * day/night curve, quieter weekends, a few incidents and two restarts. The day SLOs (slo-specs/day) read
 * exactly these series: 5xx of `/api/*` for availability, the `le="0.3"` bucket of `GET /api/day` for latency.
 * Deterministic: the same seed and time range give the same samples. The generator also counts what it
 * wrote, so a test can compare the rules' period values with the exact ratio of sums.
 */

/** The app's buckets (packages/demo-app/src/metrics.ts); 0.3 is the latency SLO's threshold. */
export const DAY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 1, 2.5, 5, 10];
/** The latency SLO's bucket. */
export const DAY_LATENCY_LE = 0.3;
export const DAY_METRIC = 'http_request_duration_seconds';

/** A response kind: one route, method and status code, with its share of the route's requests and its latency. */
interface Kind {
  method: string;
  route: string;
  code: string;
  /** Share of the route's requests outside incidents. */
  share: number;
  /** Log-normal latency: median seconds and the sigma of its logarithm. */
  median: number;
  sigma: number;
}

/** Routes and their share of the traffic (as `pnpm stack load` sends: nine lookups for one history page). */
const ROUTES: { method: string; route: string; share: number }[] = [
  { method: 'GET', route: '/api/day', share: 0.9 },
  { method: 'GET', route: '/api/history', share: 0.1 },
];

/** Outside incidents: 0.02% server errors (a fifth of the 99.9% budget), 0.2-0.3% lookups slower than 300 ms. */
const KINDS: Kind[] = [
  { method: 'GET', route: '/api/day', code: '200', share: 0.9954, median: 0.012, sigma: 1.1 },
  { method: 'GET', route: '/api/day', code: '400', share: 0.0044, median: 0.001, sigma: 0.5 },
  { method: 'GET', route: '/api/day', code: '500', share: 0.0001, median: 0.003, sigma: 0.8 },
  { method: 'GET', route: '/api/day', code: '503', share: 0.0001, median: 1, sigma: 0.3 },
  { method: 'GET', route: '/api/history', code: '200', share: 0.9998, median: 0.02, sigma: 1 },
  { method: 'GET', route: '/api/history', code: '500', share: 0.0001, median: 0.003, sigma: 0.8 },
  { method: 'GET', route: '/api/history', code: '503', share: 0.0001, median: 1, sigma: 0.3 },
];

/** A stretch of trouble: server errors on some routes, or slow successful lookups. */
export interface DayIncident {
  name: string;
  /** Unix seconds. */
  start: number;
  minutes: number;
  /** `errors`: `share` of the routes' requests fail with `code`; `slow`: successful requests take `slowdown` times longer. */
  kind: 'errors' | 'slow';
  routes: string[];
  code?: '500' | '503';
  share?: number;
  slowdown?: number;
}

export interface DayHistoryOptions {
  seed: number;
  /** Unix seconds of the first and the last sample, multiples of stepSeconds. */
  start: number;
  end: number;
  stepSeconds: number;
  job: string;
  instance: string;
  /** Requests per second at the quietest and busiest moment of a weekday. */
  quietRps: number;
  busyRps: number;
  peakHourUtc: number;
  weekendFactor: number;
  incidents: DayIncident[];
  /** Unix seconds at which the app restarts (a deploy): every counter starts again from zero. */
  restarts: number[];
}

/** The stack's history: 2 to 15 requests per second, four incidents and a deploy that was rolled back, placed by day of the range. */
export function dayHistoryOptions(o: { start: number; end: number; instance: string; seed?: number; stepSeconds?: number }): DayHistoryOptions {
  const step = o.stepSeconds ?? 60;
  const start = Math.ceil(o.start / step) * step;
  const end = Math.floor(o.end / step) * step;
  const midnight = Math.floor(start / 86_400) * 86_400;
  const at = (day: number, hour: number, minute = 0) => midnight + day * 86_400 + hour * 3600 + minute * 60;
  const planned: DayIncident[] = [
    { name: 'database outage at night', start: at(8, 3, 10), minutes: 25, kind: 'errors', routes: ['/api/day', '/api/history'], code: '503', share: 0.97 },
    { name: 'bad deploy, rolled back', start: at(17, 14), minutes: 120, kind: 'errors', routes: ['/api/day'], code: '500', share: 0.05 },
    { name: 'slow queries', start: at(23, 10), minutes: 180, kind: 'slow', routes: ['/api/day'], slowdown: 6 },
    { name: 'history page bug', start: at(27, 19), minutes: 40, kind: 'errors', routes: ['/api/history'], code: '500', share: 0.3 },
  ];
  const incidents = planned.filter((i) => i.start >= start && i.start + i.minutes * 60 <= end);
  // the bad deploy and its rollback each restart the app
  const deploy = incidents.find((i) => i.name.startsWith('bad deploy'));
  const restarts = deploy ? [deploy.start, deploy.start + deploy.minutes * 60] : [];
  return { seed: o.seed ?? 20250101, start, end, stepSeconds: step, job: 'day', instance: o.instance, quietRps: 2, busyRps: 15, peakHourUtc: 14, weekendFactor: 0.6, incidents, restarts };
}

/** Exact counts of the written history, for comparison with what the rules record. */
export interface DayCounts {
  /** Requests to /api/* and those answered 5xx: the availability SLI. */
  apiTotal: number;
  apiErrors: number;
  /** GET /api/day requests and those slower than 300 ms: the latency SLI. */
  lookups: number;
  slowLookups: number;
}

export interface DayHistory {
  options: DayHistoryOptions;
  series: number;
  samples: number;
  /** Counts per step (index i: the requests between sample i and sample i + 1). */
  perStep: DayCounts[];
  /** Sums over the whole history. */
  counts: DayCounts;
  /** Sums over increments landing in (from, to], unix seconds. */
  countsBetween(from: number, to: number): DayCounts;
}

/** Standard normal CDF (Abramowitz and Stegun 7.1.26; error below 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152073) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

const lognormalCdf = (x: number, median: number, sigma: number) => normalCdf(Math.log(x / median) / sigma);

const labelText = (labels: [string, string][]) => `{${labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;

/** Generates the history and writes it as OpenMetrics for `promtool tsdb create-blocks-from openmetrics`. */
export async function writeDayHistory(o: DayHistoryOptions, file: string): Promise<DayHistory> {
  if (o.end <= o.start) throw new Error('the history must end after it starts');
  const rand = mulberry32(o.seed);
  const steps = Math.round((o.end - o.start) / o.stepSeconds);
  const les = [...DAY_BUCKETS.map(String), '+Inf'];
  const latencyIndex = DAY_BUCKETS.indexOf(DAY_LATENCY_LE);
  /** Stochastic rounding keeps the expected count while every increment stays a whole number. */
  const round = (x: number) => {
    const f = Math.floor(x);
    return f + (rand() < x - f ? 1 : 0);
  };
  const restarts = new Set(o.restarts.map((t) => Math.round((t - o.start) / o.stepSeconds)));
  // per kind, per step: cumulative bucket counts (les.length), then count and sum
  const buckets = KINDS.map(() => les.map(() => new Float64Array(steps + 1)));
  const counts = KINDS.map(() => new Float64Array(steps + 1));
  const sums = KINDS.map(() => new Float64Array(steps + 1));
  const perStep: DayCounts[] = [];
  for (let s = 1; s <= steps; s++) {
    const t = o.start + s * o.stepSeconds;
    const mid = t - o.stepSeconds / 2;
    const rps = diurnalRps(o, mid);
    const restart = restarts.has(s);
    const c: DayCounts = { apiTotal: 0, apiErrors: 0, lookups: 0, slowLookups: 0 };
    for (const r of ROUTES) {
      const requests = rps * o.stepSeconds * r.share * (0.9 + 0.2 * rand());
      const active = o.incidents.filter((i) => i.routes.includes(r.route) && mid >= i.start && mid < i.start + i.minutes * 60);
      const errors = active.filter((i) => i.kind === 'errors');
      const slowdown = Math.max(1, ...active.map((i) => (i.kind === 'slow' ? (i.slowdown ?? 1) : 1)));
      const kinds = KINDS.map((k, ki) => ({ k, ki })).filter(({ k }) => k.route === r.route && k.method === r.method);
      // an incident's failures replace the same share of every other kind
      const failShare = Math.min(
        1,
        errors.reduce((a, i) => a + (i.share ?? 0), 0),
      );
      for (const { k, ki } of kinds) {
        let share = k.share * (1 - failShare);
        for (const i of errors) if (i.code === k.code) share += i.share ?? 0;
        const n = round(requests * share);
        const median = k.code === '200' ? k.median * slowdown : k.median;
        const prev = restart ? -1 : s - 1;
        let below = 0;
        les.forEach((le, li) => {
          const f = le === '+Inf' ? 1 : lognormalCdf(Number(le), median, k.sigma);
          below = li === les.length - 1 ? n : Math.min(n, Math.max(below, round(n * f)));
          buckets[ki]![li]![s] = (prev < 0 ? 0 : buckets[ki]![li]![prev]!) + below;
          if (li === latencyIndex && k.route === '/api/day') c.slowLookups += n - below;
        });
        counts[ki]![s] = (prev < 0 ? 0 : counts[ki]![prev]!) + n;
        // the mean of a log-normal, with some noise: only dashboards read the sum
        const mean = median * Math.exp((k.sigma * k.sigma) / 2) * (0.8 + 0.4 * rand());
        sums[ki]![s] = (prev < 0 ? 0 : sums[ki]![prev]!) + n * mean;
        c.apiTotal += n;
        if (k.code.startsWith('5')) c.apiErrors += n;
        if (k.route === '/api/day') c.lookups += n;
      }
    }
    perStep.push(c);
  }

  const out = createWriteStream(file, { encoding: 'utf8' });
  const write = async (chunk: string) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write(`# HELP ${DAY_METRIC} Duration of HTTP requests by method, route template and status code\n# TYPE ${DAY_METRIC} histogram\n`);
  let series = 0;
  const writeSeries = async (name: string, labels: [string, string][], values: Float64Array, decimals: number) => {
    const head = `${name}${labelText(labels)} `;
    const lines: string[] = new Array(steps + 1);
    for (let s = 0; s <= steps; s++) lines[s] = `${head}${decimals ? values[s]!.toFixed(decimals) : values[s]!} ${o.start + s * o.stepSeconds}\n`;
    await write(lines.join(''));
    series++;
  };
  for (const [ki, k] of KINDS.entries()) {
    const base: [string, string][] = [
      ['job', o.job],
      ['instance', o.instance],
      ['method', k.method],
      ['route', k.route],
      ['status_code', k.code],
    ];
    for (const [li, le] of les.entries()) await writeSeries(`${DAY_METRIC}_bucket`, [...base, ['le', le]], buckets[ki]![li]!, 0);
    await writeSeries(`${DAY_METRIC}_sum`, base, sums[ki]!, 3);
    await writeSeries(`${DAY_METRIC}_count`, base, counts[ki]!, 0);
  }
  await write('# EOF\n');
  out.end();
  await once(out, 'finish');

  const sum = (from: number, to: number): DayCounts => {
    const c: DayCounts = { apiTotal: 0, apiErrors: 0, lookups: 0, slowLookups: 0 };
    for (let s = 1; s <= steps; s++) {
      const t = o.start + s * o.stepSeconds;
      if (t <= from || t > to) continue;
      const p = perStep[s - 1]!;
      c.apiTotal += p.apiTotal;
      c.apiErrors += p.apiErrors;
      c.lookups += p.lookups;
      c.slowLookups += p.slowLookups;
    }
    return c;
  };
  return { options: o, series, samples: series * (steps + 1), perStep, counts: sum(o.start, o.end), countsBetween: sum };
}
