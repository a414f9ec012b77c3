// @integration: runs promtool
import { writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parse, stringify } from 'yaml';
import { BLOCK, LABEL, outputStem, RECORD, promDuration, type CompiledSlo, type Layout } from '@slo-engine/rules';
import { planCompile, type CompilePlan } from '@slo-engine/pipeline';
import { compilableCases, ROOT } from '../golden/cases';
import { backfillPasses, moveBlocks, PromSandbox, type PrometheusServer, type RuleFileLike, type Sample } from '../support/prometheus';

/** The golden cases that compile here (without the corpus, one skip line says what is left out). */
const CASES = compilableCases();

/**
 * Missing history must read as missing, not as perfect: the dashboards against a real Prometheus while the rules have
 * run for less than a period. Nothing is mocked. The bundled and golden-input SLOs are compiled (both rule layouts); a
 * fixture history of what the rules would have recorded since they loaded is backfilled (building blocks for the hours
 * that the short windows read, 10-minute roll-ups for the whole history); the compiled rules compute everything else
 * (promtool backfill, level by level); then every panel query of the generated dashboards runs at three moments:
 *   - 8 minutes after the rules loaded: building blocks, no roll-up yet. The rules record an untouched budget there.
 *   - 3 days after: 3 days of each period measured; the last roll-up 7 minutes old (older than the 5m lookback).
 *   - 31 days after: every period fully measured, but for a route that appeared a day before; the last roll-up 2 minutes old.
 */

const MINUTE = 60;
const DAY = 1440 * MINUTE;
/** When the rules loaded (Monday 2024-01-01 00:00 UTC): a fixed history, the same on every run. */
const LOADED = Date.UTC(2024, 0, 1) / 1000;

interface Moment {
  name: string;
  at: number;
  /** Minutes since the last roll-up ("as of N min ago"); undefined before the first. */
  ageMinutes?: number;
}
const MOMENTS: Moment[] = [
  { name: 'no roll-up yet', at: LOADED + 8 * MINUTE },
  { name: 'partial (3 days)', at: LOADED + 3 * DAY + 7 * MINUTE, ageMinutes: 7 },
  { name: 'full (31 days)', at: LOADED + 31 * DAY + 2 * MINUTE, ageMinutes: 2 },
];
const [NONE, PARTIAL, FULL] = MOMENTS as [Moment, Moment, Moment];

/** A grouped SLO's groups: a route recorded from the start, and one first seen a day before the last moment. */
const GROUPS = [
  { value: '/a', since: LOADED },
  { value: '/new', since: LOADED + 30 * DAY },
];

/**
 * What each SLO's dashboards must show as measured, in days, per moment (undefined: "not measured"): the least-measured
 * group speaks for a grouped SLO.
 */
const MEASURED_DAYS: Record<string, { period: number; days: [undefined, number, number] }> = {
  'checkout-requests-availability': { period: 30, days: [undefined, 3, 30] },
  'day-api-availability': { period: 30, days: [undefined, 3, 30] },
  'day-lookup-latency': { period: 28, days: [undefined, 3, 28] },
  'api-good-minutes': { period: 7, days: [undefined, 3, 7] },
  'queue-depth': { period: 28, days: [undefined, 3, 28] },
  'lag-seconds': { period: 30, days: [undefined, 3, 30] },
  'combined-errors': { period: 30, days: [undefined, 3, 30] },
  'api-availability-by-route': { period: 30, days: [undefined, 3, 1] },
};
const measuredDays = (slo: string, m: Moment) => MEASURED_DAYS[slo]!.days[MOMENTS.indexOf(m)];

/** Events per second of every building block; a constant half of the error budget fails, so the budget reads 50%. */
const TOTAL = 10;
const BUDGET_REMAINING = 0.5;

// ---------------------------------------------------------------------------------------------------------------- fixture

interface FixtureSeries {
  labels: Record<string, string>;
  /** The bad share of its events. */
  errorRatio: number;
  since: number;
}

/** One series pair per objective and group, labelled as the compiled rules label their building blocks. */
function fixtureSeries(compiled: CompiledSlo[]): FixtureSeries[] {
  return compiled.flatMap((c) =>
    c.objectives.flatMap((o) => {
      const errorRatio = Number(o.budget) * (1 - BUDGET_REMAINING);
      if (o.groupBy.length === 0) return [{ labels: o.labels, errorRatio, since: LOADED }];
      expect(o.groupBy).toHaveLength(1);
      return GROUPS.map((g) => ({ labels: { ...o.labels, [o.groupBy[0]!]: g.value }, errorRatio, since: g.since }));
    }),
  );
}

/** Building blocks every minute over the 7 hours before each moment (the sub-day windows read them), from `since` on. */
function blockTimes(since: number): number[] {
  const times = new Set<number>();
  for (const m of MOMENTS) for (let t = Math.max(since, m.at - 7 * 60 * MINUTE); t <= m.at; t += MINUTE) times.add(t);
  return [...times].sort((a, b) => a - b);
}

/** Roll-ups every 10 minutes, the first 10 minutes after the series appeared, each the sum of its 10 one-minute blocks. */
function rollupTimes(since: number): number[] {
  const times: number[] = [];
  for (let t = since + 10 * MINUTE; t <= FULL.at; t += 10 * MINUTE) times.push(t);
  return times;
}

function openMetrics(series: FixtureSeries[]): string {
  const labelText = (l: Record<string, string>) =>
    `{${Object.entries(l)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(',')}}`;
  const families: [string, (s: FixtureSeries) => number, (since: number) => number[]][] = [
    [BLOCK.total, () => TOTAL, blockTimes],
    [BLOCK.bad, (s) => TOTAL * s.errorRatio, blockTimes],
    [BLOCK.totalRollup, () => 10 * TOTAL, rollupTimes],
    [BLOCK.badRollup, (s) => 10 * TOTAL * s.errorRatio, rollupTimes],
  ];
  const lines: string[] = [];
  for (const [name, value, times] of families) {
    lines.push(`# TYPE ${name} gauge`);
    for (const s of series) for (const t of times(s.since)) lines.push(`${name}${labelText(s.labels)} ${value(s)} ${t}`);
  }
  return `${lines.join('\n')}\n# EOF\n`;
}

/** Every recording rule the plan writes (both layouts: per-SLO files and shared.rules.yaml), as one rule file. */
function ruleFile(plan: CompilePlan): RuleFileLike {
  return { groups: plan.files.filter((f) => f.path.endsWith('.rules.yaml')).flatMap((f) => (parse(f.content) as RuleFileLike).groups) };
}

/**
 * A Prometheus holding the fixture history and what the compiled rules compute from it around each moment: the rules
 * that read the fixture's series, then those reading theirs, one level per promtool pass (each pass needs the previous
 * pass's blocks loaded).
 */
async function historyServer(box: PromSandbox, plan: CompilePlan): Promise<PrometheusServer> {
  const dataDir = box.path('data');
  writeFileSync(box.path('fixture.om'), openMetrics(fixtureSeries(plan.compiled)));
  expect((await box.backfillOpenMetrics(box.path('fixture.om'), dataDir)).length).toBeGreaterThan(0);
  const rules = ruleFile(plan);
  const fixture = new Set<string>(Object.values(BLOCK));
  const records = [...new Set(rules.groups.flatMap((g) => g.rules.flatMap((r) => ('record' in r && !fixture.has(r.record) ? [r.record] : []))))];
  const passes = backfillPasses(rules, records)
    .map((p) => ({ groups: p.groups.map((g) => ({ ...g, rules: g.rules.filter((r) => 'record' in r && !fixture.has(r.record)) })).filter((g) => g.rules.length) }))
    .filter((p) => p.groups.length);
  const server = await box.start({ dataDir });
  for (const [i, pass] of passes.entries()) {
    const file = `pass-${i + 1}.rules.yml`; // relative: group evaluation offsets then do not depend on the temp dir's name
    writeFileSync(box.path(file), stringify(pass));
    const out = box.path(`pass-${i + 1}-blocks`);
    // half an hour before each moment, so that every rule has evaluated a few times by then
    for (const m of MOMENTS) await box.backfillRules(server, { ruleFiles: [file], start: Math.max(LOADED, m.at - 30 * MINUTE), end: m.at, outputDir: out });
    await server.stop();
    moveBlocks(out, dataDir);
    await server.restart();
  }
  return server;
}

// ---------------------------------------------------------------------------------------------------------------- dashboards

interface Target {
  refId: string;
  expr: string;
}
interface Panel {
  title: string;
  targets?: Target[];
  fieldConfig?: { defaults: { noValue?: string } };
}
interface Board {
  uid: string;
  panels: Panel[];
}

const boardsOf = (plan: CompilePlan) => plan.dashboards.map((f) => ({ path: f.path, board: JSON.parse(f.content) as Board }));
const pathOf = (c: CompiledSlo) => `${outputStem(c.slo.service, c.slo.name)}.json`;

/** A panel query as Grafana sends it with every variable at its default: the first objective, All of each group. */
function resolve(expr: string, c?: CompiledSlo): string {
  let e = expr;
  if (c) {
    e = e.split('$objective').join(c.objectives[0]!.sloName);
    for (const g of c.objectives[0]!.groupBy) e = e.split(`"$${g}"`).join('".*"');
  }
  return e;
}

async function values(server: PrometheusServer, expr: string, at: number): Promise<number[]> {
  return (await server.query(expr, at)).map((s) => s.value).sort((a, b) => a - b);
}

/** What a panel's query must return: no sample, or these values (in ascending order). */
const nothing: number[] = [];
const close = (xs: number[]) => xs.map((x) => expect.closeTo(x, 9));

// ---------------------------------------------------------------------------------------------------------------- tests

const LAYOUTS: Layout[] = ['per-slo', 'shared'];
const sandboxes: PromSandbox[] = [];
afterAll(async () => {
  for (const b of sandboxes) await b.close();
});

describe.each(LAYOUTS)('dashboards on a short history, %s layout', (layout) => {
  let plan: CompilePlan;
  let server: PrometheusServer;
  beforeAll(async () => {
    plan = await planCompile(['slo-specs', 'test/golden/inputs'], { strict: false, disableTier: [], layout }, { cwd: ROOT, stdin: Readable.from([]) });
    expect(plan.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    const box = new PromSandbox(`slo-dash-coverage-${layout}-`);
    sandboxes.push(box);
    server = await historyServer(box, plan);
  }, 300_000);

  const sloOf = (name: string) => plan.compiled.find((c) => c.slo.name === name)!;
  const boardOf = (c: CompiledSlo) => boardsOf(plan).find((b) => b.path === pathOf(c))!.board;
  const query = (c: CompiledSlo, title: string, refId: string) => {
    const panel = boardOf(c).panels.find((p) => p.title === title);
    const t = panel?.targets?.find((x) => x.refId === refId);
    if (!t) throw new Error(`${c.slo.name}: no panel "${title}" with query ${refId}`);
    return resolve(t.expr, c);
  };

  it('the fixture holds every compiled SLO, with the periods the table expects', () => {
    expect(plan.compiled.map((c) => [c.slo.name, c.objectives[0]!.periodMinutes / 1440]).sort()).toEqual(
      Object.entries(MEASURED_DAYS)
        .map(([name, x]) => [name, x.period])
        .sort(),
    );
  });

  describe.each(MOMENTS)('$name', (m) => {
    it.each(Object.keys(MEASURED_DAYS))('%s: SLI, budget, period measured and its age', async (name) => {
      const c = sloOf(name);
      const o = c.objectives[0]!;
      const period = promDuration(o.periodMinutes);
      const days = measuredDays(name, m);
      const measured = days !== undefined;
      // a grouped SLO shows a value per group recorded by then
      const groups = o.groupBy.length ? GROUPS.filter((g) => g.since < m.at).length : 1;
      const each = (x: number) => (measured ? close(Array(groups).fill(x)) : nothing);
      const shown = {
        sli: await values(server, query(c, `SLI, last ${period}`, 'A'), m.at),
        sliMeasured: await values(server, query(c, `SLI, last ${period}`, 'B'), m.at),
        budget: await values(server, query(c, 'Error budget remaining', 'A'), m.at),
        budgetMeasured: await values(server, query(c, 'Error budget remaining', 'B'), m.at),
        coverage: await values(server, query(c, 'Period measured', 'A'), m.at),
        measured: await values(server, query(c, 'Period measured', 'B'), m.at),
        ageMinutes: await values(server, query(c, 'Period measured', 'C'), m.at),
        budgetLine: await values(server, query(c, `Error budget remaining over the ${period} period`, 'A'), m.at),
        sliLine: await values(server, query(c, `SLI over the ${period} period`, 'A'), m.at),
      };
      const sli = 1 - Number(o.budget) * (1 - BUDGET_REMAINING);
      const inDays = measured ? close([days]) : nothing;
      expect(shown).toEqual({
        sli: each(sli),
        sliMeasured: inDays,
        budget: each(BUDGET_REMAINING),
        budgetMeasured: inDays,
        coverage: measured ? close([days / MEASURED_DAYS[name]!.period]) : nothing,
        measured: inDays,
        ageMinutes: m.ageMinutes === undefined ? nothing : close([m.ageMinutes]),
        budgetLine: each(BUDGET_REMAINING),
        sliLine: each(sli),
      });
    });

    it('the overview: budget and SLI only where measured, period measured per SLO (its least-measured group)', async () => {
      const overview = boardsOf(plan).find((b) => b.path === 'overview.json')!.board;
      const byRef = Object.fromEntries(overview.panels[0]!.targets!.map((t) => [t.refId, t.expr]));
      const rows = async (refId: string) => Object.fromEntries((await server.query(byRef[refId]!, m.at)).map((s: Sample) => [s.metric[LABEL.name]!, s.value]));
      const names = Object.keys(MEASURED_DAYS).sort();
      const expected = (f: (name: string, days: number) => number) =>
        Object.fromEntries(names.flatMap((n) => (measuredDays(n, m) === undefined ? [] : [[n, expect.closeTo(f(n, measuredDays(n, m)!), 9)]])));
      expect(Object.keys(await rows('A')).sort()).toEqual(names);
      expect({
        budget: await rows('B'),
        sli: await rows('C'),
        coverage: await rows('F'),
      }).toEqual({
        budget: expected(() => BUDGET_REMAINING),
        sli: expected((n) => 1 - Number(sloOf(n).objectives[0]!.budget) * (1 - BUDGET_REMAINING)),
        coverage: expected((n, days) => days / MEASURED_DAYS[n]!.period),
      });
    });

    it('day-plus burn-rate windows draw no line before the first roll-up', async () => {
      const c = sloOf('day-api-availability');
      const tier = c.objectives[0]!.tiers.find((t) => t.longMinutes >= 1440)!;
      const long = query(c, `Burn rate, ${tier.id} (${promDuration(tier.longMinutes)} / ${promDuration(tier.shortMinutes)}, ${tier.factor}x)`, 'A');
      expect(await values(server, long, m.at)).toEqual(m === NONE ? nothing : close([1 - BUDGET_REMAINING]));
    });
  });

  it('every panel query of these dashboards runs, and returns data once the period is measured', async () => {
    const empty: string[] = [];
    let queries = 0;
    for (const { path, board } of boardsOf(plan)) {
      const c = plan.compiled.find((x) => path === pathOf(x));
      for (const p of board.panels)
        for (const t of p.targets ?? []) {
          queries++;
          for (const m of MOMENTS) {
            const r = await server.query(resolve(t.expr, c), m.at); // throws on an invalid query
            if (m === FULL && r.length === 0) empty.push(`${path} "${p.title}" ${t.refId}`);
          }
        }
    }
    expect(queries).toBeGreaterThan(150);
    expect(empty).toEqual([]);
  });

  if (layout === 'per-slo') {
    it('before the first roll-up the rules record an untouched budget, which the dashboards do not show', async () => {
      const c = sloOf('day-api-availability');
      const sel = c.objectives[0]!.selector;
      expect(await values(server, `${RECORD.errorRatio('30d')}${sel}`, NONE.at)).toEqual([0]);
      expect(await values(server, `${RECORD.budgetRemaining}${sel}`, NONE.at)).toEqual([1]);
      expect(await values(server, query(c, 'Error budget remaining', 'A'), NONE.at)).toEqual(nothing);
      expect(boardOf(c).panels.find((p) => p.title === 'Error budget remaining')!.fieldConfig!.defaults.noValue).toBe('not measured');
    });

    it('the age of the period values needs more than timestamp(): an instant query looks back only 5 minutes', async () => {
      const c = sloOf('day-api-availability');
      const plain = `time() - timestamp(${BLOCK.totalRollup}${c.objectives[0]!.selector})`;
      expect(await values(server, plain, PARTIAL.at)).toEqual(nothing);
      expect(await values(server, query(c, 'Period measured', 'C'), PARTIAL.at)).toEqual([7]);
    });

    it('every panel query of every golden case runs on Prometheus', async () => {
      const problems: string[] = [];
      for (const g of CASES) {
        const other = await planCompile(g.inputs, { strict: false, disableTier: [], layout: g.layout }, { cwd: ROOT, stdin: Readable.from([]) });
        for (const { path, board } of boardsOf(other)) {
          const c = other.compiled.find((x) => path === pathOf(x));
          for (const p of board.panels)
            for (const t of p.targets ?? []) await server.query(resolve(t.expr, c), FULL.at).catch((e: Error) => problems.push(`${g.name} ${path} "${p.title}" ${t.refId}: ${e.message}`));
        }
      }
      expect(problems).toEqual([]);
    }, 120_000);
  }
});
