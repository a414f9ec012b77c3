import { renderMarkdown, renderSvg } from './report';
import type { SectionResult } from './section';

const result: SectionResult = {
  id: 'x',
  title: 'Rule evaluation cost',
  method: 'Measured on a real Prometheus.',
  tables: [
    {
      title: 'Per history length',
      columns: ['days', 'ours ms', 'Sloth ms', 'ratio'],
      rows: [
        ['7', '2.0', '40.0', '0.05'],
        ['30', '2.1', '160.0', '0.013'],
      ],
    },
  ],
  targets: [
    { what: 'ours / Sloth shape at 7 days', goal: '≤ 0.1', measured: '0.05', met: true },
    { what: 'a | pipe', goal: '< 5 s', measured: '6 s', met: false },
  ],
  plots: [
    {
      file: 'eval-cost.svg',
      title: 'Cost <vs> history',
      xLabel: 'days of history',
      yLabel: 'ms',
      series: [
        {
          name: 'ours',
          points: [
            { x: 7, y: 2 },
            { x: 30, y: 2.1 },
          ],
        },
        {
          name: 'Sloth shape',
          points: [
            { x: 30, y: 160 },
            { x: 7, y: 40 },
          ],
        },
      ],
    },
  ],
  data: {},
  notes: ['a note'],
};

describe('the report', () => {
  const md = renderMarkdown([result], { mode: 'smoke', date: '2026-11-22', machine: '2 cores', seconds: 12 });
  it('leads with every target, missed ones in bold', () => {
    expect(md).toContain('| Rule evaluation cost | ours / Sloth shape at 7 days | ≤ 0.1 | 0.05 | yes |');
    expect(md).toContain('| Rule evaluation cost | a \\| pipe | < 5 s | 6 s | **no** |');
    expect(md.indexOf('## Where we stand')).toBeLessThan(md.indexOf('## Rule evaluation cost'));
  });
  it('has a table per section and links the plot', () => {
    expect(md).toContain('| days | ours ms | Sloth ms | ratio |\n| --- | --- | --- | --- |\n| 7 | 2.0 | 40.0 | 0.05 |');
    expect(md).toContain('![Cost <vs> history](eval-cost.svg)');
    expect(md).toContain('- a note');
    expect(md.endsWith('\n')).toBe(true);
  });
  it('says when each section was measured when a report mixes runs', () => {
    const older: SectionResult = { ...result, id: 'y', title: 'Compile scale', measured: { mode: 'full', date: '2026-11-01', seconds: 300 } };
    const mixed = renderMarkdown([{ ...result, measured: { mode: 'default', date: '2026-11-22', seconds: 12 } }, older], {
      mode: 'default',
      date: '2026-11-22',
      machine: '2 cores',
      seconds: 12,
      only: ['x'],
    });
    expect(mixed).toContain('the last run (2026-11-22, --only x) took 12 s; each section says when it was measured');
    expect(mixed).toContain('## Rule evaluation cost\n\n_Measured 2026-11-22, mode `default`, in 12 s._\n\nMeasured on a real Prometheus.');
    expect(mixed).toContain('## Compile scale\n\n_Measured 2026-11-01, mode `full`, in 300 s._');
    expect(md).toContain('mode `smoke`, 2026-11-22; the run took 12 s');
  });
  it('draws a valid SVG with one line per series, points in x order, text escaped', () => {
    const svg = renderSvg(result.plots![0]!);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('Cost &lt;vs&gt; history');
    const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]+)"/g)].map((m) => m[1]!.split(' ').map((p) => Number(p.split(',')[0])));
    expect(lines).toHaveLength(2);
    for (const xs of lines) expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(svg.match(/<circle /g)).toHaveLength(4);
  });
});
