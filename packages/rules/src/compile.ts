import { Decimal } from 'decimal.js';
import type { AlertPolicy, Indicator, Slo } from '@slo-engine/openslo';
import { addMatchers, checkPromql, q } from '@slo-engine/promql';
import { type Home, objectiveSeries, OWN_NO_TRAFFIC_METHOD, type Placed } from './catalogue';
import { BlockError, type Blocks, buildingBlocks, parseScrapeInterval, SCRAPE_INTERVAL_ANNOTATION } from './blocks';
import { promDuration } from './durations';
import { baseLabels, droppedLabels, objectiveMatchers, objectiveName, scopeClash, sortKeys } from './labels';
import type { AlertingRule, RecordingRule, RuleFile, RuleGroup } from './model';
import {
  ALERT_NAME,
  BLOCK,
  DEFAULT_NO_DATA_MINUTES,
  NO_DATA_ALERT,
  NO_DATA_FOR_ANNOTATION,
  NO_DATA_TIER,
  dashboardUid,
  RESERVED_LABELS,
  SEVERITY_LABEL,
  SEVERITY_LABEL_VALUES,
  BLOCK_RANGE_MINUTES,
  GROUP,
  INTERVAL,
  LABEL,
  RECORD,
} from './names';
import { capToBudget, errorBudget, threshold, tiersFor, type Tier, type TierOptions } from './tiers';

export interface CompileOptions extends TierOptions {
  engineVersion: string;
  /** How often the SLIs' targets are scraped, in seconds (default 60); an SLO's scrape-interval annotation wins. */
  scrapeSeconds?: number;
  /** `for:` of no-data alerts, in minutes (default 10); an SLO's no-data-for annotation wins. */
  noDataMinutes?: number;
  /** Tier severity → value of the alerts' `severity` label, over the defaults (page → critical, ticket → warning). */
  severityLabels?: Record<string, string>;
  /**
   * Labels that tell apart several environments in one Prometheus (e.g. namespace, cluster): every selector of
   * every rule, raw and recorded, gets them as equality matchers and every series and alert carries them.
   */
  scope?: Record<string, string>;
}

export const DEFAULT_SCRAPE_SECONDS = 60;

/** What the compiler decided for one objective; dashboards and generated tests read it. */
export interface CompiledObjective {
  index: number;
  sloName: string;
  selector: string;
  /** The same as matchers, for building expressions. */
  matchers: q.Matcher[];
  labels: Record<string, string>;
  target: string;
  budget: string;
  periodMinutes: number;
  /** Every window with an error-ratio record, in minutes, ascending. */
  windows: number[];
  tiers: Tier[];
  /** Labels the SLO is grouped by (one budget per value), sorted; empty when not grouped. */
  groupBy: string[];
  /** `for:` of the objective's no-data alert in minutes, when its alert policies ask for one. */
  noDataMinutes?: number;
  /** The compile's scope labels, also in `labels` and `selector`. */
  scope: Record<string, string>;
}

export interface CompiledSlo {
  slo: Slo;
  /** The compile's scope labels (empty without one). */
  scope: Record<string, string>;
  rules: RuleFile;
  objectives: CompiledObjective[];
  warnings: string[];
  /** Every recorded series of every objective, confined to the scope, in catalogue order; layouts place them. */
  series: Placed[];
  /** Every alert of every objective, confined to the scope. */
  alerts: AlertingRule[];
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

/** `slo-engine.dev/group-by: route, customer`: one error budget per value of these labels. */
export const GROUP_BY_ANNOTATION = 'slo-engine.dev/group-by';
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The labels an SLI's queries aggregate by, when every query of it does so by the same labels. */
function queryGroups(ind: Indicator): string[] {
  const queries = ind.kind === 'ratio' ? [ind.bad ?? ind.good, ind.total] : ind.kind === 'raw' ? [ind.raw] : [ind.metric];
  const lists = queries.map((q) => (q ? (checkPromql(q.promql).shape?.aggregation?.by ?? []) : []));
  const first = [...new Set(lists[0] ?? [])].sort();
  return lists.every((l) => [...new Set(l)].sort().join() === first.join()) ? first : [];
}

/**
 * One error budget per value of these labels: the group-by annotation, else (Sloth) the labels the SLI's
 * queries aggregate by. A label that is also one of the SLO's own labels would give every group the same
 * labels (promtool: "vector contains metrics with the same labelset"), so it is refused.
 */
function groupLabels(slo: Slo, warnings: string[]): string[] {
  const raw = slo.annotations[GROUP_BY_ANNOTATION];
  const ind = slo.objectives[0]?.indicator;
  let labels: string[];
  if (raw !== undefined) {
    labels = raw
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean);
    const bad = labels.filter((l) => !LABEL_NAME.test(l) || RESERVED_LABELS.has(l) || l.startsWith('__'));
    if (labels.length === 0 || bad.length)
      throw new CompileError(`annotation ${GROUP_BY_ANNOTATION} must list label names separated by commas, none of them reserved (${[...RESERVED_LABELS].sort().join(', ')}); got "${raw}"`, slo);
  } else {
    const by = ind ? queryGroups(ind) : [];
    if (by.length === 0) return [];
    if (!slo.groupsByQueryLabels || ind?.kind !== 'ratio') {
      warnings.push(
        `the SLI's queries aggregate by (${by.join(', ')}), but the SLO is one error budget for all of them: their ${ind?.kind === 'ratio' ? 'events are summed' : 'ratios are averaged'}; ` +
          `to keep one budget and alert per ${by.join(', ')}, add the annotation ${GROUP_BY_ANNOTATION}: ${by.join(', ')}${ind?.kind === 'ratio' ? '' : ' and write the SLI as a ratio of good (or bad) and total events'}`,
      );
      return [];
    }
    labels = by;
  }
  const own = Object.keys(baseLabels(slo, 0));
  const clash = labels.filter((l) => own.includes(l));
  if (clash.length)
    throw new CompileError(
      `${clash.join(', ')} ${clash.length > 1 ? 'are' : 'is'} both a label of the SLO and a label it is grouped by, so every group would get the SLO's value and collide; remove ${clash.join(', ')} from the SLO's labels or from its grouping`,
      slo,
    );
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

/** Tier severity → the `severity` label: the defaults, with the user's mapping on top. */
const severityMap = (opts: CompileOptions): Record<string, string> => ({ ...SEVERITY_LABEL_VALUES, ...(opts.severityLabels ?? {}) });

function alertRule(slo: Slo, o: CompiledObjective, tier: Tier, opts: CompileOptions): AlertingRule {
  const cmp = COMPARATOR[tier.op];
  const t = threshold(tier.factor, o.budget);
  const long = promDuration(tier.longMinutes);
  const short = promDuration(tier.shortMinutes);
  const side = (m: number) => q.binary(q.without('max', [LABEL.window], q.sel(RECORD.errorRatio(promDuration(m)), o.matchers)), cmp, q.num(t));
  let expr = q.binary(side(tier.longMinutes), 'and', side(tier.shortMinutes), { lines: true });
  // no traffic never alerts
  if (tier.op === 'lt' || tier.op === 'lte')
    expr = q.binary(expr, 'and', q.binary(q.call('sum_over_time', q.range(q.sel(BLOCK.total, o.matchers), long)), '>', q.num(0)), { lines: true, ...(o.groupBy.length ? {} : { on: [] }) });
  const custom = slo.alerting;
  const severityCustom = tier.severity === 'page' ? custom?.page : tier.severity === 'ticket' ? custom?.ticket : undefined;
  const labels: Record<string, string> = {
    [SEVERITY_LABEL]: severityMap(opts)[tier.severity] ?? tier.severity,
    ...(custom?.labels ?? {}),
    ...(severityCustom?.labels ?? {}),
    [LABEL.severity]: tier.severity,
    [LABEL.tier]: tier.id,
    // also on the series, but static labels keep the alerts of several objectives apart for linting and routing
    [LABEL.name]: o.sloName,
    [LABEL.service]: slo.service,
    ...o.scope,
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
    expr: q.render(expr),
    ...(tier.forMinutes > 0 ? { for: promDuration(tier.forMinutes) } : {}),
    labels: sortKeys(labels),
    annotations: sortKeys(annotations),
  };
}

/**
 * The no-data alert of an objective whose alert policies ask for it (alertWhenNoData): its total saw no
 * events, or its series are missing, for `forMinutes`. Without it missing data reads as 100% good.
 */
function noDataRule(slo: Slo, o: CompiledObjective, policies: AlertPolicy[], forMinutes: number, opts: CompileOptions): AlertingRule {
  const severity = policies.flatMap((p) => p.conditions.map((c) => c.severity))[0] ?? 'ticket';
  const targets = policies.flatMap((p) => p.targets);
  const flag = q.sel(RECORD.noTraffic, o.matchers);
  const labels: Record<string, string> = {
    [SEVERITY_LABEL]: severityMap(opts)[severity] ?? severity,
    [LABEL.severity]: severity,
    [LABEL.tier]: NO_DATA_TIER,
    [LABEL.name]: o.sloName,
    [LABEL.service]: slo.service,
    ...o.scope,
  };
  if (targets.length) {
    labels[LABEL.targets] = [...new Set(targets.map((x) => x.name ?? x.target))].join(',');
    labels[LABEL.targetKinds] = [...new Set(targets.map((x) => x.target))].join(',');
  }
  const display = slo.displayName ?? slo.name;
  const annotations: Record<string, string> = {
    summary: `${display}: no data for ${promDuration(forMinutes)}`,
    description:
      `${o.sloName} (service ${slo.service}) has seen no events${o.groupBy.length ? ` for ${o.groupBy.map((g) => `${g}={{ $labels.${g} }}`).join(', ')}` : ''} for ${promDuration(forMinutes)}, or its recorded series are missing: ` +
      `its SLI queries return nothing or zero. Meanwhile every error ratio reads 0, so no burn-rate alert can fire. Check the targets' scrapes and the queries.`,
  };
  const runbook = findAnnotation(slo, 'runbook_url');
  if (runbook) annotations.runbook_url = runbook;
  return {
    alert: NO_DATA_ALERT,
    expr: q.render(q.binary(q.paren(q.binary(flag, '==', q.num(1))), 'or', q.call('absent', flag))),
    for: promDuration(forMinutes),
    labels: sortKeys(labels),
    annotations: sortKeys(annotations),
  };
}

/** How long an SLI may see nothing before its no-data alert: the annotation, else the option, else 10m. */
function noDataMinutes(slo: Slo, opts: CompileOptions): number {
  const raw = slo.annotations[NO_DATA_FOR_ANNOTATION];
  if (raw === undefined) return opts.noDataMinutes ?? DEFAULT_NO_DATA_MINUTES;
  const m = /^\s*(\d+)(m|h)\s*$/.exec(raw);
  const minutes = m ? Number(m[1]) * (m[2] === 'h' ? 60 : 1) : 0;
  if (minutes <= 0) throw new CompileError(`annotation ${NO_DATA_FOR_ANNOTATION} must be a whole number of minutes or hours such as 10m or 1h; got "${raw}"`, slo);
  return minutes;
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

/**
 * A rule file confined to a scope: its labels as matchers on every selector (raw and recorded) and on every rule
 * with labels, so that each environment's rules read and write only its own series, as Prometheus Operator's
 * enforced namespace label does. A rule without labels (the shared layout's) keeps the labels of the series it
 * reads, which carry the scope already; leaving it alone keeps `labels: {}` exact in the Helm chart's copies.
 */
export function withScope(file: RuleFile, scope: Readonly<Record<string, string>>): RuleFile {
  if (Object.keys(scope).length === 0) return file;
  return { groups: file.groups.map((g) => ({ ...g, rules: g.rules.map((r) => scopeRule(r, scope)) })) };
}

/** One rule confined to a scope (see withScope). */
function scopeRule<R extends RecordingRule | AlertingRule>(r: R, scope: Readonly<Record<string, string>>): R {
  if (Object.keys(scope).length === 0) return r;
  return { ...r, expr: addMatchers(r.expr, scope), labels: Object.keys(r.labels).length ? sortKeys({ ...r.labels, ...scope }) : r.labels };
}

/** The SLO's alerts group (every layout keeps it per SLO). */
export const alertGroup = (slo: Slo, rules: AlertingRule[]): RuleGroup => ({ name: GROUP.alerts(slo.service, slo.name), interval: INTERVAL.sli, rules });

/** Series by the kind of group they belong to, each kind in the order given. */
export function byHome(series: readonly Placed[]): Record<Home, RecordingRule[]> {
  const out: Record<Home, RecordingRule[]> = { sli: [], rollup: [], period: [], constants: [] };
  for (const p of series) out[p.home].push(p.rule);
  return out;
}

/** Compiles one SLO into four rule groups (building blocks, roll-ups, day-plus windows, alerts). */
export function compileSlo(slo: Slo, opts: CompileOptions): CompiledSlo {
  const warnings: string[] = [];
  const periodMinutes = slo.window.duration.minutes;
  const period = promDuration(periodMinutes);
  const series: Placed[] = [];
  const alerts: AlertingRule[] = [];
  const objectives: CompiledObjective[] = [];
  const { tiers: sloTiers, warnings: tierWarnings } = tiersFor(slo, opts);
  const groupBy = groupLabels(slo, warnings);
  const scope = opts.scope ?? {};
  const clash = scopeClash(slo, scope, groupBy);
  if (clash) throw new CompileError(clash, slo);
  const scrape = scrapeSeconds(slo, opts);
  for (const d of droppedLabels(slo)) warnings.push(`the SLO's label ${d.label} is not copied onto its series and alerts: it ${d.why}; rename it`);
  if (SEVERITY_LABEL in baseLabels(slo, 0))
    warnings.push(
      `the SLO's label ${SEVERITY_LABEL} is replaced on its alerts by each tier's own (${Object.entries(severityMap(opts))
        .map(([k, v]) => `${k} → ${v}`)
        .join(', ')}), so that pages and tickets route apart`,
    );
  warnings.push(...tierWarnings.map((w) => w.message));
  if (!slo.window.rolling) warnings.push(`the calendar-aligned ${slo.window.duration.text} window is compiled as a rolling ${period} window (Prometheus rules cannot reset at calendar boundaries)`);

  slo.objectives.forEach((objective, index) => {
    const labels = sortKeys({ ...baseLabels(slo, index), ...scope });
    const matchers = objectiveMatchers(slo, index, scope);
    const sel = q.render(q.sel(undefined, matchers));
    const budget = errorBudget(objective.target);
    const capped = capToBudget(sloTiers, budget);
    const tiers = capped.tiers;
    const who = slo.objectives.length > 1 ? `${objectiveName(slo, index)}: ` : '';
    warnings.push(...capped.warnings.map((w) => `${who}${w.message}`));
    const windows = [...new Set([BLOCK_RANGE_MINUTES, ...tiers.flatMap((t) => [t.longMinutes, t.shortMinutes]), periodMinutes])].sort((a, b) => a - b);
    const o: CompiledObjective = { index, sloName: objectiveName(slo, index), selector: sel, matchers, labels, target: objective.target, budget, periodMinutes, windows, tiers, groupBy, scope };
    objectives.push(o);

    let blocks: Blocks;
    try {
      blocks = buildingBlocks(slo.budgetingMethod, objective, groupBy, { scrapeSeconds: scrape });
    } catch (e) {
      if (e instanceof BlockError) throw new CompileError(e.message, slo, e);
      throw e;
    }
    for (const w of blocks.warnings) if (!warnings.includes(`${who}${w}`)) warnings.push(`${who}${w}`);
    series.push(
      ...objectiveSeries({
        matchers,
        labels,
        target: objective.target,
        budget,
        periodMinutes,
        windows,
        grouped: groupBy.length > 0,
        blocks,
        ownNoTraffic: slo.budgetingMethod === OWN_NO_TRAFFIC_METHOD,
        info: {
          [LABEL.objective]: objective.target,
          [LABEL.period]: period,
          [LABEL.budgetingMethod]: slo.budgetingMethod,
          [LABEL.displayName]: objective.displayName ?? slo.displayName ?? slo.name,
          [LABEL.engineVersion]: opts.engineVersion,
          [LABEL.dashboardUid]: dashboardUid(slo.service, slo.name, scope),
        },
      }).map((p) => ({ ...p, rule: scopeRule(p.rule, scope) })),
    );
    for (const tier of tiers) alerts.push(scopeRule(alertRule(slo, o, tier, opts), scope));
    const noData = slo.alertPolicies.filter((p) => p.alertWhenNoData);
    if (noData.length && !opts.disable?.includes(NO_DATA_TIER)) {
      o.noDataMinutes = noDataMinutes(slo, opts);
      alerts.push(scopeRule(noDataRule(slo, o, noData, o.noDataMinutes, opts), scope));
    }
    if (slo.budgetingMethod === 'Timeslices' || objective.indicator.kind === 'threshold')
      for (const tier of tiers.filter((t) => new Decimal(1).div(t.longMinutes).gt(threshold(t.factor, budget))))
        warnings.push(
          `${o.sloName}: a single bad slice fires ${tier.id} (one slice in ${promDuration(tier.longMinutes)} is ${pct(String(1 / tier.longMinutes))} of the window, above its threshold ${pct(threshold(tier.factor, budget))}); use longer windows or a lower objective if that is too eager`,
        );
  });
  const home = byHome(series);
  const groups: RuleGroup[] = [
    { name: GROUP.sli(slo.service, slo.name), interval: INTERVAL.sli, rules: home.sli },
    { name: GROUP.rollup(slo.service, slo.name), interval: INTERVAL.rollup, rules: home.rollup },
    { name: GROUP.period(slo.service, slo.name), interval: INTERVAL.period, rules: home.period },
    ...(alerts.length ? [alertGroup(slo, alerts)] : []),
  ];
  return { slo, scope, rules: { groups }, objectives, warnings, series, alerts };
}
