import type { z } from 'zod';
import {
  alertPolicies,
  budgetingMethod,
  compositeWeight,
  description,
  type DocumentOf,
  documentsOf,
  freeMap,
  metadata,
  obj,
  objectiveHead,
  objectives,
  sliSpec as sliSpecOver,
  str,
  timeWindow,
} from '../shared/schema';

export const API_VERSION = 'openslo/v1';

/** v1 metrics name their data source inside `metricSource`. */
export const metricSource = () => obj({ metricSource: obj({ metricSourceRef: str().optional(), type: str().optional(), spec: freeMap() }) });
export type Metric = z.output<ReturnType<typeof metricSource>>;

export const sliSpec = () => sliSpecOver(metricSource);

/** `spec` may be absent only as a tolerated deviation (checked by the rules). */
export const inlineIndicator = () => obj({ metadata: metadata(), spec: sliSpec().optional() });

export const objective = () => obj({ ...objectiveHead(), indicator: inlineIndicator().optional(), indicatorRef: str().optional(), compositeWeight: compositeWeight() });

export const sloSpec = () =>
  obj({
    description: description(),
    service: str(),
    indicator: inlineIndicator().optional(),
    indicatorRef: str().optional(),
    timeWindow: timeWindow('is required: give exactly one time window, e.g. [{duration: 28d, isRolling: true}]', 'must be a list with one time window'),
    budgetingMethod: budgetingMethod(),
    objectives: objectives(objective()),
    alertPolicies: alertPolicies(),
  });

export const documents = documentsOf(API_VERSION, sloSpec, sliSpec);
export type Document = DocumentOf<typeof documents>;
export type SloDocument = z.output<ReturnType<typeof documents.SLO>>;
export type SliSpec = z.output<ReturnType<typeof sliSpec>>;
