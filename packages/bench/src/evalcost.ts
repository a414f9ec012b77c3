import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as path from 'node:path';
import { BLOCK, header, isAlert, LABEL, RECORD, renderRuleFile, toYaml, type RecordingRule, type RuleFile } from '@slo-engine/rules';
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
import { benchSlos, compileOurs, type BenchSlo } from './evalcost-slos';
import { readSlothTemplate, SLOTH_EXAMPLE, slothRules } from './evalcost-sloth';
import type { Context, Mode, Section, SectionResult, Table, Target } from './section';

/**
 * Sections 1 and 2 of the benchmarks: the same SLOs compiled by us and in the rule shape Sloth generates,
 * both loaded into one Prometheus over the same backfilled history. Section 1 measures what their rule
 * groups cost per evaluation, for several history lengths; section 2 compares each shape's period SLI
 * with the exact ratio of sums the data generator knows.
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
  /** Every group of both shapes is evaluated at this interval while measured. */
  intervalSeconds: number;
  /** How often the measured server scrapes the live series (the history's step in production-like modes; shorter in smoke mode, which lasts seconds). */
  scrapeSeconds: number;
  /** Wait for Prometheus to merge the overlapping backfilled blocks before measuring (it starts a minute after startup). */
  settle: boolean;
}

export const EVALCOST_SIZES: Record<Mode, Sizes> = {
  smoke: { slos: 2, seriesPerSlo: 4, lengths: [3], rounds: 3, warmup: 1, intervalSeconds: 2, scrapeSeconds: 1, settle: false },
  default: { slos: 50, seriesPerSlo: 40, lengths: [7, 14, 30], rounds: 12, warmup: 2, intervalSeconds: 10, scrapeSeconds: STEP_SECONDS, settle: true },
  // 100 SLOs: 4,000 raw series; a 21-day length keeps each segment's OpenMetrics file (read whole by promtool) under 4 GB
  full: { slos: 100, seriesPerSlo: 40, lengths: [7, 14, 21, 30], rounds: 20, warmup: 3, intervalSeconds: 15, scrapeSeconds: STEP_SECONDS, settle: true },
};

const OURS = 'slo-engine';
const SLOTH = 'Sloth shape';
const SHARED = 'slo-engine --layout shared';
type Shape = 'ours' | 'sloth';
const SHAPES: Shape[] = ['ours', 'sloth'];
/** Shapes measured alone: ours (the default per-SLO layout), Sloth's, and ours in the shared layout (`slo compile --layout shared`). */
type Measured = Shape | 'shared';
const ALONE: Measured[] = ['ours', 'sloth', 'shared'];
const SHAPE_NAME: Record<Measured, string> = { ours: OURS, sloth: SLOTH, shared: SHARED };
const RULE_FILE: Record<Measured, string> = { ours: 'ours.rules.yml', sloth: 'sloth.rules.yml', shared: 'shared.rules.yml' };
/** Sloth's groups carry no interval: they run at Prometheus's evaluation interval, 1m by default. */
const SLOTH_INTERVAL_SECONDS = 60;
const INTERVAL_SECONDS: Record<string, number> = { '1m': 60, '2m': 120, '10m': 600 };

type RuleCounts = Record<Measured, { groups: number; rules: number /** rules per group, by group kind */; perKind: Record<string, number> }>;

/** What each group of a shape is, from its name: our four groups per SLO, Sloth's three. */
function groupKind(shape: Measured, group: string): string {
  if (shape !== 'sloth') return group.slice(group.lastIndexOf(':') + 1);
  const m = /^sloth-slo-(sli-recordings|meta-recordings|alerts)-/.exec(group);
  return m ? m[1]! : 'other';
}

type KindTally = { groups: number; ms: number; samples: number };

/** The tally of one kind of group, added to `tallies` (starting at `ms`) the first time the kind is seen. */
function kindTally(tallies: Record<string, KindTally>, kind: string, ms: number): KindTally {
  let k = tallies[kind];
  if (k === undefined) {
    k = { groups: 0, ms, samples: 0 };
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
  /** ms of evaluation per minute with every group at its own interval (ours 1m/10m/2m/1m, Sloth 1m). */
  perMinuteMs: number;
  /** Per group kind: the sum over SLOs of the group's median evaluation time, ms. */
  byKindMs: Record<string, number>;
}

function timing(s: Measured, gs: GroupSamples[], nativeInterval: Map<string, number>): ShapeTiming {
  const n = Math.min(...gs.map((g) => g.durations.length));
  const rounds = Array.from({ length: Number.isFinite(n) ? n : 0 }, (_, k) => gs.reduce((a, g) => a + g.durations[k]!, 0) * 1000);
  const byKindMs: Record<string, number> = {};
  for (const g of gs) byKindMs[groupKind(s, g.group)] = (byKindMs[groupKind(s, g.group)] ?? 0) + median(g.durations) * 1000;
  return {
    rounds,
    medianMs: median(rounds),
    sumOfMediansMs: gs.reduce((a, g) => a + median(g.durations), 0) * 1000,
    perMinuteMs: gs.reduce((a, g) => a + (median(g.durations) * 60) / (s === 'sloth' ? SLOTH_INTERVAL_SECONDS : (nativeInterval.get(g.group) ?? 60)), 0) * 1000,
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

export interface LengthResult {
  days: number;
  /** Seconds between the end of the backfilled data and the server's start (live scraping covers the time after). */
  gapSeconds: number;
  /** Successful scrapes of the live exporter by the end of the measurement. */
  liveScrapes: number;
  /** Groups Prometheus loaded per shape, and rules that reported an error. */
  loaded: Record<Shape, { groups: number; rules: number; unhealthy: number }>;
  /**
   * Each shape measured alone: the same server and data with only that shape's rule file loaded (a
   * configuration reload). The headline numbers: evaluated at once, the heavy shape's queries keep the
   * light shape's rules waiting for a core, and wall-clock durations count that wait.
   */
  alone: Record<Measured, ShapeTiming & { cpu?: { prometheusCores: number; otherCores: number } }>;
  /**
   * The shared layout, after its phase: groups and rules loaded, rules with errors, and how far its recorded
   * 1h and period error ratios are from our compiled expressions evaluated at the same moment (relative, worst SLO).
   */
  shared: { groups: number; rules: number; unhealthy: number; maxRelativeDifference: number };
  /** The rest, up to byKind, are with both shapes loaded and evaluated at once. Per round: the sum over the shape's groups of their evaluation time, ms. */
  rounds: Record<Shape, number[]>;
  medianMs: Record<Shape, number>;
  /** The sum over groups of each group's median, ms: the same, less sensitive to stray slow evaluations. */
  sumOfMediansMs: Record<Shape, number>;
  /** ms of evaluation per minute with every group at its own interval (ours 1m/10m/2m/1m, Sloth 1m). */
  perMinuteMs: Record<Shape, number>;
  /** Per group kind: the sum over SLOs of the group's median evaluation time (ms; NaN for the shared layout, never loaded with the others) and of the samples its rules read. */
  byKind: Record<Measured, Record<string, KindTally>>;
  samplesRead: Record<Measured, number>;
  unseenEvaluations: number;
  missedIterations: number;
  cpu?: { prometheusCores: number; otherCores: number };
  accuracy: { slo: string; exact: number; ours: number; sloth: number }[];
  seconds: { tail: number; start: number; settle?: number; measure: number };
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

/** Our passes and Sloth's, level by level: both shapes' recorded series are backfilled together. */
function mergedPasses(ours: RuleFile, sloth: RuleFile): RuleFile[] {
  const a = backfillPasses(ours, [BLOCK.badRollup, BLOCK.totalRollup]);
  const b = backfillPasses({ groups: sloth.groups.map((g) => ({ ...g, interval: `${SLOTH_INTERVAL_SECONDS}s` })) }, [RECORD.errorRatio('5m')]);
  return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => ({ groups: [...(a[i]?.groups ?? []), ...(b[i]?.groups ?? [])] }));
}

async function measureLength(
  ctx: Context,
  size: Sizes,
  days: number,
  run: {
    slos: BenchSlo[];
    ours: RuleFile[];
    sloth: RuleFile[];
    shared: RuleFile;
    raw: RawHistory;
    passes: RuleFile[];
    servers: Servers;
    exporter: LiveExporter;
    exporterPort: number;
    segmentDirs: Map<number, string>;
  },
): Promise<LengthResult> {
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

  // the measured server: both shapes at the same interval, the raw series scraped live as in production
  t0 = Date.now();
  const M = size.intervalSeconds;
  const configFor = (shapes: Measured[]) =>
    toYaml({
      global: { evaluation_interval: `${M}s`, scrape_interval: `${size.scrapeSeconds}s` },
      rule_files: shapes.map((s) => path.join(ctx.scratch, RULE_FILE[s])),
      scrape_configs: [{ job_name: 'live-traffic', honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${run.exporterPort}`] }] }],
    });
  const server = await servers.start({ dataDir, config: configFor(SHAPES), args: NO_LEVELED_COMPACTION, readyTimeoutMs: 300_000 });
  const gapSeconds = Date.now() / 1000 - tail.last[0]!.time;
  try {
    const startSeconds = (Date.now() - t0) / 1000;
    t0 = Date.now();
    let settleSeconds: number | undefined;
    if (size.settle) settleSeconds = (await settleCompaction(server)).seconds;
    await sampleGroups(server, size.warmup, M, size.warmup * M * 4 + 60);
    const concurrent = await withCpu(server, () => sampleGroups(server, size.rounds, M, size.rounds * M * 4 + 120));
    const samples = concurrent.value;
    const cpu = concurrent.cpu;

    // what was loaded, and whether every rule evaluated without error
    const groups = await server.rules();
    const shapeOfFile = (file: string): Measured | undefined => ALONE.find((s) => path.basename(file) === RULE_FILE[s]);
    /** The groups and rules of a shape the server has loaded, and how many of its rules reported an error. */
    const loadedOf = (all: typeof groups, s: Measured) => {
      const gs = all.filter((g) => shapeOfFile(g.file) === s);
      const rules = gs.flatMap((g) => g.rules);
      return { groups: gs.length, rules: rules.length, unhealthy: rules.filter((r) => r.health !== 'ok').length };
    };
    const loaded = Object.fromEntries(SHAPES.map((s) => [s, loadedOf(groups, s)])) as LengthResult['loaded'];
    const nativeInterval = new Map([...run.ours.flatMap((f) => f.groups), ...run.shared.groups].map((g) => [g.name, INTERVAL_SECONDS[g.interval ?? '1m'] ?? 60]));

    // then each shape alone: the same server and data, the other shapes' rule files unloaded
    const alone = {} as LengthResult['alone'];
    for (const s of ALONE) {
      await reloadConfig(server, configFor([s]));
      const mine = (file: string) => shapeOfFile(file) === s;
      await sampleGroups(server, size.warmup, M, size.warmup * M * 4 + 60, mine);
      const measured = await withCpu(server, () => sampleGroups(server, size.rounds, M, size.rounds * M * 4 + 120, mine));
      alone[s] = { ...timing(s, measured.value, nativeInterval), ...(measured.cpu ? { cpu: measured.cpu } : {}) };
    }
    const measureSeconds = (Date.now() - t0) / 1000;

    // the shared layout is loaded last: its rules ran without errors and recorded what our expressions compute
    const sharedLoaded = loadedOf(await server.rules(), 'shared');
    let maxRelativeDifference = 0;
    const now0 = Math.floor(Date.now() / 1000);
    for (const file of run.ours)
      for (const r of file.groups.flatMap((g) => g.rules))
        if (!isAlert(r) && (r.record === RECORD.errorRatio('1h') || r.record === RECORD.errorRatio('30d'))) {
          const sel = `{${LABEL.name}=${JSON.stringify(r.labels[LABEL.name])},${LABEL.service}=${JSON.stringify(r.labels[LABEL.service])}}`;
          // the recorded sample against our expression at the moment it was recorded
          const at = await server.queryValue(`timestamp(${r.record}${sel})`, now0);
          const got = await server.queryValue(`${r.record}${sel}`, at);
          const want = await server.queryValue(r.expr, at);
          maxRelativeDifference = Math.max(maxRelativeDifference, want === 0 ? Math.abs(got) : Math.abs(got - want) / want);
        }
    const shared = { ...sharedLoaded, maxRelativeDifference };

    const byShape = (s: Measured): GroupSamples[] => samples.filter((g) => shapeOfFile(g.file) === s);
    const rounds = {} as Record<Shape, number[]>;
    const medianMs = {} as Record<Shape, number>;
    const sumOfMediansMs = {} as Record<Shape, number>;
    const perMinuteMs = {} as Record<Shape, number>;
    const byKind = {} as LengthResult['byKind'];
    for (const s of SHAPES) {
      const gs = byShape(s);
      const t = timing(s, gs, nativeInterval);
      rounds[s] = t.rounds;
      medianMs[s] = t.medianMs;
      sumOfMediansMs[s] = t.sumOfMediansMs;
      perMinuteMs[s] = t.perMinuteMs;
      byKind[s] = {};
      for (const g of gs) {
        const k = kindTally(byKind[s], groupKind(s, g.group), 0);
        k.groups++;
        k.ms += median(g.durations) * 1000;
      }
    }
    byKind.shared = {};
    for (const g of run.shared.groups) {
      const k = kindTally(byKind.shared, groupKind('shared', g.name), NaN);
      k.groups++;
    }

    // samples each rule reads, now: the deterministic part of the cost
    const now = Math.floor(Date.now() / 1000);
    const samplesReadBy = { ours: 0, sloth: 0, shared: 0 } as Record<Measured, number>;
    for (const [s, files] of [['ours', run.ours] as const, ['sloth', run.sloth] as const, ['shared', [run.shared]] as const])
      for (const f of files)
        for (const g of f.groups) {
          let n = 0;
          for (const r of g.rules) n += await samplesRead(server, r.expr, now);
          samplesReadBy[s] += n;
          const k = kindTally(byKind[s], groupKind(s, g.name), 0);
          k.samples += n;
        }

    // the live scrape worked: successful scrapes of the exporter so far
    const up = await server.query(`sum_over_time(up{job="live-traffic"}[1h])`, now);
    const liveScrapes = up[0]?.value ?? 0;

    // section 2: each shape's period SLI at the end of the history against the exact ratio of sums
    const exact = raw.exact.get(days)!;
    const accuracy: LengthResult['accuracy'] = [];
    for (const [i, slo] of slos.entries()) {
      const e = exact[i]!;
      accuracy.push({
        slo: `${slo.service}/${slo.name}`,
        exact: e.bad / e.total,
        ours: await server.queryValue(periodRule(run.ours[i]!).expr, raw.end),
        sloth: await server.queryValue(periodRule(run.sloth[i]!).expr, raw.end),
      });
    }
    return {
      days,
      gapSeconds,
      liveScrapes,
      loaded,
      alone,
      shared,
      rounds,
      medianMs,
      sumOfMediansMs,
      perMinuteMs,
      byKind,
      samplesRead: samplesReadBy,
      unseenEvaluations: samples.reduce((a, g) => a + g.unseen, 0),
      missedIterations: samples.reduce((a, g) => a + g.missed, 0),
      ...(cpu ? { cpu } : {}),
      accuracy,
      seconds: { tail: tailSeconds, start: startSeconds, ...(settleSeconds === undefined ? {} : { settle: settleSeconds }), measure: measureSeconds },
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
  try {
    // the SLOs, our rules, and Sloth's shape for the same SLOs
    const slos = benchSlos(size.slos, size.seriesPerSlo);
    const { perSlo: ours, shared } = compileOurs(slos);
    const template = readSlothTemplate(ctx.root);
    const sloth = slos.map((s) => slothRules(template, s));
    const all: Record<Measured, RuleFile> = { ours: { groups: ours.flatMap((f) => f.groups) }, sloth: { groups: sloth.flatMap((f) => f.groups) }, shared };
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
      const file = dir(RULE_FILE[s]);
      const measured = { groups: all[s].groups.map((g) => ({ ...g, interval: `${size.intervalSeconds}s` })) };
      writeFileSync(
        file,
        s !== 'sloth'
          ? renderRuleFile(measured, header('bench', 'evalcost', 'Prometheus rules (measured copy)'))
          : `# Sloth's rule shape (${SLOTH_EXAMPLE}) for the benchmark SLOs\n${toYaml(measured)}`,
      );
      await promtool(['check', 'rules', file]);
    }
    step(
      'compile',
      `${slos.length} SLOs: ours ${ruleCounts.ours.groups} groups / ${ruleCounts.ours.rules} rules, Sloth shape ${ruleCounts.sloth.groups} groups / ${ruleCounts.sloth.rules} rules, shared layout ${ruleCounts.shared.groups} groups / ${ruleCounts.shared.rules} rules`,
    );

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

    // recorded series over the history: what the measured rules read from the past
    const passes = mergedPasses(all.ours, all.sloth);
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
      const r = await measureLength(ctx, size, days, { slos, ours, sloth, shared, raw, passes, servers, exporter, exporterPort, segmentDirs });
      results.push(r);
      step(
        `${daysText(days)}: measured`,
        `tail ${r.seconds.tail.toFixed(0)} s, start ${r.seconds.start.toFixed(0)} s, ${r.rounds.ours.length} rounds; alone: ours ${ms(r.alone.ours.medianMs)} ms, Sloth shape ${ms(r.alone.sloth.medianMs)} ms, shared layout ${ms(r.alone.shared.medianMs)} ms per round; at once: ${ms(r.medianMs.ours)} and ${ms(r.medianMs.sloth)} ms`,
      );
    }
  } finally {
    await exporter?.stop();
    await servers.stopAll();
  }
  return report(ctx, size, results, steps, rawInfo!, ruleCounts!);
};

function report(ctx: Context, size: Sizes, results: LengthResult[], steps: { step: string; seconds: number }[], raw: { series: number; samples: number }, ruleCounts: RuleCounts): SectionResult {
  const longest = results[results.length - 1]!;
  const cost: Table = {
    title: `Rule evaluation time per round, each shape alone (every group of the shape evaluated once; median of ${size.rounds} rounds, ${size.slos} SLOs)`,
    columns: ['days of history', `${OURS} ms`, `${SLOTH} ms`, 'ratio', `${OURS} ms (sum of group medians)`, `${SLOTH} ms (sum of group medians)`, 'ratio'],
    rows: results.map((r) => [
      String(r.days),
      ms(r.alone.ours.medianMs),
      ms(r.alone.sloth.medianMs),
      ratio(r.alone.ours.medianMs / r.alone.sloth.medianMs),
      ms(r.alone.ours.sumOfMediansMs),
      ms(r.alone.sloth.sumOfMediansMs),
      ratio(r.alone.ours.sumOfMediansMs / r.alone.sloth.sumOfMediansMs),
    ]),
  };
  const sharedCost: Table = {
    title: `The same SLOs compiled with slo compile --layout shared, where every rule that reads only recorded series is one rule for all SLOs (each alone; median of ${size.rounds} rounds)`,
    columns: ['days of history', `${OURS} ms`, 'shared layout ms', `${SLOTH} ms`, 'shared layout / Sloth shape', `${OURS} / Sloth shape`, 'shared layout samples', 'largest difference from ours'],
    rows: results.map((r) => [
      String(r.days),
      ms(r.alone.ours.medianMs),
      ms(r.alone.shared.medianMs),
      ms(r.alone.sloth.medianMs),
      ratio(r.alone.shared.medianMs / r.alone.sloth.medianMs),
      ratio(r.alone.ours.medianMs / r.alone.sloth.medianMs),
      int(r.samplesRead.shared),
      pct(r.shared.maxRelativeDifference),
    ]),
  };
  const together: Table = {
    title: `Both shapes loaded and evaluated at once: evaluation time per round (median of ${size.rounds} rounds)`,
    columns: ['days of history', `${OURS} ms`, `${SLOTH} ms`, 'ratio', `${OURS} ms (sum of group medians)`, `${SLOTH} ms (sum of group medians)`, 'ratio'],
    rows: results.map((r) => [
      String(r.days),
      ms(r.medianMs.ours),
      ms(r.medianMs.sloth),
      ratio(r.medianMs.ours / r.medianMs.sloth),
      ms(r.sumOfMediansMs.ours),
      ms(r.sumOfMediansMs.sloth),
      ratio(r.sumOfMediansMs.ours / r.sumOfMediansMs.sloth),
    ]),
  };
  const work: Table = {
    title: 'Samples read per round, and evaluation time per minute with every group at its own interval (each shape alone)',
    columns: ['days of history', `${OURS} samples`, `${SLOTH} samples`, 'ratio', `${OURS} ms/min`, `${SLOTH} ms/min`, 'ratio'],
    rows: results.map((r) => [
      String(r.days),
      int(r.samplesRead.ours),
      int(r.samplesRead.sloth),
      ratio(r.samplesRead.ours / r.samplesRead.sloth),
      ms(r.alone.ours.perMinuteMs),
      ms(r.alone.sloth.perMinuteMs),
      ratio(r.alone.ours.perMinuteMs / r.alone.sloth.perMinuteMs),
    ]),
  };
  const kinds: Table = {
    title: `Where the time goes, ${longest.days} days of history (sum over SLOs of each group's median)`,
    columns: ['shape', 'group', 'groups', 'rules per group', 'ms per round, alone', 'ms per round, both at once', 'samples per round'],
    rows: ALONE.flatMap((s) =>
      Object.entries(longest.byKind[s]).map(([kind, k]) => [
        SHAPE_NAME[s],
        kind,
        String(k.groups),
        String(ruleCounts[s].perKind[kind] ?? ''),
        ms(longest.alone[s].byKindMs[kind] ?? NaN),
        Number.isNaN(k.ms) ? '—' : ms(k.ms),
        int(k.samples),
      ]),
    ),
  };

  const rel = (v: number, exact: number) => Math.abs(v - exact) / exact;
  const accuracyRows: string[][] = [];
  const accData = results.map((r) => {
    const errs = { ours: r.accuracy.map((a) => rel(a.ours, a.exact)), sloth: r.accuracy.map((a) => rel(a.sloth, a.exact)) };
    const stats = (xs: number[]) => ({ median: median(xs), mean: xs.reduce((a, b) => a + b, 0) / xs.length, max: Math.max(...xs) });
    const o = stats(errs.ours);
    const s = stats(errs.sloth);
    for (const k of ['median', 'mean', 'max'] as const) accuracyRows.push([String(r.days), `${k} over SLOs`, pct(o[k]), pct(s[k]), ratio(o[k] / s[k])]);
    return { days: r.days, ours: o, sloth: s };
  });
  const accuracy: Table = {
    title: `Period SLI (30d error ratio at the end of the history) against the exact ratio of sums: relative error, ${size.slos} SLOs`,
    columns: ['days of history', 'statistic', OURS, SLOTH, 'ratio'],
    rows: accuracyRows,
  };

  const at = (days: number) => results.find((r) => r.days === days);
  const costTarget = (days: number, ours: 'ours' | 'shared'): Target => {
    const r = at(days);
    const what = `evaluation time ${ours === 'ours' ? `${OURS} (default per-SLO layout)` : SHARED} / ${SLOTH}, ${days} days of history`;
    if (!r) return { what, goal: '≤ 0.1', measured: `not measured in ${ctx.mode} mode`, met: false };
    const x = r.alone[ours].medianMs / r.alone.sloth.medianMs;
    return { what, goal: '≤ 0.1', measured: ratio(x), met: x <= 0.1 };
  };
  const worstOurs = Math.max(...accData.map((a) => a.ours.max));
  const worstSloth = Math.max(...accData.map((a) => a.sloth.max));
  const targets: Target[] = [
    costTarget(7, 'ours'),
    costTarget(30, 'ours'),
    costTarget(7, 'shared'),
    costTarget(30, 'shared'),
    { what: `period SLI relative error of ${OURS} (worst SLO, every history length)`, goal: '≤ 1%', measured: `${pct(worstOurs)} (${SLOTH}: ${pct(worstSloth)})`, met: worstOurs <= 0.01 },
  ];

  const notes: string[] = [];
  const smallest = results[0]!;
  if (ctx.mode === 'smoke')
    notes.push(`smoke mode: ${size.slos} SLOs × ${size.seriesPerSlo} series, ${size.lengths.join('/')} day(s) of history, ${size.rounds} rounds — proves the benchmark runs, not the targets.`);
  notes.push(`Steps: ${steps.map((s) => `${s.step} ${s.seconds.toFixed(0)} s`).join('; ')}; total ${steps.reduce((a, s) => a + s.seconds, 0).toFixed(0)} s.`);
  const cores = (c: { prometheusCores: number; otherCores: number } | undefined) =>
    c ? `Prometheus ${c.prometheusCores.toFixed(2)} cores, other processes ${c.otherCores.toFixed(2)} of ${cpus().length}` : 'not measured';
  for (const r of results) {
    notes.push(
      `${daysText(r.days)}: ${r.rounds.ours.length} rounds measured with both shapes loaded, then ${r.alone.ours.rounds.length} (${OURS}) and ${r.alone.sloth.rounds.length} (${SLOTH}) with each alone, and ${r.alone.shared.rounds.length} of the shared layout; ` +
        `${r.loaded.ours.groups} ${OURS} groups (${r.loaded.ours.rules} rules) and ${r.loaded.sloth.groups} ${SLOTH} groups (${r.loaded.sloth.rules} rules) loaded, ` +
        `${r.loaded.ours.unhealthy + r.loaded.sloth.unhealthy} rules with errors; ${r.unseenEvaluations} evaluations between polls not seen, ${r.missedIterations} iterations missed; ` +
        `the backfilled data ended ${r.gapSeconds.toFixed(0)} s before the server started, which then scraped the live series ${r.liveScrapes} times. ` +
        `CPU while measuring: both at once ${cores(r.cpu)}; ${OURS} alone ${cores(r.alone.ours.cpu)}; ${SLOTH} alone ${cores(r.alone.sloth.cpu)}; shared layout alone ${cores(r.alone.shared.cpu)}.`,
    );
  }
  notes.push(
    `Why each shape is measured alone: evaluated at once, ${SLOTH}'s raw-counter queries keep ${OURS}'s rules waiting for one of the ${cpus().length} cores, and an evaluation's wall-clock duration counts that wait. ` +
      `With both loaded (${daysText(longest.days)}) ${OURS} took ${ms(longest.medianMs.ours)} ms per round, alone ${ms(longest.alone.ours.medianMs)} ms; ${SLOTH} ${ms(longest.medianMs.sloth)} and ${ms(longest.alone.sloth.medianMs)} ms. ` +
      `The same server and data serve both phases: only the loaded rule file changes, by a configuration reload.`,
  );
  notes.push(
    'Incidents are kept an hour away from where each history length begins and ends, so that the comparison measures how each shape weights traffic, not the ≤ 10-minute lag of our period value.',
    `${SLOTH}'s period SLI is the average of its 5m ratios (sum_over_time / count_over_time of slo:sli_error:ratio_rate5m), so a quiet hour at 50% errors weighs as much as a busy one; ` +
      `with ${daysText(smallest.days)} of history its worst SLO is off by ${pct(accData[0]!.sloth.max)}, ours by ${pct(accData[0]!.ours.max)}.`,
  );
  notes.push(
    `Taken literally, Sloth's shape reads the raw counters only up to its longest alert window (rate(...[3d])); its 30d period reads its recorded 5m ratios, one sample per minute, which is why its cost grows with history. ` +
      `Ours reads raw counters only over 5m; every window of a day or more reads 10-minute roll-ups.`,
  );
  const sli = longest.byKind.sloth['sli-recordings'];
  const perRule = (sh: Measured) => longest.alone[sh].medianMs / ruleCounts[sh].rules;
  if (sli)
    notes.push(
      `Per rule, alone (${daysText(longest.days)}): ${OURS} ${ms(perRule('ours'))} ms over ${ruleCounts.ours.rules / size.slos} rules per SLO, ${SLOTH} ${ms(perRule('sloth'))} ms over ${ruleCounts.sloth.rules / size.slos}. ` +
        `${SLOTH}'s cost is its raw-counter windows (${ms(longest.alone.sloth.byKindMs['sli-recordings'] ?? NaN)} of ${ms(longest.alone.sloth.sumOfMediansMs)} ms alone), which grow with the number of raw series per SLO and the scrape rate; ours read the raw series over 5 minutes only, ` +
        `so the time ratio sits above the samples ratio (${ratio(longest.alone.ours.medianMs / longest.alone.sloth.medianMs)} against ${ratio(longest.samplesRead.ours / longest.samplesRead.sloth)}): every rule also has a fixed cost.`,
    );
  const growth = (sh: Measured) => (results.length > 1 ? `${ms(results[0]!.alone[sh].medianMs)} → ${ms(longest.alone[sh].medianMs)} ms` : `${ms(longest.alone[sh].medianMs)} ms`);
  if (results.length > 1) notes.push(`Growth from ${results[0]!.days} to ${longest.days} days, each alone: ${OURS} ${growth('ours')}, ${SLOTH} ${growth('sloth')} per round.`);
  const worstDifference = Math.max(...results.map((r) => r.shared.maxRelativeDifference));
  const sharedRules = ruleCounts.shared.perKind.windows! + ruleCounts.shared.perKind.rollup! + ruleCounts.shared.perKind.period!;
  notes.push(
    `${SHARED} records the same series with the same labels, but per SLO only the building blocks, the objective, error budget and slo_info, and the alerts ` +
      `(${ruleCounts.shared.rules - sharedRules} rules in ${ruleCounts.shared.groups - 3} groups for ${size.slos} SLOs), ` +
      `and every window ratio, roll-up, burn rate, no-traffic flag and budget remaining as one rule for all SLOs in three shared groups (${sharedRules} rules). ` +
      `${ruleCounts.shared.rules} rules in all against ${ruleCounts.ours.rules}; per rule, alone (${daysText(longest.days)}): ${ms(perRule('shared'))} ms. ` +
      `It ran after the other two phases on the same server: ${longest.shared.groups} groups and ${longest.shared.rules} rules loaded, ${Math.max(...results.map((r) => r.shared.unhealthy))} rules with errors at any length; ` +
      `its recorded 1h and period error ratios were within ${pct(worstDifference)} of the per-SLO layout's expressions evaluated at the moment of recording (worst SLO, every length). ` +
      `What it costs a user: shared.rules.yaml has to be loaded wherever any SLO's rules are, every objective gets a ratio for every window any SLO uses, ` +
      `and the window ratios trail the building blocks by up to one evaluation (another group). The per-SLO layout stays the default: each SLO's file stands alone.`,
  );

  return {
    id: 'evalcost',
    title: 'Rule evaluation cost and accuracy against Sloth’s rule shape',
    method:
      `${size.slos} generated OpenSLO SLOs (12 services, objectives 99/99.5/99.9%, 30d rolling, ratio SLIs over http_requests_total of their own job, half as bare counters, half as Sloth-style rate queries), ` +
      `each with ${size.seriesPerSlo} raw counter series from the traffic generator (diurnal and weekly curve, one incident a day alternating between quiet and busy hours, a counter reset) at a ${STEP_SECONDS}s step: ` +
      `${int(raw.series)} series, ${int(raw.samples)} samples over ${size.lengths[size.lengths.length - 1]} days, backfilled with promtool (openmetrics). ` +
      `Compiled by slo-engine (${ruleCounts.ours.groups} groups, ${ruleCounts.ours.rules} rules) and in Sloth's rule shape, taken literally from Sloth's own output for ${SLOTH_EXAMPLE} with only the queries, ids, objective, labels and alert name replaced (${ruleCounts.sloth.groups} groups, ${ruleCounts.sloth.rules} rules). ` +
      `The series the measured rules read from the past were backfilled with promtool (rules) in dependency passes at the groups' own intervals: our building blocks (1m) and roll-ups (10m), Sloth's 5m ratios (1m). ` +
      `History lengths ${size.lengths.join(', ')} days are the newest part of one history; each length's blocks were merged by Prometheus before measuring${size.settle ? '' : ' (not in smoke mode)'}, raw and recorded series were backfilled up to the minute the server started, and the raw series were scraped live from then on. ` +
      `Then one Prometheus 2.42 over that data, every group at a ${size.intervalSeconds}s interval for the measurement (copies of the files; the same for both shapes): first with both rule sets loaded, then, by configuration reloads of the same server, with only ours and with only Sloth's shape (the headline numbers), and last with only our rules compiled with --layout shared. ` +
      `Each phase after ${size.warmup} warm-up rounds: each group's last evaluation duration from /metrics, polled 2.5 times per interval; per shape the sum over its groups per round, median of ${size.rounds} rounds. ` +
      `Samples read are the query engine's totalQueryableSamples for every rule's expression. Accuracy: both shapes' 30d period expressions evaluated at the end of the history, against the generator's exact bad/total over the same span. ` +
      `Machine: ${cpus().length} cores, shared with whatever else runs there; timings are wall-clock evaluation times and include waiting for a core.`,
    tables: [cost, sharedCost, together, work, kinds, accuracy],
    targets,
    plots: [
      {
        file: 'eval-cost.svg',
        title: 'Rule evaluation time per round against history length',
        xLabel: 'days of history',
        yLabel: 'ms per evaluation',
        series: [
          ...ALONE.map((s) => ({ name: `${SHAPE_NAME[s]} (alone)`, points: results.map((r) => ({ x: r.days, y: r.alone[s].medianMs })) })),
          ...SHAPES.map((s) => ({ name: `${SHAPE_NAME[s]} (both at once)`, points: results.map((r) => ({ x: r.days, y: r.medianMs[s] })) })),
        ],
      },
    ],
    data: { sizes: size, stepSeconds: STEP_SECONDS, raw, ruleCounts, steps, lengths: results, accuracy: accData },
    notes,
  };
}
