import type { ConnectionOptions } from 'node:tls';
import { Pool, type ClientConfig, type PoolConfig, type QueryResultRow } from 'pg';
import type { Config, DbSsl } from './config';
import type { Logger } from './log';
import type { Metrics } from './metrics';

export type DbConfig = Pick<Config, 'databaseUrl' | 'dbPoolMax' | 'dbConnectTimeoutMs' | 'dbQueryTimeoutMs'> & Partial<Pick<Config, 'dbSsl'>>;

/**
 * DB_SSL_MODE as node-postgres' `ssl` option, with libpq's meanings: require encrypts without checking
 * the certificate, verify-ca checks the chain but not the host name, verify-full checks both. No CA
 * file: Node's default CAs.
 */
export function sslOptions(ssl: DbSsl | undefined): false | ConnectionOptions {
  if (!ssl || ssl.mode === 'disable') return false;
  if (ssl.mode === 'require') return { rejectUnauthorized: false };
  const ca = ssl.ca !== undefined ? { ca: ssl.ca } : {};
  // pg passes the host as servername, so tls checks the name unless told not to
  if (ssl.mode === 'verify-ca') return { rejectUnauthorized: true, ...ca, checkServerIdentity: () => undefined };
  return { rejectUnauthorized: true, ...ca };
}

/** What every connection of ours shares (the pool's and the readiness check's): address and TLS. */
export function connectionOptions(config: DbConfig): ClientConfig {
  // always set, so that pg never falls back to PGSSLMODE behind the configuration's back
  const options: ClientConfig = { ssl: sslOptions(config.dbSsl), keepAlive: true };
  // without a URL pg reads PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE from the environment
  if (config.databaseUrl !== undefined) options.connectionString = config.databaseUrl;
  return options;
}

/** The pool every request uses. Short connect and query timeouts make a database outage a fast 503. */
export function createPool(config: DbConfig, log: Logger): Pool {
  const options: PoolConfig = {
    ...connectionOptions(config),
    max: config.dbPoolMax,
    connectionTimeoutMillis: config.dbConnectTimeoutMs,
    idleTimeoutMillis: 10_000,
    // server side: the statement is cancelled; client side: a dead server is noticed without TCP timeouts
    statement_timeout: config.dbQueryTimeoutMs,
    query_timeout: config.dbQueryTimeoutMs + 1000,
    idle_in_transaction_session_timeout: config.dbQueryTimeoutMs * 2,
    application_name: 'day',
  };
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
    const [row] = await this.rows<LookupRow>('insert_lookup', `INSERT INTO lookups (day) VALUES ($1::date) RETURNING id, to_char(day, 'YYYY-MM-DD') AS date, looked_up_at`, [date]);
    return toLookup(row!);
  }

  async listHistory(limit: number): Promise<Lookup[]> {
    const rows = await this.rows<LookupRow>('list_history', `SELECT id, to_char(day, 'YYYY-MM-DD') AS date, looked_up_at FROM lookups ORDER BY looked_up_at DESC, id DESC LIMIT $1`, [limit]);
    return rows.map(toLookup);
  }
}
