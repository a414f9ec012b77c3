/** Where something is in an input file (1-based line and column). */
export interface SourcePos {
  file: string;
  line: number;
  column: number;
}

export type Severity = 'error' | 'warning';

/** One finding about the input: always located, always says which rule and how to fix it. */
export class Diagnostic {
  constructor(
    readonly severity: Severity,
    /** Stable rule id, e.g. `name-format` or `unknown-field`; tests and `--format json` rely on it. */
    readonly code: string,
    readonly message: string,
    readonly pos: SourcePos,
    /** Field path inside the object, e.g. `spec.objectives[0].target` (empty for the whole file). */
    readonly path: string,
    readonly hint?: string,
    /** Other places involved, e.g. the first definition of a duplicated name. */
    readonly related: SourcePos[] = [],
    /** `kind name` of the object it is about, when known. */
    readonly object?: string,
    /** For a `compat` warning: the id of the tolerated deviation it is about. */
    readonly deviations: string[] = [],
  ) {}

  toJSON(): Record<string, unknown> {
    return {
      severity: this.severity,
      code: this.code,
      file: this.pos.file,
      line: this.pos.line,
      column: this.pos.column,
      path: this.path,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.object ? { object: this.object } : {}),
      ...(this.related.length ? { related: this.related } : {}),
      ...(this.deviations.length ? { deviations: this.deviations } : {}),
    };
  }
}

/** A file that cannot be read at all (missing, too large, not a regular file). */
export class InputError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

export type PathSeg = string | number;

/** `['spec','objectives',0,'target']` → `spec.objectives[0].target`. */
export function formatPath(path: readonly PathSeg[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

export function formatPos(pos: SourcePos): string {
  return `${pos.file}:${pos.line}:${pos.column}`;
}

/** Sort by file, line, column, then severity, so that output is deterministic. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    (a.pos.file < b.pos.file ? -1 : a.pos.file > b.pos.file ? 1 : 0) ||
    a.pos.line - b.pos.line ||
    a.pos.column - b.pos.column ||
    (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) ||
    (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
  );
}
