import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { dayFacts, parseIsoDate, todayUtc } from './calendar';
import { isDatabaseUnavailable, type Database } from './db';
import { parseFaultsPatch, type Faults } from './faults';
import type { HealthStatus } from './health';
import { silentLogger, type Logger } from './log';
import { UNMATCHED_ROUTE, type Metrics } from './metrics';

/** Shared with the server: set when shutdown begins, so readiness fails while requests are still served. */
export interface Lifecycle {
  draining: boolean;
}

export interface AppDeps {
  db: Database;
  /** Readiness' view of the database: a dedicated connection, never the request pool (health.ts). */
  health: { check(): Promise<HealthStatus> };
  /** Undefined: requests are not instrumented and /metrics is a 404 (METRICS_ENABLED=false). */
  metrics?: Metrics;
  /** Changed in place by the admin endpoint. */
  faults: Faults;
  lifecycle?: Lifecycle;
  /** Undefined disables /admin (404). */
  adminToken?: string;
  log?: Logger;
  /** For the error rate; Math.random by default. */
  random?: () => number;
}

/**
 * Which routes an app serves: `all` (one port, the default), or split between the `main` port (API and
 * probes) and the `ops` port (/metrics and /admin), so that only the API port needs to face clients.
 */
export type AppPart = 'all' | 'main' | 'ops';

export const HISTORY_DEFAULT_LIMIT = 20;
export const HISTORY_MAX_LIMIT = 100;

/** A 400 naming the offending query parameter. */
class BadParameter extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

const show = (v: string) => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);

/** One string value of a query parameter, or undefined when absent; repeated or nested values are refused. */
function queryParam(query: unknown, name: string): string | undefined {
  const v = (query as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new BadParameter(name, `${name} must be given once, as a single value`);
  return v;
}

function dateParam(query: unknown) {
  const v = queryParam(query, 'date');
  if (v === undefined) return todayUtc();
  const d = parseIsoDate(v);
  if (!d) throw new BadParameter('date', `date must be a calendar date YYYY-MM-DD with a year from 0001 to 9999 (got ${show(v)})`);
  return d;
}

function limitParam(query: unknown): number {
  const v = queryParam(query, 'limit');
  if (v === undefined) return HISTORY_DEFAULT_LIMIT;
  const n = /^\d{1,3}$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= HISTORY_MAX_LIMIT)) throw new BadParameter('limit', `limit must be an integer from 1 to ${HISTORY_MAX_LIMIT} (got ${show(v)})`);
  return n;
}

/** Observes every response in http_request_duration_seconds under its route template. */
function instrument(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpRequestDuration.startTimer();
    // 'finish' only: a request the client abandoned has no status code to report
    res.once('finish', () => {
      // req.route is the matched route (set by the router); its path is the template, not the URL
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : UNMATCHED_ROUTE;
      end({ method: req.method, route, status_code: String(res.statusCode) });
    });
    next();
  };
}

/** Constant-time bearer token check: hashing first makes the comparison independent of the lengths. */
function requireToken(token: string): RequestHandler {
  const expected = createHash('sha256').update(token).digest();
  return (req, res, next) => {
    const m = /^Bearer +(\S+) *$/i.exec(req.get('authorization') ?? '');
    const given = createHash('sha256')
      .update(m?.[1] ?? '')
      .digest();
    if (m && timingSafeEqual(given, expected)) return next();
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer')
      .json({ error: m ? 'invalid token' : 'missing token: send Authorization: Bearer <ADMIN_TOKEN>' });
  };
}

/** The error rate and added latency of the fault injection; only the /api routes use it. */
function injectFaults(faults: Faults, random: () => number): RequestHandler {
  return async (_req, res, next) => {
    if (faults.latencyMs > 0) {
      // a client that gave up (or a connection cut at shutdown) ends the wait: nobody is left to answer
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, faults.latencyMs);
        res.once('close', done);
        function done() {
          clearTimeout(timer);
          res.off('close', done);
          resolve();
        }
      });
      if (res.destroyed) return;
    }
    if (faults.errorRate > 0 && random() < faults.errorRate) {
      res.status(500).json({ error: 'injected fault (fault injection error rate)' });
      return;
    }
    next();
  };
}

export function createApp(deps: AppDeps, part: AppPart = 'all'): Express {
  const { db, metrics, faults } = deps;
  const serveMain = part !== 'ops';
  const serveOps = part !== 'main';
  const lifecycle = deps.lifecycle ?? { draining: false };
  const log = deps.log ?? silentLogger;
  const random = deps.random ?? Math.random;

  const app = express();
  app.disable('x-powered-by');
  // answers change with every lookup: conditional GETs would only save a few bytes
  app.set('etag', false);
  // node's querystring: a value is a string or, when repeated, an array; never a nested object
  app.set('query parser', 'simple');

  if (metrics) app.use(instrument(metrics));
  app.use((_req, res, next) => {
    // while draining, ask clients not to reuse connections, so closing the listener leaves none idle
    if (lifecycle.draining) res.set('Connection', 'close');
    next();
  });

  if (serveMain) {
    app.get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    });

    let lastReady: boolean | undefined;
    const readiness = (ready: boolean, reason?: string) => {
      // log changes only: probes come every few seconds
      if (ready !== lastReady) (ready ? log.info : log.warn)(ready ? 'ready' : 'not ready', reason ? { reason } : {});
      lastReady = ready;
    };
    app.get('/readyz', async (_req, res) => {
      let reason: string | undefined;
      let detail: string | undefined;
      if (lifecycle.draining) reason = 'shutting down';
      else if (faults.unready) reason = 'forced unready (fault injection)';
      else {
        const status = await deps.health.check();
        if (!status.ok) {
          // the client gets no connection details; the log does
          reason = status.reason ?? 'database unreachable';
          detail = `${reason}: ${status.detail ?? ''}`;
        }
      }
      if (reason) {
        readiness(false, detail ?? reason);
        res.status(503).json({ status: 'not ready', reason });
      } else {
        readiness(true);
        res.json({ status: 'ready' });
      }
    });
  }

  if (serveOps && metrics) {
    app.get('/metrics', async (_req, res) => {
      res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }

  if (serveOps && deps.adminToken !== undefined) {
    const auth = requireToken(deps.adminToken);
    app.get('/admin/faults', auth, (_req, res) => {
      res.json(faults);
    });
    app.put('/admin/faults', auth, express.json({ limit: '1kb' }), (req, res) => {
      const parsed = parseFaultsPatch(req.body);
      if ('error' in parsed) {
        res.status(400).json({ error: parsed.error });
        return;
      }
      Object.assign(faults, parsed.patch);
      log.info('faults changed', { ...faults });
      res.json(faults);
    });
  }

  if (serveMain) {
    const api = injectFaults(faults, random);
    app.get('/api/day', api, async (req, res) => {
      const facts = dayFacts(dateParam(req.query));
      // answered only after the INSERT committed: a 200 means the lookup is stored
      const lookup = await db.recordLookup(facts.date);
      res.json({ ...facts, lookup: { id: lookup.id, lookedUpAt: lookup.lookedUpAt } });
    });
    app.get('/api/history', api, async (req, res) => {
      const limit = limitParam(req.query);
      res.json({ limit, lookups: await db.listHistory(limit) });
    });
  }

  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });

  // during an outage every request fails the same way: one warning per interval, with a count
  let unavailableLoggedAt = 0;
  let unavailableSince = 0;
  const warnUnavailable = (error: string) => {
    const now = Date.now();
    if (now - unavailableLoggedAt < 5000) return void unavailableSince++;
    log.warn('database unavailable: answering 503', { error, moreSinceLastWarning: unavailableSince });
    unavailableLoggedAt = now;
    unavailableSince = 0;
  };

  const onError: ErrorRequestHandler = (err, req, res, next) => {
    // the response is under way: let express abort the connection
    if (res.headersSent) return next(err);
    if (err instanceof BadParameter) {
      res.status(400).json({ error: err.message, parameter: err.parameter });
    } else if (isDatabaseUnavailable(err)) {
      warnUnavailable(String(err?.message ?? err));
      res.status(503).set('Retry-After', '1').json({ error: 'database unavailable, try again later' });
    } else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
      // body-parser's errors: malformed JSON, too large, wrong charset
      res.status(err.status).json({ error: err.expose ? String(err.message) : 'bad request' });
    } else {
      // details go to the log only, never to the client
      log.error('unexpected error', { method: req.method, path: req.path, error: String(err?.message ?? err), stack: err?.stack });
      res.status(500).json({ error: 'internal error' });
    }
  };
  app.use(onError);
  return app;
}
