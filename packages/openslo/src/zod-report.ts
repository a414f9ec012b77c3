import type { z } from 'zod';
import type { PathSeg } from './diagnostics';
import { KNOWN_KEYS_MARKER } from './dialects/shared/schema';
import { didYouMean } from './suggest';

/** A schema finding, before it is located in a file. */
export interface Finding {
  path: PathSeg[];
  code: string;
  message: string;
  hint?: string;
  at?: 'key' | 'value';
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return String(v);
}

function fieldName(path: readonly PathSeg[]): string {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return path[i] as string;
  return '';
}

function rangeHint(field: string, input: unknown): string | undefined {
  if (typeof input !== 'number') return undefined;
  if (field === 'target') {
    // 1 is first: it reads as 100%, not as 1% written as a percentage
    if (input === 1) return 'a target of 1 (100%) leaves no error budget: every error burns all of it; use e.g. 0.999';
    if (input > 1 && input < 100) return `target is a fraction: write target: ${+(input / 100).toPrecision(12)} or targetPercent: ${input}`;
    if (input >= 100) return 'target is a fraction below 1, and 100% or more leaves no error budget; use e.g. 0.999';
    if (input < 0) return 'target is the share of good events, a fraction from 0 up to (not including) 1, e.g. 0.999';
  }
  if (field === 'targetPercent') {
    if (input >= 100) return 'a targetPercent of 100 or more leaves no error budget: every error burns all of it; use e.g. 99.9';
    if (input < 0) return 'targetPercent is the percentage of good events, from 0 up to (not including) 100, e.g. 99.9';
  }
  if (field === 'timeSliceTarget' && typeof input === 'number' && input > 1 && input <= 100) return `timeSliceTarget is a fraction: write ${+(input / 100).toPrecision(12)}`;
  return undefined;
}

/** Fields of other SLO formats that land in OpenSLO documents, with the OpenSLO way of writing them. */
const FOREIGN_KEYS: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  prometheus: 'prometheus: {promql: ...} is how Nobl9 writes a metric; OpenSLO writes metricSource: {type: Prometheus, spec: {query: ...}} (under ratioMetric good/bad/total or thresholdMetric)',
  promql: 'did you mean "query"? OpenSLO puts the PromQL in query',
});

/** Turns zod issues into findings with messages that state the rule and, where possible, the fix. */
export function findingsFromZod(issues: readonly z.core.$ZodIssue[], base: readonly PathSeg[] = []): Finding[] {
  const out: Finding[] = [];
  for (const iss of issues) {
    const path = [...base, ...(iss.path as PathSeg[])];
    const input = (iss as { input?: unknown }).input;
    switch (iss.code) {
      case 'unrecognized_keys': {
        const known = iss.message.startsWith(KNOWN_KEYS_MARKER) ? iss.message.slice(KNOWN_KEYS_MARKER.length).split(',').filter(Boolean) : [];
        for (const key of iss.keys) {
          out.push({
            path: [...path, key],
            at: 'key',
            code: 'unknown-field',
            message: `unknown field "${key}"`,
            hint: FOREIGN_KEYS[key] ?? didYouMean(key, known) ?? (known.length ? `known fields here: ${known.join(', ')}` : undefined),
          });
        }
        break;
      }
      case 'invalid_type':
        out.push({
          path,
          code: input === undefined ? 'required' : 'type',
          // zod's own wording ("Invalid input: expected object, received undefined") is for programmers
          message:
            input === undefined
              ? iss.message.startsWith('Invalid input')
                ? `is required (${iss.expected === 'object' ? 'a map' : iss.expected})`
                : iss.message
              : `${iss.message} (got ${show(input)})`,
        });
        break;
      case 'invalid_value': {
        const values = (iss.values as unknown[]).map(String);
        if (input === undefined) {
          out.push({ path, code: 'required', message: `is required: ${values.length === 1 ? values[0] : `one of ${values.join(', ')}`}` });
        } else if (values.length === 1) {
          out.push({ path, code: 'invalid-value', message: `${iss.message.startsWith('must') ? iss.message : `must be ${values[0]}`} (got ${show(input)})` });
        } else {
          out.push({
            path,
            code: 'enum',
            message: `must be one of ${values.join(', ')} (got ${show(input)})`,
            hint: typeof input === 'string' ? didYouMean(input, values) : undefined,
          });
        }
        break;
      }
      case 'too_small':
      case 'too_big': {
        const field = fieldName(path);
        if (iss.origin === 'string' || iss.origin === 'array') {
          out.push({ path, code: iss.origin === 'array' ? 'count' : 'range', message: iss.message });
          break;
        }
        const bound = iss.code === 'too_small' ? (iss.inclusive ? `at least ${iss.minimum}` : `above ${iss.minimum}`) : iss.inclusive ? `at most ${iss.maximum}` : `below ${iss.maximum}`;
        out.push({ path, code: 'range', message: `must be ${bound} (got ${show(input)})`, hint: rangeHint(field, input) });
        break;
      }
      default:
        out.push({ path, code: 'invalid', message: iss.message });
    }
  }
  return out;
}

/** YAML `key:` with no value is null; like the reference decoder, treat it as absent. */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = withoutNulls(x);
    return out;
  }
  return v;
}

export function parseWith(schema: z.ZodType, value: unknown, base: readonly PathSeg[] = []): Finding[] {
  return parseTyped(schema, value, base).findings;
}

/** Like parseWith, and the value as the schema reads it when it has no findings (YAML nulls left out). */
export function parseTyped<S extends z.ZodType>(schema: S, value: unknown, base: readonly PathSeg[] = []): { findings: Finding[]; data?: z.output<S> } {
  const r = schema.safeParse(withoutNulls(value), { reportInput: true });
  return r.success ? { findings: [], data: r.data } : { findings: findingsFromZod(r.error.issues, base) };
}
