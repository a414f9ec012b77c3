export { createApp, HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT, type AppDeps, type Lifecycle } from './app';
export { dayFacts, daysFromCivil, formatIsoDate, isLeapYear, parseIsoDate, todayUtc, type CalendarDate, type DayFacts } from './calendar';
export { ConfigError, loadConfig, type Config } from './config';
export { createPool, Database, isDatabaseUnavailable, type DbConfig, type Lookup } from './db';
export { MAX_LATENCY_MS, NO_FAULTS, parseFaultsPatch, type Faults, type FaultsPatch } from './faults';
export { jsonLogger, silentLogger, type LogFields, type Logger } from './log';
export { createMetrics, DB_BUCKETS, HTTP_BUCKETS, UNMATCHED_ROUTE, type Metrics, type PoolCounts } from './metrics';
export { migrate, MIGRATIONS, type MigrateOptions, type Migration } from './migrations';
export { startServer, StartupError, waitForDatabase, type RunningServer, type StartOptions } from './server';
