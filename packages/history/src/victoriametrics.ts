import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { header, renderRuleFile, type CompiledSlo, type RuleFile } from '@slo-engine/rules';
import { HistoryError, PromApi } from './api';
import { checkRange, type HistoryRange, type Progress } from './passes';
import { freePort, referencePattern, type RuleFileLike } from './prometheus';

/**
 * VictoriaMetrics and vmalert running the compiled rules: the flags they need, in one place (the stack's optional
 * VictoriaMetrics backend and the tests use them; the history package's README explains each), and `slo backfill
 * --vmalert`, which replays the rules over the past into a VictoriaMetrics. Debian's `victoria-metrics` package
 * ships both binaries.
 */

export const VICTORIA_METRICS_PACKAGE = 'victoria-metrics';

export interface VictoriaMetricsFlags {
  port: number;
  dataDir: string;
  /** -retentionPeriod: a number of months, or with a suffix (31d, 100y). */
  retention: string;
  /** A Prometheus-style scrape configuration file (VictoriaMetrics scrapes itself, without vmagent). */
  scrapeConfig?: string;
}

/** victoria-metrics single-node arguments: loopback only, and no response cache (history is imported after queries ran). */
export function victoriaMetricsArgs(o: VictoriaMetricsFlags): string[] {
  return [
    `-httpListenAddr=127.0.0.1:${o.port}`,
    `-storageDataPath=${o.dataDir}`,
    `-retentionPeriod=${o.retention}`,
    // imported or replayed history lands behind results already cached; a cached range would hide it
    '-search.disableCache',
    ...(o.scrapeConfig ? [`-promscrape.config=${o.scrapeConfig}`] : []),
    '-loggerLevel=WARN',
  ];
}

export interface VmalertFlags {
  /** Rule files (the compiled *.rules.yaml, both layouts load unchanged). */
  ruleFiles: string[];
  /** VictoriaMetrics (or vmselect/vminsert of a cluster): where rules read and where their results go. */
  url: string;
  /** vmalert's own HTTP port (its /api/v1/rules and /metrics). */
  port: number;
  /** Alertmanager (vmalert 1.79 needs one for alerting rules). */
  alertmanagerUrl: string;
}

/**
 * A live vmalert. Results go back through remote write and alert state through remote read, as with a
 * Prometheus; `-datasource.queryStep=0` makes the step of each query the group's own interval (the default,
 * 5m, is what a 1m group would otherwise be queried with).
 */
export function vmalertArgs(o: VmalertFlags): string[] {
  return [
    ...o.ruleFiles.map((f) => `-rule=${f}`),
    `-datasource.url=${o.url}`,
    `-remoteWrite.url=${o.url}`,
    `-remoteRead.url=${o.url}`,
    '-datasource.queryStep=0',
    `-httpListenAddr=127.0.0.1:${o.port}`,
    `-notifier.url=${o.alertmanagerUrl}`,
    '-loggerLevel=WARN',
  ];
}

export interface ReplayFlags extends Omit<VmalertFlags, 'alertmanagerUrl' | 'port'> {
  /** Where results go when not `url` (vminsert of a cluster, with `url` its vmselect). */
  writeUrl?: string;
  /** Unix seconds; the replay evaluates every group from `from` to `to` at the group's interval. */
  from: number;
  to: number;
  /** Its own HTTP port (replay still opens one). */
  port: number;
}

/** RFC 3339 without fractions, as -replay.timeFrom/-replay.timeTo take it. */
export const rfc3339 = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * vmalert in replay mode: evaluates the rules over the past and writes every result back through remote write.
 * For rule files where no rule reads another's series (a pass of replayPasses): a rule reading a series written
 * in the same run may find nothing and record its `or vector(0)` 0.
 */
export function vmalertReplayArgs(o: ReplayFlags): string[] {
  return [
    ...o.ruleFiles.map((f) => `-rule=${f}`),
    `-datasource.url=${o.url}`,
    `-remoteWrite.url=${o.writeUrl ?? o.url}`,
    '-datasource.queryStep=0',
    `-replay.timeFrom=${rfc3339(o.from)}`,
    `-replay.timeTo=${rfc3339(o.to)}`,
    '-remoteWrite.flushInterval=500ms',
    // replayPasses: no rule of a pass reads another's series
    '-replay.rulesDelay=0s',
    // a query per rule and 20 days of 1m steps (VictoriaMetrics' default limit is 30,000 points per series)
    '-replay.maxDatapointsPerQuery=30000',
    '-replay.disableProgressBar',
    `-httpListenAddr=127.0.0.1:${o.port}`,
    '-loggerLevel=WARN',
  ];
}

/**
 * The rules of the files split into replay passes, one dependency level each: a rule comes in the pass after every
 * rule whose series it reads; groups keep their names and intervals. vmalert's replay evaluates groups one after
 * another and rules one by one, and a rule's results reach the storage only after remote write flushes and
 * VictoriaMetrics indexes them: a rule reading a series recorded just before it finds nothing (measured with
 * vmalert 1.79: with the rules as compiled, the period group's 1d ratio recorded 0 over the whole range, and
 * with a 2s delay between rules the 5m ratio did). Between passes, replay() waits until the series are searchable.
 */
export function replayPasses<F extends RuleFileLike>(files: F[]): F[] {
  type Rule = F['groups'][number]['rules'][number];
  const rules: Rule[] = files.flatMap((f) => f.groups.flatMap((g) => g.rules));
  const producers = new Map<string, Rule[]>();
  for (const r of rules) if ('record' in r) producers.set(r.record, [...(producers.get(r.record) ?? []), r]);
  const reads = new Map<Rule, Rule[]>(rules.map((r) => [r, [...producers].filter(([name]) => referencePattern(name).test(r.expr)).flatMap(([, p]) => p.filter((x) => x !== r))]));
  const level = new Map<Rule, number>();
  const levelOf = (r: Rule, seen: Rule[] = []): number => {
    const known = level.get(r);
    if (known !== undefined) return known;
    if (seen.includes(r)) throw new HistoryError('recording rules read each other in a cycle');
    const l = Math.max(0, ...reads.get(r)!.map((o) => 1 + levelOf(o, [...seen, r])));
    level.set(r, l);
    return l;
  };
  const passes = Math.max(-1, ...rules.map((r) => levelOf(r))) + 1;
  return Array.from({ length: passes }, (_, pass) => ({
    ...files[0]!,
    groups: files.flatMap((f) => f.groups.map((g) => ({ ...g, rules: g.rules.filter((r) => level.get(r) === pass) })).filter((g) => g.rules.length > 0)),
  }));
}

export interface ReplayOptions {
  compiled: CompiledSlo[];
  /** VictoriaMetrics (single node), or vmselect for reading when `writeUrl` is vminsert. */
  url: string;
  writeUrl?: string;
  range: HistoryRange;
  /** Unix seconds; the range check's "now". */
  now: number;
  /** The rule files to replay (e.g. the shared layout's, read back); by default each compiled SLO's own. */
  files?: RuleFileLike[];
  onNote?: (line: string) => void;
  onProgress?: (p: Progress) => void;
}

export interface ReplayResult {
  range: HistoryRange;
  passes: number;
  rules: number;
}

const VMALERT_HINT = `vmalert not found on PATH: install it (Debian package ${VICTORIA_METRICS_PACKAGE}, or VictoriaMetrics' release binaries)`;

function findVmalert(): string {
  const r = spawnSync('sh', ['-c', 'command -v vmalert'], { encoding: 'utf8' });
  if (r.status !== 0) throw new HistoryError(VMALERT_HINT);
  return r.stdout.trim();
}

async function runVmalert(binary: string, args: string[]): Promise<string> {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let output = '';
  const keep = (d: string) => (output = (output + d).slice(-20_000));
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    if (code !== 0) throw new HistoryError(`vmalert replay failed (${signal ?? `exit ${code}`}): ${output.trim().split('\n').slice(-5).join(' | ')}`);
    return output;
  } finally {
    process.removeListener('exit', killOnExit);
  }
}

/**
 * `slo backfill --vmalert`: vmalert replays the compiled rules over the range into VictoriaMetrics, one group per
 * run in dependency order (replayOrder). The range is checked as for blocks: the raw series must be there, and it
 * ends where the live rules began, so no minute is counted twice.
 */
export async function replay(o: ReplayOptions): Promise<ReplayResult> {
  const binary = findVmalert();
  const api = new PromApi(o.url);
  const { range, notes } = await checkRange(api, o.compiled, o.range, o.now);
  for (const n of notes) o.onNote?.(n);
  const files: RuleFileLike[] = o.files ?? o.compiled.map((c) => c.rules);
  const passes = replayPasses(files);
  const work = mkdtempSync(path.join(tmpdir(), 'slo-replay-'));
  const began = Date.now();
  try {
    for (const [i, pass] of passes.entries()) {
      const file = path.join(work, `pass-${i + 1}.rules.yaml`);
      writeFileSync(file, renderRuleFile(pass as RuleFile, header('replay', 'slo backfill --vmalert', `replay pass ${i + 1}`)));
      const records = [...new Set(pass.groups.flatMap((g) => g.rules.flatMap((r) => ('record' in r ? [r.record] : []))))];
      const alerts = [...new Set(pass.groups.flatMap((g) => g.rules.flatMap((r) => ('alert' in r ? [`alert ${r.alert}`] : []))))];
      o.onProgress?.({
        pass: i + 1,
        passes: passes.length,
        records: [...records, ...alerts],
        done: i,
        total: passes.length,
        elapsedMs: Date.now() - began,
        ...(i ? { leftMs: ((Date.now() - began) / i) * (passes.length - i) } : {}),
      });
      await runVmalert(binary, vmalertReplayArgs({ ruleFiles: [file], url: o.url, writeUrl: o.writeUrl, from: range.from, to: range.to, port: await freePort() }));
      await searchable(o.url, api, records, range);
    }
    // the last pass's alert states: ALERTS is a new series, indexed within seconds
    await new Promise((res) => setTimeout(res, 2000));
    o.onProgress?.({ pass: passes.length, passes: passes.length, records: [], done: passes.length, total: passes.length, elapsedMs: Date.now() - began, leftMs: 0 });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { range, passes: passes.length, rules: passes.reduce((n, p) => n + p.groups.reduce((m, g) => m + g.rules.length, 0), 0) };
}

/**
 * Waits until every series name a pass recorded is searchable over the range (the next pass reads them): the
 * single node's /internal/force_flush makes new samples searchable at once, and new series are indexed within
 * seconds. A name still missing after 30s is left to the next pass (a rule may record nothing, e.g. a grouped
 * SLO without traffic).
 */
async function searchable(url: string, api: PromApi, names: string[], range: HistoryRange): Promise<void> {
  if (!names.length) return;
  const flush = () => fetch(new URL('internal/force_flush', url.endsWith('/') ? url : `${url}/`)).catch(() => undefined);
  const pattern = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const deadline = Date.now() + 30_000;
  for (;;) {
    await flush();
    const found = await api.query(`count by (__name__) (last_over_time({__name__=~"${pattern}"}[${range.to - range.from + 60}s]))`, range.to);
    if (found.length >= names.length || Date.now() > deadline) return;
    await new Promise((res) => setTimeout(res, 500));
  }
}
