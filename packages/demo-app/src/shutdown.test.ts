// @integration: runs PostgreSQL
import * as net from 'node:net';
import { startServer, type RunningServer } from '.';
import { memoryLogger, sleep, startPostgres, testConfig, waitFor, type TestDatabase } from '../test/support';

let db: TestDatabase;
const servers: RunningServer[] = [];

beforeAll(async () => {
  db = await startPostgres();
});

afterAll(async () => {
  // shutdown() is idempotent: a test that already stopped its server just gets the same promise back
  await Promise.all(servers.map((s) => s.shutdown('test end')));
  db?.cleanup();
});

async function start(overrides: Parameters<typeof testConfig>[1]) {
  const log = memoryLogger();
  const running = await startServer(testConfig(db.pg.url, overrides), { log });
  servers.push(running);
  await running.migrated;
  return { running, log };
}

/** Resolves true when a new TCP connection is accepted, false when it is refused. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

it('drains: not ready at once, serves during the delay, then stops accepting and finishes in-flight requests', async () => {
  const { running, log } = await start({ drainDelayMs: 600, shutdownTimeoutMs: 10_000 });
  const { url, port } = running;
  // longer than the drain delay: this request is in flight when the listener closes
  running.deps.faults.latencyMs = 1500;
  const slow = fetch(`${url}/api/day?date=2024-02-29`);
  await waitFor('the slow request to arrive', async () => running.inFlight() === 1);

  const t0 = Date.now();
  const stopping = running.shutdown('SIGTERM');
  const ready = await fetch(`${url}/readyz`);
  expect(ready.status).toBe(503);
  expect(await ready.json()).toEqual({ status: 'not ready', reason: 'shutting down' });
  // draining responses ask clients not to reuse the connection
  expect(ready.headers.get('connection')).toBe('close');
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  expect(await accepts(port)).toBe(true);

  await waitFor('the listener to close', async () => !(await accepts(port)), 5000, 50);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
  expect(running.inFlight()).toBe(1);

  const res = await slow;
  expect(res.status).toBe(200);
  expect(((await res.json()) as { date: string }).date).toBe('2024-02-29');
  expect(await stopping).toBe(0);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(1300);
  expect(running.pool.ended).toBe(true);
  expect(log.lines.filter((l) => /shutdown|drain|in-flight|pool/.test(l.msg)).map((l) => l.msg)).toEqual([
    'shutdown started: not ready, draining',
    'drain delay over: closing the listener',
    'in-flight requests finished',
    'database pool closed',
    'shutdown complete',
  ]);
  expect(log.lines.find((l) => l.msg === 'drain delay over: closing the listener')?.inFlight).toBe(1);
  // the lookup answered 200 was committed
  expect(await db.pg.psql("SELECT count(*) > 0 FROM lookups WHERE day = '2024-02-29'")).toBe('t');
});

it('gives up on in-flight requests after SHUTDOWN_TIMEOUT_MS and reports exit code 1', async () => {
  const { running, log } = await start({ drainDelayMs: 0, shutdownTimeoutMs: 300 });
  running.deps.faults.latencyMs = 20_000;
  const stuck = fetch(`${running.url}/api/history`).then(
    (r) => r.status,
    () => 'connection closed',
  );
  await waitFor('the request to arrive', async () => running.inFlight() === 1);
  const t0 = Date.now();
  expect(await running.shutdown('SIGTERM')).toBe(1);
  expect(Date.now() - t0).toBeLessThan(3000);
  expect(await stuck).toBe('connection closed');
  expect(log.lines.some((l) => l.level === 'warn' && l.msg.startsWith('in-flight requests did not finish'))).toBe(true);
  // the cut request stopped waiting: nothing runs on after the shutdown
  await sleep(100);
  expect(running.inFlight()).toBe(0);
});

it('a second signal during shutdown changes nothing', async () => {
  const { running, log } = await start({ drainDelayMs: 200 });
  const first = running.shutdown('SIGTERM');
  const second = running.shutdown('SIGINT');
  expect(await Promise.all([first, second])).toEqual([0, 0]);
  expect(log.lines.filter((l) => l.msg === 'shutdown complete')).toHaveLength(1);
  expect(log.lines.some((l) => l.msg === 'shutdown already in progress')).toBe(true);
});

it('with METRICS_PORT: both listeners serve through the drain delay, then both close', async () => {
  // long enough for a scrape and a connect on a loaded machine
  const { running, log } = await start({ drainDelayMs: 2000, metricsPort: 0 });
  const { port, metricsPort, metricsUrl } = running;
  expect(metricsPort).toBeDefined();
  const stopping = running.shutdown('SIGTERM');
  // Prometheus can still scrape while the pod drains
  expect((await fetch(`${metricsUrl}/metrics`)).status).toBe(200);
  expect(await accepts(metricsPort!)).toBe(true);
  expect(await stopping).toBe(0);
  expect(await accepts(port)).toBe(false);
  expect(await accepts(metricsPort!)).toBe(false);
  expect(log.lines.some((l) => l.msg === 'database pool closed')).toBe(true);
});

it('waits for the pool to close at most DB_POOL_CLOSE_TIMEOUT_MS', async () => {
  const { running, log } = await start({ drainDelayMs: 0, dbPoolCloseTimeoutMs: 300 });
  // a connection never released: pool.end() would wait for it forever
  const held = await running.pool.connect();
  const t0 = Date.now();
  expect(await running.shutdown('SIGTERM')).toBe(0);
  expect(Date.now() - t0).toBeLessThan(2000);
  expect(log.lines.find((l) => l.msg === 'database pool did not close in time')).toMatchObject({ level: 'warn', dbPoolCloseTimeoutMs: 300 });
  held.release(true);
});
