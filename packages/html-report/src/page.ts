/**
 * The whole page: one self-contained HTML document (inline CSS, inline SVG, one small inline script, no
 * external asset and a Content-Security-Policy that forbids fetching any), readable on screen and on paper.
 */
import { esc, utc } from './format';
import { budgetScale, COLOURS, linePlot, sliScale, timeline } from './svg';
import type { HtmlObjective, HtmlPage } from './types';

/** What the page's check script logs on the console: a browser test (or a person) reads it. */
export const CHECK_OK = 'slo-report check ok';
export const CHECK_FAILED = 'slo-report check failed';

const PLOT_HEIGHT = 150;
const COVERAGE_HEIGHT = 74;

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1b1b1b; background: #fff; margin: 16px auto; max-width: 1180px; padding: 0 12px; }
h1 { font-size: 20px; margin: 0 0 2px; }
h2 { font-size: 15px; margin: 0; }
.subtitle { color: #555; margin: 0 0 6px; }
.range { color: #555; margin: 0 0 10px; }
ul.notes { margin: 4px 0 8px; padding-left: 18px; color: #7a4b00; }
nav.toc ol { columns: 3 220px; margin: 0 0 12px; padding-left: 22px; }
nav.toc a { color: #1f4f9a; text-decoration: none; }
section.objective { border: 1px solid #ddd; border-radius: 6px; padding: 10px 12px; margin: 0 0 14px; }
.content { display: flex; flex-wrap: wrap; gap: 4px 18px; align-items: flex-start; }
.plots { flex: 0 1 760px; min-width: 0; }
figure { margin: 4px 0 2px; }
figcaption { font-size: 11px; color: #444; }
figcaption .key { color: #777; }
svg.plot { display: block; max-width: 100%; height: auto; }
svg .tick, svg .lane-label { font-size: 10px; fill: #555; }
svg .empty { font-size: 12px; fill: #888; }
svg .grid { stroke: ${COLOURS.grid}; stroke-width: 0.6; }
dl.numbers { flex: 1 1 260px; margin: 4px 0; display: grid; grid-template-columns: max-content 1fr; gap: 3px 10px; align-content: start; }
dl.numbers dt { color: #555; }
dl.numbers dd { margin: 0; font-variant-numeric: tabular-nums; font-weight: 600; }
@media print {
  @page { margin: 12mm; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { margin: 0; max-width: none; padding: 0; font-size: 9pt; }
  nav.toc { display: none; }
  section.objective { break-inside: avoid; page-break-inside: avoid; border: none; border-top: 1px solid #999; border-radius: 0; padding: 6px 0; }
  .plots { flex-basis: 100%; }
  svg.plot { width: 100%; }
}
`;

/**
 * Checks, in the browser, that every plot drew what the page says it holds: its points (as lines or dots),
 * or "no data"; its alert bars; nothing outside its frame. Logs CHECK_OK or CHECK_FAILED with the reasons.
 */
const SCRIPT = `
(function () {
  'use strict';
  var problems = [];
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  var plots = document.querySelectorAll('svg[data-plot]');
  each(plots, function (svg) {
    var section = svg.closest('section');
    var name = (section ? section.id : 'page') + '/' + svg.getAttribute('data-plot');
    var vb = svg.viewBox.baseVal;
    var inside = function (el) {
      var b = el.getBBox();
      return b.x >= -1 && b.y >= -1 && b.x + b.width <= vb.width + 1 && b.y + b.height <= vb.height + 1;
    };
    if (svg.hasAttribute('data-points')) {
      var want = Number(svg.getAttribute('data-points'));
      var got = 0, visible = 0;
      each(svg.querySelectorAll('.series'), function (el) {
        got += Number(el.getAttribute('data-n'));
        var d = el.getAttribute('d') || '';
        if (/NaN|Infinity/.test(d + el.getAttribute('cx') + el.getAttribute('cy'))) problems.push(name + ': a coordinate is not a number');
        if (!inside(el)) problems.push(name + ': drawn outside its frame');
        var b = el.getBBox();
        if (el.tagName === 'circle' || b.width > 0 || b.height > 0) visible++;
      });
      if (got !== want) problems.push(name + ': ' + got + ' of ' + want + ' points drawn');
      if (want > 0 && visible === 0) problems.push(name + ': nothing visible for ' + want + ' points');
      if (want === 0 && !svg.querySelector('.empty')) problems.push(name + ': no points and no "no data"');
    } else if (svg.hasAttribute('data-alerts')) {
      var bars = svg.querySelectorAll('rect.alert');
      if (bars.length !== Number(svg.getAttribute('data-alerts'))) problems.push(name + ': ' + bars.length + ' alert bars for ' + svg.getAttribute('data-alerts') + ' alerts');
      each(bars, function (el) {
        if (!(el.getBBox().width > 0) || !inside(el)) problems.push(name + ': an alert bar is empty or outside its frame');
      });
    }
  });
  document.documentElement.setAttribute('data-check', problems.length ? 'failed' : 'ok');
  if (problems.length) console.error('${CHECK_FAILED}: ' + problems.join('; '));
  else console.log('${CHECK_OK}: ' + plots.length + ' plots');
})();
`;

const notesList = (notes: readonly string[] | undefined) => (notes?.length ? `<ul class="notes">${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '');

function objectiveSection(o: HtmlObjective, id: string, from: number, to: number): string {
  const sli = sliScale(o.sli, o.objective);
  const budget = budgetScale(o.budget);
  const figures = [
    `<figure><figcaption>SLI over the period <span class="key">(line; dashed: objective)</span></figcaption>${linePlot({ kind: 'sli', label: 'SLI over the period', height: PLOT_HEIGHT, from, to, points: o.sli, colour: COLOURS.sli, ...sli })}</figure>`,
    `<figure><figcaption>Error budget remaining <span class="key">(burn-down; below 0: overspent)</span></figcaption>${linePlot({ kind: 'budget', label: 'error budget remaining', height: PLOT_HEIGHT, from, to, points: o.budget, colour: COLOURS.budget, ...budget, shadeBelow: { v: 0, colour: COLOURS.budgetNegative } })}</figure>`,
  ];
  if (o.coverage)
    figures.push(
      `<figure><figcaption>Coverage <span class="key">(share of the period with recorded data)</span></figcaption>${linePlot({
        kind: 'coverage',
        label: 'coverage',
        height: COVERAGE_HEIGHT,
        from,
        to,
        points: o.coverage,
        colour: COLOURS.coverage,
        yMin: 0,
        yMax: 1,
        area: true,
        ticks: [
          { v: 1, label: '100%' },
          { v: 0, label: '0%' },
        ],
      })}</figure>`,
    );
  figures.push(`<figure><figcaption>Alerts <span class="key">(one lane per tier)</span></figcaption>${timeline(o.lanes, o.alerts, from, to)}</figure>`);
  const numbers = o.numbers.map((n) => `<dt>${esc(n.label)}</dt><dd>${esc(n.value)}</dd>`).join('');
  return (
    `<section class="objective" id="${id}">` +
    `<h2>${esc(o.title)}</h2>${o.subtitle ? `<p class="subtitle">${esc(o.subtitle)}</p>` : ''}` +
    notesList(o.notes) +
    `<div class="content"><div class="plots">${figures.join('')}</div><dl class="numbers">${numbers}</dl></div>` +
    `</section>`
  );
}

/** The page as one HTML document. Pure: the same page gives the same bytes. */
export function renderHtml(page: HtmlPage): string {
  const { from, to } = page;
  const sections = page.objectives.map((o, i) => objectiveSection(o, `o${i + 1}`, from, to));
  const toc = page.objectives.length > 1 ? `<nav class="toc"><ol>${page.objectives.map((o, i) => `<li><a href="#o${i + 1}">${esc(o.title)}</a></li>`).join('')}</ol></nav>` : '';
  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n` +
    // nothing on the page may be fetched: it must work offline and leak nothing when opened
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">\n` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
    `<title>${esc(page.title)}</title>\n<style>${CSS}</style>\n</head>\n<body>\n` +
    `<header><h1>${esc(page.title)}</h1>${page.subtitle ? `<p class="subtitle">${esc(page.subtitle)}</p>` : ''}` +
    `<p class="range">${esc(`${utc(from)} to ${utc(to)} UTC`)}</p>${notesList(page.notes)}</header>\n` +
    `${toc}\n<main>\n${sections.length ? sections.join('\n') : '<p>No objectives.</p>'}\n</main>\n` +
    `<script>${SCRIPT}</script>\n</body>\n</html>\n`
  );
}
