import type { z } from 'zod';
import {
  alertPolicies,
  budgetingMethod,
  compositeWeight,
  dataSourceSpec,
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

export const API_VERSION = 'openslo.com/v2alpha';

/** v2alpha puts the data source next to the query: `{dataSourceRef | dataSourceSpec, spec}`. */
export const metricSpec = () => obj({ dataSourceRef: str().optional(), dataSourceSpec: dataSourceSpec().optional(), spec: freeMap().optional() });
export type Metric = z.output<ReturnType<typeof metricSpec>>;

export const sliSpec = () => sliSpecOver(metricSpec);

export const inlineSli = () => obj({ metadata: metadata(), spec: sliSpec() });

export const objective = () => obj({ ...objectiveHead(), sli: inlineSli().optional(), sliRef: str().optional(), compositeWeight: compositeWeight() });

export const sloSpec = () =>
  obj({
    description: description(),
    service: str().optional(),
    serviceRef: str().optional(),
    sli: inlineSli().optional(),
    sliRef: str().optional(),
    budgetingMethod: budgetingMethod(),
    timeWindow: timeWindow('is required: give exactly one time window', 'must be a list'),
    objectives: objectives(objective()),
    alertPolicies: alertPolicies(),
  });

export const documents = documentsOf(API_VERSION, sloSpec, sliSpec);
export type Document = DocumentOf<typeof documents>;
export type SloDocument = z.output<ReturnType<typeof documents.SLO>>;
export type SliSpec = z.output<ReturnType<typeof sliSpec>>;
