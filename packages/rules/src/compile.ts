import { Decimal } from 'decimal.js';
import type { Slo } from '@slo-engine/openslo';
import { BlockError, buildingBlocks, parseScrapeInterval, SCRAPE_INTERVAL_ANNOTATION } from './blocks';
import { promDuration } from './durations';
import { baseLabels, objectiveName, selector, sortKeys } from './labels';
import type { AlertingRule, RecordingRule, RuleFile, RuleGroup } from './model';
import { ALERT_NAME, BLOCK, dashboardUid, RESERVED_LABELS, BLOCK_RANGE_MINUTES, GROUP, INTERVAL, LABEL, RECORD, ROLLUP_MINUTES, ROLLUP_THRESHOLD_MINUTES } from './names';
import { capToBudget, errorBudget, threshold, tiersFor, type Tier, type TierOptions } from './tiers';

export interface CompileOptions extends TierOptions {
  engineVersion: string;
  /** How often the SLIs' targets are scraped, in seconds (default 60); an SLO's scrape-interval annotation wins. */
  scrapeSeconds?: number;
}

export const DEFAULT_SCRAPE_SECONDS = 60;

/** What the compiler decided for one objective; dashboards and generated tests read it. */
export interface CompiledObjective {
  index: number;
  sloName: string;
  selector: string;
  labels: Record<string, string>;
  target: string;
  budget: string;
  periodMinutes: number;
  /** Every window with an error-ratio record, in minutes, ascending. */
  windows: number[];
  tiers: Tier[];
  /** Labels the SLO is grouped by (one budget per value), sorted; empty when not grouped. */
  groupBy: string[];
}

export interface CompiledSlo {
  slo: Slo;
  rules: RuleFile;
  objectives: CompiledObjective[];
  warnings: string[];
}

export class CompileError extends Error {
  constructor(
    message: string,
    readonly slo: Slo,
    readonly blockError?: BlockError,
  ) {
    super(message);
    this.name = 'CompileError';
  }
}

const COMPARATOR = { gte: '>=', gt: '>', lte: '<=', lt: '<' } as const;

/**
 * Error ratio over a window as a ratio of sums of building blocks; 0, never NaN, when there were no events
 * (per group for a grouped SLO: `0 * total` keeps the group's labels where `vector(0)` has none; the shared
 * layout reads every SLO at once the same way, with an empty selector).
 */
export function ratioExpr(sel: string, minutes: number, grouped: boolean): string {
  const zero = (total: string) => (grouped ? `(0 * ${total})` : 'on() vector(0)');
  if (minutes === BLOCK_RANGE_MINUTES) return `(${BLOCK.bad}${sel} / (${BLOCK.total}${sel} > 0)) or ${zero(`${BLOCK.total}${sel}`)}`;
  const [bad, total] = minutes >= ROLLUP_THRESHOLD_MINUTES ? [BLOCK.badRollup, BLOCK.totalRollup] : [BLOCK.bad, BLOCK.total];
  const w = promDuration(minutes);
  return `(sum_over_time(${bad}${sel}[${w}]) / (sum_over_time(${total}${sel}[${w}]) > 0)) or ${zero(`sum_over_time(${total}${sel}[${w}])`)}`;
}

/** `slo-engine.dev/group-by: route, customer`: one error budget per value of these labels. */
export const GROUP_BY_ANNOTATION = 'slo-engine.dev/group-by';
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function groupLabels(slo: Slo): string[] {
  const raw = slo.annotations[GROUP_BY_ANNOTATION];
  if (raw === undefined) return [];
  const labels = raw.split(',').map((l) => l.trim()).filter(Boolean);
  const bad = labels.filter((l) => !LABEL_NAME.test(l) || RESERVED_LABELS.has(l) || l.startsWith('__'));
  if (labels.length === 0 || bad.length) throw new CompileError(`annotation ${GROUP_BY_ANNOTATION} must list label names separated by commas, none of them reserved (${[...RESERVED_LABELS].sort().join(', ')}); got "${raw}"`, slo);
  return [...new Set(labels)].sort();
}

/** The SLO's scrape interval: its annotation, else the compile option, else 1m. */
function scrapeSeconds(slo: Slo, opts: CompileOptions): number {
  const raw = slo.annotations[SCRAPE_INTERVAL_ANNOTATION];
  if (raw === undefined) return opts.scrapeSeconds ?? DEFAULT_SCRAPE_SECONDS;
  const parsed = parseScrapeInterval(raw);
  if ('error' in parsed) throw new CompileError(`annotation ${SCRAPE_INTERVAL_ANNOTATION} ${parsed.error}`, slo);
  return parsed.seconds;
}

/** A ratio as a percentage without float noise: 0.001 → 0.1%. */
export const pct = (ratio: string | number) => `${+(Number(ratio) * 100).toPrecision(6)}%`;

function alertRule(slo: Slo, o: CompiledObjective, tier: Tier): AlertingRule {
  const cmp = COMPARATOR[tier.op];
  const t = threshold(tier.factor, o.budget);
  const long = promDuration(tier.longMinutes);
  const short = promDuration(tier.shortMinutes);
  const side = (m: number) => `max without (${LABEL.window}) (${RECORD.errorRatio(promDuration(m))}${o.selector}) ${cmp} ${t}`;
  let expr = `${side(tier.longMinutes)}\nand\n${side(tier.shortMinutes)}`;
  if (tier.op === 'lt' || tier.op === 'lte') expr += `\nand${o.groupBy.length ? '' : ' on()'}\nsum_over_time(${BLOCK.total}${o.selector}[${long}]) > 0`; // no traffic never alerts
  const custom = slo.alerting;
  const severityCustom = tier.severity === 'page' ? custom?.page : tier.severity === 'ticket' ? custom?.ticket : undefined;
  const labels: Record<string, string> = {
    ...(custom?.labels ?? {}),
    ...(severityCustom?.labels ?? {}),
    [LABEL.severity]: tier.severity,
    [LABEL.tier]: tier.id,
    // also on the series, but static labels keep the alerts of several objectives apart for linting and routing
    [LABEL.name]: o.sloName,
    [LABEL.service]: slo.service,
  };
  if (tier.targets.length) {
    labels[LABEL.targets] = tier.targets.map((x) => x.name ?? x.target).join(',');
    labels[LABEL.targetKinds] = [...new Set(tier.targets.map((x) => x.target))].join(',');
  }
  const display = slo.displayName ?? slo.name;
  const share = tier.budgetShare ?? String(+((Number(tier.factor) * tier.longMinutes) / o.periodMinutes).toPrecision(4));
  const annotations: Record<string, string> = {
    summary: `${display}${o.groupBy.length ? ` (${o.groupBy.map((g) => `${g}={{ $labels.${g} }}`).join(', ')})` : ''}: error budget burning ${tier.factor}x too fast (${tier.severity})`,
    description:
      `The error ratio of ${o.sloName} (service ${slo.service}) over the last ${long} is {{ $value | humanizePercentage }} and over the last ${short} also ${cmp} ${pct(t)}: ` +
      `${tier.factor} times the error budget of ${pct(o.budget)}. At this rate ${pct(share)} of the ${promDuration(o.periodMinutes)} error budget is spent in ${long}.`,
    ...(custom?.annotations ?? {}),
    ...(severityCustom?.annotations ?? {}),
  };
  const runbook = findAnnotation(slo, 'runbook_url');
  const dashboard = findAnnotation(slo, 'dashboard_url');
  if (runbook) annotations.runbook_url = runbook;
  if (dashboard) annotations.dashboard_url = dashboard;
  return {
    alert: custom?.name ?? ALERT_NAME,
    expr,
    ...(tier.forMinutes > 0 ? { for: promDuration(tier.forMinutes) } : {}),
    labels: sortKeys(labels),
    annotations: sortKeys(annotations),
  };
}

/** `runbook_url`, `runbook-url` or any `prefix/runbook_url` annotation. */
export function findAnnotation(slo: Slo, name: string): string | undefined {
  const alt = name.replace('_', '-');
  for (const [k, v] of Object.entries(slo.annotations)) {
    const base = k.slice(k.lastIndexOf('/') + 1);
    if (base === name || base === alt) return v;
  }
  return undefined;
}

const rec = (record: string, expr: string, labels: Record<string, string>): RecordingRule => ({ record, expr, labels: sortKeys(labels) });

/** Compiles one SLO into four rule groups (building blocks, roll-ups, day-plus windows, alerts). */
export function compileSlo(slo: Slo, opts: CompileOptions): CompiledSlo {
  const warnings: string[] = [];
  const periodMinutes = slo.window.duration.minutes;
  const period = promDuration(periodMinutes);
  const sli: RuleGroup = { name: GROUP.sli(slo.service, slo.name), interval: INTERVAL.sli, rules: [] };
  const rollup: RuleGroup = { name: GROUP.rollup(slo.service, slo.name), interval: INTERVAL.rollup, rules: [] };
  const long: RuleGroup = { name: GROUP.period(slo.service, slo.name), interval: INTERVAL.period, rules: [] };
  const alerts: RuleGroup = { name: GROUP.alerts(slo.service, slo.name), interval: INTERVAL.sli, rules: [] };
  const objectives: CompiledObjective[] = [];
  const { tiers: sloTiers, warnings: tierWarnings } = tiersFor(slo, opts);
  const groupBy = groupLabels(slo);
  const scrape = scrapeSeconds(slo, opts);
  warnings.push(...tierWarnings.map((w) => w.message));
  if (!slo.window.rolling) warnings.push(`the calendar-aligned ${slo.window.duration.text} window is compiled as a rolling ${period} window (Prometheus rules cannot reset at calendar boundaries)`);

  slo.objectives.forEach((objective, index) => {
    const labels = baseLabels(slo, index);
    const sel = selector(slo, index);
    const budget = errorBudget(objective.target);
    const capped = capToBudget(sloTiers, budget);
    const tiers = capped.tiers;
    const who = slo.objectives.length > 1 ? `${objectiveName(slo, index)}: ` : '';
    warnings.push(...capped.warnings.map((w) => `${who}${w.message}`));
    const windows = [...new Set([BLOCK_RANGE_MINUTES, ...tiers.flatMap((t) => [t.longMinutes, t.shortMinutes]), periodMinutes])].sort((a, b) => a - b);
    const o: CompiledObjective = { index, sloName: objectiveName(slo, index), selector: sel, labels, target: objective.target, budget, periodMinutes, windows, tiers, groupBy };
    objectives.push(o);

    let blocks;
    try {
      blocks = buildingBlocks(slo.budgetingMethod, objective, groupBy, { scrapeSeconds: scrape });
    } catch (e) {
      if (e instanceof BlockError) throw new CompileError(e.message, slo, e);
      throw e;
    }
    for (const w of blocks.warnings) if (!warnings.includes(`${who}${w}`)) warnings.push(`${who}${w}`);
    sli.rules.push(rec(BLOCK.bad, blocks.bad, labels), rec(BLOCK.total, blocks.total, labels));
    const roll = promDuration(ROLLUP_MINUTES);
    rollup.rules.push(rec(BLOCK.badRollup, `sum_over_time(${BLOCK.bad}${sel}[${roll}])`, labels), rec(BLOCK.totalRollup, `sum_over_time(${BLOCK.total}${sel}[${roll}])`, labels));
    for (const m of windows) {
      const w = promDuration(m);
      const group = m >= ROLLUP_THRESHOLD_MINUTES ? long : sli;
      group.rules.push(rec(RECORD.errorRatio(w), ratioExpr(sel, m, groupBy.length > 0), { ...labels, [LABEL.window]: w }));
    }
    const ratio5m = `max without (${LABEL.window}) (${RECORD.errorRatio(promDuration(BLOCK_RANGE_MINUTES))}${sel})`;
    sli.rules.push(
      rec(RECORD.currentBurnRate, `${ratio5m} / ${budget}`, labels),
      rec(RECORD.noTraffic, blocks.noTraffic ?? (groupBy.length ? `${BLOCK.total}${sel} == bool 0` : `(${BLOCK.total}${sel} == bool 0) or on() vector(1)`), labels),
    );
    long.rules.push(
      rec(RECORD.objective, `vector(${objective.target})`, labels),
      rec(RECORD.errorBudget, `vector(${budget})`, labels),
      rec(RECORD.budgetRemaining, `1 - max without (${LABEL.window}) (${RECORD.errorRatio(period)}${sel}) / ${budget}`, labels),
      rec(RECORD.info, 'vector(1)', {
        ...labels,
        [LABEL.objective]: objective.target,
        [LABEL.period]: period,
        [LABEL.budgetingMethod]: slo.budgetingMethod,
        [LABEL.displayName]: objective.displayName ?? slo.displayName ?? slo.name,
        [LABEL.engineVersion]: opts.engineVersion,
        [LABEL.dashboardUid]: dashboardUid(slo.service, slo.name),
      }),
    );
    for (const tier of tiers) alerts.rules.push(alertRule(slo, o, tier));
    if (slo.budgetingMethod === 'Timeslices' || objective.indicator.kind === 'threshold')
      for (const tier of tiers.filter((t) => new Decimal(1).div(t.longMinutes).gt(threshold(t.factor, budget))))
        warnings.push(
          `${o.sloName}: a single bad slice fires ${tier.id} (one slice in ${promDuration(tier.longMinutes)} is ${pct(String(1 / tier.longMinutes))} of the window, above its threshold ${pct(threshold(tier.factor, budget))}); use longer windows or a lower objective if that is too eager`,
        );
  });
  const groups = [sli, rollup, long, ...(alerts.rules.length ? [alerts] : [])];
  return { slo, rules: { groups }, objectives, warnings };
}

