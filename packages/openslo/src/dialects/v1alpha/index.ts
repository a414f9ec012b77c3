import { parseTyped } from '../../zod-report';
import type { Dialect } from '../dialect';
import { checkDocument, isKindOf } from '../shared/checks';
import { API_VERSION as V1, KINDS as V1_KINDS } from '../v1';
import { checkV1alphaRules, SLO_SPEC_FIELDS } from './checks';
import { API_VERSION, type Document, documents } from './schema';
import { v1alphaDocument, v1alphaSloToModel } from './to-model';

const KINDS: readonly string[] = Object.keys(documents);

export const v1alpha: Dialect<typeof API_VERSION, Document> = {
  versions: [API_VERSION],
  kinds: KINDS,
  openslo: true,
  accepts: (value) => value.apiVersion === API_VERSION,
  check: (ctx, value) =>
    checkDocument(ctx, value, {
      apiVersion: API_VERSION,
      kinds: KINDS,
      sloFields: SLO_SPEC_FIELDS,
      // v1alpha has only SLO and Service: the other kinds are v1's
      elsewhere: (kind) => (V1_KINDS.includes(kind) ? `${kind} exists in ${V1}: change apiVersion to ${V1}` : undefined),
      parse: (kind, v) => (isKindOf(documents, kind) ? parseTyped(documents[kind](), v) : undefined),
      rules: checkV1alphaRules,
    }),
  toModel(o, model) {
    const doc = v1alphaDocument(o);
    const slo = doc?.kind === 'SLO' ? v1alphaSloToModel(o, model, doc) : undefined;
    return slo ? [slo] : [];
  },
};
