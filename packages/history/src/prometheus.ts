import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * A private Prometheus for tests that need the real engine: started on 127.0.0.1 at a free port with
 * its own data directory, never the system service. Everything lives in one temporary directory
 * (a PromSandbox) that close() removes after stopping every server it started — call it from afterAll
 * so it also runs when a test fails; servers still running when the process exits are killed.
 */

export const SETUP_HINT = 'run `bash scripts/setup-test-tools.sh` (it installs the Debian package prometheus, which provides both)';

/** Absolute paths of the prometheus and promtool binaries; throws (failing the test, never skipping it) when either is missing. */
export function findTools(): { prometheus: string; promtool: string } {
  const which = (name: string) => {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : undefined;
  };
  const prometheus = which('prometheus');
  const promtool = which('promtool');
  const missing = [prometheus ? undefined : 'prometheus', promtool ? undefined : 'promtool'].filter(Boolean);
  if (!prometheus || !promtool) throw new Error(`${missing.join(' and ')} not found on PATH: ${SETUP_HINT}`);
  return { prometheus, promtool };
}

/** A TCP port on 127.0.0.1 that nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (!address || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

/** Runs promtool; rejects with its output when it exits non-zero or runs longer than timeoutMs. */
export async function promtool(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<{ stdout: string; stderr: string }> {
  const child = spawn(findTools().promtool, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    if (code !== 0) throw new Error(`promtool ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr}${stdout}`);
    return { stdout, stderr };
  } finally {
    clearTimeout(timer);
    process.removeListener('exit', killOnExit);
  }
}

/** TSDB block directories (ULIDs) in a directory. */
export function listBlocks(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^[0-9A-HJKMNP-TV-Z]{26}$/.test(d.name))
    .map((d) => d.name)
    .sort();
}

/** Moves every block from one directory into another (a stopped server's data dir); returns their names. */
export function moveBlocks(from: string, to: string): string[] {
  mkdirSync(to, { recursive: true });
  const blocks = listBlocks(from);
  for (const b of blocks) renameSync(path.join(from, b), path.join(to, b));
  return blocks;
}

export interface Sample {
  metric: Record<string, string>;
  /** Unix seconds. */
  time: number;
  value: number;
}

/** A rule group as /api/v1/rules reports it (the fields tests use). */
export interface RuleGroupState {
  name: string;
  file: string;
  /** Seconds. */
  interval: number;
  rules: { name: string; query: string; type: 'recording' | 'alerting'; health: string; lastError?: string; labels?: Record<string, string> }[];
}

export interface ServerOptions {
  /** TSDB directory; created when missing. */
  dataDir: string;
  /** prometheus.yml text; by default no scrape jobs, just the rule files. */
  config?: string;
  /** Absolute paths of rule files to load. */
  ruleFiles?: string[];
  /** Default 100y, so that backfilled history is never deleted. */
  retention?: string;
  /** Extra command-line flags. */
  args?: string[];
  readyTimeoutMs?: number;
  /** Keep this port (a restart); a free one otherwise. */
  port?: number;
}

/** One running Prometheus process. */
export class PrometheusServer {
  private child?: ChildProcess;
  private log = '';
  private exited?: Promise<unknown>;
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  private constructor(
    readonly port: number,
    readonly options: ServerOptions,
    readonly configFile: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get dataDir(): string {
    return this.options.dataDir;
  }

  /** Starts a server and waits until /-/ready answers 200 (the TSDB, including every block in dataDir, is open). */
  static async start(options: ServerOptions, configFile: string): Promise<PrometheusServer> {
    const server = new PrometheusServer(options.port ?? (await freePort()), options, configFile);
    await server.launch();
    return server;
  }

  private async launch(): Promise<void> {
    const o = this.options;
    mkdirSync(o.dataDir, { recursive: true });
    const ruleFiles = o.ruleFiles ?? [];
    const config = o.config ?? `global:\n  evaluation_interval: 1m\n${ruleFiles.length ? `rule_files:\n${ruleFiles.map((f) => `  - ${JSON.stringify(f)}\n`).join('')}` : ''}`;
    writeFileSync(this.configFile, config);
    const args = [
      `--config.file=${this.configFile}`,
      `--storage.tsdb.path=${o.dataDir}`,
      `--storage.tsdb.retention.time=${o.retention ?? '100y'}`,
      `--web.listen-address=127.0.0.1:${this.port}`,
      '--log.level=warn',
      ...(o.args ?? []),
    ];
    this.log = '';
    const child = spawn(findTools().prometheus, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    process.once('exit', this.killOnExit);
    const keep = (d: string) => (this.log = (this.log + d).slice(-20_000));
    child.stdout!.setEncoding('utf8').on('data', keep);
    child.stderr!.setEncoding('utf8').on('data', keep);
    this.exited = once(child, 'exit');
    let exitedEarly = false;
    void this.exited.then(() => (exitedEarly = true));
    const timeout = o.readyTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeout;
    for (;;) {
      let problem: string | undefined;
      if (exitedEarly) problem = `exited before it was ready (exit ${child.exitCode ?? child.signalCode})`;
      else {
        try {
          const res = await fetch(`${this.url}/-/ready`);
          if (res.status === 200) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) problem = `not ready after ${timeout} ms`;
      }
      if (problem) {
        await this.stop();
        throw new Error(`prometheus at ${this.url} (${args.join(' ')}) ${problem}:\n${this.log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The last 20 kB of the server's log. */
  output(): string {
    return this.log;
  }

  /** SIGTERM, then SIGKILL after 15 s; resolves once the process is gone (its TSDB lock released). Idempotent. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    process.removeListener('exit', this.killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  /** Stops and starts again on the same port and data dir, so blocks moved into it meanwhile are loaded. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Sends a signal to the process (SIGHUP reloads the configuration file). */
  signal(sig: NodeJS.Signals): void {
    if (!this.child) throw new Error(`prometheus at ${this.url} is not running`);
    this.child.kill(sig);
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  private async api<T>(endpoint: string, params: Record<string, string> = {}): Promise<T> {
    const res = await fetch(`${this.url}${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    const body = (await res.json().catch(() => ({ status: 'error', error: `HTTP ${res.status}, not JSON` }))) as { status: string; data?: T; error?: string; errorType?: string };
    if (body.status !== 'success' || body.data === undefined) throw new Error(`${endpoint} ${JSON.stringify(params)}: ${body.errorType ?? ''} ${body.error ?? `HTTP ${res.status}`}`);
    return body.data;
  }

  /** An instant query (/api/v1/query) at `time` (unix seconds; now when omitted). Scalars come back as one sample without labels. */
  async query(expr: string, time?: number): Promise<Sample[]> {
    const data = await this.api<{ resultType: string; result: unknown }>('/api/v1/query', { query: expr, ...(time === undefined ? {} : { time: String(time) }) });
    const num = (v: [number, string]) => ({ time: v[0], value: Number(v[1]) });
    if (data.resultType === 'scalar') return [{ metric: {}, ...num(data.result as [number, string]) }];
    if (data.resultType !== 'vector') throw new Error(`query returned a ${data.resultType}, not a vector: ${expr}`);
    return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({ metric: r.metric, ...num(r.value) }));
  }

  /** The value of a query that must return exactly one sample. */
  async queryValue(expr: string, time?: number): Promise<number> {
    const r = await this.query(expr, time);
    if (r.length !== 1) throw new Error(`expected one sample, got ${r.length} from ${expr}${r.length ? `: ${JSON.stringify(r)}` : ''}`);
    return r[0]!.value;
  }

  /** The loaded rule groups (/api/v1/rules). */
  async rules(): Promise<RuleGroupState[]> {
    const data = await fetch(`${this.url}/api/v1/rules`).then((r) => r.json() as Promise<{ status: string; data: { groups: RuleGroupState[] } }>);
    if (data.status !== 'success') throw new Error(`/api/v1/rules: ${JSON.stringify(data)}`);
    return data.data.groups;
  }
}

/** A rule file in the shape of @slo-engine/rules' RuleFile (structural, so this module depends on nothing). */
export interface RuleFileLike {
  groups: { name: string; interval?: string; rules: ({ record: string; expr: string } | { alert: string; expr: string })[] }[];
}

/** Matches a metric name in an expression, not as part of a longer name. */
export const referencePattern = (name: string) => new RegExp(`(?<![A-Za-z0-9_:])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_:])`);

/**
 * Splits the recording rules needed for `records` (and everything they read, transitively) into
 * backfill passes: `promtool tsdb create-blocks-from rules` evaluates rules against the server's
 * data only, so a rule that reads another recorded series must be backfilled in a later pass, once
 * the earlier pass's blocks are loaded. Each pass keeps the rules' group names and intervals.
 */
export function backfillPasses<F extends RuleFileLike>(file: F, records: string[]): F[] {
  type Rec = { group: F['groups'][number]; rule: { record: string; expr: string } };
  const recs: Rec[] = file.groups.flatMap((group) => group.rules.flatMap((rule) => ('record' in rule ? [{ group, rule }] : [])));
  const names = [...new Set(recs.map((r) => r.rule.record))];
  const deps = new Map<Rec, string[]>(recs.map((r) => [r, names.filter((n) => referencePattern(n).test(r.rule.expr))]));
  const level = new Map<string, number>();
  const levelOf = (name: string, seen: string[] = []): number => {
    const known = level.get(name);
    if (known !== undefined) return known;
    if (seen.includes(name)) throw new Error(`recording rules read each other in a cycle: ${[...seen, name].join(' → ')}`);
    const producers = recs.filter((r) => r.rule.record === name);
    if (!producers.length) throw new Error(`no recording rule records ${name}`);
    const l = Math.max(0, ...producers.flatMap((p) => deps.get(p)!.map((d) => 1 + levelOf(d, [...seen, name]))));
    level.set(name, l);
    return l;
  };
  const needed = new Set<string>();
  const need = (name: string) => {
    if (needed.has(name)) return;
    levelOf(name);
    needed.add(name);
    for (const r of recs) if (r.rule.record === name) deps.get(r)!.forEach(need);
  };
  records.forEach(need);
  const passes = Math.max(-1, ...[...needed].map((n) => level.get(n)!)) + 1;
  return Array.from({ length: passes }, (_, pass) => ({
    ...file,
    groups: file.groups.map((g) => ({ ...g, rules: g.rules.filter((r) => 'record' in r && needed.has(r.record) && level.get(r.record) === pass) })).filter((g) => g.rules.length > 0),
  }));
}

export interface RuleBackfill {
  /** Rule file paths; relative ones are resolved against `cwd`. Group offsets derive from group name + file path as given. */
  ruleFiles: string[];
  /** Unix seconds. */
  start: number;
  end: number;
  outputDir: string;
  /** For groups without an interval of their own (promtool's default is 60s). */
  evalInterval?: string;
  cwd?: string;
}

/** A temporary directory that owns the servers started in it; close() stops them all and removes it. */
export class PromSandbox {
  readonly root: string;
  private readonly servers: PrometheusServer[] = [];
  private closed = false;

  constructor(prefix = 'slo-prom-') {
    findTools();
    this.root = mkdtempSync(path.join(tmpdir(), prefix));
  }

  path(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  /** Starts a Prometheus; its config file is written into the sandbox. */
  async start(options: Omit<ServerOptions, 'dataDir'> & { dataDir?: string }): Promise<PrometheusServer> {
    if (this.closed) throw new Error('sandbox closed');
    const n = this.servers.length;
    const server = await PrometheusServer.start({ ...options, dataDir: options.dataDir ?? this.path(`data-${n}`) }, this.path(`prometheus-${n}.yml`));
    this.servers.push(server);
    return server;
  }

  /**
   * `promtool tsdb create-blocks-from openmetrics`. maxBlockDuration (a Go duration, e.g. 720h; the
   * flag is hidden in promtool 2.42) lets a week of data go into one or two blocks instead of 84
   * two-hour ones. Returns the new blocks.
   */
  async backfillOpenMetrics(file: string, outputDir: string, maxBlockDuration = '720h'): Promise<string[]> {
    mkdirSync(outputDir, { recursive: true });
    const before = new Set(listBlocks(outputDir));
    await promtool(['tsdb', 'create-blocks-from', `--max-block-duration=${maxBlockDuration}`, '--quiet', 'openmetrics', file, outputDir]);
    return listBlocks(outputDir).filter((b) => !before.has(b));
  }

  /** `promtool tsdb create-blocks-from rules` against a running server; returns the new blocks in outputDir. */
  async backfillRules(server: PrometheusServer, b: RuleBackfill, maxBlockDuration = '720h'): Promise<string[]> {
    mkdirSync(b.outputDir, { recursive: true });
    const before = new Set(listBlocks(b.outputDir));
    await promtool(
      [
        'tsdb',
        'create-blocks-from',
        `--max-block-duration=${maxBlockDuration}`,
        '--quiet',
        'rules',
        `--url=${server.url}`,
        `--start=${b.start}`,
        `--end=${b.end}`,
        `--output-dir=${b.outputDir}`,
        ...(b.evalInterval ? [`--eval-interval=${b.evalInterval}`] : []),
        ...b.ruleFiles,
      ],
      { cwd: b.cwd ?? this.root },
    );
    return listBlocks(b.outputDir).filter((x) => !before.has(x));
  }

  /**
   * Stops every server (also after a failed test) and removes the directory. Idempotent. With
   * KEEP_PROM_SANDBOX=1 in the environment the directory is kept (and its path printed) for debugging.
   */
  async close(): Promise<void> {
    this.closed = true;
    const errors: unknown[] = [];
    for (const s of this.servers) await s.stop().catch((e: unknown) => errors.push(e));
    if (process.env.KEEP_PROM_SANDBOX === '1') process.stderr.write(`KEEP_PROM_SANDBOX: left ${this.root}\n`);
    else rmSync(this.root, { recursive: true, force: true });
    if (errors.length) throw errors[0];
  }
}
