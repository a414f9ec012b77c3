import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { durationSeconds, q, selectors } from '@slo-engine/promql';
import { BLOCK, LABEL, ROLLUP_MINUTES, header, isAlert, renderRuleFile, type CompiledSlo, type RecordingRule, type RuleFile } from '@slo-engine/rules';
import { displayUrl, HistoryError, type PromApi } from './api';
import { backfillPasses, listBlocks, PromSandbox, promtool, type PrometheusServer } from './prometheus';

/**
 * The engine of `slo backfill` and `slo backtest`: every recorded series of the compiled SLOs over a range of
 * history, computed by promtool from the raw series the user's Prometheus already has, one dependency level per
 * pass (building blocks, then what reads them, and so on): a rule that reads another recorded series can only be
 * evaluated once that series' blocks are loaded somewhere, so every pass after the first runs against a private
 * Prometheus holding the earlier passes' blocks.
 */

/** Range ends are aligned to the roll-up interval, so that roll-ups tile the range as they do live. */
export const ALIGN_SECONDS = ROLLUP_MINUTES * 60;
/**
 * A pass runs as this many promtool processes at most (two at a time), each over the whole range for a share of the
 * pass's groups: the unit of progress. Not chunks of time: promtool 2.42 writes a block per rule and run, so
 * day-long runs of 50 SLOs gave 7,750 blocks in the first pass alone, more files than a server may open.
 */
const PARTS_PER_PASS = 8;
/**
 * promtool queries a rule once per block it writes, and Prometheus refuses a range query of more than 11,000
 * points: at the 1-minute groups' step a block may span at most 7 days (10,080 points).
 */
const MAX_BLOCK_HOURS = 168;
/** promtool (and its queries) get this long per part. */
const PART_TIMEOUT_MS = 60 * 60_000;

export const alignDown = (t: number) => Math.floor(t / ALIGN_SECONDS) * ALIGN_SECONDS;

export interface HistoryRange {
  /** Unix seconds, aligned to ALIGN_SECONDS. */
  from: number;
  to: number;
}

export interface Progress {
  /** 1-based. */
  pass: number;
  passes: number;
  /** What the pass records, e.g. `slo:sli_bad:rate5m, slo:sli_total:rate5m`. */
  records: string[];
  /** Chunks done of all passes, and in all. */
  done: number;
  total: number;
  elapsedMs: number;
  /** Estimated time left, once a chunk is done. */
  leftMs?: number;
}

export interface PassSummary {
  blocks: number;
  /** Series and samples the passes wrote (from the blocks' meta.json). */
  series: number;
  samples: number;
  /** Unix seconds of the first and the last sample written. */
  first?: number;
  last?: number;
}

export interface RunOptions {
  onProgress?: (p: Progress) => void;
  /** Chunks run at once (promtool processes). */
  parallel?: number;
}

/** All recording rules of the compiled SLOs in one file (group names are unique across SLOs). */
export function recordingFile(compiled: CompiledSlo[]): RuleFile {
  return {
    groups: compiled
      .flatMap((c) => c.rules.groups)
      .map((g) => ({ ...g, rules: g.rules.filter((r) => !isAlert(r)) }))
      .filter((g) => g.rules.length > 0),
  };
}

/** The passes: each is a rule file whose groups keep their names and intervals. */
export function planPasses(compiled: CompiledSlo[]): RuleFile[] {
  const file = recordingFile(compiled);
  const records = [...new Set(file.groups.flatMap((g) => g.rules as RecordingRule[]).map((r) => r.record))];
  return backfillPasses(file, records);
}

/** The raw metric names the SLIs read (the first pass's queries), where a selector names one. */
export function rawMetrics(passes: RuleFile[]): string[] {
  const recorded = new Set(passes.flatMap((p) => p.groups.flatMap((g) => g.rules as RecordingRule[]).map((r) => r.record)));
  const names = (passes[0]?.groups ?? []).flatMap((g) => g.rules).flatMap((r) => selectors(r.expr).map((s) => s.metric));
  return [...new Set(names.filter((n): n is string => n !== undefined && !recorded.has(n)))].sort();
}

/** A PromQL regex that matches exactly these values. */
/** The matchers of every objective of the compiled SLOs. */
export function objectivesMatchers(compiled: CompiledSlo[]): q.Matcher[] {
  const names = compiled.flatMap((c) => c.objectives.map((o) => o.sloName));
  const services = compiled.map((c) => c.slo.service);
  return [q.reAnyOf(LABEL.name, names), q.reAnyOf(LABEL.service, services), ...q.matchers(compiled[0]?.scope ?? {})];
}

/** `count(last_over_time({__name__=~"a|b"}[span]))`: how many series of these metrics have a sample in the span. */
const seriesOf = (metrics: Iterable<string>, spanSeconds: number): string =>
  q.render(q.agg('count', q.call('last_over_time', q.range(q.sel(undefined, [q.reAnyOf(q.METRIC_NAME, metrics)]), `${spanSeconds}s`))));

const fmtTime = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

/**
 * Checks the range against the user's server before any work: the server answers, keeps data that old, holds raw
 * data for the SLIs in the range, and has not recorded these SLOs' building blocks in it already (the rules running
 * live, or an earlier backfill): loading blocks over those would count the same minutes twice, so the range is cut
 * short before them. Returns the range to use and notes for the user.
 */
export async function checkRange(api: PromApi, compiled: CompiledSlo[], range: HistoryRange, now: number, opts: { cutAtLiveRules?: boolean } = {}): Promise<{ range: HistoryRange; notes: string[] }> {
  const notes: string[] = [];
  const span = range.to - range.from;
  await api.query('vector(1)', range.to);
  const flags = await api.flags();
  const retention = flags ? retentionSeconds(flags) : undefined;
  if (retention !== undefined && now - range.from > retention)
    throw new HistoryError(
      `the range starts at ${fmtTime(range.from)} (${human(now - range.from)} ago) but Prometheus at ${api.shown} keeps ${human(retention)} of data (storage.tsdb.retention.time); pass --from ${human(Math.floor(retention / 3600) * 3600)} or less`,
    );
  const metrics = rawMetrics(planPasses(compiled));
  if (metrics.length) {
    const found = await api.query(seriesOf(metrics, span), range.to);
    if (!found.length || !(found[0]!.value > 0))
      throw new HistoryError(
        `Prometheus at ${api.shown} has no samples of ${metrics.join(', ')} between ${fmtTime(range.from)} and ${fmtTime(range.to)}; pick a range the SLIs' metrics were scraped in (--from, --to)`,
      );
  }
  if (opts.cutAtLiveRules === false) return { range, notes };
  // looked up to now, not only up to --to: a first recorded minute just after --to would count part of a minute twice
  const at = Math.max(range.to, Math.min(now, range.to + 3600));
  const first = await firstSample(api, q.sel(BLOCK.total, objectivesMatchers(compiled)), at, at - range.from);
  if (first !== undefined && first - 60 < range.to) {
    const to = alignDown(first - 60);
    if (to <= range.from)
      throw new HistoryError(
        `Prometheus at ${api.shown} already holds these SLOs' building blocks from ${fmtTime(first)}, before --from: the rules ran (or a backfill was loaded) over the whole range; nothing to backfill`,
      );
    notes.push(`the SLOs' rules have recorded since ${fmtTime(first)}: history is written up to ${fmtTime(to)}, so no minute is counted twice`);
    return { range: { from: range.from, to }, notes };
  }
  return { range, notes };
}

/**
 * The time of the first sample of `selector` the server holds in the `lookback` seconds before `at`, to the second;
 * undefined when there is none. A bisection (is there a sample between the start and t?), each step reading the
 * range once: a minutely `min_over_time(timestamp(x)[30d:1m])` took 40 s on a server holding a month of building
 * blocks, and an hourly one misses samples after its last step (rules that began less than an hour ago).
 */
export async function firstSample(api: PromApi, selector: q.Selector, at: number, lookback: number): Promise<number | undefined> {
  const lo = at - lookback;
  const any = async (t: number) => ((await api.query(q.render(q.agg('count', q.call('count_over_time', q.range(selector, `${t - lo}s`)))), t))[0]?.value ?? 0) > 0;
  if (!(await any(at))) return undefined;
  // invariant: no sample in (lo, a], some in (lo, b]
  let a = lo;
  let b = at;
  while (b - a > 1) {
    const mid = Math.floor((a + b) / 2);
    if (await any(mid)) b = mid;
    else a = mid;
  }
  return b;
}

/** storage.tsdb.retention.time in seconds; Prometheus keeps 15d when neither time nor size is set. */
function retentionSeconds(flags: Record<string, string>): number | undefined {
  const t = flags['storage.tsdb.retention.time'] ?? flags['storage.tsdb.retention'];
  const size = flags['storage.tsdb.retention.size'];
  const seconds = t === undefined ? undefined : durationSeconds(t);
  if (seconds === undefined) return undefined;
  if (seconds > 0) return seconds;
  return size === undefined || /^0\s*B?$/i.test(size) ? 15 * 86_400 : undefined;
}

/** Seconds as `30d`, `2d 4h`, `45m`. */
export function human(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const parts = [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : ''].filter(Boolean);
  return parts.length ? parts.slice(0, 2).join(' ') : `${Math.round(seconds)}s`;
}

/** Runs async jobs at most `n` at a time, in order. */
async function pool<T>(jobs: (() => Promise<T>)[], n: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

/** A pass's groups dealt round-robin into `n` rule files (each group whole: its rules evaluate together). */
export function parts(pass: RuleFile, n: number): RuleFile[] {
  const out: RuleFile[] = Array.from({ length: Math.max(1, Math.min(n, pass.groups.length)) }, () => ({ groups: [] }));
  for (const [i, g] of pass.groups.entries()) out[i % out.length]!.groups.push(g);
  return out;
}

/** What the blocks in the directories hold, from their meta.json (series are counted by the server that loaded them). */
export function summarise(dirs: string[]): PassSummary {
  const sum: PassSummary = { blocks: 0, series: 0, samples: 0 };
  for (const dir of dirs)
    for (const b of listBlocks(dir)) {
      const meta = JSON.parse(readFileSync(path.join(dir, b, 'meta.json'), 'utf8')) as { minTime: number; maxTime: number; stats?: { numSamples?: number } };
      sum.blocks++;
      sum.samples += meta.stats?.numSamples ?? 0;
      const first = Math.floor(meta.minTime / 1000);
      const last = Math.floor((meta.maxTime - 1) / 1000);
      sum.first = sum.first === undefined ? first : Math.min(sum.first, first);
      sum.last = sum.last === undefined ? last : Math.max(sum.last, last);
    }
  return sum;
}

/**
 * One run of the passes in a private work directory. `run` leaves each pass's blocks in `passDirs` and a private
 * Prometheus (`server`) serving all of them; `close` stops it and removes everything.
 */
export class PassRun {
  readonly sandbox: PromSandbox;
  readonly passes: RuleFile[];
  readonly passDirs: string[] = [];
  server?: PrometheusServer;

  constructor(
    readonly compiled: CompiledSlo[],
    readonly range: HistoryRange,
  ) {
    try {
      this.sandbox = new PromSandbox('slo-history-');
    } catch {
      throw new HistoryError('promtool and prometheus must be on PATH (the Debian package prometheus, or a release from prometheus.io, has both)');
    }
    this.passes = planPasses(compiled);
    if (!this.passes.length) throw new HistoryError('the SLOs have no recording rules to backfill');
  }

  get dataDir(): string {
    return this.sandbox.path('data');
  }

  async run(sourceUrl: string, opts: RunOptions = {}): Promise<PassSummary> {
    // the same number of parts in every pass, so that progress counts alike
    const perPass = Math.max(1, Math.min(PARTS_PER_PASS, ...this.passes.map((p) => p.groups.length)));
    const total = perPass * this.passes.length;
    const began = Date.now();
    let done = 0;
    for (const [i, pass] of this.passes.entries()) {
      const out = this.sandbox.path(`pass-${i + 1}`);
      mkdirSync(out, { recursive: true });
      const url = i === 0 ? sourceUrl : this.server!.url;
      const records = [...new Set(pass.groups.flatMap((g) => g.rules as RecordingRule[]).map((r) => r.record))];
      const report = () => {
        const elapsedMs = Date.now() - began;
        opts.onProgress?.({ pass: i + 1, passes: this.passes.length, records, done, total, elapsedMs, leftMs: done ? (elapsedMs / done) * (total - done) : undefined });
      };
      report();
      await pool(
        parts(pass, perPass).map((part, k) => async () => {
          // relative: group evaluation offsets then do not depend on the work directory's name
          const file = `pass-${i + 1}-${k + 1}.rules.yaml`;
          writeRules(this.sandbox.path(file), part, i + 1);
          try {
            await promtool(
              [
                'tsdb',
                'create-blocks-from',
                `--max-block-duration=${MAX_BLOCK_HOURS}h`,
                '--quiet',
                'rules',
                `--url=${url}`,
                `--start=${this.range.from}`,
                `--end=${this.range.to}`,
                `--output-dir=${out}`,
                file,
              ],
              { cwd: this.sandbox.root, timeoutMs: PART_TIMEOUT_MS },
            );
          } catch (e) {
            throw new HistoryError(`promtool could not evaluate backfill pass ${i + 1} (${records.join(', ')}) from ${i === 0 ? displayUrl(sourceUrl) : 'the earlier passes'}: ${firstLine(e)}`);
          }
          done++;
          report();
        }),
        opts.parallel ?? 2,
      );
      this.passDirs.push(out);
      // the private server loads this pass's blocks (a copy: the pass directory stays as promtool wrote it)
      await this.server?.stop();
      for (const b of listBlocks(out)) cpSync(path.join(out, b), path.join(this.dataDir, b), { recursive: true });
      if (this.server) await this.server.restart();
      else this.server = await this.sandbox.start({ dataDir: this.dataDir });
    }
    const summary = summarise(this.passDirs);
    // promtool writes a block per rule and chunk, so blocks do not tell series apart: the server holding them all does
    const recorded = [...new Set(this.passes.flatMap((p) => p.groups.flatMap((g) => g.rules as RecordingRule[]).map((r) => r.record)))];
    const series = await this.server!.query(seriesOf(recorded, this.range.to - this.range.from + 60), this.range.to + 60);
    summary.series = series[0]?.value ?? 0;
    return summary;
  }

  async close(): Promise<void> {
    await this.sandbox.close();
  }
}

function writeRules(file: string, pass: RuleFile, n: number): void {
  writeFileSync(file, renderRuleFile(uniformLabels(pass), header('backfill', 'the compiled SLOs', `backfill pass ${n}`)));
}

/**
 * promtool evaluates a rule as one range query and writes each series of the result with the rule's labels. A
 * ratio's `... or on() vector(0)` gives two series (the ratio's labels where there is traffic, none where there
 * is not) that the rule's labels make one: promtool then appends the second series' samples out of order and
 * keeps almost none of the first (measured: a 5m ratio over a range with idle minutes kept 27 samples of 2910,
 * all 0, and the backtest missed every page). Dropping the labels the rule sets anyway, first, makes both one
 * series in the query result; what is recorded is the same.
 */
export function uniformLabels(file: RuleFile): RuleFile {
  return {
    ...file,
    groups: file.groups.map((g) => ({
      ...g,
      rules: g.rules.map((r) => {
        const names = isAlert(r) ? [] : Object.keys(r.labels ?? {}).sort();
        return names.length && !isAlert(r) ? { ...r, expr: q.render(q.without('max', names, q.text(r.expr))) } : r;
      }),
    })),
  };
}

/** promtool's own message without its usage text: the line that says what failed. */
function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /error|err=|refused|no such|invalid|bad_data|unreachable/i.test(l) && !l.startsWith('promtool ')) ?? lines[1] ?? lines[0] ?? 'failed';
}
