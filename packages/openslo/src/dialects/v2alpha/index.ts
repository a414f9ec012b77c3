import type { Dialect } from '../dialect';
import { openSloDialect } from '../shared/dialect';
import { checkV2alphaRules, SLO_SPEC_FIELDS } from './checks';
import { API_VERSION, type Document, documents } from './schema';
import { v2alphaSliToModel, v2alphaSloToModel } from './to-model';

export const v2alpha: Dialect<typeof API_VERSION, Document> = openSloDialect({
  apiVersion: API_VERSION,
  documents,
  sloFields: SLO_SPEC_FIELDS,
  rules: checkV2alphaRules,
  slo: v2alphaSloToModel,
  sli: v2alphaSliToModel,
});
