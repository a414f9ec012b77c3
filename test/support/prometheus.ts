// The Prometheus runner lives in @slo-engine/history (slo backfill, the stack and the benchmarks use it too).
export * from '../../packages/history/src/prometheus';
