// @integration: runs PostgreSQL
import type { Pool } from 'pg';
import { createMetrics, createPool, migrate, pruneLookups, RetentionJob, silentLogger, startServer } from '.';
import { memoryLogger, startPostgres, testConfig, waitFor, type TestDatabase } from '../test/support';

let db: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  db = await startPostgres();
  pool = createPool(testConfig(db.pg.url), silentLogger);
  await migrate(pool);
});

afterAll(async () => {
  await pool?.end();
  db?.cleanup();
});

beforeEach(() => db.pg.psql('TRUNCATE lookups'));

const count = async (where = 'true') => Number(await db.pg.psql(`SELECT count(*) FROM lookups WHERE ${where}`));
/** `n` lookups made `days` days ago (fractions allowed). */
const insertAged = (n: number, days: number) =>
  db.pg.psql(`INSERT INTO lookups (day, looked_up_at) SELECT DATE '2024-01-01', now() - make_interval(secs => ${days} * 86400) FROM generate_series(1, ${n})`);

describe('pruneLookups', () => {
  it('deletes lookups older than the retention in batches, keeps the newer ones', async () => {
    await insertAged(2500, 40);
    await insertAged(3, 30.01);
    await insertAged(7, 29.9);
    await insertAged(5, 0);
    const metrics = createMetrics();
    expect(await pruneLookups(pool, { retentionDays: 30, batchSize: 1000, pauseMs: 0, metrics })).toBe(2503);
    expect(await count()).toBe(12);
    expect(await count(`looked_up_at < now() - interval '30 days'`)).toBe(0);
    const text = await metrics.registry.metrics();
    // 1000 + 1000 + 503: the last batch is short, so the run stops there
    expect(text).toMatch(/^db_query_duration_seconds_count\{operation="retention_delete",outcome="ok"\} 3$/m);
    expect(text).toMatch(/^lookups_retention_deleted_total 2503$/m);
    // nothing left to do: one batch, nothing deleted
    expect(await pruneLookups(pool, { retentionDays: 30 })).toBe(0);
    expect(await count()).toBe(12);
  });

  it('does at most maxBatches per run; the next run continues', async () => {
    await insertAged(250, 100);
    expect(await pruneLookups(pool, { retentionDays: 30, batchSize: 100, maxBatches: 2, pauseMs: 0 })).toBe(200);
    expect(await count()).toBe(50);
    expect(await pruneLookups(pool, { retentionDays: 30, batchSize: 100, maxBatches: 2, pauseMs: 0 })).toBe(50);
    expect(await count()).toBe(0);
  });

  it('finds old rows through the index on looked_up_at (migration 2), not by reading the table', async () => {
    const plan = await db.pg.psql(`SET enable_seqscan = off; EXPLAIN SELECT id FROM lookups WHERE looked_up_at < now() - make_interval(days => 30) ORDER BY looked_up_at LIMIT 1000`);
    expect(plan).toContain('lookups_looked_up_at_idx');
  });
});

describe('RetentionJob', () => {
  it('logs and counts a failed run, never throws', async () => {
    await db.pg.psql('CREATE DATABASE empty');
    const emptyPool = createPool(testConfig(db.pg.url.replace(/\/[^/]+$/, '/empty')), silentLogger);
    const metrics = createMetrics();
    const log = memoryLogger();
    try {
      const job = new RetentionJob(emptyPool, { retentionDays: 30, metrics, log });
      await expect(job.runOnce()).resolves.toBeUndefined();
      expect(await metrics.registry.metrics()).toMatch(/^lookups_retention_errors_total 1$/m);
      expect(log.lines).toEqual([expect.objectContaining({ level: 'warn', msg: 'retention run failed, retrying next interval', error: expect.stringContaining('lookups') })]);
      await job.stop();
    } finally {
      await emptyPool.end();
    }
  });

  it('runs in the background of the server with LOOKUPS_RETENTION_DAYS, and not with 0', async () => {
    await insertAged(30, 40);
    const off = await startServer(testConfig(db.pg.url, { lookupsRetentionDays: 0 }), { log: silentLogger, retention: { firstDelayMs: 10, intervalMs: 50 } });
    await off.migrated;
    await new Promise((r) => setTimeout(r, 300));
    await off.shutdown('test end');
    expect(await count()).toBe(30);

    const log = memoryLogger();
    const on = await startServer(testConfig(db.pg.url, { lookupsRetentionDays: 30 }), { log, retention: { firstDelayMs: 10, intervalMs: 50 } });
    try {
      await waitFor('the old lookups to be deleted', async () => (await count()) === 0, 10_000);
      expect((await fetch(`${on.url}/api/day?date=2024-02-29`)).status).toBe(200);
      const metrics = await (await fetch(`${on.url}/metrics`)).text();
      expect(metrics).toMatch(/^lookups_retention_deleted_total 30$/m);
      expect(log.lines.some((l) => l.msg === 'retention: deleted old lookups' && l.deleted === 30)).toBe(true);
    } finally {
      await on.shutdown('test end');
    }
    // the lookup just made is new: kept
    expect(await count()).toBe(1);
  });
});
