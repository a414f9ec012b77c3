import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CORPUS, describeWithCorpus, itWithCorpus } from '../../../test/corpus';
import { ObjectContext } from './context';
import type { Diagnostic } from './diagnostics';
import { checkSources, type EngineResult } from './engine';
import { buildModel } from './normalise';
import { checkSlothObject, isSlothDocument } from './dialects/sloth/checks';
import { slothToModel } from './dialects/sloth/to-model';
import { parseSource } from './source';

/** Sloth's own formats (shared/conformance/sloth, INDEX.md section 7): prometheus/v1 and sloth.slok.dev/v1 PrometheusServiceLevel. */

const files = (dir: string) =>
  readdirSync(path.join(CORPUS, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
const text = (dir: string, file: string) => readFileSync(path.join(CORPUS, dir, file), 'utf8');
const check = (dir: string, file: string): EngineResult => checkSources([{ file: `${dir}/${file}`, text: text(dir, file) }]);
const errorsOf = (r: EngineResult) => r.diagnostics.filter((d) => d.severity === 'error');
const show = (ds: Diagnostic[]) => ds.map((d) => `${d.pos.line}:${d.pos.column} ${d.path} [${d.code}] ${d.message}`).join('\n');

/** Documents that use Sloth plugins (SLI plugins or SLO plugin chains): these are refused. */
const usesPlugins = (t: string) => /^\s*(slo_plugins|sloPlugins|plugins|plugin):/m.test(t);
const PLUGIN_MESSAGE = /(SLI|SLO) plugins cannot be compiled/;

function expectPluginRefusal(r: EngineResult) {
  const errors = errorsOf(r);
  expect(errors.length).toBeGreaterThan(0);
  for (const e of errors) {
    expect(e.code).toBe('sloth-plugin');
    expect(e.message).toMatch(PLUGIN_MESSAGE);
  }
}

describe('isSlothDocument', () => {
  it.each([
    [{ version: 'prometheus/v1' }, true],
    [{ version: 'prometheus/v999' }, true],
    [{ apiVersion: 'sloth.slok.dev/v1', kind: 'PrometheusServiceLevel' }, true],
    [{ apiVersion: 'sloth.slok.dev/v2' }, true],
    [{ apiVersion: 'openslo/v1alpha', kind: 'SLO' }, false],
    [{ apiVersion: 'openslo/v1', kind: 'SLO' }, false],
    [{ version: 1 }, false],
    [['prometheus/v1'], false],
    ['prometheus/v1', false],
    [null, false],
  ])('%j → %s', (value, expected) => expect(isSlothDocument(value)).toBe(expected));
});

describeWithCorpus('sloth/inputs', () => {
  const inputs = files('sloth/inputs');
  const plugin = inputs.filter((f) => usesPlugins(text('sloth/inputs', f)));

  it('has the 15 examples, 4 of them with plugins', () => {
    expect(inputs).toHaveLength(15);
    expect(plugin).toEqual([
      'sloth-examples__contrib-denominator-corrected.yaml',
      'sloth-examples__contrib-slo-plugins.yml',
      'sloth-examples__slo-plugin-getting-started.yml',
      'sloth-examples__slo-plugin-k8s-getting-started.yml',
    ]);
  });

  it.each(inputs.filter((f) => !plugin.includes(f)))('%s is accepted', (file) => {
    const r = check('sloth/inputs', file);
    expect(show(errorsOf(r))).toBe('');
    // the openslo/v1alpha examples carry the usual compatibility warning, the Sloth formats none
    expect(r.diagnostics.filter((d) => d.code !== 'compat').map((d) => d.message)).toEqual([]);
    expect(r.objects.every((o) => o.valid)).toBe(true);
    expect(buildModel(r).slos.length).toBeGreaterThan(0);
  });

  it.each(plugin)('%s is refused: plugins cannot be compiled', (file) => {
    const r = check('sloth/inputs', file);
    expectPluginRefusal(r);
    expect(buildModel(r).slos).toEqual([]);
  });
});

describe('buildModel of Sloth documents', () => {
  const model = (file: string) => {
    const r = check('sloth/inputs', file);
    expect(show(errorsOf(r))).toBe('');
    const m = buildModel(r);
    expect(m.diagnostics).toEqual([]);
    return m.slos;
  };
  const summary = (file: string) => model(file).map((s) => [s.service, s.name, s.objectives[0]!.target, s.objectives[0]!.indicator.kind, s.apiVersion]);

  itWithCorpus.each([
    ['sloth-examples__getting-started.yml', [['myservice', 'requests-availability', '0.999', 'ratio', 'prometheus/v1']]],
    ['sloth-examples__k8s-getting-started.yml', [['myservice', 'requests-availability', '0.999', 'ratio', 'sloth.slok.dev/v1']]],
    [
      'sloth-examples__home-wifi.yml',
      [
        ['home-wifi', 'good-wifi-client-satisfaction', '0.95', 'ratio', 'prometheus/v1'],
        ['home-wifi', 'risk-wifi-client-satisfaction', '0.999', 'ratio', 'prometheus/v1'],
      ],
    ],
    [
      'sloth-examples__kubernetes-apiserver.yml',
      [
        ['k8s-apiserver', 'requests-availability', '0.999', 'ratio', 'prometheus/v1'],
        ['k8s-apiserver', 'requests-latency', '0.99', 'ratio', 'prometheus/v1'],
      ],
    ],
    [
      'sloth-examples__multifile.yml',
      [
        ['myservice', 'requests-availability', '0.999', 'ratio', 'prometheus/v1'],
        ['myservice2', 'requests-availability', '0.9999', 'ratio', 'prometheus/v1'],
      ],
    ],
    [
      'sloth-examples__k8s-multifile.yml',
      [
        ['myservice', 'requests-availability', '0.999', 'ratio', 'sloth.slok.dev/v1'],
        ['myservice2', 'requests-availability', '0.9999', 'ratio', 'sloth.slok.dev/v1'],
      ],
    ],
    ['sloth-examples__raw-home-wifi.yml', [['home-wifi', 'wifi-client-satisfaction', '0.95', 'raw', 'prometheus/v1']]],
    ['sloth-examples__no-alerts.yml', [['myapp', 'http-availability', '0.9999', 'ratio', 'prometheus/v1']]],
  ])('%s', (file, expected) => expect(summary(file)).toEqual(expected));

  itWithCorpus('maps an events SLI, labels, the default window and the alerting block (prometheus/v1)', () => {
    const [s] = model('sloth-examples__getting-started.yml');
    expect(s).toMatchObject({
      name: 'requests-availability',
      service: 'myservice',
      description: 'Common SLO based on availability for HTTP request responses.',
      budgetingMethod: 'Occurrences',
      window: { duration: { text: '30d', minutes: 30 * 1440 }, rolling: true },
      alertPolicies: [],
      labels: { owner: 'myteam', repo: 'myorg/myservice', tier: '2' },
      ruleLabels: { owner: 'myteam', repo: 'myorg/myservice', tier: '2' },
      pos: { file: 'sloth/inputs/sloth-examples__getting-started.yml', line: 9, column: 5 },
      alerting: {
        name: 'MyServiceHighErrorRate',
        labels: { category: 'availability' },
        annotations: { summary: "High error rate on 'myservice' requests responses" },
        page: { enabled: true, labels: { severity: 'pageteam', routing_key: 'myteam' }, annotations: {} },
        ticket: { enabled: true, labels: { severity: 'slack', slack_channel: '#alerts-myteam' }, annotations: {} },
      },
    });
    expect(s!.objectives).toEqual([
      {
        target: '0.999',
        compositeWeight: 1,
        indicator: {
          kind: 'ratio',
          counter: false,
          bad: {
            promql: 'sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))',
            pos: { file: 'sloth/inputs/sloth-examples__getting-started.yml', line: 14, column: 22 },
            sourceType: 'Prometheus',
          },
          total: {
            promql: 'sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))',
            pos: { file: 'sloth/inputs/sloth-examples__getting-started.yml', line: 15, column: 22 },
            sourceType: 'Prometheus',
          },
        },
      },
    ]);
  });

  itWithCorpus('reads the camelCase fields of the Kubernetes resource the same way', () => {
    const [k8s] = model('sloth-examples__k8s-getting-started.yml');
    const [prom] = model('sloth-examples__getting-started.yml');
    const strip = (s: typeof k8s) => ({
      ...s,
      pos: undefined,
      apiVersion: undefined,
      objectives: s!.objectives.map((o) => ({ ...o, indicator: { ...o.indicator, bad: undefined, total: undefined } })),
    });
    expect(strip(k8s)).toEqual(strip(prom));
    const ind = k8s!.objectives[0]!.indicator;
    expect(ind.kind === 'ratio' && [ind.bad?.promql, ind.bad?.pos.line, ind.total.pos.line]).toEqual([
      'sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))',
      23,
      24,
    ]);
  });

  it('merges document labels with SLO labels, the SLO winning', () => {
    const r = checkSources([{ file: 'in.yaml', text: DOC({ slo: '    labels: {tier: "1", category: availability}\n' }) }]);
    expect(show(errorsOf(r))).toBe('');
    const [s] = buildModel(r).slos;
    expect(s!.labels).toEqual({ owner: 'team', tier: '1', category: 'availability' });
    expect(s!.ruleLabels).toEqual(s!.labels);
  });

  itWithCorpus('maps a raw SLI as a failure ratio', () => {
    const [s] = model('sloth-examples__raw-home-wifi.yml');
    const ind = s!.objectives[0]!.indicator;
    expect(ind.kind).toBe('raw');
    expect(ind.kind === 'raw' && [ind.rawType, ind.raw.promql.trim().split('\n')[0], ind.raw.pos.line, ind.raw.sourceType]).toEqual(['failure', '1 - (', 28, 'Prometheus']);
  });

  itWithCorpus('maps disabled alerts', () => {
    const [s] = model('sloth-examples__no-alerts.yml');
    expect(s!.alerting).toEqual({ labels: {}, annotations: {}, page: { enabled: false, labels: {}, annotations: {} }, ticket: { enabled: false, labels: {}, annotations: {} } });
  });

  it('keeps targets exact: objectives are converted as decimals, not floats', () => {
    const targets = ['99.9', '99.99', '99.95', '95', '99.999', '0.5', '100', '12.345'].map((o) => {
      const r = checkSources([{ file: 'in.yaml', text: DOC({ objective: o }) }]);
      return buildModel(r).slos[0]?.objectives[0]?.target;
    });
    expect(targets).toEqual(['0.999', '0.9999', '0.9995', '0.95', '0.99999', '0.005', '1', '0.12345']);
  });

  it('slothToModel works on a raw object directly', () => {
    const [raw] = parseSource('in.yaml', DOC({})).objects;
    const ctx = new ObjectContext(raw!);
    const checked = checkSlothObject(ctx, raw!.value);
    expect(checked).toMatchObject({ version: 'prometheus/v1', kind: 'PrometheusServiceLevel', name: 'svc' });
    expect(ctx.reports).toEqual([]);
    expect(ctx.queries.map((q) => [q.role, q.type, q.group, q.path.join('.')])).toEqual([
      ['bad', 'Prometheus', 'slos[0]', 'slos.0.sli.events.error_query'],
      ['total', 'Prometheus', 'slos[0]', 'slos.0.sli.events.total_query'],
    ]);
    expect(slothToModel(raw!, checked!.doc!).map((s) => [s.name, s.objectives[0]!.target])).toEqual([['availability', '0.999']]);
  });
});

/** First-line reason of a sloth/invalid file → the rule codes, one of which must be among its errors. */
const REASONS: [RegExp, string[]][] = [
  [/objective is 101; an objective must be a percentage in \(0, 100\]/, ['range']],
  [/service is an empty string; the service name is required/, ['required']],
  [/alert name is required when alerts are enabled/, ['alert-name']],
  [/an SLI needs exactly one of events \/ raw \/ plugin/, ['sli-type']],
  [/duplicate SLO IDs are rejected/, ['duplicate-slo']],
  [/is not a supported Sloth spec version/, ['api-version']],
];

describeWithCorpus('sloth/invalid', () => {
  const invalid = files('sloth/invalid').map((file) => ({ file, reason: text('sloth/invalid', file).split('\n')[0]! }));
  it('has the 7 documents INDEX.md lists', () => expect(invalid).toHaveLength(7));

  const sloth = invalid.filter((i) => !/openslo/.test(i.file));
  it.each(sloth)('$file is rejected for its reason, at the offending field', ({ file, reason }) => {
    const r = check('sloth/invalid', file);
    const errors = errorsOf(r);
    const matched = REASONS.filter(([re]) => re.test(reason));
    expect({ reason, matched: matched.length }).toEqual({ reason, matched: 1 });
    const codes = matched[0]![1];
    const hits = errors.filter((e) => codes.includes(e.code));
    expect({ reason, found: hits.length > 0, errors: show(errors) }).toMatchObject({ reason, found: true });
    // located on the line the corpus marks (# BAD! or # duplicate), at the value after the key
    const lines = text('sloth/invalid', file).split('\n');
    const marked = lines.flatMap((l, i) => (/# (BAD!|duplicate)/.test(l) ? [i + 1] : []));
    const expected = marked.length ? marked : [lines.findIndex((l) => /^version:/.test(l)) + 1];
    expect(hits.map((h) => h.pos.line)).toEqual(expected);
    for (const h of hits) {
      const line = lines[h.pos.line - 1]!;
      expect(line.slice(h.pos.column - 1)).toMatch(/^("|\{|\d)/);
    }
  });

  it('bad-openslo (openslo/v1alpha, handled by the OpenSLO rules) is not accepted silently', () => {
    const r = check('sloth/invalid', 'sloth-it__validate__bad__bad-openslo.yaml');
    expect(r.diagnostics.length).toBeGreaterThan(0);
  });

  it('a document with an error compiles nothing, the valid documents of the same file still do', () => {
    const r = check('sloth/invalid', 'sloth-it__validate__bad__bad-multi.yaml');
    expect(r.objects.map((o) => [o.name, o.valid])).toEqual([
      ['svc01', true],
      ['svc02', false],
    ]);
    expect(buildModel(r).slos.map((s) => `${s.service}/${s.name}`)).toEqual(['svc01/slo1', 'svc01/slo02']);
  });
});

describeWithCorpus('sloth/integration/inputs', () => {
  const inputs = files('sloth/integration/inputs');
  const plugin = inputs.filter((f) => usesPlugins(text('sloth/integration/inputs', f)));
  it('has 7 inputs, 2 of them with SLO plugins', () => {
    expect(inputs).toHaveLength(7);
    expect(plugin).toEqual(['sloth-it__in-slo-plugin-k8s.yaml', 'sloth-it__in-slo-plugin.yaml']);
  });

  it.each(inputs.filter((f) => !plugin.includes(f)))('%s is accepted', (file) => {
    const r = check('sloth/integration/inputs', file);
    expect(show(errorsOf(r))).toBe('');
    expect(r.diagnostics.filter((d) => d.code !== 'compat')).toEqual([]);
  });

  it.each(plugin)('%s is refused: plugins cannot be compiled', (file) => expectPluginRefusal(check('sloth/integration/inputs', file)));

  it('in-base.yaml and in-base-k8s.yaml give the same SLOs', () => {
    const key = (file: string) => buildModel(check('sloth/integration/inputs', file)).slos.map((s) => ({ ...s, pos: undefined, apiVersion: undefined, objectives: s.objectives.map((o) => o.target) }));
    expect(key('sloth-it__in-base-k8s.yaml')).toEqual(key('sloth-it__in-base.yaml'));
    expect(key('sloth-it__in-base.yaml').map((s) => [s.name, s.objectives, s.alerting?.page.enabled, s.ruleLabels])).toEqual([
      ['slo1', ['0.999'], true, { global01k1: 'global01v1', global02k1: 'global02v1' }],
      ['slo02', ['0.95'], false, { global01k1: 'global01v1', global03k1: 'global03v1' }],
    ]);
  });
});

// ---------------------------------------------------------------- rules, located

interface DocParts {
  objective?: string;
  slo?: string;
  sli?: string;
  alerting?: string;
  top?: string;
  name?: string;
}

/** A small valid prometheus/v1 document with parts to replace; the SLO starts on line 5. */
function DOC(p: DocParts): string {
  return `version: "prometheus/v1"
service: "svc"
labels: {owner: team, tier: "2"}
slos:
  - name: ${p.name ?? 'availability'}
    objective: ${p.objective ?? '99.9'}
${p.slo ?? ''}    sli:
${
  p.sli ??
  `      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
`
}    alerting:
${p.alerting ?? '      name: SvcAlert\n'}${p.top ?? ''}`;
}

const K8S = (slos: string, extra = '') => `apiVersion: sloth.slok.dev/v1
kind: PrometheusServiceLevel
metadata:
  name: svc
spec:
  service: svc
${extra}  slos:
${slos}`;

function run(text: string, extra: { file: string; text: string }[] = []): string[] {
  const r = checkSources([{ file: 'in.yaml', text }, ...extra]);
  return r.diagnostics.map((d) => `${d.severity === 'error' ? 'E' : 'W'} ${d.pos.file === 'in.yaml' ? '' : `${d.pos.file}:`}${d.pos.line}:${d.pos.column} ${d.path} [${d.code}]`);
}

describe('Sloth rules, located', () => {
  it.each([
    ['a valid document', DOC({}), []],
    ['objective 0', DOC({ objective: '0' }), ['E 6:16 slos[0].objective [range]']],
    ['objective above 100', DOC({ objective: '100.5' }), ['E 6:16 slos[0].objective [range]']],
    ['objective 100 (no error budget)', DOC({ objective: '100' }), ['W 6:16 slos[0].objective [objective-percent]']],
    ['objective written as a fraction', DOC({ objective: '0.999' }), ['W 6:16 slos[0].objective [objective-percent]']],
    ['objective as a string', DOC({ objective: '"99.9"' }), ['E 6:16 slos[0].objective [type]']],
    ['missing SLO name', DOC({}).replace('  - name: availability\n    objective', '  - objective'), ['E 5:5 slos[0] [required]']],
    ['empty SLO name', DOC({ name: '""' }), ['E 5:11 slos[0].name [required]']],
    ['SLO name with a space', DOC({ name: '"my slo"' }), ['E 5:11 slos[0].name [name-format]']],
    ['missing service', DOC({}).replace('service: "svc"\n', ''), ['E 1:1  [required]']],
    ['service with a slash', DOC({}).replace('service: "svc"', 'service: "team/svc"'), ['E 2:10 service [name-format]']],
    ['an SLI with no type', DOC({ sli: '      {}\n' }), ['E 8:7 slos[0].sli [sli-type]']],
    [
      'an SLI with two types',
      DOC({ sli: '      events:\n        error_query: sum(rate(e[{{.window}}]))\n        total_query: sum(rate(t[{{.window}}]))\n      raw:\n        error_ratio_query: sum(rate(e[{{.window}}]))\n' }),
      ['E 11:7 slos[0].sli.raw [sli-type]'],
    ],
    ['an SLI plugin', DOC({ sli: '      plugin:\n        id: sloth-common/availability\n        options: {job: svc}\n' }), ['E 8:7 slos[0].sli.plugin [sloth-plugin]']],
    ['an SLO plugin chain', DOC({ slo: '    plugins:\n      chain:\n        - id: sloth.dev/core/debug/v1\n' }), ['E 7:5 slos[0].plugins [sloth-plugin]']],
    ['a document plugin chain', DOC({ top: 'slo_plugins:\n  chain:\n    - id: x/y\n' }), ['E 13:1 slo_plugins [sloth-plugin]']],
    [
      'the same error and total query',
      DOC({ sli: '      events:\n        error_query: sum(rate(t[{{.window}}]))\n        total_query: sum(rate(t[{{ .window }}]))\n' }),
      ['E 10:22 slos[0].sli.events.total_query [same-query]'],
    ],
    ['a query without {{.window}}', DOC({ sli: '      raw:\n        error_ratio_query: sum(rate(e[5m])) / sum(rate(t[5m]))\n' }), ['E 9:28 slos[0].sli.raw.error_ratio_query [window-placeholder]']],
    ['a missing total query', DOC({ sli: '      events:\n        error_query: sum(rate(e[{{.window}}]))\n' }), ['E 9:9 slos[0].sli.events.total_query [required]']],
    [
      'a PromQL error points into the query',
      DOC({ sli: '      events:\n        error_query: sum(rate(e[{{.window}}])\n        total_query: sum(rate(t[{{.window}}]))\n' }),
      ['E 9:25 slos[0].sli.events.error_query [promql]'] /* the unclosed parenthesis */,
    ],
    ['no alert name with alerts enabled', DOC({ alerting: '      page_alert: {disable: true}\n' }), ['E 12:7 slos[0].alerting [alert-name]']],
    ['no alerting block at all', DOC({}).replace('    alerting:\n      name: SvcAlert\n', ''), ['E 5:5 slos[0] [alert-name]']],
    ['no alert name, both alerts disabled', DOC({ alerting: '      page_alert: {disable: true}\n      ticket_alert: {disable: true}\n' }), []],
    ['the CRD spelling in a prometheus/v1 document', DOC({ alerting: '      name: A\n      pageAlert: {disable: true}\n' }), ['E 13:7 slos[0].alerting.pageAlert [unknown-field]']],
    ['an invalid label key', DOC({ slo: '    labels: {"team-name": x}\n' }), ['E 7:14 slos[0].labels.team-name [label-key]']],
    ['an invalid alert annotation key', DOC({ alerting: '      name: A\n      annotations: {"run book": x}\n' }), ['E 13:21 slos[0].alerting.annotations.run book [annotation-key]']],
    ['a label value YAML reads as a number', DOC({}).replace('tier: "2"', 'tier: 2'), ['E 3:29 labels.tier [type]']],
    ['an unknown top-level field', DOC({ top: 'slo:\n  - name: x\n' }), ['E 13:1 slo [unknown-field]']],
    ['no SLOs', 'version: prometheus/v1\nservice: svc\nslos: []\n', ['W 3:7 slos [no-slos]']],
    ['an unsupported version', 'version: prometheus/v2\nservice: svc\n', ['E 1:10 version [api-version]']],
    ['an unsupported CRD apiVersion', 'apiVersion: sloth.slok.dev/v2\nkind: PrometheusServiceLevel\n', ['E 1:13 apiVersion [api-version]']],
    ['an AlertWindows file', 'apiVersion: sloth.slok.dev/v1\nkind: AlertWindows\nspec: {}\n', ['E 2:7 kind [kind]']],
    ['a CRD without kind', 'apiVersion: sloth.slok.dev/v1\nmetadata: {name: x}\n', ['E 1:1  [required]']],
    [
      'a CRD with an empty service',
      K8S('    - name: avail\n      objective: 99\n      sli: {raw: {errorRatioQuery: "sum(rate(x[{{.window}}]))"}}\n      alerting: {name: A}\n').replace('service: svc', 'service: ""'),
      ['E 6:12 spec.service [required]'],
    ],
    [
      'a CRD with the snake_case spelling',
      K8S('    - name: avail\n      objective: 99\n      sli: {raw: {error_ratio_query: "sum(rate(x[{{.window}}]))"}}\n      alerting: {name: A}\n'),
      ['E 10:18 spec.slos[0].sli.raw.errorRatioQuery [required]', 'E 10:19 spec.slos[0].sli.raw.error_ratio_query [unknown-field]'],
    ],
    [
      'a CRD exported by kubectl',
      `${K8S('    - name: avail\n      objective: 99\n      sli: {raw: {errorRatioQuery: "sum(rate(x[{{.window}}]))"}}\n      alerting: {name: A}\n').replace('  name: svc\n', '  name: svc\n  namespace: monitoring\n  uid: 1234\n  resourceVersion: "5"\n')}status:\n  processedSLOs: 1\n`,
      [],
    ],
  ])('%s', (_title, text, expected) => expect(run(text)).toEqual(expected));

  it('says which spelling a format uses', () => {
    const r = checkSources([{ file: 'in.yaml', text: DOC({ alerting: '      name: A\n      pageAlert: {disable: true}\n' }) }]);
    expect(r.diagnostics[0]!.hint).toBe('prometheus/v1 documents spell it "page_alert" ("pageAlert" is the Kubernetes PrometheusServiceLevel spelling)');
  });

  it('refuses plugins with a message that says what to write instead', () => {
    const r = checkSources([{ file: 'in.yaml', text: DOC({ sli: '      plugin:\n        id: sloth-common/availability\n' }) }]);
    const [e] = errorsOf(r);
    expect(e!.message).toMatch(/^SLI plugins cannot be compiled \(sloth-common\/availability\)/);
    expect(e!.hint).toMatch(/write the PromQL instead, as events \(error_query and total_query\) or raw \(error_ratio_query\)/);
    expect(buildModel(r).slos).toEqual([]);
  });

  it('rejects duplicate SLO names within a document', () => {
    const twice = `${DOC({})}  - name: availability\n    objective: 99\n    sli:\n      raw:\n        error_ratio_query: sum(rate(x[{{.window}}]))\n    alerting:\n      name: B\n`;
    expect(run(twice)).toEqual(['E 13:11 slos[1].name [duplicate-slo]']);
  });

  it('rejects an SLO ID that another input already defines, in either format', () => {
    const other = { file: 'other.yaml', text: K8S('    - name: availability\n      objective: 99\n      sli: {raw: {errorRatioQuery: "sum(rate(x[{{.window}}]))"}}\n      alerting: {name: A}\n') };
    const r = checkSources([{ file: 'in.yaml', text: DOC({}) }, other]);
    const dup = r.diagnostics.filter((d) => d.code === 'duplicate-slo');
    expect(dup.map((d) => `${d.pos.file}:${d.pos.line}:${d.pos.column} ${d.message}`)).toEqual([
      'other.yaml:8:13 duplicate SLO ID "svc-availability" (service "svc", SLO "availability"): already defined at in.yaml:5:11; SLO IDs must be unique across all inputs',
    ]);
    expect(buildModel(r).slos.map((s) => s.apiVersion)).toEqual(['prometheus/v1']);
  });

  it('accepts the same service in several documents when the SLO names differ', () => {
    const r = checkSources([
      { file: 'a.yaml', text: DOC({}) },
      { file: 'b.yaml', text: DOC({ name: 'latency' }) },
    ]);
    expect(show(errorsOf(r))).toBe('');
    expect(buildModel(r).slos.map((s) => `${s.service}/${s.name}`)).toEqual(['svc/availability', 'svc/latency']);
  });

  itWithCorpus('mixes with OpenSLO inputs', () => {
    const r = checkSources([
      { file: 'sloth.yaml', text: DOC({}) },
      { file: 'openslo.yaml', text: text('sloth/inputs', 'sloth-examples__openslo-getting-started.yml') },
    ]);
    expect(show(errorsOf(r))).toBe('');
    expect(buildModel(r).slos.map((s) => `${s.apiVersion} ${s.service}/${s.name}`)).toEqual(['prometheus/v1 svc/availability', 'openslo/v1alpha my-service/sloth-slo-my-service']);
  });
});

describe('Sloth names: the suggested fix keeps the letters', () => {
  it.each([
    ['"été"', 'SLO name "été" must start and end with a letter or digit and contain only letters, digits, ".", "_" and "-" (Sloth\'s name rule)', 'use "ete"'],
    ['"my slo"', 'SLO name "my slo" must start and end with a letter or digit and contain only letters, digits, ".", "_" and "-" (Sloth\'s name rule)', 'use "my-slo"'],
    [
      '"disponibilité API"',
      'SLO name "disponibilité API" must start and end with a letter or digit and contain only letters, digits, ".", "_" and "-" (Sloth\'s name rule)',
      'use "disponibilite-API"',
    ],
  ])('%s', (name, message, hint) => {
    const [e] = errorsOf(checkSources([{ file: 'in.yaml', text: DOC({ name }) }]));
    expect([e?.message, e?.hint]).toEqual([message, hint]);
  });
});
