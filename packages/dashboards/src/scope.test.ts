/** Dashboards of a scoped compile (`slo compile --scope namespace=day-prod`) read one environment and have uids of their own. */
import type { VariableModel } from '@grafana/schema';
import { selectors } from '@slo-engine/promql';
import { BLOCK, isAlert, LABEL, RECORD } from '@slo-engine/rules';
import { compileText, ratioSli, sloDoc } from '../../../test/support/slo-docs';
import { dashboardFor, dashboardWithScope, overviewFile } from './index';

const SLI = ratioSli({ bad: 'http_requests_total{job="day",code=~"5.."}', total: 'http_requests_total{job="day"}' });
const one = sloDoc({ sli: SLI, objectives: '    - target: 0.999\n', name: 'api', service: 'day' });
const two = sloDoc({ sli: SLI, objectives: '    - target: 0.999\n    - target: 0.99\n', name: 'api', service: 'day' });
const PROD = { namespace: 'day-prod' };

/** Every PromQL query of a dashboard: panel targets and query variables. */
function queries(d: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, key = ''): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
    else if (typeof v === 'string' && (key === 'expr' || key === 'definition')) out.push(v.replace(/^label_values\((.*), \w+\)$/, '$1'));
  };
  walk(d);
  return out;
}

describe.each([
  ['one objective', one],
  ['two objectives', two],
])('a scoped SLO dashboard, %s', (_name, text) => {
  const c = compileText(text, { scope: PROD })[0]!;
  const board = dashboardFor(c, 'test').dashboard;

  it('every query reads the scope only', () => {
    const qs = queries(board);
    expect(qs.length).toBeGreaterThan(10);
    for (const q of qs) for (const s of selectors(q)) expect(s.matchers).toContainEqual({ label: 'namespace', op: '=', value: 'day-prod' });
  });

  it('has the uid its info series names, unlike the unscoped one, and the title says the scope', () => {
    const info = c.rules.groups.flatMap((g) => g.rules).find((r) => !isAlert(r) && r.record === RECORD.info)!;
    expect(board.uid).toBe(info.labels.dashboard_uid);
    expect(board.uid).not.toBe(dashboardFor(compileText(text)[0]!, 'test').dashboard.uid);
    expect(board.title).toBe('SLO / day / api (namespace=day-prod)');
  });

  it('links to the overview of its own scope', () => {
    const overview = overviewFile('test', PROD).dashboard;
    expect(JSON.stringify(board.links)).toContain(`/d/${overview.uid}`);
  });
});

describe('a scoped overview', () => {
  const overview = overviewFile('test', PROD).dashboard;
  it('reads every SLO of the scope only, under its own uid and title', () => {
    const qs = queries(overview);
    expect(qs.length).toBeGreaterThan(4);
    for (const q of qs) for (const s of selectors(q)) expect(s.matchers).toContainEqual({ label: 'namespace', op: '=', value: 'day-prod' });
    expect(overview.uid).not.toBe(overviewFile('test').dashboard.uid);
    expect(overview.title).toBe('SLO / Overview (namespace=day-prod)');
  });
});

describe('the Helm chart slot on a grouped SLO', () => {
  it('reaches the group variables too', () => {
    const grouped = sloDoc({
      sli: ratioSli({ bad: 'sum by (route) (rate(http_requests_total{job="day",code=~"5.."}[5m]))', total: 'sum by (route) (rate(http_requests_total{job="day"}[5m]))' }, false),
      objectives: '    - target: 0.999\n',
      name: 'api',
      service: 'day',
    });
    const c = compileText(grouped.replace('metadata:\n  name: api', 'metadata:\n  name: api\n  annotations:\n    slo-engine.dev/group-by: route'))[0]!;
    const board = dashboardWithScope(dashboardFor(c, 'test').dashboard, { slo_scope: '' });
    const vars = (board.templating?.list ?? []).filter((v) => v.name === 'route') as (VariableModel & { definition?: string })[];
    expect(vars).toHaveLength(1);
    expect(vars[0]!.definition).toBe(`label_values(${BLOCK.total}{${LABEL.name}="api",${LABEL.service}="day",slo_scope=""}, route)`);
    expect(JSON.stringify(vars[0]!.query)).toContain('slo_scope=\\"\\"');
  });
});
