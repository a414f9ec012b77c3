import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 8001,
      host: '0.0.0.0',
      databaseUrl: undefined,
      dbPoolMax: 10,
      dbConnectTimeoutMs: 1000,
      dbQueryTimeoutMs: 5000,
      dbStartTimeoutMs: 60_000,
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
    });
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
});
