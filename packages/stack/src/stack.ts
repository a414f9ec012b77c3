import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { listBlocks, victoriaMetricsArgs, vmalertArgs } from '@slo-engine/history';
import { alertingConfig, localRouting } from './alerting';
import { PostgresCluster } from './postgres';
import { alive, startDetached, stopProcess, waitForHttp } from './processes';

/**
 * The local stack: a private PostgreSQL, the demo app and a Prometheus (Debian package) on loopback,
 * scraping the app and evaluating the compiled rules, and an Alertmanager (Debian package) with the routing
 * `slo compile --alertmanager-out` generates, delivering to a local webhook receiver that writes what it gets
 * to notifications.jsonl. With the engine `victoriametrics`, VictoriaMetrics scrapes the app and vmalert
 * evaluates the same rule files instead of Prometheus (Debian package victoria-metrics). Everything lives in
 * one directory (state.json says what runs where), so `down` and `status` work from any later shell.
 */

export type Engine = 'prometheus' | 'victoriametrics';
export const ENGINES: readonly Engine[] = ['prometheus', 'victoriametrics'];

export interface StackOptions {
  /** Repository root: where packages/demo-app/dist and rules-out are. */
  root: string;
  /** State directory, default `<root>/.stack`. */
  dir?: string;
  pgPort?: number;
  appPort?: number;
  promPort?: number;
  /** Prometheus scrape interval, default 5s. */
  scrapeInterval?: string;
  /** Rule files to load, default every `*.rules.yaml` under `<root>/rules-out`. */
  ruleFiles?: string[];
  /** Extra environment for the demo app (e.g. DRAIN_DELAY_MS). */
  appEnv?: Record<string, string>;
  alertmanagerPort?: number;
  receiverPort?: number;
  /** The specs whose notification targets the routing is generated from, default slo-specs. */
  specs?: string[];
  /** What scrapes the app and evaluates the rules, default prometheus. */
  engine?: Engine;
  vmPort?: number;
  vmalertPort?: number;
}

export interface StackState {
  dir: string;
  pg: { port: number; url: string };
  app: { pid: number; port: number; url: string; adminToken: string };
  /** Absent when the engine is VictoriaMetrics. */
  prometheus?: { pid: number; port: number; url: string; ruleFiles: string[] };
  /** With the engine victoriametrics (absent before the stack had it: Prometheus). */
  engine?: Engine;
  victoriametrics?: { pid: number; port: number; url: string };
  vmalert?: { pid: number; port: number; url: string; ruleFiles: string[] };
  /** Absent in the state of a stack started before the stack had alerting. */
  alertmanager?: { pid: number; port: number; url: string };
  receiver?: { pid: number; port: number; url: string; file: string };
}

export interface ComponentStatus {
  name: string;
  running: boolean;
  healthy: boolean;
  detail: string;
}

const DEFAULTS = { pgPort: 15432, appPort: 8001, promPort: 9090, alertmanagerPort: 9093, receiverPort: 9097, vmPort: 8428, vmalertPort: 8880, scrapeInterval: '5s' };
/** What the stack's webhook receiver got, one JSON line per notification. */
export const NOTIFICATIONS = 'notifications.jsonl';
const PROMETHEUS_DATA = 'prometheus-data';
const VICTORIA_METRICS_DATA = 'victoriametrics-data';
/** The stack's Prometheus keeps this many days of data. */
export const RETENTION_DAYS = 31;

function findRuleFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...findRuleFiles(p));
    else if (e.endsWith('.rules.yaml')) out.push(p);
  }
  return out;
}

function which(name: string, pkg = 'prometheus'): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} not found on PATH: install it with \`bash scripts/setup-test-tools.sh\` (Debian package ${pkg})`);
  }
}

/** prometheus.yml for the stack: the app as job "day", the compiled rules, Prometheus itself, and the Alertmanager. */
export function prometheusConfig(o: { appPort: number; promPort: number; scrapeInterval: string; ruleFiles: string[]; alertmanagerPort?: number }): string {
  return [
    '# Written by pnpm stack up.',
    'global:',
    `  scrape_interval: ${o.scrapeInterval}`,
    `  evaluation_interval: 1m`,
    ...(o.alertmanagerPort === undefined ? [] : alertingConfig(o.alertmanagerPort)),
    'rule_files:',
    ...(o.ruleFiles.length ? o.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`) : ['  []']),
    ...scrapeConfigs({ day: o.appPort, prometheus: o.promPort }),
    '',
  ].join('\n');
}

/** The scrape jobs: the app as job "day", and the engine itself. */
function scrapeConfigs(jobs: Record<string, number>): string[] {
  return ['scrape_configs:', ...Object.entries(jobs).flatMap(([job, port]) => [`  - job_name: ${job}`, '    static_configs:', `      - targets: ["127.0.0.1:${port}"]`])];
}

/** VictoriaMetrics' -promscrape.config for the stack: the same jobs as Prometheus's. */
export function victoriaMetricsScrapeConfig(o: { appPort: number; vmPort: number; scrapeInterval: string }): string {
  return ['# Written by pnpm stack up --engine victoriametrics.', 'global:', `  scrape_interval: ${o.scrapeInterval}`, ...scrapeConfigs({ day: o.appPort, victoriametrics: o.vmPort }), ''].join('\n');
}

/** The URL of the stack's Prometheus query API: Prometheus, or VictoriaMetrics (which serves the same API). */
export function queryUrl(state: StackState): string {
  const url = state.prometheus?.url ?? state.victoriametrics?.url;
  if (!url) throw new Error('the stack state names no Prometheus or VictoriaMetrics: pnpm stack down, then up');
  return url;
}

export class Stack {
  readonly dir: string;
  constructor(readonly opts: StackOptions) {
    this.dir = opts.dir ?? path.join(opts.root, '.stack');
  }

  private get stateFile(): string {
    return path.join(this.dir, 'state.json');
  }

  state(): StackState | undefined {
    if (!existsSync(this.stateFile)) return undefined;
    return JSON.parse(readFileSync(this.stateFile, 'utf8')) as StackState;
  }

  private pg(port: number): PostgresCluster {
    return new PostgresCluster({ dir: path.join(this.dir, 'postgres'), port });
  }

  /** Starts whatever is not running yet; returns the state. `log` receives one line per step. */
  async up(log: (line: string) => void = () => {}): Promise<StackState> {
    const o = { ...DEFAULTS, ...this.opts };
    const appMain = path.join(o.root, 'packages/demo-app/dist/main.js');
    if (!existsSync(appMain)) throw new Error(`${path.relative(process.cwd(), appMain)} is missing: run pnpm build first`);
    const engine = o.engine ?? 'prometheus';
    const binaries = engine === 'prometheus' ? { prometheus: which('prometheus') } : { vm: which('victoria-metrics', 'victoria-metrics'), vmalert: which('vmalert', 'victoria-metrics') };
    mkdirSync(this.dir, { recursive: true });
    // PostgreSQL runs as the postgres user when we are root: it must be able to pass through this directory
    if (process.getuid?.() === 0) chmodSync(this.dir, 0o711);
    const previous = this.state();
    const running = previous && (alive(previous.prometheus?.pid) ? 'prometheus' : alive(previous.victoriametrics?.pid) || alive(previous.vmalert?.pid) ? 'victoriametrics' : undefined);
    if (running && running !== engine) throw new Error(`the stack runs with ${running}: pnpm stack down first, then pnpm stack up --engine ${engine}`);

    const pg = this.pg(previous?.pg.port ?? o.pgPort);
    if (!pg.running()) {
      log(`postgres: starting on 127.0.0.1:${pg.opts.port}`);
      await pg.start();
    } else log(`postgres: already running on 127.0.0.1:${pg.opts.port}`);

    let app = previous?.app;
    if (!app || !alive(app.pid)) {
      const adminToken = app?.adminToken ?? randomBytes(24).toString('hex');
      const port = app?.port ?? o.appPort;
      log(`day: starting on 127.0.0.1:${port}`);
      const pid = startDetached(process.execPath, [appMain], {
        log: path.join(this.dir, 'day.log'),
        env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: pg.url, ADMIN_TOKEN: adminToken, ...(o.appEnv ?? {}) },
      });
      app = { pid, port, url: `http://127.0.0.1:${port}`, adminToken };
      await waitForHttp(`${app.url}/readyz`, 'the demo app', 60_000, () => alive(pid));
    } else log(`day: already running (pid ${app.pid})`);

    let receiver = previous?.receiver;
    if (!receiver || !alive(receiver.pid)) {
      const port = receiver?.port ?? o.receiverPort;
      const file = path.join(this.dir, NOTIFICATIONS);
      log(`receiver: starting on 127.0.0.1:${port}, writing ${file}`);
      // the built script (also when this module runs from its TypeScript source, as in tests)
      const script = path.join(o.root, 'packages/stack/dist/receiver.js');
      if (!existsSync(script)) throw new Error(`${path.relative(process.cwd(), script)} is missing: run pnpm build first`);
      const pid = startDetached(process.execPath, [script, String(port), file], { log: path.join(this.dir, 'receiver.log') });
      receiver = { pid, port, url: `http://127.0.0.1:${port}`, file };
      await waitForHttp(`${receiver.url}/-/ready`, `the webhook receiver (see ${path.join(this.dir, 'receiver.log')})`, 30_000, () => alive(pid));
    } else log(`receiver: already running (pid ${receiver.pid})`);

    let am = previous?.alertmanager;
    if (!am || !alive(am.pid)) {
      const port = am?.port ?? o.alertmanagerPort;
      writeFileSync(this.alertmanagerConfigFile, localRouting(this.generatedRouting(o.specs ?? ['slo-specs']), receiver.url));
      log(`alertmanager: starting on 127.0.0.1:${port} with the generated routing`);
      const binary = which('prometheus-alertmanager', 'prometheus-alertmanager');
      const pid = startDetached(
        binary,
        [`--config.file=${this.alertmanagerConfigFile}`, `--storage.path=${path.join(this.dir, 'alertmanager-data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
        { log: path.join(this.dir, 'alertmanager.log') },
      );
      am = { pid, port, url: `http://127.0.0.1:${port}` };
      await waitForHttp(`${am.url}/-/ready`, `Alertmanager (see ${path.join(this.dir, 'alertmanager.log')})`, 60_000, () => alive(pid));
    } else log(`alertmanager: already running (pid ${am.pid})`);

    const ruleFiles = (o.ruleFiles ?? findRuleFiles(path.join(o.root, 'rules-out'))).map((f) => path.resolve(f));
    let engineState: Pick<StackState, 'prometheus' | 'engine' | 'victoriametrics' | 'vmalert'>;
    if (engine === 'prometheus') {
      let prom = previous?.prometheus;
      if (!prom || !alive(prom.pid)) {
        const port = prom?.port ?? o.promPort;
        writeFileSync(this.prometheusConfigFile, prometheusConfig({ appPort: app.port, promPort: port, scrapeInterval: o.scrapeInterval, ruleFiles, alertmanagerPort: am.port }));
        log(`prometheus: starting on 127.0.0.1:${port} with ${ruleFiles.length} rule files`);
        prom = await this.launchPrometheus(binaries.prometheus!, port, ruleFiles);
      } else log(`prometheus: already running (pid ${prom.pid})`);
      engineState = { prometheus: prom };
    } else {
      let vm = previous?.victoriametrics;
      if (!vm || !alive(vm.pid)) {
        const port = vm?.port ?? o.vmPort;
        const scrapeConfig = path.join(this.dir, 'victoriametrics-scrape.yml');
        writeFileSync(scrapeConfig, victoriaMetricsScrapeConfig({ appPort: app.port, vmPort: port, scrapeInterval: o.scrapeInterval }));
        log(`victoriametrics: starting on 127.0.0.1:${port}, scraping the app`);
        const pid = startDetached(binaries.vm!, victoriaMetricsArgs({ port, dataDir: path.join(this.dir, VICTORIA_METRICS_DATA), retention: `${RETENTION_DAYS}d`, scrapeConfig }), {
          log: path.join(this.dir, 'victoriametrics.log'),
        });
        vm = { pid, port, url: `http://127.0.0.1:${port}` };
        await waitForHttp(`${vm.url}/health`, `VictoriaMetrics (see ${path.join(this.dir, 'victoriametrics.log')})`, 60_000, () => alive(pid));
      } else log(`victoriametrics: already running (pid ${vm.pid})`);
      let vmalert = previous?.vmalert;
      if (!vmalert || !alive(vmalert.pid)) {
        const port = vmalert?.port ?? o.vmalertPort;
        log(`vmalert: starting on 127.0.0.1:${port} with ${ruleFiles.length} rule files`);
        const pid = startDetached(binaries.vmalert!, vmalertArgs({ ruleFiles, url: vm.url, port, alertmanagerUrl: am.url }), { log: path.join(this.dir, 'vmalert.log') });
        vmalert = { pid, port, url: `http://127.0.0.1:${port}`, ruleFiles };
        await waitForHttp(`${vmalert.url}/health`, `vmalert (see ${path.join(this.dir, 'vmalert.log')})`, 60_000, () => alive(pid));
      } else log(`vmalert: already running (pid ${vmalert.pid})`);
      engineState = { engine, victoriametrics: vm, vmalert };
    }

    const state: StackState = { dir: this.dir, pg: { port: pg.opts.port, url: pg.url }, app, ...engineState, alertmanager: am, receiver };
    this.writeState(state);
    return state;
  }

  private writeState(state: StackState): void {
    writeFileSync(this.stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  }

  private get prometheusConfigFile(): string {
    return path.join(this.dir, 'prometheus.yml');
  }

  private get alertmanagerConfigFile(): string {
    return path.join(this.dir, 'alertmanager.yml');
  }

  /** The routing slo compile --alertmanager-out generates for the specs (the built CLI, as `pnpm start` runs it). */
  private generatedRouting(specs: string[]): string {
    const cli = path.join(this.opts.root, 'packages/cli/dist/main.js');
    if (!existsSync(cli)) throw new Error(`${path.relative(process.cwd(), cli)} is missing: run pnpm build first`);
    const out = path.join(this.dir, 'routing');
    const r = spawnSync(
      process.execPath,
      [cli, 'compile', ...specs, '--rules-out', path.join(out, 'rules'), '--dashboards-out', path.join(out, 'dashboards'), '--alertmanager-out', path.join(out, 'alertmanager')],
      { cwd: this.opts.root, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`slo compile --alertmanager-out failed:\n${r.stderr}`);
    return readFileSync(path.join(out, 'alertmanager/alertmanager.yml'), 'utf8');
  }

  /** What the stack's webhook receiver got so far, oldest first. */
  notifications(): { receivedAt: string; receiver: string; notification: { status: string; alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[] } }[] {
    const file = this.state()?.receiver?.file;
    if (!file || !existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  }

  /** The stack's TSDB directory: blocks moved into it while Prometheus is stopped are loaded when it starts. */
  get prometheusDataDir(): string {
    return path.join(this.dir, PROMETHEUS_DATA);
  }

  private async launchPrometheus(binary: string, port: number, ruleFiles: string[]): Promise<StackState['prometheus']> {
    const pid = startDetached(
      binary,
      [
        `--config.file=${this.prometheusConfigFile}`,
        `--storage.tsdb.path=${this.prometheusDataDir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-lifecycle',
        // a day more than the 30 days `pnpm stack backfill` writes: blocks older than retention are deleted at start
        `--storage.tsdb.retention.time=${RETENTION_DAYS}d`,
      ],
      { log: path.join(this.dir, 'prometheus.log') },
    );
    const prom = { pid, port, url: `http://127.0.0.1:${port}`, ruleFiles };
    await waitForHttp(`${prom.url}/-/ready`, 'Prometheus', 120_000, () => alive(pid));
    return prom;
  }

  /**
   * Stops the stack's Prometheus, runs `whileStopped` (e.g. moving TSDB blocks into its data directory), and
   * starts it again on the same port with the same configuration; state.json gets the new pid, so `status`
   * and `down` follow. Prometheus is started again even when `whileStopped` throws.
   */
  async restartPrometheus<T>(whileStopped: (dataDir: string) => T | Promise<T>, log: (line: string) => void = () => {}): Promise<T> {
    const s = this.state();
    if (s?.engine === 'victoriametrics') throw new Error(`the stack runs VictoriaMetrics, which loads no TSDB blocks: replay history with slo backfill --vmalert --prometheus ${queryUrl(s)}`);
    if (!s?.prometheus || !alive(s.prometheus.pid)) throw new Error('the stack is not running: pnpm stack up');
    const prometheus = s.prometheus;
    const binary = which('prometheus');
    log(`prometheus: stopping (pid ${prometheus.pid})`);
    await stopProcess(prometheus.pid, 60_000);
    let result: T;
    try {
      result = await whileStopped(this.prometheusDataDir);
    } finally {
      log(`prometheus: starting on 127.0.0.1:${prometheus.port}`);
      const prom = await this.launchPrometheus(binary, prometheus.port, prometheus.ruleFiles);
      this.writeState({ ...s, prometheus: prom });
    }
    return result;
  }

  /** Stops everything (the app gracefully); `purge` also deletes the data. */
  async down(opts: { purge?: boolean } = {}, log: (line: string) => void = () => {}): Promise<void> {
    const s = this.state();
    if (s) {
      for (const [name, pid] of [
        ['prometheus', s.prometheus?.pid],
        ['vmalert', s.vmalert?.pid],
        ['victoriametrics', s.victoriametrics?.pid],
      ] as const) {
        if (alive(pid)) log(`${name}: stopping`);
        await stopProcess(pid);
      }
      if (alive(s.alertmanager?.pid)) log('alertmanager: stopping');
      await stopProcess(s.alertmanager?.pid);
      if (alive(s.receiver?.pid)) log('receiver: stopping');
      await stopProcess(s.receiver?.pid);
      if (alive(s.app.pid)) log('day: stopping (graceful drain)');
      await stopProcess(s.app.pid, 60_000);
      const pg = this.pg(s.pg.port);
      if (pg.running()) {
        log('postgres: stopping');
        pg.stop();
      }
    } else log('nothing is running');
    if (opts.purge) {
      rmSync(this.dir, { recursive: true, force: true });
      log(`removed ${this.dir}`);
    }
  }

  /** The oldest time (unix ms) of the TSDB's persisted blocks (backfilled ones included); undefined before the first block. */
  private oldestBlock(): number | undefined {
    const dir = this.prometheusDataDir;
    if (!existsSync(dir)) return undefined;
    const times = listBlocks(dir).flatMap((b) => {
      try {
        return [(JSON.parse(readFileSync(path.join(dir, b, 'meta.json'), 'utf8')) as { minTime: number }).minTime];
      } catch {
        return []; // a block being written or deleted by compaction
      }
    });
    return times.length ? Math.min(...times) : undefined;
  }

  private async prometheusStatus(s: StackState, probe: (url: string) => Promise<string>): Promise<ComponentStatus[]> {
    const prom = s.prometheus;
    const promAlive = alive(prom?.pid);
    let promDetail = promAlive ? await probe(`${prom!.url}/-/ready`) : 'not running';
    if (promDetail === 'ok') {
      try {
        const r = (await (await fetch(`${prom!.url}/api/v1/rules`)).json()) as { data: { groups: unknown[] } };
        const since = this.oldestBlock();
        promDetail = `${prom!.url}, ${r.data.groups.length} rule groups loaded${since === undefined ? '' : `, history since ${new Date(since).toISOString().slice(0, 16)}Z`}`;
      } catch {
        promDetail = prom!.url;
      }
    }
    return [{ name: 'prometheus', running: promAlive, healthy: promAlive && !promDetail.startsWith('HTTP'), detail: promAlive ? `${promDetail} (pid ${prom!.pid})` : 'stopped' }];
  }

  /** VictoriaMetrics and vmalert: vmalert is healthy when every rule of every group evaluates without an error. */
  private async victoriaMetricsStatus(s: StackState, probe: (url: string) => Promise<string>): Promise<ComponentStatus[]> {
    const vm = s.victoriametrics;
    const vmAlive = alive(vm?.pid);
    const vmReady = vmAlive ? await probe(`${vm!.url}/health`) : 'not running';
    const va = s.vmalert;
    const vaAlive = alive(va?.pid);
    let vaDetail = vaAlive ? await probe(`${va!.url}/health`) : 'not running';
    let failing = 0;
    if (vaDetail === 'ok') {
      try {
        const r = (await (await fetch(`${va!.url}/api/v1/rules`)).json()) as { data: { groups: { rules: { lastError?: string }[] }[] } };
        failing = r.data.groups.flatMap((g) => g.rules).filter((x) => x.lastError).length;
        vaDetail = `${va!.url}, ${r.data.groups.length} rule groups loaded${failing ? `, ${failing} rules failing (see ${va!.url}/vmalert/groups)` : ''}`;
      } catch {
        vaDetail = va!.url;
      }
    }
    return [
      { name: 'victoriametrics', running: vmAlive, healthy: vmReady === 'ok', detail: vmAlive ? `${vm!.url} (pid ${vm!.pid}), ready: ${vmReady}` : 'stopped' },
      { name: 'vmalert', running: vaAlive, healthy: vaAlive && !vaDetail.startsWith('HTTP') && failing === 0, detail: vaAlive ? `${vaDetail} (pid ${va!.pid})` : 'stopped' },
    ];
  }

  async status(): Promise<ComponentStatus[]> {
    const s = this.state();
    if (!s)
      return ['postgres', 'day', ...(this.opts.engine === 'victoriametrics' ? ['victoriametrics', 'vmalert'] : ['prometheus']), 'alertmanager', 'receiver'].map((name) => ({
        name,
        running: false,
        healthy: false,
        detail: 'not started',
      }));
    const probe = async (url: string): Promise<string> => {
      try {
        const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
        return r.ok ? 'ok' : `HTTP ${r.status}`;
      } catch (e) {
        return (e as Error).message;
      }
    };
    const pg = this.pg(s.pg.port);
    const pgUp = pg.running();
    let pgDetail = `127.0.0.1:${s.pg.port}`;
    if (pgUp)
      pgDetail += await pg.psql('SELECT count(*) FROM lookups').then(
        (n) => `, ${n} lookups recorded`,
        () => '',
      );
    const appAlive = alive(s.app.pid);
    const ready = appAlive ? await probe(`${s.app.url}/readyz`) : 'not running';
    const engineRows = s.engine === 'victoriametrics' ? await this.victoriaMetricsStatus(s, probe) : await this.prometheusStatus(s, probe);
    const amAlive = alive(s.alertmanager?.pid);
    const amReady = amAlive ? await probe(`${s.alertmanager!.url}/-/ready`) : 'not running';
    const rcAlive = alive(s.receiver?.pid);
    const got = this.notifications();
    return [
      { name: 'postgres', running: pgUp, healthy: pgUp, detail: pgUp ? pgDetail : 'stopped' },
      { name: 'day', running: appAlive, healthy: ready === 'ok', detail: appAlive ? `${s.app.url} (pid ${s.app.pid}), ready: ${ready}` : 'stopped' },
      ...engineRows,
      { name: 'alertmanager', running: amAlive, healthy: amReady === 'ok', detail: amAlive ? `${s.alertmanager!.url} (pid ${s.alertmanager!.pid}), ready: ${amReady}` : 'stopped' },
      {
        name: 'receiver',
        running: rcAlive,
        healthy: rcAlive,
        detail: rcAlive ? `${s.receiver!.url} (pid ${s.receiver!.pid}), ${got.length} notification${got.length === 1 ? '' : 's'} in ${s.receiver!.file}` : 'stopped',
      },
    ];
  }
}
