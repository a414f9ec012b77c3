import { readFileSync } from 'node:fs';
import { backfill, type BackfillResult, type Progress } from '@slo-engine/stack';
import { benchSlos, compileOurs } from './evalcost-slos';

/**
 * One `backfill()` run in a fresh Node process for the backfill benchmark (backfill.ts), so that this process's
 * peak memory is the backfill's alone, and the promtool and Prometheus processes it starts are its children
 * (the benchmark samples them from /proc). Compiles the benchmark's SLOs as `slo backfill` would, then writes
 * one JSON object a line to standard output: progress as it goes, then the result.
 */

export interface WorkerInput {
  slos: number;
  seriesPerSlo: number;
  url: string;
  from: number;
  to: number;
  out: string;
  /** Unix seconds: the retention check's "now". */
  now: number;
}

export type WorkerMessage =
  | { type: 'start'; at: number; openFilesLimit: number | null }
  | { type: 'progress'; at: number; progress: Progress }
  | { type: 'done'; at: number; result: BackfillResult; compileMs: number; backfillMs: number; peakRssKiB: number; cpuSeconds: { own: number; children: number } }
  | { type: 'error'; message: string };

const send = (m: WorkerMessage) => process.stdout.write(`${JSON.stringify(m)}\n`);

/** USER_HZ: the unit of /proc's CPU times (100 on Linux). */
const TICKS = 100;

/** This process's CPU seconds, and its waited-for children's (every promtool and Prometheus it ran, once they exited). */
function cpuSeconds(): { own: number; children: number } {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { own: (Number(f[11]) + Number(f[12])) / TICKS, children: (Number(f[13]) + Number(f[14])) / TICKS };
}

/** The soft limit on open files this process (and every process it starts) has; null when unlimited or unknown. */
function openFilesLimit(): number | null {
  const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m ? Number(m[1]) : null;
}

/** This process's own peak resident set, KiB (VmHWM: unlike getrusage's maxRSS, not inherited at spawn). */
function peakRssKiB(): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : process.resourceUsage().maxRSS;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2]!) as WorkerInput;
  // killed by the benchmark's time limit: exit, so that the 'exit' handlers stop promtool and Prometheus
  process.once('SIGTERM', () => process.exit(143));
  send({ type: 'start', at: Date.now(), openFilesLimit: openFilesLimit() });
  const t0 = Date.now();
  const { compiled } = compileOurs(benchSlos(input.slos, input.seriesPerSlo));
  const compileMs = Date.now() - t0;
  const t1 = Date.now();
  const result = await backfill({
    compiled,
    url: input.url,
    range: { from: input.from, to: input.to },
    out: input.out,
    now: input.now,
    onProgress: (progress) => send({ type: 'progress', at: Date.now(), progress }),
  });
  send({ type: 'done', at: Date.now(), result, compileMs, backfillMs: Date.now() - t1, peakRssKiB: peakRssKiB(), cpuSeconds: cpuSeconds() });
}

main().catch((e: unknown) => {
  send({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  process.exitCode = 1;
});
