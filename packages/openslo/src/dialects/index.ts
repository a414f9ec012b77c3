import type { Obj } from '../values';
import type { Dialect } from './dialect';
import { sloth } from './sloth';
import { v1 } from './v1';
import { v1alpha } from './v1alpha';
import { v2alpha } from './v2alpha';

/**
 * The input dialects, one folder each: how a document is recognised, its schema, its rules and its toModel.
 * A document is checked by the first dialect that accepts it (Sloth's markers win over an apiVersion);
 * the OpenSLO ones are listed as supported in this order.
 */
export const DIALECTS = [sloth, v1, v1alpha, v2alpha] as const;

type AnyDialect = (typeof DIALECTS)[number];
/** The versions the dialects read (apiVersions, and Sloth's version markers). */
export type DialectVersion = AnyDialect extends infer D ? (D extends Dialect<infer V, unknown> ? V : never) : never;
/** A document as the schema of its dialect reads it: a union that narrows by apiVersion (or version) and kind. */
export type Document = AnyDialect extends infer D ? (D extends Dialect<string, infer Doc> ? Doc : never) : never;

/** The OpenSLO apiVersions, in the order messages list them. */
export const OPENSLO_VERSIONS: readonly string[] = DIALECTS.flatMap((d): readonly string[] => (d.openslo ? d.versions : []));

/** The dialect that checks a document, if any reads it. */
export function dialectFor(value: Obj): AnyDialect | undefined {
  return DIALECTS.find((d) => d.accepts(value));
}

/** The dialect of a version it reads. */
export function dialectOf(version: string): AnyDialect | undefined {
  return DIALECTS.find((d) => d.versions.some((v) => v === version));
}

export type { CheckRun, Checked, Dialect, ModelContext } from './dialect';
