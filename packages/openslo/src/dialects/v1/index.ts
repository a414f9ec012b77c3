import { parseTyped } from '../../zod-report';
import type { Dialect } from '../dialect';
import { checkDocument, isKindOf } from '../shared/checks';
import { checkV1Rules, SLO_SPEC_FIELDS } from './checks';
import { API_VERSION, type Document, documents } from './schema';
import { v1Document, v1SliToModel, v1SloToModel } from './to-model';

export { API_VERSION };
export const KINDS: readonly string[] = Object.keys(documents);

export const v1: Dialect<typeof API_VERSION, Document> = {
  versions: [API_VERSION],
  kinds: KINDS,
  openslo: true,
  accepts: (value) => value.apiVersion === API_VERSION,
  check: (ctx, value) =>
    checkDocument(ctx, value, {
      apiVersion: API_VERSION,
      kinds: KINDS,
      sloFields: SLO_SPEC_FIELDS,
      parse: (kind, v) => (isKindOf(documents, kind) ? parseTyped(documents[kind](), v) : undefined),
      rules: checkV1Rules,
    }),
  toModel(o, model) {
    const doc = v1Document(o);
    const slo = doc?.kind === 'SLO' ? v1SloToModel(o, model, doc) : undefined;
    return slo ? [slo] : [];
  },
  indicator(o, model, name) {
    const doc = v1Document(o);
    return doc?.kind === 'SLI' ? v1SliToModel(o, model, doc.spec, ['spec'], name) : undefined;
  },
};
