// @integration: runs PostgreSQL
import request from 'supertest';
import { startServer, type RunningServer } from '.';
import { memoryLogger, sleep, startPostgres, testConfig, waitFor, type TestDatabase } from '../test/support';

let db: TestDatabase;
let running: RunningServer | undefined;
const log = memoryLogger();

beforeAll(async () => {
  db = await startPostgres();
  running = await startServer(testConfig(db.pg.url, { dbPoolMax: 4 }), { log });
  await running.migrated;
});

afterAll(async () => {
  await running?.shutdown('test end');
  db?.cleanup();
});

it('a database outage: fast 503s, readiness fails, liveness holds; recovery without restart; nothing acknowledged is lost', async () => {
  const app = running!.url;
  const acknowledged: number[] = [];
  const lookup = async (date: string) => {
    const t = Date.now();
    const res = await request(app).get(`/api/day?date=${date}`);
    if (res.status === 200) acknowledged.push(res.body.lookup.id);
    return { res, ms: Date.now() - t };
  };

  for (let i = 1; i <= 10; i++) expect((await lookup(`2024-03-${String(i).padStart(2, '0')}`)).res.status).toBe(200);
  await request(app).get('/readyz').expect(200);

  // lookups in flight while the database goes down: each either succeeds (and is kept) or fails fast
  const during = Array.from({ length: 20 }, (_, i) => lookup(`2024-04-${String((i % 28) + 1).padStart(2, '0')}`));
  // let some reach the database first; stop() blocks this process until the server is down
  await sleep(20);
  db.pg.stop();
  const duringResults = await Promise.all(during);
  for (const { res } of duringResults) expect([200, 503]).toContain(res.status);

  // down: readiness 503, liveness 200, /api answers 503 with JSON, fast
  // the cached result of the last probe may still be "up" for up to a second
  await waitFor('/readyz to answer 503', async () => (await request(app).get('/readyz')).status === 503, 5000, 100);
  const ready = await request(app).get('/readyz');
  expect(ready.status).toBe(503);
  expect((await request(app).get('/metrics')).text).toMatch(/^db_up 0$/m);
  expect(ready.body).toEqual({ status: 'not ready', reason: 'database unreachable' });
  await request(app).get('/healthz').expect(200);
  for (const url of ['/api/day?date=2024-05-01', '/api/history']) {
    for (let i = 0; i < 3; i++) {
      const t = Date.now();
      const res = await request(app).get(url);
      const ms = Date.now() - t;
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: expect.stringContaining('database') });
      expect(res.text).not.toMatch(/ECONNREFUSED|at .*\.js/);
      expect(ms).toBeLessThan(2000);
    }
  }
  // bad input is still a 400: validation does not need the database
  await request(app).get('/api/day?date=2023-02-29').expect(400);

  // back: ready again within seconds, lookups work, on the same process and pool
  await db.pg.start();
  await waitFor('/readyz to answer 200 again', async () => (await request(app).get('/readyz')).status === 200, 15_000, 200);
  const after = await lookup('2024-06-01');
  expect(after.res.status).toBe(200);
  await request(app).get('/api/history?limit=5').expect(200);

  // every acknowledged lookup is in the table
  const ids = (await db.pg.psql(`SELECT id FROM lookups WHERE id IN (${acknowledged.join(',')})`)).split('\n').map(Number);
  expect(ids.sort((a, b) => a - b)).toEqual([...acknowledged].sort((a, b) => a - b));
  // the 10 before the outage and the one after; how many racing the outage commit depends on timing
  expect(acknowledged.length).toBeGreaterThanOrEqual(11);

  // the outage shows in the metrics: 503s under /api/day and failed queries
  const metrics = (await request(app).get('/metrics')).text;
  expect(metrics).toMatch(/^db_query_duration_seconds_count\{[^}]*operation="ready_check",outcome="error"\} [1-9]/m);
  expect(metrics).toMatch(/^db_up 1$/m);
  expect(metrics).toMatch(/^http_request_duration_seconds_count\{[^}]*route="\/api\/day",status_code="503"\} [1-9]/m);
  expect(metrics).toMatch(/^db_query_duration_seconds_count\{[^}]*operation="insert_lookup",outcome="error"\} [1-9]/m);
  // the log says what happened, without crashing on the idle connections the server closed
  expect(log.lines.some((l) => l.msg === 'not ready' && String(l.reason).startsWith('database unreachable'))).toBe(true);
  expect(log.lines.some((l) => l.msg === 'ready')).toBe(true);
});
