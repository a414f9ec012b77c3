import { checkSources, type EngineOptions } from './engine';

/** `line:col path [code]` of every diagnostic, the readable form the cases below expect. */
function run(text: string, opts: EngineOptions = {}, extra: { file: string; text: string }[] = []): string[] {
  const r = checkSources([{ file: 'in.yaml', text }, ...extra], opts);
  return r.diagnostics.map((d) => `${d.severity === 'error' ? 'E' : 'W'} ${d.pos.file === 'in.yaml' ? '' : `${d.pos.file}:`}${d.pos.line}:${d.pos.column} ${d.path} [${d.code}]`);
}

const SLO = (spec: string, name = 'checkout-availability') => `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${name}
spec:
  service: checkout
${spec}`;

const RATIO = `  indicator:
    metadata:
      name: ok-ratio
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total{job="checkout",code!~"5.."}
        total:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total{job="checkout"}
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
`;

describe('checkSources: located errors', () => {
  it.each([
    ['a valid SLO', SLO(`${RATIO}  objectives:\n    - target: 0.995\n`), []],
    ['every mistake is reported, not only the first', SLO(`${RATIO.replace('Occurrences', 'occurrences')}  objectives:\n    - target: 99.5\n`), ['E 26:20 spec.budgetingMethod [enum]', 'E 28:15 spec.objectives[0].target [range]']],
    ['unknown field, located at the key', SLO(`${RATIO}  objective:\n    - target: 0.995\n`), ['W 6:3 spec [compat]', 'E 27:3 spec.objective [unknown-field]']],
    ['target and targetPercent together', SLO(`${RATIO}  objectives:\n    - target: 0.995\n      targetPercent: 99.5\n`), ['E 29:7 spec.objectives[0].targetPercent [target]']],
    ['a duration without unit', SLO(RATIO.replace('28d', '"28"') + '  objectives:\n    - target: 0.9\n'), ['E 24:17 spec.timeWindow[0].duration [duration]']],
    ['an unknown time zone', SLO(RATIO.replace('isRolling: true', 'calendar:\n        startTime: "2024-01-01 00:00:00"\n        timeZone: Mars/Olympus') + '  objectives:\n    - target: 0.9\n'), ['E 27:19 spec.timeWindow[0].calendar.timeZone [calendar]']],
    ['a PromQL syntax error points into the query', SLO(`${RATIO.replace('code!~"5.."}', 'code!~"5.."')}  objectives:\n    - target: 0.9\n`), ['E 17:41 spec.indicator.spec.ratioMetric.good.metricSource.spec.query [promql]'] /* the unclosed brace */],
    ['apiVersion typo', 'apiVersion: openslo/v2\nkind: Service\nmetadata:\n  name: x\n', ['E 1:13 apiVersion [api-version]']],
    ['a kind that v1alpha does not have', 'apiVersion: openslo/v1alpha\nkind: SLI\nmetadata:\n  name: x\n', ['E 2:7 kind [kind]']],
    ['a scalar document', 'just text\n', ['E 1:1  [not-an-object]']],
    ['a YAML syntax error', 'apiVersion: openslo/v1\nkind: [Service\n', ['E 3:1  [yaml-syntax]']],
    ['a duplicated key', 'apiVersion: openslo/v1\nkind: Service\nkind: Service\nmetadata:\n  name: x\n', ['E 3:1  [duplicate-key]']],
  ])('%s', (_title, text, expected) => {
    expect(run(text)).toEqual(expected);
  });

  it('says how to fix a misspelt enum and a percentage target', () => {
    const r = checkSources([{ file: 'in.yaml', text: SLO(`${RATIO.replace('Occurrences', 'occurrences')}  objectives:\n    - target: 99.5\n`) }]);
    expect(r.diagnostics.map((d) => d.hint)).toEqual(['did you mean "Occurrences"?', 'target is a fraction: write target: 0.995 or targetPercent: 99.5']);
  });

  it('suggests the closest field for an unknown key', () => {
    const r = checkSources([{ file: 'in.yaml', text: SLO(`${RATIO}  objectives:\n    - targt: 0.995\n`) }]);
    expect(r.diagnostics.find((d) => d.code === 'unknown-field')?.hint).toBe('did you mean "target"?');
  });
});

describe('checkSources: across inputs', () => {
  const SLI = `apiVersion: openslo/v1
kind: SLI
metadata:
  name: ok-ratio
spec:
  ratioMetric:
    counter: true
    good:
      metricSource:
        type: Prometheus
        spec:
          query: sum(rate(x{code!~"5.."}[5m]))
    total:
      metricSource:
        type: Prometheus
        spec:
          query: sum(rate(x[5m]))
`;
  const BY_REF = SLO('  indicatorRef: ok-ratio\n  timeWindow:\n    - duration: 7d\n      isRolling: true\n  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n');

  it('a reference no input defines is a warning for validate and an error for compile', () => {
    expect(run(BY_REF)).toEqual(['W 7:17 spec.indicatorRef [missing-reference]']);
    expect(run(BY_REF, { missingReferences: 'error' })).toEqual(['E 7:17 spec.indicatorRef [missing-reference]']);
  });

  it('resolves references across files', () => {
    expect(run(BY_REF, {}, [{ file: 'sli.yaml', text: SLI }])).toEqual([]);
  });

  it('reports both places of a duplicated name', () => {
    expect(run(BY_REF, {}, [{ file: 'sli.yaml', text: SLI }, { file: 'other.yaml', text: BY_REF.replace('0.99', '0.999') }])).toEqual([
      'E 4:9 metadata.name [duplicate-name]',
      'E other.yaml:4:9 metadata.name [duplicate-name]',
    ]);
  });

  it('identical duplicates are only a warning', () => {
    expect(run(SLI, {}, [{ file: 'again.yaml', text: SLI }])).toEqual(['W again.yaml:4:9 metadata.name [duplicate-name]', 'W 4:9 metadata.name [duplicate-name]']);
  });

  it('checks PromQL of queries whose type comes from a referenced DataSource', () => {
    const ds = 'apiVersion: openslo/v1\nkind: DataSource\nmetadata:\n  name: prom\nspec:\n  type: Prometheus\n  connectionDetails: {url: http://p:9090}\n';
    const sli = SLI.replace(/type: Prometheus/g, 'metricSourceRef: prom').replace('sum(rate(x[5m]))', 'sum(rate(x[5m])');
    expect(run(sli, {}, [{ file: 'ds.yaml', text: ds }])).toEqual(['E 17:21 spec.ratioMetric.total.metricSource.spec.query [promql]'] /* the unclosed paren */);
  });

  it('rejects good and total aggregated by different labels', () => {
    const sli = SLI.replace('sum(rate(x{code', 'sum by (route) (rate(x{code').replace('sum(rate(x[5m]))', 'sum by (job) (rate(x[5m]))');
    expect(run(sli)).toEqual(['E 12:18 spec.ratioMetric.good.metricSource.spec.query [query-shape]']);
  });
});

describe('compatibility mode', () => {
  const POLICY = 'apiVersion: openslo/v1\nkind: AlertPolicy\nmetadata:\n  name: AlertPolicy\nspec:\n  conditions:\n    - conditionRef: fast\n  notificationTargets:\n    - targetRef: pager\n';
  const defs = [
    { file: 'c.yaml', text: 'apiVersion: openslo/v1\nkind: AlertCondition\nmetadata:\n  name: fast\nspec:\n  severity: page\n  condition:\n    kind: burnrate\n    threshold: 14.4\n    lookbackWindow: 1h\n' },
    { file: 't.yaml', text: 'apiVersion: openslo/v1\nkind: AlertNotificationTarget\nmetadata:\n  name: pager\nspec:\n  target: pagerduty\n' },
  ];
  it('sums up every tolerated deviation of an object in one warning', () => {
    const r = checkSources([{ file: 'in.yaml', text: POLICY }, ...defs]);
    expect(r.diagnostics.map((d) => `${d.pos.file} ${d.code} ${d.deviations.join(',')}`)).toEqual(['c.yaml compat burnrate-without-op', 'in.yaml compat name-format']);
  });
  it('--strict rejects each of them with its rule', () => {
    const r = checkSources([{ file: 'in.yaml', text: POLICY }, ...defs], { strict: true });
    expect(r.diagnostics.map((d) => `${d.severity} ${d.pos.file}:${d.pos.line}:${d.pos.column} ${d.code}`)).toEqual(['error c.yaml:8:5 burnrate-without-op', 'error in.yaml:4:9 name-format']);
  });
  it('never tolerates a name with spaces', () => {
    expect(run(POLICY.replace('AlertPolicy\nspec', 'my policy\nspec'))).toContain('E 4:9 metadata.name [name-format]');
  });
});

describe('hostile input', () => {
  it('refuses an alias bomb quickly', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
    const t = Date.now();
    expect(run(lines.join('\n'))).toEqual(['E 1:1  [yaml-alias-limit]']);
    expect(Date.now() - t).toBeLessThan(5000);
  });
  it.each([
    ['lists', `${'['.repeat(5000)}${']'.repeat(5000)}`],
    ['maps', `${'{a: '.repeat(5000)}1${'}'.repeat(5000)}`],
    ['block maps', Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}a:`).join('\n')],
  ])('refuses documents nested too deeply (%s)', (_kind, text) => {
    const codes = run(text).map((l) => l.split('[')[1]);
    expect(codes).toContain('too-deep]');
  });
});
