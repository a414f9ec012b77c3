/**
 * Text and number formatting of the page. Everything here is a pure function of its arguments (no clock, no
 * locale), so that the same page renders byte-identical output anywhere.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an HTML or SVG text node or a quoted attribute value. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A coordinate with one decimal: enough for a screen pixel, and short. */
export function coord(x: number): string {
  const r = Math.round(x * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

/** Unix seconds as `YYYY-MM-DD HH:MM` UTC (`YYYY-MM-DD HH:MM:SS` when it has seconds); `?` when not a time. */
export function utc(t: number): string {
  if (!Number.isFinite(t)) return '?';
  const d = new Date(Math.round(t) * 1000);
  if (Number.isNaN(d.getTime())) return '?';
  const iso = d.toISOString(); // 2025-03-01T12:00:05.000Z
  const seconds = iso.slice(17, 19);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}${seconds === '00' ? '' : `:${seconds}`}`;
}

/** A ratio as a percentage with `decimals` digits; never `-0`. */
export function pct(v: number, decimals: number): string {
  const s = (v * 100).toFixed(decimals);
  return `${/^-0(\.0*)?$/.test(s) ? s.slice(1) : s}%`;
}

/** Decimals that tell apart values `span` apart (as ratios): 0.001 → 2 (99.90%, 99.80%). */
export function decimalsFor(span: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 2;
  return Math.min(4, Math.max(0, Math.ceil(-Math.log10(span * 100)) + 1));
}

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86400;
/** Tick spacings of the time axis, in seconds. */
const TIME_STEPS = [MINUTE, 5 * MINUTE, 10 * MINUTE, 30 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 90 * DAY, 365 * DAY];

/** At most `max` ticks on [from, to], at round UTC times, each with its label. */
export function timeTicks(from: number, to: number, max = 7): { t: number; label: string }[] {
  const span = to - from;
  if (!(span > 0) || !Number.isFinite(span)) return [];
  const step = TIME_STEPS.find((s) => span / s <= max) ?? Math.ceil(span / max / DAY) * DAY;
  const ticks: { t: number; label: string }[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to && ticks.length <= max; t += step) {
    const text = utc(t);
    // days: the date alone; within one day: the time alone; else both
    const label = step >= DAY ? text.slice(5, 10) : span <= DAY ? text.slice(11, 16) : `${text.slice(5, 10)} ${text.slice(11, 16)}`;
    ticks.push({ t, label });
  }
  return ticks;
}

/** A duration in seconds as `2d 4h`, `3h 10m`, `45m`, `30s`: its two largest units. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const parts: [number, string][] = [
    [Math.floor(s / DAY), 'd'],
    [Math.floor((s % DAY) / HOUR), 'h'],
    [Math.floor((s % HOUR) / MINUTE), 'm'],
    [s % MINUTE, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first < 0) return '0s';
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n}${u}`)
    .join(' ');
}
