import { z } from 'zod';
import {
  alertConditionSpec,
  alertNotificationTargetSpec,
  alertPolicySpec,
  bool,
  calendar,
  description,
  durationText,
  freeMap,
  metadata,
  num,
  obj,
  operator,
  required,
  serviceSpec,
  str,
} from './common';

export const metricSource = () => obj({ metricSource: obj({ metricSourceRef: str().optional(), type: str().optional(), spec: freeMap() }) });

export const sliSpec = () =>
  obj({
    description: description(),
    thresholdMetric: metricSource().optional(),
    ratioMetric: obj({
      counter: bool().optional(),
      good: metricSource().optional(),
      bad: metricSource().optional(),
      total: metricSource().optional(),
      rawType: z.enum(['success', 'failure']).optional(),
      raw: metricSource().optional(),
    }).optional(),
  });

/** `spec` may be absent only as a tolerated deviation (checked by the rules). */
export const inlineIndicator = () => obj({ metadata: metadata(), spec: sliSpec().optional() });

export const objective = () =>
  obj({
    displayName: str().optional(),
    op: operator().optional(),
    value: num().optional(),
    target: num().gte(0).lt(1).optional(),
    targetPercent: num().gte(0).lt(100).optional(),
    timeSliceTarget: num().gt(0).lte(1).optional(),
    timeSliceWindow: durationText().optional(),
    indicator: inlineIndicator().optional(),
    indicatorRef: str().optional(),
    compositeWeight: num().gt(0).optional(),
  });

export const BUDGETING_METHODS = ['Occurrences', 'Timeslices', 'RatioTimeslices'] as const;

export const sloSpec = () =>
  obj({
    description: description(),
    service: str(),
    indicator: inlineIndicator().optional(),
    indicatorRef: str().optional(),
    timeWindow: z.array(obj({ duration: durationText(), isRolling: bool().optional(), calendar: calendar().optional() }), {
      error: (iss) => (iss.input === undefined ? 'is required: give exactly one time window, e.g. [{duration: 28d, isRolling: true}]' : 'must be a list with one time window'),
    }),
    budgetingMethod: z.enum(BUDGETING_METHODS, { error: (iss) => (iss.input === undefined ? 'is required: one of Occurrences, Timeslices, RatioTimeslices' : undefined) }),
    objectives: z.array(objective(), { error: 'must be a list' }).optional(),
    alertPolicies: z.array(z.unknown(), { error: 'must be a list' }).optional(),
  });

export const specs = {
  SLO: sloSpec,
  SLI: sliSpec,
  DataSource: () => obj({ description: description(), type: str().min(1, { error: 'must not be empty' }), connectionDetails: required() }),
  Service: serviceSpec,
  AlertPolicy: alertPolicySpec,
  AlertCondition: alertConditionSpec,
  AlertNotificationTarget: alertNotificationTargetSpec,
} as const;

export const envelope = (spec: z.ZodType) => obj({ apiVersion: z.string(), kind: z.string(), metadata: metadata(), spec });

export { durationText, metadata };
