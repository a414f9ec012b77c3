// The traffic generator lives in @slo-engine/stack (benchmarks use it too).
export * from '../../packages/stack/src/traffic';
