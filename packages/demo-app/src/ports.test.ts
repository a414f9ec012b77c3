// @integration: runs PostgreSQL
/** METRICS_PORT: /metrics and /admin on a second listener, the API and probes alone on PORT; unset, all on PORT. */
import { startServer, type RunningServer } from '.';
import { memoryLogger, startPostgres, testConfig, type TestDatabase } from '../test/support';

const TOKEN = 'ports-test-token';
const auth = { Authorization: `Bearer ${TOKEN}` };
let db: TestDatabase;
const servers: RunningServer[] = [];

beforeAll(async () => {
  db = await startPostgres();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.shutdown('test end')));
  db?.cleanup();
});

async function start(metricsPort: number | undefined) {
  const log = memoryLogger();
  const running = await startServer(testConfig(db.pg.url, { metricsPort, adminToken: TOKEN }), { log });
  servers.push(running);
  await running.migrated;
  return { running, log };
}

const status = async (url: string, init?: RequestInit) => (await fetch(url, init)).status;

it('METRICS_PORT set: the main port serves the API and probes only; /metrics and /admin only on the metrics port', async () => {
  const { running, log } = await start(0);
  const { url, metricsUrl } = running;
  expect(metricsUrl).toBeDefined();
  expect(running.metricsPort).not.toBe(running.port);
  expect(log.lines.find((l) => l.msg === 'listening')).toMatchObject({ url, metricsUrl });

  expect(await status(`${url}/api/day?date=2024-02-29`)).toBe(200);
  expect(await status(`${url}/api/history`)).toBe(200);
  expect(await status(`${url}/healthz`)).toBe(200);
  expect(await status(`${url}/readyz`)).toBe(200);
  expect(await status(`${url}/metrics`)).toBe(404);
  expect(await status(`${url}/admin/faults`, { headers: auth })).toBe(404);
  expect(await status(`${url}/admin/faults`, { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"errorRate":1}' })).toBe(404);

  expect(await status(`${metricsUrl}/metrics`)).toBe(200);
  expect(await status(`${metricsUrl}/admin/faults`, { headers: auth })).toBe(200);
  expect(await status(`${metricsUrl}/admin/faults`)).toBe(401);
  expect(await status(`${metricsUrl}/api/day?date=2024-02-29`)).toBe(404);
  expect(await status(`${metricsUrl}/readyz`)).toBe(404);

  // the admin endpoint on the metrics port changes what the main port does
  const put = await fetch(`${metricsUrl}/admin/faults`, { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"unready":true}' });
  expect(put.status).toBe(200);
  expect(await status(`${url}/readyz`)).toBe(503);
  await fetch(`${metricsUrl}/admin/faults`, { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"unready":false}' });

  // requests on both ports are in the one registry, under their route templates
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  expect(text).toMatch(/^http_request_duration_seconds_count\{method="GET",route="\/api\/day",status_code="200"\} [1-9]/m);
  expect(text).toMatch(/^http_request_duration_seconds_count\{method="PUT",route="\/admin\/faults",status_code="200"\} [1-9]/m);
  expect(text).toMatch(/^db_up 1$/m);
});

it('METRICS_PORT unset: everything on the one port, as before', async () => {
  const { running, log } = await start(undefined);
  const { url } = running;
  expect(running.metricsServer).toBeUndefined();
  expect(running.metricsUrl).toBeUndefined();
  expect(log.lines.find((l) => l.msg === 'listening')?.metricsUrl).toBeUndefined();
  for (const path of ['/api/day?date=2024-02-29', '/healthz', '/readyz', '/metrics']) expect(await status(`${url}${path}`)).toBe(200);
  expect(await status(`${url}/admin/faults`, { headers: auth })).toBe(200);
});
