import { parseTyped } from '../../zod-report';
import type { Dialect } from '../dialect';
import { checkDocument, isKindOf } from '../shared/checks';
import { checkV2alphaRules, SLO_SPEC_FIELDS } from './checks';
import { API_VERSION, type Document, documents } from './schema';
import { v2alphaDocument, v2alphaSliToModel, v2alphaSloToModel } from './to-model';

const KINDS: readonly string[] = Object.keys(documents);

export const v2alpha: Dialect<typeof API_VERSION, Document> = {
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
      rules: checkV2alphaRules,
    }),
  toModel(o, model) {
    const doc = v2alphaDocument(o);
    const slo = doc?.kind === 'SLO' ? v2alphaSloToModel(o, model, doc) : undefined;
    return slo ? [slo] : [];
  },
  indicator(o, model, name) {
    const doc = v2alphaDocument(o);
    return doc?.kind === 'SLI' ? v2alphaSliToModel(o, model, doc.spec, ['spec'], name) : undefined;
  },
};
