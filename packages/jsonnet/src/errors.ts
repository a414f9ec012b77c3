/** A problem in a user's jsonnet: where it is (when known), what is wrong and how to fix it. */
export class JsonnetError extends Error {
  override readonly name = 'JsonnetError';
  /** The jsonnet file the problem is in: the overrides file, or a file it imports. */
  readonly file: string;
  /** 1-based line in `file`, when the engine reports one. */
  readonly line?: number;
  /** 1-based column in `file`, counted in characters, when the engine reports one. */
  readonly column?: number;

  constructor(message: string, file: string, line?: number, column?: number) {
    super(message);
    this.file = file;
    if (line !== undefined) this.line = line;
    if (column !== undefined) this.column = column;
  }
}

/** `file:line:column`, `file:line` or `file`, as the rest of slo-engine prints locations. */
export function formatLocation(file: string, line?: number, column?: number): string {
  if (line === undefined) return file;
  return column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
}
