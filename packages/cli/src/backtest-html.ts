import { renderHtml, type HtmlObjective, type HtmlPage } from '@slo-engine/html-report';
import { human, type BacktestObjective, type BacktestResult } from '@slo-engine/history';

/** `slo backtest --format html`: the backtest as one self-contained page (the renderer is @slo-engine/html-report). */

const pct = (x: number | null, digits = 3) => (x === null ? 'n/a' : `${(x * 100).toFixed(digits)}%`);
const time = (t: number) => new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ');
const points = (c: [number, number][]) => c.map(([t, v]) => ({ t, v }));

function objective(o: BacktestObjective): HtmlObjective {
  // a period value over no measured samples is not a value: drawn only where the coverage series exists
  const covered = new Set(o.curves.coverage.filter(([, v]) => v > 0).map(([t]) => t));
  return {
    title: `${o.service} / ${o.slo}`,
    subtitle: `objective ${pct(o.target)} over ${o.period}`,
    objective: o.target,
    numbers: [
      { label: 'SLI over the range', value: pct(o.sli) },
      { label: 'Budget spent at the end', value: pct(o.budgetConsumed, 1) },
      { label: 'Budget spent at worst', value: pct(o.budgetConsumedMax, 1) },
      { label: 'Budget ran out', value: o.budgetExhaustedAt === null ? 'never' : `${time(o.budgetExhaustedAt)} UTC` },
      { label: 'Alerts', value: String(o.alerts.length) },
      { label: 'Pages per week', value: String(o.pagesPerWeek) },
      { label: 'Tickets per week', value: String(o.ticketsPerWeek) },
    ],
    sli: points(o.curves.sli.filter(([t]) => covered.has(t))),
    budget: points(o.curves.budget.filter(([t]) => covered.has(t))),
    coverage: points(o.curves.coverage),
    lanes: o.lanes,
    alerts: o.alerts.map((a) => ({ lane: a.tier, start: a.start, end: a.end, severity: a.severity, peak: a.peakBurnRate })),
    notes: o.coverage !== null && o.coverage < 1 ? [`at the end of the range the ${o.period} period is measured over ${(o.coverage * 100).toFixed(1)}% of it`] : [],
  };
}

export function backtestHtml(r: BacktestResult): string {
  const page: HtmlPage = {
    title: `SLO backtest, ${time(r.range.from)} to ${time(r.range.to)} UTC`,
    subtitle: `${r.objectives.length} objective(s) over ${human(r.range.to - r.range.from)} of raw history from ${r.prometheus}`,
    from: r.range.from,
    to: r.range.to,
    objectives: r.objectives.map(objective),
  };
  return renderHtml(page);
}
