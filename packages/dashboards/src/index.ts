import type { Dashboard } from '@grafana/schema';
import { DASHBOARD, outputStem, type CompiledSlo } from '@slo-engine/rules';
import { overviewDashboard } from './overview';
import { withScope } from './shell';
import { sloDashboard } from './slo';

export { sloDashboard } from './slo';
export { overviewDashboard, OVERVIEW_QUERIES } from './overview';
export { DATASOURCE } from './panels';
export { withScope as dashboardWithScope } from './shell';

export interface DashboardFile {
  /** Relative to the dashboards output directory: `<service>/<slo>.json`, or `overview.json`. */
  path: string;
  dashboard: Dashboard;
  /** The SLO it shows; absent for the overview. */
  slo?: { name: string; service: string };
}

/** The dashboard of one compiled SLO. */
export function dashboardFor(c: CompiledSlo, generatedBy: string): DashboardFile {
  return { path: `${outputStem(c.slo.service, c.slo.name)}.json`, dashboard: withScope(sloDashboard(c, generatedBy), c.scope), slo: { name: c.slo.name, service: c.slo.service } };
}

/** The overview of every SLO; it reads slo_info, so it does not depend on which SLOs there are. */
export function overviewFile(generatedBy: string, scope: Readonly<Record<string, string>> = {}): DashboardFile {
  return { path: DASHBOARD.overviewFile, dashboard: overviewDashboard(generatedBy, scope) };
}

/** Every dashboard for a set of compiled SLOs: one per SLO, and the overview, by path. */
export function buildDashboards(compiled: { c: CompiledSlo; generatedBy: string }[], overviewGeneratedBy: string): DashboardFile[] {
  const files = compiled.map(({ c, generatedBy }) => dashboardFor(c, generatedBy));
  files.push(overviewFile(overviewGeneratedBy));
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Dashboard JSON as written: 2-space indentation, keys in the order built, a final newline. */
export function renderDashboard(d: unknown): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}
