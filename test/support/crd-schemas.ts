import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';

/**
 * Published CustomResourceDefinition schemas (ACK prometheusservice, grafana-operator) live beside the checkout
 * in ../shared/schemas and are never copied into it. A suite that needs them registers, when they are absent,
 * one skipped test and one line saying so (as the conformance corpus does).
 */
export const SCHEMAS = process.env.SLO_SCHEMAS_DIR ? path.resolve(process.env.SLO_SCHEMAS_DIR) : path.resolve(__dirname, '../../../shared/schemas');

export const SCHEMAS_SKIPPED = 'skipped: ../shared/schemas is absent (the public CRD schemas that sit beside the checkout)';

export function schemasAvailable(): boolean {
  return existsSync(SCHEMAS);
}

/** `describe(name, fn)` when the schemas are there; otherwise one skipped test and one line on standard error. */
export function describeWithSchemas(name: string, fn: () => void): void {
  if (schemasAvailable()) {
    describe(name, fn);
    return;
  }
  it.skip(SCHEMAS_SKIPPED, () => undefined);
  const file = expect.getState().testPath;
  process.stderr.write(`${file ? path.relative(path.resolve(__dirname, '../..'), file) : 'a test file'}: ${SCHEMAS_SKIPPED}\n`);
}

/** The Kubernetes extensions JSON Schema does not know, dropped before compiling. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => !k.startsWith('x-kubernetes-'))
      .map(([k, x]) => [k, plain(x)]),
  );
}

let validators: Map<string, ValidateFunction> | undefined;

/** Every CRD under SCHEMAS, by `<group>/<version>/<kind>`, compiled once. */
function load(): Map<string, ValidateFunction> {
  if (validators) return validators;
  // formats (date-time) are for status fields a chart never renders
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  validators = new Map();
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [path.join(dir, e.name)] : []));
  for (const file of walk(SCHEMAS)) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = doc.toJS() as { kind?: string; spec?: { group: string; names: { kind: string }; versions: { name: string; schema?: { openAPIV3Schema: unknown } }[] } } | null;
      if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
      for (const v of crd.spec.versions) if (v.schema) validators.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, ajv.compile(plain(v.schema.openAPIV3Schema) as object));
    }
  }
  return validators;
}

/** Schema errors of a rendered object against its published CRD (an error when no CRD is known for it). */
export function crdErrors(o: { apiVersion?: string; kind?: string }): string[] {
  const validate = load().get(`${o.apiVersion}/${o.kind}`);
  if (!validate) return [`no CRD schema for ${o.apiVersion} ${o.kind} under ${SCHEMAS}`];
  return validate(o) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}
