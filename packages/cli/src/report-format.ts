/**
 * `slo report` without I/O: samples fetched from Prometheus → one row per SLO objective → text or JSON.
 * Kept pure so that every rendering decision is unit-testable without a server.
 */
import { LABEL, promDuration, RECORD, threshold, type CompiledObjective } from '@slo-engine/rules';

/** One sample of an instant query. */
export interface Sample {
  /** Metric name (`__name__`); empty when the series has none. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The four instant queries of a report. */
export interface FetchedSamples {
  /** `slo:sli_error:ratio_rate<W>` of every window a row needs. */
  ratios: Sample[];
  budgetRemaining: Sample[];
  noTraffic: Sample[];
  /** Firing `ALERTS` of the SLOs. */
  alerts: Sample[];
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

export type RowStatus = 'ok' | 'no data' | 'no traffic';

export interface SloRow {
  service: string;
  slo: string;
  objective: number;
  period: string;
  sli: number | null;
  budgetRemaining: number | null;
  noTraffic: boolean | null;
  firing: string[];
  tiers: TierRow[];
  status: RowStatus;
}

export interface Report {
  prometheus: string;
  /** ISO 8601: the evaluation time of every query. */
  time: string;
  slos: SloRow[];
}

const key = (service: string, slo: string) => `${service}\u0000${slo}`;
const keyOf = (s: Sample) => key(s.labels[LABEL.service] ?? '', s.labels[LABEL.name] ?? '');
const byName = (a: { service: string; slo: string }, b: { service: string; slo: string }) =>
  a.service < b.service ? -1 : a.service > b.service ? 1 : a.slo < b.slo ? -1 : a.slo > b.slo ? 1 : 0;

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

/** Rows of the report, ordered by service and slo_name, from the objectives the specs define and what Prometheus returned. */
export function buildRows(objectives: ReportObjective[], samples: FetchedSamples): SloRow[] {
  const ratios = index(samples.ratios, Math.max);
  const budgets = index(samples.budgetRemaining, Math.min);
  const traffic = index(samples.noTraffic, Math.max);
  const firing = new Map<string, Set<string>>();
  for (const a of samples.alerts) {
    const tier = a.labels[LABEL.tier] ?? a.labels.alertname ?? '';
    const k = keyOf(a);
    firing.set(k, (firing.get(k) ?? new Set()).add(tier));
  }

  const rows = objectives.map(({ service, objective: o }): SloRow => {
    const k = key(service, o.sloName);
    const budget = Number(o.budget);
    const ratioOf = (minutes: number) => ratios.get(k)?.get(RECORD.errorRatio(promDuration(minutes)));
    const periodRatio = ratioOf(o.periodMinutes);
    const remaining = budgets.get(k)?.get(RECORD.budgetRemaining);
    const noTrafficValue = traffic.get(k)?.get(RECORD.noTraffic);
    const noTraffic = noTrafficValue === undefined ? null : noTrafficValue === 1;
    const tiers = o.tiers.map((t): TierRow => {
      const long = ratioOf(t.longMinutes);
      const short = ratioOf(t.shortMinutes);
      const limit = Number(threshold(t.factor, o.budget));
      const cmp = COMPARE[t.op] ?? COMPARE.gte!;
      // the alert compares error ratios with factor × budget, exactly as here; a lt/lte tier also needs traffic
      const burning =
        long === undefined || short === undefined ? null : cmp(long, limit) && cmp(short, limit) && (t.op === 'gte' || t.op === 'gt' || noTraffic !== true);
      const burn = (minutes: number, ratio: number | undefined): WindowBurn => ({ window: promDuration(minutes), burnRate: ratio === undefined ? null : clean(ratio / budget) });
      return { id: t.id, severity: t.severity, factor: Number(t.factor), long: burn(t.longMinutes, long), short: burn(t.shortMinutes, short), burning };
    });
    const hasData = periodRatio !== undefined || remaining !== undefined || noTraffic !== null || (ratios.get(k)?.size ?? 0) > 0;
    return {
      service,
      slo: o.sloName,
      objective: Number(o.target),
      period: promDuration(o.periodMinutes),
      sli: periodRatio === undefined ? null : clean(1 - periodRatio),
      budgetRemaining: remaining === undefined ? null : clean(remaining),
      noTraffic,
      firing: [...(firing.get(k) ?? [])].sort(),
      tiers,
      status: !hasData ? 'no data' : noTraffic ? 'no traffic' : 'ok',
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
  'SLI: over the period. BUDGET LEFT: share of the period\'s error budget not yet spent (negative: overspent).',
  'BURN RATE: error ratio / error budget over each alert tier\'s long/short window (1 spends the budget in exactly one period);',
  '  * marks a tier whose long and short windows both meet its factor (its alert fires, after its for:).',
  'FIRING: alert tiers firing now. no traffic: no events in the last 5 minutes. no data: no recorded series for the objective',
  '  (rules not loaded in this Prometheus, or not evaluated yet). "-": series absent.',
];

/** The report as an aligned table, one line per objective, then a legend; colour only when asked. */
export function formatText(report: Report, colour: boolean): string {
  const paint = (p: { text: string; style?: Style }) => (colour && p.style ? `\u001b[${CODES[p.style]}m${p.text}\u001b[0m` : p.text);
  const header = ['SERVICE', 'SLO', 'OBJECTIVE', 'PERIOD', 'SLI', 'BUDGET LEFT', 'BURN RATE long/short', 'FIRING', 'STATUS'];
  const right = new Set([2, 4, 5]);
  const rows: Cell[][] = report.slos.map((r) => {
    const noData = r.status === 'no data';
    const budgetStyle: Style | undefined = r.budgetRemaining === null ? undefined : r.budgetRemaining < 0 ? 'red' : r.budgetRemaining < LOW_BUDGET ? 'yellow' : undefined;
    const burn: Cell = r.tiers.length === 0 ? cell('no alert tiers') : [];
    r.tiers.forEach((t, i) => {
      burn.push({ text: `${i ? '  ' : ''}${t.id} ` }, { text: `${burnText(t.long.burnRate)}/${burnText(t.short.burnRate)}${t.burning ? '*' : ''}`, style: t.burning ? 'red' : undefined });
    });
    const cells: Cell[] = [
      cell(r.service),
      cell(r.slo),
      cell(objectivePct(r.objective)),
      cell(r.period),
      cell(r.sli === null ? MISSING : sliPct(r.sli, r.objective), r.sli !== null && r.sli < r.objective ? 'red' : undefined),
      cell(r.budgetRemaining === null ? MISSING : budgetPct(r.budgetRemaining), budgetStyle),
      burn,
      cell(r.firing.length ? r.firing.join(',') : MISSING, r.firing.length ? 'red' : undefined),
      cell(r.status),
    ];
    // a row without data is dim as a whole: its dashes are not measurements
    return noData ? cells.map((c) => cell(c.map((p) => p.text).join(''), 'dim')) : cells;
  });
  const all: Cell[][] = [header.map((h) => cell(h, 'bold')), ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => width(r[i]!))));
  const line = (r: Cell[]) =>
    r
      .map((c, i) => {
        const pad = ' '.repeat(widths[i]! - width(c));
        const text = c.map(paint).join('');
        return right.has(i) ? pad + text : i === r.length - 1 ? text : text + pad;
      })
      .join('  ');
  const title = `SLO report from ${report.prometheus} at ${report.time}`;
  const body = report.slos.length ? all.map(line) : ['(no SLOs)'];
  return `${title}\n\n${body.join('\n')}\n\n${LEGEND.map((l) => paint({ text: l, style: 'dim' })).join('\n')}\n`;
}
