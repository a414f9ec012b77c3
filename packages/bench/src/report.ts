import type { Plot, SectionResult } from './section';

/** bench/report.md: a summary of every target first, then a section each with its tables. */
export function renderMarkdown(results: SectionResult[], meta: { mode: string; date: string; machine: string; seconds: number; only?: string[] }): string {
  const out: string[] = [];
  out.push('# slo-engine benchmarks', '');
  const scope = meta.only
    ? `the last run (${meta.date}, --only ${meta.only.join(',')}) took ${meta.seconds.toFixed(0)} s; each section says when it was measured`
    : `mode \`${meta.mode}\`, ${meta.date}; the run took ${meta.seconds.toFixed(0)} s`;
  out.push(`Measured on ${meta.machine}; ${scope}. Regenerate with \`pnpm bench\` (\`pnpm bench --full\` for the largest sizes, \`--only\` to re-run sections).`, '');
  out.push('## Where we stand', '');
  out.push(
    table(
      ['section', 'target', 'goal', 'measured', 'met'],
      results.flatMap((r) => r.targets.map((t) => [r.title, t.what, t.goal, t.measured, t.informational ? '—' : t.met ? 'yes' : '**no**'])),
    ),
  );
  for (const r of results) {
    out.push('', `## ${r.title}`, '');
    if (r.measured) out.push(`_Measured ${r.measured.date}, mode \`${r.measured.mode}\`, in ${r.measured.seconds} s._`, '');
    out.push(r.method, '');
    for (const t of r.tables) out.push(`**${t.title}**`, '', table(t.columns, t.rows), '');
    for (const p of r.plots ?? []) out.push(`![${p.title}](${p.file})`, '');
    for (const n of r.notes ?? []) out.push(`- ${n}`);
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(columns: string[], rows: string[][]): string {
  return [`| ${columns.map(cell).join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e'];

/** A small line plot as SVG, with axes from zero and a legend: enough to see how cost grows. */
export function renderSvg(p: Plot): string {
  const W = 640;
  const H = 400;
  const m = { l: 70, r: 20, t: 40, b: 55 };
  const xs = p.series.flatMap((s) => s.points.map((q) => q.x));
  const ys = p.series.flatMap((s) => s.points.map((q) => q.y));
  const xMax = Math.max(1, ...xs);
  const yMax = niceMax(Math.max(1e-9, ...ys));
  const X = (x: number) => m.l + (x / xMax) * (W - m.l - m.r);
  const Y = (y: number) => H - m.b - (y / yMax) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(p.title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const y = (yMax * i) / 5;
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${Y(y)}" y2="${Y(y)}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.l - 6}" y="${Y(y) + 4}" text-anchor="end">${+y.toPrecision(3)}</text>`);
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) parts.push(`<text x="${X(x)}" y="${H - m.b + 18}" text-anchor="middle">${x}</text>`);
  parts.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="black"/>`, `<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="black"/>`);
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">${esc(p.xLabel)}</text>`);
  parts.push(`<text x="16" y="${(m.t + H - m.b) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(m.t + H - m.b) / 2})">${esc(p.yLabel)}</text>`);
  p.series.forEach((s, i) => {
    const c = COLOURS[i % COLOURS.length]!;
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map((q) => `${X(q.x).toFixed(1)},${Y(q.y).toFixed(1)}`).join(' ')}"/>`);
    for (const q of pts) parts.push(`<circle cx="${X(q.x).toFixed(1)}" cy="${Y(q.y).toFixed(1)}" r="3.5" fill="${c}"/>`);
    parts.push(`<rect x="${m.l + 12}" y="${m.t + 8 + i * 18}" width="12" height="12" fill="${c}"/>`, `<text x="${m.l + 30}" y="${m.t + 18 + i * 18}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** 1, 2 or 5 times a power of ten, at or above `v`. */
function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const k of [1, 2, 5, 10]) if (k * p >= v) return k * p;
  return 10 * p;
}
