// @integration: runs PostgreSQL
import type { Express } from 'express';
import type { Pool } from 'pg';
import { Histogram } from 'prom-client';
import request from 'supertest';
import { connectionOptions, createApp, createMetrics, createPool, Database, DbHealth, migrate, MIGRATIONS, silentLogger, startServer, type Faults, type Metrics } from '.';
import { startPostgres, testConfig, type TestDatabase } from '../test/support';

/** The value of one sample in a Prometheus text exposition, or undefined when absent. */
function sample(exposition: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of exposition.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

const TOKEN = 'test-token-0123456789';
const auth = { Authorization: `Bearer ${TOKEN}` };

let db: TestDatabase;
let pool: Pool;
let health: DbHealth;
let metrics: Metrics;
let faults: Faults;
let app: Express;

beforeAll(async () => {
  db = await startPostgres();
  pool = createPool(testConfig(db.pg.url), silentLogger);
  await migrate(pool);
  metrics = createMetrics();
  // readiness asks a connection of its own; cacheMs 0 so that each probe in these tests really pings
  health = new DbHealth({ connection: connectionOptions(testConfig(db.pg.url)), requiredVersions: MIGRATIONS.map((m) => m.version), cacheMs: 0, metrics });
  metrics.observeHealth(health);
  faults = { errorRate: 0, latencyMs: 0, unready: false };
  app = createApp({ db: new Database(pool, metrics), health, metrics, faults, adminToken: TOKEN });
});

afterAll(async () => {
  await health?.close();
  await pool?.end();
  db?.cleanup();
});

beforeEach(() => Object.assign(faults, { errorRate: 0, latencyMs: 0, unready: false }));

const countRows = async (where = 'true') => Number(await db.pg.psql(`SELECT count(*) FROM lookups WHERE ${where}`));

describe('GET /api/day', () => {
  it.each([
    ['2024-02-29', { weekday: 'Thursday', dayOfYear: 60, isoWeek: 9, quarter: 1, leapYear: true, daysLeftInYear: 306, weekend: false }],
    ['2023-01-01', { weekday: 'Sunday', dayOfYear: 1, isoWeek: 52, isoWeekYear: 2022, leapYear: false, weekend: true }],
    ['2020-12-31', { weekday: 'Thursday', dayOfYear: 366, isoWeek: 53, quarter: 4, daysLeftInYear: 0 }],
    ['0001-01-01', { weekday: 'Monday', dayOfYear: 1, isoWeek: 1, isoWeekYear: 1 }],
  ])('%s: facts, and the lookup is recorded', async (date, facts) => {
    const before = await countRows(`day = '${date}'`);
    const res = await request(app).get(`/api/day?date=${date}`).expect(200).expect('Content-Type', /json/);
    expect(res.body).toMatchObject({ date, ...facts });
    expect(res.body.lookup).toEqual({ id: expect.any(Number), lookedUpAt: expect.any(String) });
    expect(await countRows(`day = '${date}'`)).toBe(before + 1);
  });

  it('defaults to today in UTC', async () => {
    const res = await request(app).get('/api/day').expect(200);
    // the request may straddle midnight UTC
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 60_000).toISOString().slice(0, 10);
    expect([today, yesterday]).toContain(res.body.date);
  });

  it('ignores unknown query parameters', async () => {
    await request(app).get('/api/day?date=2024-02-29&utm_source=x').expect(200);
  });
});

describe('bad input', () => {
  it.each([
    ['/api/day?date=2023-02-29', 'date'],
    ['/api/day?date=1900-02-29', 'date'],
    ['/api/day?date=2024-04-31', 'date'],
    ['/api/day?date=2024-13-01', 'date'],
    ['/api/day?date=2024-00-10', 'date'],
    ['/api/day?date=0000-01-01', 'date'],
    ['/api/day?date=10000-01-01', 'date'],
    ['/api/day?date=2024-1-1', 'date'],
    ['/api/day?date=2024%2F01%2F01', 'date'],
    ['/api/day?date=tomorrow', 'date'],
    ['/api/day?date=', 'date'],
    ['/api/day?date=2024-01-01&date=2024-01-02', 'date'],
    ['/api/history?limit=0', 'limit'],
    ['/api/history?limit=101', 'limit'],
    ['/api/history?limit=-1', 'limit'],
    ['/api/history?limit=abc', 'limit'],
    ['/api/history?limit=1.5', 'limit'],
    ['/api/history?limit=1e2', 'limit'],
    ['/api/history?limit=', 'limit'],
    ['/api/history?limit=1&limit=2', 'limit'],
  ])('%s → 400 naming %s', async (url, parameter) => {
    const res = await request(app).get(url).expect(400).expect('Content-Type', /json/);
    expect(res.body).toEqual({ error: expect.stringContaining(parameter), parameter });
  });

  it('records nothing for a bad request', async () => {
    const before = await countRows();
    await request(app).get('/api/day?date=2023-02-29').expect(400);
    expect(await countRows()).toBe(before);
  });
});

describe('GET /api/history', () => {
  it('lists what was recorded, newest first, up to limit', async () => {
    const dates = ['1999-12-31', '2000-01-01', '2000-01-02'];
    for (const d of dates) await request(app).get(`/api/day?date=${d}`).expect(200);
    const res = await request(app).get('/api/history?limit=3').expect(200);
    expect(res.body.limit).toBe(3);
    expect(res.body.lookups.map((l: { date: string }) => l.date)).toEqual([...dates].reverse());
    const [newest, , oldest] = res.body.lookups as { id: number; lookedUpAt: string }[];
    expect(newest!.id).toBeGreaterThan(oldest!.id);
    expect(Date.parse(newest!.lookedUpAt)).toBeGreaterThanOrEqual(Date.parse(oldest!.lookedUpAt));
  });

  it('defaults to 20 and accepts 100', async () => {
    for (let i = 1; i <= 21; i++)
      await request(app)
        .get(`/api/day?date=2001-01-${String(i).padStart(2, '0')}`)
        .expect(200);
    expect((await request(app).get('/api/history').expect(200)).body.lookups).toHaveLength(20);
    expect((await request(app).get('/api/history?limit=100').expect(200)).body.limit).toBe(100);
  });
});

describe('probes, 404 and metrics', () => {
  it('/healthz and /readyz answer 200', async () => {
    await request(app).get('/healthz').expect(200, { status: 'ok' });
    await request(app).get('/readyz').expect(200, { status: 'ready' });
  });

  it('unmatched paths are 404 with JSON', async () => {
    const res = await request(app).get('/api/nope?x=1').expect(404);
    expect(res.body.error).toContain('/api/nope');
    await request(app).post('/api/day').expect(404);
  });

  it('/metrics has the request histogram by route template and status, with the 0.3 s bucket', async () => {
    await request(app).get('/api/day?date=2024-02-29').expect(200);
    await request(app).get('/api/day?date=2023-02-29').expect(400);
    await request(app).get('/api/history?limit=x').expect(400);
    await request(app).get('/no/such/path/12345').expect(404);
    const res = await request(app)
      .get('/metrics')
      .expect(200)
      .expect('Content-Type', /text\/plain/);
    const text = res.text;
    const day400 = { method: 'GET', route: '/api/day', status_code: '400' };
    expect(sample(text, 'http_request_duration_seconds_count', day400)).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'http_request_duration_seconds_bucket', { ...day400, le: '0.3' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'http_request_duration_seconds_bucket', { method: 'GET', route: '/api/day', status_code: '200', le: '0.3' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/history', status_code: '400' })).toBeGreaterThanOrEqual(1);
    // the URL of an unmatched request never becomes a label value
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status_code: '404' })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('12345');
    expect(text).not.toMatch(/route="\/api\/day\?/);
    // database histogram, pool gauges, default process metrics
    expect(sample(text, 'db_query_duration_seconds_count', { operation: 'insert_lookup', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'db_query_duration_seconds_count', { operation: 'ready_check', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    // disjoint states: their sum is the open connections
    expect(sample(text, 'db_pool_connections', { state: 'idle' })! + sample(text, 'db_pool_connections', { state: 'active' })!).toBe(pool.totalCount);
    expect(sample(text, 'db_pool_connections', { state: 'idle' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'db_pool_connections', { state: 'total' })).toBeUndefined();
    expect(sample(text, 'db_pool_waiting', {})).toBe(0);
    expect(sample(text, 'db_pool_max', {})).toBe(5);
    expect(sample(text, 'db_up', {})).toBe(1);
    expect(sample(text, 'db_ping_seconds', {})).toBeGreaterThan(0);
    expect(sample(text, 'process_cpu_user_seconds_total', {})).toBeDefined();
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('probes, /metrics and /admin are counted under their own routes, never under /api', async () => {
    await request(app).get('/readyz').expect(200);
    await request(app).get('/admin/faults').set(auth).expect(200);
    const text = (await request(app).get('/metrics').expect(200)).text;
    expect(sample(text, 'http_request_duration_seconds_count', { route: '/readyz', status_code: '200' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'http_request_duration_seconds_count', { route: '/admin/faults', status_code: '200' })).toBeGreaterThanOrEqual(1);
    const apiRoutes = new Set([...text.matchAll(/^http_request_duration_seconds_count\{[^}]*route="(\/api[^"]*)"/gm)].map((m) => m[1]));
    expect([...apiRoutes].sort()).toEqual(['/api/day', '/api/history']);
  });
});

describe('readiness and the pool', () => {
  it('readiness does not use the request pool: ready with every pool connection checked out, and the waiting requests show', async () => {
    const held = await Promise.all(Array.from({ length: 5 }, () => pool.connect()));
    try {
      await request(app).get('/readyz').expect(200, { status: 'ready' });
      // a request that has to wait for a connection (pool at its maximum)
      const waiting = pool.query('SELECT 1');
      const text = (await request(app).get('/metrics').expect(200)).text;
      expect(sample(text, 'db_pool_connections', { state: 'active' })).toBe(5);
      expect(sample(text, 'db_pool_connections', { state: 'idle' })).toBe(0);
      expect(sample(text, 'db_pool_waiting', {})).toBe(1);
      held.pop()!.release();
      await waiting;
    } finally {
      for (const c of held) c.release();
    }
  });

  it('the health check uses one dedicated connection (application_name day-health)', async () => {
    for (let i = 0; i < 5; i++) await request(app).get('/readyz').expect(200);
    expect(await db.pg.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'day-health'")).toBe('1');
  });

  it('caches a result for cacheMs: probes in a burst ping once', async () => {
    const cached = new DbHealth({ connection: connectionOptions(testConfig(db.pg.url)), cacheMs: 60_000 });
    try {
      const first = await cached.check();
      const again = await Promise.all(Array.from({ length: 10 }, () => cached.check()));
      expect(first.ok).toBe(true);
      expect(again.every((r) => r === first)).toBe(true);
    } finally {
      await cached.close();
    }
  });

  it('is not ready while the schema is not migrated', async () => {
    await db.pg.psql('CREATE DATABASE unmigrated');
    const url = db.pg.url.replace(/\/[^/]+$/, '/unmigrated');
    const h = new DbHealth({ connection: connectionOptions(testConfig(url)), requiredVersions: MIGRATIONS.map((m) => m.version), cacheMs: 0 });
    const p = createPool(testConfig(url), silentLogger);
    try {
      expect(await h.check()).toMatchObject({ ok: false, reason: 'database schema not migrated' });
      await migrate(p);
      expect(await h.check()).toMatchObject({ ok: true });
    } finally {
      await h.close();
      await p.end();
    }
  });
});

describe('METRICS_ENABLED=false', () => {
  it('has no /metrics (404) and instruments neither requests nor queries', async () => {
    // every request and query timing starts here; the names say which histogram was timed
    const startTimer = jest.spyOn(Histogram.prototype, 'startTimer');
    const observed = () => startTimer.mock.contexts.map((h) => (h as unknown as { name: string }).name);
    const off = await startServer(testConfig(db.pg.url, { metricsEnabled: false }), { log: silentLogger });
    try {
      await off.migrated;
      expect(off.deps.metrics).toBeUndefined();
      await request(off.app).get('/api/day?date=2024-02-29').expect(200);
      await request(off.app).get('/api/history?limit=5').expect(200);
      await request(off.app).get('/readyz').expect(200);
      expect((await request(off.app).get('/metrics').expect(404)).body.error).toContain('/metrics');
      expect(observed()).toEqual([]);
      // the spy does see an instrumented app's requests, so the silence above means something
      await request(app).get('/api/day?date=2024-02-29').expect(200);
      expect(observed()).toEqual(expect.arrayContaining(['http_request_duration_seconds', 'db_query_duration_seconds']));
    } finally {
      startTimer.mockRestore();
      await off.shutdown();
    }
  });
});

describe('admin endpoint and faults', () => {
  it('is disabled (404) without ADMIN_TOKEN', async () => {
    const m = createMetrics();
    const noAdmin = createApp({ db: new Database(pool, m), health, metrics: m, faults: { errorRate: 0, latencyMs: 0, unready: false } });
    await request(noAdmin).get('/admin/faults').expect(404);
    await request(noAdmin).put('/admin/faults').set(auth).send({ errorRate: 1 }).expect(404);
  });

  it.each([
    ['no header', undefined],
    ['a wrong token', 'Bearer wrong-token'],
    ['a token that is a prefix', `Bearer ${TOKEN.slice(0, -1)}`],
    ['another scheme', `Basic ${TOKEN}`],
  ])('answers 401 to %s', async (_what, header) => {
    const get = request(app).get('/admin/faults');
    const put = request(app).put('/admin/faults').send({ errorRate: 1 });
    if (header) {
      get.set('Authorization', header);
      put.set('Authorization', header);
    }
    expect((await get.expect(401)).body.error).toEqual(expect.any(String));
    await put.expect(401);
    expect(faults.errorRate).toBe(0);
  });

  it('GET returns the faults; PUT updates part of them and returns all', async () => {
    await request(app).get('/admin/faults').set(auth).expect(200, { errorRate: 0, latencyMs: 0, unready: false });
    await request(app).put('/admin/faults').set(auth).send({ latencyMs: 5 }).expect(200, { errorRate: 0, latencyMs: 5, unready: false });
    await request(app).put('/admin/faults').set(auth).send({ unready: true }).expect(200, { errorRate: 0, latencyMs: 5, unready: true });
    await request(app).get('/admin/faults').set(auth).expect(200, { errorRate: 0, latencyMs: 5, unready: true });
  });

  it.each([
    [{ errorRate: 1.5 }, 'errorRate'],
    [{ errorRate: -0.1 }, 'errorRate'],
    [{ errorRate: '0.5' }, 'errorRate'],
    [{ latencyMs: -1 }, 'latencyMs'],
    [{ latencyMs: 1.5 }, 'latencyMs'],
    [{ latencyMs: 3_600_000 }, 'latencyMs'],
    [{ unready: 'yes' }, 'unready'],
    [{ errorrate: 1 }, 'errorrate'],
    [[1, 2], 'JSON object'],
  ])('PUT %j → 400 naming %s, nothing changed', async (body, word) => {
    const res = await request(app)
      .put('/admin/faults')
      .set(auth)
      .send(body as object)
      .expect(400);
    expect(res.body.error).toContain(word);
    expect(faults).toEqual({ errorRate: 0, latencyMs: 0, unready: false });
  });

  it('PUT with malformed JSON or no JSON body → 400', async () => {
    await request(app).put('/admin/faults').set(auth).set('Content-Type', 'application/json').send('{"errorRate":').expect(400);
    await request(app).put('/admin/faults').set(auth).set('Content-Type', 'text/plain').send('errorRate=1').expect(400);
  });

  it('errorRate 1 makes every /api request 500, and leaves probes, admin and metrics alone', async () => {
    await request(app).put('/admin/faults').set(auth).send({ errorRate: 1 }).expect(200);
    const before = await countRows();
    for (let i = 0; i < 5; i++) {
      expect((await request(app).get('/api/day?date=2024-02-29').expect(500)).body).toEqual({ error: expect.any(String) });
      await request(app).get('/api/history').expect(500);
    }
    expect(await countRows()).toBe(before);
    await request(app).get('/healthz').expect(200);
    await request(app).get('/readyz').expect(200);
    await request(app).get('/metrics').expect(200);
    const text = (await request(app).get('/metrics')).text;
    expect(sample(text, 'http_request_duration_seconds_count', { route: '/api/day', status_code: '500' })).toBeGreaterThanOrEqual(5);
    await request(app).put('/admin/faults').set(auth).send({ errorRate: 0 }).expect(200);
    await request(app).get('/api/day?date=2024-02-29').expect(200);
  });

  it('latencyMs delays /api requests only', async () => {
    await request(app).put('/admin/faults').set(auth).send({ latencyMs: 400 }).expect(200);
    let t = Date.now();
    await request(app).get('/api/history?limit=1').expect(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(390);
    t = Date.now();
    await request(app).get('/healthz').expect(200);
    expect(Date.now() - t).toBeLessThan(390);
  });

  it('unready makes /readyz 503 with a reason, and /api keeps working', async () => {
    await request(app).put('/admin/faults').set(auth).send({ unready: true }).expect(200);
    const res = await request(app).get('/readyz').expect(503);
    expect(res.body).toEqual({ status: 'not ready', reason: expect.stringContaining('fault') });
    await request(app).get('/api/day?date=2024-02-29').expect(200);
    await request(app).put('/admin/faults').set(auth).send({ unready: false }).expect(200);
    await request(app).get('/readyz').expect(200);
  });
});

describe('migrations', () => {
  it('are recorded and idempotent', async () => {
    expect(await migrate(pool)).toEqual([]);
    expect(await db.pg.psql('SELECT version FROM schema_migrations ORDER BY version')).toBe(MIGRATIONS.map((m) => m.version).join('\n'));
  });

  it('run once when two instances start together', async () => {
    await db.pg.psql('CREATE DATABASE twins');
    const url = db.pg.url.replace(/\/[^/]+$/, '/twins');
    const pools = [createPool(testConfig(url), silentLogger), createPool(testConfig(url), silentLogger)];
    try {
      const applied = await Promise.all(pools.map((p) => migrate(p)));
      expect(applied.map((a) => a.length).sort()).toEqual([0, MIGRATIONS.length]);
      expect(await db.pg.psql('SELECT count(*) FROM schema_migrations', 'twins')).toBe(String(MIGRATIONS.length));
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('roll back a failing migration and report it', async () => {
    const broken = [...MIGRATIONS, { version: 99, name: 'broken', sql: 'CREATE TABLE lookups (x int)' }];
    await expect(migrate(pool, { migrations: broken })).rejects.toThrow(/migration 99 \(broken\) failed/);
    expect(await db.pg.psql('SELECT count(*) FROM schema_migrations WHERE version = 99')).toBe('0');
  });
});
