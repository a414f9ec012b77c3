import type { Objective } from '@slo-engine/openslo';
import { planSeries, type Phase } from '@slo-engine/rules';

/**
 * Synthetic traffic as promtool input series. Both rule sets read the same raw metrics, so one set of input
 * series drives Sloth's rules and ours alike. Phases follow planSeries' timeline: phase 0 owns minutes 0..p0,
 * phase k the p_k minutes after the previous phase.
 */

export interface InputSeries {
  series: string;
  values: string;
}

export interface Traffic {
  /** How the series are made, for test names and failure messages. */
  how: string;
  series(phases: Phase[]): InputSeries[];
  /**
   * Extra minutes a window may need to see a steady error ratio, beyond the burn-rate arithmetic: the time to
   * accrue two bad events where events are whole clients (0 for counters, which move smoothly).
   */
  granularityMinutes(errorRatio: number): number;
}

const fmt = (n: number) => String(+n.toPrecision(12));

/** The error ratio of each minute 0..end of the phases. */
function ratioPerMinute(phases: Phase[]): number[] {
  const out: number[] = [];
  phases.forEach((p, i) => {
    const r = p.good + p.bad > 0 ? p.bad / (p.good + p.bad) : 0;
    for (let k = 0; k < (i === 0 ? p.minutes + 1 : p.minutes); k++) out.push(r);
  });
  return out;
}

/** Run-length encoded gauge samples in promtool's expanding notation: `0.9+0x41 0.3 0.9+0x3`. */
function gauge(values: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[i]) j++;
    parts.push(j === i ? fmt(values[i]!) : `${fmt(values[i]!)}+0x${j - i}`);
    i = j + 1;
  }
  return parts.join(' ');
}

/** Counters growing by `count(phase)` per minute (the same notation as planSeries). */
function counter(phases: Phase[], count: (p: Phase) => number): string {
  let value = 0;
  return phases
    .map((p, i) => {
      const inc = count(p);
      const start = i === 0 ? 0 : value + inc;
      const n = i === 0 ? p.minutes : p.minutes - 1;
      value = start + inc * n;
      return `${fmt(start)}+${fmt(inc)}x${n}`;
    })
    .join(' ');
}

/** The engine's own series planner: counters whose labels the SLI's selectors were solved for. */
export function plannedTraffic(objective: Objective): Traffic | undefined {
  const plan = planSeries(objective);
  return plan && { how: 'planSeries counters', series: (phases) => plan.series(phases), granularityMinutes: () => 0 };
}

/**
 * home-wifi: an event is a Wi-Fi client, counted once per minute by `count(unifipoller_client_satisfaction_ratio ...)`
 * subqueries; a client below the SLO's satisfaction threshold is an error. `clients` gauge series, of which the
 * number below the threshold each minute spreads the bad share evenly over time (cumulative, rounded down), so any
 * window holds at most one bad client-minute more than the exact share and never exceeds it from the start.
 * promtool loads at most 10,000 samples per query and Sloth's `[3d:]` subquery reads every client for 4,320 minutes,
 * so two clients is the most it allows.
 */
export function clientTraffic(clients = 2, bad = 0.3, good = 0.9): Traffic {
  const names = Array.from({ length: clients }, (_, i) => `unifipoller_client_satisfaction_ratio{mac="client-${i}"}`);
  return {
    how: `${clients} Wi-Fi clients (satisfaction ${bad} when bad, ${good} when good)`,
    series(phases) {
      const ratios = ratioPerMinute(phases);
      let cum = 0;
      let done = 0;
      const badClients = ratios.map((r) => {
        cum += r * clients;
        const now = Math.floor(cum + 1e-9) - done;
        done += now;
        return now;
      });
      return names.map((series, i) => ({ series, values: gauge(badClients.map((n) => (i < n ? bad : good))) }));
    },
    granularityMinutes: (r) => (r > 0 ? 2 / (clients * r) : 0),
  };
}

/** raw-home-wifi: the error ratio is 1 - the average satisfaction; one client whose satisfaction is 1 - the error ratio. */
export function satisfactionTraffic(): Traffic {
  return {
    how: 'one Wi-Fi client whose satisfaction is 1 - the error ratio',
    series: (phases) => [{ series: 'unifipoller_client_satisfaction_ratio{mac="client-0"}', values: gauge(ratioPerMinute(phases).map((r) => 1 - r)) }],
    granularityMinutes: () => 0,
  };
}

/**
 * kubernetes-apiserver requests-latency: errors are `_count - _bucket{le="0.4"}` (requests slower than 400ms).
 * planSeries does not solve a difference of two metrics, so: all requests in `_count`, the fast (good) ones in the 0.4 bucket.
 */
export function latencyTraffic(le = '0.4'): Traffic {
  return {
    how: `apiserver request duration counters (good requests in the le="${le}" bucket)`,
    series: (phases) => [
      { series: 'apiserver_request_duration_seconds_count{verb="GET"}', values: counter(phases, (p) => p.good + p.bad) },
      { series: `apiserver_request_duration_seconds_bucket{le="${le}",verb="GET"}`, values: counter(phases, (p) => p.good) },
    ],
    granularityMinutes: () => 0,
  };
}
