import { Readable } from 'node:stream';
import { checkPromql, selectors, type SelectorInfo } from '@slo-engine/promql';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BLOCK, isAlert, LABEL, promDuration, RECORD, type CompiledSlo } from '@slo-engine/rules';
import { planCompile, type CompilePlan } from '@slo-engine/pipeline';
import { corpusAvailable } from '../corpus';
import { compilableCases, ROOT } from '../golden/cases';

/**
 * Dashboards are only as good as their queries: every one must parse, and read only series that the
 * compiler records (or ALERTS, or the metrics the SLO's own queries read). Grafana cannot run here;
 * coverage.test.ts runs every panel query against a real Prometheus on a short history, and test/e2e
 * against the demo SLOs' live data.
 */

interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { refId: string; expr: string; datasource: { type: string; uid: string } }[];
  fieldConfig?: {
    defaults: { thresholds?: { steps: { value: number | null }[] }; noValue?: string };
    overrides: { matcher: { id: string; options: string }; properties: { id: string; value: unknown }[] }[];
  };
  options?: { textMode?: string };
}
interface Board {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: string }[] };
  [k: string]: unknown;
}

/** Without the shared corpus, the Sloth examples' cases are left out (and the skip line says so). */
const CASES = compilableCases();
const plans: [string, CompilePlan][] = [];
beforeAll(async () => {
  for (const c of CASES) plans.push([c.name, await planCompile(c.inputs, { strict: false, disableTier: [] }, { cwd: ROOT, stdin: Readable.from([]) })]);
});

const boards = (plan: CompilePlan) => plan.dashboards.map((f) => ({ path: f.path, board: JSON.parse(f.content) as Board }));
// every series of the catalogue, in the SLO's own file or (shared layout) in the shared one
const recorded = (compiled: CompiledSlo[]) =>
  new Set(compiled.flatMap((c) => [...c.series.map((p) => p.rule.record), ...c.rules.groups.flatMap((g) => g.rules).flatMap((r) => (isAlert(r) ? [] : [r.record]))]));
/** Metric names the SLOs' own queries read. */
const sourceMetrics = (compiled: CompiledSlo[]) =>
  new Set(
    compiled
      .flatMap((c) => c.rules.groups.flatMap((g) => g.rules))
      .flatMap((r) => selectors(r.expr))
      .flatMap((s) => (s.metric ? [s.metric] : [])),
  );

function metricOf(s: SelectorInfo): { name?: string; regex?: RegExp } {
  if (s.metric) return { name: s.metric };
  const m = s.matchers.find((x) => x.label === '__name__' && x.op === '=~');
  return m ? { regex: new RegExp(`^(?:${m.value})$`) } : {};
}

describe('every dashboard query parses and reads only series that exist', () => {
  it('covers every golden case', () => expect(plans.map(([n]) => n)).toEqual(CASES.map((c) => c.name)));

  it.each(CASES.map((c) => c.name))('%s', (name) => {
    const plan = plans.find(([n]) => n === name)![1];
    const names = recorded(plan.compiled);
    const raw = sourceMetrics(plan.compiled);
    const problems: string[] = [];
    let checked = 0;
    for (const { path, board } of boards(plan))
      for (const p of board.panels)
        for (const t of p.targets ?? []) {
          checked++;
          const where = `${path} panel "${p.title}" ${t.refId}`;
          const check = checkPromql(t.expr);
          if (!check.ok) problems.push(`${where}: does not parse: ${check.problems.map((x) => x.message).join('; ')}`);
          for (const s of selectors(t.expr)) {
            const m = metricOf(s);
            if (m.name) {
              if (m.name !== 'ALERTS' && !names.has(m.name) && !raw.has(m.name)) problems.push(`${where}: reads ${m.name}, which no rule records`);
            } else if (m.regex) {
              const hits = [...names].filter((n) => m.regex!.test(n));
              if (hits.length === 0) problems.push(`${where}: ${m.regex} matches no recorded series`);
            } else problems.push(`${where}: a selector without a metric name`);
            // the objective's own labels must select series the rules write
            const sloName = s.matchers.find((x) => x.label === LABEL.name && x.op === '=');
            if (sloName && sloName.value !== '$objective' && !plan.compiled.some((c) => c.objectives.some((o) => o.sloName === sloName.value)))
              problems.push(`${where}: slo_name="${sloName.value}" is no compiled objective`);
          }
        }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });
});

describe('dashboards import into Grafana and provision as they are', () => {
  it.each(CASES.map((c) => c.name))('%s', (name) => {
    const plan = plans.find(([n]) => n === name)![1];
    const all = boards(plan);
    expect(all.map((b) => b.path)).toContain('overview.json');
    const uids = all.map((b) => b.board.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const { path, board } of all) {
      expect({ path, inputs: '__inputs' in board }).toEqual({ path, inputs: false });
      expect(board.uid.length).toBeLessThanOrEqual(40);
      expect(board.uid).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(board.schemaVersion).toBe(42);
      expect(board.templating.list[0]).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
      const ids = board.panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of board.panels) {
        expect({ path, panel: p.title, ds: p.datasource }).toEqual({ path, panel: p.title, ds: { type: 'prometheus', uid: '${datasource}' } });
        expect({ path, panel: p.title, described: (p.description ?? '').length > 20 }).toEqual({ path, panel: p.title, described: true });
        for (const t of p.targets ?? []) expect(t.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      }
      // no two panels overlap
      const cells = new Set<string>();
      for (const p of board.panels)
        for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
          for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
            expect(cells.has(`${x},${y}`)).toBe(false);
            cells.add(`${x},${y}`);
          }
    }
  });
});

describe('what the SLO dashboards show follows the compiled SLO', () => {
  const sloBoards = () => plans.flatMap(([, plan]) => plan.compiled.map((c) => ({ c, board: boards(plan).find((b) => b.board.uid === ruleUid(c))?.board })));
  // slo_info as compiled: in the shared layout the bundle's constants rule records it with these labels
  const ruleUid = (c: CompiledSlo) => c.series.find((p) => p.rule.record === RECORD.info)?.rule.labels[LABEL.dashboardUid];

  it('each SLO has the dashboard whose uid its slo_info names (the overview links by it)', () => {
    const found = sloBoards();
    // the Sloth examples' SLOs are left out without the corpus
    expect(found.length).toBeGreaterThan(corpusAvailable() ? 20 : 12);
    for (const { c, board } of found) expect({ slo: c.slo.name, has: board !== undefined }).toEqual({ slo: c.slo.name, has: true });
  });

  it('one burn-rate panel per alert tier, its threshold line at the tier factor', () => {
    for (const { c, board } of sloBoards()) {
      const burn = board!.panels.filter((p) => p.title.startsWith('Burn rate, ') && p.type === 'timeseries');
      const tiers = c.objectives[0]!.tiers;
      expect(burn.map((p) => p.title)).toEqual(tiers.map((t) => expect.stringContaining(`${t.id} (`)));
      expect(burn.map((p) => p.fieldConfig!.defaults.thresholds!.steps[1]!.value)).toEqual(tiers.map((t) => Number(t.factor)));
    }
  });

  it('several objectives get an objective variable, one objective none', () => {
    for (const { c, board } of sloBoards()) {
      const v = board!.templating.list.find((x) => x.name === 'objective');
      if (c.objectives.length > 1) expect(v?.query).toBe(c.objectives.map((o) => o.sloName).join(','));
      else expect(v).toBeUndefined();
    }
  });

  it('an SLO grouped by labels gets a variable per group label, and every series query filters by it', () => {
    const grouped = sloBoards().filter(({ c }) => c.objectives[0]!.groupBy.length > 0);
    expect(grouped.length).toBeGreaterThan(0);
    for (const { c, board } of grouped) {
      for (const g of c.objectives[0]!.groupBy) {
        const v = board!.templating.list.find((x) => x.name === g) as { type: string; definition?: string } | undefined;
        expect(v).toMatchObject({ type: 'query', definition: expect.stringMatching(new RegExp(`^label_values\\(slo:sli_total:rate5m\\{.*\\}, ${g}\\)$`)) });
        const exprs = board!.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
        // objective and budget carry no group label; everything else is per group
        for (const e of exprs.filter((x) => /slo:(sli_|period_error_budget|period_coverage|current_burn|no_traffic)|ALERTS/.test(x))) expect(e).toContain(`${g}=~"$${g}"`);
      }
    }
  });

  it('the overview links each row to its SLO dashboard by the dashboard_uid label', () => {
    const overview = boards(plans[0]![1]).find((b) => b.path === 'overview.json')!.board;
    const text = JSON.stringify(overview);
    expect(text).toContain('/d/${__data.fields.dashboard_uid}');
    expect(overview.panels).toHaveLength(1);
    expect(overview.panels[0]!.targets!.map((t) => t.expr.match(/by \(([^)]*)\)/)?.[1]?.startsWith('slo_name, slo_service'))).toEqual([true, true, true, true, true, true]);
  });
});

describe('missing history reads as missing, not as perfect', () => {
  const all = () => plans.flatMap(([name, plan]) => boards(plan).map((b) => ({ name, ...b })));
  const exprs = (board: Board) => board.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

  it('no query falls back to a perfect value', () => {
    for (const { name, path: file, board } of all())
      for (const q of exprs(board)) expect({ name, file, ...q, perfectFallback: /vector\(\s*1\s*\)/.test(q.expr) }).toEqual({ name, file, ...q, perfectFallback: false });
  });

  it('every query of a period value (SLI, budget remaining, day-plus windows) is gated on the period coverage', () => {
    const long = new RegExp(`${RECORD.budgetRemaining}|${RECORD.errorRatio('')}\\d+d\\b`);
    let gated = 0;
    for (const { name, path: file, board } of all())
      for (const q of exprs(board).filter((x) => long.test(x.expr))) {
        gated++;
        expect({ name, file, ...q, gated: new RegExp(`\\) and( ignoring\\(${LABEL.window}\\))? ${RECORD.periodCoverage}\\b`).test(q.expr) }).toEqual({ name, file, ...q, gated: true });
      }
    expect(gated).toBeGreaterThan(50);
  });

  it('each SLO dashboard shows the period measured (share, time, age), and its SLI and budget stats say "not measured" and how much is measured', () => {
    for (const [name, plan] of plans)
      for (const c of plan.compiled) {
        const board = boards(plan).find((b) => b.board.uid === c.series.find((p) => p.rule.record === RECORD.info)?.rule.labels[LABEL.dashboardUid])!.board;
        const period = promDuration(c.objectives[0]!.periodMinutes);
        const panel = (title: string) => board.panels.find((p) => p.title === title)!;
        const measured = panel('Period measured');
        expect({ name, slo: c.slo.name, queries: measured.targets!.map((t) => t.expr) }).toEqual({
          name,
          slo: c.slo.name,
          queries: [expect.stringContaining(RECORD.periodCoverage), expect.stringContaining(RECORD.periodCoverage), expect.stringMatching(/^\(time\(\) - max\(timestamp\(/)],
        });
        for (const title of [`SLI, last ${period}`, 'Error budget remaining', 'Period measured']) {
          const p = panel(title);
          expect({ name, slo: c.slo.name, title, noValue: p.fieldConfig!.defaults.noValue, textMode: p.options!.textMode }).toEqual({
            name,
            slo: c.slo.name,
            title,
            noValue: 'not measured',
            textMode: 'value_and_name',
          });
          // the "measured over" line: coverage in period units, named "all <period>" when whole
          const line = p.fieldConfig!.overrides.find((o) => o.matcher.options === 'B')!;
          const prop = (id: string) => line.properties.find((x) => x.id === id)?.value;
          expect({ title, unit: prop('unit'), full: JSON.stringify(prop('mappings')) }).toEqual({
            title,
            unit: expect.stringMatching(new RegExp(`^suffix:(d|h|min) of ${period}$`)),
            full: expect.stringContaining(`"text":"all ${period}"`),
          });
        }
      }
  });

  it('the dashboards package spells no series or label name: they come from @slo-engine/rules', () => {
    const src = path.join(ROOT, 'packages/dashboards/src');
    const names: string[] = [
      ...Object.values(BLOCK),
      ...Object.values(RECORD).flatMap((x) => (typeof x === 'string' ? [x] : [])),
      RECORD.errorRatio(''),
      ...Object.values(LABEL).filter((l) => l.includes('_')),
    ]; // `objective` and `period` are words too
    for (const f of readdirSync(src).filter((x) => x.endsWith('.ts'))) {
      // comments may name them; code may not
      const code = readFileSync(path.join(src, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect({ file: f, spelled: names.filter((n) => new RegExp(`['"\`{(\\s]${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).test(code)) }).toEqual({ file: f, spelled: [] });
    }
  });
});
