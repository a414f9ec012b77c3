import type { Dialect } from '../dialect';
import { checkSlothObject, isSlothDocument, type SlothVersion } from './checks';
import { type Document, K8S_V1, PROMETHEUS_V1, SLOTH_KIND } from './schema';
import { slothToModel } from './to-model';

export const sloth: Dialect<SlothVersion, Document> = {
  versions: [PROMETHEUS_V1, K8S_V1],
  kinds: [SLOTH_KIND],
  openslo: false,
  accepts: isSlothDocument,
  check: (ctx, value, run) => checkSlothObject(ctx, value, run.slothSloIds),
  // a Sloth document refers to nothing outside itself
  toModel(o) {
    const doc = o.doc;
    if (!doc) return [];
    if ('version' in doc) return slothToModel(o.raw, doc);
    return doc.apiVersion === K8S_V1 ? slothToModel(o.raw, doc) : [];
  },
};
