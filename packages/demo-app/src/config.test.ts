import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, configWarnings, loadConfig } from './config';
import { sslOptions } from './db';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 8001,
      host: '0.0.0.0',
      metricsPort: undefined,
      databaseUrl: undefined,
      dbPoolMax: 5,
      dbConnectTimeoutMs: 1000,
      dbQueryTimeoutMs: 5000,
      dbStartTimeoutMs: 60_000,
      dbSsl: { mode: 'disable' },
      dbPoolCloseTimeoutMs: 5000,
      migrateOnStart: true,
      lookupsRetentionDays: 30,
      drainDelayMs: 5000,
      shutdownTimeoutMs: 20_000,
      faults: { errorRate: 0, latencyMs: 0, unready: false },
      adminToken: undefined,
      metricsEnabled: true,
    });
  });

  it('reads every variable', () => {
    const c = loadConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgres://u:p@db:5432/day',
      DB_POOL_MAX: '3',
      DB_START_TIMEOUT_MS: '0',
      DRAIN_DELAY_MS: '1500',
      SHUTDOWN_TIMEOUT_MS: '3000',
      FAULT_ERROR_RATE: '0.25',
      FAULT_LATENCY_MS: '200',
      FAULT_UNREADY: 'true',
      ADMIN_TOKEN: 's3cret',
      METRICS_ENABLED: 'false',
      METRICS_PORT: '9464',
      MIGRATE_ON_START: 'false',
      LOOKUPS_RETENTION_DAYS: '0',
      DB_POOL_CLOSE_TIMEOUT_MS: '2500',
      DB_SSL_MODE: 'require',
    });
    expect(c).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      databaseUrl: 'postgres://u:p@db:5432/day',
      dbPoolMax: 3,
      dbStartTimeoutMs: 0,
      drainDelayMs: 1500,
      shutdownTimeoutMs: 3000,
      faults: { errorRate: 0.25, latencyMs: 200, unready: true },
      adminToken: 's3cret',
      metricsEnabled: false,
      metricsPort: 9464,
      migrateOnStart: false,
      lookupsRetentionDays: 0,
      dbPoolCloseTimeoutMs: 2500,
      dbSsl: { mode: 'require' },
    });
  });

  it("METRICS_PORT equal to PORT means one listener; 0 twice means two ports of the kernel's choice", () => {
    expect(loadConfig({ PORT: '8001', METRICS_PORT: '8001' }).metricsPort).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '8001' }).metricsPort).toBeUndefined();
    expect(loadConfig({ PORT: '0', METRICS_PORT: '0' }).metricsPort).toBe(0);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', ADMIN_TOKEN: '', FAULT_UNREADY: '' })).toMatchObject({ port: 8001, adminToken: undefined, faults: { unready: false } });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['DB_POOL_MAX', '0'],
    ['DRAIN_DELAY_MS', '5s'],
    ['SHUTDOWN_TIMEOUT_MS', '1e3'],
    ['FAULT_ERROR_RATE', '1.5'],
    ['FAULT_ERROR_RATE', 'half'],
    ['FAULT_LATENCY_MS', '-5'],
    ['FAULT_UNREADY', 'yes please'],
    ['METRICS_ENABLED', 'off'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'postgres://u@db/day?sslmode=require'],
    ['PGSSLMODE', 'verify-full'],
    ['METRICS_PORT', '70000'],
    ['MIGRATE_ON_START', 'no'],
    ['LOOKUPS_RETENTION_DAYS', '-1'],
    ['LOOKUPS_RETENTION_DAYS', '30d'],
    ['DB_POOL_CLOSE_TIMEOUT_MS', '5s'],
    ['DB_SSL_MODE', 'prefer'],
    ['DB_SSL_MODE', 'true'],
  ])('refuses %s=%j, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it.each([
    ['true', true],
    ['1', true],
    ['FALSE', false],
    ['0', false],
    ['', true],
  ])('reads METRICS_ENABLED=%j as %j (unset: enabled)', (value, enabled) => {
    expect(loadConfig({ METRICS_ENABLED: value }).metricsEnabled).toBe(enabled);
  });

  it('reports every bad variable at once', () => {
    expect(() => loadConfig({ PORT: 'x', DB_POOL_MAX: 'y' })).toThrow(/PORT .*; DB_POOL_MAX /);
  });

  it('never echoes DATABASE_URL, which may hold a password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:hunter2@db' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });

  describe('DB_SSL_MODE and DB_SSL_CA_FILE', () => {
    let dir: string;
    let caFile: string;
    const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    beforeAll(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'day-ca-'));
      caFile = path.join(dir, 'ca.pem');
      writeFileSync(caFile, PEM);
      writeFileSync(path.join(dir, 'not-pem.txt'), 'hello');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reads the CA bundle at start', () => {
      expect(loadConfig({ DB_SSL_MODE: 'verify-full', DB_SSL_CA_FILE: caFile }).dbSsl).toEqual({ mode: 'verify-full', caFile, ca: PEM });
      expect(loadConfig({ DB_SSL_MODE: 'VERIFY-CA' }).dbSsl).toEqual({ mode: 'verify-ca' });
    });

    it('require with a CA file: accepted (the chart mounts the bundle whatever the mode), not used, and warned about', () => {
      const c = loadConfig({ DB_SSL_MODE: 'require', DB_SSL_CA_FILE: caFile });
      expect(c.dbSsl).toEqual({ mode: 'require', caFile, ca: PEM });
      expect(sslOptions(c.dbSsl)).toEqual({ rejectUnauthorized: false });
      expect(configWarnings(c)).toEqual([expect.stringContaining('verify-full')]);
      expect(configWarnings(loadConfig({ DB_SSL_MODE: 'verify-full', DB_SSL_CA_FILE: caFile }))).toEqual([]);
    });

    it.each([
      [{ DB_SSL_MODE: 'verify-full', DB_SSL_CA_FILE: '/nonexistent/rds-global-bundle.pem' }, /DB_SSL_CA_FILE .* cannot be read: ENOENT/],
      [{ DB_SSL_MODE: 'verify-ca', DB_SSL_CA_FILE: '.' }, /DB_SSL_CA_FILE .* cannot be read: EISDIR/],
      [{ DB_SSL_MODE: 'verify-ca', DB_SSL_CA_FILE: 'NOT_PEM' }, /holds no PEM certificate/],
      [{ DB_SSL_CA_FILE: 'CA' }, /DB_SSL_CA_FILE is set but DB_SSL_MODE is disable/],
      [{ DB_SSL_MODE: 'require', DB_SSL_CA_FILE: '/nonexistent/ca.pem' }, /DB_SSL_CA_FILE .* cannot be read: ENOENT/],
      [{ DB_SSL_MODE: 'verify_full' }, /DB_SSL_MODE must be one of disable, require, verify-ca, verify-full \(got "verify_full"\)/],
    ])('refuses %j with a clear message', (env, message) => {
      const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === 'CA' ? caFile : v === 'NOT_PEM' ? path.join(dir, 'not-pem.txt') : v]));
      expect(() => loadConfig(resolved)).toThrow(ConfigError);
      expect(() => loadConfig(resolved)).toThrow(message);
    });
  });
});

describe('sslOptions (node-postgres ssl)', () => {
  const ca = '-----BEGIN CERTIFICATE-----\n...';
  it('disable: no TLS', () => {
    expect(sslOptions({ mode: 'disable' })).toBe(false);
    expect(sslOptions(undefined)).toBe(false);
  });
  it('require: encrypted, certificate not checked', () => {
    expect(sslOptions({ mode: 'require' })).toEqual({ rejectUnauthorized: false });
  });
  it('verify-ca: the chain against the CA, not the host name', () => {
    const o = sslOptions({ mode: 'verify-ca', ca }) as Exclude<ReturnType<typeof sslOptions>, false>;
    expect(o).toMatchObject({ rejectUnauthorized: true, ca });
    expect(o.checkServerIdentity!('db.example', {} as never)).toBeUndefined();
  });
  it("verify-full: the chain and the host name (tls's default check)", () => {
    expect(sslOptions({ mode: 'verify-full', ca })).toEqual({ rejectUnauthorized: true, ca });
  });
  it("verify-* without a CA file: Node's default CAs (no ca option)", () => {
    expect(sslOptions({ mode: 'verify-full' })).toEqual({ rejectUnauthorized: true });
    const o = sslOptions({ mode: 'verify-ca' }) as Exclude<ReturnType<typeof sslOptions>, false>;
    expect(o.ca).toBeUndefined();
    expect(o.rejectUnauthorized).toBe(true);
  });
});
