import type { CompatId } from './compat';
import type { PathSeg } from './diagnostics';
import type { RawObject } from './source';

/** A reference from one object to another by name, checked once every input is known. */
export interface RefUse {
  kind: RefKind;
  name: string;
  path: PathSeg[];
  field: string;
}
export type RefKind = 'SLI' | 'AlertPolicy' | 'AlertCondition' | 'AlertNotificationTarget' | 'DataSource';

/** A PromQL query found in an SLI, with what is known about its data source. */
export interface QueryUse {
  path: PathSeg[];
  query: string;
  /** Explicit type (`Prometheus`), or undefined if it comes from a referenced DataSource. */
  type?: string;
  dataSourceRef?: string;
  /** Which part of a ratio it is, for shape checks. */
  role: 'good' | 'bad' | 'total' | 'raw' | 'threshold';
  /** Groups the parts of one ratioMetric. */
  group: string;
  counter?: boolean;
}

export interface Report {
  path: PathSeg[];
  code: string;
  message: string;
  hint?: string;
  at?: 'key' | 'value';
  severity?: 'error' | 'warning';
  compat?: CompatId;
  /** For a deviation: what compatibility mode says instead of `message`, when it does more than accept it (fills in a default). */
  tolerated?: { message: string; hint?: string };
  /** For PromQL problems: the offset inside the query string, mapped to the file when located. */
  queryOffset?: number;
  query?: string;
}

/** What the rules of one object collect; located and filtered by the engine. */
export class ObjectContext {
  readonly reports: Report[] = [];
  readonly refs: RefUse[] = [];
  readonly queries: QueryUse[] = [];
  constructor(readonly raw: RawObject) {}

  error(path: PathSeg[], code: string, message: string, hint?: string, at?: 'key' | 'value'): void {
    this.reports.push({ path, code, message, hint, at });
  }
  warn(path: PathSeg[], code: string, message: string, hint?: string): void {
    this.reports.push({ path, code, message, hint, severity: 'warning' });
  }
  /** A deviation the reference validator rejects but other tools accept. */
  compat(path: PathSeg[], id: CompatId, message: string, at?: 'key' | 'value', tolerated?: { message: string; hint?: string }): void {
    this.reports.push({ path, code: id, message, compat: id, at, tolerated });
  }
  ref(kind: RefKind, name: unknown, path: PathSeg[], field: string): void {
    if (typeof name === 'string' && name !== '') this.refs.push({ kind, name, path, field });
  }
}
