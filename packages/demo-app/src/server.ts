import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Pool } from 'pg';
import { createApp, type AppDeps, type Lifecycle } from './app';
import type { Config } from './config';
import { createPool, Database, isDatabaseUnavailable } from './db';
import { jsonLogger, type Logger } from './log';
import { createMetrics, type Metrics } from './metrics';
import { migrate } from './migrations';

/** Startup failed for a reason the message explains: main prints it without a stack trace. */
export class StartupError extends Error {
  override name = 'StartupError';
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs the migrations, retrying with exponential backoff while the database is unreachable (it may be
 * starting alongside us) for up to `timeoutMs`. Other errors (a wrong password, a failing migration)
 * are not going to heal by waiting and fail at once.
 */
export async function waitForDatabase(pool: Pool, opts: { timeoutMs: number; metrics?: Metrics; log: Logger }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      await migrate(pool, { metrics: opts.metrics, log: opts.log });
      return;
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

export interface StartOptions {
  log?: Logger;
  random?: () => number;
}

export interface RunningServer {
  server: http.Server;
  app: Express;
  deps: AppDeps & { lifecycle: Lifecycle };
  pool: Pool;
  port: number;
  /** http://host:port, with a loopback address when listening on all interfaces. */
  url: string;
  /** Requests being handled right now. */
  inFlight(): number;
  /**
   * The graceful shutdown: not ready, serve on for drainDelayMs, stop accepting, wait for in-flight
   * requests (up to shutdownTimeoutMs), close the pool. Resolves with the exit code: 0, or 1 when
   * requests had to be cut off. Calling it again returns the same promise.
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

/** Connects, migrates, and listens; the caller decides what signals do (see main.ts). */
export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? jsonLogger();
  log.info('starting', {
    port: config.port,
    host: config.host,
    dbPoolMax: config.dbPoolMax,
    drainDelayMs: config.drainDelayMs,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    faults: config.faults,
    admin: config.adminToken !== undefined,
    metrics: config.metricsEnabled,
  });
  // disabled means none of it: no request or query timing, no default process metrics either
  const metrics = config.metricsEnabled ? createMetrics() : undefined;
  const pool = createPool(config, log);
  const lifecycle: Lifecycle = { draining: false };
  const deps: RunningServer['deps'] = {
    db: new Database(pool, metrics),
    metrics,
    faults: { ...config.faults },
    lifecycle,
    adminToken: config.adminToken,
    log,
    ...(opts.random ? { random: opts.random } : {}),
  };
  let server: http.Server;
  let app: Express;
  try {
    await waitForDatabase(pool, { timeoutMs: config.dbStartTimeoutMs, metrics, log });
    app = createApp(deps);
    server = http.createServer(app);
    await listen(server, config.port, config.host).catch((err: Error) => {
      throw new StartupError(`cannot listen on ${config.host}:${config.port}: ${err.message}`);
    });
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }

  let inFlight = 0;
  server.on('request', (_req, res: http.ServerResponse) => {
    inFlight++;
    // 'close' comes for finished and for abandoned responses alike
    res.once('close', () => inFlight--);
  });

  const { port, address } = server.address() as AddressInfo;
  const wildcard = address === '0.0.0.0' || address === '::';
  const hostForUrl = wildcard ? '127.0.0.1' : address.includes(':') ? `[${address}]` : address;
  const url = `http://${hostForUrl}:${port}`;
  log.info('listening', { url, address, port });

  let stopping: Promise<number> | undefined;
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
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // close() only closes connections idle right now; the ones that finish a request later are
      // closed as they become idle, else keep-alive would hold the server open
      server.closeIdleConnections();
      const sweeper = setInterval(() => server.closeIdleConnections(), 50);
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), config.shutdownTimeoutMs)))]);
      clearInterval(sweeper);
      clearTimeout(timer);
      let exitCode = 0;
      if (finished) log.info('in-flight requests finished');
      else {
        exitCode = 1;
        log.warn('in-flight requests did not finish in time: closing their connections', { inFlight, shutdownTimeoutMs: config.shutdownTimeoutMs });
        server.closeAllConnections();
      }

      // a query stuck past its timeouts must not keep the process alive
      let poolTimer: NodeJS.Timeout | undefined;
      const poolClosed = await Promise.race([
        pool.end().then(() => true),
        new Promise<boolean>((r) => (poolTimer = setTimeout(() => r(false), config.dbQueryTimeoutMs + 2000))),
      ]);
      clearTimeout(poolTimer);
      if (poolClosed) log.info('database pool closed');
      else log.warn('database pool did not close in time');
      log.info('shutdown complete', { exitCode });
      return exitCode;
    })();
    return stopping;
  };

  return { server, app, deps, pool, port, url, inFlight: () => inFlight, shutdown };
}
