import { buildBundle, type Bundle } from './bundle';
import { EngineCrash, type EngineResult, evaluate } from './engine';
import { JsonnetError, formatLocation } from './errors';
import { readTrace, renderFrames, type TraceReport } from './trace';

export type Outcome = { ok: true; value: unknown } | { ok: false; report: TraceReport };

/** Runs a bundle with extra ext vars; a jsonnet error is returned as a report, an engine crash thrown as JsonnetError. */
export function runBundle(bundle: Bundle, extVars: ReadonlyMap<string, string>, entryFile: string): Outcome {
  const vars = new Map([...bundle.extVars, ...extVars]);
  let result: EngineResult;
  try {
    result = evaluate(bundle.code, vars);
  } catch (e) {
    if (!(e instanceof EngineCrash)) throw e;
    throw new JsonnetError(
      `${entryFile}: the jsonnet engine crashed: ${e.message}\n` +
        '    hint: this is a failure of the in-process engine (e.g. arakoo.* functions with bad arguments, or recursion too deep for it); simplify the expression involved',
      entryFile,
    );
  }
  return result.ok ? result : { ok: false, report: readTrace(result.trace, bundle) };
}

/**
 * The JsonnetError for a failed evaluation: located at the innermost position in a user's file, with the
 * engine's message, the mapped trace and a hint.
 */
export function errorFromReport(report: TraceReport, entryFile: string, context: string, hint: string): JsonnetError {
  const where = report.primary;
  const [head = '', ...more] = report.message.split('\n');
  // a syntax error's only frame is its position, already at the start of the message
  const frames = report.frames.filter((f) => f.desc !== '' || f.where !== where);
  const lines = [`${where ? formatLocation(where.file, where.line, where.column) : entryFile}: ${context}${head}`, ...more, ...renderFrames(frames), `    hint: ${hint}`];
  return new JsonnetError(lines.join('\n'), where?.file ?? entryFile, where?.line, where?.column);
}

export function isSyntaxError(report: TraceReport): boolean {
  return report.message.startsWith('syntax error');
}

/**
 * Evaluates a jsonnet file to its JSON value with the in-process engine, imports resolved relative to
 * the file. The text is passed in; imported files are read from disk.
 */
export function evaluateJsonnet(source: { file: string; text: string }): unknown {
  const bundle = buildBundle(source, (_prefix, entryName) => [entryName]);
  const outcome = runBundle(bundle, new Map(), source.file);
  if (outcome.ok) return outcome.value;
  const hint = isSyntaxError(outcome.report) ? 'fix the jsonnet syntax at that position' : 'fix the expression at that position';
  throw errorFromReport(outcome.report, source.file, '', hint);
}
