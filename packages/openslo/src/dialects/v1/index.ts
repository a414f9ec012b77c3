import type { Dialect } from '../dialect';
import { openSloDialect } from '../shared/dialect';
import { checkV1Rules, SLO_SPEC_FIELDS } from './checks';
import { API_VERSION, type Document, documents } from './schema';
import { v1SliToModel, v1SloToModel } from './to-model';

export { API_VERSION };

export const v1: Dialect<typeof API_VERSION, Document> = openSloDialect({
  apiVersion: API_VERSION,
  documents,
  sloFields: SLO_SPEC_FIELDS,
  rules: checkV1Rules,
  slo: v1SloToModel,
  sli: v1SliToModel,
});
