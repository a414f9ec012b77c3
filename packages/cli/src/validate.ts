import { readAndCheck, type InputFilter } from '@slo-engine/pipeline';
import { formatDiagnostic, plural, useColour } from './output';

export interface ValidateOptions extends InputFilter {
  strict?: boolean;
  format: 'text' | 'json';
}

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadableStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** `slo validate`: returns the exit code (0 valid, 1 invalid input). */
export async function runValidate(paths: string[], opts: ValidateOptions, io: Io): Promise<number> {
  const { read, result, diagnostics, skipped, summary: skippedLine } = await readAndCheck(paths, opts, { strict: opts.strict, missingReferences: 'warning' }, io);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  if (opts.format === 'json') {
    const body = {
      valid: errors === 0,
      files: read.sources.length,
      objects: result.objects.map((o) => ({ kind: o.kind, name: o.name, apiVersion: o.version, file: o.raw.file, valid: o.valid })),
      errors,
      warnings,
      diagnostics: diagnostics.map((d) => d.toJSON()),
      skipped,
    };
    io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return errors ? 1 : 0;
  }
  const colour = useColour(io.stderr, io.env);
  for (const d of diagnostics) io.stderr.write(`${formatDiagnostic(d, colour)}\n`);
  if (skippedLine) io.stderr.write(`${skippedLine}\n`);
  const summary = `${plural(read.sources.length, 'file')}, ${plural(result.objects.length, 'object')}: ${errors ? `${plural(errors, 'error')}` : 'valid'}${warnings ? `, ${plural(warnings, 'warning')}` : ''}`;
  (errors ? io.stderr : io.stdout).write(`${summary}\n`);
  return errors ? 1 : 0;
}
