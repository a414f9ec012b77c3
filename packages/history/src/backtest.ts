import { durationSeconds, q } from '@slo-engine/promql';
import { BLOCK, LABEL, RECORD, isAlert, promDuration, type AlertingRule, type CompiledObjective, type CompiledSlo } from '@slo-engine/rules';
import { PromApi, type RangeSeries } from './api';
import { checkRange, human, PassRun, type HistoryRange, type RunOptions } from './passes';

/**
 * `slo backtest`: the compiled rules evaluated over the history of the raw series, before anyone is paged by them.
 * The recorded series come from the same passes as `slo backfill` (the rules `slo compile` writes, evaluated by
 * promtool); each alerting rule's expression is then evaluated at every minute of the range, as its group does
 * live, and Prometheus's `for:` is applied: pending from the first evaluation the condition holds, firing once it
 * has held for `for:`, resolved at the first evaluation it no longer holds.
 */

/** The alert group's interval: its expressions are evaluated this often. */
const ALERT_STEP = 60;
/** The budget and SLI curves have about this many points. */
const CURVE_POINTS = 1000;

export interface BacktestAlert {
  alert: string;
  tier: string;
  severity: string;
  /** Labels of the alert beyond the SLO's own (e.g. a grouped SLO's group). */
  labels: Record<string, string>;
  /** Unix seconds: condition first held, alert fired, alert resolved (or the end of the range while still firing). */
  pendingAt: number;
  start: number;
  end: number;
  open: boolean;
  durationSeconds: number;
  /** The highest burn rate of the tier's long window while firing. */
  peakBurnRate: number;
}

export interface BacktestObjective {
  service: string;
  slo: string;
  target: number;
  period: string;
  /** Good share of events (or slices) over the whole range; null without events. */
  sli: number | null;
  /** Share of the rolling period's error budget spent at the end of the range, and at its worst point in the range. */
  budgetConsumed: number | null;
  budgetConsumedMax: number | null;
  /** When the rolling period's budget first ran out in the range (unix seconds), if it did. */
  budgetExhaustedAt: number | null;
  /** Period coverage at the end of the range. */
  coverage: number | null;
  alerts: BacktestAlert[];
  pagesPerWeek: number;
  ticketsPerWeek: number;
  /** Curves for pictures: SLI over the period, budget remaining, coverage ([unix seconds, value]). */
  curves: { sli: [number, number][]; budget: [number, number][]; coverage: [number, number][] };
  lanes: string[];
}

export interface BacktestResult {
  prometheus: string;
  range: HistoryRange;
  objectives: BacktestObjective[];
}

export interface BacktestOptions extends RunOptions {
  compiled: CompiledSlo[];
  url: string;
  range: HistoryRange;
  now: number;
  onNote?: (line: string) => void;
}

const severityOf = (r: AlertingRule) => r.labels?.[LABEL.severity] ?? '';
const SLO_LABELS = new Set<string>([LABEL.name, LABEL.service]);

/**
 * Prometheus's alert states over one label set's condition: `held` are the evaluation times (every step) at which
 * the expression returned the series. Returns the firing episodes.
 */
export function episodes(held: [number, number][], step: number, forSeconds: number, rangeEnd: number): { pendingAt: number; start: number; end: number; open: boolean; values: number[] }[] {
  const out: { pendingAt: number; start: number; end: number; open: boolean; values: number[] }[] = [];
  let activeAt: number | undefined;
  let firedAt: number | undefined;
  let values: number[] = [];
  let prev: number | undefined;
  const close = (resolvedAt: number) => {
    if (firedAt !== undefined) out.push({ pendingAt: activeAt!, start: firedAt, end: resolvedAt, open: false, values });
    activeAt = firedAt = undefined;
    values = [];
  };
  for (const [t, v] of held) {
    // a missed step is an evaluation where the condition did not hold: the alert resolved (or the pending one reset)
    if (prev !== undefined && t - prev > step) close(prev + step);
    if (activeAt === undefined) activeAt = t;
    if (firedAt === undefined && t - activeAt >= forSeconds) firedAt = t;
    if (firedAt !== undefined) values.push(v);
    prev = t;
  }
  if (prev !== undefined) {
    if (prev + step <= rangeEnd) close(prev + step);
    else if (firedAt !== undefined) out.push({ pendingAt: activeAt!, start: firedAt, end: rangeEnd, open: true, values });
  }
  return out;
}

const forSeconds = (r: AlertingRule) => (r.for ? (durationSeconds(r.for) ?? 0) : 0);

function stepFor(range: HistoryRange): number {
  return Math.max(ALERT_STEP, Math.ceil((range.to - range.from) / CURVE_POINTS / ALERT_STEP) * ALERT_STEP);
}

const curve = (series: RangeSeries[], f: (v: number) => number = (v) => v): [number, number][] => (series[0]?.points ?? []).map(([t, v]) => [t, f(v)]);

async function objectiveResult(api: PromApi, c: CompiledSlo, o: CompiledObjective, range: HistoryRange): Promise<BacktestObjective> {
  const span = `${range.to - range.from}s`;
  const of = (metric: string) => q.sel(metric, o.matchers);
  /** `sum(sum_over_time(metric{objective}[range]))` */
  const summed = (metric: string) => q.agg('sum', q.call('sum_over_time', q.range(of(metric), span)));
  const period = promDuration(o.periodMinutes);
  const one = async (expr: string) => {
    const r = await api.query(expr, range.to);
    return r.length && Number.isFinite(r[0]!.value) ? r[0]!.value : null;
  };
  const errorRatio = await one(q.render(q.binary(summed(BLOCK.bad), '/', q.paren(q.binary(summed(BLOCK.total), '>', q.num(0))))));
  const step = stepFor(range);
  // min/max across a grouped SLO's groups: the worst group is the one that pages
  const [sli, budget, coverage] = await Promise.all([
    api.queryRange(q.render(q.binary(q.num(1), '-', q.agg('max', of(RECORD.errorRatio(period))))), range.from, range.to, step),
    api.queryRange(q.render(q.agg('min', of(RECORD.budgetRemaining))), range.from, range.to, step),
    api.queryRange(q.render(q.agg('min', of(RECORD.periodCoverage))), range.from, range.to, step),
  ]);
  const budgetCurve = curve(budget);
  const remainingAtEnd = budgetCurve.length ? budgetCurve[budgetCurve.length - 1]![1] : null;
  const lowest = budgetCurve.length ? Math.min(...budgetCurve.map(([, v]) => v)) : null;
  const exhausted = budgetCurve.find(([, v]) => v <= 0);

  const rules = c.rules.groups.flatMap((g) => g.rules).filter((r): r is AlertingRule => isAlert(r) && r.labels?.[LABEL.name] === o.sloName);
  const alerts: BacktestAlert[] = [];
  for (const rule of rules) {
    const tier = rule.labels?.[LABEL.tier] ?? rule.alert;
    const factor = o.tiers.find((t) => t.id === tier)?.factor;
    const held = await api.queryRange(rule.expr, range.from, range.to, ALERT_STEP);
    for (const s of held) {
      const extra = Object.fromEntries(Object.entries(s.labels).filter(([k]) => !SLO_LABELS.has(k) && !(k in o.labels) && k !== '__name__'));
      for (const e of episodes(s.points, ALERT_STEP, forSeconds(rule), range.to))
        alerts.push({
          alert: rule.alert,
          tier,
          severity: severityOf(rule),
          labels: extra,
          pendingAt: e.pendingAt,
          start: e.start,
          end: e.end,
          open: e.open,
          durationSeconds: e.end - e.start,
          // the expression's value is the long window's error ratio (no-data alerts have no burn rate)
          peakBurnRate: factor === undefined ? 0 : +(Math.max(...e.values) / Number(o.budget)).toPrecision(6),
        });
    }
  }
  alerts.sort((a, b) => a.start - b.start || a.tier.localeCompare(b.tier));
  const weeks = (range.to - range.from) / (7 * 86_400);
  const perWeek = (sev: string) => +(alerts.filter((a) => a.severity === sev).length / weeks).toFixed(2);
  const lanes = [...new Set([...o.tiers.map((t) => t.id), ...rules.map((r) => r.labels?.[LABEL.tier] ?? r.alert)])];
  return {
    service: c.slo.service,
    slo: o.sloName,
    target: Number(o.target),
    period,
    sli: errorRatio === null ? null : 1 - errorRatio,
    budgetConsumed: remainingAtEnd === null ? null : 1 - remainingAtEnd,
    budgetConsumedMax: lowest === null ? null : 1 - lowest,
    budgetExhaustedAt: exhausted ? exhausted[0] : null,
    coverage: curve(coverage).at(-1)?.[1] ?? null,
    alerts,
    pagesPerWeek: perWeek('page'),
    ticketsPerWeek: perWeek('ticket'),
    curves: { sli: curve(sli), budget: budgetCurve, coverage: curve(coverage) },
    lanes,
  };
}

export async function backtest(o: BacktestOptions): Promise<BacktestResult> {
  const source = new PromApi(o.url);
  // the live rules' own series on the server do not matter here: nothing is loaded into it
  const { range } = await checkRange(source, o.compiled, o.range, o.now, { cutAtLiveRules: false });
  const run = new PassRun(o.compiled, range);
  try {
    await run.run(o.url, o);
    const local = new PromApi(run.server!.url);
    const objectives: BacktestObjective[] = [];
    for (const c of o.compiled) for (const obj of c.objectives) objectives.push(await objectiveResult(local, c, obj, range));
    return { prometheus: source.shown, range, objectives };
  } finally {
    await run.close();
  }
}

/** The backtest as text, for a terminal. */
export function formatBacktest(r: BacktestResult): string {
  const time = (t: number) => new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ');
  const pct = (x: number | null, d = 3) => (x === null ? 'n/a' : `${(x * 100).toFixed(d)}%`);
  const lines = [`backtest of ${r.objectives.length} objective(s) over ${time(r.range.from)} .. ${time(r.range.to)} UTC (${human(r.range.to - r.range.from)}), raw history from ${r.prometheus}`, ''];
  for (const o of r.objectives) {
    lines.push(`${o.service} / ${o.slo}: objective ${pct(o.target)} over ${o.period}`);
    lines.push(`  SLI over the range   ${pct(o.sli)}`);
    // early in a range the rolling period holds little history, so a short incident can spend "the" budget: say how much
    const held = (t: number) => {
      const c = o.curves.coverage.filter(([at]) => at <= t).at(-1)?.[1];
      return c === undefined || c >= 1 ? '' : ` (the period then held ${human(c * (durationSeconds(o.period) ?? 0))} of history)`;
    };
    const worstAt = o.curves.budget.reduce<[number, number] | undefined>((w, p) => (w === undefined || p[1] < w[1] ? p : w), undefined)?.[0];
    lines.push(`  budget spent         ${pct(o.budgetConsumed, 1)} at the end, ${pct(o.budgetConsumedMax, 1)} at worst${worstAt === undefined ? '' : held(worstAt)}`);
    if (o.budgetExhaustedAt) lines.push(`  budget ran out       at ${time(o.budgetExhaustedAt)}${held(o.budgetExhaustedAt)}`);
    if (o.coverage !== null && o.coverage < 1) lines.push(`  (the ${o.period} period is measured over ${human(o.coverage * (durationSeconds(o.period) ?? 0))} of it at the end of the range)`);
    lines.push(`  alerts               ${o.alerts.length} (${o.pagesPerWeek} pages and ${o.ticketsPerWeek} tickets per week)`);
    for (const a of o.alerts) {
      const extra = Object.entries(a.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      lines.push(
        `    ${a.tier.padEnd(14)} ${a.severity.padEnd(7)} ${time(a.start)} .. ${a.open ? 'still firing' : time(a.end)}  ${human(a.durationSeconds).padEnd(7)} peak burn ${a.peakBurnRate}x${extra ? `  {${extra}}` : ''}`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}
