import { Decimal } from 'decimal.js';
import type { AlertPolicy, Operator, Slo } from '@slo-engine/openslo';
import { BLOCK_RANGE_MINUTES } from './names';

Decimal.set({ precision: 40, toExpNeg: -40, toExpPos: 40 });

/** One multi-window burn-rate alert: fires when both windows burn faster than `factor`. */
export interface Tier {
  /** Stable id, the `slo_tier` label: `page-fast`, or the AlertCondition's name. */
  id: string;
  severity: string;
  longMinutes: number;
  shortMinutes: number;
  /** Burn-rate factor as an exact decimal string. */
  factor: string;
  op: Operator;
  forMinutes: number;
  /** Share of the period's budget this tier spends over its long window before firing. */
  budgetShare?: string;
  targets: { name?: string; target: string }[];
  policy?: string;
}

export interface TierOptions {
  /** Tiers to leave out, by id (`page-fast`, `page-slow`, `ticket-fast`, `ticket-slow`) or severity (`page`, `ticket`). */
  disable?: string[];
  /** `for:` in minutes for every tier without its own alertAfter. */
  forMinutes?: number;
}

export interface TierWarning {
  message: string;
}

/** Google SRE Workbook defaults for a 30-day period: budget share and long window. */
const DEFAULTS = [
  { id: 'page-fast', severity: 'page', share: '0.02', longMinutes: 60 },
  { id: 'page-slow', severity: 'page', share: '0.05', longMinutes: 360 },
  { id: 'ticket-fast', severity: 'ticket', share: '0.1', longMinutes: 1440 },
  { id: 'ticket-slow', severity: 'ticket', share: '0.1', longMinutes: 4320 },
] as const;
const THIRTY_DAYS = 43200;

/** factor = share × period / long window, exact (14.4 for 2% of 30d in 1h). */
export function factorFor(share: string, periodMinutes: number, longMinutes: number): string {
  return new Decimal(share).mul(periodMinutes).div(longMinutes).toDecimalPlaces(6).toString();
}

/** The short window of a tier: a twelfth of the long one, in whole minutes, never below 5m. */
export function shortWindow(longMinutes: number): { minutes: number; clamped: boolean } {
  const m = Math.round(longMinutes / 12);
  return m < BLOCK_RANGE_MINUTES ? { minutes: BLOCK_RANGE_MINUTES, clamped: true } : { minutes: m, clamped: false };
}

/** Share of the period's budget a tier spends before it fires at exactly its factor: factor × long / period. */
export const budgetSpent = (factor: string, longMinutes: number, periodMinutes: number) => new Decimal(factor).mul(longMinutes).div(periodMinutes).toSignificantDigits(3).toString();

const asPct = (ratio: string) => `${new Decimal(ratio).mul(100).toSignificantDigits(3).toString()}%`;

/**
 * The default four tiers, scaled to the SLO's period. Windows scale with the period (so each tier spends
 * the Workbook's share of the budget), while the factors stay the Workbook's 14.4, 6, 3 and 1 whatever the
 * period: a window raised to the 5m floor keeps its factor, so the tiers keep their order (a fast page
 * never needs less burn than a slow one) and the tier spends more of a short period's budget, which
 * compile says.
 */
export function defaultTiers(periodMinutes: number, opts: TierOptions = {}): { tiers: Tier[]; warnings: TierWarning[] } {
  const warnings: TierWarning[] = [];
  const tiers: Tier[] = [];
  for (const d of DEFAULTS) {
    if (opts.disable?.includes(d.id) || opts.disable?.includes(d.severity)) continue;
    const scaled = Math.round((d.longMinutes * periodMinutes) / THIRTY_DAYS);
    const longMinutes = Math.max(BLOCK_RANGE_MINUTES, scaled);
    const short = shortWindow(longMinutes);
    const factor = factorFor(d.share, THIRTY_DAYS, d.longMinutes);
    const spent = budgetSpent(factor, longMinutes, periodMinutes);
    if (longMinutes > scaled)
      warnings.push({
        message: `tier ${d.id}: the period is too short for its ${((d.longMinutes * periodMinutes) / THIRTY_DAYS).toFixed(1)}m long window; using 5m, the shortest window, so it fires after ${asPct(spent)} of the budget is spent instead of ${asPct(d.share)}`,
      });
    if (short.minutes >= longMinutes)
      warnings.push({ message: `tier ${d.id}: a single ${longMinutes}m window at this period (its short window cannot be shorter than 5m), so it resets no faster than it fires` });
    else if (short.clamped) warnings.push({ message: `tier ${d.id}: the short window would be ${(longMinutes / 12).toFixed(1)}m for this period; using 5m, the shortest window` });
    tiers.push({
      id: d.id,
      severity: d.severity,
      longMinutes,
      shortMinutes: short.minutes,
      factor,
      op: 'gte',
      forMinutes: opts.forMinutes ?? 0,
      budgetShare: spent,
      targets: [],
    });
  }
  return { tiers, warnings };
}

/**
 * The highest error ratio a tier may wait for: half the requests failing. A tier whose factor × budget
 * reaches 1 could never fire (with target 0.9, 14.4 × 0.1 = 1.44), so its factor is lowered to
 * 1 / (2 × budget): it then fires on any outage that fails half the requests, and on a total outage
 * after half its long window.
 */
export const MAX_THRESHOLD = '0.5';

/** Lowers the factor of tiers that could never fire at this budget, saying which. */
export function capToBudget(tiers: Tier[], budget: string): { tiers: Tier[]; warnings: TierWarning[] } {
  const warnings: TierWarning[] = [];
  const maxFactor = new Decimal(MAX_THRESHOLD).div(budget);
  const out = tiers.map((t) => {
    if (t.op === 'lt' || t.op === 'lte' || new Decimal(t.factor).lte(maxFactor)) return t;
    const reach = new Decimal(t.factor).mul(budget);
    const factor = maxFactor.toDecimalPlaces(6).toString();
    warnings.push({
      message:
        `tier ${t.id} needs an error ratio of ${asPct(reach.toString())} (${t.factor} × the ${asPct(budget)} budget)${reach.gte(1) ? ', so it could never fire' : ''}; ` +
        `its factor is lowered to ${factor} so that it pages once half the requests fail (a total outage within half its long window)`,
    });
    const { budgetShare: _share, ...rest } = t;
    return { ...rest, factor };
  });
  return { tiers: out, warnings };
}

/** One tier per AlertCondition of the SLO's alert policies. */
export function policyTiers(policies: AlertPolicy[], opts: TierOptions = {}): { tiers: Tier[]; warnings: TierWarning[] } {
  const warnings: TierWarning[] = [];
  const tiers: Tier[] = [];
  const seen = new Set<string>();
  for (const p of policies) {
    if (!p.alertWhenBreaching) continue;
    for (const c of p.conditions) {
      let id = c.name ?? `${p.name}-${c.lookbackWindow.text}`;
      while (seen.has(id)) id = `${id}-${p.name}`;
      seen.add(id);
      if (opts.disable?.includes(id) || opts.disable?.includes(c.severity)) continue;
      const longMinutes = c.lookbackWindow.minutes;
      const short = shortWindow(longMinutes);
      if (short.clamped) warnings.push({ message: `alert condition ${id}: lookbackWindow ${c.lookbackWindow.text} gives a short window below 5m; using 5m` });
      tiers.push({
        id,
        severity: c.severity,
        longMinutes: Math.max(longMinutes, BLOCK_RANGE_MINUTES),
        shortMinutes: short.minutes,
        factor: new Decimal(c.threshold).toString(),
        op: c.op,
        forMinutes: c.alertAfter?.minutes ?? opts.forMinutes ?? 0,
        targets: p.targets,
        policy: p.name,
      });
    }
  }
  return { tiers, warnings };
}

export function tiersFor(slo: Slo, opts: TierOptions = {}): { tiers: Tier[]; warnings: TierWarning[] } {
  const period = slo.window.duration.minutes;
  const withConditions = slo.alertPolicies.some((p) => p.conditions.length > 0);
  if (withConditions) return policyTiers(slo.alertPolicies, opts);
  const disable = [...(opts.disable ?? [])];
  if (slo.alerting && !slo.alerting.page.enabled) disable.push('page');
  if (slo.alerting && !slo.alerting.ticket.enabled) disable.push('ticket');
  return defaultTiers(period, { ...opts, disable });
}

/** 1 - target, exact: "0.999" → "0.001". */
export function errorBudget(target: string): string {
  return new Decimal(1).minus(new Decimal(target)).toString();
}

/** factor × budget, exact: 14.4 × 0.001 → "0.0144". */
export function threshold(factor: string, budget: string): string {
  return new Decimal(factor).mul(new Decimal(budget)).toString();
}

/** Minutes until a constant burn rate B trips a tier's long window: factor / B × long window. */
export function detectionMinutes(tier: Pick<Tier, 'factor' | 'longMinutes'>, burnRate: number): number {
  return (Number(tier.factor) / burnRate) * tier.longMinutes;
}
