import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import * as path from 'node:path';
import { generateTraffic } from '@slo-engine/stack';
import type { BenchSlo } from './evalcost-slos';

/**
 * The raw history: every SLO's counters from the traffic generator over the longest history, written as
 * OpenMetrics split by time into one file per history segment, so that the history of each length is
 * the union of the newest segments (the same data, only cut shorter) and no block has to be written twice.
 */

export interface RawHistory {
  /** Unix seconds of the last sample; every history length ends here. */
  end: number;
  stepSeconds: number;
  /** Newest first: segment i holds samples with end - days[i] × 86400 <= t < end - days[i-1] × 86400 (the newest includes end). */
  segments: { days: number; from: number; to: number; file: string; samples: number }[];
  /** Exact bad and total request counts per SLO (in the SLOs' order) over the last `days` of history, per history length. */
  exact: Map<number, { bad: number; total: number }[]>;
  /** Every raw series' newest sample and its last increment per step: the tail continues from here. */
  last: { labels: Record<string, string>; time: number; value: number; perStep: number }[];
  /** Exact bad and total request counts per SLO (in the SLOs' order) of the increments landing in (from, to], unix seconds. */
  exactBetween(slo: number, from: number, to: number): { bad: number; total: number };
}

const labelText = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;

/** `lengths`: history lengths in days, ascending. */
export async function writeRawHistory(slos: BenchSlo[], lengths: number[], end: number, stepSeconds: number, dir: string): Promise<RawHistory> {
  const longest = lengths[lengths.length - 1]!;
  const start = end - longest * 86400;
  const segments = lengths.map((days, i) => ({
    days,
    from: end - days * 86400,
    to: i === 0 ? end + 1 : end - lengths[i - 1]! * 86400,
    file: path.join(dir, `raw-${days}d.om`),
    samples: 0,
  }));
  const outs = segments.map((s) => createWriteStream(s.file, { encoding: 'utf8' }));
  const write = async (out: WriteStream, chunk: string) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  // one counter family per file: OpenMetrics wants a family's series together, each series' samples in time order
  for (const out of outs) await write(out, '# HELP http_requests Requests by instance and status code.\n# TYPE http_requests counter\n');
  const exact = new Map<number, { bad: number; total: number }[]>(lengths.map((d) => [d, []]));
  const last: RawHistory['last'] = [];
  const perStep: { bad: number[]; total: number[] }[] = [];
  for (const slo of slos) {
    const t = generateTraffic(slo.traffic(start, longest, stepSeconds));
    perStep.push({ bad: t.badPerStep, total: t.totalPerStep });
    // increment i lands at start + (i + 1) × step; the last `days` hold those after end - days
    for (const days of lengths) {
      const first = Math.round(((longest - days) * 86400) / stepSeconds);
      let bad = 0;
      let total = 0;
      for (let i = first; i < t.steps; i++) {
        bad += t.badPerStep[i]!;
        total += t.totalPerStep[i]!;
      }
      exact.get(days)!.push({ bad, total });
    }
    for (const ser of t.series) {
      const n = ser.values.length;
      last.push({ labels: ser.labels, time: end, value: ser.values[n - 1]!, perStep: Math.max(0, ser.values[n - 1]! - ser.values[n - 2]!) });
      const head = `http_requests_total${labelText(ser.labels)} `;
      for (const [si, seg] of segments.entries()) {
        const lines: string[] = [];
        const i0 = Math.max(0, Math.ceil((seg.from - start) / stepSeconds));
        for (let i = i0; i < ser.values.length; i++) {
          const ts = start + i * stepSeconds;
          if (ts >= seg.to) break;
          lines.push(`${head}${ser.values[i]!} ${ts}\n`);
        }
        seg.samples += lines.length;
        await write(outs[si]!, lines.join(''));
      }
    }
  }
  for (const out of outs) {
    await write(out, '# EOF\n');
    out.end();
    await once(out, 'finish');
  }
  const exactBetween = (i: number, from: number, to: number) => {
    const p = perStep[i]!;
    let bad = 0;
    let total = 0;
    // increment k lands at start + (k + 1) × step
    for (let k = Math.max(0, Math.floor((from - start) / stepSeconds)); k < p.total.length; k++) {
      const at = start + (k + 1) * stepSeconds;
      if (at <= from) continue;
      if (at > to) break;
      bad += p.bad[k]!;
      total += p.total[k]!;
    }
    return { bad, total };
  };
  return { end, stepSeconds, segments, exact, last, exactBetween };
}

async function writeLines(file: string, chunks: Iterable<string>): Promise<void> {
  const out = createWriteStream(file, { encoding: 'utf8' });
  for (const c of chunks) if (!out.write(c)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

/** Every raw series' newest sample and its last increment per step. */
export type SeriesState = RawHistory['last'];

/**
 * The raw series from the end of the history up to `until` (the minutes the backfills took), so that the
 * measured rules read data up to about now: the same traffic shape without incidents, counters continuing
 * from their values at the end of the history (the same tail, however often it is written). Returns the
 * samples written (0 when less than a step has passed) and the series' state at the tail's end.
 */
export async function writeRawTail(slos: BenchSlo[], h: RawHistory, until: number, file: string): Promise<{ samples: number; last: SeriesState }> {
  const steps = Math.floor((until - h.end) / h.stepSeconds);
  if (steps < 1) return { samples: 0, last: h.last };
  const lines: string[] = ['# HELP http_requests Requests by instance and status code.\n# TYPE http_requests counter\n'];
  const last: SeriesState = [];
  let samples = 0;
  for (const slo of slos) {
    const o = slo.traffic(h.end, (steps * h.stepSeconds) / 86400, h.stepSeconds);
    const t = generateTraffic({ ...o, seed: o.seed + 1, incidents: [], resets: [] });
    for (const ser of t.series) {
      const l = h.last[last.length]!;
      const head = `http_requests_total${labelText(ser.labels)} `;
      const base = l.value - ser.values[0]!;
      const chunk: string[] = [];
      for (let i = 1; i < ser.values.length; i++) chunk.push(`${head}${base + ser.values[i]!} ${h.end + i * h.stepSeconds}\n`);
      lines.push(chunk.join(''));
      samples += chunk.length;
      const n = ser.values.length;
      last.push({ labels: l.labels, time: h.end + (n - 1) * h.stepSeconds, value: base + ser.values[n - 1]!, perStep: Math.max(0, ser.values[n - 1]! - ser.values[n - 2]!) });
    }
  }
  lines.push('# EOF\n');
  await writeLines(file, lines);
  return { samples, last };
}

/**
 * The raw series live, for Prometheus to scrape while it is measured: each counter keeps growing at its
 * last rate, so that windows ending now read as much raw data as they would in production.
 */
export class LiveExporter {
  private server?: Server;
  /** Where the counters continue from: the newest backfilled sample of each series. */
  state: SeriesState = [];

  constructor(private readonly stepSeconds: number) {}

  /** Listens on 127.0.0.1 at a free port; returns it. */
  async start(): Promise<number> {
    const server = createServer((_req, res) => {
      const now = Date.now() / 1000;
      const body = this.state.map((l) => `http_requests_total${labelText(l.labels)} ${l.value + Math.floor((l.perStep * Math.max(0, now - l.time)) / this.stepSeconds)}\n`).join('');
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(`# TYPE http_requests_total counter\n${body}`);
    });
    this.server = server;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const a = server.address();
    if (!a || typeof a === 'string') throw new Error('the live exporter has no port');
    return a.port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    s.close();
    await once(s, 'close').catch(() => undefined);
  }
}
