import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BLOCK, RECORD } from '@slo-engine/rules';
import { planPasses, type BackfillResult, type Progress } from '@slo-engine/stack';
import type { WorkerInput, WorkerMessage } from './backfill-worker';
import { writeRawHistory } from './evalcost-data';
import { backfillOpenMetrics, inParallel, linkBlocks, NO_LEVELED_COMPACTION, Servers, settleCompaction } from './evalcost-prom';
import { benchSlos, compileOurs } from './evalcost-slos';
import type { Context, Mode, Section, SectionResult, Table, Target } from './section';

/**
 * The backfill benchmark: what `slo backfill` costs on a month of history. Raw counters for N SLOs from the
 * traffic generator go into a real Prometheus (the user's server, as far as the backfill is concerned); then
 * `backfill()` of @slo-engine/history computes every recorded series over the month, in a fresh Node process
 * whose promtool and Prometheus children are sampled from /proc for memory. Last, the blocks are loaded as a
 * user would (stop, copy, start) and the period values checked against the generator's exact counts.
 */

interface Sizes {
  slos: number;
  seriesPerSlo: number;
  days: number;
  /** Days per raw OpenMetrics file: promtool reads a file whole, and a month of 2,000 series is 6 GB of text. */
  segmentDays: number;
  /** The backfill is stopped after this many minutes and its total extrapolated from the runs that finished. */
  limitMinutes: number;
  /** Wait for Prometheus to merge overlapping blocks (it starts a minute after startup): before measuring, and after loading. */
  settle: boolean;
  /** Smaller numbers of the same SLOs backfilled first: the growth with size, and what to extrapolate from when the full size does not finish. */
  ladder: number[];
}

export const BACKFILL_SIZES: Record<Mode, Sizes> = {
  smoke: { slos: 2, seriesPerSlo: 4, days: 1, segmentDays: 1, limitMinutes: 10, settle: false, ladder: [1] },
  default: { slos: 50, seriesPerSlo: 40, days: 30, segmentDays: 10, limitMinutes: 25, settle: true, ladder: [5, 10] },
  full: { slos: 100, seriesPerSlo: 40, days: 30, segmentDays: 5, limitMinutes: 60, settle: true, ladder: [10, 25] },
};

/** Raw scrape step of the history: five samples per 5m rate window, as in the evaluation cost benchmark. */
const STEP_SECONDS = 60;
/** The history ends here (a Thursday; fixed, so that every run generates the same samples). */
const END = Date.UTC(2024, 1, 1) / 1000;
/** Raw data before the backfilled range: the first 5m rates and 10m roll-ups read it. */
const LEAD_DAYS = 1 / 48;
/** The goals the report compares with (not enforced). */
const GOAL_MINUTES = 20;
const GOAL_GIB = 2;
const GOAL_ERROR = 0.01;
const SAMPLE_MS = 250;

const KiB_PER_GiB = 2 ** 20;
const gib = (kib: number) => `${(kib / KiB_PER_GiB).toFixed(2)} GiB`;
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
const minutes = (s: number) => (s < 120 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`);
const count = (n: number) => n.toLocaleString('en-US');
const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;

/** One process as /proc shows it. */
interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  rssKiB: number;
  hwmKiB: number;
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? 0);
    return { pid, ppid, comm, rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') };
  } catch {
    return undefined; // exited between readdir and read
  }
}

export type Role = 'node' | 'promtool' | 'private prometheus' | 'source prometheus';

export interface MemoryPeaks {
  /** Largest VmHWM seen per role (one process: the largest of its kind). */
  peakKiB: Record<Role, number>;
  /** Largest sum of VmRSS over the backfill's process tree at one moment (node, promtool and Prometheus together). */
  treePeakKiB: number;
  /** Distinct processes seen per role. */
  processes: Record<Role, number>;
  samples: number;
}

/**
 * Samples the memory of this process's descendants from /proc every SAMPLE_MS: the worker and everything under
 * it, and the source Prometheus (a child of this process). VmHWM is each process's own peak, so a process is
 * measured up to its last sample before it exits; a promtool run shorter than a sampling interval may be missed.
 */
class ProcSampler {
  private timer?: NodeJS.Timeout;
  private readonly seen: Record<Role, Set<number>> = { node: new Set(), promtool: new Set(), 'private prometheus': new Set(), 'source prometheus': new Set() };
  readonly peaks: MemoryPeaks = {
    peakKiB: { node: 0, promtool: 0, 'private prometheus': 0, 'source prometheus': 0 },
    treePeakKiB: 0,
    processes: { node: 0, promtool: 0, 'private prometheus': 0, 'source prometheus': 0 },
    samples: 0,
  };

  constructor(private readonly worker: number) {}

  start(): void {
    if (!existsSync('/proc/self/status')) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  stop(): MemoryPeaks {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    for (const r of Object.keys(this.seen) as Role[]) this.peaks.processes[r] = this.seen[r].size;
    return this.peaks;
  }

  private sample(): void {
    const procs = new Map<number, Proc>();
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      const p = readProc(Number(d));
      if (p) procs.set(p.pid, p);
    }
    const under = (p: Proc, root: number) => {
      for (let q: Proc | undefined = p; q; q = procs.get(q.ppid)) if (q.pid === root) return true;
      return false;
    };
    let tree = 0;
    for (const p of procs.values()) {
      let role: Role | undefined;
      if (p.pid === this.worker) role = 'node';
      else if (under(p, this.worker)) role = p.comm === 'promtool' ? 'promtool' : p.comm === 'prometheus' ? 'private prometheus' : undefined;
      else if (p.ppid === process.pid && p.comm === 'prometheus') role = 'source prometheus';
      if (!role) continue;
      this.seen[role].add(p.pid);
      this.peaks.peakKiB[role] = Math.max(this.peaks.peakKiB[role], p.hwmKiB);
      if (role !== 'source prometheus') tree += p.rssKiB;
    }
    this.peaks.treePeakKiB = Math.max(this.peaks.treePeakKiB, tree);
    this.peaks.samples++;
  }
}

export interface PassTiming {
  pass: number;
  records: string[];
  /** Seconds from the pass's first progress report to the next pass's (or the end of its last part). */
  seconds: number | null;
  /** Parts (backfill()'s unit of progress: promtool runs) of the pass done, and in all. */
  chunksDone: number;
  chunks: number;
}

export interface WorkerRun {
  /** Whether backfill() finished within the limit. */
  finished: boolean;
  wallSeconds: number;
  result?: BackfillResult;
  compileSeconds?: number;
  /** The worker's own VmHWM at the end. */
  nodePeakKiB?: number;
  cpuSeconds?: { own: number; children: number };
  passes: PassTiming[];
  /** After the last part: gathering every pass's blocks into the output directory. */
  gatherSeconds?: number;
  last?: Progress;
  memory: MemoryPeaks;
  error?: string;
  /** The worker's open-files limit (raised for it; see OPEN_FILES). */
  openFilesLimit: number | null;
  /** Blocks written by each pass (counted as the next pass starts; the last from the result). */
  blocksPerPass: number[];
}

/** Runs backfill-worker.js with a time limit, sampling memory; on the limit, the worker is stopped (it stops its children). */
/** Open files the worker is given, where allowed: the private Prometheus opens every block of the earlier passes, and promtool 2.42 writes a block per rule and run. */
const OPEN_FILES = 1_048_576;

/** Block directories under a pass directory of the backfill's work directory (`<tmp>/slo-history-*\/pass-<n>`). */
function passBlocks(tmp: string, pass: number): number {
  let n = 0;
  for (const d of existsSync(tmp) ? readdirSync(tmp) : []) {
    const dir = path.join(tmp, d, `pass-${pass}`);
    if (d.startsWith('slo-history-') && existsSync(dir)) n += readdirSync(dir).filter((b) => /^[0-9A-Z]{26}$/.test(b)).length;
  }
  return n;
}

async function runWorker(root: string, input: WorkerInput, scratch: string, limitMs: number, log: (l: string) => void): Promise<WorkerRun> {
  // the built worker, also when this module runs from its sources (the tests)
  const worker = path.join(root, 'packages/bench/dist/backfill-worker.js');
  if (!existsSync(worker)) throw new Error('packages/bench/dist/backfill-worker.js is missing: run pnpm build first');
  const tmp = path.join(scratch, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const t0 = Date.now();
  // TMPDIR: the backfill's own work directory goes under the scratch directory, removed whatever happens
  // the open-files limit raised as far as allowed (root: to OPEN_FILES), then node in the shell's place
  const script = `ulimit -n ${OPEN_FILES} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"`;
  const child = spawn('sh', ['-c', script, process.execPath, worker, JSON.stringify(input)], { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
  const sampler = new ProcSampler(child.pid!);
  sampler.start();
  const progress: { at: number; p: Progress }[] = [];
  let done: Extract<WorkerMessage, { type: 'done' }> | undefined;
  let error: string | undefined;
  let stderr = '';
  let buffer = '';
  let lastLogged = 0;
  let openFiles: number | null | undefined;
  const blocksPerPass: number[] = [];
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-10_000)));
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    const lines = (buffer + d).split('\n');
    buffer = lines.pop()!;
    for (const line of lines) {
      if (!line.trim()) continue;
      const m = JSON.parse(line) as WorkerMessage;
      if (m.type === 'start') openFiles = m.openFilesLimit;
      else if (m.type === 'progress') {
        const prev = progress[progress.length - 1]?.p.pass;
        // a pass is done: count its blocks before the backfill removes its work directory
        if (prev !== undefined && m.progress.pass !== prev) blocksPerPass[prev - 1] = passBlocks(tmp, prev);
        progress.push({ at: m.at, p: m.progress });
        if (m.at - lastLogged > 60_000 || m.progress.done === m.progress.total) {
          lastLogged = m.at;
          log(`backfill pass ${m.progress.pass}/${m.progress.passes}: ${m.progress.done}/${m.progress.total} parts, ${minutes(m.progress.elapsedMs / 1000)}`);
        }
      } else if (m.type === 'done') done = m;
      else error = m.message;
    }
  });
  const timer = setTimeout(() => {
    log(`time limit of ${limitMs / 60_000} min reached: stopping the backfill`);
    child.kill('SIGTERM');
  }, limitMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(timer);
  const memory = sampler.stop();
  const wallSeconds = (Date.now() - t0) / 1000;
  if (!done && !error && code !== 143) error = `the worker exited (${code}): ${stderr}`;
  if (done && blocksPerPass.length) blocksPerPass.push(done.result.written.length - blocksPerPass.reduce((a, b) => a + b, 0));

  // per pass: from its first report to the next pass's first, or to the last part of the last pass
  const passes: PassTiming[] = [];
  const total = progress[0]?.p.passes ?? 0;
  const chunks = total ? progress[0]!.p.total / total : 0;
  for (let i = 1; i <= total; i++) {
    const mine = progress.filter((x) => x.p.pass === i);
    const next = progress.find((x) => x.p.pass === i + 1);
    const end = next?.at ?? (done ? progress[progress.length - 1]!.at : undefined);
    passes.push({
      pass: i,
      records: mine[0]?.p.records ?? [],
      seconds: mine.length && end !== undefined ? (end - mine[0]!.at) / 1000 : null,
      chunksDone: mine.length ? mine[mine.length - 1]!.p.done - (i - 1) * chunks : 0,
      chunks,
    });
  }
  const lastChunk = progress[progress.length - 1];
  return {
    finished: done !== undefined,
    wallSeconds,
    result: done?.result,
    compileSeconds: done ? done.compileMs / 1000 : undefined,
    nodePeakKiB: done?.peakRssKiB,
    cpuSeconds: done?.cpuSeconds,
    passes,
    gatherSeconds: done && lastChunk ? (done.at - lastChunk.at) / 1000 : undefined,
    last: lastChunk?.p,
    memory,
    error,
    openFilesLimit: openFiles ?? null,
    blocksPerPass,
  };
}

/** Loading the blocks as a user would, and what the rules then read. */
export interface LoadResult {
  blocksLoaded: number;
  readySeconds: number;
  /** Until Prometheus merged the loaded blocks (not waited for in smoke mode). */
  compactionSeconds?: number;
  blocksAfter?: number;
  /** Per SLO: the period error ratio the backfill recorded at the end, and the generator's exact one. */
  accuracy: { slo: string; exact: number; recorded: number }[];
  worstRelativeError: number;
  minCoverage: number;
}

/** The line that says what failed, without the server log that follows it (which repeats it per block). */
function shortError(e: string): string {
  const first = e.split('\n').find((l) => l.trim()) ?? e;
  const files = /too many open files/.test(e) ? ' (too many open files)' : '';
  return `${first.length > 240 ? `${first.slice(0, 240)}…` : first}${files}`;
}

/** The soft limit on open files of this process: what a process the benchmark starts would get without raising it. */
function ownOpenFilesLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** One backfill() run of the first `slos` SLOs. */
export interface SizedRun {
  slos: number;
  recordingRules: number;
  run: WorkerRun;
}

/** Seconds per pass of a run that finished; undefined otherwise. */
const passSeconds = (r: SizedRun): number[] | undefined => (r.run.finished && r.run.passes.every((p) => p.seconds !== null) ? r.run.passes.map((p) => p.seconds!) : undefined);

/**
 * Each pass's time at `n` SLOs from the two largest finished runs, as t = a × n^b per pass (b from the two runs):
 * the growth the runs show, carried on. Undefined without two finished runs.
 */
export function extrapolatePasses(runs: SizedRun[], n: number): { seconds: number[]; exponents: number[]; from: [number, number] } | undefined {
  const done = runs.filter((r) => passSeconds(r)).sort((a, b) => a.slos - b.slos);
  if (done.length < 2) return undefined;
  const [x, y] = done.slice(-2) as [SizedRun, SizedRun];
  const sx = passSeconds(x)!;
  const sy = passSeconds(y)!;
  const exponents = sy.map((t, i) => Math.log(t / sx[i]!) / Math.log(y.slos / x.slos));
  return { seconds: sy.map((t, i) => t * (n / y.slos) ** Math.max(1, exponents[i]!)), exponents, from: [x.slos, y.slos] };
}

export const backfillSection: Section = async (ctx: Context): Promise<SectionResult> => {
  const began = Date.now();
  const size = BACKFILL_SIZES[ctx.mode];
  const slos = benchSlos(size.slos, size.seriesPerSlo);
  const rulesOf = (n: number) => planPasses(compileOurs(slos.slice(0, n)).compiled).flatMap((p) => p.groups.flatMap((g) => g.rules)).length;
  const passCount = planPasses(compileOurs(slos.slice(0, 1)).compiled).length;
  const lengths = [...Array.from({ length: Math.ceil(size.days / size.segmentDays) }, (_, i) => Math.min(size.days, (i + 1) * size.segmentDays)), size.days + LEAD_DAYS];
  const from = END - size.days * 86_400;
  const dir = (...p: string[]) => path.join(ctx.scratch, ...p);
  const seconds: Record<string, number> = {};
  const step = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const r = await f();
    seconds[name] = (Date.now() - t0) / 1000;
    ctx.log(`${name}: ${minutes(seconds[name]!)}`);
    return r;
  };

  mkdirSync(dir('raw'), { recursive: true });
  const raw = await step('write raw history', () => writeRawHistory(slos, lengths, END, STEP_SECONDS, dir('raw')));
  const rawSamples = raw.segments.reduce((a, s) => a + s.samples, 0);
  const dataDir = dir('data');
  await step('raw backfill (promtool openmetrics)', async () => {
    await inParallel(
      2,
      raw.segments.map((s) => () => backfillOpenMetrics(s.file, dir('raw-blocks', String(s.days)))),
    );
    linkBlocks(
      raw.segments.map((s) => dir('raw-blocks', String(s.days))),
      dataDir,
    );
  });

  const servers = new Servers(ctx.scratch);
  const runs: SizedRun[] = [];
  let load: (LoadResult & { slos: number }) | undefined;
  try {
    // the user's server: the raw history, its overlapping blocks merged first so that no compaction runs while measured
    let source = await servers.start({ dataDir, args: NO_LEVELED_COMPACTION, readyTimeoutMs: 600_000 });
    if (size.settle) await step('merge the raw blocks (Prometheus compaction)', () => settleCompaction(source));
    // every SLO reads its own job: the first n SLOs' backfill reads only their part of the same raw history
    for (const n of [...size.ladder.filter((n) => n < size.slos), size.slos]) {
      const out = dir(`out-${n}`);
      const input: WorkerInput = { slos: n, seriesPerSlo: size.seriesPerSlo, url: source.url, from, to: END, out, now: Math.floor(Date.now() / 1000) };
      const run = await step(`backfill() of ${n} SLOs`, () => runWorker(ctx.root, input, dir(`run-${n}`), size.limitMinutes * 60_000, (l) => ctx.log(`${n} SLOs: ${l}`)));
      if (run.error) ctx.log(`backfill() of ${n} SLOs failed: ${shortError(run.error)}`);
      runs.push({ slos: n, recordingRules: rulesOf(n), run });
    }

    // loading the largest finished run's blocks, as a user does it: stop Prometheus, copy them into its data directory, start it
    const loaded = [...runs].reverse().find((r) => r.run.finished);
    if (loaded) {
      const n = loaded.slos;
      await servers.stopAll();
      const blocksLoaded = linkBlocks([dir(`out-${n}`)], dataDir);
      let t0 = Date.now();
      source = await servers.start({ dataDir, readyTimeoutMs: 1_800_000 });
      const readySeconds = (Date.now() - t0) / 1000;
      ctx.log(`Prometheus ready with the ${count(blocksLoaded)} blocks of ${n} SLOs after ${minutes(readySeconds)}`);
      t0 = Date.now();
      const settled = size.settle ? await settleCompaction(source, 10, 3600) : undefined;
      const compactionSeconds = settled ? (Date.now() - t0) / 1000 : undefined;
      if (settled) ctx.log(`compaction settled after ${minutes(compactionSeconds!)}: ${settled.blocks} blocks`);
      const ratio = new Map((await source.query(RECORD.errorRatio('30d'), END)).map((s) => [s.metric.slo_name!, s.value]));
      // the period sums roll-ups, so its value at the end reaches up to the newest roll-up (up to 10 minutes before)
      // (a subquery: an instant selector finds nothing when the newest roll-up is more than 5 minutes old)
      const lastRollup = new Map((await source.query(`max_over_time(timestamp(${BLOCK.totalRollup})[15m:30s])`, END)).map((s) => [s.metric.slo_name!, s.value]));
      const coverage = (await source.query(RECORD.periodCoverage, END)).map((s) => s.value);
      const accuracy = slos.slice(0, n).map((s, i) => {
        const e = raw.exactBetween(i, from, Math.round(lastRollup.get(s.name) ?? END));
        return { slo: s.name, exact: e.bad / e.total, recorded: ratio.get(s.name) ?? NaN };
      });
      const worst = Math.max(...accuracy.map((a) => (Number.isFinite(a.recorded) ? Math.abs(a.recorded - a.exact) / a.exact : Infinity)));
      load = {
        slos: n,
        blocksLoaded,
        readySeconds,
        compactionSeconds,
        blocksAfter: settled?.blocks,
        accuracy,
        worstRelativeError: worst,
        minCoverage: coverage.length === n ? Math.min(...coverage) : 0,
      };
    }
  } finally {
    await servers.stopAll();
  }

  const full = runs[runs.length - 1]!;
  const fullSeconds = full.run.finished ? full.run.wallSeconds : undefined;
  const model = fullSeconds === undefined ? extrapolatePasses(runs, size.slos) : undefined;
  const modelTotal = model ? model.seconds.reduce((a, b) => a + b, 0) : undefined;
  const outcome = (r: WorkerRun) => (r.finished ? 'finished' : r.error ? `failed: ${shortError(r.error)}` : `stopped at the ${size.limitMinutes}-minute limit`);
  const passCell = (r: WorkerRun, i: number) => {
    const p = r.passes[i];
    if (!p || p.chunksDone === 0) return '—';
    return p.seconds === null || p.chunksDone < p.chunks ? `${p.chunksDone} of ${p.chunks} parts` : minutes(p.seconds);
  };

  const tables: Table[] = [
    {
      title: `backfill() of the first N of ${size.slos} SLOs (× ${size.seriesPerSlo} raw series each) over ${days(size.days)}`,
      columns: [
        'SLOs',
        'recording rules',
        ...Array.from({ length: passCount }, (_, i) => `pass ${i + 1}`),
        'in all',
        'blocks written',
        'CPU (cores on average)',
        'peak memory, all processes at once',
        'outcome',
      ],
      rows: runs.map(({ slos: n, recordingRules, run }) => [
        String(n),
        count(recordingRules),
        ...Array.from({ length: passCount }, (_, i) => passCell(run, i)),
        run.finished ? minutes(run.wallSeconds) : `(${minutes(run.wallSeconds)})`,
        run.result ? count(run.result.written.length) : run.blocksPerPass.length ? `${count(run.blocksPerPass.reduce((a, b) => a + b, 0))} in passes 1–${run.blocksPerPass.length}` : '—',
        run.cpuSeconds ? `${(run.cpuSeconds.own + run.cpuSeconds.children).toFixed(0)} s (${((run.cpuSeconds.own + run.cpuSeconds.children) / run.wallSeconds).toFixed(2)})` : '—',
        mib(run.memory.treePeakKiB),
        outcome(run),
      ]),
    },
  ];
  const memoryRows = (label: string, r: SizedRun): string[][] => {
    const m = r.run.memory;
    return [
      [`${label}: node (backfill() itself)`, mib(Math.max(r.run.nodePeakKiB ?? 0, m.peakKiB.node)), '1'],
      [`${label}: promtool (the largest run)`, mib(m.peakKiB.promtool), String(m.processes.promtool)],
      [`${label}: private Prometheus (the largest)`, mib(m.peakKiB['private prometheus']), String(m.processes['private prometheus'])],
      [`${label}: all of the backfill at one moment (sum)`, mib(m.treePeakKiB), `${m.samples} samples`],
      [`${label}: the user's Prometheus (the source, for comparison)`, mib(m.peakKiB['source prometheus']), String(m.processes['source prometheus'])],
    ];
  };
  const biggestDone = [...runs].reverse().find((r) => r.run.finished);
  tables.push({
    title: 'Peak memory (resident set; VmHWM per process from /proc, sampled every 250 ms)',
    columns: ['process', 'peak', 'processes seen'],
    rows: [
      ...memoryRows(`${full.slos} SLOs${full.run.finished ? '' : ' (until it ended)'}`, full),
      ...(biggestDone && biggestDone !== full ? memoryRows(`${biggestDone.slos} SLOs`, biggestDone) : []),
    ],
  });
  if (load)
    tables.push({
      title: `Loading the blocks of ${load.slos} SLOs (stop Prometheus, copy them into its data directory, start it)`,
      columns: ['step', 'measured'],
      rows: [
        ['blocks copied in', count(load.blocksLoaded)],
        ['start until ready', minutes(load.readySeconds)],
        ['until compaction merged them', load.compactionSeconds === undefined ? 'not waited for' : `${minutes(load.compactionSeconds)} (${load.blocksAfter} blocks after)`],
        [
          `period error ratio (${RECORD.errorRatio('30d')}) at the end, worst SLO against the exact ratio of sums up to its newest roll-up`,
          `${(load.worstRelativeError * 100).toFixed(3)}% relative error`,
        ],
        [`period coverage (${RECORD.periodCoverage}) at the end, lowest SLO (${size.days} of 30 days: ${(size.days / 30).toFixed(4)})`, load.minCoverage.toFixed(4)],
      ],
    });

  const targets: Target[] = [
    {
      what: `backfill() of ${size.slos} SLOs × ${size.seriesPerSlo} series over ${days(size.days)}, wall time`,
      goal: `< ${GOAL_MINUTES} min`,
      measured:
        fullSeconds !== undefined
          ? minutes(fullSeconds)
          : `${full.run.error ? 'failed' : 'stopped'} after ${minutes(full.run.wallSeconds)}${modelTotal !== undefined ? `; about ${minutes(modelTotal)} extrapolated` : ''}`,
      met: fullSeconds !== undefined && fullSeconds < GOAL_MINUTES * 60,
    },
    {
      what: `peak memory of the backfill of ${size.slos} SLOs (node, promtool and Prometheus at one moment)${full.run.finished ? '' : ', until it ended'}`,
      goal: `< ${GOAL_GIB} GiB`,
      measured: gib(full.run.memory.treePeakKiB),
      met: full.run.memory.treePeakKiB < GOAL_GIB * KiB_PER_GiB,
    },
  ];
  if (load)
    targets.push({
      what: `period error ratio after loading the blocks (${load.slos} SLOs), worst SLO against the exact ratio of sums`,
      goal: `≤ ${GOAL_ERROR * 100}%`,
      measured: `${(load.worstRelativeError * 100).toFixed(3)}%`,
      met: load.worstRelativeError <= GOAL_ERROR,
    });

  const notes: string[] = [];
  for (const { slos: n, run } of runs) {
    if (run.error) notes.push(`backfill() of ${n} SLOs failed after ${minutes(run.wallSeconds)}: ${shortError(run.error)}.`);
    if (run.blocksPerPass.length)
      notes.push(
        `${n} SLO${n === 1 ? '' : 's'}: blocks written per pass ${run.blocksPerPass.map((b, i) => `${i + 1}: ${count(b)}`).join(', ')}${run.finished ? '' : ' (the passes that finished)'}. promtool 2.42 writes a block for each rule and each block-length window of its run, ` +
          `and before each pass the private Prometheus opens every block of the earlier passes (an open index and chunk file each), with the open-files limit of ${run.openFilesLimit === null ? 'unlimited' : count(run.openFilesLimit)}.`,
      );
  }
  if (model && modelTotal !== undefined)
    notes.push(
      `Extrapolated to ${size.slos} SLOs from the runs of ${model.from[0]} and ${model.from[1]} SLOs, each pass's time growing as it did between them (at least linearly; exponents ${model.exponents.map((e) => e.toFixed(2)).join(', ')}): ` +
        `${model.seconds.map((t, i) => `pass ${i + 1} ${minutes(t)}`).join(', ')}, about ${minutes(modelTotal)} in all, had the private Prometheus been able to open the blocks. ` +
        (full.run.passes.some((p) => p.seconds !== null && p.chunksDone === p.chunks)
          ? `Measured at ${size.slos} SLOs before it ended: ${full.run.passes
              .filter((p) => p.seconds !== null && p.chunksDone === p.chunks)
              .map((p) => `pass ${p.pass} ${minutes(p.seconds!)} (extrapolated ${minutes(model.seconds[p.pass - 1]!)})`)
              .join(', ')}.`
          : ''),
    );
  notes.push(
    `Steps: ${Object.entries(seconds)
      .map(([k, v]) => `${k} ${minutes(v)}`)
      .join('; ')}; total ${minutes((Date.now() - began) / 1000)}. The open-files limit of this benchmark's process: ${ownOpenFilesLimit() ?? 'unknown'}.`,
  );

  return {
    id: 'backfill',
    title: 'Backfill of the recorded series (slo backfill)',
    method:
      `${size.slos} generated OpenSLO SLOs (as in the evaluation cost section: 30d rolling, ratio SLIs over http_requests_total of their own job), each with ${size.seriesPerSlo} raw counter series ` +
      `from the traffic generator at a ${STEP_SECONDS}s step over ${days(size.days)} plus ${LEAD_DAYS * 1440} minutes before (the first 5m rates and 10m roll-ups read them): ${count(size.slos * size.seriesPerSlo)} series, ${count(rawSamples)} samples, ` +
      `written as OpenMetrics (${lengths.length} files) and loaded into a real Prometheus 2.42 with promtool${size.settle ? '; its overlapping blocks were merged before measuring' : ''}. That server stands for the user's. ` +
      `Then \`backfill()\` of @slo-engine/history (what \`slo backfill\` runs) over the ${days(size.days)} for the first ${[...size.ladder.filter((n) => n < size.slos), size.slos].join(', then ')} of the SLOs, each in a fresh Node process: the SLOs compiled as \`slo compile\` does, every recorded series ` +
      "computed by `promtool tsdb create-blocks-from rules` one dependency level per pass, each pass in parts (promtool runs) two at a time, passes after the first against a private Prometheus holding the earlier passes' blocks. " +
      `A run is stopped after ${size.limitMinutes} minutes. Wall time from the progress reports; CPU from /proc (the process and its waited-for children); memory by sampling /proc/<pid>/status of the node process and all its descendants every ${SAMPLE_MS} ms ` +
      '(VmHWM per process; VmRSS summed over the tree for the peak at one moment). Last, the blocks of the largest run that finished were loaded as a user does (stop Prometheus, copy them into its data directory, start it), and the ' +
      `${RECORD.errorRatio('30d')} of each of its SLOs at the end of the history compared with the generator's exact bad/total from the start of the range up to the SLO's newest roll-up ` +
      `(the period sums 10-minute roll-ups, so its value trails by up to 10 minutes). Machine: 2 cores shared by everything above.`,
    tables,
    targets,
    data: {
      sizes: size,
      rawSamples,
      passes: passCount,
      seconds,
      runs: runs.map((r) => ({ ...r, run: { ...r.run, result: r.run.result ? { ...r.run.result, written: r.run.result.written.length } : undefined } })),
      load,
      extrapolated: model ? { ...model, totalSeconds: modelTotal } : undefined,
    },
    notes,
  };
};
