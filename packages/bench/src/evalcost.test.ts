// @integration: runs Prometheus and promtool (the evaluation-cost smoke run)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEFAULT_LAYOUT, LAYOUTS, type RuleFile } from '@slo-engine/rules';
import { parse } from 'yaml';
import { describeWithCorpus, itWithCorpus } from '../../../test/corpus';
import { evalCost, EVALCOST_SIZES, type LengthResult } from './evalcost';
import { benchSlos, compileOurs } from './evalcost-slos';
import { readSlothTemplate, slothCorpus, SLOTH_EXAMPLE, slothRules } from './evalcost-sloth';

const root = path.resolve(__dirname, '../../..');
let scratch: string | undefined;
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the benchmark SLOs', () => {
  const slos = benchSlos(24, 40);

  it('are distinct, each over its own job with 40 raw series, objectives 99/99.5/99.9', () => {
    expect(new Set(slos.map((s) => s.job)).size).toBe(24);
    expect(new Set(slos.map((s) => s.objectivePercent))).toEqual(new Set([99, 99.5, 99.9]));
    const o = slos[0]!.traffic(0, 7, 60);
    expect(o.instances * Object.keys(o.codes).length).toBe(40);
    // one incident a day, in quiet and in busy hours
    expect(o.incidents).toHaveLength(7);
    expect(o.incidents.filter((i) => i.name.startsWith('quiet')).length).toBeGreaterThanOrEqual(3);
    expect(o.incidents.filter((i) => i.name.startsWith('busy')).length).toBeGreaterThanOrEqual(3);
    // and an hour away from every whole day after the start, where a shorter history begins
    for (const s of slos)
      for (const i of s.traffic(Date.UTC(2024, 0, 1, 17, 23) / 1000, 7, 60).incidents) {
        expect(i.startMinute % 1440).toBeGreaterThanOrEqual(60);
        expect((i.startMinute % 1440) + i.minutes).toBeLessThanOrEqual(1440 - 60);
      }
  });

  it('compile to our four groups per SLO, or one per SLO and five shared (--layout shared)', () => {
    const { perSlo, shared } = compileOurs(slos.slice(0, 3));
    expect(perSlo.map((f) => f.groups.map((g) => g.name.split(':').pop()))).toEqual([0, 1, 2].map(() => ['sli', 'rollup', 'period', 'alerts']));
    expect(shared.groups.map((g) => g.name.split(':').pop())).toEqual([...[0, 1, 2].map(() => 'alerts'), 'constants', 'blocks', 'windows', 'rollup', 'period']);
  });
});

// Sloth's generated rules, the template of its shape, are in the shared corpus
describeWithCorpus("Sloth's rule shape", () => {
  const template = readSlothTemplate(root);
  const slo = benchSlos(2, 40)[1]!;
  const rules = slothRules(template, slo);
  const expected = parse(readFileSync(path.join(slothCorpus(root), 'expected', SLOTH_EXAMPLE), 'utf8')) as { groups: { name: string; rules: { record?: string; alert?: string; expr: string }[] }[] };

  it("keeps the template's groups and rules one for one", () => {
    expect(rules.groups.map((g) => g.rules.length)).toEqual(expected.groups.map((g) => g.rules.length));
    expect(rules.groups.flatMap((g) => g.rules.map((r) => ('record' in r ? r.record : 'alert')))).toEqual(expected.groups.flatMap((g) => g.rules.map((r) => r.record ?? 'alert')));
  });

  it('reads the raw counters over every window up to 3d and averages its 5m ratios over 30d', () => {
    const exprs = Object.fromEntries(rules.groups[0]!.rules.map((r) => [('record' in r ? r.record : '').replace('slo:sli_error:ratio_rate', ''), r.expr]));
    expect(exprs['3d']).toBe(`(sum(rate(${slo.errorSelector}[3d])))\n/\n(sum(rate(${slo.totalSelector}[3d])))\n`);
    expect(exprs['30d']).toContain('sum_over_time(slo:sli_error:ratio_rate5m{sloth_id="checkout-checkout-api-availability"');
    expect(exprs['30d']).toContain('count_over_time(slo:sli_error:ratio_rate5m{');
  });

  it('substitutes the objective the way Sloth renders it', () => {
    const meta = rules.groups[1]!.rules.map((r) => r.expr);
    expect(meta.slice(0, 2)).toEqual(['vector(0.995)', 'vector(1-0.995)']);
    expect(rules.groups[2]!.rules[0]!.expr).toContain('> (14.4 * 0.005)');
  });
});

itWithCorpus(
  'smoke: every shape loads into one Prometheus, is measured alone, and our period SLI is exact within 1%',
  async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'slo-bench-evalcost-test-'));
    const lines: string[] = [];
    const r = await evalCost({ mode: 'smoke', root, scratch, log: (l) => lines.push(l) });
    const size = EVALCOST_SIZES.smoke;
    expect(r.id).toBe('evalcost');
    expect(r.tables).toHaveLength(7);
    for (const t of r.tables) {
      expect(t.rows.length).toBeGreaterThan(0);
      for (const row of t.rows) expect(row).toHaveLength(t.columns.length);
    }
    expect(r.tables.map((t) => t.title)).toContainEqual(expect.stringContaining('Samples read per 30 days for 100 SLOs'));
    // the default layout against Sloth's shape at 7 and 30 days, the other layouts and Pyrra for information, then accuracy
    const others = LAYOUTS.filter((l) => l !== DEFAULT_LAYOUT);
    const name = (l: string) => `slo-engine ${l} layout${l === DEFAULT_LAYOUT ? ' (default)' : ''}`;
    expect(r.targets.map((t) => t.what)).toEqual([
      ...[7, 30].map((d) => `evaluation time ${name(DEFAULT_LAYOUT)} / Sloth shape, ${d} days of history`),
      ...others.flatMap((l) => [7, 30].map((d) => `evaluation time ${name(l)} / Sloth shape, ${d} days of history`)),
      ...[DEFAULT_LAYOUT, ...others].flatMap((l) => [7, 30].map((d) => `evaluation time ${name(l)} / Pyrra shape, ${d} days of history`)),
      expect.stringContaining(`period SLI relative error of ${name(DEFAULT_LAYOUT)}`),
    ]);
    expect(r.targets.map((t) => t.goal)).toEqual([...['≤ 0.1', '≤ 0.1'], ...Array.from({ length: 2 * others.length + 2 * LAYOUTS.length }, () => '— (for comparison)'), '≤ 1%']);
    expect(r.targets[r.targets.length - 1]!.met).toBe(true);
    expect(r.plots![0]!.file).toBe('eval-cost.svg');
    expect(r.plots![0]!.series.map((s) => s.name)).toEqual([
      ...[DEFAULT_LAYOUT, ...others].map((l) => `${name(l)} (alone)`),
      'Sloth shape (alone)',
      'Pyrra shape (alone)',
      `${name(DEFAULT_LAYOUT)} (${DEFAULT_LAYOUT} and Sloth at once)`,
      `Sloth shape (${DEFAULT_LAYOUT} and Sloth at once)`,
    ]);
    expect(lines.some((l) => /^compile: [\d.]+ s/.test(l))).toBe(true);

    // what each shape should load: our layouts as compiled, Sloth's three groups and Pyrra's two per SLO
    const compiled = compileOurs(benchSlos(size.slos, size.seriesPerSlo));
    const count = (files: RuleFile[]) => ({ groups: files.reduce((n, f) => n + f.groups.length, 0), rules: files.reduce((n, f) => n + f.groups.reduce((m, g) => m + g.rules.length, 0), 0) });
    const expected = { 'per-slo': count(compiled.perSlo), shared: count([compiled.shared]), sloth: { groups: 3 * size.slos }, pyrra: { groups: 2 * size.slos, rules: 13 * size.slos } };
    const kinds = {
      'per-slo': ['alerts', 'period', 'rollup', 'sli'],
      shared: ['alerts', 'blocks', 'constants', 'period', 'rollup', 'windows'],
      sloth: ['alerts', 'meta-recordings', 'sli-recordings'],
      pyrra: ['burnrates', 'increase'],
    };
    const lengths = (r.data as { lengths: LengthResult[] }).lengths;
    expect(lengths.map((l) => l.days)).toEqual(size.lengths);
    for (const l of lengths) {
      for (const s of [...LAYOUTS, 'sloth', 'pyrra'] as const) {
        // measured alone, after a reload that left only this shape's groups: every one of its group kinds, none of the others'
        expect(l.loaded[s]).toMatchObject({ ...expected[s], unhealthy: 0 });
        const alone = l.alone[s];
        expect(alone.rounds.length).toBeGreaterThanOrEqual(size.rounds);
        for (const x of [...alone.rounds, alone.medianMs, alone.sumOfMediansMs, alone.perMinuteMs, l.samplesRead[s], l.samplesPerMonth[s]]) {
          expect(Number.isFinite(x)).toBe(true);
          expect(x).toBeGreaterThan(0);
        }
        expect(Object.keys(alone.byKindMs).sort()).toEqual(kinds[s]);
        expect(Object.keys(l.byKind[s]).sort()).toEqual(kinds[s]);
      }
      // the default layout and Sloth's shape at once
      expect(l.together.shapes).toEqual([DEFAULT_LAYOUT, 'sloth']);
      for (const s of l.together.shapes) {
        expect(l.together.loaded[s]).toMatchObject({ groups: l.loaded[s].groups, unhealthy: 0 });
        expect(l.together.timing[s]!.rounds.length).toBeGreaterThanOrEqual(size.rounds);
        expect(l.together.timing[s]!.medianMs).toBeGreaterThan(0);
      }
      // the shared layout, measured last, records what the per-SLO layout's expressions compute
      expect(l.sharedMaxRelativeDifference).toBeLessThan(0.01);
      // Sloth's and Pyrra's shapes read the raw counters over days; ours over 5 minutes
      for (const peer of ['sloth', 'pyrra'] as const) expect(l.samplesRead[peer]).toBeGreaterThan(5 * l.samplesRead[DEFAULT_LAYOUT]);
      expect(l.liveScrapes).toBeGreaterThanOrEqual(1);
      expect(l.accuracy).toHaveLength(size.slos);
      for (const a of l.accuracy) {
        expect(a.exact).toBeGreaterThan(0);
        // ours in every layout, and Pyrra's ratio of its recorded increases, are ratios of sums
        for (const s of [...LAYOUTS, 'pyrra'] as const) expect(Math.abs(a.values[s] - a.exact) / a.exact).toBeLessThan(0.01);
        expect(Number.isFinite(a.values.sloth)).toBe(true);
      }
    }
  },
  180_000,
);
