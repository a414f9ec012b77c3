import { addMatchers } from '@slo-engine/promql';
import { scopeText } from '@slo-engine/rules';
import { defaultDashboard, VariableHide, VariableRefresh, type Dashboard, type DashboardLink, type Panel, type VariableModel } from '@grafana/schema';

/** The `datasource` variable every panel reads: pick any Prometheus when importing, no `__inputs` needed. */
export function datasourceVariable(): VariableModel {
  const v: VariableModel = {
    type: 'datasource',
    name: 'datasource',
    label: 'Data source',
    query: 'prometheus',
    options: [],
    refresh: VariableRefresh.onDashboardLoad,
    regex: '',
    hide: VariableHide.dontHide,
    skipUrlSync: false,
  };
  return v;
}

export interface Shell {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  links: DashboardLink[];
  variables: VariableModel[];
  panels: Panel[];
}

/** What every generated dashboard shares: schema version, time settings, and no ids so provisioning assigns them. */
export function dashboardShell(s: Shell): Dashboard {
  return {
    uid: s.uid,
    title: s.title,
    description: s.description,
    tags: s.tags,
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    time: { from: 'now-24h', to: 'now' },
    timepicker: {},
    refresh: '1m',
    fiscalYearStartMonth: 0,
    liveNow: false,
    schemaVersion: defaultDashboard.schemaVersion,
    version: 1,
    links: s.links,
    annotations: { list: [] },
    templating: { list: s.variables },
    panels: s.panels,
  };
}

/** ` (namespace=day-prod)` after the title of a scoped compile's dashboards, so that two environments read apart. */
export function scopeTitle(scope: Readonly<Record<string, string>>): string {
  const text = scopeText(scope);
  return text ? ` (${text})` : '';
}

/**
 * The dashboard with the scope's matchers on every query (`expr`, and query variables' label_values) that does
 * not have them yet: what the
 * builders write reads every SLO (the overview) or one objective, and a scoped compile's must read one
 * environment only.
 */
export function withScope<T>(dashboard: T, scope: Readonly<Record<string, string>>): T {
  if (Object.keys(scope).length === 0) return dashboard;
  const query = (k: string, x: string): string => {
    if (k === 'expr') return addMatchers(x, scope);
    // a query variable: label_values(<selector>, <label>) is Grafana's, not PromQL; its selector is
    const m = /^label_values\((.*), *([A-Za-z_][A-Za-z0-9_]*)\)$/s.exec(x);
    return (k === 'query' || k === 'definition') && m ? `label_values(${addMatchers(m[1]!, scope)}, ${m[2]})` : x;
  };
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? query(k, x) : walk(x)]));
  };
  return walk(dashboard) as T;
}
