import { checkSources } from './engine';

/** `E line:col path [code] message` of every diagnostic, with the file when it is not in.yaml. */
function run(text: string, extra: { file: string; text: string }[] = []): string[] {
  const r = checkSources([{ file: 'in.yaml', text }, ...extra]);
  return r.diagnostics.map((d) => `${d.severity === 'error' ? 'E' : 'W'} ${d.pos.file === 'in.yaml' ? '' : `${d.pos.file}:`}${d.pos.line}:${d.pos.column} ${d.path} [${d.code}] ${d.message}`);
}

interface Options {
  period?: string;
  /** Lines added to the objective, indented to its fields. */
  objective?: string[];
  budgetingMethod?: string;
  /** Inline burn-rate condition fields (lookbackWindow, alertAfter), or a policy reference. */
  condition?: string[];
  policyRef?: string;
}

/** An SLO whose period is on line 24, column 17, and whose inline condition's fields start on line 41. */
function slo({ period = '28d', objective = [], budgetingMethod = 'Occurrences', condition, policyRef }: Options): string {
  const lines = [
    'apiVersion: openslo/v1',
    'kind: SLO',
    'metadata:',
    '  name: checkout-availability',
    'spec:',
    '  service: checkout',
    '  indicator:',
    '    metadata:',
    '      name: ok-ratio',
    '    spec:',
    '      ratioMetric:',
    '        counter: true',
    '        good:',
    '          metricSource:',
    '            type: Prometheus',
    '            spec:',
    '              query: x{code!~"5.."}',
    '        total:',
    '          metricSource:',
    '            type: Prometheus',
    '            spec:',
    '              query: x',
    '  timeWindow:',
    `    - duration: ${period}`,
    '      isRolling: true',
    `  budgetingMethod: ${budgetingMethod}`,
    '  objectives:',
    '    - target: 0.99',
    ...objective.map((l) => `      ${l}`),
  ];
  if (policyRef) lines.push('  alertPolicies:', `    - alertPolicyRef: ${policyRef}`);
  if (condition) {
    lines.push(
      '  alertPolicies:',
      '    - kind: AlertPolicy',
      '      metadata:',
      '        name: fast-burn',
      '      spec:',
      '        conditions:',
      '          - kind: AlertCondition',
      '            metadata:',
      '              name: fast',
      '            spec:',
      '              severity: page',
      '              condition:',
      '                kind: burnrate',
      '                op: gte',
      '                threshold: 14.4',
      ...condition.map((l) => `                ${l}`),
      '        notificationTargets:',
      '          - targetRef: pager',
    );
  }
  return `${lines.join('\n')}\n`;
}

const TARGET = { file: 't.yaml', text: 'apiVersion: openslo/v1\nkind: AlertNotificationTarget\nmetadata:\n  name: pager\nspec:\n  target: pagerduty\n' };
const PERIOD_HINT = 'shorten the period to at most 1Y (365d), e.g. 28d, 30d, 1Q or 1Y';

describe('the SLO period is at most a year', () => {
  const accepted = ['1Y', '365d', '52w', '12M', '4Q', '8760h', '525600m', '28d', '1m'];
  it.each(accepted)('accepts %s', (period) => {
    expect(run(slo({ period }))).toEqual([]);
  });

  const refused = ['366d', '53w', '13M', '5Q', '2Y', '300Y', '8761h', '525601m'];
  it.each(refused)('refuses %s, at the duration, saying what the longest period is', (period) => {
    expect(run(slo({ period }))).toEqual([`E 24:17 spec.timeWindow[0].duration [duration] duration "${period}" is longer than 1Y (365d), the longest supported SLO period`]);
  });

  it('says how to fix it', () => {
    const [d] = checkSources([{ file: 'in.yaml', text: slo({ period: '300Y' }) }]).diagnostics;
    expect(d?.hint).toBe(PERIOD_HINT);
  });

  it('refuses a count too large to be read as a number', () => {
    expect(run(slo({ period: '99999999999999999999d' }))).toEqual([
      'E 24:17 spec.timeWindow[0].duration [duration] duration "99999999999999999999d" is longer than 1Y (365d), the longest supported SLO period',
    ]);
  });

  it('refuses a name of an object property as a period (once read as a calendar word)', () => {
    expect(run(slo({ period: 'toString' }))).toEqual([
      'E 24:17 spec.timeWindow[0].duration [duration] duration "toString" is not a duration; write <positive integer><unit> with unit one of m h d w M Q Y, e.g. 5m, 1h, 28d',
    ]);
  });

  it('still refuses a zero period', () => {
    expect(run(slo({ period: '0d' }))).toEqual(['E 24:17 spec.timeWindow[0].duration [duration] duration "0d" is zero; durations must be positive']);
  });

  const v1alpha = (count: number, unit: string) =>
    `apiVersion: openslo/v1alpha\nkind: SLO\nmetadata:\n  name: a\nspec:\n  service: s\n  indicator:\n    thresholdMetric:\n      source: prometheus\n      queryType: promql\n      query: x\n  timeWindows:\n    - count: ${count}\n      unit: ${unit}\n      isRolling: true\n  budgetingMethod: Occurrences\n  objectives:\n    - op: lte\n      value: 1\n      target: 0.9\n`;
  it.each([
    [1, 'Year', []],
    [365, 'Day', []],
    [4, 'Quarter', []],
    [2, 'Year', ['E 13:14 spec.timeWindows[0].count [duration] timeWindows count 2 Year is longer than 1Y (365d), the longest supported SLO period']],
    [366, 'Day', ['E 13:14 spec.timeWindows[0].count [duration] timeWindows count 366 Day is longer than 1Y (365d), the longest supported SLO period']],
  ] as [number, string, string[]][])('v1alpha: %d %s', (count, unit, expected) => {
    expect(run(v1alpha(count, unit))).toEqual(expected);
  });
});

describe('durations inside the period', () => {
  const sliced = (timeSliceWindow: string, period = '28d') => slo({ period, budgetingMethod: 'Timeslices', objective: ['timeSliceTarget: 0.95', `timeSliceWindow: ${timeSliceWindow}`] });
  it.each([
    ['a 5m slice', sliced('5m'), []],
    ['a slice as long as the period', sliced('1Y', '1Y'), []],
    [
      'a slice longer than the period',
      sliced('29d'),
      ['E 30:24 spec.objectives[0].timeSliceWindow [duration] timeSliceWindow "29d" is longer than the 28d period of SLO "checkout-availability": a time slice must fit inside the period'],
    ],
    ['a slice longer than any period', sliced('2Y'), ['E 30:24 spec.objectives[0].timeSliceWindow [duration] timeSliceWindow "2Y" is longer than 1Y (365d), the longest supported SLO period']],
    ['a zero slice', sliced('0m'), ['E 30:24 spec.objectives[0].timeSliceWindow [duration] timeSliceWindow: "0m" is zero; durations must be positive']],
  ])('%s', (_title, text, expected) => {
    expect(run(text)).toEqual(expected);
  });

  const LB = 'spec.alertPolicies[0].spec.conditions[0].spec.condition.lookbackWindow';
  const AA = 'spec.alertPolicies[0].spec.conditions[0].spec.condition.alertAfter';
  it.each([
    ['a 1h lookback window', { condition: ['lookbackWindow: 1h', 'alertAfter: 5m'] }, []],
    ['a lookback window as long as the period', { period: '1Y', condition: ['lookbackWindow: 1Y', 'alertAfter: 1Y'] }, []],
    [
      'a lookback window longer than the period',
      { condition: ['lookbackWindow: 29d'] },
      [`E 44:33 ${LB} [duration] lookbackWindow "29d" is longer than the 28d period of SLO "checkout-availability": a burn-rate window must fit inside the period`],
    ],
    [
      'a negative lookback window (tolerated sign) longer than the period',
      { condition: ['lookbackWindow: -29d'] },
      [
        `E 44:33 ${LB} [duration] lookbackWindow "-29d" is longer than the 28d period of SLO "checkout-availability": a burn-rate window must fit inside the period`,
        `W 44:33 ${LB} [compat] lookbackWindow "-29d": lookbackWindow must be a positive duration`,
      ],
    ],
    [
      'a lookback window longer than any period',
      { condition: ['lookbackWindow: 300Y'] },
      [`E 44:33 ${LB} [duration] lookbackWindow "300Y" is longer than 1Y (365d), the longest supported SLO period`],
    ],
    [
      'alertAfter longer than the period',
      { condition: ['lookbackWindow: 1h', 'alertAfter: 29d'] },
      [`E 45:29 ${AA} [duration] alertAfter "29d" is longer than the 28d period of SLO "checkout-availability": the alert could not fire before the period is over`],
    ],
    [
      'alertAfter longer than any period',
      { condition: ['lookbackWindow: 1h', 'alertAfter: 2Y'] },
      [`E 45:29 ${AA} [duration] alertAfter "2Y" is longer than 1Y (365d), the longest supported SLO period`],
    ],
    ['a zero lookback window', { condition: ['lookbackWindow: 0h'] }, [`E 44:33 ${LB} [duration] lookbackWindow: "0h" is zero; durations must be positive`]],
    ['a zero alertAfter', { condition: ['lookbackWindow: 1h', 'alertAfter: 0m'] }, [`E 45:29 ${AA} [duration] alertAfter: "0m" is zero; durations must be positive`]],
  ] as [string, Options, string[]][])('%s', (_title, opts, expected) => {
    expect(run(slo(opts), [TARGET])).toEqual(expected);
  });

  const POLICY = {
    file: 'p.yaml',
    text: 'apiVersion: openslo/v1\nkind: AlertPolicy\nmetadata:\n  name: slow-burn\nspec:\n  conditions:\n    - conditionRef: slow\n  notificationTargets:\n    - targetRef: pager\n',
  };
  const condition = (lookbackWindow: string) => ({
    file: 'c.yaml',
    text: `apiVersion: openslo/v1\nkind: AlertCondition\nmetadata:\n  name: slow\nspec:\n  severity: ticket\n  condition:\n    kind: burnrate\n    op: gte\n    threshold: 1\n    lookbackWindow: ${lookbackWindow}\n`,
  });
  it('refuses a referenced condition whose window is longer than the period of an SLO using it, where it is defined', () => {
    expect(run(slo({ policyRef: 'slow-burn' }), [POLICY, condition('30d'), TARGET])).toEqual([
      'E c.yaml:11:21 spec.condition.lookbackWindow [duration] lookbackWindow "30d" is longer than the 28d period of SLO "checkout-availability": a burn-rate window must fit inside the period',
    ]);
    expect(run(slo({ policyRef: 'slow-burn', period: '30d' }), [POLICY, condition('30d'), TARGET])).toEqual([]);
  });
  it('refuses a condition longer than any period even when no SLO uses it', () => {
    expect(run(condition('2Y').text)).toEqual(['E 11:21 spec.condition.lookbackWindow [duration] lookbackWindow "2Y" is longer than 1Y (365d), the longest supported SLO period']);
  });

  it('says how to fix a window longer than the period', () => {
    const d = checkSources([{ file: 'in.yaml', text: slo({ condition: ['lookbackWindow: 29d'] }) }, TARGET]).diagnostics[0];
    expect(d?.hint).toBe('shorten lookbackWindow to at most 28d; burn-rate windows are usually 1h to 3d');
  });
});
