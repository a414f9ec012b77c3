/** Shared by the demo app's tests: a throwaway PostgreSQL cluster, free ports, a log that can be read back. */
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PostgresCluster } from '@slo-engine/stack';
import type { Config, Logger } from '../src';

/** A port nobody listens on right now (the kernel picks it; closed again before use). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface TestDatabase {
  pg: PostgresCluster;
  /** Stops the cluster (if running) and removes its directory. */
  cleanup(): void;
}

/** A fresh PostgreSQL cluster in a temporary directory; call cleanup() in afterAll. */
export async function startPostgres(): Promise<TestDatabase> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'day-pg-'));
  const pg = new PostgresCluster({ dir, port: await freePort() });
  const cleanup = () => {
    try {
      pg.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    await pg.start();
  } catch (err) {
    cleanup();
    throw err;
  }
  return { pg, cleanup };
}

/** The configuration tests use: loopback, an ephemeral port, short delays. */
export function testConfig(databaseUrl: string, overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    metricsPort: undefined,
    databaseUrl,
    dbPoolMax: 5,
    dbConnectTimeoutMs: 1000,
    dbQueryTimeoutMs: 5000,
    dbStartTimeoutMs: 10_000,
    dbSsl: { mode: 'disable' },
    dbPoolCloseTimeoutMs: 5000,
    migrateOnStart: true,
    lookupsRetentionDays: 0,
    drainDelayMs: 0,
    shutdownTimeoutMs: 10_000,
    faults: { errorRate: 0, latencyMs: 0, unready: false },
    adminToken: undefined,
    metricsEnabled: true,
    ...overrides,
  };
}

/** A logger that keeps what it was told, for assertions (and for a failing test's message). */
export function memoryLogger(): Logger & { lines: { level: string; msg: string; [k: string]: unknown }[] } {
  const lines: { level: string; msg: string; [k: string]: unknown }[] = [];
  const add = (level: string) => (msg: string, fields?: Record<string, unknown>) => lines.push({ level, msg, ...fields });
  return { lines, info: add('info'), warn: add('warn'), error: add('error') };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
