/**
 * `slo report --format html` without I/O: the report's rows and the range queries' series → the page model of
 * @slo-engine/html-report. Kept pure so that every decision (what is masked, how alerts become bars) is
 * unit-testable without a server.
 */
import { duration, type HtmlAlert, type HtmlObjective, type HtmlPage, type HtmlPoint } from '@slo-engine/html-report';
import { LABEL, NO_DATA_TIER, promDuration, RECORD } from '@slo-engine/rules';
import { budgetText, coverageText, sliText, statusText, type Report, type ReportObjective, type SloRow } from './report-format';

/** One series of a range query. */
export interface RangeSeries {
  name: string;
  labels: Record<string, string>;
  /** Unix seconds, in time order. */
  points: HtmlPoint[];
}

/** What the range queries of report-queries.ts returned. */
export interface FetchedRanges {
  periodRatios: RangeSeries[];
  budgetRemaining: RangeSeries[];
  coverage: RangeSeries[];
  alerts: RangeSeries[];
}

export interface RangeWindow {
  /** Unix seconds: the start and end of the range queries, and of every plot's time axis. */
  from: number;
  to: number;
  step: number;
}

const keyOf = (labels: Record<string, string>) => `${labels[LABEL.service] ?? ''}\u0000${labels[LABEL.name] ?? ''}`;
/** Points compare by millisecond: every range query has the same start and step. */
const ms = (t: number) => Math.round(t * 1000);

/** Several series of one objective (groups, replicas) as one: the worst value at each time. */
function combine(series: RangeSeries[], worst: (a: number, b: number) => number): HtmlPoint[] {
  const at = new Map<number, HtmlPoint>();
  for (const s of series)
    for (const p of s.points) {
      if (!Number.isFinite(p.v)) continue;
      const had = at.get(ms(p.t));
      at.set(ms(p.t), had ? { t: had.t, v: worst(had.v, p.v) } : { t: p.t, v: p.v });
    }
  return [...at.values()].sort((a, b) => a.t - b.t);
}

/** The points at times where the period was measured at all: a ratio read before the first roll-up is 0, not a perfect SLI. */
function measuredOnly(points: HtmlPoint[], coverage: HtmlPoint[]): HtmlPoint[] {
  const covered = new Set(coverage.filter((p) => p.v > 0).map((p) => ms(p.t)));
  return points.filter((p) => covered.has(ms(p.t)));
}

/** The report's live value as the last point, in place of a recorded one at the same time. */
function withLast(points: HtmlPoint[], t: number, v: number | null): HtmlPoint[] {
  if (v === null) return points;
  return [...points.filter((p) => ms(p.t) !== ms(t)), { t, v }];
}

/**
 * Alert bars from `max_over_time(ALERTS[step])` at each step: a point at t means the alert was active at some
 * time in (t - step, t]; consecutive points make one bar. Pending bars come first, so that firing ones are
 * drawn over them.
 */
export function alertBars(series: RangeSeries[], step: number): HtmlAlert[] {
  const bars: HtmlAlert[] = [];
  for (const s of series) {
    const state = s.labels.alertstate;
    const lane = s.labels[LABEL.tier] ?? s.labels.alertname ?? '';
    const severity = state === 'pending' ? 'pending' : (s.labels[LABEL.severity] ?? 'firing');
    let open: HtmlAlert | undefined;
    for (const p of s.points) {
      if (!(p.v > 0)) continue;
      if (open && ms(p.t) - ms(open.end) <= ms(step)) open.end = p.t;
      else {
        open = { lane, start: p.t - step, end: p.t, severity };
        bars.push(open);
      }
    }
  }
  const rank = (a: HtmlAlert) => (a.severity === 'pending' ? 0 : 1);
  return bars.sort((a, b) => rank(a) - rank(b) || a.start - b.start || (a.lane < b.lane ? -1 : a.lane > b.lane ? 1 : 0));
}

/** The page of the report: per objective, its plots over the longest period and the table's numbers beside them. */
export function buildPage(report: Report, objectives: ReportObjective[], ranges: FetchedRanges, w: RangeWindow): HtmlPage {
  const group = (series: RangeSeries[]) => {
    const out = new Map<string, RangeSeries[]>();
    for (const s of series) out.set(keyOf(s.labels), [...(out.get(keyOf(s.labels)) ?? []), s]);
    return out;
  };
  const ratios = group(ranges.periodRatios);
  const budgets = group(ranges.budgetRemaining);
  const coverages = group(ranges.coverage);
  const alerts = group(ranges.alerts);
  const rows = new Map(report.slos.map((r) => [`${r.service}\u0000${r.slo}`, r]));
  const ordered = [...objectives].sort((a, b) =>
    a.service < b.service ? -1 : a.service > b.service ? 1 : a.objective.sloName < b.objective.sloName ? -1 : a.objective.sloName > b.objective.sloName ? 1 : 0,
  );
  const page: HtmlObjective[] = ordered.flatMap(({ service, objective: o }) => {
    const k = `${service}\u0000${o.sloName}`;
    const row = rows.get(k);
    if (!row) return [];
    const ratioName = RECORD.errorRatio(promDuration(o.periodMinutes));
    const coverage = combine(coverages.get(k) ?? [], Math.min);
    const sli = combine(
      (ratios.get(k) ?? []).filter((s) => s.name === ratioName),
      Math.max,
    ).map((p) => ({ t: p.t, v: 1 - p.v }));
    const budget = combine(budgets.get(k) ?? [], Math.min);
    return [
      {
        title: `${service} / ${o.sloName}`,
        subtitle: `objective ${+(Number(o.target) * 100).toPrecision(6)}% over ${row.period}`,
        numbers: numbers(row),
        objective: Number(o.target),
        sli: withLast(measuredOnly(sli, coverage), w.to, row.sli),
        budget: withLast(measuredOnly(budget, coverage), w.to, row.budgetRemaining),
        coverage: withLast(coverage, w.to, row.coverage),
        lanes: [...o.tiers.map((t) => t.id), ...(o.noDataMinutes !== undefined ? [NO_DATA_TIER] : [])],
        alerts: alertBars(alerts.get(k) ?? [], w.step),
        notes: notes(row),
      },
    ];
  });
  return {
    title: 'SLO report',
    subtitle: `from ${report.prometheus} at ${report.time}`,
    from: w.from,
    to: w.to,
    objectives: page,
    notes: [
      `Plots: the recorded series every ${duration(w.step)}; the last point of SLI and budget is the report's live value (the roll-ups plus the building blocks since the newest).`,
      'SLI and budget are drawn only where the period was measured (coverage above 0): before the first roll-up there is nothing to show, not a perfect SLI.',
    ],
  };
}

function numbers(r: SloRow): { label: string; value: string }[] {
  return [
    { label: 'Status', value: statusText(r) },
    { label: 'SLI', value: sliText(r) },
    { label: 'Objective', value: `${+(r.objective * 100).toPrecision(6)}%` },
    { label: 'Budget left', value: budgetText(r) },
    { label: 'Coverage', value: coverageText(r) },
    ...r.tiers.map((t) => ({
      label: `Burn ${t.id} (${t.long.window}/${t.short.window})`,
      value: `${t.long.burnRate ?? '-'} / ${t.short.burnRate ?? '-'} (factor ${t.factor})${t.burning ? ' burning' : ''}`,
    })),
    { label: 'Firing', value: r.firing.join(', ') || '-' },
    { label: 'Pending', value: r.pending.join(', ') || '-' },
  ];
}

function notes(r: SloRow): string[] {
  const out: string[] = [];
  if (r.status === 'no data') out.push('No recorded series for this objective: rules not loaded in this Prometheus, or not evaluated yet.');
  else if (!(r.coverage !== null && r.coverage > 0)) out.push('Period not yet measured: no roll-up recorded yet.');
  else if (r.coverage < 1 && r.measuredMinutes !== null)
    out.push(`Measured over ${duration(r.measuredMinutes * 60)} of ${r.period}: the rules have run for less than the period (no backfilled history).`);
  if (r.status !== 'no data' && !r.periodLive && r.sli !== null) out.push('Stale: no recent roll-up; SLI and budget are the recorded period values, without the building blocks since.');
  return out;
}
