import { Readable } from 'node:stream';
import { checkPromql, selectors, type SelectorInfo } from '@slo-engine/promql';
import { isAlert, LABEL, type CompiledSlo } from '@slo-engine/rules';
import { planCompile, type CompilePlan } from '../../packages/cli/src/compile';
import { corpusAvailable } from '../corpus';
import { compilableCases, ROOT } from '../golden/cases';

/**
 * Dashboards are only as good as their queries: every one must parse, and read only series that the
 * compiler records (or ALERTS, or the metrics the SLO's own queries read). Grafana cannot run here;
 * test/e2e runs every panel query of the demo SLOs against a real Prometheus.
 */

interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { refId: string; expr: string; datasource: { type: string; uid: string } }[];
  fieldConfig?: { defaults: { thresholds?: { steps: { value: number | null }[] } } };
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
const recorded = (compiled: CompiledSlo[]) => new Set(compiled.flatMap((c) => c.rules.groups.flatMap((g) => g.rules)).flatMap((r) => (isAlert(r) ? [] : [r.record])));
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
  const ruleUid = (c: CompiledSlo) => {
    const info = c.rules.groups.flatMap((g) => g.rules).find((r) => !isAlert(r) && r.record === 'slo_info');
    return info?.labels?.[LABEL.dashboardUid];
  };

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
        for (const e of exprs.filter((x) => /slo:(sli_|period_error_budget|current_burn|no_traffic)|ALERTS/.test(x))) expect(e).toContain(`${g}=~"$${g}"`);
      }
    }
  });

  it('the overview links each row to its SLO dashboard by the dashboard_uid label', () => {
    const overview = boards(plans[0]![1]).find((b) => b.path === 'overview.json')!.board;
    const text = JSON.stringify(overview);
    expect(text).toContain('/d/${__data.fields.dashboard_uid}');
    expect(overview.panels).toHaveLength(1);
    expect(overview.panels[0]!.targets!.map((t) => t.expr.match(/by \(([^)]*)\)/)?.[1]?.startsWith('slo_name, slo_service'))).toEqual([true, true, true, true, true]);
  });
});
