import type { z } from 'zod';
import type { PathSeg } from '../../diagnostics';
import type { CheckedObject } from '../../engine';
import type { Indicator, Slo } from '../../model';
import { parseTyped } from '../../zod-report';
import type { Dialect, ModelContext } from '../dialect';
import { checkDocument, isKindOf, type OpenSloVersion } from './checks';
import type { DocumentOf } from './schema';

type Schemas = Record<string, () => z.ZodType>;
type OfKind<Doc, K extends string> = Extract<Doc, { kind: K }>;
type SpecOf<D> = D extends { spec: infer S } ? S : never;
/** A document of one kind, its spec named so that generic code may read it. */
type WithSpec<D> = D & { spec: SpecOf<D> };

/** What an OpenSLO apiVersion has of its own; the rest of its Dialect is the same for every apiVersion. */
export interface OpenSloParts<V extends string, T extends Schemas> extends Omit<OpenSloVersion<V, DocumentOf<T>>, 'kinds' | 'parse'> {
  /** Its document schemas by kind, in the order messages list the kinds. */
  documents: T;
  /** The model SLO of one of its SLO documents; undefined when it cannot be compiled. */
  slo(o: CheckedObject, model: ModelContext, doc: OfKind<DocumentOf<T>, 'SLO'>): Slo | undefined;
  /** The indicator of an SLI spec, for apiVersions that have SLI documents. */
  sli?(o: CheckedObject, model: ModelContext, spec: SpecOf<OfKind<DocumentOf<T>, 'SLI'>>, path: PathSeg[], name: string | undefined): Indicator | undefined;
}

/** The Dialect of an OpenSLO apiVersion: its documents carry `apiVersion`, and it checks them with checkDocument. */
export function openSloDialect<V extends string, T extends Schemas>(parts: OpenSloParts<V, T>): Dialect<V, DocumentOf<T>> {
  type Doc = DocumentOf<T>;
  const { apiVersion, documents, sli } = parts;
  const kinds: readonly string[] = Object.keys(documents);
  const documentOf = <K extends string>(o: CheckedObject, kind: K): WithSpec<OfKind<Doc, K>> | undefined => {
    const doc = o.doc;
    // an object of this apiVersion was read by one of these schemas, so its document is one of Doc
    return doc && 'apiVersion' in doc && doc.apiVersion === apiVersion && doc.kind === kind ? (doc as unknown as WithSpec<OfKind<Doc, K>>) : undefined;
  };
  return {
    versions: [apiVersion],
    kinds,
    openslo: true,
    accepts: (value) => value.apiVersion === apiVersion,
    check: (ctx, value) =>
      checkDocument<V, Doc>(ctx, value, {
        apiVersion,
        kinds,
        sloFields: parts.sloFields,
        elsewhere: parts.elsewhere,
        rules: parts.rules,
        parse: (kind, v) => {
          const schema = isKindOf(documents, kind) ? documents[kind] : undefined;
          // each schema's output is one member of Doc
          return schema && parseTyped(schema() as z.ZodType<Doc>, v);
        },
      }),
    toModel(o, model) {
      const doc = documentOf(o, 'SLO');
      const slo = doc ? parts.slo(o, model, doc) : undefined;
      return slo ? [slo] : [];
    },
    ...(sli && {
      indicator(o: CheckedObject, model: ModelContext, name: string | undefined) {
        const doc = documentOf(o, 'SLI');
        return doc ? sli(o, model, doc.spec, ['spec'], name) : undefined;
      },
    }),
  };
}
