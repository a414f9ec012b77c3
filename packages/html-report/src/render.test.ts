// @integration: runs Chromium
/**
 * The renderer without a browser: escaping, determinism, what each shape of data draws (nothing, a dot, lines
 * broken at gaps), alert bars, and a page of hundreds of objectives. chromium.test.ts looks at it in a browser.
 */
import { decimalsFor, duration, esc, pct, timeTicks, utc } from './format';
import { CHECK_FAILED, CHECK_OK, renderHtml, type HtmlObjective, type HtmlPage } from './index';
import { inRange, segments, timeline } from './svg';
import { DAY, FROM, fixturePage, HOSTILE, series, STEP, TO } from './testing/fixture';

const objective = (o: Partial<HtmlObjective> = {}): HtmlObjective => ({ title: 't', numbers: [], objective: 0.999, sli: [], budget: [], lanes: [], alerts: [], ...o });
const page = (objectives: HtmlObjective[], extra: Partial<HtmlPage> = {}): HtmlPage => ({ title: 'p', from: FROM, to: TO, objectives, ...extra });
/** The SVG of one plot of the only objective of a page. */
const plot = (html: string, kind: string) => {
  const start = html.indexOf(`data-plot="${kind}"`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</svg>', start));
};
const count = (text: string, what: string | RegExp) => (typeof what === 'string' ? text.split(what).length - 1 : (text.match(new RegExp(what.source, 'g')) ?? []).length);

describe('formatting', () => {
  it.each([
    ['<a href="x">&\'</a>', '&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;'],
    ['plain', 'plain'],
    ['&amp;', '&amp;amp;'],
  ])('esc(%j)', (text, escaped) => expect(esc(text)).toBe(escaped));

  it.each([
    [0, '0s'],
    [59, '59s'],
    [3600, '1h'],
    [187_200, '2d 4h'],
    [187_260, '2d 4h'],
    [11_400, '3h 10m'],
    [30 * DAY, '30d'],
    [-1, '?'],
    [NaN, '?'],
  ])('duration(%s) = %s', (s, text) => expect(duration(s)).toBe(text));

  it.each([
    [0.9995, 2, '99.95%'],
    [-0.00001, 1, '0.0%'],
    [-0.5, 0, '-50%'],
    [1, 2, '100.00%'],
  ])('pct(%s, %s) = %s', (v, d, text) => expect(pct(v, d)).toBe(text));

  it.each([
    [0.002, 2],
    [0.02, 1],
    [1, 0],
    [0, 2],
    [1e-9, 4],
  ])('decimalsFor(%s) = %s', (span, d) => expect(decimalsFor(span)).toBe(d));

  it.each([
    { name: '30 days: dates', from: FROM, to: TO, labels: ['02-06', '02-13', '02-20', '02-27'] },
    { name: '6 hours: times', from: TO - 6 * 3600, to: TO, labels: ['06:00', '07:00', '08:00', '09:00', '10:00', '11:00', '12:00'] },
    { name: '3 days: dates and times', from: TO - 3 * DAY, to: TO, labels: ['02-26 12:00', '02-27 00:00', '02-27 12:00', '02-28 00:00', '02-28 12:00', '03-01 00:00', '03-01 12:00'] },
    { name: 'empty range', from: TO, to: TO, labels: [] },
    { name: 'reversed range', from: TO, to: FROM, labels: [] },
  ])('time ticks, $name', ({ from, to, labels }) => {
    expect(timeTicks(from, to).map((t) => t.label)).toEqual(labels);
  });

  it('utc: minutes, seconds when there are any, ? for nonsense', () => {
    expect([utc(TO), utc(TO + 5), utc(NaN), utc(1e20)]).toEqual(['2025-03-01 12:00', '2025-03-01 12:00:05', '?', '?']);
  });
});

describe('series', () => {
  const p = (t: number, v: number) => ({ t, v });
  it.each([
    { name: 'empty', points: [], runs: [] },
    { name: 'one point', points: [p(0, 1)], runs: [1] },
    { name: 'evenly spaced', points: [0, 60, 120, 180].map((t) => p(t, 1)), runs: [4] },
    { name: 'a gap of two steps is still a line', points: [0, 60, 180, 240].map((t) => p(t, 1)), runs: [4] },
    { name: 'a gap of more than two steps breaks it', points: [0, 60, 120, 361, 420, 480].map((t) => p(t, 1)), runs: [3, 3] },
    { name: 'NaN breaks it and is not drawn', points: [p(0, 1), p(60, 1), p(120, NaN), p(180, 1), p(240, 1)], runs: [2, 2] },
    { name: 'Infinity too', points: [p(0, 1), p(60, Infinity), p(120, 1)], runs: [1, 1] },
  ])('segments: $name', ({ points, runs }) => {
    expect(segments(points).map((r) => r.length)).toEqual(runs);
  });

  it('inRange: sorted, inside [from, to], without non-finite times; the input is left as it was', () => {
    const input = [p(300, 1), p(100, 2), p(-5, 3), p(NaN, 4), p(200, 5), p(401, 6)];
    const copy = JSON.parse(JSON.stringify(input)) as unknown;
    expect(inRange(input, 0, 400).map((q) => q.t)).toEqual([100, 200, 300]);
    expect(JSON.parse(JSON.stringify(input))).toEqual(copy);
  });
});

describe('renderHtml', () => {
  const html = renderHtml(fixturePage());

  it('is deterministic: the same page twice, and a copy of it, give the same bytes', () => {
    expect(renderHtml(fixturePage())).toBe(html);
    const copy: HtmlPage = { ...fixturePage(), objectives: fixturePage().objectives.map((o) => ({ ...o, sli: [...o.sli], budget: [...o.budget] })) };
    expect(renderHtml(copy)).toBe(html);
  });

  it('escapes every text: titles, subtitles, numbers, notes, lanes', () => {
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain('<b>');
    expect(count(html, esc(HOSTILE))).toBeGreaterThanOrEqual(7);
    // the page's own check script and nothing else
    expect(count(html, '<script>')).toBe(1);
    const lanes = renderHtml(page([objective({ lanes: [HOSTILE], alerts: [{ lane: HOSTILE, start: FROM, end: TO, severity: HOSTILE }] })]));
    expect(lanes).not.toContain(HOSTILE);
    expect(count(lanes, '<script>')).toBe(1);
  });

  it('is self-contained: no external asset, and a policy that forbids fetching any', () => {
    expect(html).not.toMatch(/\s(src|href)="(?!#)/);
    expect(html).not.toMatch(/url\((?!#)|@import|<link|<img|<iframe/);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
    expect(html).toContain('@media print');
  });

  it('never writes NaN or Infinity into the SVG', () => {
    // the check script names them; the drawing never holds them
    expect(html.slice(0, html.indexOf('<script>'))).not.toMatch(/NaN|Infinity/);
  });

  it('logs its own check on the console', () => {
    expect(html).toContain(CHECK_OK);
    expect(html).toContain(CHECK_FAILED);
  });

  it.each([
    { name: 'no data', o: objective(), sli: { points: 0, paths: 0, dots: 0, empty: true } },
    { name: 'one point: a dot', o: objective({ sli: [{ t: TO, v: 0.9995 }] }), sli: { points: 1, paths: 0, dots: 1, empty: false } },
    { name: 'NaN only: no data', o: objective({ sli: [{ t: TO, v: NaN }] }), sli: { points: 0, paths: 0, dots: 0, empty: true } },
    {
      name: 'points outside the page range are left out',
      o: objective({
        sli: [
          { t: FROM - 1, v: 1 },
          { t: TO + 1, v: 1 },
        ],
      }),
      sli: { points: 0, paths: 0, dots: 0, empty: true },
    },
    { name: 'a whole period: one line', o: objective({ sli: series(() => 0.9995) }), sli: { points: 301, paths: 1, dots: 0, empty: false } },
    {
      name: 'a hole breaks the line, a lone point is a dot',
      o: objective({ sli: series(() => 0.9995).filter((_, i) => (i < 100 || i > 110) && !(i >= 195 && i <= 205 && i !== 200)) }),
      sli: { points: 280, paths: 3, dots: 1, empty: false },
    },
  ])('SLI plot: $name', ({ o, sli }) => {
    const svg = plot(renderHtml(page([o])), 'sli');
    expect({
      points: Number(/data-points="(\d+)"/.exec(svg)?.[1]),
      paths: count(svg, '<path class="series"'),
      dots: count(svg, '<circle class="series"'),
      empty: svg.includes('>no data</text>'),
    }).toEqual(sli);
  });

  it('an objective without coverage has no coverage plot; with an empty one, a plot saying no data', () => {
    expect(plot(renderHtml(page([objective()])), 'coverage')).toBe('');
    expect(plot(renderHtml(page([objective({ coverage: [] })])), 'coverage')).toContain('>no data</text>');
  });

  it('the objective is a line on the SLI plot, labelled as the objective', () => {
    const svg = plot(renderHtml(page([objective({ objective: 0.995, sli: series(() => 0.999) })])), 'sli');
    expect(svg).toContain('class="ref"');
    expect(svg).toContain('>99.5%</text>');
  });

  it('an overspent budget widens the plot below 0 and tints it', () => {
    const svg = plot(renderHtml(page([objective({ budget: series((i) => 1 - i / 100) })])), 'budget');
    expect(svg).toContain('class="shade"');
    expect(svg).toContain('>-200%</text>');
  });

  it('no objectives: a page that says so', () => {
    expect(renderHtml(page([]))).toContain('<p>No objectives.</p>');
  });

  it('hundreds of objectives: quickly, one section each, unique ids, a table of contents', () => {
    const many = Array.from({ length: 300 }, (_, i) =>
      objective({
        title: `svc / slo-${i}`,
        sli: series((j) => 0.999 + 0.0005 * Math.sin(i + j / 10)),
        budget: series((j) => 1 - j / 400),
        coverage: series(() => 1),
        lanes: ['page-fast', 'ticket-slow'],
      }),
    );
    const started = Date.now();
    const out = renderHtml(page(many));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(count(out, '<section class="objective"')).toBe(300);
    expect(new Set(out.match(/ id="[^"]+"/g)).size).toBe(300);
    expect(count(out, '<a href="#o')).toBe(300);
    // about 20 kB an objective
    expect(out.length).toBeLessThan(300 * 30_000);
  });
});

describe('timeline', () => {
  it.each([
    { name: 'no tiers', lanes: [], alerts: [], bars: 0, text: 'no alert tiers' },
    { name: 'tiers, no alerts', lanes: ['page-fast'], alerts: [], bars: 0, text: 'no alerts' },
    { name: 'an alert in its lane', lanes: ['page-fast'], alerts: [{ lane: 'page-fast', start: FROM + DAY, end: FROM + 2 * DAY, severity: 'page' }], bars: 1, text: '#d62728' },
    { name: 'a one-minute alert over 30 days is still a bar', lanes: ['page-fast'], alerts: [{ lane: 'page-fast', start: TO - 60, end: TO, severity: 'ticket' }], bars: 1, text: 'width="1.5"' },
    { name: 'an alert outside the range is not drawn', lanes: ['page-fast'], alerts: [{ lane: 'page-fast', start: FROM - 2 * DAY, end: FROM - DAY, severity: 'page' }], bars: 0, text: 'no alerts' },
    { name: 'an alert of another lane gets a lane of its own', lanes: ['page-fast'], alerts: [{ lane: 'no-data', start: FROM, end: TO, severity: 'critical' }], bars: 1, text: '>no-data</text>' },
    { name: 'start and end swapped', lanes: ['a'], alerts: [{ lane: 'a', start: TO, end: TO - STEP, severity: 'pending' }], bars: 1, text: '#b0b0b0' },
    { name: 'NaN times are skipped', lanes: ['a'], alerts: [{ lane: 'a', start: NaN, end: TO, severity: 'page' }], bars: 0, text: 'no alerts' },
  ])('$name', ({ lanes, alerts, bars, text }) => {
    const svg = timeline(lanes, alerts, FROM, TO);
    expect(count(svg, '<rect class="alert"')).toBe(bars);
    expect(svg).toContain(`data-alerts="${bars}"`);
    expect(svg).toContain(text);
  });

  it("a peak goes into the bar's tooltip", () => {
    expect(timeline(['a'], [{ lane: 'a', start: FROM, end: TO, severity: 'page', peak: 20.4567 }], FROM, TO)).toContain('peak 20.5</title>');
  });
});
