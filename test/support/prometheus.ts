// The Prometheus runner lives in @slo-engine/stack (benchmarks use it too).
export * from '../../packages/stack/src/promserver';
