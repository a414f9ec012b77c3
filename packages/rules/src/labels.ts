import { q } from '@slo-engine/promql';
import type { Slo } from '@slo-engine/openslo';
import { LABEL, RESERVED_LABELS, SCOPE_SLOT, SEVERITY_LABEL } from './names';

const PROM_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The slo_name of one objective: the SLO's name, suffixed by the objective's index when it has several. */
export function objectiveName(slo: Slo, index: number): string {
  return slo.objectives.length > 1 ? `${slo.name}-${index}` : slo.name;
}

/** Labels on every series and alert of an objective: slo_name, slo_service and the SLO's own valid labels. */
export function baseLabels(slo: Slo, index: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...slo.labels, ...(slo.ruleLabels ?? {}) })) if (PROM_LABEL.test(k) && !RESERVED_LABELS.has(k)) out[k] = v;
  out[LABEL.name] = objectiveName(slo, index);
  out[LABEL.service] = slo.service;
  return sortKeys(out);
}

/** The SLO's labels that are not copied onto its series and alerts, each with why. */
export function droppedLabels(slo: Slo): { label: string; why: string }[] {
  return Object.keys({ ...slo.labels, ...(slo.ruleLabels ?? {}) })
    .sort()
    .flatMap((k) =>
      !PROM_LABEL.test(k)
        ? [{ label: k, why: 'is not a valid Prometheus label name (letters, digits and _, not starting with a digit)' }]
        : RESERVED_LABELS.has(k)
          ? [{ label: k, why: `is a name the compiler writes itself (${[...RESERVED_LABELS].sort().join(', ')})` }]
          : [],
    );
}

export function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  // a fresh object even when already sorted: rendered YAML must not see one object twice
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}

/** A PromQL string literal. */
export const quote = q.quote;

/** `slo_name="x",slo_service="y"` and the scope's labels: selects exactly one objective's series. */
export function objectiveMatchers(slo: Slo, index: number, scope: Readonly<Record<string, string>> = {}): q.Matcher[] {
  return [q.eq(LABEL.name, objectiveName(slo, index)), q.eq(LABEL.service, slo.service), ...q.matchers(scope)];
}

/** `{slo_name="x",slo_service="y"}` and the scope's labels, as text. */
export const selector = (slo: Slo, index: number, scope: Readonly<Record<string, string>> = {}): string => q.render(q.sel(undefined, objectiveMatchers(slo, index, scope)));

/**
 * Why a scope label cannot be used (not a label name, or one the compiler writes), or undefined. Checked once
 * per compile, before any SLO.
 */
export function scopeLabelProblem(label: string): string | undefined {
  if (!PROM_LABEL.test(label) || label.startsWith('__')) return `${JSON.stringify(label)} is not a Prometheus label name (letters, digits and _, not starting with a digit or __)`;
  const own = [...RESERVED_LABELS, SEVERITY_LABEL, ...Object.keys(SCOPE_SLOT)];
  if (own.includes(label))
    return `${label} is a label the compiler writes itself (${own
      .filter((l) => !l.startsWith('__'))
      .sort()
      .join(', ')})`;
  return undefined;
}

/** Why this SLO cannot take the scope (a scope label it also has, or is grouped by), or undefined. */
export function scopeClash(slo: Slo, scope: Readonly<Record<string, string>>, groupBy: readonly string[]): string | undefined {
  const own = { ...slo.labels, ...(slo.ruleLabels ?? {}) };
  for (const k of Object.keys(scope).sort()) {
    if (k in own)
      return `the scope label ${k} is also a label of the SLO (${k}: ${own[k]}), so its series would carry two values of it; remove ${k} from the SLO's labels or choose another scope label`;
    if (groupBy.includes(k))
      return `the scope label ${k} is also a label the SLO is grouped by: every group would be confined to ${k}=${quote(scope[k]!)}; remove ${k} from the grouping or from the scope`;
  }
  return undefined;
}
