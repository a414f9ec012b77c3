import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as path from 'node:path';
import { BLOCK, DEFAULT_LAYOUT, header, isAlert, LABEL, LAYOUTS, RECORD, renderRuleFile, toYaml, type Layout, type RecordingRule, type RuleFile } from '@slo-engine/rules';
import { backfillPasses, findTools, promtool, type PrometheusServer } from '@slo-engine/stack';
import { LiveExporter, writeRawHistory, writeRawTail, type RawHistory } from './evalcost-data';
import {
  backfillOpenMetrics,
  backfillRecorded,
  inParallel,
  linkBlocks,
  NO_LEVELED_COMPACTION,
  reloadConfig,
  sampleGroups,
  samplesRead,
  scrape,
  Servers,
  settleCompaction,
  type GroupSamples,
} from './evalcost-prom';
import { promDuration, PYRRA_SOURCE, pyrraIncreaseIntervalSeconds, pyrraPeriodErrorRatio, pyrraRules, PYRRA_WINDOW_SECONDS } from './evalcost-pyrra';
import { benchSlos, compileOurs, type BenchSlo } from './evalcost-slos';
import { readSlothTemplate, SLOTH_EXAMPLE, slothRules } from './evalcost-sloth';
import type { Context, Mode, Section, SectionResult, Table, Target } from './section';

/**
 * Sections 1 and 2 of the benchmarks: the same SLOs compiled by us (in each layout) and in the rule shapes
 * Sloth and Pyrra generate, loaded into one Prometheus over the same backfilled history. Section 1 measures
 * what their rule groups cost per evaluation and read per month, for several history lengths; section 2
 * compares each shape's period SLI with the exact ratio of sums the data generator knows.
 */

/** Raw scrape step of the history: a common production scrape interval; five samples per 5m rate window. */
const STEP_SECONDS = 60;

interface Sizes {
  slos: number;
  seriesPerSlo: number;
  /** History lengths in days, ascending. */
  lengths: number[];
  /** Evaluation rounds measured per history length, after `warmup` rounds. */
  rounds: number;
  warmup: number;
  /** Every group of every shape is evaluated at this interval while measured. */
  intervalSeconds: number;
  /** How often the measured server scrapes the live series (the history's step in production-like modes; shorter in smoke mode, which lasts seconds). */
  scrapeSeconds: number;
  /** Wait for Prometheus to merge the overlapping backfilled blocks before measuring (it starts a minute after startup). */
  settle: boolean;
}

export const EVALCOST_SIZES: Record<Mode, Sizes> = {
  smoke: { slos: 2, seriesPerSlo: 4, lengths: [3], rounds: 3, warmup: 1, intervalSeconds: 2, scrapeSeconds: 1, settle: false },
  default: { slos: 50, seriesPerSlo: 40, lengths: [7, 30], rounds: 12, warmup: 2, intervalSeconds: 10, scrapeSeconds: STEP_SECONDS, settle: true },
  // 100 SLOs: 4,000 raw series; a 21-day length keeps each segment's OpenMetrics file (read whole by promtool) under 4 GB
  full: { slos: 100, seriesPerSlo: 40, lengths: [7, 14, 21, 30], rounds: 20, warmup: 3, intervalSeconds: 15, scrapeSeconds: STEP_SECONDS, settle: true },
};

type Peer = 'sloth' | 'pyrra';
/** What is measured: each of our layouts, and the peers' rule shapes. */
type Measured = Layout | Peer;
/** Our layouts, the default first. */
const OURS: Layout[] = [DEFAULT_LAYOUT, ...LAYOUTS.filter((l) => l !== DEFAULT_LAYOUT)];
const PEERS: Peer[] = ['sloth', 'pyrra'];
/**
 * Each shape measured alone, in this order. The shared layout goes last: after its phase its recorded ratios
 * are compared with the per-SLO layout's expressions, and a reload marks an unloaded group's series stale.
 */
const ALONE: Measured[] = [...LAYOUTS.filter((l) => l !== 'shared'), ...PEERS, 'shared'];
/** Loaded and evaluated at once, before the phases alone: our default layout and Sloth's shape. */
const TOGETHER: Measured[] = [DEFAULT_LAYOUT, 'sloth'];
const SLOTH = 'Sloth shape';
const PYRRA = 'Pyrra shape';
const shapeName = (s: Measured): string => (s === 'sloth' ? SLOTH : s === 'pyrra' ? PYRRA : `slo-engine ${s} layout${s === DEFAULT_LAYOUT ? ' (default)' : ''}`);
/** Without "slo-engine", for ratio columns. */
const shortName = (s: Measured): string => (s === 'sloth' ? 'Sloth' : s === 'pyrra' ? 'Pyrra' : s);
const ruleFile = (s: Measured): string => `${s}.rules.yml`;
/** Sloth's groups carry no interval: they run at Prometheus's evaluation interval, 1m by default. */
const DEFAULT_EVALUATION_SECONDS = 60;
const MONTH_SECONDS = 30 * 86400;
/** The SLO count the samples-per-month table is scaled to. */
const MONTH_SLOS = 100;

/** Seconds of a Prometheus duration such as 1m, 2m30s or 10m. */
function durationSeconds(d: string): number {
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  let total = 0;
  for (const m of d.matchAll(/(\d+)(ms|[smhdwy])/g)) total += Number(m[1]) * unit[m[2]!]!;
  if (total === 0) throw new Error(`not a duration: ${d}`);
  return total;
}

type RuleCounts = Record<Measured, { groups: number; rules: number /** rules per group, by group kind */; perKind: Record<string, number> }>;

/** What each group of a shape is, from its name: our groups per SLO (and shared ones), Sloth's three, Pyrra's two. */
function groupKind(shape: Measured, group: string): string {
  if (shape === 'pyrra') return group.endsWith('-increase') ? 'increase' : 'burnrates';
  if (shape !== 'sloth') return group.slice(group.lastIndexOf(':') + 1);
  const m = /^sloth-slo-(sli-recordings|meta-recordings|alerts)-/.exec(group);
  return m ? m[1]! : 'other';
}

interface KindTally {
  groups: number;
  /** The groups' own interval (every group of a kind has the same). */
  intervalSeconds: number;
  /** Sum over the groups of their median evaluation time with the TOGETHER shapes loaded at once, ms; NaN for the others. */
  ms: number;
  /** Samples the groups' rules read in one evaluation each, measured while the shape was loaded alone. */
  samples: number;
}

/** The tally of one kind of group, added to `tallies` the first time the kind is seen. */
function kindTally(tallies: Record<string, KindTally>, kind: string, intervalSeconds: number, ms: number): KindTally {
  let k = tallies[kind];
  if (k === undefined) {
    k = { groups: 0, intervalSeconds, ms, samples: 0 };
    tallies[kind] = k;
  }
  return k;
}

/** One shape's evaluation times over a measurement. */
interface ShapeTiming {
  /** Per round: the sum over the shape's groups of their evaluation time, ms. */
  rounds: number[];
  medianMs: number;
  /** The sum over groups of each group's median, ms: the same, less sensitive to stray slow evaluations. */
  sumOfMediansMs: number;
  /** ms of evaluation per minute with every group at its own interval (ours 1m/10m/2m/1m, Sloth 1m, Pyrra 30s/2m30s). */
  perMinuteMs: number;
  /** Per group kind: the sum over SLOs of the group's median evaluation time, ms. */
  byKindMs: Record<string, number>;
}

function timing(s: Measured, gs: GroupSamples[], ownInterval: Map<string, number>): ShapeTiming {
  const n = Math.min(...gs.map((g) => g.durations.length));
  const rounds = Array.from({ length: Number.isFinite(n) ? n : 0 }, (_, k) => gs.reduce((a, g) => a + g.durations[k]!, 0) * 1000);
  const byKindMs: Record<string, number> = {};
  for (const g of gs) byKindMs[groupKind(s, g.group)] = (byKindMs[groupKind(s, g.group)] ?? 0) + median(g.durations) * 1000;
  return {
    rounds,
    medianMs: median(rounds),
    sumOfMediansMs: gs.reduce((a, g) => a + median(g.durations), 0) * 1000,
    perMinuteMs: gs.reduce((a, g) => a + (median(g.durations) * 60) / (ownInterval.get(g.group) ?? DEFAULT_EVALUATION_SECONDS), 0) * 1000,
    byKindMs,
  };
}

/** Runs `f` and reports the cores Prometheus and everything else but this process used meanwhile. */
async function withCpu<T>(server: PrometheusServer, f: () => Promise<T>): Promise<{ value: T; cpu?: { prometheusCores: number; otherCores: number } }> {
  const cpu0 = machineCpu();
  const node0 = process.cpuUsage();
  const prom0 = (await scrape(server, ['process_cpu_seconds_total']))[0]?.value ?? 0;
  const wall0 = Date.now();
  const value = await f();
  const wall = (Date.now() - wall0) / 1000;
  const prom = ((await scrape(server, ['process_cpu_seconds_total']))[0]?.value ?? 0) - prom0;
  const cpu1 = machineCpu();
  const node = process.cpuUsage(node0);
  if (!cpu0 || !cpu1) return { value };
  return {
    value,
    cpu: {
      prometheusCores: prom / wall,
      otherCores: Math.max(0, ((cpu1.busy - cpu0.busy) / (cpu1.total - cpu0.total)) * cpus().length - prom / wall - (node.user + node.system) / 1e6 / wall),
    },
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const ratio = (x: number) => (x >= 0.1 ? x.toFixed(2) : x.toPrecision(2));
const pct = (x: number) => {
  const p = x * 100;
  return `${p >= 100 ? p.toFixed(0) : p >= 1 ? p.toFixed(1) : p.toPrecision(2)}%`;
};
const daysText = (d: number) => `${d} day${d === 1 ? '' : 's'}`;
const int = (x: number) => Math.round(x).toLocaleString('en-US');
/** Large counts: 1.23 billion, 456 million, else in full. */
const big = (x: number) => (x >= 1e9 ? `${(x / 1e9).toPrecision(3)} billion` : x >= 1e6 ? `${(x / 1e6).toPrecision(3)} million` : int(x));

type Loaded = { groups: number; rules: number; unhealthy: number };
type Cpu = { prometheusCores: number; otherCores: number };

export interface LengthResult {
  days: number;
  /** Seconds between the end of the backfilled data and the server's start (live scraping covers the time after). */
  gapSeconds: number;
  /** Successful scrapes of the live exporter by the end of the measurement. */
  liveScrapes: number;
  /** Per shape, at the end of its phase alone: the groups and rules the server had loaded, and how many rules reported an error. */
  loaded: Record<Measured, Loaded>;
  /**
   * Each shape measured alone: the same server and data with only that shape's rule file loaded (a
   * configuration reload). The headline numbers: evaluated at once, the heavy shape's queries keep the
   * light shape's rules waiting for a core, and wall-clock durations count that wait.
   */
  alone: Record<Measured, ShapeTiming & { cpu?: Cpu }>;
  /**
   * After the shared layout's phase: how far its recorded 1h and period error ratios are from the per-SLO
   * layout's expressions evaluated at the same moment (relative, worst SLO).
   */
  sharedMaxRelativeDifference: number;
  /** The TOGETHER shapes loaded and evaluated at once, before the phases alone. */
  together: { shapes: Measured[]; loaded: Partial<Record<Measured, Loaded>>; timing: Partial<Record<Measured, ShapeTiming>>; unseenEvaluations: number; missedIterations: number; cpu?: Cpu };
  /** Per shape and group kind: groups, own interval, time with the TOGETHER shapes at once, and samples read per evaluation alone. */
  byKind: Record<Measured, Record<string, KindTally>>;
  /** Samples every rule of the shape reads in one evaluation, measured at the end of its phase alone. */
  samplesRead: Record<Measured, number>;
  /** Samples the shape's rules read in 30 days, each group at its own interval, at the measured SLO count. */
  samplesPerMonth: Record<Measured, number>;
  /** Per SLO: the exact period error ratio, and each shape's period SLI at the end of the history. */
  accuracy: { slo: string; exact: number; values: Record<Measured, number> }[];
  seconds: { tail: number; pyrraPeriod: number; start: number; settle?: number; measure: number };
}

/** The compiled period rule of an objective (our `slo:sli_error:ratio_rate30d`), and Sloth's. */
function periodRule(file: RuleFile): RecordingRule {
  const r = file.groups.flatMap((g) => g.rules).find((x): x is RecordingRule => !isAlert(x) && x.record === RECORD.errorRatio('30d'));
  if (!r) throw new Error(`no ${RECORD.errorRatio('30d')} rule in ${file.groups[0]?.name}`);
  return r;
}

/** Busy and total CPU jiffies of the machine (Linux); undefined elsewhere. */
function machineCpu(): { busy: number; total: number } | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - f[4]!, total };
}

/** Passes of several shapes, level by level: their recorded series are backfilled together. */
function mergedPasses(...shapes: RuleFile[][]): RuleFile[] {
  return Array.from({ length: Math.max(0, ...shapes.map((p) => p.length)) }, (_, i) => ({ groups: shapes.flatMap((p) => p[i]?.groups ?? []) }));
}

/** A shape's groups with their own interval (Sloth's: Prometheus's default), for backfill passes. */
const withOwnInterval = (f: RuleFile): RuleFile => ({ groups: f.groups.map((g) => ({ ...g, interval: g.interval ?? `${DEFAULT_EVALUATION_SECONDS}s` })) });

/** Per SLO (`service/name`), a layout's period SLI at `time`: its 30d error ratio rules' expressions (per SLO, or one for all SLOs). */
async function layoutPeriod(server: PrometheusServer, files: RuleFile[], time: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const f of files)
    for (const r of f.groups.flatMap((g) => g.rules))
      if (!isAlert(r) && r.record === RECORD.errorRatio('30d'))
        // the shared rules' member filter reads a series recorded live, absent at the end of the history; with one
        // bundle in this Prometheus it keeps everything the selectors read, so the ratio is the same without it
        for (const x of await server.query(r.expr.replace(/\nand on \([^)]*\)\n\S+$/, ''), time)) {
          // a per-SLO rule's `or on() vector(0)` answers without labels: the rule's own say whose it is
          const service = x.metric[LABEL.service] ?? r.labels[LABEL.service];
          const name = x.metric[LABEL.name] ?? r.labels[LABEL.name];
          if (service !== undefined && name !== undefined) out.set(`${service}/${name}`, x.value);
        }
  return out;
}

interface Run {
  slos: BenchSlo[];
  /** Per shape: its rule files as generated (our per-SLO layout and the peers: one per SLO, in the SLOs' order). */
  files: Record<Measured, RuleFile[]>;
  /** Per shape: each group's own interval, seconds. */
  ownInterval: Record<Measured, Map<string, number>>;
  raw: RawHistory;
  passes: RuleFile[];
  /** Pyrra's increase rules, recorded at the end of each history for its period SLI. */
  pyrraPeriodPasses: RuleFile[];
  servers: Servers;
  exporter: LiveExporter;
  exporterPort: number;
  segmentDirs: Map<number, string>;
}

async function measureLength(ctx: Context, size: Sizes, days: number, run: Run): Promise<LengthResult> {
  const { slos, raw, servers } = run;
  const dir = (...p: string[]) => path.join(ctx.scratch, `${days}d`, ...p);
  const dataDir = dir('data');
  linkBlocks(
    raw.segments.filter((s) => s.days <= days).map((s) => run.segmentDirs.get(s.days)!),
    dataDir,
  );

  // the tail: raw and recorded series from the end of the history up to now
  let t0 = Date.now();
  const tail = await writeRawTail(slos, raw, Math.floor(Date.now() / 1000), dir('tail.om'));
  if (tail.samples > 0) {
    await backfillOpenMetrics(dir('tail.om'), dir('tail', 'raw'));
    linkBlocks([dir('tail', 'raw')], dataDir);
    await backfillRecorded(servers, dataDir, run.passes, [{ start: raw.end + 1, end: tail.last[0]!.time, outputDir: dir('tail') }], dir());
  }
  run.exporter.state = tail.last;
  const tailSeconds = (Date.now() - t0) / 1000;

  // Pyrra's period SLI reads its recorded increase over the window: recorded from this length's own data, over the
  // last two evaluations of its group up to the end of the history (over the whole history it would read 30 days per sample)
  t0 = Date.now();
  const pyrraEvery = pyrraIncreaseIntervalSeconds(PYRRA_WINDOW_SECONDS);
  await backfillRecorded(servers, dataDir, run.pyrraPeriodPasses, [{ start: raw.end - 2 * pyrraEvery, end: raw.end, outputDir: dir('pyrra-period') }], dir());
  const pyrraPeriodSeconds = (Date.now() - t0) / 1000;

  // the measured server: every shape at the same interval, the raw series scraped live as in production
  t0 = Date.now();
  const M = size.intervalSeconds;
  const configFor = (shapes: Measured[]) =>
    toYaml({
      global: { evaluation_interval: `${M}s`, scrape_interval: `${size.scrapeSeconds}s` },
      rule_files: shapes.map((s) => path.join(ctx.scratch, ruleFile(s))),
      scrape_configs: [{ job_name: 'live-traffic', honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${run.exporterPort}`] }] }],
    });
  const server = await servers.start({ dataDir, config: configFor(TOGETHER), args: NO_LEVELED_COMPACTION, readyTimeoutMs: 300_000 });
  const gapSeconds = Date.now() / 1000 - tail.last[0]!.time;
  try {
    const startSeconds = (Date.now() - t0) / 1000;
    t0 = Date.now();
    let settleSeconds: number | undefined;
    if (size.settle) settleSeconds = (await settleCompaction(server)).seconds;
    const shapeOfFile = (file: string): Measured | undefined => ALONE.find((s) => path.basename(file) === ruleFile(s));
    /** The groups and rules of a shape the server has loaded, and how many of its rules reported an error. */
    const loadedOf = async (s: Measured): Promise<Loaded> => {
      const gs = (await server.rules()).filter((g) => shapeOfFile(g.file) === s);
      const rules = gs.flatMap((g) => g.rules);
      return { groups: gs.length, rules: rules.length, unhealthy: rules.filter((r) => r.health !== 'ok').length };
    };

    // first the TOGETHER shapes at once
    await sampleGroups(server, size.warmup, M, size.warmup * M * 4 + 60);
    const concurrent = await withCpu(server, () => sampleGroups(server, size.rounds, M, size.rounds * M * 4 + 120));
    const samples = concurrent.value;
    const together: LengthResult['together'] = {
      shapes: TOGETHER,
      loaded: {},
      timing: {},
      unseenEvaluations: samples.reduce((a, g) => a + g.unseen, 0),
      missedIterations: samples.reduce((a, g) => a + g.missed, 0),
      ...(concurrent.cpu ? { cpu: concurrent.cpu } : {}),
    };
    const byKind = Object.fromEntries(ALONE.map((s) => [s, {}])) as LengthResult['byKind'];
    for (const s of ALONE) for (const f of run.files[s]) for (const g of f.groups) kindTally(byKind[s], groupKind(s, g.name), run.ownInterval[s].get(g.name)!, NaN).groups++;
    for (const s of TOGETHER) {
      together.loaded[s] = await loadedOf(s);
      const gs = samples.filter((g) => shapeOfFile(g.file) === s);
      together.timing[s] = timing(s, gs, run.ownInterval[s]);
      for (const g of gs) {
        const k = byKind[s][groupKind(s, g.group)]!;
        k.ms = (Number.isNaN(k.ms) ? 0 : k.ms) + median(g.durations) * 1000;
      }
    }

    // then each shape alone: the same server and data, the other shapes' rule files unloaded
    const alone = {} as LengthResult['alone'];
    const loaded = {} as LengthResult['loaded'];
    const readBy = {} as LengthResult['samplesRead'];
    const samplesPerMonth = {} as LengthResult['samplesPerMonth'];
    for (const s of ALONE) {
      await reloadConfig(server, configFor([s]));
      const mine = (file: string) => shapeOfFile(file) === s;
      await sampleGroups(server, size.warmup, M, size.warmup * M * 4 + 60, mine);
      const measured = await withCpu(server, () => sampleGroups(server, size.rounds, M, size.rounds * M * 4 + 120, mine));
      alone[s] = { ...timing(s, measured.value, run.ownInterval[s]), ...(measured.cpu ? { cpu: measured.cpu } : {}) };
      loaded[s] = await loadedOf(s);
      // the samples each rule reads, while its own recorded series are fresh: the deterministic part of the cost
      const now = Math.floor(Date.now() / 1000);
      readBy[s] = 0;
      samplesPerMonth[s] = 0;
      for (const f of run.files[s])
        for (const g of f.groups) {
          let n = 0;
          for (const r of g.rules) n += await samplesRead(server, r.expr, now);
          byKind[s][groupKind(s, g.name)]!.samples += n;
          readBy[s] += n;
          samplesPerMonth[s] += (n * MONTH_SECONDS) / run.ownInterval[s].get(g.name)!;
        }
    }
    const measureSeconds = (Date.now() - t0) / 1000;

    // the shared layout, loaded last, recorded what the per-SLO layout's expressions compute
    let sharedMaxRelativeDifference = 0;
    const now0 = Math.floor(Date.now() / 1000);
    for (const file of run.files['per-slo'])
      for (const r of file.groups.flatMap((g) => g.rules))
        if (!isAlert(r) && (r.record === RECORD.errorRatio('1h') || r.record === RECORD.errorRatio('30d'))) {
          const sel = `{${LABEL.name}=${JSON.stringify(r.labels[LABEL.name])},${LABEL.service}=${JSON.stringify(r.labels[LABEL.service])}}`;
          // the recorded sample against our expression at the moment it was recorded
          const at = await server.queryValue(`timestamp(${r.record}${sel})`, now0);
          const got = await server.queryValue(`${r.record}${sel}`, at);
          const want = await server.queryValue(r.expr, at);
          sharedMaxRelativeDifference = Math.max(sharedMaxRelativeDifference, want === 0 ? Math.abs(got) : Math.abs(got - want) / want);
        }

    // the live scrape worked: successful scrapes of the exporter so far
    const up = await server.query(`sum_over_time(up{job="live-traffic"}[1h])`, Math.floor(Date.now() / 1000));
    const liveScrapes = up[0]?.value ?? 0;

    // section 2: each shape's period SLI at the end of the history against the exact ratio of sums
    const exact = raw.exact.get(days)!;
    const ours = new Map<Layout, Map<string, number>>();
    for (const l of LAYOUTS) ours.set(l, await layoutPeriod(server, run.files[l], raw.end));
    const accuracy: LengthResult['accuracy'] = [];
    for (const [i, slo] of slos.entries()) {
      const e = exact[i]!;
      const key = `${slo.service}/${slo.name}`;
      const values = {} as Record<Measured, number>;
      for (const l of LAYOUTS) values[l] = ours.get(l)!.get(key) ?? NaN;
      values.sloth = await server.queryValue(periodRule(run.files.sloth[i]!).expr, raw.end);
      values.pyrra = await server.queryValue(pyrraPeriodErrorRatio(slo), raw.end);
      accuracy.push({ slo: key, exact: e.bad / e.total, values });
    }
    return {
      days,
      gapSeconds,
      liveScrapes,
      loaded,
      alone,
      sharedMaxRelativeDifference,
      together,
      byKind,
      samplesRead: readBy,
      samplesPerMonth,
      accuracy,
      seconds: { tail: tailSeconds, pyrraPeriod: pyrraPeriodSeconds, start: startSeconds, ...(settleSeconds === undefined ? {} : { settle: settleSeconds }), measure: measureSeconds },
    };
  } finally {
    await server.stop();
    // the next length links its own copy; compaction has rewritten this one's blocks
    rmSync(dir(), { recursive: true, force: true });
  }
}

export const evalCost: Section = async (ctx) => {
  const size = EVALCOST_SIZES[ctx.mode];
  findTools(); // fails with the setup hint when prometheus or promtool is missing
  const steps: { step: string; seconds: number }[] = [];
  let mark = Date.now();
  const step = (name: string, detail?: string) => {
    const seconds = (Date.now() - mark) / 1000;
    mark = Date.now();
    steps.push({ step: name, seconds });
    ctx.log(`${name}: ${seconds.toFixed(1)} s${detail ? ` (${detail})` : ''}`);
  };
  const dir = (...p: string[]) => path.join(ctx.scratch, ...p);
  const servers = new Servers(ctx.scratch);
  let exporter: LiveExporter | undefined;
  const results: LengthResult[] = [];
  let rawInfo: { series: number; samples: number } | undefined;
  let ruleCounts: RuleCounts | undefined;
  let passCount: Record<'ours' | Peer, number> | undefined;
  try {
    // the SLOs, our rules in every layout, and Sloth's and Pyrra's shapes for the same SLOs
    const slos = benchSlos(size.slos, size.seriesPerSlo);
    const compiled = compileOurs(slos);
    const layoutFiles: Record<Layout, RuleFile[]> = { 'per-slo': compiled.perSlo, shared: [compiled.shared] };
    const template = readSlothTemplate(ctx.root);
    const files: Record<Measured, RuleFile[]> = { ...layoutFiles, sloth: slos.map((s) => slothRules(template, s)), pyrra: slos.map((s) => pyrraRules(s)) };
    const all = Object.fromEntries(ALONE.map((s) => [s, { groups: files[s].flatMap((f) => f.groups) }])) as Record<Measured, RuleFile>;
    const ownInterval = Object.fromEntries(ALONE.map((s) => [s, new Map(all[s].groups.map((g) => [g.name, g.interval ? durationSeconds(g.interval) : DEFAULT_EVALUATION_SECONDS]))])) as Record<
      Measured,
      Map<string, number>
    >;
    ruleCounts = Object.fromEntries(
      ALONE.map((s) => [
        s,
        {
          groups: all[s].groups.length,
          rules: all[s].groups.reduce((n, g) => n + g.rules.length, 0),
          // each kind's largest group: the shared layout's shared groups hold every SLO's windows
          perKind: all[s].groups.reduce<Record<string, number>>((k, g) => {
            const kind = groupKind(s, g.name);
            k[kind] = Math.max(k[kind] ?? 0, g.rules.length);
            return k;
          }, {}),
        },
      ]),
    ) as RuleCounts;
    // the measured copies: every group of every shape at the same short interval, so that each runs often enough
    for (const s of ALONE) {
      const file = dir(ruleFile(s));
      const measured = { groups: all[s].groups.map((g) => ({ ...g, interval: `${size.intervalSeconds}s` })) };
      writeFileSync(
        file,
        s === 'sloth'
          ? `# Sloth's rule shape (${SLOTH_EXAMPLE}) for the benchmark SLOs\n${toYaml(measured)}`
          : s === 'pyrra'
            ? `# Pyrra's rule shape for the benchmark SLOs\n${toYaml(measured)}`
            : renderRuleFile(measured, header('bench', 'evalcost', `Prometheus rules, ${s} layout (measured copy)`)),
      );
      await promtool(['check', 'rules', file]);
    }
    step('compile', ALONE.map((s) => `${shapeName(s)} ${ruleCounts![s].groups} groups / ${ruleCounts![s].rules} rules`).join(', '));

    // the raw history, ending two steps ago so that even a quick run has a tail to backfill
    mkdirSync(dir('raw'), { recursive: true });
    const end = Math.floor(Date.now() / 1000 / STEP_SECONDS) * STEP_SECONDS - 2 * STEP_SECONDS;
    const raw = await writeRawHistory(slos, size.lengths, end, STEP_SECONDS, dir('raw'));
    rawInfo = { series: raw.last.length, samples: raw.segments.reduce((n, s) => n + s.samples, 0) };
    step('write raw history', `${int(rawInfo.series)} series, ${int(rawInfo.samples)} samples over ${size.lengths[size.lengths.length - 1]} days`);
    const segmentBlocks = (days: number, ...p: string[]) => dir('blocks', `${days}d`, ...p);
    await inParallel(
      2,
      raw.segments.map((s) => () => backfillOpenMetrics(s.file, segmentBlocks(s.days, 'raw'))),
    );
    for (const s of raw.segments) rmSync(s.file);
    step('raw backfill (promtool openmetrics)');

    // recorded series over the history: what the measured rules read from the past. Ours: building blocks and
    // roll-ups (the per-SLO layout's rules; the shared layout reads the same series). Sloth's: its 5m ratios.
    // Pyrra's rules read no recorded series over a range (burn rates read the raw counters, alerts the burn
    // rates of the same evaluation), so none of its series is backfilled over the history.
    const oursPasses = backfillPasses(all['per-slo'], [BLOCK.badRollup, BLOCK.totalRollup]);
    const slothPasses = backfillPasses(withOwnInterval(all.sloth), [RECORD.errorRatio('5m')]);
    const pyrraPasses = backfillPasses(all.pyrra, []);
    passCount = { ours: oursPasses.length, sloth: slothPasses.length, pyrra: pyrraPasses.length };
    const passes = mergedPasses(oursPasses, slothPasses, pyrraPasses);
    const pyrraIncrease = [
      ...new Set(
        all.pyrra.groups
          .filter((g) => groupKind('pyrra', g.name) === 'increase')
          .flatMap((g) => g.rules)
          .flatMap((r) => (isAlert(r) ? [] : [r.record])),
      ),
    ];
    const pyrraPeriodPasses = backfillPasses(all.pyrra, pyrraIncrease);
    const backfillData = dir('backfill-data');
    linkBlocks(
      raw.segments.map((s) => segmentBlocks(s.days, 'raw')),
      backfillData,
    );
    const passSeconds = await backfillRecorded(
      servers,
      backfillData,
      passes,
      raw.segments.map((s) => ({ start: s.from, end: s.to - 1, outputDir: segmentBlocks(s.days) })),
      ctx.scratch,
    );
    rmSync(backfillData, { recursive: true, force: true });
    step('rules backfill (promtool rules)', passes.map((p, i) => `pass ${i + 1}: ${p.groups.reduce((n, g) => n + g.rules.length, 0)} rules, ${passSeconds[i]!.toFixed(0)} s`).join('; '));

    // each segment's raw and recorded blocks merged once, so that no server compacts while it is measured
    const segmentDirs = new Map<number, string>();
    await inParallel(
      raw.segments.length,
      raw.segments.map((s) => async () => {
        const d = dir('segments', `${s.days}d`);
        linkBlocks([segmentBlocks(s.days, 'raw'), ...passes.map((_, i) => segmentBlocks(s.days, `pass${i + 1}`))], d);
        segmentDirs.set(s.days, d);
        if (!size.settle) return;
        const server = await servers.start({ dataDir: d, args: NO_LEVELED_COMPACTION, readyTimeoutMs: 300_000 });
        try {
          await settleCompaction(server);
        } finally {
          await server.stop();
        }
      }),
    );
    rmSync(dir('blocks'), { recursive: true, force: true });
    step(size.settle ? 'merge overlapping blocks (Prometheus compaction)' : 'link blocks (no compaction wait in smoke mode)');

    exporter = new LiveExporter(STEP_SECONDS);
    const exporterPort = await exporter.start();
    for (const days of size.lengths) {
      const r = await measureLength(ctx, size, days, { slos, files, ownInterval, raw, passes, pyrraPeriodPasses, servers, exporter, exporterPort, segmentDirs });
      results.push(r);
      step(
        `${daysText(days)}: measured`,
        `tail ${r.seconds.tail.toFixed(0)} s, Pyrra's period ${r.seconds.pyrraPeriod.toFixed(0)} s, start ${r.seconds.start.toFixed(0)} s; alone: ${ALONE.map((s) => `${shortName(s)} ${ms(r.alone[s].medianMs)} ms`).join(', ')} per round; at once: ${TOGETHER.map((s) => `${shortName(s)} ${ms(r.together.timing[s]!.medianMs)} ms`).join(', ')}`,
      );
    }
  } finally {
    await exporter?.stop();
    await servers.stopAll();
  }
  return report(ctx, size, results, steps, rawInfo!, ruleCounts!, passCount!);
};

function report(
  ctx: Context,
  size: Sizes,
  results: LengthResult[],
  steps: { step: string; seconds: number }[],
  raw: { series: number; samples: number },
  ruleCounts: RuleCounts,
  passCount: Record<'ours' | Peer, number>,
): SectionResult {
  const longest = results[results.length - 1]!;
  const shown: Measured[] = [...OURS, ...PEERS];
  const other = OURS.filter((l) => l !== DEFAULT_LAYOUT);
  const pairs = OURS.flatMap((l) => PEERS.map((p) => [l, p] as const));
  const timeTable = (title: string, pick: (t: ShapeTiming) => number): Table => ({
    title,
    columns: ['days of history', ...shown.map((s) => `${shapeName(s)} ms`), ...pairs.map(([l, p]) => `${shortName(l)} / ${shortName(p)}`)],
    rows: results.map((r) => [String(r.days), ...shown.map((s) => ms(pick(r.alone[s]))), ...pairs.map(([l, p]) => ratio(pick(r.alone[l]) / pick(r.alone[p])))]),
  });
  const cost = timeTable(`Rule evaluation time per round, each shape alone (every group of the shape evaluated once; median of ${size.rounds} rounds, ${size.slos} SLOs)`, (t) => t.medianMs);
  const costSums = timeTable(`The same, as the sum over groups of each group's median evaluation time (less sensitive to stray slow evaluations)`, (t) => t.sumOfMediansMs);
  const [d, p] = TOGETHER as [Measured, Measured];
  const at = (r: LengthResult, s: Measured) => r.together.timing[s]!;
  const together: Table = {
    title: `${shapeName(d)} and ${shapeName(p)} loaded and evaluated at once: evaluation time per round (median of ${size.rounds} rounds)`,
    columns: ['days of history', `${shapeName(d)} ms`, `${shapeName(p)} ms`, 'ratio', `${shapeName(d)} ms (sum of group medians)`, `${shapeName(p)} ms (sum of group medians)`, 'ratio'],
    rows: results.map((r) => [
      String(r.days),
      ms(at(r, d).medianMs),
      ms(at(r, p).medianMs),
      ratio(at(r, d).medianMs / at(r, p).medianMs),
      ms(at(r, d).sumOfMediansMs),
      ms(at(r, p).sumOfMediansMs),
      ratio(at(r, d).sumOfMediansMs / at(r, p).sumOfMediansMs),
    ]),
  };
  const work: Table = {
    title: 'Samples read per round, and evaluation time per minute with every group at its own interval (each shape alone)',
    columns: [
      'days of history',
      ...shown.map((s) => `${shapeName(s)} samples`),
      ...PEERS.map((q) => `${shortName(DEFAULT_LAYOUT)} / ${shortName(q)} samples`),
      ...shown.map((s) => `${shapeName(s)} ms/min`),
    ],
    rows: results.map((r) => [
      String(r.days),
      ...shown.map((s) => int(r.samplesRead[s])),
      ...PEERS.map((q) => ratio(r.samplesRead[DEFAULT_LAYOUT] / r.samplesRead[q])),
      ...shown.map((s) => ms(r.alone[s].perMinuteMs)),
    ]),
  };
  const kinds: Table = {
    title: `Where the time goes, ${longest.days} days of history (sum over SLOs of each group's median)`,
    columns: ['shape', 'group', 'groups', 'rules per group', 'own interval', 'ms per round, alone', `ms per round, ${TOGETHER.map(shortName).join(' and ')} at once`, 'samples per round'],
    rows: shown.flatMap((s) =>
      Object.entries(longest.byKind[s]).map(([kind, k]) => [
        shapeName(s),
        kind,
        String(k.groups),
        String(ruleCounts[s].perKind[kind] ?? ''),
        promDuration(k.intervalSeconds),
        ms(longest.alone[s].byKindMs[kind] ?? NaN),
        Number.isNaN(k.ms) ? '—' : ms(k.ms),
        int(k.samples),
      ]),
    ),
  };

  // samples per 30 days for MONTH_SLOS SLOs: each SLO reads only its own series, so samples scale with the SLO count;
  // a group shared by all SLOs stays one group, but reads every SLO's series
  const scale = MONTH_SLOS / size.slos;
  const monthRows: string[][] = [];
  for (const s of shown) {
    let groups = 0;
    let perRound = 0;
    for (const [kind, k] of Object.entries(longest.byKind[s])) {
      const sharedGroup = k.groups < size.slos;
      const g = sharedGroup ? k.groups : k.groups * scale;
      const evaluations = MONTH_SECONDS / k.intervalSeconds;
      groups += g;
      perRound += k.samples;
      monthRows.push([shapeName(s), kind, `${int(g)}${sharedGroup ? ' (shared)' : ''}`, promDuration(k.intervalSeconds), int(k.samples), int(evaluations), big(k.samples * evaluations * scale)]);
    }
    monthRows.push([shapeName(s), '**all groups**', int(groups), '', int(perRound), '', `**${big(longest.samplesPerMonth[s] * scale)}**`]);
  }
  const month: Table = {
    title: `Samples read per 30 days for ${MONTH_SLOS} SLOs, every group at its own interval (what a managed Prometheus that bills query samples charges for rule evaluation; from ${size.slos} SLOs measured with ${daysText(longest.days)} of history)`,
    columns: [
      'shape',
      'group',
      `groups for ${MONTH_SLOS} SLOs`,
      'own interval',
      `samples per evaluation, all its groups (measured, ${size.slos} SLOs)`,
      'evaluations per 30 days',
      `samples per 30 days, ${MONTH_SLOS} SLOs`,
    ],
    rows: monthRows,
  };

  const rel = (v: number, exact: number) => Math.abs(v - exact) / exact;
  const stats = (xs: number[]) => ({ median: median(xs), mean: xs.reduce((a, b) => a + b, 0) / xs.length, max: Math.max(...xs) });
  const accuracyRows: string[][] = [];
  const accData = results.map((r) => {
    const byShape = Object.fromEntries(shown.map((s) => [s, stats(r.accuracy.map((a) => rel(a.values[s], a.exact)))])) as Record<Measured, ReturnType<typeof stats>>;
    for (const k of ['median', 'mean', 'max'] as const) accuracyRows.push([String(r.days), `${k} over SLOs`, ...shown.map((s) => pct(byShape[s][k]))]);
    return { days: r.days, ...byShape };
  });
  const accuracy: Table = {
    title: `Period SLI (30d error ratio at the end of the history) against the exact ratio of sums: relative error, ${size.slos} SLOs`,
    columns: ['days of history', 'statistic', ...shown.map(shapeName)],
    rows: accuracyRows,
  };

  const atDays = (days: number) => results.find((r) => r.days === days);
  const costTarget = (days: number, layout: Layout, peer: Peer, informational: boolean): Target => {
    const what = `evaluation time ${shapeName(layout)} / ${shapeName(peer)}, ${days} days of history`;
    const goal = informational ? '— (for comparison)' : '≤ 0.1';
    const info = informational ? { informational } : {};
    const r = atDays(days);
    if (!r) return { what, goal, measured: `not measured in ${ctx.mode} mode`, met: false, ...info };
    const x = r.alone[layout].medianMs / r.alone[peer].medianMs;
    return { what, goal, measured: ratio(x), met: x <= 0.1, ...info };
  };
  const worst = (s: Measured) => Math.max(...accData.map((a) => a[s].max));
  const targets: Target[] = [
    costTarget(7, DEFAULT_LAYOUT, 'sloth', false),
    costTarget(30, DEFAULT_LAYOUT, 'sloth', false),
    ...other.flatMap((l) => [costTarget(7, l, 'sloth', true), costTarget(30, l, 'sloth', true)]),
    ...OURS.flatMap((l) => [costTarget(7, l, 'pyrra', true), costTarget(30, l, 'pyrra', true)]),
    {
      what: `period SLI relative error of ${shapeName(DEFAULT_LAYOUT)} (worst SLO, every history length)`,
      goal: '≤ 1%',
      measured: `${pct(worst(DEFAULT_LAYOUT))} (${shown
        .filter((s) => s !== DEFAULT_LAYOUT)
        .map((s) => `${shapeName(s)}: ${pct(worst(s))}`)
        .join('; ')})`,
      met: worst(DEFAULT_LAYOUT) <= 0.01,
    },
  ];

  const notes: string[] = [];
  const smallest = results[0]!;
  if (ctx.mode === 'smoke')
    notes.push(`smoke mode: ${size.slos} SLOs × ${size.seriesPerSlo} series, ${size.lengths.join('/')} day(s) of history, ${size.rounds} rounds — proves the benchmark runs, not the targets.`);
  notes.push(`Steps: ${steps.map((s) => `${s.step} ${s.seconds.toFixed(0)} s`).join('; ')}; total ${steps.reduce((a, s) => a + s.seconds, 0).toFixed(0)} s.`);
  const cores = (c: Cpu | undefined) => (c ? `Prometheus ${c.prometheusCores.toFixed(2)} cores, other processes ${c.otherCores.toFixed(2)} of ${cpus().length}` : 'not measured');
  for (const r of results) {
    notes.push(
      `${daysText(r.days)}: ${at(r, d).rounds.length} rounds measured with ${TOGETHER.map(shapeName).join(' and ')} loaded at once, then each shape alone (${ALONE.map((s) => `${shortName(s)} ${r.alone[s].rounds.length}`).join(', ')} rounds, in that order); ` +
        `loaded alone: ${ALONE.map((s) => `${shortName(s)} ${r.loaded[s].groups} groups (${r.loaded[s].rules} rules)`).join(', ')}; ` +
        `rules with errors: ${ALONE.reduce((n, s) => n + r.loaded[s].unhealthy, 0)} alone, ${TOGETHER.reduce((n, s) => n + (r.together.loaded[s]?.unhealthy ?? 0), 0)} at once; ` +
        `${r.together.unseenEvaluations} evaluations between polls not seen and ${r.together.missedIterations} iterations missed at once; ` +
        `the backfilled data ended ${r.gapSeconds.toFixed(0)} s before the server started, which then scraped the live series ${r.liveScrapes} times. ` +
        `CPU while measuring: at once ${cores(r.together.cpu)}; ${ALONE.map((s) => `${shortName(s)} alone ${cores(r.alone[s].cpu)}`).join('; ')}.`,
    );
  }
  notes.push(
    `Why each shape is measured alone: evaluated at once, Sloth's raw-counter queries keep our rules waiting for one of the ${cpus().length} cores, and an evaluation's wall-clock duration counts that wait. ` +
      `With both loaded (${daysText(longest.days)}) ${shapeName(d)} took ${ms(at(longest, d).medianMs)} ms per round, alone ${ms(longest.alone[d].medianMs)} ms; ${SLOTH} ${ms(at(longest, p).medianMs)} and ${ms(longest.alone[p].medianMs)} ms. ` +
      `The same server and data serve every phase: only the loaded rule file changes, by a configuration reload.`,
  );
  notes.push(
    `Samples read are measured at the end of each shape's phase alone, while its own recorded series are fresh (an unloaded group's series are marked stale, and alerts reading them would read nothing). ` +
      `Samples per 30 days: per group, the samples its rules read in one evaluation × evaluations in 30 days at the group's own interval (ours as compiled; Sloth's 1m, Prometheus's default, as its groups set none; Pyrra's 30s and 2m30s, as it writes them), summed, × ${MONTH_SLOS} / ${size.slos}. ` +
      `Every SLO's rules read only its own series, so the samples grow linearly with the SLO count in every shape; what does not grow is the number of the shared layout's shared groups, one each for all SLOs, which read every SLO's series (they scale by series, not by groups). ` +
      `What the samples per SLO follow instead: the raw series per SLO and the scrape interval (${size.seriesPerSlo} series every ${STEP_SECONDS} s here), which multiply what Sloth's and Pyrra's raw-counter windows read, and the history the 30-day windows find (${daysText(longest.days)} here).`,
  );
  notes.push(
    'Incidents are kept an hour away from where each history length begins and ends, so that the comparison measures how each shape weights traffic, not the ≤ 10-minute lag of our period value.',
    `Sloth's period SLI is the average of its 5m ratios (sum_over_time / count_over_time of slo:sli_error:ratio_rate5m), so a quiet hour at 50% errors weighs as much as a busy one; ` +
      `with ${daysText(smallest.days)} of history its worst SLO is off by ${pct(accData[0]!.sloth.max)}, ${shapeName(DEFAULT_LAYOUT)} by ${pct(accData[0]![DEFAULT_LAYOUT].max)}. ` +
      `Pyrra's is a ratio of sums, errors over total of its recorded increase(http_requests_total[30d]) by status code (what its error-budget query reads), recorded at most one 2m30s evaluation before the end of the history: worst SLO off by ${pct(accData[0]!.pyrra.max)} with ${daysText(smallest.days)}.`,
  );
  notes.push(
    `Taken literally, Sloth's shape reads the raw counters only up to its longest alert window (rate(...[3d])); its 30d period reads its recorded 5m ratios, one sample per minute, which is why its cost grows with history. ` +
      `Pyrra's shape reads the raw counters over every window: seven burn rates up to 4d6h51m every 30s, and the whole 30d window (increase) every 2m30s; so its cost grows with history up to 30 days. ` +
      `Ours reads raw counters only over 5m; every window of a day or more reads 10-minute roll-ups.`,
  );
  const perRule = (sh: Measured) => longest.alone[sh].medianMs / ruleCounts[sh].rules;
  notes.push(
    `Per rule, alone (${daysText(longest.days)}): ${shown.map((s) => `${shapeName(s)} ${ms(perRule(s))} ms over ${ruleCounts[s].rules} rules`).join('; ')}. ` +
      `Sloth's cost is its raw-counter windows (${ms(longest.alone.sloth.byKindMs['sli-recordings'] ?? NaN)} of ${ms(longest.alone.sloth.sumOfMediansMs)} ms alone), Pyrra's its increase and burn rates over the raw counters; both grow with the number of raw series per SLO and the scrape rate. ` +
      `Ours read the raw series over 5 minutes only, so the time ratio sits above the samples ratio (${shapeName(DEFAULT_LAYOUT)} / ${SLOTH}: ${ratio(longest.alone[DEFAULT_LAYOUT].medianMs / longest.alone.sloth.medianMs)} against ${ratio(longest.samplesRead[DEFAULT_LAYOUT] / longest.samplesRead.sloth)}): every rule also has a fixed cost.`,
  );
  const growth = (sh: Measured) => (results.length > 1 ? `${ms(results[0]!.alone[sh].medianMs)} → ${ms(longest.alone[sh].medianMs)} ms` : `${ms(longest.alone[sh].medianMs)} ms`);
  if (results.length > 1) notes.push(`Growth from ${results[0]!.days} to ${longest.days} days, each alone: ${shown.map((s) => `${shapeName(s)} ${growth(s)}`).join(', ')} per round.`);
  const worstDifference = Math.max(...results.map((r) => r.sharedMaxRelativeDifference));
  const SHARED_KINDS = ['constants', 'blocks', 'windows', 'rollup', 'period'];
  const sharedRules = SHARED_KINDS.reduce((n, k) => n + (ruleCounts.shared.perKind[k] ?? 0), 0);
  notes.push(
    `The shared layout records the same series with the same labels as the per-SLO layout, but keeps per SLO only its alerts ` +
      `(${ruleCounts.shared.rules - sharedRules} rules in ${ruleCounts.shared.groups - SHARED_KINDS.length} groups for ${size.slos} SLOs), ` +
      `and in ${SHARED_KINDS.length} shared groups (${sharedRules} rules) every objective's constants (objective, error budget, slo_info) and building blocks, a rule each, and every window ratio, roll-up, burn rate, no-traffic flag and budget remaining as one rule for all SLOs ` +
      `(Prometheus pays per group evaluation several times what it pays per rule in it): ` +
      `${ruleCounts.shared.rules} rules in all against ${ruleCounts['per-slo'].rules}. ` +
      `Its phase ran last on the same server: its recorded 1h and period error ratios were within ${pct(worstDifference)} of the per-SLO layout's expressions evaluated at the moment of recording (worst SLO, every length). ` +
      `Its shared rules select the compile's own objectives (one selector over their names and services, kept to the compile's member record when there are several services), so two compiles' rules in one Prometheus never record the same series. ` +
      `What it costs a user: the shared file (shared-<inputs>.rules.yaml) has to be loaded wherever the compile's SLO rules are, every objective gets a ratio for every window any SLO of the compile uses, ` +
      `and the window ratios trail the building blocks by up to one evaluation (another group). The default layout is ${DEFAULT_LAYOUT}.`,
  );

  const countsText = (s: Measured) => `${ruleCounts[s].groups} groups, ${ruleCounts[s].rules} rules`;
  return {
    id: 'evalcost',
    title: 'Rule evaluation cost and accuracy against Sloth’s and Pyrra’s rule shapes',
    method:
      `${size.slos} generated OpenSLO SLOs (12 services, objectives 99/99.5/99.9%, 30d rolling, ratio SLIs over http_requests_total of their own job, half as bare counters, half as Sloth-style rate queries), ` +
      `each with ${size.seriesPerSlo} raw counter series from the traffic generator (diurnal and weekly curve, one incident a day alternating between quiet and busy hours, a counter reset) at a ${STEP_SECONDS}s step: ` +
      `${int(raw.series)} series, ${int(raw.samples)} samples over ${size.lengths[size.lengths.length - 1]} days, backfilled with promtool (openmetrics). ` +
      `Compiled by slo-engine in each layout (${OURS.map((l) => `${shapeName(l)}: ${countsText(l)}`).join('; ')}), ` +
      `in Sloth's rule shape, taken literally from Sloth's own output for ${SLOTH_EXAMPLE} with only the queries, ids, objective, labels and alert name replaced (${countsText('sloth')}), ` +
      `and in Pyrra's rule shape: ${PYRRA_SOURCE}, with only the SLO name, selectors, objective and propagated labels replaced (${countsText('pyrra')}; no generic rules, which Pyrra writes only with --generic-rules). ` +
      `The series the measured rules read from the past were backfilled with promtool (rules) in dependency passes at the groups' own intervals (${passText(passCount)}): our building blocks (1m) and roll-ups (10m), Sloth's 5m ratios (1m); ` +
      `Pyrra's rules read no recorded series over a range, so none of its series is backfilled over the history; its 30d increase (2m30s) is recorded from each length's own data at the end of that history, for its period SLI. ` +
      `History lengths ${size.lengths.join(', ')} days are the newest part of one history; each length's blocks were merged by Prometheus before measuring${size.settle ? '' : ' (not in smoke mode)'}, raw and recorded series were backfilled up to the minute the server started, and the raw series were scraped live from then on. ` +
      `Then one Prometheus 2.42 over that data, every group at a ${size.intervalSeconds}s interval for the measurement (copies of the files; the same for every shape): first with ${TOGETHER.map(shapeName).join(' and ')} loaded at once, then, by configuration reloads of the same server, with each shape alone (the headline numbers): ${ALONE.map(shapeName).join(', ')}. ` +
      `Each phase after ${size.warmup} warm-up rounds: each group's last evaluation duration from /metrics, polled 2.5 times per interval; per shape the sum over its groups per round, median of ${size.rounds} rounds. ` +
      `Samples read are the query engine's totalQueryableSamples for every rule's expression. Accuracy: each shape's 30d period expression evaluated at the end of the history (ours per layout, Sloth's period rule, Pyrra's error-budget ratio over its recorded increase), against the generator's exact bad/total over the same span. ` +
      `Machine: ${cpus().length} cores, shared with whatever else runs there; timings are wall-clock evaluation times and include waiting for a core.`,
    tables: [cost, costSums, together, work, kinds, month, accuracy],
    targets,
    plots: [
      {
        file: 'eval-cost.svg',
        title: 'Rule evaluation time per round against history length',
        xLabel: 'days of history',
        yLabel: 'ms per evaluation',
        series: [
          ...shown.map((s) => ({ name: `${shapeName(s)} (alone)`, points: results.map((r) => ({ x: r.days, y: r.alone[s].medianMs })) })),
          ...TOGETHER.map((s) => ({ name: `${shapeName(s)} (${TOGETHER.map(shortName).join(' and ')} at once)`, points: results.map((r) => ({ x: r.days, y: at(r, s).medianMs })) })),
        ],
      },
    ],
    data: { sizes: size, stepSeconds: STEP_SECONDS, defaultLayout: DEFAULT_LAYOUT, raw, ruleCounts, passCount, steps, lengths: results, accuracy: accData, monthSlos: MONTH_SLOS },
    notes,
  };
}

/** Backfill passes per shape, as text. */
const passText = (c: Record<'ours' | Peer, number>): string => `ours ${c.ours}, Sloth's ${c.sloth}, Pyrra's ${c.pyrra}`;
