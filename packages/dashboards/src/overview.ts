import type { Dashboard } from '@grafana/schema';
import { q } from '@slo-engine/promql';
import { ALERT_NAME, DASHBOARD, LABEL, overviewUid, RECORD } from '@slo-engine/rules';
import { measuredOnly, NOT_MEASURED } from './coverage';
import { layout, steps, table, valueText } from './panels';
import { dashboardShell, datasourceVariable, scopeTitle, withScope } from './shell';

const BY = [LABEL.name, LABEL.service];
/** The budget only where its period is measured at all: before the first roll-up the rules record an untouched budget. */
const MEASURED_BUDGET = measuredOnly(q.sel(RECORD.budgetRemaining), []);
const SPENT = q.paren(q.binary(q.num(1), '-', q.paren(MEASURED_BUDGET)));
/** Joins a per-objective value to every series of its objective. */
const PER_OBJECTIVE = { on: BY, groupLeft: [] };

/** Per SLO objective, the same two labels on every query, so Grafana's merge joins them into one row. */
const QUERIES = {
  info: q.by('max', [...BY, LABEL.displayName, LABEL.objective, LABEL.period, LABEL.dashboardUid], q.sel(RECORD.info)),
  // the worst group of a grouped SLO speaks for it
  budget: q.by('min', BY, MEASURED_BUDGET),
  // 1 - (the share of the budget spent × the budget)
  sli: q.by('min', BY, q.binary(q.num(1), '-', q.binary(SPENT, '*', q.sel(RECORD.errorBudget), PER_OBJECTIVE))),
  // the highest burn rate over any recorded window of the SLO
  burn: q.by('max', BY, q.binary(q.sel(undefined, [q.re(q.METRIC_NAME, RECORD.errorRatio('.+'))]), '/', q.sel(RECORD.errorBudget), PER_OBJECTIVE)),
  firing: q.binary(q.by('count', BY, q.sel('ALERTS', [q.eq('alertstate', 'firing'), q.ne(LABEL.name, '')])), 'or', q.paren(q.binary(q.by('group', BY, q.sel(RECORD.info)), '*', q.num(0))), { on: BY }),
  // the least-measured group: its budget is the partial one
  coverage: q.by('min', BY, q.sel(RECORD.periodCoverage)),
};

const byName = (name: string, properties: { id: string; value: unknown }[]) => ({ matcher: { id: 'byName', options: name }, properties });

/** The overview: one row per SLO objective, the least budget first, each linking to its SLO dashboard. */
export function overviewDashboard(generatedBy: string, scope: Readonly<Record<string, string>> = {}): Dashboard {
  const link = `/d/\${__data.fields.${LABEL.dashboardUid}}?\${__url_time_range}&var-datasource=\${datasource}`;
  const panel = table(
    {
      title: 'Service level objectives',
      description:
        'Every SLO objective compiled by slo-engine, the least error budget first. Budget remaining: 1 − (error ratio over the period ÷ error budget). ' +
        'SLI: the share of good events over the period. ' +
        `Period measured: how much of the period the recorded history covers; below 100% (orange) the SLI and budget beside it are partial (the rules started less than a period ago and history was not backfilled), and "${NOT_MEASURED}" until the first roll-up. ` +
        'Fastest burn: the highest burn rate over any of its alert windows (1 spends the budget exactly over the period). ' +
        `Firing: ${ALERT_NAME} alerts firing now. Click an SLO to open its dashboard.`,
      queries: [
        { expr: QUERIES.info, instant: true },
        { expr: QUERIES.budget, instant: true },
        { expr: QUERIES.sli, instant: true },
        { expr: QUERIES.burn, instant: true },
        { expr: QUERIES.firing, instant: true },
        { expr: QUERIES.coverage, instant: true },
      ],
      transformations: [
        { id: 'merge', options: {} },
        {
          id: 'organize',
          options: {
            excludeByName: { Time: true, 'Value #A': true },
            // Period measured right after the budget it qualifies
            indexByName: {
              [LABEL.service]: 0,
              [LABEL.name]: 1,
              [LABEL.displayName]: 2,
              [LABEL.objective]: 3,
              [LABEL.period]: 4,
              'Value #C': 5,
              'Value #B': 6,
              'Value #F': 7,
              'Value #D': 8,
              'Value #E': 9,
              [LABEL.dashboardUid]: 10,
            },
            renameByName: {},
          },
        },
      ],
      overrides: [
        byName(LABEL.service, [{ id: 'displayName', value: 'Service' }]),
        byName(LABEL.name, [
          { id: 'displayName', value: 'SLO' },
          { id: 'links', value: [{ title: 'Open the SLO dashboard', url: link }] },
        ]),
        byName(LABEL.displayName, [{ id: 'displayName', value: 'Name' }]),
        byName(LABEL.objective, [{ id: 'displayName', value: 'Objective' }]),
        byName(LABEL.period, [{ id: 'displayName', value: 'Period' }]),
        byName(LABEL.dashboardUid, [{ id: 'custom.hidden', value: true }]),
        byName('Value #B', [
          { id: 'displayName', value: 'Budget remaining' },
          { id: 'description', value: 'Partial where Period measured is below 100%: measured over less than the period.' },
          { id: 'unit', value: 'percentunit' },
          { id: 'decimals', value: 1 },
          { id: 'thresholds', value: steps('red', [0, 'orange'], [0.25, 'green']) },
          { id: 'custom.cellOptions', value: { type: 'color-background', mode: 'basic' } },
          { id: 'noValue', value: NOT_MEASURED },
        ]),
        byName('Value #F', [
          { id: 'displayName', value: 'Period measured' },
          { id: 'description', value: 'How much of the period the SLI and the budget are measured over; below 100% (orange) both are partial.' },
          { id: 'unit', value: 'percentunit' },
          { id: 'decimals', value: 1 },
          { id: 'thresholds', value: steps('orange', [1, 'green']) },
          { id: 'mappings', value: [valueText('1', 'full period', 'green')] },
          { id: 'custom.cellOptions', value: { type: 'color-text' } },
          { id: 'noValue', value: NOT_MEASURED },
        ]),
        byName('Value #C', [
          { id: 'displayName', value: 'SLI (period)' },
          { id: 'unit', value: 'percentunit' },
          { id: 'decimals', value: 3 },
          { id: 'noValue', value: NOT_MEASURED },
        ]),
        byName('Value #D', [
          { id: 'displayName', value: 'Fastest burn' },
          { id: 'unit', value: 'x' },
          { id: 'decimals', value: 2 },
          { id: 'thresholds', value: steps('green', [1, 'orange'], [6, 'red']) },
          { id: 'custom.cellOptions', value: { type: 'color-text' } },
        ]),
        byName('Value #E', [
          { id: 'displayName', value: 'Firing' },
          { id: 'decimals', value: 0 },
          { id: 'thresholds', value: steps('green', [1, 'red']) },
          { id: 'custom.cellOptions', value: { type: 'color-text' } },
        ]),
      ],
    },
    24,
    16,
  );
  panel.panel.options = { ...panel.panel.options, sortBy: [{ displayName: 'Budget remaining', desc: false }] };
  return withScope(
    dashboardShell({
      uid: overviewUid(scope),
      title: `SLO / Overview${scopeTitle(scope)}`,
      description: `${generatedBy} Every SLO, least error budget first.`,
      tags: [...DASHBOARD.tags],
      links: [
        {
          title: 'SLO dashboards',
          type: 'dashboards',
          tags: [...DASHBOARD.tags],
          asDropdown: true,
          includeVars: false,
          keepTime: true,
          targetBlank: false,
          icon: 'external link',
          tooltip: '',
          url: '',
        },
      ],
      variables: [datasourceVariable()],
      panels: layout([panel]),
    }),
    scope,
  );
}

/** The overview's queries as PromQL text. */
export const OVERVIEW_QUERIES = Object.fromEntries(Object.entries(QUERIES).map(([k, e]) => [k, q.render(e)])) as Record<keyof typeof QUERIES, string>;
