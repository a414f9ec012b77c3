import type { Dashboard } from '@grafana/schema';
import { DASHBOARD, outputStem, type CompiledSlo } from '@slo-engine/rules';
import { overviewDashboard } from './overview';
import { sloDashboard } from './slo';

export { sloDashboard } from './slo';
export { overviewDashboard, OVERVIEW_QUERIES } from './overview';
export { DATASOURCE } from './panels';

export interface DashboardFile {
  /** Relative to the dashboards output directory: `<service>/<slo>.json`, or `overview.json`. */
  path: string;
  dashboard: Dashboard;
  /** The SLO it shows; absent for the overview. */
  slo?: { name: string; service: string };
}

/** Every dashboard for a set of compiled SLOs: one per SLO, and the overview. */
export function buildDashboards(compiled: { c: CompiledSlo; generatedBy: string }[], overviewGeneratedBy: string): DashboardFile[] {
  const files: DashboardFile[] = compiled.map(({ c, generatedBy }) => ({
    path: `${outputStem(c.slo.service, c.slo.name)}.json`,
    dashboard: sloDashboard(c, generatedBy),
    slo: { name: c.slo.name, service: c.slo.service },
  }));
  files.push({ path: DASHBOARD.overviewFile, dashboard: overviewDashboard(overviewGeneratedBy) });
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Dashboard JSON as written: 2-space indentation, keys in the order built, a final newline. */
export function renderDashboard(d: unknown): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}
