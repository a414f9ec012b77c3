import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { ALIGN_SECONDS, firstSample, moveBlocks, PromApi, promtool, summarise, type PassSummary } from '@slo-engine/history';
import { q } from '@slo-engine/promql';
import { BLOCK, LABEL, RECORD } from '@slo-engine/rules';
import { DAY_METRIC, dayHistoryOptions, writeDayHistory, type DayCounts, type DayIncident } from './day-history';
import { alive } from './processes';
import { queryUrl, type Stack } from './stack';

/**
 * `pnpm stack backfill`: the stack's Prometheus gets the history a real deployment would have, then the rules'
 * history computed from it, so that the period values (and their coverage) are right at once:
 * 1. synthetic raw history of the demo app's request histogram for the 30 days before now, ending before the
 *    first sample the server already holds (promtool, OpenMetrics), loaded by a restart;
 * 2. `slo backfill` of the SLOs against the server (it ends where the rules' own building blocks begin),
 *    loaded by a second restart.
 * Running it again adds nothing: the raw history stops where the server's raw data begins, and `slo backfill`
 * where the recorded series begin, so no minute is ever counted twice.
 */

/** Raw data before the first rule evaluation: a 5m rate and a 10m roll-up reach back this far and more. */
const LEAD_SECONDS = 30 * 60;
/** The first rule evaluation is this long after the first raw sample. */
const RULES_AFTER_RAW_SECONDS = 10 * 60;
/** Less history than this is not worth a restart. */
const MIN_SECONDS = 3600;

export interface StackBackfillOptions {
  /** Repository root: where packages/cli/dist is. */
  root: string;
  /** OpenSLO files or directories (relative to root), default slo-specs: what the stack's rule files are compiled from. */
  specs?: string[];
  /** Days of history before now, 1 to 30. */
  days?: number;
  seed?: number;
  log?: (line: string) => void;
  /** Where `slo backfill`'s progress and notes go (its standard error). */
  progress?: (line: string) => void;
  /** After loading, wait until the rules ran over the loaded history (up to 2 minutes) and read coverage and budget back. */
  wait?: boolean;
}

export interface RawPart {
  /** Unix seconds of the first and the last sample. */
  from: number;
  to: number;
  series: number;
  samples: number;
  blocks: string[];
  counts: DayCounts;
  incidents: DayIncident[];
  /** The history as the generator produced it: exact counts over any span. */
  countsBetween: (from: number, to: number) => DayCounts;
}

export interface RulesPart extends PassSummary {
  /** Unix seconds: the range `slo backfill` was asked for (it may stop earlier, where the rules' own series begin). */
  from: number;
  to: number;
  written: string[];
  /** What `slo backfill` printed. */
  output: string;
}

export type Part<T> = ({ done: true } & T) | { done: false; reason: string };

export interface SloState {
  service: string;
  slo: string;
  coverage?: number;
  budgetRemaining?: number;
}

export interface StackBackfillResult {
  raw: Part<RawPart>;
  rules: Part<RulesPart>;
  /** Rule files the stack's Prometheus runs that differ from what `slo compile` makes of the specs now. */
  staleRuleFiles: string[];
  /** Per SLO after loading (with `wait`). */
  slos: SloState[];
}

const iso = (t: number) => new Date(t * 1000).toISOString().replace(/:\d\d\.\d{3}Z$/, 'Z');
const alignDown = (t: number, step: number) => Math.floor(t / step) * step;
const alignUp = (t: number, step: number) => Math.ceil(t / step) * step;
const DURATION_UNITS: Record<string, number> = { y: 365 * 86_400, w: 7 * 86_400, d: 86_400, h: 3600, m: 60, s: 1, ms: 0.001 };

/** A Prometheus duration (`31d`, `1y2w`) in seconds; undefined when it is none. */
export function durationSeconds(text: string): number | undefined {
  if (!/^(\d+(ms|[ywdhms]))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|[ywdhms])/g)) total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
  return total;
}

/** Runs a command and collects its output; `onStderr` sees each line of standard error as it comes. */
function run(cmd: string, args: string[], cwd: string, onStderr?: (line: string) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const lines = (partial + d).split('\n');
      partial = lines.pop()!;
      for (const l of lines) onStderr?.(l);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (partial) onStderr?.(partial);
      resolve({ code, stdout, stderr });
    });
  });
}

function ruleFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? ruleFilesUnder(p) : e.endsWith('.rules.yaml') ? [p] : [];
  });
}

/** A rule file without its comments: the header names the source path, which depends on how it was given. */
const rulesText = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');

/**
 * The rule files the stack's Prometheus loaded that differ from what `slo compile` makes of the specs now (by
 * file name): `slo backfill` writes what the specs compile to, so a stale rules-out/ means the loaded history
 * and the live rules disagree.
 */
async function staleRuleFiles(cli: string, root: string, specs: string[], loaded: string[], work: string): Promise<string[]> {
  const out = path.join(work, 'compiled');
  const r = await run(process.execPath, [cli, 'compile', ...specs, '--rules-out', path.join(out, 'rules'), '--dashboards-out', path.join(out, 'dashboards')], root);
  if (r.code !== 0) throw new Error(`slo compile ${specs.join(' ')} failed (exit ${r.code}):\n${r.stderr}`);
  const fresh = new Map(ruleFilesUnder(path.join(out, 'rules')).map((f) => [path.basename(f), rulesText(f)]));
  const stale = loaded.filter((f) => fresh.get(path.basename(f)) !== (existsSync(f) ? rulesText(f) : undefined));
  const running = new Set(loaded.map((f) => path.basename(f)));
  return [...stale, ...[...fresh.keys()].filter((f) => !running.has(f)).map((f) => `${f} (not loaded)`)];
}

/** Waits until every rule group of at most `maxInterval` seconds has evaluated since `since` (unix ms). */
async function waitForEvaluations(url: string, since: number, maxInterval: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = (await (await fetch(`${url}/api/v1/rules`)).json()) as { data: { groups: { interval: number; lastEvaluation: string }[] } };
    const waiting = body.data.groups.filter((g) => g.interval <= maxInterval && Date.parse(g.lastEvaluation) < since);
    if (!waiting.length) return;
    if (Date.now() > deadline) throw new Error(`${waiting.length} rule groups did not evaluate within ${timeoutMs / 1000} s of the restart`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

const pct = (x: number) => `${+(x * 100).toPrecision(3)}%`;
const count = (n: number) => n.toLocaleString('en-US');

export async function backfillStack(stack: Stack, o: StackBackfillOptions): Promise<StackBackfillResult> {
  const log = o.log ?? (() => {});
  const running = stack.state();
  if (running?.engine === 'victoriametrics')
    throw new Error(`stack backfill loads TSDB blocks into the stack's Prometheus; with VictoriaMetrics, import raw history and run slo backfill --vmalert --prometheus ${queryUrl(running)}`);
  if (!running?.prometheus || !alive(running.prometheus.pid)) throw new Error('the stack is not running: pnpm stack up');
  const state = { ...running, prometheus: running.prometheus };
  const cli = path.join(o.root, 'packages/cli/dist/main.js');
  if (!existsSync(cli)) throw new Error('packages/cli/dist/main.js is missing: run pnpm build first');
  const specs = o.specs?.length ? o.specs : ['slo-specs'];
  const days = o.days ?? 30;
  if (!(days >= 1 && days <= 30)) throw new Error('days must be 1 to 30');
  const api = new PromApi(state.prometheus.url);
  const now = Math.floor(Date.now() / 1000);
  const flags = await api.flags();
  const retention = durationSeconds(flags?.['storage.tsdb.retention.time'] ?? '') ?? 15 * 86_400;
  const start = alignDown(now - days * 86_400 - LEAD_SECONDS, ALIGN_SECONDS);
  // Prometheus deletes blocks older than its retention when it starts
  if (now - start > retention - 3600)
    throw new Error(`the stack's Prometheus keeps ${retention / 86_400} days of data: too few for ${days} days of history (restart the stack: pnpm stack down && pnpm stack up)`);

  const work = path.join(stack.dir, 'backfill-work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const staleRules = await staleRuleFiles(cli, o.root, specs, state.prometheus.ruleFiles, work);
    if (staleRules.length)
      log(
        `warning: the stack's Prometheus runs rule files that differ from what slo compile makes of ${specs.join(' ')} now: ${staleRules.join(', ')}; the history is written for the specs (run pnpm start, then pnpm stack down && pnpm stack up)`,
      );

    let restartedAt = 0;
    // 1. raw history, up to the first raw sample the server holds
    const rawSelector = q.sel(`${DAY_METRIC}_count`, [q.eq('job', 'day')]);
    const firstRaw = await firstSample(api, rawSelector, now, retention);
    // the last whole minute before the first sample: live and synthetic samples never share a series and time
    const rawEnd = alignDown(firstRaw === undefined ? now : firstRaw - 1, 60);
    let raw: Part<RawPart>;
    if (rawEnd - start < MIN_SECONDS) {
      raw = { done: false, reason: `the stack's Prometheus holds the app's metrics since ${iso(firstRaw!)} already` };
      log(`raw history: nothing to add (${raw.reason})`);
    } else {
      const file = path.join(work, 'raw.om');
      const h = await writeDayHistory(dayHistoryOptions({ start, end: rawEnd, instance: `127.0.0.1:${state.app.port}`, seed: o.seed }), file);
      const blocksDir = path.join(work, 'raw-blocks');
      // 720h: a month in two or three blocks instead of hundreds of 2h ones
      await promtool(['tsdb', 'create-blocks-from', '--max-block-duration=720h', '--quiet', 'openmetrics', file, blocksDir], { timeoutMs: 30 * 60_000 });
      rmSync(file);
      const blocks = await stack.restartPrometheus((dataDir) => moveBlocks(blocksDir, dataDir), log);
      restartedAt = Date.now();
      const c = h.counts;
      raw = { done: true, from: h.options.start, to: h.options.end, series: h.series, samples: h.samples, blocks, counts: c, incidents: h.options.incidents, countsBetween: h.countsBetween };
      log(
        `raw history: ${iso(raw.from)} .. ${iso(raw.to)}, ${h.series} series of ${DAY_METRIC}{job="day"} (${count(h.samples)} samples, a minute apart) in ${blocks.length} blocks: ` +
          `${count(c.apiTotal)} API requests, ${pct(c.apiErrors / c.apiTotal)} server errors, ${pct(c.slowLookups / c.lookups)} of lookups over 300 ms`,
      );
      for (const i of h.options.incidents) log(`  incident: ${i.name}, ${iso(i.start)} for ${i.minutes} minutes`);
    }

    // 2. the rules' history, from the raw history on, up to where the rules' own building blocks begin
    const rawFrom = raw.done ? raw.from : firstRaw;
    let rules: Part<RulesPart>;
    const from = rawFrom === undefined ? undefined : alignUp(Math.max(rawFrom + RULES_AFTER_RAW_SECONDS, now - days * 86_400 - LEAD_SECONDS + RULES_AFTER_RAW_SECONDS), ALIGN_SECONDS);
    const firstRecorded = await firstSample(api, q.sel(BLOCK.total), now, retention);
    if (from === undefined) rules = { done: false, reason: `the stack's Prometheus has no samples of ${q.render(rawSelector)}` };
    else if (firstRecorded !== undefined && firstRecorded - 60 < from + ALIGN_SECONDS)
      rules = { done: false, reason: `the rules' series are recorded since ${iso(firstRecorded)} already, by the rules or an earlier backfill` };
    else {
      const out = path.join(work, 'rules-blocks');
      const to = alignDown(now, ALIGN_SECONDS);
      const args = [cli, 'backfill', ...specs, '--prometheus', state.prometheus.url, '--from', String(from), '--to', String(to), '--out', out];
      log(`slo backfill ${specs.join(' ')} --from ${iso(from)} --to ${iso(to)}`);
      const r = await run(process.execPath, args, o.root, (l) => l.trim() && (o.progress ?? log)(`slo backfill: ${l.trim()}`));
      if (r.code !== 0) throw new Error(`slo backfill failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
      const summary = summarise([out]);
      const written = await stack.restartPrometheus((dataDir) => moveBlocks(out, dataDir), log);
      restartedAt = Date.now();
      rules = { done: true, from, to, ...summary, written, output: r.stdout.trim() };
      log(`rules history: ${r.stdout.split('\n')[0]}`);
      log(`loaded ${written.length} blocks into the stack's Prometheus`);
    }
    if (!rules.done) log(`rules history: nothing to add (${rules.reason})`);

    const slos: SloState[] = [];
    if (o.wait !== false && restartedAt) {
      // the period group runs every 2 minutes: its first evaluation after the restart reads the loaded history
      log('waiting for the rules to evaluate over the loaded history');
      await waitForEvaluations(state.prometheus.url, restartedAt, 120, 5 * 60_000).catch((e: Error) => log(`warning: ${e.message}`));
    }
    const at = Math.floor(Date.now() / 1000);
    const key = (l: Record<string, string>) => `${l[LABEL.service]}/${l[LABEL.name]}`;
    const coverage = new Map((await api.query(RECORD.periodCoverage, at)).map((s) => [key(s.labels), s.value]));
    const budget = new Map((await api.query(RECORD.budgetRemaining, at)).map((s) => [key(s.labels), s.value]));
    for (const k of [...new Set([...coverage.keys(), ...budget.keys()])].sort()) {
      const [service, slo] = k.split('/') as [string, string];
      slos.push({ service, slo, coverage: coverage.get(k), budgetRemaining: budget.get(k) });
      log(
        `${k}: period coverage ${coverage.has(k) ? pct(coverage.get(k)!) : `absent (${RECORD.periodCoverage} is not recorded: rules compiled before it existed?)`}, error budget remaining ${budget.has(k) ? pct(budget.get(k)!) : 'absent'}`,
      );
    }
    return { raw, rules, staleRuleFiles: staleRules, slos };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
