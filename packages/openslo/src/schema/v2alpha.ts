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

const dataSourceSpec = () => obj({ description: description(), type: str().min(1, { error: 'must not be empty' }), connectionDetails: required() });

/** v2alpha puts the data source next to the query: `{dataSourceRef | dataSourceSpec, spec}`. */
export const metricSpec = () => obj({ dataSourceRef: str().optional(), dataSourceSpec: dataSourceSpec().optional(), spec: freeMap().optional() });

export const sliSpec = () =>
  obj({
    description: description(),
    thresholdMetric: metricSpec().optional(),
    ratioMetric: obj({
      counter: bool().optional(),
      good: metricSpec().optional(),
      bad: metricSpec().optional(),
      total: metricSpec().optional(),
      rawType: z.enum(['success', 'failure']).optional(),
      raw: metricSpec().optional(),
    }).optional(),
  });

export const inlineSli = () => obj({ metadata: metadata(), spec: sliSpec() });

export const sloSpec = () =>
  obj({
    description: description(),
    service: str().optional(),
    serviceRef: str().optional(),
    sli: inlineSli().optional(),
    sliRef: str().optional(),
    budgetingMethod: z.enum(['Occurrences', 'Timeslices', 'RatioTimeslices'], {
      error: (iss) => (iss.input === undefined ? 'is required: one of Occurrences, Timeslices, RatioTimeslices' : undefined),
    }),
    timeWindow: z.array(obj({ duration: durationText(), isRolling: bool().optional(), calendar: calendar().optional() }), {
      error: (iss) => (iss.input === undefined ? 'is required: give exactly one time window' : 'must be a list'),
    }),
    objectives: z
      .array(
        obj({
          displayName: str().optional(),
          op: operator().optional(),
          value: num().optional(),
          target: num().gte(0).lt(1).optional(),
          targetPercent: num().gte(0).lt(100).optional(),
          timeSliceTarget: num().gt(0).lte(1).optional(),
          timeSliceWindow: durationText().optional(),
          sli: inlineSli().optional(),
          sliRef: str().optional(),
          compositeWeight: num().gt(0).optional(),
        }),
        { error: 'must be a list' },
      )
      .optional(),
    alertPolicies: z.array(z.unknown(), { error: 'must be a list' }).optional(),
  });

export const specs = {
  SLO: sloSpec,
  SLI: sliSpec,
  DataSource: dataSourceSpec,
  Service: serviceSpec,
  AlertPolicy: alertPolicySpec,
  AlertCondition: alertConditionSpec,
  AlertNotificationTarget: alertNotificationTargetSpec,
} as const;
