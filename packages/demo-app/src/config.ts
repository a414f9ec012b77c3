import { MAX_LATENCY_MS, type Faults } from './faults';

/** Everything the service reads from its environment; see README.md for the variables. */
export interface Config {
  port: number;
  host: string;
  /** When undefined, pg reads PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE itself. */
  databaseUrl: string | undefined;
  dbPoolMax: number;
  /** How long a request waits for a connection: short, so a database outage answers 503 quickly. */
  dbConnectTimeoutMs: number;
  /** Server-side statement_timeout and client-side query timeout of every query. */
  dbQueryTimeoutMs: number;
  /** How long to retry reaching the database at start before giving up. */
  dbStartTimeoutMs: number;
  drainDelayMs: number;
  shutdownTimeoutMs: number;
  faults: Faults;
  /** Undefined disables the admin endpoint. */
  adminToken: string | undefined;
  /** False: no instrumentation at all and no /metrics (the benchmark's baseline). */
  metricsEnabled: boolean;
}

/** A configuration mistake: the message names the variable, and main prints it without a stack trace. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

// setTimeout's limit; larger delays would fire immediately
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Reads and validates the configuration; reports every bad variable at once. An empty value counts as
 * unset, the way `FOO=` in a container definition is usually meant.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const raw = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const show = (v: string) => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);

  const int = (name: string, def: number, min: number, max: number): number => {
    const v = raw(name);
    if (v === undefined) return def;
    const n = /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got ${show(v)})`);
      return def;
    }
    return n;
  };
  const fraction = (name: string): number => {
    const v = raw(name);
    if (v === undefined) return 0;
    const n = /^(\d+(\.\d*)?|\.\d+)$/.test(v) ? Number(v) : NaN;
    if (!(n >= 0 && n <= 1)) {
      problems.push(`${name} must be a number from 0 to 1 (got ${show(v)})`);
      return 0;
    }
    return n;
  };
  const bool = (name: string, def = false): boolean => {
    const v = raw(name)?.toLowerCase();
    if (v === undefined) return def;
    if (v === 'false' || v === '0') return false;
    if (v === 'true' || v === '1') return true;
    problems.push(`${name} must be true or false (got ${show(raw(name)!)})`);
    return def;
  };

  const databaseUrl = raw('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl) && !databaseUrl.startsWith('socket:')) {
    // not echoed: the value may carry a password
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }

  const config: Config = {
    port: int('PORT', 8001, 0, 65535),
    host: raw('HOST') ?? '0.0.0.0',
    databaseUrl,
    dbPoolMax: int('DB_POOL_MAX', 10, 1, 1000),
    dbConnectTimeoutMs: int('DB_CONNECT_TIMEOUT_MS', 1000, 1, MAX_TIMER_MS),
    dbQueryTimeoutMs: int('DB_QUERY_TIMEOUT_MS', 5000, 1, MAX_TIMER_MS),
    dbStartTimeoutMs: int('DB_START_TIMEOUT_MS', 60_000, 0, MAX_TIMER_MS),
    drainDelayMs: int('DRAIN_DELAY_MS', 5000, 0, MAX_TIMER_MS),
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', 20_000, 0, MAX_TIMER_MS),
    faults: {
      errorRate: fraction('FAULT_ERROR_RATE'),
      latencyMs: int('FAULT_LATENCY_MS', 0, 0, MAX_LATENCY_MS),
      unready: bool('FAULT_UNREADY'),
    },
    // not trimmed: a token is compared byte for byte
    adminToken: env.ADMIN_TOKEN === undefined || env.ADMIN_TOKEN === '' ? undefined : env.ADMIN_TOKEN,
    metricsEnabled: bool('METRICS_ENABLED', true),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
