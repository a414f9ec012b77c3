export { PostgresCluster, postgresBin, POSTGRES_HINT, type PostgresOptions } from './postgres';
export { Stack, prometheusConfig, type StackOptions, type StackState, type ComponentStatus } from './stack';
export { runLoad, setFaults, type Faults, type LoadOptions, type LoadResult } from './load';
export { alive, stopProcess, waitForHttp } from './processes';
export * from './promserver';
export * from './traffic';
export { mulberry32 } from './random';
