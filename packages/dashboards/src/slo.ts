import type { Dashboard, DashboardLink, VariableModel } from '@grafana/schema';
import { q } from '@slo-engine/promql';
import {
  ALERT_NAME,
  BLOCK,
  NO_DATA_ALERT,
  DASHBOARD,
  dashboardUid,
  overviewUid,
  findAnnotation,
  pct,
  LABEL,
  promDuration,
  RECORD,
  ROLLUP_THRESHOLD_MINUTES,
  type CompiledObjective,
  type CompiledSlo,
  type Tier,
} from '@slo-engine/rules';
import { ageMinutesExpr, coverageExpr, measuredExpr, measuredLine, measuredOnly, NOT_MEASURED, periodSource } from './coverage';
import { byRefId, DATASOURCE, layout, stat, stateTimeline, steps, timeseries, valueText, type Sized } from './panels';
import { datasourceVariable, dashboardShell, scopeTitle } from './shell';

/** The matchers of the SLO's objectives' series, as the compiled rules write them: slo_name, slo_service, the scope's labels. */
const objectiveMatchers = (c: CompiledSlo, name: q.Matcher): q.Matcher[] => [name, q.eq(LABEL.service, c.slo.service), ...q.matchers(c.scope)];

/**
 * The matchers of the objective shown: fixed with one objective, the `objective` variable with several; a
 * grouped SLO adds a variable per group label.
 */
function selectorFor(c: CompiledSlo, groups = true): q.Matcher[] {
  const name = q.eq(LABEL.name, c.objectives.length === 1 ? c.objectives[0]!.sloName : '$objective');
  return [...objectiveMatchers(c, name), ...(groups ? c.objectives[0]!.groupBy.map((g) => q.re(g, `$${g}`)) : [])];
}

/** For an SLO grouped by labels (per route, per customer): pick the group, or all of them. */
function groupVariables(c: CompiledSlo): VariableModel[] {
  const o = c.objectives[0]!;
  const names = c.objectives.map((x) => x.sloName);
  const total = q.render(q.sel(BLOCK.total, objectiveMatchers(c, names.length === 1 ? q.eq(LABEL.name, names[0]!) : q.re(LABEL.name, names.join('|')))));
  return o.groupBy.map(
    (g) =>
      ({
        type: 'query',
        name: g,
        label: g,
        description: `This SLO keeps one error budget per ${g}; pick one, or All.`,
        datasource: DATASOURCE,
        // label_values() is Grafana's, around a PromQL selector
        query: { query: `label_values(${total}, ${g})`, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
        definition: `label_values(${total}, ${g})`,
        refresh: 2,
        includeAll: true,
        allValue: '.*',
        multi: false,
        current: { text: 'All', value: '$__all' },
        options: [],
        sort: 1,
        hide: 0,
        skipUrlSync: false,
      }) as VariableModel,
  );
}

function objectiveVariable(c: CompiledSlo): VariableModel[] {
  if (c.objectives.length < 2) return [];
  const names = c.objectives.map((o) => o.sloName);
  const display = (o: CompiledObjective) => c.slo.objectives[o.index]?.displayName ?? o.sloName;
  return [
    {
      type: 'custom',
      name: 'objective',
      label: 'Objective',
      description: `This SLO has several objectives; each has its own ${LABEL.name}.`,
      query: names.join(','),
      current: { text: display(c.objectives[0]!), value: names[0]! },
      options: c.objectives.map((o, i) => ({ text: display(o), value: o.sloName, selected: i === 0 })),
      hide: 0,
      skipUrlSync: false,
    } as VariableModel,
  ];
}

function burnPanel(c: CompiledSlo, sel: q.Matcher[], tier: Tier, period: string, group: (legend: string) => string): Sized {
  // objective and budget carry no group labels
  const whole = selectorFor(c, false);
  const long = promDuration(tier.longMinutes);
  const short = promDuration(tier.shortMinutes);
  // day-plus windows sum roll-ups and read 0 until the first one: no line rather than a burn rate of 0
  const burn = (minutes: number) => {
    const ratio = q.binary(q.sel(RECORD.errorRatio(promDuration(minutes)), sel), '/', q.sel(RECORD.errorBudget, whole), { on: [LABEL.name, LABEL.service], groupLeft: [] });
    return minutes >= ROLLUP_THRESHOLD_MINUTES ? measuredOnly(ratio, sel, true) : ratio;
  };
  const share = tier.budgetShare ? `${pct(tier.budgetShare)} of the ${period} error budget` : `the error budget ${tier.factor} times too fast`;
  const rolled = tier.longMinutes >= ROLLUP_THRESHOLD_MINUTES ? ` Windows of a day or more sum 10-minute roll-ups: no line until the first roll-up.` : '';
  return timeseries({
    title: `Burn rate, ${tier.id} (${long} / ${short}, ${tier.factor}x)`,
    description:
      `Burn rate = error ratio ÷ error budget; 1 spends exactly the budget over the ${period} period. ` +
      `The ${tier.id} alert (${tier.severity}) fires when both the ${long} and the ${short} burn rates are at or above ${tier.factor} (the dashed line): ${share} spent in ${long}.${rolled}`,
    queries: [
      { expr: burn(tier.longMinutes), legend: group(`${long} window`) },
      { expr: burn(tier.shortMinutes), legend: group(`${short} window`) },
    ],
    unit: 'x',
    min: 0,
    thresholds: steps('green', [Number(tier.factor), 'red']),
    thresholdLines: true,
  });
}

/** One SLO's dashboard: where it stands against its objective and how fast its budget burns. */
export function sloDashboard(c: CompiledSlo, generatedBy: string): Dashboard {
  const slo = c.slo;
  const first = c.objectives[0]!;
  const sel = selectorFor(c);
  const whole = selectorFor(c, false);
  const period = promDuration(first.periodMinutes);
  const display = slo.displayName ?? slo.name;
  const slices = slo.budgetingMethod === 'Timeslices';
  const events = slices ? 'slices' : 'events';
  const alerts = q.sel('ALERTS', [q.eq('alertstate', 'firing'), ...sel]);
  const groupBy = first.groupBy;
  /** Per-group legends (`{{route}} 1h window`) for a grouped SLO. */
  const per = (legend: string) => (groupBy.length ? `${groupBy.map((g) => `{{${g}}}`).join(' ')} ${legend}` : legend);
  const factors = first.tiers.map((t) => Number(t.factor)).sort((a, b) => a - b);
  const target = c.objectives.length === 1 ? pct(first.target) : 'the objective';

  const source = periodSource(first.periodMinutes);
  const cov = q.sel(RECORD.periodCoverage, sel);
  const sli = q.binary(q.num(1), '-', q.sel(RECORD.errorRatio(period), sel));
  const partial =
    `"measured over" is how much of the ${period} period the recorded ${source.samples} cover: below the full period (orange) the value is partial, because the rules ` +
    `started less than ${period} ago and history was not backfilled; "${NOT_MEASURED}" until ${source.first}.`;

  const panels: Sized[] = [
    stat(
      {
        title: 'Objective',
        description: `The share of ${slices ? 'time slices' : 'events'} that must be good over the rolling ${period} period.`,
        queries: [{ expr: q.sel(RECORD.objective, whole), instant: true }],
        unit: 'percentunit',
        decimals: 3,
      },
      3,
      5,
    ),
    stat(
      {
        title: `SLI, last ${period}`,
        description: `The share of good ${events} over the last ${period} (a ratio of sums of ${source.samples}, trailing the raw metrics by ${source.lag}). Green at or above ${target}. ${partial}`,
        queries: [
          { expr: measuredOnly(sli, sel, true), instant: true },
          { expr: measuredExpr(sel, first.periodMinutes), instant: true },
        ],
        unit: 'percentunit',
        decimals: 3,
        thresholds: steps('red', [Number(first.target), 'green']),
        noValue: NOT_MEASURED,
        lines: true,
        overrides: [byRefId('A', [{ id: 'displayName', value: 'SLI' }]), measuredLine('B', first.periodMinutes)],
      },
      4,
      5,
    ),
    stat(
      {
        title: 'Error budget remaining',
        description: `1 − (error ratio over ${period} ÷ error budget). 100% is an untouched budget, 0% a spent one; below 0 the SLO is broken. ${partial}`,
        queries: [
          { expr: measuredOnly(q.sel(RECORD.budgetRemaining, sel), sel), instant: true },
          { expr: measuredExpr(sel, first.periodMinutes), instant: true },
        ],
        unit: 'percentunit',
        decimals: 1,
        thresholds: steps('red', [0, 'orange'], [0.25, 'green']),
        noValue: NOT_MEASURED,
        lines: true,
        overrides: [byRefId('A', [{ id: 'displayName', value: 'remaining' }]), measuredLine('B', first.periodMinutes)],
      },
      4,
      5,
    ),
    stat(
      {
        title: 'Period measured',
        description:
          `How much of the ${period} period the SLI and the error budget are measured over: the share of the period that recorded ${source.samples} cover, as a share and as time. ` +
          `Below 100% they are partial (the rules started less than ${period} ago and history was not backfilled); "${NOT_MEASURED}" until ${source.first}. ` +
          `"as of": the age of the newest of those samples; the period values trail the raw metrics by ${source.lag}.`,
        queries: [
          { expr: coverageExpr(sel), instant: true },
          { expr: measuredExpr(sel, first.periodMinutes), instant: true },
          { expr: ageMinutesExpr(sel, first.periodMinutes), instant: true },
        ],
        unit: 'percentunit',
        decimals: 1,
        thresholds: steps('orange', [1, 'green']),
        noValue: NOT_MEASURED,
        lines: true,
        overrides: [
          byRefId('A', [{ id: 'displayName', value: 'share' }]),
          measuredLine('B', first.periodMinutes, 'measured'),
          byRefId('C', [
            { id: 'displayName', value: 'as of' },
            { id: 'unit', value: 'suffix:min ago' },
            { id: 'decimals', value: 0 },
            { id: 'thresholds', value: steps('text') },
          ]),
        ],
      },
      4,
      5,
    ),
    stat(
      {
        title: 'Burn rate, last 5m',
        description: `Error ratio over the last 5 minutes ÷ error budget. 1 spends the budget exactly over ${period}; ${factors.length ? `alert tiers start at ${factors.join(', ')}` : 'this SLO has no alert tiers'}.`,
        queries: [{ expr: q.sel(RECORD.currentBurnRate, sel), instant: true }],
        unit: 'x',
        decimals: 2,
        thresholds: factors.length ? steps('green', [factors[0]!, 'orange'], [factors[factors.length - 1]!, 'red']) : steps('green'),
      },
      3,
      5,
    ),
    stat(
      {
        title: 'Alerts firing',
        description: `Burn-rate alerts (${ALERT_NAME}) of this SLO firing now, all tiers.`,
        queries: [{ expr: q.binary(q.agg('count', alerts), 'or', q.call('vector', q.num(0))), instant: true }],
        decimals: 0,
        thresholds: steps('green', [1, 'red']),
      },
      3,
      5,
    ),
    stat(
      {
        title: 'Traffic',
        description:
          'Whether the SLI saw any events in the last 5 minutes. Without traffic every error ratio reads 0 and no burn-rate alert fires; ' +
          `NO DATA means the SLO's recorded series are missing (its rules are not loaded). An alert policy with alertWhenNoData adds the ${NO_DATA_ALERT} alert for both.`,
        queries: [{ expr: q.sel(RECORD.noTraffic, sel), instant: true }],
        mappings: [valueText('0', 'receiving traffic', 'green'), valueText('1', 'NO TRAFFIC', 'orange')],
        noValue: 'NO DATA',
      },
      3,
      5,
    ),
    timeseries({
      title: `Error budget remaining over the ${period} period`,
      description:
        `The budget burn-down: error budget remaining over the last ${period}, at each point in time. A steady slope to 0 at the end of the period spends the budget exactly. ` +
        `"period measured" is the share of the period the budget was measured over at that time: below 100% the budget is partial; no line where nothing was measured yet.`,
      queries: [
        { expr: measuredOnly(q.sel(RECORD.budgetRemaining, sel), sel), legend: per('budget remaining') },
        { expr: cov, legend: per('period measured') },
      ],
      unit: 'percentunit',
      thresholds: steps('red', [0, 'transparent']),
      thresholdLines: true,
      timeFrom: period,
    }),
    timeseries({
      title: `SLI over the ${period} period`,
      description: `The share of good ${events} over the rolling ${period} window, with the objective as a second line; no line where nothing was measured yet (see "Period measured").`,
      queries: [
        { expr: measuredOnly(sli, sel, true), legend: per(`SLI (${period})`) },
        { expr: q.sel(RECORD.objective, whole), legend: 'objective' },
      ],
      unit: 'percentunit',
      decimals: 3,
      timeFrom: period,
    }),
    ...first.tiers.map((t) => burnPanel(c, sel, t, period, per)),
    stateTimeline({
      title: 'Alerts',
      description: `When each alert tier of this SLO was firing (1) or quiet (0).`,
      queries: [
        { expr: q.binary(q.by('max', [LABEL.tier, LABEL.severity, ...groupBy], alerts), 'or', q.call('vector', q.num(0)), { on: [] }), legend: per(`{{${LABEL.tier}}} {{${LABEL.severity}}}`) },
      ],
      mappings: [valueText('0', 'quiet', 'green'), valueText('1', 'firing', 'red')],
    }),
    timeseries({
      title: slices ? 'Slices' : 'Traffic and errors',
      description: slices
        ? 'The building blocks: 1 for each evaluated slice (total) and 1 for each bad slice (bad), recorded every minute.'
        : "The building blocks: total and bad events per second over the last 5 minutes, as the SLI's own queries count them.",
      queries: [
        { expr: q.sel(BLOCK.total, sel), legend: per('total') },
        { expr: q.sel(BLOCK.bad, sel), legend: per('bad') },
      ],
      unit: slices ? 'short' : 'reqps',
      min: 0,
    }),
  ];

  const links: DashboardLink[] = [
    {
      title: 'All SLOs',
      type: 'link',
      url: `/d/${overviewUid(c.scope)}`,
      icon: 'dashboard',
      tooltip: 'Overview of every SLO',
      asDropdown: false,
      includeVars: false,
      keepTime: true,
      targetBlank: false,
      tags: [],
    },
  ];
  const runbook = findAnnotation(slo, 'runbook_url');
  if (runbook)
    links.push({
      title: 'Runbook',
      type: 'link',
      url: runbook,
      icon: 'doc',
      tooltip: 'What to do when this SLO burns',
      asDropdown: false,
      includeVars: false,
      keepTime: false,
      targetBlank: true,
      tags: [],
    });

  return dashboardShell({
    uid: dashboardUid(slo.service, slo.name, c.scope),
    title: `SLO / ${slo.service} / ${display}${scopeTitle(c.scope)}`,
    description: `${generatedBy}${slo.description ? ` ${slo.description}` : ''}`,
    tags: [...DASHBOARD.tags, slo.service],
    links,
    variables: [datasourceVariable(), ...objectiveVariable(c), ...groupVariables(c)],
    panels: layout(panels),
  });
}
