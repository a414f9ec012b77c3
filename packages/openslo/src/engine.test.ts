import { checkSources, type EngineOptions, type SourceText } from './engine';
import { skippedSummary } from './found';

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
    [
      'every mistake is reported, not only the first',
      SLO(`${RATIO.replace('Occurrences', 'occurrences')}  objectives:\n    - target: 99.5\n`),
      ['E 26:20 spec.budgetingMethod [enum]', 'E 28:15 spec.objectives[0].target [range]'],
    ],
    ['unknown field, located at the key', SLO(`${RATIO}  objective:\n    - target: 0.995\n`), ['W 6:3 spec [compat]', 'E 27:3 spec.objective [unknown-field]']],
    ['target and targetPercent together', SLO(`${RATIO}  objectives:\n    - target: 0.995\n      targetPercent: 99.5\n`), ['E 29:7 spec.objectives[0].targetPercent [target]']],
    ['a duration without unit', SLO(`${RATIO.replace('28d', '"28"')}  objectives:\n    - target: 0.9\n`), ['E 24:17 spec.timeWindow[0].duration [duration]']],
    [
      'an unknown time zone',
      SLO(`${RATIO.replace('isRolling: true', 'calendar:\n        startTime: "2024-01-01 00:00:00"\n        timeZone: Mars/Olympus')}  objectives:\n    - target: 0.9\n`),
      ['E 27:19 spec.timeWindow[0].calendar.timeZone [calendar]'],
    ],
    [
      'a PromQL syntax error points into the query',
      SLO(`${RATIO.replace('code!~"5.."}', 'code!~"5.."')}  objectives:\n    - target: 0.9\n`),
      ['E 17:41 spec.indicator.spec.ratioMetric.good.metricSource.spec.query [promql]'] /* the unclosed brace */,
    ],
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
    expect(
      run(BY_REF, {}, [
        { file: 'sli.yaml', text: SLI },
        { file: 'other.yaml', text: BY_REF.replace('0.99', '0.999') },
      ]),
    ).toEqual(['E 4:9 metadata.name [duplicate-name]', 'E other.yaml:4:9 metadata.name [duplicate-name]']);
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
    {
      file: 'c.yaml',
      text: 'apiVersion: openslo/v1\nkind: AlertCondition\nmetadata:\n  name: fast\nspec:\n  severity: page\n  condition:\n    kind: burnrate\n    threshold: 14.4\n    lookbackWindow: 1h\n',
    },
    { file: 't.yaml', text: 'apiVersion: openslo/v1\nkind: AlertNotificationTarget\nmetadata:\n  name: pager\nspec:\n  target: pagerduty\n' },
  ];
  it('warns about each tolerated deviation where it is, as --strict reports it', () => {
    const r = checkSources([{ file: 'in.yaml', text: POLICY.replace('- conditionRef: fast', '- conditionRef: fast\n      operator: and') }, ...defs]);
    expect(r.diagnostics.map((d) => `${d.severity} ${d.pos.file}:${d.pos.line}:${d.pos.column} ${d.path} [${d.code} ${d.deviations.join(',')}] ${d.message} | ${d.hint}`)).toEqual([
      'warning c.yaml:8:5 spec.condition [compat burnrate-without-op] a burnrate condition requires op (lte | gte | lt | gt) | --strict rejects this; accepted because older validators; op defaults to gte (alert when the burn rate reaches the threshold)',
      'warning in.yaml:4:9 metadata.name [compat name-format] name "AlertPolicy" is not an RFC 1123 name (lower-case letters, digits and "-", at most 63 characters); use "alertpolicy" | --strict rejects this; accepted because the spec text ("must at least support" RFC 1123) and older validators',
      'warning in.yaml:8:7 spec.conditions[0].operator [compat condition-operator] operator is not a field of AlertPolicy conditions | --strict rejects this; accepted because the 2022 JSON schema; the field is ignored',
    ]);
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
    for (let i = 1; i < 10; i++)
      lines.push(
        `a${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
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

/** `severity line:col path [code] message | hint` of every diagnostic: the exact texts the cases below expect. */
function texts(sources: SourceText[], opts: EngineOptions = {}): string[] {
  return checkSources(sources, opts).diagnostics.map(
    (d) => `${d.severity === 'error' ? 'E' : 'W'} ${d.pos.file}:${d.pos.line}:${d.pos.column} ${d.path} [${d.code}] ${d.message}${d.hint ? ` | ${d.hint}` : ''}`,
  );
}
const one = (text: string, opts: EngineOptions = {}) => texts([{ file: 'in.yaml', text }], opts);

const NOTHING_HINT =
  'an OpenSLO spec has apiVersion: openslo/v1 (or openslo/v1alpha, openslo.com/v2alpha) and a kind such as SLO; a Sloth spec has version: prometheus/v1 or apiVersion: sloth.slok.dev/v1. Directories are read recursively for .yaml, .yml and .json files';

describe('checkSources: documents that are not SLO specs', () => {
  const DEPLOYMENT = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n';
  const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n';
  const RULE = 'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: r\nspec:\n  groups: []\n';
  const TEMPLATE = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  template:\n    {{- include "pod" . | nindent 4 }}\n';
  const VALUES = 'replicas: 2\nimage:\n  tag: latest\n';
  const SPEC = 'apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: checkout\n';
  const walked = (file: string, text: string): SourceText => ({ file: `helm/${file}`, text, input: 'helm/', walked: true });

  it.each([
    ['a Deployment', [walked('dep.yaml', DEPLOYMENT)], [['helm/dep.yaml', 1, 'apiVersion apps/v1 is not OpenSLO or Sloth']]],
    [
      'manifests of several documents, one entry each',
      [walked('all.yaml', `${SERVICE}---\n${RULE}`)],
      [
        ['helm/all.yaml', 1, 'apiVersion v1 is not OpenSLO or Sloth'],
        ['helm/all.yaml', 6, 'apiVersion monitoring.coreos.com/v1 is not OpenSLO or Sloth'],
      ],
    ],
    ['a Helm template, which does not parse', [walked('templates/dep.yaml', TEMPLATE)], [['helm/templates/dep.yaml', 7, 'does not parse as YAML and does not mention OpenSLO or Sloth (a template?)']]],
    ['a values file', [walked('values.yaml', VALUES)], [['helm/values.yaml', 1, 'has no apiVersion, kind or Sloth version']]],
    ['an empty file found in a directory', [walked('empty.yaml', '')], [['helm/empty.yaml', 1, 'has no YAML documents']]],
    ['a list found in a directory', [walked('list.yaml', '- a\n')], [['helm/list.yaml', 1, 'is a scalar, not a map with apiVersion']]],
  ] as [string, SourceText[], [string, number, string][]][])('skips %s', (_title, sources, expected) => {
    const r = checkSources([...sources, { file: 'spec.yaml', text: SPEC }]);
    expect(r.skipped.map((s) => [s.file, s.line, s.reason])).toEqual(expected);
    expect(r.diagnostics).toEqual([]);
    expect(r.objects.map((o) => o.name)).toEqual(['checkout']);
  });

  it.each([
    [
      'an apiVersion that mentions openslo',
      'apiVersion: openslo/v2\nkind: Service\nmetadata:\n  name: x\n',
      'E in.yaml:1:13 apiVersion [api-version] unsupported apiVersion "openslo/v2"; supported: openslo/v1, openslo/v1alpha, openslo.com/v2alpha | did you mean "openslo/v1"?',
    ],
    [
      'an SLO kind under another apiVersion',
      'apiVersion: v1\nkind: SLO\nmetadata:\n  name: x\n',
      'E in.yaml:1:13 apiVersion [api-version] unsupported apiVersion "v1"; supported: openslo/v1, openslo/v1alpha, openslo.com/v2alpha',
    ],
    [
      'an apiVersion that is no API version at all',
      'apiVersion: foo\nkind: Service\nmetadata:\n  name: x\n',
      'E in.yaml:1:13 apiVersion [api-version] unsupported apiVersion "foo"; supported: openslo/v1, openslo/v1alpha, openslo.com/v2alpha',
    ],
    ['an SLO without apiVersion', 'kind: SLO\nmetadata:\n  name: x\n', 'E in.yaml:1:1  [required] apiVersion is required | add apiVersion: openslo/v1'],
    ['a named file that does not parse', TEMPLATE, 'E in.yaml:7:7  [yaml-syntax] Block collections are not allowed within flow collections'],
    ['a broken file found in a directory that mentions openslo', `# openslo\n${TEMPLATE}`, 'E in.yaml:8:7  [yaml-syntax] Block collections are not allowed within flow collections'],
  ])('reports, not skips, %s', (_title, text, expected) => {
    const r = checkSources([{ file: 'in.yaml', text, walked: _title.includes('directory') }]);
    expect(r.skipped).toEqual([]);
    expect(texts([{ file: 'in.yaml', text, walked: _title.includes('directory') }])[0]).toBe(expected);
  });

  it('is an error when nothing at all is an SLO spec, naming the inputs as given', () => {
    const sources = [walked('dep.yaml', DEPLOYMENT), walked('values.yaml', VALUES), { file: 'svc.yaml', text: SERVICE, input: 'svc.yaml' }];
    expect(texts(sources)).toEqual([`E helm/:1:1  [no-specs] no OpenSLO or Sloth documents found in helm/, svc.yaml | ${NOTHING_HINT}; 3 documents were skipped as not SLO specs`]);
    expect(skippedSummary(checkSources(sources).skipped)).toBe('skipped 3 documents that are not SLO specs (no openslo apiVersion, no Sloth version)');
  });

  it('an empty standard input is one error, instead of the per-file warning', () => {
    expect(texts([{ file: '<stdin>', text: '', input: '-' }])).toEqual([`E <stdin>:1:1  [no-specs] no OpenSLO or Sloth documents found in <stdin> | ${NOTHING_HINT}`]);
  });

  it('an empty file beside specs still only warns', () => {
    expect(
      texts([
        { file: 'empty.yaml', text: '' },
        { file: 'spec.yaml', text: SPEC },
      ]),
    ).toEqual(['W empty.yaml:1:1  [empty] contains no OpenSLO objects | is this the right file?']);
  });

  it('a Sloth document is kept', () => {
    const r = checkSources([walked('sloth.yaml', 'version: prometheus/v1\nservice: web\nslos: []\n')]);
    expect(r.skipped).toEqual([]);
    expect(r.objects.map((o) => o.kind)).toEqual(['PrometheusServiceLevel']);
  });
});

describe('checkSources: messages that fit the mistake', () => {
  const NOBL9 = `apiVersion: n9/v1alpha
kind: SLO
metadata:
  name: api-latency
  project: default
spec:
  service: api
  indicator:
    metricSource:
      name: prometheus
    rawMetric:
      prometheus:
        promql: latency_seconds
`;
  const NOBL9_HINT =
    'convert it to OpenSLO: apiVersion: openslo/v1, and write each Nobl9 metric such as prometheus: {promql: <query>} as metricSource: {type: Prometheus, spec: {query: <query>}} under spec.indicator.spec.ratioMetric (good or bad, and total) or thresholdMetric';
  const ENVELOPE = (apiVersion: string, kind = 'Service') => `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: x\n`;
  const UNSUPPORTED = (v: string) => `E in.yaml:1:13 apiVersion [api-version] unsupported apiVersion "${v}"; supported: openslo/v1, openslo/v1alpha, openslo.com/v2alpha`;
  const METRIC = (metric: string) => `apiVersion: openslo/v1
kind: SLI
metadata:
  name: ok
spec:
  ratioMetric:
    counter: true
    good:
${metric}
    total:
      metricSource:
        type: Prometheus
        spec:
          query: sum(rate(x[5m]))
`;
  const TARGET = (objective: string) => SLO(`${RATIO}  objectives:\n    - ${objective}\n`);

  it.each([
    ['openslo.com/v1', ENVELOPE('openslo.com/v1'), [`${UNSUPPORTED('openslo.com/v1')} | did you mean "openslo/v1"?`]],
    ['openslo.com/v1alpha', ENVELOPE('openslo.com/v1alpha'), [`${UNSUPPORTED('openslo.com/v1alpha')} | did you mean "openslo/v1alpha"?`]],
    ['openslo/V1', ENVELOPE('openslo/V1'), [`${UNSUPPORTED('openslo/V1')} | did you mean "openslo/v1"?`]],
    ['OpenSLO/v1', ENVELOPE('OpenSLO/v1'), [`${UNSUPPORTED('OpenSLO/v1')} | did you mean "openslo/v1"?`]],
    ['openslo/v2alpha', ENVELOPE('openslo/v2alpha'), [`${UNSUPPORTED('openslo/v2alpha')} | did you mean "openslo.com/v2alpha"?`]],
    [
      'kind ServiceLevelObjective',
      ENVELOPE('openslo/v1', 'ServiceLevelObjective'),
      [
        'E in.yaml:2:7 kind [kind] kind "ServiceLevelObjective" does not exist in openslo/v1; it has SLO, SLI, DataSource, Service, AlertPolicy, AlertCondition, AlertNotificationTarget | the OpenSLO kind is SLO: write kind: SLO (ServiceLevelObjective is the name Kubernetes SLO operators such as Pyrra give their custom resource)',
      ],
    ],
    ['a Nobl9 document', NOBL9, [`E in.yaml:1:13 apiVersion [nobl9] this is a Nobl9 SLO document (apiVersion n9/v1alpha), not OpenSLO; slo-engine reads OpenSLO and Sloth specs only | ${NOBL9_HINT}`]],
    [
      'a Nobl9 metric in an OpenSLO SLI',
      METRIC('      prometheus:\n        promql: sum(rate(x{code!~"5.."}[5m]))'),
      [
        'E in.yaml:9:7 spec.ratioMetric.good.metricSource [required] is required (a map)',
        'E in.yaml:9:7 spec.ratioMetric.good.prometheus [unknown-field] unknown field "prometheus" | prometheus: {promql: ...} is how Nobl9 writes a metric; OpenSLO writes metricSource: {type: Prometheus, spec: {query: ...}} (under ratioMetric good/bad/total or thresholdMetric)',
      ],
    ],
    [
      'promql where query belongs',
      METRIC('      metricSource:\n        type: Prometheus\n        spec:\n          promql: sum(rate(x{code!~"5.."}[5m]))'),
      ['E in.yaml:12:11 spec.ratioMetric.good.metricSource.spec.promql [metric-spec] the metric source spec has promql but no query: OpenSLO puts the PromQL in query | rename promql to query'],
    ],
    [
      'metricSourceType',
      METRIC('      metricSource:\n        metricSourceType: Prometheus\n        spec:\n          query: sum(rate(x{code!~"5.."}[5m]))'),
      ['E in.yaml:10:9 spec.ratioMetric.good.metricSource.metricSourceType [unknown-field] unknown field "metricSourceType" | did you mean "type"?'],
    ],
    [
      'target: 1',
      TARGET('target: 1'),
      ['E in.yaml:28:15 spec.objectives[0].target [range] must be below 1 (got 1) | a target of 1 (100%) leaves no error budget: every error burns all of it; use e.g. 0.999'],
    ],
    ['target: 99.9', TARGET('target: 99.9'), ['E in.yaml:28:15 spec.objectives[0].target [range] must be below 1 (got 99.9) | target is a fraction: write target: 0.999 or targetPercent: 99.9']],
    [
      'target: 0',
      TARGET('target: 0'),
      [
        'W in.yaml:28:15 spec.objectives[0].target [target] a target of 0 is met even when every event is bad, so this objective never uses any error budget | write the share of good events you promise, e.g. target: 0.999',
      ],
    ],
    [
      'target: -1',
      TARGET('target: -1'),
      ['E in.yaml:28:15 spec.objectives[0].target [range] must be at least 0 (got -1) | target is the share of good events, a fraction from 0 up to (not including) 1, e.g. 0.999'],
    ],
    [
      'targetPercent: 100',
      TARGET('targetPercent: 100'),
      ['E in.yaml:28:22 spec.objectives[0].targetPercent [range] must be below 100 (got 100) | a targetPercent of 100 or more leaves no error budget: every error burns all of it; use e.g. 99.9'],
    ],
    [
      'targetPercent: 0',
      TARGET('targetPercent: 0'),
      [
        'W in.yaml:28:22 spec.objectives[0].targetPercent [target] a targetPercent of 0 is met even when every event is bad, so this objective never uses any error budget | write the share of good events you promise, e.g. targetPercent: 99.9',
      ],
    ],
    [
      'a name with accents',
      ENVELOPE('openslo/v1').replace('name: x', 'name: été'),
      ['E in.yaml:4:9 metadata.name [name-format] name "été" is not an RFC 1123 name (lower-case letters, digits and "-", at most 63 characters) | use "ete"'],
    ],
    [
      'a name with spaces and accents',
      ENVELOPE('openslo/v1').replace('name: x', 'name: Équipe Paiement'),
      ['E in.yaml:4:9 metadata.name [name-format] name "Équipe Paiement" is not an RFC 1123 name (lower-case letters, digits and "-", at most 63 characters) | use "equipe-paiement"'],
    ],
    [
      'an SLO without spec',
      'apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: checkout\n',
      ['E in.yaml:1:1  [required] SLO checkout has no spec: add a spec: block with service, indicator or indicatorRef, timeWindow, budgetingMethod and objectives'],
    ],
    [
      'a v2alpha SLO without spec',
      'apiVersion: openslo.com/v2alpha\nkind: SLO\nmetadata:\n  name: checkout\n',
      ['E in.yaml:1:1  [required] SLO checkout has no spec: add a spec: block with service, sli or sliRef, timeWindow, budgetingMethod and objectives'],
    ],
    ['an SLI without spec', 'apiVersion: openslo/v1\nkind: SLI\nmetadata:\n  name: ok\n', ['E in.yaml:1:1  [required] SLI ok has no spec: add a spec: block with thresholdMetric or ratioMetric']],
    [
      'an AlertPolicy without spec',
      'apiVersion: openslo/v1\nkind: AlertPolicy\nmetadata:\n  name: p\n',
      ['E in.yaml:1:1  [required] AlertPolicy p has no spec: add a spec: block with conditions and notificationTargets'],
    ],
    ['a Service without spec is fine', 'apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: s\n', []],
  ] as [string, string, string[]][])('%s', (_title, text, expected) => expect(one(text)).toEqual(expected));

  it.each([
    ['SLI', 'SLO', 'indicatorRef "ok" refers to an SLI that none of the inputs define'],
    ['AlertPolicy', 'SLO', 'alertPolicyRef "p" refers to an AlertPolicy that none of the inputs define'],
  ])('missing %s: "%s" gets the right article', (kind, _owner, expected) => {
    const spec = kind === 'SLI' ? BY_REF_SPEC : `${RATIO}  objectives:\n    - target: 0.9\n  alertPolicies:\n    - alertPolicyRef: p\n`;
    expect(checkSources([{ file: 'in.yaml', text: SLO(spec) }]).diagnostics.map((d) => d.message)).toEqual([expected]);
  });
});

const BY_REF_SPEC = '  indicatorRef: ok\n  timeWindow:\n    - duration: 7d\n      isRolling: true\n  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n';

describe('checkSources: an SLI that no SLO uses and that is not Prometheus', () => {
  const SLI = (name: string, type: string) => `apiVersion: openslo/v1
kind: SLI
metadata:
  name: ${name}
spec:
  thresholdMetric:
    metricSource:
      metricSourceRef: ${type.toLowerCase()}
      type: ${type}
      spec:
        query: avg:trace.http.request.duration{service:web}
`;
  it.each([
    [
      'compile skips an unused Datadog SLI with a warning',
      SLI('dd-latency', 'Datadog'),
      'error',
      [
        'W in.yaml:4:9 metadata.name [unused-sli] SLI dd-latency is not referenced by any SLO and its source Datadog is not Prometheus: it is skipped | nothing is compiled for it; leave its file out of the inputs to silence this',
      ],
    ],
    [
      'and a CloudWatch one',
      SLI('cw', 'CloudWatch'),
      'error',
      [
        'W in.yaml:4:9 metadata.name [unused-sli] SLI cw is not referenced by any SLO and its source CloudWatch is not Prometheus: it is skipped | nothing is compiled for it; leave its file out of the inputs to silence this',
      ],
    ],
    [
      'validate keeps the missing-reference warning',
      SLI('dd-latency', 'Datadog'),
      'warning',
      [
        'W in.yaml:8:24 spec.thresholdMetric.metricSource.metricSourceRef [missing-reference] metricSourceRef "datadog" refers to a DataSource that none of the inputs define | pass the file that defines DataSource "datadog" too; compile needs it',
      ],
    ],
    [
      'an unused Prometheus SLI still needs its DataSource',
      SLI('p', 'Prometheus').replace('avg:trace.http.request.duration{service:web}', 'up'),
      'error',
      [
        'E in.yaml:8:24 spec.thresholdMetric.metricSource.metricSourceRef [missing-reference] metricSourceRef "prometheus" refers to a DataSource that none of the inputs define | define DataSource "prometheus" or pass the file that defines it',
      ],
    ],
  ] as [string, string, 'error' | 'warning', string[]][])('%s', (_title, text, missingReferences, expected) => expect(one(text, { missingReferences })).toEqual(expected));

  it('an SLI an SLO refers to still gets the error', () => {
    const slo = SLO(BY_REF_SPEC.replace('indicatorRef: ok', 'indicatorRef: dd-latency'));
    expect(
      texts(
        [
          { file: 'in.yaml', text: SLI('dd-latency', 'Datadog') },
          { file: 'slo.yaml', text: slo },
        ],
        { missingReferences: 'error' },
      ),
    ).toEqual([
      'E in.yaml:8:24 spec.thresholdMetric.metricSource.metricSourceRef [missing-reference] metricSourceRef "datadog" refers to a DataSource that none of the inputs define | define DataSource "datadog" or pass the file that defines it',
    ]);
  });
});

describe('checkSources: a Sloth-style v1alpha SLO without timeWindows', () => {
  const V1ALPHA = `apiVersion: openslo/v1alpha
kind: SLO
metadata:
  name: sloth-style
spec:
  service: web
  budgetingMethod: Occurrences
  objectives:
    - ratioMetrics:
        good: {source: prometheus, queryType: promql, query: 'sum(rate(x{code!~"5.."}[{{.window}}]))'}
        total: {source: prometheus, queryType: promql, query: 'sum(rate(x[{{.window}}]))'}
      value: 1
      target: 0.99
`;
  it.each([
    [
      'is accepted with a warning in compatibility mode',
      {},
      [
        'W in.yaml:6:3 spec [compat] SLO sloth-style has no timeWindows: using 30 days rolling, as Sloth does; write timeWindows to choose | e.g. timeWindows: [{count: 30, unit: Day, isRolling: true}]; --strict rejects this; accepted because Sloth, which uses 30 days rolling',
      ],
    ],
    [
      'is refused with --strict',
      { strict: true },
      [
        'E in.yaml:6:3 spec [v1alpha-default-window] SLO sloth-style has no timeWindows: openslo/v1alpha requires timeWindows with exactly one window, e.g. timeWindows: [{count: 30, unit: Day, isRolling: true}] (without --strict this is accepted: Sloth, which uses 30 days rolling)',
      ],
    ],
  ] as [string, EngineOptions, string[]][])('%s', (_title, opts, expected) => expect(one(V1ALPHA, opts)).toEqual(expected));
});
