// @integration: runs PostgreSQL
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

function spawnApp(env: Record<string, string>, args: string[] = []): AppProcess {
  // a clean environment: nothing from the developer's shell (FAULT_*, PG*) leaks in
  const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
  ])(
    'drain $drainDelayMs ms, latency $latencyMs ms: no failed request, not ready before the listener closes, exit 0, steps logged in order',
    async ({ drainDelayMs, latencyMs, inFlightAtClose }) => {
      // DB_CONNECT_TIMEOUT_MS: the pool (5 by default) opens its connections in the first burst; on a loaded
      // machine a SCRAM login can take longer than the 1 s default, which is not what this test is about
      const app = spawnApp({
        DATABASE_URL: db.pg.url,
        DRAIN_DELAY_MS: String(drainDelayMs),
        FAULT_LATENCY_MS: String(latencyMs),
        SHUTDOWN_TIMEOUT_MS: '10000',
        DB_CONNECT_TIMEOUT_MS: '5000',
      });
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
    },
    90_000,
  );
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

it('database down at start: listens at once, unready and alive past DB_START_TIMEOUT_MS, ready without a restart once PostgreSQL is up', async () => {
  db.pg.stop();
  try {
    const app = spawnApp({ DATABASE_URL: db.pg.url, DB_START_TIMEOUT_MS: '500', DRAIN_DELAY_MS: '0' });
    const url = await app.url();
    const notReady = await fetch(`${url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'not ready', reason: 'database unreachable' });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    // an outage at start is a 503 for /api too, not a crash
    expect((await fetch(`${url}/api/day?date=2024-02-29`)).status).toBe(503);
    // well past DB_START_TIMEOUT_MS: still running, still unready, and the metrics say why
    await sleep(2000);
    expect(app.child.exitCode).toBeNull();
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^db_up 0$/m);
    expect(app.lines.some((l) => l.msg === 'database unreachable, retrying')).toBe(true);

    await db.pg.start();
    const upAt = Date.now();
    await waitFor('/readyz 200', async () => (await fetch(`${url}/readyz`)).status === 200, 10_000, 100);
    expect(Date.now() - upAt).toBeLessThan(6000);
    expect((await fetch(`${url}/api/day?date=2024-02-29`)).status).toBe(200);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^db_up 1$/m);
    app.child.kill('SIGTERM');
    expect(await exitWithin(app, 20_000)).toMatchObject({ code: 0 });
    expect(app.output()).not.toMatch(/^\s+at /m);
  } finally {
    if (!db.pg.running()) await db.pg.start();
  }
}, 90_000);

it('METRICS_PORT: the listening line names both URLs; /metrics answers only on the metrics port', async () => {
  const metricsPort = await freePort();
  const app = spawnApp({ DATABASE_URL: db.pg.url, METRICS_PORT: String(metricsPort), DRAIN_DELAY_MS: '0' });
  const url = await app.url();
  const listening = app.lines.find((l) => l.msg === 'listening')!;
  expect(listening.metricsUrl).toBe(`http://127.0.0.1:${metricsPort}`);
  await waitFor('/readyz 200', async () => (await fetch(`${url}/readyz`)).status === 200, 20_000);
  expect((await fetch(`${url}/metrics`)).status).toBe(404);
  expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);
  app.child.kill('SIGTERM');
  expect(await exitWithin(app, 20_000)).toMatchObject({ code: 0 });
});

describe('node dist/main.js migrate', () => {
  let n = 0;
  /** A database of its own per test, created empty. */
  async function freshDatabase(): Promise<{ name: string; url: string }> {
    const name = `migrate_${++n}`;
    await db.pg.psql(`CREATE DATABASE ${name}`);
    return { name, url: db.pg.url.replace(/\/[^/]+$/, `/${name}`) };
  }
  const migrations = (name: string) => db.pg.psql('SELECT version, applied_at FROM schema_migrations ORDER BY version', name);

  it('migrates once and exits 0; a second run changes nothing and exits 0', async () => {
    const { name, url } = await freshDatabase();
    const first = spawnApp({ DATABASE_URL: url }, ['migrate']);
    expect(await exitWithin(first, 30_000)).toMatchObject({ code: 0 });
    expect(first.lines.at(-1)).toMatchObject({ level: 'info', msg: 'migrations complete', applied: [1, 2] });
    const after = await migrations(name);
    expect(after.split('\n')).toHaveLength(2);

    const second = spawnApp({ DATABASE_URL: url }, ['migrate']);
    expect(await exitWithin(second, 30_000)).toMatchObject({ code: 0 });
    expect(second.lines.at(-1)).toMatchObject({ msg: 'migrations complete', applied: [] });
    expect(second.lines.some((l) => l.msg === 'applied migration')).toBe(false);
    expect(await migrations(name)).toBe(after);
  }, 60_000);

  it('is safe to run concurrently: every run exits 0, each migration is applied once', async () => {
    const { name, url } = await freshDatabase();
    const runs = Array.from({ length: 4 }, () => spawnApp({ DATABASE_URL: url }, ['migrate']));
    const exits = await Promise.all(runs.map((r) => exitWithin(r, 60_000)));
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0, 0]);
    const applied = runs.map((r) => r.lines.at(-1)!.applied as number[]);
    expect(applied.flat().sort()).toEqual([1, 2]);
    expect(await db.pg.psql('SELECT count(*) FROM schema_migrations', name)).toBe('2');
  }, 90_000);

  it('works as a NOSUPERUSER role that owns its database, which then serves with MIGRATE_ON_START=false', async () => {
    await db.pg.psql("CREATE ROLE app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD 'app-secret'");
    await db.pg.psql('CREATE DATABASE app OWNER app');
    await db.pg.psql('REVOKE ALL ON DATABASE app FROM PUBLIC');
    const url = db.pg.url.replace(/\/\/[^@]+@/, '//app:app-secret@').replace(/\/[^/]+$/, '/app');

    // before the migration: serving without MIGRATE_ON_START listens, but cannot serve yet
    const app = spawnApp({ DATABASE_URL: url, MIGRATE_ON_START: 'false', DRAIN_DELAY_MS: '0' });
    const appUrl = await app.url();
    const before = await fetch(`${appUrl}/readyz`);
    expect(before.status).toBe(503);
    expect(await before.json()).toEqual({ status: 'not ready', reason: 'database schema not migrated' });
    expect(app.lines.some((l) => l.msg === 'applied migration')).toBe(false);

    const job = spawnApp({ DATABASE_URL: url }, ['migrate']);
    expect(await exitWithin(job, 30_000)).toMatchObject({ code: 0 });
    expect(job.lines.at(-1)).toMatchObject({ msg: 'migrations complete', applied: [1, 2] });
    expect(await db.pg.psql("SELECT string_agg(tablename || ':' || tableowner, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'", 'app')).toBe('lookups:app,schema_migrations:app');

    await waitFor('/readyz 200 after the migration', async () => (await fetch(`${appUrl}/readyz`)).status === 200, 10_000);
    expect((await fetch(`${appUrl}/api/day?date=2024-02-29`)).status).toBe(200);
    app.child.kill('SIGTERM');
    expect(await exitWithin(app, 20_000)).toMatchObject({ code: 0 });
  }, 60_000);

  it('database unreachable: retries up to DB_START_TIMEOUT_MS, then exits 1 with one error line', async () => {
    const port = await freePort();
    const job = spawnApp({ DATABASE_URL: `postgres://day:x@127.0.0.1:${port}/day`, DB_START_TIMEOUT_MS: '1500' }, ['migrate']);
    const exit = await exitWithin(job, 20_000);
    expect(exit.code).toBe(1);
    const retries = job.lines.filter((l) => l.msg === 'database unreachable, retrying');
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(Number(retries[1]!.retryInMs)).toBeGreaterThan(Number(retries[0]!.retryInMs));
    const errors = job.lines.filter((l) => l.level === 'error');
    expect(errors).toEqual([expect.objectContaining({ msg: expect.stringMatching(/^database unreachable for 1500 ms \(DB_START_TIMEOUT_MS\), giving up: /) })]);
    expect(job.lines.at(-1)).toBe(errors[0]);
    expect(job.output()).not.toMatch(/^\s+at /m);
  });

  it('a wrong password: exits 1 at once with one error line', async () => {
    const job = spawnApp({ DATABASE_URL: db.pg.url.replace(/:[^:@/]+@/, ':wrong@') }, ['migrate']);
    const exit = await exitWithin(job, 20_000);
    expect(exit.code).toBe(1);
    expect(job.lines).toEqual([expect.objectContaining({ level: 'error', msg: expect.stringMatching(/^database setup failed: .*password/) })]);
  });

  it('an unknown command: exits 1 naming it', async () => {
    const job = spawnApp({ DATABASE_URL: db.pg.url }, ['migrat']);
    expect((await exitWithin(job, 20_000)).code).toBe(1);
    expect(job.lines).toEqual([expect.objectContaining({ level: 'error', msg: expect.stringContaining('"migrat"') })]);
  });
});
