import { existsSync, linkSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { header, renderRuleFile, type RuleFile } from '@slo-engine/rules';
import { listBlocks, PrometheusServer, promtool, type ServerOptions } from '@slo-engine/stack';

/**
 * Getting history into TSDB blocks, and measuring rule groups on a running server. Blocks are written
 * once per history segment and hard-linked into each history length's data directory (blocks are
 * immutable: compaction writes new ones and only unlinks the old).
 */

/** Servers started under one directory (the section's scratch); stopAll() from a finally block. */
export class Servers {
  private readonly running: PrometheusServer[] = [];
  private n = 0;

  constructor(readonly dir: string) {}

  async start(options: ServerOptions): Promise<PrometheusServer> {
    const server = await PrometheusServer.start(options, path.join(this.dir, `prometheus-${this.n++}.yml`));
    this.running.push(server);
    return server;
  }

  async stopAll(): Promise<void> {
    const errors: unknown[] = [];
    for (const s of this.running.splice(0)) await s.stop().catch((e: unknown) => errors.push(e));
    if (errors.length) throw errors[0];
  }
}

/**
 * Leveled compaction off (the smallest and largest block range both 2h), so that a server never rewrites
 * the history's big blocks while it is being measured; overlapping blocks are still merged.
 */
export const NO_LEVELED_COMPACTION = ['--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h'];

/** Runs `jobs` at most `slots` at a time (two cores: promtool runs are CPU-bound). */
export async function inParallel<T>(slots: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(slots, jobs.length) }, worker));
  return results;
}

function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const src = path.join(from, name);
    if (statSync(src).isDirectory()) linkTree(src, path.join(to, name));
    else linkSync(src, path.join(to, name));
  }
}

/** Hard-links every block of the `from` directories into `to`; returns how many. */
export function linkBlocks(from: string[], to: string): number {
  mkdirSync(to, { recursive: true });
  let n = 0;
  for (const dir of from) {
    if (!existsSync(dir)) continue;
    for (const b of listBlocks(dir)) {
      linkTree(path.join(dir, b), path.join(to, b));
      n++;
    }
  }
  return n;
}

/** `promtool tsdb create-blocks-from openmetrics`; returns the number of blocks written. */
export async function backfillOpenMetrics(file: string, outputDir: string): Promise<number> {
  mkdirSync(outputDir, { recursive: true });
  // 720h: a month of raw data in two or three blocks instead of hundreds of 2h ones
  await promtool(['tsdb', 'create-blocks-from', '--max-block-duration=720h', '--quiet', 'openmetrics', file, outputDir], { timeoutMs: 3_600_000 });
  return listBlocks(outputDir).length;
}

export interface Range {
  /** Unix seconds, both inclusive. */
  start: number;
  end: number;
  outputDir: string;
}

/**
 * Recorded series with `promtool tsdb create-blocks-from rules`, one dependency level per pass: a pass reads
 * only what earlier passes wrote, so the server restarts in between to load it. Each pass runs once per
 * range (two at a time), so that its blocks belong to that range. Rule backfill queries at most 11,000
 * points per series: 162h blocks keep a 1m group within that. The blocks of pass i go to
 * `<range.outputDir>/pass<i>`; returns the seconds each pass took.
 */
export async function backfillRecorded(servers: Servers, dataDir: string, passes: RuleFile[], ranges: Range[], workDir: string): Promise<number[]> {
  const seconds: number[] = [];
  for (const [i, pass] of passes.entries()) {
    const t0 = Date.now();
    const server = await servers.start({ dataDir, args: NO_LEVELED_COMPACTION });
    try {
      // a relative path: promtool derives group evaluation offsets from the file name as given
      const file = `pass-${i + 1}.rules.yml`;
      writeFileSync(path.join(workDir, file), renderRuleFile(pass, header('bench', 'evalcost', `backfill pass ${i + 1}`)));
      await inParallel(
        2,
        ranges.map((r) => async () => {
          const out = path.join(r.outputDir, `pass${i + 1}`);
          mkdirSync(out, { recursive: true });
          await promtool(['tsdb', 'create-blocks-from', '--max-block-duration=162h', '--quiet', 'rules', `--url=${server.url}`, `--start=${r.start}`, `--end=${r.end}`, `--output-dir=${out}`, file], {
            cwd: workDir,
            timeoutMs: 3_600_000,
          });
        }),
      );
    } finally {
      await server.stop();
    }
    linkBlocks(
      ranges.map((r) => path.join(r.outputDir, `pass${i + 1}`)),
      dataDir,
    );
    seconds.push((Date.now() - t0) / 1000);
  }
  return seconds;
}

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The named metrics from a server's own /metrics. */
export async function scrape(server: PrometheusServer, names: string[]): Promise<MetricSample[]> {
  const text = await fetch(`${server.url}/metrics`).then((r) => r.text());
  const out: MetricSample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || !names.includes(m[1]!)) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = JSON.parse(`"${l[2]!}"`) as string;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/**
 * Waits until the TSDB has merged its overlapping blocks: raw and recorded series of the same time range
 * come from separate backfills, and Prometheus merges such blocks from a minute after start. Settled: a
 * compaction run has been triggered, no block is being written, and the block list stayed the same for
 * `quietSeconds`.
 */
export async function settleCompaction(server: PrometheusServer, quietSeconds = 10, timeoutSeconds = 1800): Promise<{ seconds: number; blocks: number }> {
  const t0 = Date.now();
  let last = '';
  let since = Date.now();
  for (;;) {
    const entries = readdirSync(server.dataDir).sort().join(',');
    const busy = entries.includes('.tmp');
    if (entries !== last || busy) {
      last = entries;
      since = Date.now();
    }
    const triggered = (await scrape(server, ['prometheus_tsdb_compactions_triggered_total']))[0]?.value ?? 0;
    if (triggered >= 1 && !busy && Date.now() - since >= quietSeconds * 1000) return { seconds: (Date.now() - t0) / 1000, blocks: listBlocks(server.dataDir).length };
    if (Date.now() - t0 > timeoutSeconds * 1000) throw new Error(`TSDB compaction did not settle within ${timeoutSeconds} s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export interface GroupSamples {
  file: string;
  group: string;
  /** Evaluation durations in seconds, one per evaluation seen, in order. */
  durations: number[];
  /** Evaluations that happened between two polls and were not seen. */
  unseen: number;
  /** Iterations Prometheus skipped because the previous one was still running. */
  missed: number;
}

/**
 * Polls /metrics for every group's last evaluation duration until each group has `rounds` new evaluations
 * (or `timeoutSeconds` pass). A new `prometheus_rule_group_last_evaluation_timestamp_seconds` (the
 * scheduled time, set after the duration) tells a new evaluation from the one seen before; polling 2.5
 * times per interval sees every evaluation unless the server falls behind. /metrics, not /api/v1/rules:
 * a few hundred kB instead of megabytes of rule text per poll, so polling costs the server little.
 */
export async function sampleGroups(
  server: PrometheusServer,
  rounds: number,
  intervalSeconds: number,
  timeoutSeconds: number,
  /** Only groups of rule files it accepts count (a reload can leave the metrics of unloaded groups behind). */
  include: (file: string) => boolean = () => true,
): Promise<GroupSamples[]> {
  const names = ['prometheus_rule_group_last_duration_seconds', 'prometheus_rule_group_last_evaluation_timestamp_seconds', 'prometheus_rule_group_iterations_missed_total'];
  const groups = new Map<string, GroupSamples & { at: number; missedAtStart: number }>();
  const t0 = Date.now();
  for (;;) {
    const metrics = await scrape(server, names);
    const by = (name: string) => new Map(metrics.filter((m) => m.name === name).map((m) => [m.labels.rule_group!, m.value]));
    const duration = by(names[0]!);
    const stamps = by(names[1]!);
    const missed = by(names[2]!);
    for (const [key, at] of stamps) {
      if (!include(key.slice(0, key.lastIndexOf(';')))) continue;
      const g = groups.get(key);
      if (!g) {
        const sep = key.lastIndexOf(';');
        // the evaluation before sampling began is not counted
        groups.set(key, { file: key.slice(0, sep), group: key.slice(sep + 1), durations: [], unseen: 0, missed: 0, at, missedAtStart: missed.get(key) ?? 0 });
        continue;
      }
      if (at > g.at) {
        if (g.at > 0) g.unseen += Math.max(0, Math.round((at - g.at) / intervalSeconds) - 1);
        g.at = at;
        g.durations.push(duration.get(key) ?? NaN);
      }
      g.missed = (missed.get(key) ?? 0) - g.missedAtStart;
    }
    const all = [...groups.values()];
    if (all.length && all.every((g) => g.durations.length >= rounds)) break;
    if (Date.now() - t0 > timeoutSeconds * 1000) break;
    await new Promise((r) => setTimeout(r, (intervalSeconds * 1000) / 2.5));
  }
  return [...groups.values()].map(({ file, group, durations, unseen, missed }) => ({ file, group, durations, unseen, missed }));
}

/**
 * Loads a new configuration into a running server (SIGHUP, as `kill -HUP` would) and waits until
 * Prometheus reports it applied: its rule groups change without a restart, over the same open TSDB.
 */
export async function reloadConfig(server: PrometheusServer, config: string, timeoutSeconds = 60): Promise<void> {
  const stamp = async () => (await scrape(server, ['prometheus_config_last_reload_success_timestamp_seconds']))[0]?.value ?? 0;
  const before = await stamp();
  writeFileSync(server.configFile, config);
  // the success timestamp has a resolution of one second: make sure the next one differs
  await new Promise((r) => setTimeout(r, 1100));
  server.signal('SIGHUP');
  const t0 = Date.now();
  for (;;) {
    if ((await stamp()) > before) return;
    if (Date.now() - t0 > timeoutSeconds * 1000) throw new Error(`prometheus at ${server.url} did not apply the new configuration within ${timeoutSeconds} s:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Samples an instant query reads (`totalQueryableSamples` of the query API's `stats=all`): the work a rule
 * does, independent of how busy the machine is.
 */
export async function samplesRead(server: PrometheusServer, expr: string, time: number): Promise<number> {
  const res = await fetch(`${server.url}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: expr, time: String(time), stats: 'all' }).toString(),
  });
  const body = (await res.json()) as { status: string; error?: string; data?: { stats?: { samples?: { totalQueryableSamples?: number } } } };
  const n = body.data?.stats?.samples?.totalQueryableSamples;
  if (body.status !== 'success' || n === undefined) throw new Error(`query stats for ${expr}: ${body.error ?? 'no totalQueryableSamples in the answer'}`);
  return n;
}
