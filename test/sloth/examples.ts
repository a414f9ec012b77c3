import { createRequire } from 'node:module';
import * as path from 'node:path';
import { buildModel, checkSources, type Diagnostic, type Slo } from '@slo-engine/openslo';
import { compileSlo, isAlert, promDuration, type CompiledObjective, type CompiledSlo, type RuleFile, type RuleGroup } from '@slo-engine/rules';
import { corpusText } from '../corpus';
import { clientTraffic, plannedTraffic, type Traffic } from './traffic';

/** `yaml` is a dependency of the rules package, not of the workspace root. */
const YAML = createRequire(path.resolve(__dirname, '../../packages/rules/package.json'))('yaml') as {
  parseAllDocuments(text: string): { toJS(): unknown; errors: unknown[] }[];
};

export const INPUTS = 'sloth/inputs';
export const EXPECTED = 'sloth/expected';

export type Category = 'core' | 'k8s' | 'openslo' | 'plugin';

/** Every pair of INDEX.md section 7.1, with its category there. */
export const EXAMPLES: { file: string; category: Category }[] = [
  { file: 'sloth-examples__getting-started.yml', category: 'core' },
  { file: 'sloth-examples__home-wifi.yml', category: 'core' },
  { file: 'sloth-examples__kubernetes-apiserver.yml', category: 'core' },
  { file: 'sloth-examples__multifile.yml', category: 'core' },
  { file: 'sloth-examples__no-alerts.yml', category: 'core' },
  { file: 'sloth-examples__raw-home-wifi.yml', category: 'core' },
  { file: 'sloth-examples__openslo-getting-started.yml', category: 'openslo' },
  { file: 'sloth-examples__openslo-kubernetes-apiserver.yml', category: 'openslo' },
  { file: 'sloth-examples__k8s-getting-started.yml', category: 'k8s' },
  { file: 'sloth-examples__k8s-home-wifi.yml', category: 'k8s' },
  { file: 'sloth-examples__k8s-multifile.yml', category: 'k8s' },
  { file: 'sloth-examples__contrib-denominator-corrected.yaml', category: 'plugin' },
  { file: 'sloth-examples__contrib-slo-plugins.yml', category: 'plugin' },
  { file: 'sloth-examples__slo-plugin-getting-started.yml', category: 'plugin' },
  { file: 'sloth-examples__slo-plugin-k8s-getting-started.yml', category: 'plugin' },
];

/**
 * SLIs that planSeries cannot synthesise (it returns undefined for them), by `<service>/<slo name>`, and why.
 * Every other SLO must be covered by planSeries.
 */
export const CUSTOM_TRAFFIC: Record<string, () => Traffic> = {
  // sum_over_time((count(x < 0.75))[w:]): the events are clients counted per minute, not counter increments
  'home-wifi/good-wifi-client-satisfaction': () => clientTraffic(),
  'home-wifi/risk-wifi-client-satisfaction': () => clientTraffic(),
};

export type Severity = 'page' | 'ticket';
export const SEVERITIES: Severity[] = ['page', 'ticket'];

export interface WindowPair {
  factor: number;
  long: string;
  short: string;
}

/** One SLO as Sloth generated it, read back from its rule file. */
export interface SlothSlo {
  id: string;
  service: string;
  slo: string;
  /** Windows with a `slo:sli_error:ratio_rate<w>` record. */
  windows: string[];
  alerts: Partial<Record<Severity, { name: string; tiers: WindowPair[]; labels: Record<string, string> }>>;
}

/** One of our objectives, side by side with the Sloth SLO it corresponds to. */
export interface Pair {
  example: string;
  category: Category;
  slo: Slo;
  compiled: CompiledSlo;
  objective: CompiledObjective;
  sloth: SlothSlo;
  traffic: Traffic;
  /** Our alert names by severity (one name per severity), from the compiled rules. */
  ourAlerts: Partial<Record<Severity, string>>;
  /** Only this SLO's rule groups: Sloth's (its sloth_id) and ours (the compiled SLO). */
  slothRules: RuleFile;
  ourRules: RuleFile;
  /** Labels of our alert rules by severity (those all tiers of the severity share). */
  ourAlertLabels: Partial<Record<Severity, Record<string, string>>>;
}

export interface LoadedExample {
  file: string;
  category: Category;
  diagnostics: Diagnostic[];
  ours: RuleFile;
  sloth: RuleFile;
  pairs: Pair[];
}

export function minutesOf(d: string): number {
  const m = /^(\d+)([mhd])$/.exec(d);
  if (!m) throw new Error(`unexpected duration ${d}`);
  return Number(m[1]) * { m: 1, h: 60, d: 1440 }[m[2] as 'm' | 'h' | 'd'];
}

// ------------------------------------------------------------------ Sloth's side

interface PromRule {
  record?: string;
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
}

/** Sloth's output: a rule file, or PrometheusRule manifests (k8s) whose spec.groups are the rule groups; several YAML documents each. */
export function slothRuleFile(text: string): RuleFile {
  const groups: RuleGroup[] = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`expected file does not parse: ${String(doc.errors[0])}`);
    const js = doc.toJS() as { kind?: string; groups?: RuleGroup[]; spec?: { groups?: RuleGroup[] } } | null;
    if (!js) continue;
    const g = js.kind === 'PrometheusRule' ? js.spec?.groups : js.groups;
    if (!g) throw new Error('a document of the expected file has no rule groups');
    groups.push(...g);
  }
  return { groups };
}

const TIER_SIDE = /slo:sli_error:ratio_rate(\w+)\{[^}]*\} > \(([0-9.]+) \*/g;

/** Sloth's multiwindow alert: `(short > f*budget and long > f*budget) or (...)`, a pair of windows per tier. */
function slothTiers(expr: string): WindowPair[] {
  const sides = [...expr.matchAll(TIER_SIDE)].map((m) => ({ window: m[1]!, factor: Number(m[2]) }));
  const tiers: WindowPair[] = [];
  for (let i = 0; i + 1 < sides.length; i += 2) {
    const [a, b] = [sides[i]!, sides[i + 1]!];
    if (a.factor !== b.factor) throw new Error(`unexpected Sloth alert: windows ${a.window} and ${b.window} with different factors`);
    const [short, long] = minutesOf(a.window) < minutesOf(b.window) ? [a.window, b.window] : [b.window, a.window];
    tiers.push({ factor: a.factor, long, short });
  }
  return tiers;
}

/** Sloth's groups for one SLO: those whose every rule is labelled with, or selects, its sloth_id. */
export function slothGroupsOf(file: RuleFile, id: string): RuleFile {
  const mine = (r: PromRule) => r.labels?.sloth_id === id || (r.alert !== undefined && r.expr.includes(`sloth_id="${id}"`));
  return { groups: file.groups.filter((g) => (g.rules as PromRule[]).every(mine)) };
}

export function slothSlos(file: RuleFile): SlothSlo[] {
  const byId = new Map<string, SlothSlo>();
  const rules = file.groups.flatMap((g) => g.rules as PromRule[]);
  for (const r of rules) {
    const l = r.labels ?? {};
    const w = r.record?.match(/^slo:sli_error:ratio_rate(\w+)$/)?.[1];
    if (!w || !l.sloth_id) continue;
    const s = byId.get(l.sloth_id) ?? { id: l.sloth_id, service: l.sloth_service!, slo: l.sloth_slo!, windows: [], alerts: {} };
    s.windows.push(w);
    byId.set(s.id, s);
  }
  for (const r of rules) {
    if (!r.alert) continue;
    const id = /sloth_id="([^"]+)"/.exec(r.expr)?.[1];
    const severity = r.labels?.sloth_severity as Severity | undefined;
    const s = id ? byId.get(id) : undefined;
    if (!s || !severity) throw new Error(`cannot tell which SLO and severity Sloth's alert ${r.alert} belongs to`);
    s.alerts[severity] = { name: r.alert, tiers: slothTiers(r.expr), labels: r.labels ?? {} };
  }
  return [...byId.values()];
}

// ------------------------------------------------------------------ our side

export function ourTiers(o: CompiledObjective, severity: Severity): WindowPair[] {
  return o.tiers.filter((t) => t.severity === severity).map((t) => ({ factor: Number(t.factor), long: promDuration(t.longMinutes), short: promDuration(t.shortMinutes) }));
}

function ourAlerts(c: CompiledSlo, o: CompiledObjective): Pick<Pair, 'ourAlerts' | 'ourAlertLabels'> {
  const names: Partial<Record<Severity, string>> = {};
  const labels: Partial<Record<Severity, Record<string, string>>> = {};
  for (const g of c.rules.groups)
    for (const r of g.rules) {
      if (!isAlert(r) || !r.expr.includes(o.selector)) continue;
      const sev = r.labels.slo_severity as Severity;
      if (names[sev] && names[sev] !== r.alert) throw new Error(`${o.sloName}: ${sev} alerts with two names`);
      names[sev] = r.alert;
      const own = Object.entries(r.labels).filter(([k]) => k !== 'slo_tier');
      labels[sev] = labels[sev] ? Object.fromEntries(own.filter(([k, v]) => labels[sev]![k] === v)) : Object.fromEntries(own);
    }
  return { ourAlerts: names, ourAlertLabels: labels };
}

/**
 * Sloth names an OpenSLO objective `<slo>-<index>` always; we suffix the index only when the SLO has several.
 * Sloth's own format names the SLO as written.
 */
function slothNameFor(slo: Slo, o: CompiledObjective): string[] {
  return slo.apiVersion.startsWith('openslo/') ? [`${slo.name}-${o.index}`] : [o.sloName];
}

export function loadExample(file: string, category: Category): LoadedExample {
  const result = checkSources([{ file, text: corpusText(INPUTS, file) }], { missingReferences: 'error' });
  const sloth = slothRuleFile(corpusText(EXPECTED, file));
  if (result.diagnostics.some((d) => d.severity === 'error')) return { file, category, diagnostics: result.diagnostics, ours: { groups: [] }, sloth, pairs: [] };
  const theirs = slothSlos(sloth);
  const ours: RuleFile = { groups: [] };
  const pairs: Pair[] = [];
  for (const slo of buildModel(result).slos) {
    const compiled = compileSlo(slo, { engineVersion: 'test' });
    ours.groups.push(...compiled.rules.groups);
    for (const objective of compiled.objectives) {
      const names = slothNameFor(slo, objective);
      const match = theirs.find((s) => s.service === slo.service && names.includes(s.slo));
      if (!match) throw new Error(`${file}: no Sloth SLO for our ${slo.service}/${objective.sloName}`);
      const key = `${slo.service}/${objective.sloName}`;
      const custom = CUSTOM_TRAFFIC[key];
      const planned = plannedTraffic(slo.objectives[objective.index]!);
      if (custom && planned) throw new Error(`${key}: planSeries now covers this SLI; drop it from CUSTOM_TRAFFIC`);
      const traffic = custom?.() ?? planned;
      if (!traffic) throw new Error(`${key}: planSeries cannot synthesise this SLI and CUSTOM_TRAFFIC has no entry for it`);
      const slothRules = slothGroupsOf(sloth, match.id);
      pairs.push({ example: file, category, slo, compiled, objective, sloth: match, traffic, slothRules, ourRules: compiled.rules, ...ourAlerts(compiled, objective) });
    }
  }
  const grouped = pairs.reduce((n, p) => n + p.slothRules.groups.length, 0);
  if (grouped !== sloth.groups.length) throw new Error(`${file}: ${sloth.groups.length - grouped} of Sloth's rule groups belong to no single SLO`);
  const unmatched = theirs.filter((s) => !pairs.some((p) => p.sloth.id === s.id));
  if (unmatched.length) throw new Error(`${file}: Sloth SLOs without one of ours: ${unmatched.map((s) => s.id).join(', ')}`);
  return { file, category, diagnostics: result.diagnostics, ours, sloth, pairs };
}
