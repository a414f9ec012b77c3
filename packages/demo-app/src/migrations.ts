import type { Pool, PoolClient } from 'pg';
import { silentLogger, type Logger } from './log';
import type { Metrics } from './metrics';

export interface Migration {
  /** Applied in ascending order; never renumber or edit one that has shipped, add a new one. */
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'create lookups',
    sql: `CREATE TABLE lookups (
            id bigserial PRIMARY KEY,
            day date NOT NULL,
            looked_up_at timestamptz NOT NULL DEFAULT now()
          )`,
  },
  {
    version: 2,
    name: 'index lookups by time',
    // serves GET /api/history: newest first
    sql: 'CREATE INDEX lookups_looked_up_at_idx ON lookups (looked_up_at DESC, id DESC)',
  },
];

/** An arbitrary constant naming "the day service's migrations" among advisory locks. */
const MIGRATION_LOCK_KEY = 4_711_042_017;
const LOCK_POLL_MS = 200;

export interface MigrateOptions {
  migrations?: readonly Migration[];
  metrics?: Metrics;
  log?: Logger;
  /** How long to wait for another instance's migrations (the advisory lock). */
  lockTimeoutMs?: number;
}

/**
 * Applies the migrations not yet recorded in schema_migrations, each in its own transaction, under an
 * advisory lock so two instances starting together do not both migrate. Returns the versions applied.
 */
export async function migrate(pool: Pool, opts: MigrateOptions = {}): Promise<number[]> {
  const migrations = [...(opts.migrations ?? MIGRATIONS)].sort((a, b) => a.version - b.version);
  const log = opts.log ?? silentLogger;
  const end = opts.metrics?.dbQueryDuration.startTimer({ operation: 'migrate' });
  const client = await pool.connect().catch((err: unknown) => {
    end?.({ outcome: 'error' });
    throw err;
  });
  let broken = false;
  try {
    await acquireLock(client, opts.lockTimeoutMs ?? 60_000);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      const applied: number[] = [];
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
        }
        log.info('applied migration', { version: m.version, name: m.name });
        applied.push(m.version);
      }
      end?.({ outcome: 'ok' });
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } catch (err) {
    end?.({ outcome: 'error' });
    broken = true;
    throw err;
  } finally {
    // a connection that failed mid-migration may be in any state: do not hand it to a request
    client.release(broken);
  }
}

/** pg_try_advisory_lock in a loop rather than pg_advisory_lock: a blocked wait would hit the query timeouts. */
async function acquireLock(client: PoolClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATION_LOCK_KEY]);
    if (rows[0]?.locked) return;
    if (Date.now() >= deadline) throw new Error(`another instance held the migration lock for more than ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
  }
}
