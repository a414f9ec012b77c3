import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Pool } from 'pg';
import { createApp, type AppDeps, type Lifecycle } from './app';
import { configWarnings, type Config } from './config';
import { connectionOptions, createPool, Database, isDatabaseUnavailable } from './db';
import { DbHealth } from './health';
import { jsonLogger, type Logger } from './log';
import { createMetrics, type Metrics } from './metrics';
import { migrate, MIGRATIONS } from './migrations';
import { RetentionJob, type RetentionJobOptions } from './retention';

/** Startup failed for a reason the message explains: main prints it without a stack trace. */
export class StartupError extends Error {
  override name = 'StartupError';
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
// for background retries: a pending one must not keep a stopped process alive
const unrefSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/**
 * Runs the migrations, retrying with exponential backoff while the database is unreachable (it may be
 * starting alongside us) for up to `timeoutMs`. Other errors (a wrong password, a failing migration)
 * are not going to heal by waiting and fail at once. What `main.js migrate` runs.
 */
export async function waitForDatabase(pool: Pool, opts: { timeoutMs: number; metrics?: Metrics; log: Logger }): Promise<number[]> {
  const deadline = Date.now() + opts.timeoutMs;
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrate(pool, { metrics: opts.metrics, log: opts.log });
    } catch (err) {
      const message = (err as Error).message;
      if (!isDatabaseUnavailable(err)) throw new StartupError(`database setup failed: ${message}`);
      const wait = Math.min(delay, deadline - Date.now());
      if (wait <= 0) throw new StartupError(`database unreachable for ${opts.timeoutMs} ms (DB_START_TIMEOUT_MS), giving up: ${message}`);
      opts.log.warn('database unreachable, retrying', { attempt, retryInMs: wait, error: message });
      await sleep(wait);
      delay = Math.min(delay * 2, 5000);
    }
  }
}

/** The `migrate` command's statement timeout: long, but bounded, so that a stuck lock wait ends. */
const MIGRATE_STATEMENT_TIMEOUT_MS = 15 * 60_000;

/**
 * `main.js migrate`: the migrations once, for a Job or an init step, then the exit code: 0 when the
 * schema is current (also when there was nothing to do), 1 with one error line otherwise. Concurrent
 * runs are safe: migrate() holds an advisory lock.
 */
export async function runMigrateCommand(config: Config, log: Logger): Promise<number> {
  // one connection; DB_QUERY_TIMEOUT_MS is sized for requests, a migration (an index build) may need far longer
  for (const w of configWarnings(config)) log.warn(w);
  const pool = createPool({ ...config, dbPoolMax: 1, dbQueryTimeoutMs: Math.max(config.dbQueryTimeoutMs, MIGRATE_STATEMENT_TIMEOUT_MS) }, log);
  try {
    const applied = await waitForDatabase(pool, { timeoutMs: config.dbStartTimeoutMs, log });
    log.info('migrations complete', { applied, current: MIGRATIONS.at(-1)?.version });
    return 0;
  } catch (err) {
    log.error(err instanceof StartupError ? err.message : `migrate failed: ${(err as Error).message}`);
    return 1;
  } finally {
    await pool.end().catch(() => undefined);
  }
}

export interface StartOptions {
  log?: Logger;
  random?: () => number;
  /** The retention job's timing (tests); the days come from the configuration. */
  retention?: Pick<RetentionJobOptions, 'intervalMs' | 'firstDelayMs' | 'batchSize' | 'pauseMs'>;
  /** How long a readiness result is reused (tests). */
  healthCacheMs?: number;
}

export interface RunningServer {
  server: http.Server;
  /** The /metrics and /admin listener when METRICS_PORT is set; else undefined (all on `server`). */
  metricsServer: http.Server | undefined;
  app: Express;
  deps: AppDeps & { lifecycle: Lifecycle };
  pool: Pool;
  health: DbHealth;
  port: number;
  /** http://host:port, with a loopback address when listening on all interfaces. */
  url: string;
  metricsPort: number | undefined;
  metricsUrl: string | undefined;
  /** Resolves when the migrations ran (MIGRATE_ON_START) or at once when they are not ours to run. */
  migrated: Promise<void>;
  /** Requests being handled right now, on either listener. */
  inFlight(): number;
  /**
   * The graceful shutdown: not ready, serve on for drainDelayMs, stop accepting on both listeners, wait
   * for in-flight requests (up to shutdownTimeoutMs), close the pool (up to dbPoolCloseTimeoutMs).
   * Resolves with the exit code: 0, or 1 when requests had to be cut off. Calling it again returns the
   * same promise.
   */
  shutdown(signal?: string): Promise<number>;
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function urlOf(server: http.Server): { url: string; address: string; port: number } {
  const { port, address } = server.address() as AddressInfo;
  const wildcard = address === '0.0.0.0' || address === '::';
  const hostForUrl = wildcard ? '127.0.0.1' : address.includes(':') ? `[${address}]` : address;
  return { url: `http://${hostForUrl}:${port}`, address, port };
}

/**
 * Listens at once, whatever the database does: an unreachable database makes the pod unready, never
 * a crash loop. Migrations (MIGRATE_ON_START) run in the background, retried until they succeed;
 * readiness waits for them. The caller decides what signals do (see main.ts).
 */
export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? jsonLogger();
  log.info('starting', {
    port: config.port,
    metricsPort: config.metricsPort,
    host: config.host,
    dbPoolMax: config.dbPoolMax,
    dbSslMode: config.dbSsl.mode,
    dbSslCaFile: config.dbSsl.caFile,
    migrateOnStart: config.migrateOnStart,
    lookupsRetentionDays: config.lookupsRetentionDays,
    drainDelayMs: config.drainDelayMs,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    dbPoolCloseTimeoutMs: config.dbPoolCloseTimeoutMs,
    faults: config.faults,
    admin: config.adminToken !== undefined,
    metrics: config.metricsEnabled,
  });
  for (const w of configWarnings(config)) log.warn(w);
  // disabled means none of it: no request or query timing, no default process metrics either
  const metrics = config.metricsEnabled ? createMetrics() : undefined;
  const pool = createPool(config, log);
  const health = new DbHealth({
    connection: connectionOptions(config),
    requiredVersions: MIGRATIONS.map((m) => m.version),
    cacheMs: opts.healthCacheMs,
    metrics,
    log,
  });
  metrics?.observeHealth(health);
  const lifecycle: Lifecycle = { draining: false };
  const deps: RunningServer['deps'] = {
    db: new Database(pool, metrics),
    health,
    metrics,
    faults: { ...config.faults },
    lifecycle,
    adminToken: config.adminToken,
    log,
    ...(opts.random ? { random: opts.random } : {}),
  };
  const split = config.metricsPort !== undefined;
  const app = createApp(deps, split ? 'main' : 'all');
  const server = http.createServer(app);
  const metricsServer = split ? http.createServer(createApp(deps, 'ops')) : undefined;
  try {
    await listen(server, config.port, config.host).catch((err: Error) => {
      throw new StartupError(`cannot listen on ${config.host}:${config.port}: ${err.message}`);
    });
    if (metricsServer) {
      await listen(metricsServer, config.metricsPort!, config.host).catch((err: Error) => {
        throw new StartupError(`cannot listen on ${config.host}:${config.metricsPort} (METRICS_PORT): ${err.message}`);
      });
    }
  } catch (err) {
    server.close();
    metricsServer?.close();
    await pool.end().catch(() => undefined);
    throw err;
  }

  let inFlight = 0;
  for (const s of [server, metricsServer]) {
    s?.on('request', (_req, res: http.ServerResponse) => {
      inFlight++;
      // 'close' comes for finished and for abandoned responses alike
      res.once('close', () => inFlight--);
    });
  }

  const main = urlOf(server);
  const ops = metricsServer ? urlOf(metricsServer) : undefined;
  log.info('listening', { url: main.url, address: main.address, port: main.port, ...(ops ? { metricsUrl: ops.url, metricsPort: ops.port } : {}) });

  let stopping: Promise<number> | undefined;
  const migrated = config.migrateOnStart ? migrateInBackground(pool, { metrics, log, stopped: () => stopping !== undefined, onDone: () => health.invalidate() }) : Promise.resolve();

  const retention = config.lookupsRetentionDays > 0 ? new RetentionJob(pool, { retentionDays: config.lookupsRetentionDays, metrics, log, ...opts.retention }) : undefined;
  retention?.start();

  const shutdown = (signal = 'shutdown'): Promise<number> => {
    if (stopping) {
      log.info('shutdown already in progress', { signal });
      return stopping;
    }
    stopping = (async () => {
      lifecycle.draining = true;
      log.info('shutdown started: not ready, draining', { signal, drainDelayMs: config.drainDelayMs });
      // load balancers need a few failed health checks before they stop sending: keep serving meanwhile
      await sleep(config.drainDelayMs);

      log.info('drain delay over: closing the listener', { inFlight });
      const servers = [server, ...(metricsServer ? [metricsServer] : [])];
      const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      // close() only closes connections idle right now; the ones that finish a request later are
      // closed as they become idle, else keep-alive would hold the server open
      const closeIdle = () => {
        for (const s of servers) s.closeIdleConnections();
      };
      closeIdle();
      const sweeper = setInterval(closeIdle, 50);
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), config.shutdownTimeoutMs)))]);
      clearInterval(sweeper);
      clearTimeout(timer);
      let exitCode = 0;
      if (finished) log.info('in-flight requests finished');
      else {
        exitCode = 1;
        log.warn('in-flight requests did not finish in time: closing their connections', { inFlight, shutdownTimeoutMs: config.shutdownTimeoutMs });
        for (const s of servers) s.closeAllConnections();
      }

      // bounded: a query stuck past its timeouts must not keep the process past terminationGracePeriodSeconds
      let poolTimer: NodeJS.Timeout | undefined;
      const poolClosed = await Promise.race([
        Promise.all([pool.end(), health.close(), retention?.stop()]).then(() => true),
        new Promise<boolean>((r) => (poolTimer = setTimeout(() => r(false), config.dbPoolCloseTimeoutMs))),
      ]);
      clearTimeout(poolTimer);
      if (poolClosed) log.info('database pool closed');
      else log.warn('database pool did not close in time', { dbPoolCloseTimeoutMs: config.dbPoolCloseTimeoutMs });
      log.info('shutdown complete', { exitCode });
      return exitCode;
    })();
    return stopping;
  };

  return {
    server,
    metricsServer,
    app,
    deps,
    pool,
    health,
    port: main.port,
    url: main.url,
    metricsPort: ops?.port,
    metricsUrl: ops?.url,
    migrated,
    inFlight: () => inFlight,
    shutdown,
  };
}

/**
 * MIGRATE_ON_START: the migrations while already listening (unready until they are done). Retried
 * until they succeed: every 0.25 s doubling to 2 s while the database is unreachable, every 30 s after
 * other errors (a failing migration, missing privileges), which an operator has to fix; never an exit.
 */
async function migrateInBackground(pool: Pool, o: { metrics?: Metrics; log: Logger; stopped: () => boolean; onDone: () => void }): Promise<void> {
  let delay = 250;
  for (let attempt = 1; !o.stopped(); attempt++) {
    try {
      await migrate(pool, { metrics: o.metrics, log: o.log });
      o.log.info('migrations complete');
      o.onDone();
      return;
    } catch (err) {
      // the pool closed under it: shutting down, nothing to report
      if (o.stopped()) return;
      const message = (err as Error).message;
      if (isDatabaseUnavailable(err)) {
        o.log.warn('database unreachable, retrying', { attempt, retryInMs: delay, error: message });
        await unrefSleep(delay);
        delay = Math.min(delay * 2, 2000);
      } else {
        o.log.error('migrations failed, retrying in 30 s (the pod stays unready)', { attempt, error: message });
        await unrefSleep(30_000);
      }
    }
  }
}
