import { z } from 'zod';

/**
 * The shape of `slo backtest --format json`, for machines that read it: a contract, checked against the real
 * output by the tests. Times are unix seconds; ratios are 0..1 (budget shares may exceed 1 when overspent).
 */

const point = z.tuple([z.number(), z.number()]);

export const backtestAlertSchema = z.strictObject({
  alert: z.string(),
  tier: z.string(),
  severity: z.string(),
  labels: z.record(z.string(), z.string()),
  pendingAt: z.number().int(),
  start: z.number().int(),
  end: z.number().int(),
  open: z.boolean(),
  durationSeconds: z.number().int().nonnegative(),
  peakBurnRate: z.number().nonnegative(),
});

export const backtestObjectiveSchema = z.strictObject({
  service: z.string(),
  slo: z.string(),
  target: z.number().gt(0).lt(1),
  period: z.string(),
  sli: z.number().min(0).max(1).nullable(),
  budgetConsumed: z.number().nullable(),
  budgetConsumedMax: z.number().nullable(),
  budgetExhaustedAt: z.number().int().nullable(),
  coverage: z.number().min(0).max(1).nullable(),
  alerts: z.array(backtestAlertSchema),
  pagesPerWeek: z.number().nonnegative(),
  ticketsPerWeek: z.number().nonnegative(),
  curves: z.strictObject({ sli: z.array(point), budget: z.array(point), coverage: z.array(point) }),
  lanes: z.array(z.string()),
});

export const backtestSchema = z.strictObject({
  prometheus: z.string(),
  range: z.strictObject({ from: z.number().int(), to: z.number().int() }),
  objectives: z.array(backtestObjectiveSchema),
});
