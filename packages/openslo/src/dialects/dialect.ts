import type { ObjectContext } from '../context';
import type { PathSeg, SourcePos } from '../diagnostics';
import type { CheckedObject } from '../engine';
import type { Indicator, Slo } from '../model';
import type { Obj } from '../values';

/** What the checks of one document found it to be. */
export interface Checked<V extends string, Doc> {
  version: V;
  kind: string;
  /** The name duplicates are found by ('' when it has none). */
  name: string;
  /** The document as its schema reads it; absent when the schema reported errors. */
  doc?: Doc;
}

/** State of one checkSources run that the checks of several documents share. */
export interface CheckRun {
  /** Sloth SLO IDs (`<service>-<slo name>`) already defined, with where; duplicates are found between files. */
  slothSloIds: Map<string, SourcePos>;
}

/** What toModel needs of the model builder: the other inputs, and a way to say what cannot be compiled. */
export interface ModelContext {
  find(kind: string, name: string | undefined): CheckedObject | undefined;
  fail(o: CheckedObject, path: PathSeg[], message: string, hint?: string): undefined;
  /** The indicator an SLI document defines, read by the dialect it is written in (an SLO may refer to an SLI of another). */
  indicator(sli: CheckedObject, name: string | undefined): Indicator | undefined;
}

/**
 * One input dialect: how its documents are recognised, checked and turned into the model.
 * `V` is the version (apiVersion or Sloth's version marker) it reads, `Doc` its documents as the schema reads them.
 */
export interface Dialect<V extends string, Doc> {
  /** The versions it reads, as documents write them. */
  versions: readonly V[];
  /** The kinds of its documents, in the order messages list them. */
  kinds: readonly string[];
  /** Whether it is an OpenSLO apiVersion: those share the envelope (apiVersion, kind, metadata, spec) and are listed as the supported ones. */
  openslo: boolean;
  /** Whether this dialect checks the document (then errors about its version or kind are its own). */
  accepts(value: Obj): boolean;
  /** Validates one document: its shape (zod), then its own rules. Undefined when its version or kind is not one it reads. */
  check(ctx: ObjectContext, value: Obj, run: CheckRun): Checked<V, Doc> | undefined;
  /** The model SLOs a document without errors defines (none for kinds that are not SLOs). */
  toModel(o: CheckedObject, model: ModelContext): Slo[];
  /** The indicator an SLI document defines, for dialects that have SLI documents. */
  indicator?(o: CheckedObject, model: ModelContext, name: string | undefined): Indicator | undefined;
}
