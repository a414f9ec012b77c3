import { buildBundle } from './bundle';
import { JsonnetError } from './errors';
import { errorFromReport, isSyntaxError, runBundle } from './evaluate';
import type { TraceReport } from './trace';

/** What the overrides function gets as `slo`. */
export interface OverrideContext {
  /** The SLO's name; null for the overview dashboard. */
  name: string | null;
  /** The SLO's service; null for the overview dashboard. */
  service: string | null;
  /** The dashboard's uid. */
  uid: string;
  /** The output path of the dashboard, e.g. `day/day-api-availability.json` or `overview.json`. */
  file: string;
}

const CONTRACT = 'must evaluate to function(dashboard, slo) returning the dashboard object';
const NOT_FUNCTION = 'slo-engine:not-a-function:';
const NOT_OBJECT = 'slo-engine:not-an-object:';

/**
 * The end of the program: check the file's value, call it like `jsonnet --tla-code dashboard=...
 * --tla-code slo=...` would (by parameter name), check what it returns. The markers in the errors are
 * recognised below.
 */
function callOverrides(prefix: string, entryName: string): string[] {
  const [d, s, r] = [`${prefix}d`, `${prefix}s`, `${prefix}r`];
  return [
    `local ${d} = std.parseJson(std.extVar('${d}')), ${s} = std.parseJson(std.extVar('${s}'));`,
    `if std.type(${entryName}) != 'function' then error '${NOT_FUNCTION}' + std.type(${entryName})`,
    `else local ${r} = ${entryName}(dashboard=${d}, slo=${s});`,
    `if std.type(${r}) != 'object' then error '${NOT_OBJECT}' + std.type(${r})`,
    `else ${r}`,
  ];
}

function article(type: string): string {
  return type === 'null' ? 'null' : /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function overridesError(report: TraceReport, file: string, context: OverrideContext): JsonnetError {
  const markerType = (marker: string): string | undefined => {
    const at = report.message.indexOf(marker);
    return at === -1 ? undefined : report.message.slice(at + marker.length).split('\n')[0];
  };
  if (report.failedInGeneratedCode) {
    const valueType = markerType(NOT_FUNCTION);
    if (valueType !== undefined) {
      const hint = valueType === 'object' ? 'wrap the object in a function: function(dashboard, slo) dashboard + { ... }' : 'make the file a function: function(dashboard, slo) dashboard + { ... }';
      return new JsonnetError(`${file}: dashboard overrides ${CONTRACT}, but the file evaluates to ${article(valueType)}\n    hint: ${hint}`, file);
    }
    const returned = markerType(NOT_OBJECT);
    if (returned !== undefined) {
      return new JsonnetError(
        `${file}: dashboard overrides ${CONTRACT}, but for ${context.file} the function returned ${article(returned)}\n` +
          '    hint: return the dashboard object, e.g. dashboard + { ... }, and dashboard itself where nothing changes',
        file,
      );
    }
    if (/^(parameter |too many args|function argument)/.test(report.message)) {
      return new JsonnetError(
        `${file}: dashboard overrides ${CONTRACT}: ${report.message.split('\n')[0]}\n` +
          '    hint: the arguments are passed by name, as jsonnet --tla-code passes them: name the parameters exactly dashboard and slo',
        file,
      );
    }
  }
  if (isSyntaxError(report)) return errorFromReport(report, file, '', 'fix the jsonnet syntax at that position');
  return errorFromReport(
    report,
    file,
    `dashboard overrides failed for ${context.file}: `,
    'fix the overrides at that position; the function runs once per dashboard, with slo.name null for the overview',
  );
}

/**
 * Key order as in `original` where the same object is there, new keys after them in jsonnet's (sorted)
 * order: jsonnet sorts every object, and without this an override touching one field would reorder the
 * whole dashboard file.
 */
function orderLike(value: unknown, original: unknown): unknown {
  if (Array.isArray(value)) return value.map((v, i) => orderLike(v, Array.isArray(original) ? original[i] : undefined));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const orig = original !== null && typeof original === 'object' && !Array.isArray(original) ? (original as Record<string, unknown>) : {};
  const keys = [...Object.keys(orig).filter((k) => Object.hasOwn(obj, k)), ...Object.keys(obj).filter((k) => !Object.hasOwn(orig, k))];
  // fromEntries, not assignment: a "__proto__" key stays a plain key
  return Object.fromEntries(keys.map((k) => [k, orderLike(obj[k], orig[k])]));
}

/**
 * Applies the user's dashboard overrides to one generated dashboard, evaluating the jsonnet in-process
 * with @arakoodev/jsonnet, and returns the dashboard to write.
 *
 * The overrides file evaluates to `function(dashboard, slo) ...`: `dashboard` is the generated Grafana
 * dashboard as JSON, `slo` is the {@link OverrideContext} ({ name, service, uid, file }, name and service
 * null for the overview), and the function returns the dashboard object to write. Both are passed by
 * parameter name as data (JSON), like `jsonnet --tla-code`, so the same file can be tried with the jsonnet
 * CLI. The file may `import`/`importstr`/`importbin` files relative to its own directory (a relative
 * `overrides.file` is taken from the process's working directory); they are read on every call.
 *
 * Output is deterministic; object keys keep the generated dashboard's order, new keys follow sorted.
 * Every problem with the user's jsonnet is thrown as a {@link JsonnetError} naming the file and, where the
 * engine reports one, the line and column.
 */
export function applyOverrides(overrides: { file: string; text: string }, dashboard: unknown, context: OverrideContext): unknown {
  const bundle = buildBundle(overrides, callOverrides);
  const data = new Map([
    [`${bundle.prefix}d`, JSON.stringify(dashboard) ?? 'null'],
    [`${bundle.prefix}s`, JSON.stringify(context)],
  ]);
  const outcome = runBundle(bundle, data, overrides.file);
  if (!outcome.ok) throw overridesError(outcome.report, overrides.file, context);
  return orderLike(outcome.value, dashboard);
}
