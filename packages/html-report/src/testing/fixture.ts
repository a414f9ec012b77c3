/** A page of fixture objectives for the renderer's tests: every shape of data the renderer must survive. */
import type { HtmlObjective, HtmlPage, HtmlPoint } from '../types';

export const TO = 1_740_830_400; // 2025-03-01T12:00:00Z
export const DAY = 86_400;
export const FROM = TO - 30 * DAY;
export const STEP = (30 * DAY) / 300;

/** `n + 1` points from FROM to TO, every STEP, valued f(i). */
export function series(f: (i: number) => number, n = 300): HtmlPoint[] {
  return Array.from({ length: n + 1 }, (_, i) => ({ t: FROM + i * STEP, v: f(i) }));
}

/** Text that must come out escaped wherever it is shown. */
export const HOSTILE = `<script>alert("x")</script> & 'quoted' <b>`;

export function fixturePage(): HtmlPage {
  const full: HtmlObjective = {
    title: 'day / day-api-availability',
    subtitle: 'objective 99.9% over 30d',
    numbers: [
      { label: 'SLI', value: '99.95%' },
      { label: 'Budget left', value: '42.0%' },
      { label: 'Status', value: 'firing burn-14x-1h' },
    ],
    objective: 0.999,
    sli: series((i) => 0.9995 - 0.0004 * Math.sin(i / 20) ** 2),
    budget: series((i) => 1 - (0.58 * i) / 300),
    coverage: series(() => 1),
    lanes: ['burn-14x-1h', 'burn-3x-1d'],
    alerts: [
      { lane: 'burn-14x-1h', start: FROM + 10 * DAY, end: FROM + 10 * DAY + 3600, severity: 'page', peak: 20.5 },
      { lane: 'burn-3x-1d', start: FROM + 20 * DAY, end: FROM + 21 * DAY, severity: 'ticket' },
      { lane: 'burn-14x-1h', start: TO - 600, end: TO, severity: 'pending' },
    ],
  };
  const partial: HtmlObjective = {
    title: HOSTILE,
    subtitle: HOSTILE,
    numbers: [{ label: HOSTILE, value: HOSTILE }],
    objective: 0.99,
    // measured from day 25 on, with a hole (no points) and NaNs in it
    sli: series((i) => (i < 250 ? NaN : i > 270 && i < 280 ? NaN : 0.985 + 0.0001 * (i % 7))).filter((_p, i) => i < 283 || i > 290),
    budget: series((i) => (i < 250 ? NaN : 1 - (2 * (i - 250)) / 50)),
    coverage: series((i) => (i < 250 ? NaN : (i - 250) / 300)),
    lanes: ['page-fast'],
    alerts: [{ lane: 'no-data', start: FROM + 24 * DAY, end: FROM + 25 * DAY, severity: 'critical' }],
    notes: ['measured over 5d of 30d', HOSTILE],
  };
  const empty: HtmlObjective = {
    title: 'search / search-latency',
    numbers: [{ label: 'SLI', value: 'not measured' }],
    objective: 0.9995,
    sli: [],
    budget: [],
    coverage: [],
    lanes: ['page-fast', 'ticket-slow'],
    alerts: [],
  };
  const single: HtmlObjective = {
    title: 'checkout / one-point',
    numbers: [],
    objective: 0.995,
    sli: [{ t: TO, v: 0.997 }],
    budget: [{ t: TO, v: 0.6 }],
    lanes: [],
    alerts: [],
  };
  return { title: 'SLO report', subtitle: `from ${HOSTILE}`, from: FROM, to: TO, objectives: [full, partial, empty, single], notes: ['a page note'] };
}
