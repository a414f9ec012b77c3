/**
 * Plots as inline SVG strings: a line plot of a series over [from, to] and an alert timeline with one lane per
 * tier. Coordinates are rounded to a tenth of a pixel, so output depends on the input only.
 */
import { coord, decimalsFor, esc, pct, timeTicks, utc } from './format';
import type { HtmlAlert, HtmlPoint } from './types';

/** Shared by every plot, so that the time axes of one objective line up. */
export const WIDTH = 760;
export const LEFT = 92;
export const RIGHT = 14;
const TOP = 8;
const BOTTOM = 20;

export const COLOURS = {
  sli: '#1f6fd1',
  objective: '#c0392b',
  budget: '#1e8449',
  budgetNegative: '#c0392b',
  coverage: '#7d3c98',
  axis: '#555555',
  grid: '#e3e3e3',
  plotBackground: '#fbfbfb',
} as const;

/** Fill of an alert by severity (Prometheus' own names and the Alertmanager `severity` values). */
const SEVERITY_COLOURS: Record<string, string> = {
  page: '#d62728',
  critical: '#d62728',
  ticket: '#ff7f0e',
  warning: '#ff7f0e',
  info: '#1f77b4',
  pending: '#b0b0b0',
};
const OTHER_SEVERITY = '#8e44ad';
export const severityColour = (s: string) => SEVERITY_COLOURS[s] ?? OTHER_SEVERITY;

interface Frame {
  height: number;
  from: number;
  to: number;
  yMin: number;
  yMax: number;
}

const plotRight = WIDTH - RIGHT;
const xOf = (f: Frame, t: number) => (f.to > f.from ? LEFT + ((t - f.from) / (f.to - f.from)) * (plotRight - LEFT) : (LEFT + plotRight) / 2);
/** Values keep this far from the frame, so that a line at 100% or 0% is not hidden in its border. */
const INSET = 4;
const yOf = (f: Frame, v: number) => TOP + INSET + ((f.yMax - v) / (f.yMax - f.yMin)) * (f.height - TOP - BOTTOM - 2 * INSET);

/** The finite points inside [from, to], in time order (the input is not modified). */
export function inRange(points: readonly HtmlPoint[], from: number, to: number): HtmlPoint[] {
  return points.filter((p) => Number.isFinite(p.t) && p.t >= from && p.t <= to).sort((a, b) => a.t - b.t);
}

/**
 * The connected runs of a series: a non-finite value, or a gap longer than two steps (the median spacing of
 * the points), ends a run.
 */
export function segments(points: readonly HtmlPoint[]): HtmlPoint[][] {
  const deltas = points
    .slice(1)
    .map((p, i) => p.t - points[i]!.t)
    .filter((d) => d > 0)
    .sort((a, b) => a - b);
  const step = deltas.length ? deltas[Math.floor((deltas.length - 1) / 2)]! : Infinity;
  const runs: HtmlPoint[][] = [];
  let run: HtmlPoint[] = [];
  let last: HtmlPoint | undefined;
  for (const p of points) {
    if (!Number.isFinite(p.v)) {
      if (run.length) runs.push(run);
      run = [];
      last = undefined;
      continue;
    }
    if (last && p.t - last.t > 2 * step) {
      runs.push(run);
      run = [];
    }
    run.push(p);
    last = p;
  }
  if (run.length) runs.push(run);
  return runs;
}

export interface YTick {
  v: number;
  label: string;
  /** Drawn as a coloured dashed line (the objective) instead of a grid line. */
  colour?: string;
}

export interface LinePlot {
  kind: string;
  label: string;
  height: number;
  from: number;
  to: number;
  points: readonly HtmlPoint[];
  colour: string;
  yMin: number;
  yMax: number;
  ticks: YTick[];
  /** Shade the area under the line (coverage). */
  area?: boolean;
  /** Tint the plot below this value (an overspent budget). */
  shadeBelow?: { v: number; colour: string };
}

function xAxis(f: Frame): string {
  const bottom = f.height - BOTTOM;
  return timeTicks(f.from, f.to)
    .map(({ t, label }) => {
      const x = coord(xOf(f, t));
      return `<line class="grid" x1="${x}" y1="${TOP}" x2="${x}" y2="${bottom}"/><text class="tick" x="${x}" y="${f.height - 6}" text-anchor="middle">${esc(label)}</text>`;
    })
    .join('');
}

/** Y ticks that would print over each other (closer than 11 px) keep the first. */
function yAxis(f: Frame, ticks: YTick[]): string {
  const placed: number[] = [];
  let out = '';
  for (const tick of ticks) {
    if (!Number.isFinite(tick.v) || tick.v < f.yMin || tick.v > f.yMax) continue;
    const y = yOf(f, tick.v);
    const line = tick.colour
      ? `<line class="ref" x1="${LEFT}" y1="${coord(y)}" x2="${plotRight}" y2="${coord(y)}" stroke="${tick.colour}" stroke-dasharray="5 3"/>`
      : `<line class="grid" x1="${LEFT}" y1="${coord(y)}" x2="${plotRight}" y2="${coord(y)}"/>`;
    out += line;
    if (placed.some((p) => Math.abs(p - y) < 11)) continue;
    placed.push(y);
    out += `<text class="tick" x="${LEFT - 5}" y="${coord(y + 3.5)}" text-anchor="end"${tick.colour ? ` fill="${tick.colour}"` : ''}>${esc(tick.label)}</text>`;
  }
  return out;
}

/** One series over time: grid, reference lines, the line (or dots for lone points), or "no data". */
export function linePlot(p: LinePlot): string {
  const f: Frame = { height: p.height, from: p.from, to: p.to, yMin: p.yMin, yMax: p.yMax > p.yMin ? p.yMax : p.yMin + 1 };
  const points = inRange(p.points, p.from, p.to);
  const runs = segments(points);
  const drawn = runs.reduce((n, r) => n + r.length, 0);
  const bottom = p.height - BOTTOM;
  let body = '';
  if (p.shadeBelow && p.shadeBelow.v > f.yMin && p.shadeBelow.v <= f.yMax) {
    const y = yOf(f, p.shadeBelow.v);
    body += `<rect class="shade" x="${LEFT}" y="${coord(y)}" width="${plotRight - LEFT}" height="${coord(bottom - y)}" fill="${p.shadeBelow.colour}" fill-opacity="0.08"/>`;
  }
  for (const run of runs) {
    const xy = run.map((q) => `${coord(xOf(f, q.t))},${coord(yOf(f, q.v))}`);
    if (run.length === 1) {
      body += `<circle class="series" data-n="1" cx="${coord(xOf(f, run[0]!.t))}" cy="${coord(yOf(f, run[0]!.v))}" r="2.5" fill="${p.colour}"/>`;
      continue;
    }
    if (p.area) {
      const first = coord(xOf(f, run[0]!.t));
      const last = coord(xOf(f, run[run.length - 1]!.t));
      body += `<path class="area" d="M${first},${bottom} L${xy.join(' ')} L${last},${bottom}Z" fill="${p.colour}" fill-opacity="0.15" stroke="none"/>`;
    }
    body += `<path class="series" data-n="${run.length}" d="M${xy.join(' ')}" fill="none" stroke="${p.colour}" stroke-width="1.8" stroke-linejoin="round"/>`;
  }
  if (!drawn) body += `<text class="empty" x="${(LEFT + plotRight) / 2}" y="${coord((TOP + bottom) / 2 + 4)}" text-anchor="middle">no data</text>`;
  return (
    `<svg class="plot" data-plot="${esc(p.kind)}" data-points="${drawn}" width="${WIDTH}" height="${p.height}" viewBox="0 0 ${WIDTH} ${p.height}" role="img" aria-label="${esc(p.label)}">` +
    `<rect class="frame" x="${LEFT}" y="${TOP}" width="${plotRight - LEFT}" height="${bottom - TOP}" fill="${COLOURS.plotBackground}" stroke="${COLOURS.axis}" stroke-width="0.6"/>` +
    xAxis(f) +
    yAxis(f, p.ticks) +
    body +
    `</svg>`
  );
}

/** Y range and ticks of the SLI plot: the objective always in view, with as much room below it as above. */
export function sliScale(points: readonly HtmlPoint[], objective: number): { yMin: number; yMax: number; ticks: YTick[] } {
  const values = points.map((p) => p.v).filter(Number.isFinite);
  const obj = Number.isFinite(objective) ? objective : 1;
  let yMax = Math.max(1, ...values);
  let yMin = Math.min(obj - Math.max(1 - obj, 0.0005), ...values);
  if (!(yMax - yMin > 1e-9)) yMin = yMax - 0.01;
  const d = decimalsFor(yMax - yMin);
  if (!Number.isFinite(yMin)) yMin = 0;
  if (!Number.isFinite(yMax)) yMax = 1;
  return {
    yMin,
    yMax,
    ticks: [
      { v: obj, label: `${+(obj * 100).toPrecision(6)}%`, colour: COLOURS.objective },
      { v: yMax, label: pct(yMax, d) },
      { v: yMin, label: pct(yMin, d) },
    ],
  };
}

/** Y range of the budget plot: 100% to 0%, further down when overspent. */
export function budgetScale(points: readonly HtmlPoint[]): { yMin: number; yMax: number; ticks: YTick[] } {
  const values = points.map((p) => p.v).filter(Number.isFinite);
  const yMax = Math.max(1, ...values);
  const yMin = Math.min(0, ...values);
  const d = yMax - yMin > 2 ? 0 : decimalsFor(yMax - yMin) > 1 ? 1 : 0;
  return {
    yMin,
    yMax,
    ticks: [{ v: 0, label: '0%', colour: COLOURS.axis }, { v: 1, label: '100%' }, ...(yMax > 1 ? [{ v: yMax, label: pct(yMax, d) }] : []), ...(yMin < 0 ? [{ v: yMin, label: pct(yMin, d) }] : [])],
  };
}

const LANE = 16;
const LANE_GAP = 4;

/**
 * Alerts as bars, one lane per tier (lanes first, then any other lane the alerts name, sorted); a bar is at
 * least 1.5 px wide so that a short alert on a long period stays visible.
 */
export function timeline(lanes: readonly string[], alerts: readonly HtmlAlert[], from: number, to: number): string {
  const extra = [...new Set(alerts.map((a) => a.lane).filter((l) => !lanes.includes(l)))].sort();
  const all = [...lanes, ...extra];
  const rows = Math.max(all.length, 1);
  const height = TOP + rows * (LANE + LANE_GAP) + BOTTOM;
  const f: Frame = { height, from, to, yMin: 0, yMax: 1 };
  const bottom = height - BOTTOM;
  const laneY = (i: number) => TOP + LANE_GAP / 2 + i * (LANE + LANE_GAP);
  let body = all
    .map((lane, i) => {
      const y = laneY(i);
      return `<rect class="lane" x="${LEFT}" y="${coord(y)}" width="${plotRight - LEFT}" height="${LANE}" fill="${i % 2 ? '#f3f3f3' : '#fafafa'}"/><text class="lane-label" x="${LEFT - 5}" y="${coord(y + LANE / 2 + 3.5)}" text-anchor="end"><title>${esc(lane)}</title>${esc(lane)}</text>`;
    })
    .join('');
  let shown = 0;
  for (const a of alerts) {
    const i = all.indexOf(a.lane);
    if (i < 0 || !Number.isFinite(a.start) || !Number.isFinite(a.end)) continue;
    const start = Math.max(from, Math.min(a.start, a.end));
    const end = Math.min(to, Math.max(a.start, a.end));
    if (end < start) continue;
    shown++;
    const x1 = xOf(f, start);
    const w = Math.max(1.5, xOf(f, end) - x1);
    const peak = a.peak !== undefined && Number.isFinite(a.peak) ? `, peak ${+a.peak.toPrecision(3)}` : '';
    body += `<rect class="alert" x="${coord(x1)}" y="${coord(laneY(i) + 2)}" width="${coord(w)}" height="${LANE - 4}" fill="${severityColour(a.severity)}"><title>${esc(`${a.lane} ${a.severity}: ${utc(a.start)} to ${utc(a.end)} UTC${peak}`)}</title></rect>`;
  }
  if (!all.length) body += `<text class="empty" x="${(LEFT + plotRight) / 2}" y="${coord(laneY(0) + LANE / 2 + 3.5)}" text-anchor="middle">no alert tiers</text>`;
  else if (!shown) body += `<text class="empty" x="${(LEFT + plotRight) / 2}" y="${coord(TOP + (bottom - TOP) / 2 + 4)}" text-anchor="middle">no alerts</text>`;
  return (
    `<svg class="plot timeline" data-plot="alerts" data-alerts="${shown}" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="alert timeline">` +
    `<rect class="frame" x="${LEFT}" y="${TOP}" width="${plotRight - LEFT}" height="${bottom - TOP}" fill="none" stroke="${COLOURS.axis}" stroke-width="0.6"/>` +
    xAxis(f) +
    body +
    `</svg>`
  );
}
