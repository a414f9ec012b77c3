import { mulberry32 } from './random';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * A deterministic request-traffic generator for accuracy tests: counters of requests per instance and
 * status code, with a day/night curve, incidents and counter resets. It knows the exact answer — the
 * error ratio over the whole history as a ratio of sums of counter increments — so a Prometheus
 * query over the same data can be checked against it.
 */

/** A period of raised errors on some instances. */
export interface Incident {
  name: string;
  /** Minutes after the start of the history. */
  startMinute: number;
  minutes: number;
  /** Share of the affected instances' requests that fail during the incident, 0..1. */
  errorShare: number;
  /** Affected instance indexes; all when omitted. */
  instances?: number[];
  /** The error code most of the failures get (90%); the other error codes share the rest. */
  code: string;
}

/** A counter reset: the process of one series restarts and its counter starts again from zero. */
export interface CounterReset {
  instance: number;
  code: string;
  /** The sample at this step reads only the requests since the restart. */
  atStep: number;
}

export interface TrafficOptions {
  seed: number;
  /** Unix seconds of the first sample. */
  start: number;
  days: number;
  stepSeconds: number;
  job: string;
  instances: number;
  /** Status codes with their share of the successful (non-5xx) or failed (5xx) requests. */
  codes: Record<string, number>;
  /** Requests per second of the whole job at the quietest and the busiest moment of a weekday. */
  quietRps: number;
  busyRps: number;
  /** Hour of the day (UTC) when traffic peaks; the trough is 12 hours away. */
  peakHourUtc: number;
  /** Traffic multiplier on Saturdays and Sundays. */
  weekendFactor: number;
  /** Share of failed requests outside incidents. */
  baseErrorShare: number;
  incidents: Incident[];
  resets: CounterReset[];
}

export interface TrafficSeries {
  labels: Record<string, string>;
  error: boolean;
  /** Counter value at each step (steps + 1 samples). */
  values: number[];
}

export interface Traffic {
  options: TrafficOptions;
  /** Unix seconds of the first and the last sample. */
  start: number;
  end: number;
  /** Number of intervals between samples; every series has steps + 1 samples. */
  steps: number;
  series: TrafficSeries[];
  /** Increments per step summed over all series (index i: from sample i to sample i + 1). */
  badPerStep: number[];
  totalPerStep: number[];
  bad: number;
  total: number;
  /** bad / total over the whole history: the ratio of sums. */
  exactErrorRatio: number;
  /** Requests per second of the job at each step (before rounding), for reports. */
  rpsPerStep: number[];
}

export const isErrorCode = (code: string): boolean => /^5\d\d$/.test(code);

/** Seven days of weekday/weekend diurnal traffic, 8 instances × 5 codes, incidents in quiet and busy hours. */
export function defaultTrafficOptions(start: number): TrafficOptions {
  const at = (day: number, hour: number, minute = 0) => day * 1440 + hour * 60 + minute;
  return {
    seed: 20240101,
    start,
    days: 7,
    stepSeconds: 60,
    job: 'acc',
    instances: 8,
    codes: { '200': 0.88, '201': 0.07, '404': 0.05, '500': 0.55, '503': 0.45 },
    quietRps: 25,
    busyRps: 500,
    peakHourUtc: 15,
    weekendFactor: 0.6,
    baseErrorShare: 0.002,
    incidents: [
      { name: 'night outage', startMinute: at(0, 2, 30), minutes: 150, errorShare: 0.3, code: '503' },
      { name: 'afternoon blip', startMinute: at(1, 14, 40), minutes: 15, errorShare: 0.1, code: '500' },
      { name: 'two bad nodes at night', startMinute: at(2, 2, 0), minutes: 60, errorShare: 0.5, instances: [2, 5], code: '500' },
      { name: 'midday degradation', startMinute: at(3, 11, 0), minutes: 120, errorShare: 0.025, code: '503' },
      { name: 'evening half outage', startMinute: at(4, 22, 30), minutes: 90, errorShare: 0.2, instances: [0, 1, 2, 3], code: '503' },
      { name: 'weekend night', startMinute: at(5, 3, 0), minutes: 240, errorShare: 0.12, code: '500' },
      { name: 'weekend peak spike', startMinute: at(6, 15, 0), minutes: 30, errorShare: 0.06, code: '500' },
    ],
    // in the middle of the history, during the midday degradation
    resets: [{ instance: 3, code: '500', atStep: 3.5 * 1440 }],
  };
}

/** The shape of a day's traffic: requests per second at the quietest and busiest moment, the peak hour, weekends. */
export type DiurnalCurve = Pick<TrafficOptions, 'quietRps' | 'busyRps' | 'peakHourUtc' | 'weekendFactor'>;

/** Requests per second at a moment (unix seconds): the diurnal curve, lower at weekends. */
export function diurnalRps(o: DiurnalCurve, unixSeconds: number): number {
  const hour = (unixSeconds % 86400) / 3600;
  const weekday = (Math.floor(unixSeconds / 86400) + 3) % 7; // 1970-01-01 was a Thursday; 0 = Monday
  const shape = ((1 + Math.cos((2 * Math.PI * (hour - o.peakHourUtc)) / 24)) / 2) ** 2;
  const rps = o.quietRps + (o.busyRps - o.quietRps) * shape;
  return weekday >= 5 ? rps * o.weekendFactor : rps;
}

export function generateTraffic(o: TrafficOptions): Traffic {
  const rand = mulberry32(o.seed);
  const steps = Math.round((o.days * 86400) / o.stepSeconds);
  const codes = Object.keys(o.codes).sort();
  const errorCodes = codes.filter(isErrorCode);
  const okCodes = codes.filter((c) => !isErrorCode(c));
  if (!errorCodes.length || !okCodes.length) throw new Error('need both 5xx and non-5xx codes');
  // uneven instances: weights in [0.8, 1.2), normalised
  const rawWeights = Array.from({ length: o.instances }, () => 0.8 + 0.4 * rand());
  const weightSum = rawWeights.reduce((a, b) => a + b, 0);
  const weights = rawWeights.map((w) => w / weightSum);

  const series: TrafficSeries[] = [];
  const index = new Map<string, number>();
  for (let i = 0; i < o.instances; i++)
    for (const code of codes) {
      index.set(`${i}/${code}`, series.length);
      // processes were up before the history starts: counters begin somewhere above zero
      const initial = Math.floor((isErrorCode(code) ? 50 : 50_000) * (1 + rand()));
      series.push({ labels: { job: o.job, instance: `i${i}`, code }, error: isErrorCode(code), values: [initial] });
    }
  const resets = new Map(o.resets.map((r) => [`${r.atStep}/${index.get(`${r.instance}/${r.code}`)}`, r]));
  for (const r of o.resets) if (index.get(`${r.instance}/${r.code}`) === undefined) throw new Error(`reset of an unknown series i${r.instance}/${r.code}`);

  const badPerStep: number[] = [];
  const totalPerStep: number[] = [];
  const rpsPerStep: number[] = [];
  let bad = 0;
  let total = 0;
  /** Stochastic rounding keeps the expected count while every increment stays a whole number. */
  const round = (x: number) => {
    const f = Math.floor(x);
    return f + (rand() < x - f ? 1 : 0);
  };
  for (let s = 1; s <= steps; s++) {
    const t = o.start + s * o.stepSeconds;
    const minute = ((s - 0.5) * o.stepSeconds) / 60; // the interval (s-1, s] seen from its middle
    const rps = diurnalRps(o, t - o.stepSeconds / 2);
    rpsPerStep.push(rps);
    let stepBad = 0;
    let stepTotal = 0;
    for (let i = 0; i < o.instances; i++) {
      const requests = rps * o.stepSeconds * weights[i]! * (0.9 + 0.2 * rand());
      let errorShare = o.baseErrorShare;
      let errorMix: Record<string, number> = Object.fromEntries(errorCodes.map((c) => [c, o.codes[c]!]));
      for (const inc of o.incidents) {
        if (minute < inc.startMinute || minute >= inc.startMinute + inc.minutes) continue;
        if (inc.instances && !inc.instances.includes(i)) continue;
        errorShare = Math.max(errorShare, inc.errorShare);
        errorMix = Object.fromEntries(errorCodes.map((c) => [c, c === inc.code ? 0.9 : 0.1 / Math.max(1, errorCodes.length - 1)]));
      }
      const mixSum = (codeList: string[], mix: Record<string, number>) => codeList.reduce((a, c) => a + mix[c]!, 0);
      const errSum = mixSum(errorCodes, errorMix);
      const okSum = mixSum(okCodes, o.codes);
      for (const code of codes) {
        const share = isErrorCode(code) ? (errorShare * errorMix[code]!) / errSum : ((1 - errorShare) * o.codes[code]!) / okSum;
        const inc = round(requests * share);
        const si = index.get(`${i}/${code}`)!;
        const ser = series[si]!;
        const prev = ser.values[s - 1]!;
        // a restarted process counts from zero: the sample holds only this step's requests
        ser.values.push(resets.has(`${s}/${si}`) ? inc : prev + inc);
        stepTotal += inc;
        if (ser.error) stepBad += inc;
      }
    }
    badPerStep.push(stepBad);
    totalPerStep.push(stepTotal);
    bad += stepBad;
    total += stepTotal;
  }
  for (const r of o.resets) {
    const ser = series[index.get(`${r.instance}/${r.code}`)!]!;
    if (!(ser.values[r.atStep]! < ser.values[r.atStep - 1]!)) throw new Error(`the reset of ${JSON.stringify(ser.labels)} at step ${r.atStep} does not lower the counter`);
  }
  return { options: o, start: o.start, end: o.start + steps * o.stepSeconds, steps, series, badPerStep, totalPerStep, bad, total, exactErrorRatio: bad / total, rpsPerStep };
}

/**
 * The average of error ratios over sliding windows of `windowSteps` steps, one per step: what a
 * period SLI computed as an average of short-window ratios (Sloth's) converges to. Windows without
 * traffic are skipped.
 */
export function averageOfWindowRatios(t: Traffic, windowSteps: number): number {
  let sum = 0;
  let n = 0;
  let b = 0;
  let tot = 0;
  for (let s = 0; s < t.steps; s++) {
    b += t.badPerStep[s]!;
    tot += t.totalPerStep[s]!;
    if (s >= windowSteps) {
      b -= t.badPerStep[s - windowSteps]!;
      tot -= t.totalPerStep[s - windowSteps]!;
    }
    if (s >= windowSteps - 1 && tot > 0) {
      sum += b / tot;
      n++;
    }
  }
  return sum / n;
}

const labelText = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;

/**
 * Writes the traffic as OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`: one
 * counter family, each series' samples together and in timestamp order, timestamps in seconds.
 */
export async function writeOpenMetrics(t: Traffic, file: string, family = 'http_requests'): Promise<void> {
  const out = createWriteStream(file, { encoding: 'utf8' });
  const write = async (chunk: string) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write(`# HELP ${family} Requests by instance and status code.\n# TYPE ${family} counter\n`);
  for (const ser of t.series) {
    const head = `${family}_total${labelText(ser.labels)} `;
    const lines: string[] = [];
    for (const [i, v] of ser.values.entries()) lines.push(`${head}${v} ${t.start + i * t.options.stepSeconds}\n`);
    await write(lines.join(''));
  }
  await write('# EOF\n');
  out.end();
  await once(out, 'finish');
}

export { mulberry32 };
