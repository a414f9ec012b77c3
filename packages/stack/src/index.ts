export { PostgresCluster, postgresBin, POSTGRES_HINT, type PostgresOptions } from './postgres';
export { backfillStack, type Part, type RawPart, type RulesPart, type SloState, type StackBackfillOptions, type StackBackfillResult } from './backfill';
export { DAY_BUCKETS, DAY_LATENCY_LE, DAY_METRIC, dayHistoryOptions, writeDayHistory, type DayCounts, type DayHistory, type DayHistoryOptions, type DayIncident } from './day-history';
export { localRouting } from './alerting';
export { Stack, ENGINES, NOTIFICATIONS, RETENTION_DAYS, prometheusConfig, queryUrl, victoriaMetricsScrapeConfig, type Engine, type StackOptions, type StackState, type ComponentStatus } from './stack';
export { runLoad, setFaults, type Faults, type LoadOptions, type LoadResult } from './load';
export { alive, stopProcess, waitForHttp } from './processes';
/** The private Prometheus and backfill tools now live in @slo-engine/history; re-exported for the stack's users. */
export * from '@slo-engine/history';
export * from './traffic';
export { mulberry32 } from './random';
