import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The request duration buckets: 0.3 is the latency SLO's threshold (slo-specs/day/latency.yaml). */
export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 1, 2.5, 5, 10];
export const DB_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The route label of requests no route matched: a fixed value keeps the label's cardinality bounded. */
export const UNMATCHED_ROUTE = 'unmatched';

export interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  /** The configured maximum (pg's Pool has it under options.max). */
  options?: { max?: number };
}

/** What db_up and db_ping_seconds report: the readiness connection's last ping (see health.ts). */
export interface DbHealthSource {
  /** Runs (or reuses, when recent) the ping; called at scrape time so the gauges are fresh without probes. */
  check(): Promise<{ ok: boolean; pingSeconds?: number }>;
}

export interface Metrics {
  registry: Registry;
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  dbQueryDuration: Histogram<'operation' | 'outcome'>;
  retentionDeleted: Counter;
  retentionErrors: Counter;
  /** Reports this pool's counts in db_pool_connections, db_pool_waiting and db_pool_max at scrape time. */
  observePool(pool: PoolCounts): void;
  /** Reports the database's health in db_up and db_ping_seconds at scrape time. */
  observeHealth(health: DbHealthSource): void;
}

/** A registry of its own per call, so several apps (tests) can live in one process. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  const dbQueryDuration = new Histogram({
    name: 'db_query_duration_seconds',
    help: 'Duration of database operations by operation and outcome (ok or error)',
    labelNames: ['operation', 'outcome'] as const,
    buckets: DB_BUCKETS,
    registers: [registry],
  });
  let pool: PoolCounts | undefined;
  // read at scrape time: the pool changes far more often than it is scraped
  new Gauge({
    name: 'db_pool_connections',
    // disjoint states, so that sum(db_pool_connections) is the number of open connections
    help: 'Open connections of the database pool by state: idle, or active (checked out or connecting)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      if (!pool) return;
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'active' }, Math.max(0, pool.totalCount - pool.idleCount));
    },
  });
  new Gauge({
    name: 'db_pool_waiting',
    help: 'Requests queued for a database connection because the pool is at its maximum',
    registers: [registry],
    collect() {
      if (pool) this.set(pool.waitingCount);
    },
  });
  new Gauge({
    name: 'db_pool_max',
    help: 'The configured maximum of the database pool (DB_POOL_MAX)',
    registers: [registry],
    collect() {
      if (pool?.options?.max !== undefined) this.set(pool.options.max);
    },
  });
  let health: DbHealthSource | undefined;
  // both gauges ask the health check, which caches and shares one ping, so they report the same one
  new Gauge({
    name: 'db_up',
    help: '1 when the database answered the last health ping (a dedicated connection, not the pool), else 0',
    registers: [registry],
    async collect() {
      if (health) this.set((await health.check()).ok ? 1 : 0);
    },
  });
  new Gauge({
    name: 'db_ping_seconds',
    help: 'Duration of the last database health ping, failed ones included (up to their timeout)',
    registers: [registry],
    async collect() {
      const s = health && (await health.check()).pingSeconds;
      if (s !== undefined) this.set(s);
    },
  });
  const retentionDeleted = new Counter({
    name: 'lookups_retention_deleted_total',
    help: 'Lookups deleted by the retention job (LOOKUPS_RETENTION_DAYS)',
    registers: [registry],
  });
  const retentionErrors = new Counter({
    name: 'lookups_retention_errors_total',
    help: 'Runs of the retention job that failed (logged; the next run tries again)',
    registers: [registry],
  });
  return {
    registry,
    httpRequestDuration,
    dbQueryDuration,
    retentionDeleted,
    retentionErrors,
    observePool: (p) => (pool = p),
    observeHealth: (h) => (health = h),
  };
}
