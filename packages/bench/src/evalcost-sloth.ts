import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RuleFile, RuleGroup } from '@slo-engine/rules';
import { parse } from 'yaml';
import { slothQuery, type BenchSlo } from './evalcost-slos';

/**
 * The rules Sloth generates, for our SLOs: one of Sloth's own generated files (from the shared
 * conformance corpus) is the template, taken literally — its groups, rules, expressions and labels —
 * and only what belongs to its SLO is replaced: the error and total queries (per window), the
 * sloth_id/service/slo, the objective, the SLO's labels and the alert name.
 */

export const SLOTH_EXAMPLE = 'sloth-examples__getting-started.yml';

/** The corpus sits beside the checkout (`../shared/conformance`, or where SLO_CONFORMANCE_DIR says), as for the Sloth side-by-side tests. */
export const slothCorpus = (root: string): string =>
  path.join(process.env.SLO_CONFORMANCE_DIR ? path.resolve(process.env.SLO_CONFORMANCE_DIR) : path.resolve(root, '..', 'shared', 'conformance'), 'sloth');

interface SlothRule {
  record?: string;
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface SlothTemplate {
  file: string;
  groups: { name: string; rules: SlothRule[] }[];
  id: string;
  service: string;
  slo: string;
  errorQuery: string;
  totalQuery: string;
  objective: number;
  alertName: string;
  /** Labels on every rule that are the SLO's own (spec labels and generator extras), not sloth_*. */
  sloLabels: string[];
  windows: string[];
}

interface SlothSpec {
  service: string;
  slos: { name: string; objective: number; sli: { events: { error_query: string; total_query: string } }; alerting?: { name?: string } }[];
}

/** Reads the template: the example's input (for its queries and objective) and Sloth's output for it. */
export function readSlothTemplate(root: string, example = SLOTH_EXAMPLE): SlothTemplate {
  const dir = slothCorpus(root);
  const input = parse(readFileSync(path.join(dir, 'inputs', example), 'utf8')) as SlothSpec;
  const output = parse(readFileSync(path.join(dir, 'expected', example), 'utf8')) as { groups: { name: string; rules: SlothRule[] }[] };
  if (input.slos.length !== 1) throw new Error(`${example}: the template must define exactly one SLO`);
  const slo = input.slos[0]!;
  const records = output.groups.flatMap((g) => g.rules).filter((r) => r.record);
  const id = records[0]?.labels?.sloth_id;
  if (!id) throw new Error(`${example}: no sloth_id on Sloth's rules`);
  const windows = records.filter((r) => r.record!.startsWith('slo:sli_error:ratio_rate')).map((r) => r.labels!.sloth_window!);
  const common = Object.keys(records[0]!.labels!).filter((k) => !k.startsWith('sloth_') && records.every((r) => r.labels?.[k] === records[0]!.labels![k]));
  return {
    file: example,
    groups: output.groups,
    id,
    service: input.service,
    slo: slo.name,
    errorQuery: slo.sli.events.error_query,
    totalQuery: slo.sli.events.total_query,
    objective: slo.objective,
    alertName: slo.alerting?.name ?? '',
    sloLabels: common,
    windows,
  };
}

const replaceAll = (s: string, pairs: [string, string][]) => pairs.reduce((acc, [from, to]) => acc.split(from).join(to), s);
const withWindow = (q: string, w: string) => q.replace(/\{\{\s*\.window\s*\}\}/g, w);

/** Sloth's float rendering: objective / 100 and (100 - objective) / 100, e.g. 0.9990000000000001 and 0.0009999999999999432. */
const slothRatio = (objective: number) => String(objective / 100);
const slothBudget = (objective: number) => String((100 - objective) / 100);

export const slothId = (s: BenchSlo): string => `${s.service}-${s.name}`;
export const slothAlertName = (s: BenchSlo): string => `${s.job.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}HighErrorRate`;

/** The template's rule groups with only the SLO's parts replaced by `s`'s. Throws when anything of the template's SLO is left. */
export function slothRules(t: SlothTemplate, s: BenchSlo): RuleFile {
  const pairs: [string, string][] = [
    // queries first (they are the longest strings), per window
    ...t.windows.flatMap((w): [string, string][] => [
      [withWindow(t.errorQuery, w), slothQuery(s.errorSelector, w)],
      [withWindow(t.totalQuery, w), slothQuery(s.totalSelector, w)],
    ]),
    [t.id, slothId(s)],
    [`sloth_slo="${t.slo}"`, `sloth_slo="${s.name}"`],
    [`sloth_service="${t.service}"`, `sloth_service="${s.service}"`],
    [slothRatio(t.objective), slothRatio(s.objectivePercent)],
    [slothBudget(t.objective), slothBudget(s.objectivePercent)],
    [`'${t.service}'`, `'${s.service}'`],
  ];
  const labelValue = (k: string, v: string): string => {
    if (k === 'sloth_id') return slothId(s);
    if (k === 'sloth_service') return s.service;
    if (k === 'sloth_slo') return s.name;
    if (k === 'sloth_objective') return String(s.objectivePercent);
    return replaceAll(v, pairs);
  };
  const labels = (l: Record<string, string> | undefined, own: boolean): Record<string, string> | undefined => {
    if (!l) return undefined;
    const kept = Object.entries(l).filter(([k]) => !own || !t.sloLabels.includes(k));
    const out = Object.fromEntries([...(own ? Object.entries(s.labels) : []), ...kept.map(([k, v]): [string, string] => [k, labelValue(k, v)])]);
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
  };
  const groups: RuleGroup[] = t.groups.map((g) => ({
    name: replaceAll(g.name, pairs),
    rules: g.rules.map((r) => {
      const rule: SlothRule = r.alert !== undefined ? { alert: slothAlertName(s), expr: replaceAll(r.expr, pairs) } : { record: r.record!, expr: replaceAll(r.expr, pairs) };
      // recording rules carry the SLO's labels; alerts only their own routing labels
      const l = labels(r.labels, r.record !== undefined);
      if (l) rule.labels = l;
      if (r.annotations) rule.annotations = Object.fromEntries(Object.entries(r.annotations).map(([k, v]) => [k, replaceAll(v, pairs)]));
      return rule as RuleGroup['rules'][number];
    }),
  }));
  const text = JSON.stringify(groups);
  const leftovers = [t.id, `"${t.service}"`, `'${t.service}'`, `="${t.service}"`, withWindow(t.errorQuery, '').replace(/\[\]\)\)$/, ''), slothRatio(t.objective), slothBudget(t.objective)].filter(
    (x) => x !== slothRatio(s.objectivePercent) && x !== slothBudget(s.objectivePercent) && text.includes(x),
  );
  if (leftovers.length) throw new Error(`the Sloth template ${t.file} still has ${leftovers.join(', ')} after substituting ${slothId(s)}`);
  return { groups };
}
