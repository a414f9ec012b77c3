/** Small OpenSLO documents for tests, and compiling them, so that tests read as the SLI shape they are about. */
import { buildModel, checkSources } from '@slo-engine/openslo';
import { compileSlo, type CompiledSlo, type CompileOptions } from '@slo-engine/rules';

/** A Prometheus metric source for one query, at the left margin. */
export const promSource = (query: string) => `metricSource:\n  type: Prometheus\n  spec:\n    query: '${query}'`;
export const indent = (s: string, n: number) =>
  s
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');
/** A ratioMetric indicator spec (`good`/`bad`/`total` → query), indented for `sloDoc`. */
export const ratioSli = (parts: Record<string, string>, counter = true) =>
  `      ratioMetric:\n        counter: ${counter}\n${Object.entries(parts)
    .map(([k, v]) => `        ${k}:\n${indent(promSource(v), 10)}`)
    .join('\n')}`;
export const rolling = (period: string) => `    - duration: ${period}\n      isRolling: true`;

export interface SloDoc {
  /** The indicator's spec, indented by six spaces. */
  sli: string;
  /** The objectives list, indented by four spaces. */
  objectives: string;
  /** The timeWindow list (default a rolling 30d). */
  window?: string;
  method?: string;
  name?: string;
  service?: string;
}

/** An `openslo/v1` SLO with an inline indicator named `sli`. */
export const sloDoc = (d: SloDoc) => `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${d.name ?? 'api'}
spec:
  service: ${d.service ?? 'shop'}
  indicator:
    metadata:
      name: sli
    spec:
${d.sli}
  timeWindow:
${d.window ?? rolling('30d')}
  budgetingMethod: ${d.method ?? 'Occurrences'}
  objectives:
${d.objectives}`;

/** Checks and compiles the documents; throws with every error message when they are invalid. */
export function compileText(text: string, opts: Partial<CompileOptions> = {}): CompiledSlo[] {
  const result = checkSources([{ file: 'in.yaml', text }], { missingReferences: 'error' });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map((d) => d.message).join('\n'));
  return buildModel(result).slos.map((s) => compileSlo(s, { engineVersion: 'test', ...opts }));
}
