import { Pool, type PoolConfig, type QueryConfig, type QueryResultRow } from 'pg';
import type { Config } from './config';
import type { Logger } from './log';
import type { Metrics } from './metrics';

export type DbConfig = Pick<Config, 'databaseUrl' | 'dbPoolMax' | 'dbConnectTimeoutMs' | 'dbQueryTimeoutMs'>;

/** The pool every request uses. Short connect and query timeouts make a database outage a fast 503. */
export function createPool(config: DbConfig, log: Logger): Pool {
  const options: PoolConfig = {
    max: config.dbPoolMax,
    connectionTimeoutMillis: config.dbConnectTimeoutMs,
    idleTimeoutMillis: 10_000,
    // server side: the statement is cancelled; client side: a dead server is noticed without TCP timeouts
    statement_timeout: config.dbQueryTimeoutMs,
    query_timeout: config.dbQueryTimeoutMs + 1000,
    idle_in_transaction_session_timeout: config.dbQueryTimeoutMs * 2,
    application_name: 'day',
    keepAlive: true,
  };
  // without a URL pg reads PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE from the environment
  if (config.databaseUrl !== undefined) options.connectionString = config.databaseUrl;
  const pool = new Pool(options);
  // idle connections fail when the server goes away; without a listener that would crash the process
  pool.on('error', (err) => log.warn('idle database connection failed', { error: err.message }));
  return pool;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED']);
// SQLSTATEs that mean "the server is going away, starting or overloaded", not "this query is wrong"
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57014', '53300', '53400']);
const UNAVAILABLE_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|Query read timeout|connection error and is not queryable|Client was closed|timeout expired/i;

/**
 * True for errors that mean the database is unreachable or unavailable (answered 503), not a bug (500).
 * Duck-typed rather than instanceof: errors from node's internals may come from another realm (vm, jest).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message, errors } = err as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08'))) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
  // an AggregateError: connecting to "localhost" tries ::1 and 127.0.0.1
  return Array.isArray(errors) && errors.some(isDatabaseUnavailable);
}

export interface Lookup {
  id: number;
  date: string;
  lookedUpAt: string;
}

interface LookupRow {
  id: string;
  date: string;
  looked_up_at: Date;
}

const toLookup = (r: LookupRow): Lookup => ({ id: Number(r.id), date: r.date, lookedUpAt: r.looked_up_at.toISOString() });

/** The queries of the service, each timed in db_query_duration_seconds. */
export class Database {
  constructor(
    readonly pool: Pool,
    /** Undefined: queries are not timed (METRICS_ENABLED=false). */
    private readonly metrics?: Metrics,
  ) {
    metrics?.observePool(pool);
  }

  async timed<T>(operation: string, run: () => Promise<T>): Promise<T> {
    if (!this.metrics) return run();
    const end = this.metrics.dbQueryDuration.startTimer({ operation });
    try {
      const result = await run();
      end({ outcome: 'ok' });
      return result;
    } catch (err) {
      end({ outcome: 'error' });
      throw err;
    }
  }

  private async rows<R extends QueryResultRow>(operation: string, text: string, values: unknown[]): Promise<R[]> {
    return this.timed(operation, async () => (await this.pool.query<R>(text, values)).rows);
  }

  /** Records a lookup; once this resolves the row is committed (a single autocommitted INSERT). */
  async recordLookup(date: string): Promise<Lookup> {
    // to_char, not the date type: pg would turn a date into a local-time JS Date
    const [row] = await this.rows<LookupRow>(
      'insert_lookup',
      `INSERT INTO lookups (day) VALUES ($1::date) RETURNING id, to_char(day, 'YYYY-MM-DD') AS date, looked_up_at`,
      [date],
    );
    return toLookup(row!);
  }

  async listHistory(limit: number): Promise<Lookup[]> {
    const rows = await this.rows<LookupRow>(
      'list_history',
      `SELECT id, to_char(day, 'YYYY-MM-DD') AS date, looked_up_at FROM lookups ORDER BY looked_up_at DESC, id DESC LIMIT $1`,
      [limit],
    );
    return rows.map(toLookup);
  }

  /** The readiness check: a SELECT 1 that gives up after `timeoutMs`, waiting for a connection included. */
  async ping(timeoutMs = 1000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from the database within ${timeoutMs} ms`)), timeoutMs);
    });
    // pg honours a per-query query_timeout; its types do not list it
    const query: QueryConfig & { query_timeout: number } = { text: 'SELECT 1', query_timeout: timeoutMs };
    try {
      await this.timed('ready_check', () => Promise.race([this.pool.query(query), deadline]));
    } finally {
      clearTimeout(timer);
    }
  }
}
