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
