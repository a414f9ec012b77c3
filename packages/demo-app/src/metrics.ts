import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The request duration buckets: 0.3 is the latency SLO's threshold (slo-specs/day/latency.yaml). */
export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 1, 2.5, 5, 10];
export const DB_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The route label of requests no route matched: a fixed value keeps the label's cardinality bounded. */
export const UNMATCHED_ROUTE = 'unmatched';

export interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

export interface Metrics {
  registry: Registry;
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  dbQueryDuration: Histogram<'operation' | 'outcome'>;
  /** Reports this pool's counts in db_pool_connections at scrape time. */
  observePool(pool: PoolCounts): void;
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
  new Gauge({
    name: 'db_pool_connections',
    help: 'Connections of the database pool: total, idle, and waiting (requests queued for a connection)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      // read at scrape time: the pool changes far more often than it is scraped
      if (!pool) return;
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  return { registry, httpRequestDuration, dbQueryDuration, observePool: (p) => (pool = p) };
}
