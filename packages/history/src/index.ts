export * from './prometheus';
export { HistoryError, NETWORK_REASONS, PromApi, displayUrl, type InstantSample, type RangeSeries } from './api';
export {
  ALIGN_SECONDS,
  alignDown,
  checkRange,
  firstSample,
  human,
  planPasses,
  PassRun,
  parts,
  rawMetrics,
  summarise,
  type HistoryRange,
  type PassSummary,
  type Progress,
  type RunOptions,
} from './passes';
export { backfill, checkOut, type BackfillOptions, type BackfillResult } from './backfill';
export { backtest, episodes, formatBacktest, type BacktestAlert, type BacktestObjective, type BacktestOptions, type BacktestResult } from './backtest';
export { backtestSchema } from './backtest-schema';
export { replay, replayPasses, rfc3339, victoriaMetricsArgs, vmalertArgs, vmalertReplayArgs, VICTORIA_METRICS_PACKAGE, type ReplayOptions, type ReplayResult } from './victoriametrics';
