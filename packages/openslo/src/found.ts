import { Diagnostic } from './diagnostics';

/** A document of the inputs that is not an SLO spec (a Kubernetes manifest, a Helm template, a values file). */
export interface Skipped {
  file: string;
  line: number;
  reason: string;
}

/** One line for the end of a run, e.g. `skipped 42 documents that are not SLO specs (...)`; undefined when none were. */
export function skippedSummary(skipped: readonly Skipped[]): string | undefined {
  const n = skipped.length;
  if (n === 0) return undefined;
  return `skipped ${n} ${n === 1 ? 'document that is not an SLO spec' : 'documents that are not SLO specs'} (no openslo apiVersion, no Sloth version)`;
}

/** How the inputs are named in messages: as given, standard input as <stdin>. */
export function inputList(inputs: readonly string[]): string {
  return [...new Set(inputs.map((i) => (i === '-' ? '<stdin>' : i)))].join(', ');
}

/** The error for inputs that hold no OpenSLO or Sloth document at all: most likely the wrong path. */
export function nothingFound(inputs: readonly string[], skipped: number): Diagnostic {
  const list = inputList(inputs);
  const first = inputs[0] === undefined || inputs[0] === '-' ? '<stdin>' : inputs[0];
  const hint =
    'an OpenSLO spec has apiVersion: openslo/v1 (or openslo/v1alpha, openslo.com/v2alpha) and a kind such as SLO; a Sloth spec has version: prometheus/v1 or apiVersion: sloth.slok.dev/v1. ' +
    'Directories are read recursively for .yaml, .yml and .json files' +
    (skipped ? `; ${skipped} ${skipped === 1 ? 'document was skipped as not an SLO spec' : 'documents were skipped as not SLO specs'}` : '');
  return new Diagnostic('error', 'no-specs', `no OpenSLO or Sloth documents found in ${list || 'the inputs'}`, { file: first, line: 1, column: 1 }, '', hint);
}
