import type { Objective } from '@slo-engine/openslo';
import { planSeries, type Phase } from '@slo-engine/rules';

/**
 * Synthetic traffic as promtool input series. Both rule sets read the same raw metrics, so one set of input
 * series drives Sloth's rules and ours alike. Phases follow planSeries' timeline: phase 0 owns samples 0..p0,
 * phase k the p_k samples after the previous phase (the scenario's sample interval apart; events are per sample).
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
   * Extra samples a window may need to see a steady error ratio, beyond the burn-rate arithmetic: the time to
   * accrue two bad events where events are whole clients (0 for counters, which move smoothly).
   */
  granularitySamples(errorRatio: number): number;
}

const fmt = (n: number) => String(+n.toPrecision(12));

/** The error ratio of each sample 0..end of the phases. */
function ratioPerSample(phases: Phase[]): number[] {
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

/**
 * The engine's own series planner: counters whose labels the SLI's selectors were solved for. Bucket bounds are
 * spelled as the SLI writes them, as Prometheus 2 (which promtool here is) keeps them from an exporter that writes
 * them so: Sloth's `le="5"` matches only that spelling, so Prometheus 3's `5.0` would compare a rule set that reads
 * nothing. Our rules' reading of either spelling is shown by the generated tests and the real-world suite.
 */
export function plannedTraffic(objective: Objective): Traffic | undefined {
  const plan = planSeries(objective, { bounds: 'as-written' });
  return plan && { how: 'planSeries counters', series: (phases) => plan.series(phases), granularitySamples: () => 0 };
}

/**
 * Most clients. promtool refuses queries that load more than 10,000 samples, and Sloth's `count(x < 0.75)[3d:]` subquery
 * holds every client, and the bad ones again, at each of its steps: 865 at 5m, up to ~480 in the 1m scenarios. Enough
 * that a 6h window at 5m (72 samples) holds a bad client at a 0.2% error ratio.
 */
const MAX_CLIENTS = 8;

/** The fewest clients (2..MAX_CLIENTS) that realise every ratio exactly at every sample, if any. */
function exactClients(ratios: number[]): number | undefined {
  for (let k = 2; k <= MAX_CLIENTS; k++) if (ratios.every((r) => Math.abs(r * k - Math.round(r * k)) < 1e-9)) return k;
  return undefined;
}

/**
 * home-wifi: an event is a Wi-Fi client, counted at every step of `count(unifipoller_client_satisfaction_ratio ...)`
 * subqueries; a client below the SLO's satisfaction threshold is an error. Gauge series, one per client: the fewest
 * clients that give each phase's error ratio exactly at every sample (25% → 4 clients, one bad), or else
 * MAX_CLIENTS clients of which the number bad at each sample spreads the bad share evenly over time (cumulative,
 * rounded down), so a window holds at most one bad client-sample more than its exact share, and never more than
 * its share when counted from the start.
 */
export function clientTraffic(bad = 0.3, good = 0.9): Traffic {
  return {
    how: `Wi-Fi clients (satisfaction ${bad} when bad, ${good} when good)`,
    series(phases) {
      const ratios = ratioPerSample(phases);
      const clients = exactClients([...new Set(ratios)]) ?? MAX_CLIENTS;
      let cum = 0;
      let done = 0;
      const badClients = ratios.map((r) => {
        cum += r * clients;
        const now = Math.floor(cum + 1e-9) - done;
        done += now;
        return now;
      });
      return Array.from({ length: clients }, (_, i) => ({
        series: `unifipoller_client_satisfaction_ratio{mac="client-${String(i).padStart(2, '0')}"}`,
        values: gauge(badClients.map((n) => (i < n ? bad : good))),
      }));
    },
    granularitySamples: (r) => (r <= 0 || exactClients([r]) ? 0 : 2 / (MAX_CLIENTS * r)),
  };
}
