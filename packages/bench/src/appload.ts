import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import autocannon from 'autocannon';
import { freePort, mulberry32, PostgresCluster, waitForHttp } from '@slo-engine/stack';
import type { Context, Mode, Section, SectionResult, Table } from './section';

/**
 * Section 5, the demo app under load: `GET /api/day` against the real PostgreSQL, from autocannon on
 * the same machine, with the built app's instrumentation on and off (METRICS_ENABLED). The cost of
 * the instrumentation is the throughput ratio between the two.
 */

export type Variant = 'on' | 'off';

/** Enough concurrency to keep the app busy while the pool (10) and PostgreSQL are the bottleneck. */
export const CONNECTIONS = 32;
/** The app's default DB_POOL_MAX, stated explicitly so the report says what was measured. */
export const POOL_MAX = 10;
/** A common Prometheus scrape interval; the stack's 5 s is for demos. */
export const SCRAPE_INTERVAL_SECONDS = 15;
/** The same request sequence in every run, so both variants see the same dates. */
const SEED = 20_240_229;

interface Plan {
  runSeconds: number;
  warmupSeconds: number;
  /** ABBA: a linear drift (the table grows, autovacuum, thermal) hits both variants alike. */
  order: Variant[];
}

const PLANS: Record<Mode, Plan> = {
  smoke: { runSeconds: 2, warmupSeconds: 1, order: ['on', 'off'] },
  default: { runSeconds: 30, warmupSeconds: 5, order: ['on', 'off', 'off', 'on'] },
  // twice ABBA, the second time mirrored: runs of one variant differ by several percent on a shared machine
  full: { runSeconds: 60, warmupSeconds: 5, order: ['on', 'off', 'off', 'on', 'off', 'on', 'on', 'off'] },
};

export interface Scrape {
  atSeconds: number;
  status: number;
  ms: number;
  bytes: number;
  /** The exposition had /api/day's request count: the scrape saw the load it measured. */
  sawApiDay: boolean;
  error?: string;
}

export interface Run {
  index: number;
  variant: Variant;
  seconds: number;
  requests: number;
  /** autocannon's average of its per-second samples. */
  rps: number;
  /** Of 2xx responses, from autocannon's per-response times (sub-millisecond, unlike its histogram). */
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  timeouts: number;
  /** The app process's CPU time (user + system) per request, in µs; undefined where /proc is missing. */
  appCpuUsPerRequest: number | undefined;
  /** The same for PostgreSQL (the postmaster and its backends). */
  dbCpuUsPerRequest: number | undefined;
  /**
   * Share of the machine's CPU used by anything but the load generator, the app and PostgreSQL during
   * the run: other work that skews the numbers.
   */
  otherCpuShare: number | undefined;
  scrapes: Scrape[];
}

export interface VariantSummary {
  runs: number;
  rps: Spread;
  p50Ms: Spread;
  p99Ms: Spread;
  appCpuUsPerRequest: Spread | undefined;
  non2xx: number;
  errors: number;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface AppLoadData {
  mode: Mode;
  connections: number;
  poolMax: number;
  runSeconds: number;
  warmupSeconds: number;
  order: Variant[];
  postgres: string;
  /** Share of all cores busy with other work in the second before the first run: it skews everything. */
  busyBefore: number;
  runs: Run[];
  on: VariantSummary;
  off: VariantSummary;
  /** Median requests/s on / off. */
  throughputRatio: number;
  /** 1 - throughputRatio. */
  overhead: number;
  /** The instrumentation's own CPU time per request, measured in-process (see instrumentationUs). */
  instrumentationUs: number;
}

/** The part of the demo app's metrics module the in-process measurement calls. */
interface Timers {
  httpRequestDuration: { startTimer(): (labels: Record<string, string>) => void };
  dbQueryDuration: { startTimer(labels: Record<string, string>): (labels: Record<string, string>) => void };
}

/**
 * The instrumentation's own work per request, in microseconds: a request timer and a query timer into
 * the app's real prom-client histograms, called as app.ts and db.ts call them, in a tight loop (median
 * of 7 batches after a warm-up). Throughput on/off cannot resolve a cost below its run-to-run spread;
 * this can, though it leaves out what a loop does not show (cache misses, garbage).
 */
export function instrumentationUs(root: string): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createMetrics } = require(path.join(root, 'packages/demo-app/dist/metrics.js')) as { createMetrics: () => Timers };
  const m = createMetrics();
  const request = (i: number) => {
    const end = m.httpRequestDuration.startTimer();
    const query = m.dbQueryDuration.startTimer({ operation: 'insert_lookup' });
    query({ outcome: 'ok' });
    end({ method: 'GET', route: '/api/day', status_code: String(i % 50 ? 200 : 400) });
  };
  const N = 50_000;
  for (let i = 0; i < N; i++) request(i);
  const batches: number[] = [];
  for (let b = 0; b < 7; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) request(i);
    batches.push(Number(process.hrtime.bigint() - t0) / 1000 / N);
  }
  return median(batches);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const spread = (xs: number[]): Spread => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

/** Nearest rank of an ascending array. */
const percentile = (sorted: number[], p: number): number => (sorted.length ? sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]! : NaN);

/** A date between 1970 and 2069, like the stack's traffic: every lookup is a fresh computation and row. */
function dates(seed: number): () => string {
  const rng = mulberry32(seed);
  return () => new Date(Date.UTC(1970, 0, 1) + Math.floor(rng() * 36524) * 86_400_000).toISOString().slice(0, 10);
}

let clockTicks: number | undefined;
/** The unit of /proc's CPU counters (USER_HZ). */
const ticks = (): number => (clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100);

/** Busy CPU seconds of the whole machine, over all cores; /proc/stat also counts softirq (loopback traffic) and steal, os.cpus() does not. */
function machineBusySeconds(): number {
  try {
    // "cpu  user nice system idle iowait irq softirq steal ..."
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / ticks();
  } catch {
    return cpus().reduce((a, c) => a + (c.times.user + c.times.nice + c.times.sys + c.times.irq) / 1000, 0);
  }
}

/**
 * The share of all cores' time spent busy over `ms` while we wait: other work on the machine. Not the
 * load average, which still remembers the previous benchmark section for minutes.
 */
async function machineBusy(ms: number): Promise<number> {
  const a = machineBusySeconds();
  await delay(ms);
  return Math.min(1, (machineBusySeconds() - a) / ((cpus().length * ms) / 1000));
}

interface AppProcess {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** A process's CPU seconds from /proc (Linux only): its own, and its exited children's it has waited for. */
function procStat(pid: number): { ppid: number; cpu: number; childrenCpu: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the fields after "pid (comm) ", from the 3rd: state, ppid, ..., utime (14th), stime, cutime, cstime
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / ticks(), childrenCpu: (Number(f[13]) + Number(f[14])) / ticks() };
  } catch {
    return undefined;
  }
}

/** CPU seconds of PostgreSQL: the postmaster, its live children and (through the postmaster's counters) the exited ones. */
function postgresCpu(postmaster: number | undefined): number | undefined {
  const root = postmaster === undefined ? undefined : procStat(postmaster);
  if (!root) return undefined;
  let sum = root.cpu + root.childrenCpu;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const child = procStat(Number(d));
    if (child && child.ppid === postmaster) sum += child.cpu;
  }
  return sum;
}

interface CpuSample {
  at: number;
  machine: number;
  /** This process: the load generator. */
  own: number;
  app: number | undefined;
  db: number | undefined;
}

function sampleCpu(appPid: number | undefined, postmaster: number | undefined): CpuSample {
  const u = process.cpuUsage();
  return { at: performance.now(), machine: machineBusySeconds(), own: (u.user + u.system) / 1e6, app: appPid === undefined ? undefined : procStat(appPid)?.cpu, db: postgresCpu(postmaster) };
}

/** Per request CPU of the app and the database, and the share of the machine other work took in between. */
function cpuBetween(a: CpuSample, b: CpuSample, requests: number): Pick<Run, 'appCpuUsPerRequest' | 'dbCpuUsPerRequest' | 'otherCpuShare'> {
  const perRequest = (x: number | undefined, y: number | undefined) => (x !== undefined && y !== undefined && requests > 0 ? ((y - x) / requests) * 1e6 : undefined);
  const app = a.app !== undefined && b.app !== undefined ? b.app - a.app : undefined;
  const db = a.db !== undefined && b.db !== undefined ? b.db - a.db : undefined;
  const capacity = (cpus().length * (b.at - a.at)) / 1000;
  const other = app !== undefined && db !== undefined && capacity > 0 ? Math.max(0, (b.machine - a.machine - (b.own - a.own) - app - db) / capacity) : undefined;
  return { appCpuUsPerRequest: perRequest(a.app, b.app), dbCpuUsPerRequest: perRequest(a.db, b.db), otherCpuShare: other };
}

/** The built app as a child process with a clean environment (nothing from the caller's FAULT_* or PG*). */
async function startApp(main: string, databaseUrl: string, variant: Variant): Promise<AppProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      DB_POOL_MAX: String(POOL_MAX),
      METRICS_ENABLED: variant === 'on' ? 'true' : 'false',
      // no load balancer to drain from: stop at once
      DRAIN_DELAY_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // the last few KiB of output, for error messages (the app has no access log, so this stays small)
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (!running()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/readyz`, 'the demo app', 30_000, running);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}; its output:\n${output}`);
  }
  return { url, pid: child.pid, stop };
}

/** Fails when the built app does not honour METRICS_ENABLED, e.g. a dist/ older than the sources. */
async function checkSwitch(url: string, variant: Variant): Promise<void> {
  const r = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) });
  await r.text();
  const expected = variant === 'on' ? 200 : 404;
  if (r.status !== expected) {
    throw new Error(`GET /metrics answered ${r.status} with METRICS_ENABLED=${variant === 'on'}, expected ${expected}: packages/demo-app/dist is probably older than its sources; run \`pnpm build\``);
  }
}

/** One scrape as Prometheus does it; never throws, so a failed scrape is reported rather than fatal. */
async function scrape(url: string, atSeconds: number): Promise<Scrape> {
  const t0 = performance.now();
  try {
    const r = await fetch(`${url}/metrics`, { headers: { accept: 'text/plain;version=0.0.4' }, signal: AbortSignal.timeout(10_000) });
    const text = await r.text();
    const sawApiDay = /^http_request_duration_seconds_count\{[^}]*route="\/api\/day"[^}]*\} [1-9]/m.test(text);
    return { atSeconds, status: r.status, ms: performance.now() - t0, bytes: Buffer.byteLength(text), sawApiDay };
  } catch (err) {
    return { atSeconds, status: 0, ms: performance.now() - t0, bytes: 0, sawApiDay: false, error: (err as Error).message };
  }
}

/** When Prometheus would scrape during a run of `seconds`: every interval, and at least once. */
export function scrapeTimes(seconds: number): number[] {
  const times: number[] = [];
  for (let t = SCRAPE_INTERVAL_SECONDS; t < seconds; t += SCRAPE_INTERVAL_SECONDS) times.push(t);
  return times.length ? times : [seconds / 2];
}

type Measured = Omit<Run, 'index' | 'variant' | 'appCpuUsPerRequest' | 'dbCpuUsPerRequest' | 'otherCpuShare'>;

/** Drives GET /api/day?date=... at full speed over CONNECTIONS keep-alive connections for `seconds`. */
async function drive(url: string, seconds: number, scrapeAt: number[]): Promise<Measured> {
  const nextDate = dates(SEED);
  const latencies: number[] = [];
  let instance!: autocannon.Instance;
  const result = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: seconds,
        requests: [{ method: 'GET', path: '/api/day', setupRequest: (req) => ({ ...req, path: `/api/day?date=${nextDate()}` }) }],
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const cancel = new AbortController();
  const scrapes = scrapeAt.map((t) =>
    delay(t * 1000, undefined, { signal: cancel.signal }).then(
      () => scrape(url, t),
      () => undefined,
    ),
  );
  try {
    const r = await result;
    latencies.sort((a, b) => a - b);
    return {
      seconds: r.duration,
      requests: r.requests.total,
      rps: r.requests.average,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      meanMs: latencies.reduce((a, b) => a + b, 0) / latencies.length,
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      scrapes: (await Promise.all(scrapes)).filter((s): s is Scrape => s !== undefined),
    };
  } finally {
    cancel.abort();
  }
}

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const fmtSpread = (s: Spread, digits: number) => `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
const cpuCell = (v: VariantSummary) => (v.appCpuUsPerRequest ? fmtSpread(v.appCpuUsPerRequest, 0) : 'n/a');

function summarise(runs: Run[]): VariantSummary {
  const cpu = runs.map((r) => r.appCpuUsPerRequest).filter((x): x is number => x !== undefined);
  return {
    runs: runs.length,
    rps: spread(runs.map((r) => r.rps)),
    p50Ms: spread(runs.map((r) => r.p50Ms)),
    p99Ms: spread(runs.map((r) => r.p99Ms)),
    appCpuUsPerRequest: cpu.length === runs.length && cpu.length > 0 ? spread(cpu) : undefined,
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    errors: runs.reduce((a, r) => a + r.errors, 0),
  };
}

export const appLoad: Section = async (ctx: Context): Promise<SectionResult> => {
  const plan = PLANS[ctx.mode];
  const main = path.join(ctx.root, 'packages/demo-app/dist/main.js');
  if (!existsSync(main)) throw new Error(`the demo app is not built (${path.relative(ctx.root, main) || main} is missing): run \`pnpm build\` first`);

  // PostgreSQL runs as the postgres user when we are root: it must be able to reach its directory
  if (process.getuid?.() === 0) chmodSync(ctx.scratch, 0o711);
  const busyBefore = await machineBusy(1000);
  const pg = new PostgresCluster({ dir: path.join(ctx.scratch, 'postgres'), port: await freePort() });
  const runs: Run[] = [];
  let postgres = 'PostgreSQL';
  let app: AppProcess | undefined;
  try {
    await pg.start();
    postgres = `PostgreSQL ${(await pg.psql('SHOW server_version')).split(' ')[0]}`;
    const postmaster = Number(readFileSync(path.join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
    ctx.log(`${postgres} on port ${pg.opts.port}; ${plan.order.length} runs of ${plan.runSeconds} s (${plan.order.join(', ')})`);
    for (const [i, variant] of plan.order.entries()) {
      // a fresh process per run: runs are independent, and each gets the same warm-up
      app = await startApp(main, pg.url, variant);
      await checkSwitch(app.url, variant);
      await drive(app.url, plan.warmupSeconds, []);
      const cpu0 = sampleCpu(app.pid, postmaster);
      const m = await drive(app.url, plan.runSeconds, variant === 'on' ? scrapeTimes(plan.runSeconds) : []);
      const cpu = cpuBetween(cpu0, sampleCpu(app.pid, postmaster), m.requests);
      await app.stop();
      app = undefined;
      runs.push({ index: i + 1, variant, ...m, ...cpu });
      ctx.log(
        `run ${i + 1}/${plan.order.length}, metrics ${variant}: ${m.rps.toFixed(0)} req/s, p50 ${fmt(m.p50Ms, 2)} ms, p99 ${fmt(m.p99Ms, 2)} ms, ` +
          `CPU µs/request app ${fmt(cpu.appCpuUsPerRequest ?? NaN, 0)} db ${fmt(cpu.dbCpuUsPerRequest ?? NaN, 0)}, other work ${pct(cpu.otherCpuShare ?? NaN)}, ` +
          `non-2xx ${m.non2xx}, errors ${m.errors}`,
      );
    }
  } finally {
    await app?.stop();
    try {
      pg.stop();
    } catch (err) {
      ctx.log(`stopping PostgreSQL failed: ${(err as Error).message}`);
    }
  }

  const on = summarise(runs.filter((r) => r.variant === 'on'));
  const off = summarise(runs.filter((r) => r.variant === 'off'));
  const throughputRatio = on.rps.median / off.rps.median;
  const overhead = 1 - throughputRatio;
  const ownUs = instrumentationUs(ctx.root);
  const data: AppLoadData = {
    mode: ctx.mode,
    connections: CONNECTIONS,
    poolMax: POOL_MAX,
    runSeconds: plan.runSeconds,
    warmupSeconds: plan.warmupSeconds,
    order: plan.order,
    postgres,
    busyBefore,
    runs,
    on,
    off,
    throughputRatio,
    overhead,
    instrumentationUs: ownUs,
  };

  const perVariant = plan.order.filter((v) => v === 'on').length;
  const summary: Table = {
    title: `GET /api/day, median of ${perVariant} run${perVariant > 1 ? 's' : ''} per variant (min–max)`,
    columns: ['variant', 'requests/s', 'p50 ms', 'p99 ms', 'app CPU µs/request', 'non-2xx', 'errors'],
    rows: [
      ['metrics on (ours)', fmtSpread(on.rps, 0), fmtSpread(on.p50Ms, 2), fmtSpread(on.p99Ms, 2), cpuCell(on), String(on.non2xx), String(on.errors)],
      ['metrics off (comparison)', fmtSpread(off.rps, 0), fmtSpread(off.p50Ms, 2), fmtSpread(off.p99Ms, 2), cpuCell(off), String(off.non2xx), String(off.errors)],
      [
        'ratio on/off',
        fmt(throughputRatio, 3),
        fmt(on.p50Ms.median / off.p50Ms.median, 3),
        fmt(on.p99Ms.median / off.p99Ms.median, 3),
        on.appCpuUsPerRequest && off.appCpuUsPerRequest ? fmt(on.appCpuUsPerRequest.median / off.appCpuUsPerRequest.median, 3) : 'n/a',
        '',
        '',
      ],
      ['overhead (1 − on/off throughput)', pct(overhead), '', '', '', '', ''],
    ],
  };
  const detail: Table = {
    title: 'Runs, in the order they ran',
    columns: ['run', 'metrics', 'seconds', 'requests', 'requests/s', 'p50 ms', 'p99 ms', 'app CPU µs/request', 'db CPU µs/request', 'other work', 'non-2xx', 'errors', '/metrics scrapes (ms each)'],
    rows: runs.map((r) => [
      String(r.index),
      r.variant,
      fmt(r.seconds, 1),
      String(r.requests),
      fmt(r.rps, 0),
      fmt(r.p50Ms, 2),
      fmt(r.p99Ms, 2),
      fmt(r.appCpuUsPerRequest ?? NaN, 0),
      fmt(r.dbCpuUsPerRequest ?? NaN, 0),
      pct(r.otherCpuShare ?? NaN),
      String(r.non2xx),
      String(r.errors),
      r.scrapes.length ? r.scrapes.map((s) => (s.status === 200 ? fmt(s.ms, 0) : `failed (${s.error ?? `HTTP ${s.status}`})`)).join(', ') : '',
    ]),
  };

  const notes: string[] = [];
  if (busyBefore > 0.1) notes.push(`The machine was not idle: ${pct(busyBefore)} of its CPU was busy with other work just before the first run, which skews both variants.`);
  const disturbed = runs.filter((r) => (r.otherCpuShare ?? 0) > 0.1);
  if (disturbed.length)
    notes.push(`Other work took more than 10% of the machine's CPU during run${disturbed.length > 1 ? 's' : ''} ${disturbed.map((r) => r.index).join(', ')}: those numbers are skewed.`);
  if (on.rps.max >= off.rps.min && off.rps.max >= on.rps.min && runs.length > 2) {
    notes.push('The two variants’ requests/s ranges overlap: the difference is within the run-to-run spread of this machine.');
  }
  const offCpu = off.appCpuUsPerRequest?.median;
  notes.push(
    `Measured alone, in-process, the instrumentation's own work per request (a request timer and a query timer into the app's prom-client histograms, called as the app calls them) is ${fmt(ownUs, 2)} µs` +
      (offCpu ? `: ${pct(ownUs / offCpu)} of the ${fmt(offCpu, 0)} µs of app CPU a request costs with metrics off.` : '.') +
      ' Creating the closures, the finish listener and their garbage comes on top and only shows in the runs above.',
  );
  if (overhead < 0) notes.push('Negative overhead: the instrumented runs were faster, which can only be noise.');
  const badScrapes = runs.flatMap((r) => r.scrapes).filter((s) => s.status !== 200 || !s.sawApiDay);
  if (badScrapes.length) notes.push(`${badScrapes.length} /metrics scrape(s) failed or did not show the /api/day requests.`);

  const cores = cpus();
  return {
    id: 'appload',
    title: 'Demo app under load',
    method:
      `The built demo app (\`node packages/demo-app/dist/main.js\`) against a private ${postgres} on loopback (fsync off, so commits cost CPU, not disk), ` +
      `on ${cores.length} cores (${cores[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}. ` +
      `autocannon runs in the benchmark's process on the same machine and competes with the app and the database for those cores; ` +
      `it keeps ${CONNECTIONS} keep-alive connections busy at full speed with \`GET /api/day?date=…\` (dates from 1970 to 2069, the same sequence every run). ` +
      `Each request validates the date, computes its calendar facts and INSERTs the lookup (one autocommitted row, RETURNING it) through a pool of ${POOL_MAX} connections before answering with JSON. ` +
      `Metrics on (the default) times every request and query into prom-client histograms and collects the default process metrics; /metrics is scraped every ${SCRAPE_INTERVAL_SECONDS} s ` +
      `(at least once per run) as Prometheus would. Metrics off is METRICS_ENABLED=false: no instrumentation and no /metrics. ` +
      `Each run starts a fresh app process, warms it up for ${plan.warmupSeconds} s and measures for ${plan.runSeconds} s; runs go ${plan.order.join(', ')}, ` +
      `so that drift over time (a growing table, autovacuum) hits both variants alike. Requests/s is autocannon's per-second average; latencies are of the 2xx responses; ` +
      `CPU per request (user + system time of the app process, and of PostgreSQL's processes, over the run, from /proc) is less sensitive to the shared cores than requests/s; ` +
      `"other work" is the machine's busy time not spent in the load generator, the app or PostgreSQL.`,
    tables: [summary, detail],
    targets: [{ what: 'instrumentation overhead (throughput, 1 − on/off)', goal: '< 5%', measured: pct(overhead), met: overhead < 0.05 }],
    data,
    notes,
  };
};
