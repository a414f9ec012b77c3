import type { Dialect } from '../dialect';
import { openSloDialect } from '../shared/dialect';
import { API_VERSION as V1, v1 } from '../v1';
import { checkV1alphaRules, SLO_SPEC_FIELDS } from './checks';
import { API_VERSION, type Document, documents } from './schema';
import { v1alphaSloToModel } from './to-model';

export const v1alpha: Dialect<typeof API_VERSION, Document> = openSloDialect({
  apiVersion: API_VERSION,
  documents,
  sloFields: SLO_SPEC_FIELDS,
  // v1alpha has only SLO and Service: the other kinds are v1's
  elsewhere: (kind) => (v1.kinds.includes(kind) ? `${kind} exists in ${V1}: change apiVersion to ${V1}` : undefined),
  rules: checkV1alphaRules,
  slo: v1alphaSloToModel,
});
