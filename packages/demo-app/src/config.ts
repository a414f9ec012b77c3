import { readFileSync } from 'node:fs';
import { MAX_LATENCY_MS, type Faults } from './faults';

export const DB_SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type DbSslMode = (typeof DB_SSL_MODES)[number];

/** TLS to the database; the CA bundle is read at start so that an unreadable file is a config error. */
export interface DbSsl {
  mode: DbSslMode;
  /** DB_SSL_CA_FILE as given (for the log). */
  caFile?: string;
  /** The PEM text of DB_SSL_CA_FILE; undefined: Node's default CAs. */
  ca?: string;
}

/** Everything the service reads from its environment; see README.md for the variables. */
export interface Config {
  port: number;
  host: string;
  /** A second listener for /metrics and /admin; undefined: everything on `port`. */
  metricsPort: number | undefined;
  /** When undefined, pg reads PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE itself. */
  databaseUrl: string | undefined;
  dbPoolMax: number;
  /** How long a request waits for a connection: short, so a database outage answers 503 quickly. */
  dbConnectTimeoutMs: number;
  /** Server-side statement_timeout and client-side query timeout of every query. */
  dbQueryTimeoutMs: number;
  /** How long to retry reaching the database at start before giving up. */
  dbStartTimeoutMs: number;
  dbSsl: DbSsl;
  /** How long shutdown waits for the pool to close after the listeners closed. */
  dbPoolCloseTimeoutMs: number;
  /** False: serving never migrates; `main.js migrate` (a Job) does. */
  migrateOnStart: boolean;
  /** Lookups older than this are deleted in the background; 0 keeps them forever. */
  lookupsRetentionDays: number;
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
  // pg lets the URL's ssl parameters override the ssl option, and PGSSLMODE would be silently ignored:
  // one place decides TLS, so the others are refused rather than half-honoured
  if (databaseUrl !== undefined && /[?&]ssl(mode|rootcert|cert|key)?=/i.test(databaseUrl)) {
    problems.push('DATABASE_URL must not carry ssl parameters (sslmode, sslrootcert, ...): use DB_SSL_MODE and DB_SSL_CA_FILE');
  }
  if (raw('PGSSLMODE') !== undefined || raw('PGSSLROOTCERT') !== undefined) {
    problems.push('PGSSLMODE and PGSSLROOTCERT are not used: set DB_SSL_MODE and DB_SSL_CA_FILE instead');
  }

  const dbSsl = ((): DbSsl => {
    const v = raw('DB_SSL_MODE')?.toLowerCase() ?? 'disable';
    const caFile = raw('DB_SSL_CA_FILE');
    if (!(DB_SSL_MODES as readonly string[]).includes(v)) {
      problems.push(`DB_SSL_MODE must be one of ${DB_SSL_MODES.join(', ')} (got ${show(raw('DB_SSL_MODE')!)})`);
      return { mode: 'disable' };
    }
    const mode = v as DbSslMode;
    if (caFile === undefined) return { mode };
    // with TLS off a CA file is certainly a mistake; with require it is read but unused (see configWarnings)
    if (mode === 'disable') {
      problems.push('DB_SSL_CA_FILE is set but DB_SSL_MODE is disable: set DB_SSL_MODE to verify-full (or verify-ca, require)');
      return { mode };
    }
    let ca: string;
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (err) {
      problems.push(`DB_SSL_CA_FILE ${show(caFile)} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return { mode, caFile };
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
      problems.push(`DB_SSL_CA_FILE ${show(caFile)} holds no PEM certificate`);
      return { mode, caFile };
    }
    return { mode, caFile, ca };
  })();

  const port = int('PORT', 8001, 0, 65535);
  const metricsPortRaw = int('METRICS_PORT', -1, 0, 65535);
  // the same port as PORT means one listener (as if unset); 0 twice still means two ports of the kernel's choice
  const metricsPort = metricsPortRaw < 0 || (metricsPortRaw === port && port !== 0) ? undefined : metricsPortRaw;

  const config: Config = {
    port,
    host: raw('HOST') ?? '0.0.0.0',
    metricsPort,
    databaseUrl,
    dbPoolMax: int('DB_POOL_MAX', 5, 1, 1000),
    dbConnectTimeoutMs: int('DB_CONNECT_TIMEOUT_MS', 1000, 1, MAX_TIMER_MS),
    dbQueryTimeoutMs: int('DB_QUERY_TIMEOUT_MS', 5000, 1, MAX_TIMER_MS),
    dbStartTimeoutMs: int('DB_START_TIMEOUT_MS', 60_000, 0, MAX_TIMER_MS),
    dbSsl,
    dbPoolCloseTimeoutMs: int('DB_POOL_CLOSE_TIMEOUT_MS', 5000, 0, MAX_TIMER_MS),
    migrateOnStart: bool('MIGRATE_ON_START', true),
    lookupsRetentionDays: int('LOOKUPS_RETENTION_DAYS', 30, 0, 36_500),
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

/** Settings that work but are probably not what was meant: logged as warnings at start. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.dbSsl.mode === 'require' && config.dbSsl.caFile !== undefined) {
    warnings.push('DB_SSL_CA_FILE is not used with DB_SSL_MODE=require (encrypted, certificate not checked): set DB_SSL_MODE=verify-full to check it');
  }
  return warnings;
}
