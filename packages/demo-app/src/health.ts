import { Client, type ClientConfig } from 'pg';
import { silentLogger, type Logger } from './log';
import type { Metrics } from './metrics';

export type NotReadyReason = 'database unreachable' | 'database schema not migrated';

export interface HealthStatus {
  ok: boolean;
  /** For the client: short and fixed. */
  reason?: NotReadyReason;
  /** For the log: the error behind the reason. */
  detail?: string;
  /** How long the check took (connecting included when it had to reconnect). */
  pingSeconds?: number;
  /** Date.now() when the check finished. */
  checkedAt: number;
}

export interface DbHealthOptions {
  /** Address and TLS, as the pool has them (connectionOptions in db.ts). */
  connection: ClientConfig;
  /** Connect plus SELECT 1 must answer within this. */
  timeoutMs?: number;
  /** A result is reused this long, so that probes from the kubelet and load balancers do not each hit the database. */
  cacheMs?: number;
  /** Migrations that must be recorded before the pod can serve; checked until they are, then never again. */
  requiredVersions?: readonly number[];
  metrics?: Metrics;
  log?: Logger;
}

/**
 * The readiness check's view of the database, on a connection of its own: a saturated or exhausted
 * request pool must not make the pods unready (that would turn load into an outage), and the pool's
 * connect timeout is for requests. The connection is opened lazily and reopened after it was lost.
 */
export class DbHealth {
  private client: Client | undefined;
  private last: HealthStatus | undefined;
  private running: Promise<HealthStatus> | undefined;
  private schemaOk: boolean;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly cacheMs: number;
  private readonly log: Logger;

  constructor(private readonly opts: DbHealthOptions) {
    this.timeoutMs = opts.timeoutMs ?? 1000;
    this.cacheMs = opts.cacheMs ?? 1000;
    this.schemaOk = (opts.requiredVersions ?? []).length === 0;
    this.log = opts.log ?? silentLogger;
  }

  /** The last result when recent enough, else a new check; concurrent callers share one. */
  check(): Promise<HealthStatus> {
    if (this.last && Date.now() - this.last.checkedAt < this.cacheMs) return Promise.resolve(this.last);
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Forgets the cached result: the next check() asks the database. */
  invalidate(): void {
    this.last = undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.drop();
  }

  private async run(): Promise<HealthStatus> {
    const t0 = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - t0) / 1e9;
    const end = this.opts.metrics?.dbQueryDuration.startTimer({ operation: 'ready_check' });
    let status: HealthStatus;
    try {
      if (this.closed) throw new Error('health check closed (shutting down)');
      await this.withDeadline(async () => {
        const client = await this.connection();
        await client.query('SELECT 1');
      });
      end?.({ outcome: 'ok' });
      status = { ok: true, pingSeconds: seconds(), checkedAt: Date.now() };
    } catch (err) {
      end?.({ outcome: 'error' });
      // whatever state the connection is in, a fresh one is the way back
      void this.drop();
      status = { ok: false, reason: 'database unreachable', detail: (err as Error).message, pingSeconds: seconds(), checkedAt: Date.now() };
    }
    if (status.ok && !this.schemaOk) {
      const missing = await this.withDeadline(() => this.missingMigrations()).catch((err: Error) => `cannot read schema_migrations: ${err.message}`);
      if (missing === undefined) this.schemaOk = true;
      else status = { ...status, ok: false, reason: 'database schema not migrated', detail: missing };
    }
    this.last = status;
    return status;
  }

  /** A message naming what is missing, or undefined when every required migration is recorded. */
  private async missingMigrations(): Promise<string | undefined> {
    const required = [...(this.opts.requiredVersions ?? [])];
    const client = await this.connection();
    try {
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations WHERE version = ANY($1::int[])', [required]);
      const have = new Set(rows.map((r) => r.version));
      const missing = required.filter((v) => !have.has(v));
      return missing.length === 0 ? undefined : `migrations not applied yet: ${missing.join(', ')}`;
    } catch (err) {
      // 42P01 undefined_table: nothing migrated at all
      if ((err as { code?: string }).code === '42P01') return 'schema_migrations does not exist: migrations have not run';
      throw err;
    }
  }

  private async connection(): Promise<Client> {
    if (this.client) return this.client;
    // after close(), a late scrape must not open a connection that nobody closes
    if (this.closed) throw new Error('health check closed (shutting down)');
    const client = new Client({
      ...this.opts.connection,
      connectionTimeoutMillis: this.timeoutMs,
      query_timeout: this.timeoutMs,
      statement_timeout: this.timeoutMs,
      application_name: 'day-health',
    });
    // a lost connection must not crash the process; the next check reconnects
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      if (err) this.log.warn('database health connection lost', { error: err.message });
    };
    client.on('error', lost);
    client.on('end', () => lost());
    this.client = client;
    try {
      await client.connect();
    } catch (err) {
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
      throw err;
    }
    return client;
  }

  private async drop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    // end() can wait on a dead socket: give it a moment, then let it go
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([c.end().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 1000).unref()))]);
    clearTimeout(timer);
  }

  /** pg's own timeouts do not cover every stage (a TLS handshake, a stalled socket): a hard bound on top. */
  private async withDeadline<T>(run: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from the database within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      return await Promise.race([run(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}
