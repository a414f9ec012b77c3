/**
 * The built entry point as a process: what `node packages/demo-app/dist/main.js` does with signals, bad
 * environment and an unreachable database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { freePort, sleep, startPostgres, waitFor, type TestDatabase } from '../test/support';

const MAIN = path.resolve(__dirname, '../dist/main.js');

interface LogLine {
  level: string;
  msg: string;
  /** When this test process received the line. */
  at: number;
  [k: string]: unknown;
}

interface AppProcess {
  child: ChildProcess;
  lines: LogLine[];
  /** Everything written to stdout and stderr, for assertions and failure messages. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** The URL from the "listening" line. */
  url(): Promise<string>;
}

const children = new Set<ChildProcess>();

function spawnApp(env: Record<string, string>): AppProcess {
  // a clean environment: nothing from the developer's shell (FAULT_*, PG*) leaks in
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const lines: LogLine[] = [];
  let out = '';
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d;
    partial += d;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const p of parts) {
      try {
        lines.push({ ...JSON.parse(p), at: Date.now() });
      } catch {
        lines.push({ level: 'unparsed', msg: p, at: Date.now() });
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, at: Date.now() });
    }),
  );
  const url = async () => {
    await waitFor(`the app to listen (output so far: ${out})`, async () => lines.some((l) => l.msg === 'listening') || child.exitCode !== null, 30_000, 50);
    const l = lines.find((x) => x.msg === 'listening');
    if (!l) throw new Error(`the app exited before listening:\n${out}`);
    return String(l.url);
  };
  return { child, lines, output: () => out, exited, url };
}

async function exitWithin(app: AppProcess, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the app did not exit within ${ms} ms; output:\n${app.output()}`)), ms);
  });
  try {
    return await Promise.race([app.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

let db: TestDatabase;

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${path.relative(process.cwd(), MAIN)} is missing: run pnpm build first`);
  db = await startPostgres();
});

afterEach(async () => {
  // a failed test must not leave its app running
  for (const child of children) {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }
});

afterAll(() => db?.cleanup());

describe('SIGTERM during load', () => {
  it.each([
    // steady load: the load balancer stops sending well before the listener closes
    { drainDelayMs: 1500, latencyMs: 200, inFlightAtClose: false },
    // requests slower than the drain delay: some are still running when the listener closes
    { drainDelayMs: 1000, latencyMs: 2000, inFlightAtClose: true },
  ])('drain $drainDelayMs ms, latency $latencyMs ms: no failed request, not ready before the listener closes, exit 0, steps logged in order', async ({ drainDelayMs, latencyMs, inFlightAtClose }) => {
    const app = spawnApp({ DATABASE_URL: db.pg.url, DRAIN_DELAY_MS: String(drainDelayMs), FAULT_LATENCY_MS: String(latencyMs), SHUTDOWN_TIMEOUT_MS: '10000' });
    const url = await app.url();
    await waitFor('/readyz 200', async () => (await fetch(`${url}/readyz`)).status === 200, 30_000);

    // a load balancer: health-checks /readyz and stops routing once it says 503
    let removedAt: number | undefined;
    const healthChecks = (async () => {
      while (removedAt === undefined) {
        const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
        if (r?.status === 503) removedAt = Date.now();
        await sleep(100);
      }
    })();

    // SIGTERM goes out from a client's loop right after a response, so that client's next request
    // starts at the signal: with latency above the drain delay it is in flight when the listener closes
    const warmUpUntil = Date.now() + 1500;
    let termAt: number | undefined;
    const statuses = new Map<string, number>();
    const failures: string[] = [];
    const ids: number[] = [];
    const client = async (n: number) => {
      for (let i = 0; removedAt === undefined; i++) {
        const date = `20${String(10 + n).padStart(2, '0')}-01-${String((i % 28) + 1).padStart(2, '0')}`;
        const target = i % 5 === 4 ? '/api/history?limit=5' : `/api/day?date=${date}`;
        try {
          const r = await fetch(`${url}${target}`, { signal: AbortSignal.timeout(15_000) });
          const body = (await r.json()) as { lookup?: { id: number } };
          statuses.set(String(r.status), (statuses.get(String(r.status)) ?? 0) + 1);
          if (r.status !== 200) failures.push(`${target}: HTTP ${r.status} ${JSON.stringify(body)}`);
          else if (body.lookup) ids.push(body.lookup.id);
        } catch (e) {
          failures.push(`${target}: ${(e as Error).message} (${String((e as Error).cause ?? '')})`);
        }
        if (termAt === undefined && Date.now() >= warmUpUntil) {
          termAt = Date.now();
          app.child.kill('SIGTERM');
        }
      }
    };
    await Promise.all([healthChecks, ...Array.from({ length: 6 }, (_, n) => client(n))]);
    const exit = await exitWithin(app, 30_000);

    expect(failures).toEqual([]);
    expect([...statuses.keys()]).toEqual(['200']);
    expect(statuses.get('200')).toBeGreaterThanOrEqual(6);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - termAt!).toBeLessThan(drainDelayMs + latencyMs + 8000);

    const steps = ['shutdown started: not ready, draining', 'drain delay over: closing the listener', 'in-flight requests finished', 'database pool closed', 'shutdown complete'];
    const logged = app.lines.filter((l) => steps.includes(l.msg));
    expect(logged.map((l) => l.msg)).toEqual(steps);
    expect(logged.every((l) => l.level === 'info')).toBe(true);
    const closing = logged[1]!;
    // the load balancer saw 503 while the listener was still open, and the app served the delay out
    expect(removedAt).toBeDefined();
    expect(removedAt!).toBeLessThan(closing.at);
    expect(closing.at - termAt!).toBeGreaterThanOrEqual(drainDelayMs - 100);
    if (inFlightAtClose) expect(closing.inFlight).toBeGreaterThanOrEqual(1);
    expect(logged.at(-1)).toMatchObject({ exitCode: 0 });
    expect(app.output()).not.toMatch(/^\s+at /m);

    // every lookup answered 200 is in the table
    expect(ids.length).toBeGreaterThan(0);
    expect(await db.pg.psql(`SELECT count(*) FROM lookups WHERE id IN (${ids.join(',')})`)).toBe(String(ids.length));
  }, 90_000);
});

it('invalid environment: a message naming each variable, no stack trace, exit 1', async () => {
  const app = spawnApp({ DATABASE_URL: db.pg.url, PORT: 'eighty', FAULT_ERROR_RATE: '2', DRAIN_DELAY_MS: '5s' });
  const exit = await exitWithin(app, 15_000);
  expect(exit.code).toBe(1);
  expect(app.lines).toHaveLength(1);
  expect(app.lines[0]).toMatchObject({ level: 'error', msg: expect.stringContaining('invalid configuration') });
  for (const name of ['PORT', 'FAULT_ERROR_RATE', 'DRAIN_DELAY_MS']) expect(app.lines[0]!.msg).toContain(name);
  expect(app.output()).not.toMatch(/^\s+at /m);
});

it('database unreachable at start: retries with backoff, then exits 1 with a clear message', async () => {
  const port = await freePort();
  const app = spawnApp({ DATABASE_URL: `postgres://day:x@127.0.0.1:${port}/day`, DB_START_TIMEOUT_MS: '2000' });
  const exit = await exitWithin(app, 20_000);
  expect(exit.code).toBe(1);
  const retries = app.lines.filter((l) => l.msg === 'database unreachable, retrying');
  expect(retries.length).toBeGreaterThanOrEqual(2);
  expect(Number(retries[1]!.retryInMs)).toBeGreaterThan(Number(retries[0]!.retryInMs));
  expect(app.lines.at(-1)).toMatchObject({ level: 'error', msg: expect.stringMatching(/database unreachable .*DB_START_TIMEOUT_MS/) });
  expect(app.output()).not.toMatch(/^\s+at /m);
});

it('database late at start: waits for it, migrates, becomes ready', async () => {
  db.pg.stop();
  try {
    const app = spawnApp({ DATABASE_URL: db.pg.url, DB_START_TIMEOUT_MS: '60000', DRAIN_DELAY_MS: '0' });
    await waitFor('a retry', async () => app.lines.some((l) => l.msg === 'database unreachable, retrying'), 20_000, 50);
    await db.pg.start();
    const url = await app.url();
    await waitFor('/readyz 200', async () => (await fetch(`${url}/readyz`)).status === 200, 20_000);
    expect((await fetch(`${url}/api/day?date=2024-02-29`)).status).toBe(200);
    app.child.kill('SIGINT');
    expect(await exitWithin(app, 20_000)).toMatchObject({ code: 0 });
  } finally {
    if (!db.pg.running()) await db.pg.start();
  }
}, 90_000);
