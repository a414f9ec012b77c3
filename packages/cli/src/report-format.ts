/**
 * `slo report` without I/O: samples fetched from Prometheus → one row per SLO objective → text or JSON.
 * Kept pure so that every rendering decision is unit-testable without a server.
 */
import { duration } from '@slo-engine/html-report';
import { LABEL, promDuration, RECORD, ROLLUP_MINUTES, threshold, type CompiledObjective } from '@slo-engine/rules';
import { ROLLUP_LOOKBACK_MINUTES } from './report-queries';

/** Prometheus's state label of `ALERTS` (report-queries.ts asks for firing and pending). */
const ALERT_STATE_LABEL = 'alertstate';

/** One sample of an instant query. */
export interface Sample {
  /** Metric name (`__name__`); empty when the series has none. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** What the report's instant queries returned (report-queries.ts builds them). */
export interface FetchedSamples {
  /** `slo:sli_error:ratio_rate<W>` of every window a row needs. */
  ratios: Sample[];
  budgetRemaining: Sample[];
  noTraffic: Sample[];
  /** `ALERTS` of the SLOs, firing and pending (label `alertstate`). */
  alerts: Sample[];
  /** `slo:period_coverage:ratio`. */
  coverage: Sample[];
  /** Per roll-up series, the unix time (seconds) of its newest sample. */
  lastRollup: Sample[];
  /** Second round, per series: the period's sums of bad and total events up to the report time. */
  liveBad: Sample[];
  liveTotal: Sample[];
}

export interface ReportObjective {
  service: string;
  objective: CompiledObjective;
}

export interface WindowBurn {
  window: string;
  /** Error ratio over the window ÷ error budget; null when the series is absent. */
  burnRate: number | null;
}

export interface TierRow {
  id: string;
  severity: string;
  factor: number;
  long: WindowBurn;
  short: WindowBurn;
  /** Both windows meet the tier's condition (what its alert fires on, before `for:`); null when a window has no data. */
  burning: boolean | null;
}

/** Worst first: an alert firing, pending (waiting for its `for:`), a tier's condition met with no alert yet, then the rest. */
export const STATUSES = ['firing', 'pending', 'burning', 'ok', 'no traffic', 'no data'] as const;
export type RowStatus = (typeof STATUSES)[number];

export interface SloRow {
  service: string;
  slo: string;
  objective: number;
  period: string;
  /** 1 - period error ratio; null when absent or not measured (coverage 0 or absent): never 1 for missing history. */
  sli: number | null;
  /** Share of the period's error budget left; null as `sli`. */
  budgetRemaining: number | null;
  /** Share of the period the recorded roll-ups cover (0..1); null when `slo:period_coverage:ratio` is absent. */
  coverage: number | null;
  /** coverage × period, in whole minutes; null with coverage. */
  measuredMinutes: number | null;
  /**
   * True when sli and budgetRemaining include every building block up to `time` (the roll-ups plus the blocks
   * since the newest one); false when they are the recorded period series, which trail (roll-ups stale).
   */
  periodLive: boolean;
  noTraffic: boolean | null;
  firing: string[];
  pending: string[];
  tiers: TierRow[];
  status: RowStatus;
  /** The tier behind a firing, pending or burning status (the worst: page before ticket, then in tier order). */
  statusTier: string | null;
}

export interface Report {
  prometheus: string;
  /** ISO 8601: the evaluation time of every query. */
  time: string;
  slos: SloRow[];
}

const key = (service: string, slo: string) => `${service}\u0000${slo}`;
const keyOf = (s: Sample) => key(s.labels[LABEL.service] ?? '', s.labels[LABEL.name] ?? '');
const byName = (a: { service: string; slo: string }, b: { service: string; slo: string }) => (a.service < b.service ? -1 : a.service > b.service ? 1 : a.slo < b.slo ? -1 : a.slo > b.slo ? 1 : 0);

/** Drops float noise from arithmetic on exact decimals (1 - 0.0005 → 0.9995, 0.0072 / 0.001 → 7.2). */
const clean = (x: number) => Number(x.toPrecision(12));

/**
 * Per objective key, the value of each metric name. Several series can match one objective (the same rules
 * in two Prometheus replicas behind one URL, or federated copies): the report keeps the worst.
 */
function index(samples: Sample[], worst: (a: number, b: number) => number): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const s of samples) {
    if (!Number.isFinite(s.value)) continue;
    const k = keyOf(s);
    const m = out.get(k) ?? new Map<string, number>();
    out.set(k, m);
    const had = m.get(s.name);
    m.set(s.name, had === undefined ? s.value : worst(had, s.value));
  }
  return out;
}

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  gte: (a, b) => a >= b,
  gt: (a, b) => a > b,
  lte: (a, b) => a <= b,
  lt: (a, b) => a < b,
};

/** A label set as a map key. */
const labelsKey = (labels: Record<string, string>) =>
  JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );

/**
 * Per objective key, the live period error ratio from the second round's sums (per series: bad / total, 0
 * without events, as the rules record it; the worst series of an objective wins).
 */
function liveRatios(bad: Sample[], total: Sample[]): Map<string, number> {
  const badBySeries = new Map(bad.filter((s) => Number.isFinite(s.value)).map((s) => [labelsKey(s.labels), s.value]));
  const out = new Map<string, number>();
  for (const t of total) {
    const b = badBySeries.get(labelsKey(t.labels));
    if (b === undefined || !Number.isFinite(t.value)) continue;
    const ratio = t.value > 0 ? b / t.value : 0;
    const k = keyOf(t);
    out.set(k, Math.max(out.get(k) ?? -Infinity, ratio));
  }
  return out;
}

const SEVERITY_RANK: Record<string, number> = { page: 0, ticket: 1 };

/** Rows of the report, ordered by service and slo_name, from the objectives the specs define and what Prometheus returned. */
export function buildRows(objectives: ReportObjective[], samples: FetchedSamples): SloRow[] {
  const ratios = index(samples.ratios, Math.max);
  const budgets = index(samples.budgetRemaining, Math.min);
  const traffic = index(samples.noTraffic, Math.max);
  // several series of one objective (groups, replicas): the least covered one
  const coverages = index(samples.coverage, Math.min);
  const live = liveRatios(samples.liveBad, samples.liveTotal);
  const alerts = new Map<string, { firing: Set<string>; pending: Set<string>; severity: Map<string, string> }>();
  for (const a of samples.alerts) {
    const state = a.labels[ALERT_STATE_LABEL];
    if (state !== 'firing' && state !== 'pending') continue;
    const tier = a.labels[LABEL.tier] ?? a.labels.alertname ?? '';
    const k = keyOf(a);
    const entry = alerts.get(k) ?? { firing: new Set<string>(), pending: new Set<string>(), severity: new Map<string, string>() };
    alerts.set(k, entry);
    entry[state].add(tier);
    if (a.labels[LABEL.severity]) entry.severity.set(tier, a.labels[LABEL.severity]!);
  }

  const rows = objectives.map(({ service, objective: o }): SloRow => {
    const k = key(service, o.sloName);
    const budget = Number(o.budget);
    const ratioOf = (minutes: number) => ratios.get(k)?.get(RECORD.errorRatio(promDuration(minutes)));
    const recordedRatio = ratioOf(o.periodMinutes);
    const recordedRemaining = budgets.get(k)?.get(RECORD.budgetRemaining);
    const liveRatio = live.get(k);
    const coverageValue = coverages.get(k)?.get(RECORD.periodCoverage);
    const coverage = coverageValue === undefined ? null : clean(Math.min(1, Math.max(0, coverageValue)));
    // missing history is not perfect: without coverage nothing over the period was measured
    const measured = coverage !== null && coverage > 0;
    const periodRatio = liveRatio ?? recordedRatio;
    const remaining = liveRatio !== undefined ? 1 - liveRatio / budget : recordedRemaining;
    const noTrafficValue = traffic.get(k)?.get(RECORD.noTraffic);
    const noTraffic = noTrafficValue === undefined ? null : noTrafficValue === 1;
    const tiers = o.tiers.map((t): TierRow => {
      const long = ratioOf(t.longMinutes);
      const short = ratioOf(t.shortMinutes);
      const limit = Number(threshold(t.factor, o.budget));
      const cmp = COMPARE[t.op] ?? COMPARE.gte!;
      // the alert compares error ratios with factor × budget, exactly as here; a lt/lte tier also needs traffic
      const burning = long === undefined || short === undefined ? null : cmp(long, limit) && cmp(short, limit) && (t.op === 'gte' || t.op === 'gt' || noTraffic !== true);
      const burn = (minutes: number, ratio: number | undefined): WindowBurn => ({ window: promDuration(minutes), burnRate: ratio === undefined ? null : clean(ratio / budget) });
      return { id: t.id, severity: t.severity, factor: Number(t.factor), long: burn(t.longMinutes, long), short: burn(t.shortMinutes, short), burning };
    });
    const hasData = recordedRatio !== undefined || recordedRemaining !== undefined || liveRatio !== undefined || coverage !== null || noTraffic !== null || (ratios.get(k)?.size ?? 0) > 0;
    const a = alerts.get(k);
    // the worst tier: page before ticket (then other severities), then in the objective's tier order, then by name
    const order = new Map(o.tiers.map((t, i) => [t.id, i]));
    const severityOf = (tier: string) => a?.severity.get(tier) ?? o.tiers.find((t) => t.id === tier)?.severity ?? '';
    const worst = (tiers: Iterable<string>) =>
      [...tiers].sort(
        (x, y) => (SEVERITY_RANK[severityOf(x)] ?? 2) - (SEVERITY_RANK[severityOf(y)] ?? 2) || (order.get(x) ?? Infinity) - (order.get(y) ?? Infinity) || (x < y ? -1 : x > y ? 1 : 0),
      )[0];
    const firing = worst(a?.firing ?? []);
    const pending = worst(a?.pending ?? []);
    const burning = worst(tiers.filter((t) => t.burning).map((t) => t.id));
    const [status, statusTier]: [RowStatus, string | undefined] =
      firing !== undefined
        ? ['firing', firing]
        : pending !== undefined
          ? ['pending', pending]
          : burning !== undefined
            ? ['burning', burning]
            : [!hasData ? 'no data' : noTraffic ? 'no traffic' : 'ok', undefined];
    return {
      service,
      slo: o.sloName,
      objective: Number(o.target),
      period: promDuration(o.periodMinutes),
      sli: !measured || periodRatio === undefined ? null : clean(1 - periodRatio),
      budgetRemaining: !measured || remaining === undefined ? null : clean(remaining),
      coverage,
      measuredMinutes: coverage === null ? null : Math.round(coverage * o.periodMinutes),
      periodLive: liveRatio !== undefined,
      noTraffic,
      firing: [...(a?.firing ?? [])].sort(),
      pending: [...(a?.pending ?? [])].sort(),
      tiers,
      status,
      statusTier: statusTier ?? null,
    };
  });
  return rows.sort(byName);
}

export function formatJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

type Style = 'red' | 'yellow' | 'dim' | 'bold';
const CODES: Record<Style, string> = { red: '31', yellow: '33', dim: '2', bold: '1' };

/** A table cell: its parts are painted separately, so that one burning tier can be red inside the burn-rate column. */
type Cell = { text: string; style?: Style }[];

const cell = (text: string, style?: Style): Cell => [{ text, style }];
const width = (c: Cell) => c.reduce((n, p) => n + p.text.length, 0);
const MISSING = '-';

/** The dashboard paints budget orange below this share. */
const LOW_BUDGET = 0.25;

/** Percent of an objective: 0.999 → "99.9%". */
const objectivePct = (x: number) => `${+(x * 100).toPrecision(6)}%`;

/** The SLI with one digit more than the objective has, rounded down so that 99.996% never reads as 100.00%. */
function sliPct(sli: number, objective: number): string {
  const decimals = (String(+(objective * 100).toPrecision(6)).split('.')[1] ?? '').length;
  const d = Math.max(2, decimals + 1);
  const scaled = Math.floor(sli * 100 * 10 ** d + 1e-6) / 10 ** d;
  return `${scaled.toFixed(d)}%`;
}

function budgetPct(x: number): string {
  const s = (x * 100).toFixed(1);
  return `${s === '-0.0' ? '0.0' : s}%`;
}

/** Compact: 0, 0.0042, 0.35, 2.4, 14.4, 120. */
function burnText(b: number | null): string {
  if (b === null) return MISSING;
  if (b >= 100) return String(Math.round(b));
  if (b >= 10) return String(+b.toFixed(1));
  return String(+b.toPrecision(2));
}

const LEGEND = [
  "SLI: 1 - error ratio over the period, live (the period's roll-ups plus the building blocks recorded since the newest one).",
  'BUDGET LEFT: share of the period\'s error budget not yet spent (negative: overspent). "(measured over 2d 4h of 30d)", "(partial)":',
  '  the rules have recorded less than the period (started recently, history not backfilled); "not measured": nothing yet.',
  "BURN RATE: error ratio / error budget over each alert tier's long/short window (1 spends the budget in exactly one period);",
  '  * marks a tier whose long and short windows both meet its factor (its alert fires, after its for:).',
  "FIRING: alert tiers firing now. STATUS: the worst of firing, pending (an alert waiting for its for:) and burning (a tier's",
  '  windows both meet its factor, no alert yet), with its tier; else ok, no traffic (no events in the last 5 minutes) or',
  '  no data (no recorded series for the objective: rules not loaded in this Prometheus, or not evaluated yet). "-": series absent.',
];

/** A whole number of minutes as `2d 4h`: its two largest units. */
const minutesText = (m: number) => duration(m * 60);

/** The annotation of the period's values: why they do not cover the whole period, or trail. */
function periodNote(r: SloRow): { sli?: string; budget?: string } {
  const partial = r.coverage !== null && r.coverage > 0 && r.coverage < 1;
  const stale = !r.periodLive && r.sli !== null;
  const notes = (first: string | undefined) => [first, stale ? 'stale' : undefined].filter((x): x is string => x !== undefined);
  const sli = notes(partial && r.measuredMinutes !== null ? `measured over ${minutesText(r.measuredMinutes)} of ${r.period}` : undefined);
  const budget = notes(partial ? 'partial' : undefined);
  return { sli: sli.length ? `(${sli.join(', ')})` : undefined, budget: budget.length ? `(${budget.join(', ')})` : undefined };
}

const NOT_MEASURED = 'not measured';

/** Whether anything of the period was measured (coverage above 0): a row with data but no coverage shows "not measured". */
const measured = (r: SloRow) => r.coverage !== null && r.coverage > 0;

/** The SLI as one line of text: `99.95%`, `99.95% (measured over 2d 4h of 30d)`, `not measured` or `-`. */
export function sliText(r: SloRow): string {
  if (r.status !== 'no data' && !measured(r)) return NOT_MEASURED;
  const note = periodNote(r).sli;
  return `${r.sli === null ? MISSING : sliPct(r.sli, r.objective)}${note ? ` ${note}` : ''}`;
}

/** The budget left as one line of text: `50.0%`, `50.0% (partial)`, `not measured` or `-`. */
export function budgetText(r: SloRow): string {
  if (r.status !== 'no data' && !measured(r)) return NOT_MEASURED;
  const note = periodNote(r).budget;
  return `${r.budgetRemaining === null ? MISSING : budgetPct(r.budgetRemaining)}${note ? ` ${note}` : ''}`;
}

/** Coverage as text: `100%`, `7.2% (2d 4h of 30d)`, `not recorded`. */
export function coverageText(r: SloRow): string {
  if (r.coverage === null) return 'not recorded';
  const p = `${+(r.coverage * 100).toFixed(1)}%`;
  return r.coverage >= 1 || r.measuredMinutes === null ? p : `${p} (${minutesText(r.measuredMinutes)} of ${r.period})`;
}

/** STATUS as text: `firing burn-14x-1h`, `ok`. */
export const statusText = (r: SloRow) => (r.statusTier ? `${r.status} ${r.statusTier}` : r.status);

/** Lines under the table for what a cell cannot say: a period not measured yet, stale roll-ups. */
function footnotes(rows: SloRow[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const who = `${r.service}/${r.slo}`;
    if (r.status !== 'no data' && !measured(r))
      out.push(
        `${who}: period not yet measured (${RECORD.periodCoverage} ${r.coverage === null ? 'absent' : 'is 0'}: no roll-up recorded yet, the first comes ${ROLLUP_MINUTES}m after the rules are loaded, or rules compiled before it existed)`,
      );
    else if (!r.periodLive && r.sli !== null)
      out.push(`${who}: stale: no roll-up in the last ${promDuration(ROLLUP_LOOKBACK_MINUTES)}; SLI and BUDGET LEFT are the recorded period values, without the building blocks since`);
  }
  return out;
}

/** STATUS: the state, and the tier behind it. */
function statusCell(r: SloRow): Cell {
  const style: Style | undefined = r.status === 'firing' ? 'red' : r.status === 'pending' || r.status === 'burning' ? 'yellow' : undefined;
  return cell(statusText(r), style);
}

/** A cell of a column whose numbers align (right) and whose notes follow them (left). */
type Split = { main: Cell; note?: string };
type Column = { align: 'left' | 'right' } | { align: 'split' };

/** The report as an aligned table, one line per objective, notes, then a legend; colour only when asked. */
export function formatText(report: Report, colour: boolean): string {
  const paint = (p: { text: string; style?: Style }) => (colour && p.style ? `\u001b[${CODES[p.style]}m${p.text}\u001b[0m` : p.text);
  const header = ['SERVICE', 'SLO', 'OBJECTIVE', 'PERIOD', 'SLI', 'BUDGET LEFT', 'BURN RATE long/short', 'FIRING', 'STATUS'];
  const columns: Column[] = header.map((_, i) => (i === 4 || i === 5 ? { align: 'split' } : { align: i === 2 ? 'right' : 'left' }));
  const rows: Split[][] = report.slos.map((r) => {
    const noData = r.status === 'no data';
    const notMeasured = !noData && !measured(r);
    const budgetStyle: Style | undefined = r.budgetRemaining === null ? undefined : r.budgetRemaining < 0 ? 'red' : r.budgetRemaining < LOW_BUDGET ? 'yellow' : undefined;
    const burn: Cell = r.tiers.length === 0 ? cell('no alert tiers') : [];
    r.tiers.forEach((t, i) => {
      burn.push({ text: `${i ? '  ' : ''}${t.id} ` }, { text: `${burnText(t.long.burnRate)}/${burnText(t.short.burnRate)}${t.burning ? '*' : ''}`, style: t.burning ? 'red' : undefined });
    });
    const note = periodNote(r);
    const cells: Split[] = [
      { main: cell(r.service) },
      { main: cell(r.slo) },
      { main: cell(objectivePct(r.objective)) },
      { main: cell(r.period) },
      {
        main: notMeasured ? cell(NOT_MEASURED, 'yellow') : cell(r.sli === null ? MISSING : sliPct(r.sli, r.objective), r.sli !== null && r.sli < r.objective ? 'red' : undefined),
        note: note.sli,
      },
      { main: notMeasured ? cell(NOT_MEASURED, 'yellow') : cell(r.budgetRemaining === null ? MISSING : budgetPct(r.budgetRemaining), budgetStyle), note: note.budget },
      { main: burn },
      { main: cell(r.firing.length ? r.firing.join(',') : MISSING, r.firing.length ? 'red' : undefined) },
      { main: statusCell(r) },
    ];
    // a row without data is dim as a whole: its dashes are not measurements
    return noData ? cells.map((c) => ({ main: cell(c.main.map((p) => p.text).join(''), 'dim'), note: c.note })) : cells;
  });
  const all: Split[][] = [header.map((h) => ({ main: cell(h, 'bold') })), ...rows];
  const mainWidths = header.map((_, i) => Math.max(...all.map((r) => width(r[i]!.main))));
  const noteWidths = header.map((_, i) => Math.max(0, ...all.map((r) => (r[i]!.note ? r[i]!.note!.length + 1 : 0))));
  const line = (r: Split[]) =>
    r
      .map((c, i) => {
        const col = columns[i]!;
        const pad = ' '.repeat(mainWidths[i]! - width(c.main));
        const text = c.main.map(paint).join('');
        const last = i === r.length - 1;
        if (col.align === 'split') {
          const note = c.note ? ` ${paint({ text: c.note, style: 'dim' })}` : '';
          return pad + text + note + ' '.repeat(noteWidths[i]! - (c.note ? c.note.length + 1 : 0));
        }
        return col.align === 'right' ? pad + text : last ? text : text + pad;
      })
      .join('  ')
      .replace(/ +$/, '');
  const title = `SLO report from ${report.prometheus} at ${report.time}`;
  const body = report.slos.length ? all.map(line) : ['(no SLOs)'];
  const notes = footnotes(report.slos);
  return `${title}\n\n${body.join('\n')}\n${notes.length ? `\n${notes.join('\n')}\n` : ''}\n${LEGEND.map((l) => paint({ text: l, style: 'dim' })).join('\n')}\n`;
}
