// @integration: runs helm
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { helm, type K8sObject, MONITORING_API, type Rendered, ROOT, template as renderChart, validateObjects } from '../support/helm';
import { CHART, chartCopy, documents, expectedNames, head, listFiles, ruleFile, specBlock } from './slo-bundle-support';
import { selectors } from '../../packages/promql/src';

/**
 * helm/slo-bundle: the compiled SLOs (rules-out/, dashboards-out/) as PrometheusRules and Grafana dashboard
 * ConfigMaps. Everything is checked against the repository's own outputs, byte for byte.
 */

const CLI = path.join(ROOT, 'packages/cli/dist/main.js');
const RULES_OUT = path.join(ROOT, 'rules-out');
const DASHBOARDS_OUT = path.join(ROOT, 'dashboards-out');
const ruleFiles = listFiles(RULES_OUT, '.rules.yaml');
const dashboardFiles = listFiles(DASHBOARDS_OUT, '.json');
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const ofKind = (objects: K8sObject[], kind: string): K8sObject[] => objects.filter((o) => o.kind === kind);
const ruleName = (rel: string): string =>
  expectedNames(
    ruleFiles.map((f) => f.replace(/\.rules\.yaml$/, '')),
    '',
  ).get(rel.replace(/\.rules\.yaml$/, ''))!;
const dashboardName = (rel: string): string =>
  expectedNames(
    dashboardFiles.map((f) => f.replace(/\.json$/, '')),
    '-dashboard',
  ).get(rel.replace(/\.json$/, ''))!;
/** The rendered PrometheusRule documents' text by object name. */
const ruleDocs = (r: Rendered): Map<string, string> =>
  new Map(
    documents(r.text)
      .filter((d) => head(d).kind === 'PrometheusRule')
      .map((d) => [head(d).name, d]),
  );
const cli = (args: string[], cwd = ROOT) => spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });

/** The Prometheus Operator's API, as a cluster with kube-prometheus-stack serves it: prometheusRule.enabled auto renders the rules. */
/** helm template against a cluster with the Prometheus Operator's API (apiVersions: false: without it). */
function template(chart: string, opts: { release?: string; namespace?: string; set?: string[]; apiVersions?: boolean } = {}): Rendered {
  return renderChart(chart, { ...opts, apiVersions: opts.apiVersions === false ? [] : MONITORING_API });
}

let defaults: Rendered;
beforeAll(() => {
  defaults = template(CHART);
});

test('the repository has compiled SLOs to check the chart against', () => {
  expect(ruleFiles.length).toBeGreaterThan(0);
  expect(dashboardFiles).toContain('overview.json');
});

describe('lint and schemas', () => {
  test.each([[[]], [['--set', 'prometheusRule.enabled=false', '--set', 'dashboards.enabled=false']]])('helm lint --strict %j', (extra) => {
    const r = helm(['lint', '--strict', CHART, ...extra]);
    expect(`${r.stdout}${r.stderr}`).toContain('0 chart(s) failed');
    expect(r.code).toBe(0);
  });

  test('every object rendered with the defaults passes the Kubernetes / Prometheus Operator schemas', () => {
    const results = validateObjects(defaults.objects);
    expect(results).toHaveLength(ruleFiles.length + dashboardFiles.length);
    for (const r of results) expect({ kind: r.kind, name: r.name, errors: r.errors }).toEqual({ kind: r.kind, name: r.name, errors: [] });
  });

  test('everything goes to the release namespace and rendering is deterministic', () => {
    for (const o of defaults.objects) expect(o.metadata.namespace).toBe('slo-demo');
    expect(template(CHART).text).toBe(defaults.text);
    expect(template(CHART, { namespace: 'monitoring' }).objects.map((o) => o.metadata.namespace)).toEqual(defaults.objects.map(() => 'monitoring'));
  });

  test('the packaged chart carries files/ and renders the same', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'slo-bundle-pkg-'));
    try {
      const r = helm(['package', CHART, '--destination', out]);
      expect(r.code).toBe(0);
      expect(template(path.join(out, 'slo-bundle-0.1.0.tgz')).text).toBe(defaults.text);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('PrometheusRules', () => {
  test('one per rules-out/**/*.rules.yaml, named <service>-<slo>, in path order', () => {
    expect(ofKind(defaults.objects, 'PrometheusRule').map((o) => o.metadata.name)).toEqual(ruleFiles.map(ruleName));
    expect(ofKind(defaults.objects, 'PrometheusRule').every((o) => o.apiVersion === 'monitoring.coreos.com/v1')).toBe(true);
  });

  describe.each(ruleFiles)('%s', (rel) => {
    const file = (): string => readFileSync(path.join(RULES_OUT, rel), 'utf8');
    const doc = (): string => {
      const d = ruleDocs(defaults).get(ruleName(rel));
      if (d === undefined) throw new Error(`no PrometheusRule ${ruleName(rel)}`);
      return d;
    };

    test('the spec block, de-indented, is the rules-out file byte for byte', () => {
      expect(file().startsWith('#')).toBe(true);
      expect(specBlock(doc())).toBe(file());
    });

    test('parsing it gives the same groups, Prometheus templates untouched', () => {
      const groups = (parse(file()) as { groups: unknown[] }).groups;
      const o = ofKind(defaults.objects, 'PrometheusRule').find((x) => x.metadata.name === ruleName(rel))!;
      expect(o.spec).toEqual({ groups });
      const templates = file().match(/\{\{[^\n]*?\}\}/g) ?? [];
      for (const t of templates) expect(doc()).toContain(t);
      // the alerts' annotations keep their {{ $value }} / {{ $labels }} templates (a fixture covers $labels)
      if (/^\s+- alert:/m.test(file())) expect(templates.length).toBeGreaterThan(0);
    });

    test('labels: the chart recommended ones, the SLO, release=kube-prometheus-stack', () => {
      const o = ofKind(defaults.objects, 'PrometheusRule').find((x) => x.metadata.name === ruleName(rel))!;
      const [service, slo] = rel.replace(/\.rules\.yaml$/, '').split('/');
      // the shared file (top level) serves every SLO: no SLO labels
      const own = slo === undefined ? {} : { 'slo-engine/service': service, 'slo-engine/slo': slo };
      expect(o.metadata.labels).toEqual({
        'app.kubernetes.io/name': 'slo-bundle',
        'app.kubernetes.io/instance': 'demo',
        'app.kubernetes.io/version': '0.1.0',
        'app.kubernetes.io/managed-by': 'Helm',
        'app.kubernetes.io/component': 'prometheus-rules',
        'app.kubernetes.io/part-of': 'slo-engine',
        'helm.sh/chart': 'slo-bundle-0.1.0',
        ...own,
        release: 'kube-prometheus-stack',
      });
      expect(o.metadata.annotations).toBeUndefined();
    });
  });

  test('group names are unique across all rendered PrometheusRules', () => {
    const names = ofKind(defaults.objects, 'PrometheusRule').flatMap((o) => (o.spec as { groups: { name: string }[] }).groups.map((g) => g.name));
    expect(names.length).toBeGreaterThanOrEqual(ruleFiles.length);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('dashboard ConfigMaps', () => {
  test('one per dashboards-out/**/*.json, named <service>-<slo>-dashboard / slo-overview-dashboard', () => {
    expect(ofKind(defaults.objects, 'ConfigMap').map((o) => o.metadata.name)).toEqual(dashboardFiles.map(dashboardName));
    expect(dashboardName('overview.json')).toBe('slo-overview-dashboard');
  });

  test.each(dashboardFiles)('%s: data is the dashboards-out file byte for byte, labelled for the sidecar, in folder SLOs', (rel) => {
    const o = ofKind(defaults.objects, 'ConfigMap').find((x) => x.metadata.name === dashboardName(rel))!;
    const file = readFileSync(path.join(DASHBOARDS_OUT, rel), 'utf8');
    expect(o.data).toEqual({ [path.basename(rel)]: file });
    expect(o.metadata.labels).toMatchObject({ grafana_dashboard: '1', 'app.kubernetes.io/component': 'dashboards', 'app.kubernetes.io/instance': 'demo' });
    expect(o.metadata.annotations).toEqual({ grafana_folder: 'SLOs' });
    // a readable literal block, not a quoted string
    expect(defaults.text).toContain(`\n  ${path.basename(rel)}: |\n    {\n`);
    // Grafana's own placeholders survive (no tpl)
    if (file.includes('${datasource}')) expect(defaults.text).toContain('"uid": "${datasource}"');
  });
});

describe('values', () => {
  const cases: { name: string; set: string[]; check: (objects: K8sObject[]) => void }[] = [
    {
      name: 'dashboards.labels.grafana_dashboard=yes relabels every dashboard',
      set: ['dashboards.labels.grafana_dashboard=yes'],
      check: (objects) => {
        expect(ofKind(objects, 'ConfigMap')).toHaveLength(dashboardFiles.length);
        for (const o of ofKind(objects, 'ConfigMap')) expect(o.metadata.labels!.grafana_dashboard).toBe('yes');
      },
    },
    {
      name: 'prometheusRule.labels.release=monitoring relabels every rule (and not the dashboards)',
      set: ['prometheusRule.labels.release=monitoring'],
      check: (objects) => {
        for (const o of ofKind(objects, 'PrometheusRule')) expect(o.metadata.labels!.release).toBe('monitoring');
        for (const o of ofKind(objects, 'ConfigMap')) expect(o.metadata.labels!.release).toBeUndefined();
      },
    },
    {
      name: 'extra labels and annotations; a user label wins over the chart one',
      set: ['prometheusRule.labels.team=sre', 'prometheusRule.labels.app\\.kubernetes\\.io/part-of=shop', 'prometheusRule.annotations.owner=sre@example\\.com', 'dashboards.annotations.note=hi'],
      check: (objects) => {
        for (const o of ofKind(objects, 'PrometheusRule')) {
          expect(o.metadata.labels).toMatchObject({ team: 'sre', release: 'kube-prometheus-stack', 'app.kubernetes.io/part-of': 'shop' });
          expect(o.metadata.annotations).toEqual({ owner: 'sre@example.com' });
        }
        for (const o of ofKind(objects, 'ConfigMap')) expect(o.metadata.annotations).toEqual({ note: 'hi', grafana_folder: 'SLOs' });
      },
    },
    {
      name: 'prometheusRule.enabled=false renders no PrometheusRule',
      set: ['prometheusRule.enabled=false'],
      check: (objects) => {
        expect(ofKind(objects, 'PrometheusRule')).toEqual([]);
        expect(ofKind(objects, 'ConfigMap')).toHaveLength(dashboardFiles.length);
      },
    },
    {
      name: 'dashboards.enabled=false renders no ConfigMap',
      set: ['dashboards.enabled=false'],
      check: (objects) => {
        expect(ofKind(objects, 'ConfigMap')).toEqual([]);
        expect(ofKind(objects, 'PrometheusRule')).toHaveLength(ruleFiles.length);
      },
    },
    {
      name: 'dashboards.folder / folderAnnotation',
      set: ['dashboards.folder=Team SLOs', 'dashboards.folderAnnotation=example.com/folder'],
      check: (objects) => {
        for (const o of ofKind(objects, 'ConfigMap')) expect(o.metadata.annotations).toEqual({ 'example.com/folder': 'Team SLOs' });
      },
    },
    {
      name: 'dashboards.folder="" leaves the annotation out',
      set: ['dashboards.folder='],
      check: (objects) => {
        for (const o of ofKind(objects, 'ConfigMap')) expect(o.metadata.annotations).toBeUndefined();
      },
    },
    {
      name: 'labels set to null: only the chart labels',
      set: ['prometheusRule.labels=null', 'dashboards.labels=null'],
      check: (objects) => {
        for (const o of objects) expect(Object.keys(o.metadata.labels!).filter((k) => !k.includes('/'))).toEqual([]);
      },
    },
    {
      name: 'nameOverride changes app.kubernetes.io/name, not the object names',
      set: ['nameOverride=slos'],
      check: (objects) => {
        for (const o of objects) expect(o.metadata.labels!['app.kubernetes.io/name']).toBe('slos');
        expect(objects.map((o) => o.metadata.name)).toEqual(defaults.objects.map((o) => o.metadata.name));
      },
    },
    {
      name: "a parent chart's globals and `enabled` (dependency condition) are accepted",
      set: ['global.foo=bar', 'enabled=true'],
      check: (objects) => expect(objects).toHaveLength(defaults.objects.length),
    },
  ];

  test.each(cases)('$name', ({ set, check }) => {
    const r = template(CHART, { set });
    check(r.objects);
    for (const v of validateObjects(r.objects)) expect(v.errors).toEqual([]);
  });

  test('--set-string gives a numeric-looking label value as a string', () => {
    const s = helm(['template', 'demo', CHART, ...MONITORING_API, '--set-string', 'prometheusRule.labels.release=1']);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain('release: "1"');
  });

  const rejected: { what: string; set?: string[]; values?: string; field: string; message: RegExp }[] = [
    { what: 'an unknown top-level key', set: ['prometheusRules.enabled=true'], field: '(root)', message: /Additional property prometheusRules is not allowed/ },
    { what: 'a typo in a nested key', set: ['prometheusRule.labls.release=x'], field: 'prometheusRule', message: /Additional property labls is not allowed/ },
    { what: 'a typo in dashboards', set: ['dashboards.folderAnotation=x'], field: 'dashboards', message: /Additional property folderAnotation is not allowed/ },
    // changed on purpose: prometheusRule.enabled is auto, true or false
    { what: 'enabled=maybe', set: ['prometheusRule.enabled=maybe'], field: 'prometheusRule.enabled', message: /Must validate one and only one schema \(oneOf\)/ },
    { what: 'a service name with a slash', set: ['services={day/x}'], field: 'services.0', message: /Does not match pattern/ },
    { what: 'a service given twice', set: ['services={day,day}'], field: 'services', message: /unique/ },
    { what: 'enabled=1', set: ['dashboards.enabled=1'], field: 'dashboards.enabled', message: /Expected: boolean, given: integer/ },
    { what: 'a numeric label value', set: ['prometheusRule.labels.release=1'], field: 'prometheusRule.labels.release', message: /Expected: string, given: integer/ },
    { what: 'a boolean label value', set: ['dashboards.labels.grafana_dashboard=true'], field: 'dashboards.labels.grafana_dashboard', message: /Expected: string, given: boolean/ },
    { what: 'a map as label value', values: 'prometheusRule:\n  labels:\n    team: {name: sre}\n', field: 'prometheusRule.labels.team', message: /Expected: string, given: object/ },
    { what: 'a label value with spaces', set: ['prometheusRule.labels.release=not a label value'], field: 'prometheusRule.labels.release', message: /Does not match pattern/ },
    { what: 'a label value over 63 characters', set: [`dashboards.labels.long=${'x'.repeat(64)}`], field: 'dashboards.labels.long', message: /less than or equal to 63/ },
    { what: 'an invalid label key', set: ['prometheusRule.labels.bad key=x'], field: 'prometheusRule.labels', message: /Additional property bad key is not allowed/ },
    { what: 'a numeric annotation', set: ['prometheusRule.annotations.n=1'], field: 'prometheusRule.annotations.n', message: /Expected: string, given: integer/ },
    { what: 'a numeric folder', set: ['dashboards.folder=3'], field: 'dashboards.folder', message: /Expected: string, given: integer/ },
    { what: 'an invalid annotation key', set: ['dashboards.folderAnnotation=not a key'], field: 'dashboards.folderAnnotation', message: /Does not match pattern/ },
    { what: 'a boolean for a section', set: ['prometheusRule=true'], field: 'prometheusRule', message: /Expected: object, given: boolean/ },
    { what: 'a numeric nameOverride', set: ['nameOverride=7'], field: 'nameOverride', message: /Expected: string, given: integer/ },
  ];

  test.each(rejected)('the schema rejects $what, naming $field', ({ set, values, field, message }) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'slo-bundle-values-'));
    try {
      const args = ['template', 'demo', CHART];
      for (const s of set ?? []) args.push('--set', s);
      if (values !== undefined) {
        writeFileSync(path.join(dir, 'values.yaml'), values);
        args.push('--values', path.join(dir, 'values.yaml'));
      }
      const r = helm(args);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("values don't meet the specifications of the schema");
      const line = r.stderr.split('\n').find((l) => l.startsWith(`- ${field}: `));
      expect(line).toMatch(message);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('works as a subchart of an umbrella chart (file:// dependency, condition, globals, values under slo-bundle:)', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'slo-bundle-umbrella-'));
  try {
    cpSync(CHART, path.join(tmp, 'slo-bundle'), { recursive: true });
    const parent = path.join(tmp, 'stack');
    mkdirSync(path.join(parent, 'templates'), { recursive: true });
    writeFileSync(
      path.join(parent, 'Chart.yaml'),
      'apiVersion: v2\nname: stack\nversion: 0.1.0\ndependencies:\n  - name: slo-bundle\n    version: 0.1.0\n    repository: file://../slo-bundle\n    condition: slo-bundle.enabled\n',
    );
    writeFileSync(path.join(parent, 'values.yaml'), 'global:\n  environment: test\nslo-bundle:\n  enabled: true\n  prometheusRule:\n    labels:\n      release: monitoring\n');
    const dep = helm(['dependency', 'update', parent]);
    if (dep.code !== 0) throw new Error(`helm dependency update failed:\n${dep.stderr}`);
    const r = template(parent);
    expect(r.objects.map((o) => o.metadata.name)).toEqual(defaults.objects.map((o) => o.metadata.name));
    for (const o of ofKind(r.objects, 'PrometheusRule')) expect(o.metadata.labels!.release).toBe('monitoring');
    expect(template(parent, { set: ['slo-bundle.enabled=false'] }).objects).toEqual([]);
    const bad = helm(['template', 'demo', parent, '--set', 'slo-bundle.prometheusRule.enabled=maybe']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('prometheusRule.enabled: Must validate one and only one schema');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

describe('names', () => {
  // object names come from the file paths only, so a long release name changes nothing
  test.each(['demo', `a-release-name-of-fifty-three-characters-${'x'.repeat(11)}`])('release %s: every name is a DNS-1123 label of at most 63 characters, unique per kind', (release) => {
    const r = template(CHART, { release });
    expect(r.objects.map((o) => o.metadata.name)).toEqual(defaults.objects.map((o) => o.metadata.name));
    for (const kind of ['PrometheusRule', 'ConfigMap']) {
      const names = ofKind(r.objects, kind).map((o) => o.metadata.name);
      for (const n of names) {
        expect(n.length).toBeLessThanOrEqual(63);
        expect(n).toMatch(DNS1123_LABEL);
      }
      expect(new Set(names).size).toBe(names.length);
    }
  });
});

describe('slo compile --layout shared into a copy of the chart', () => {
  let chart: { dir: string; cleanup: () => void };
  let r: Rendered;
  let files: string;
  beforeAll(() => {
    chart = chartCopy({});
    files = path.join(chart.dir, 'files');
    const out = path.join(chart.dir, '..', 'out');
    const c = cli(['compile', 'slo-specs', '--layout', 'shared', '--rules-out', path.join(out, 'rules'), '--dashboards-out', path.join(out, 'dashboards'), '--chart-files', files]);
    if (c.status !== 0) throw new Error(`slo compile failed:\n${c.stderr}`);
    r = template(chart.dir);
  });
  afterAll(() => chart.cleanup());

  test('the shared groups are one more PrometheusRule, named after the shared file, without SLO labels, its spec the file byte for byte', () => {
    const sloRules = listFiles(path.join(files, 'rules'), '.rules.yaml').filter((f) => f.includes('/'));
    expect(sloRules.length).toBeGreaterThan(0);
    const rules = ofKind(r.objects, 'PrometheusRule');
    expect(rules).toHaveLength(sloRules.length + 1);
    const shared = rules.find((o) => o.metadata.name === 'slo-shared-slo-specs');
    expect(shared?.metadata.labels).toMatchObject({ 'app.kubernetes.io/component': 'prometheus-rules' });
    expect(Object.keys(shared!.metadata.labels!).filter((k) => k.startsWith('slo-engine/'))).toEqual([]);
    const text = readFileSync(path.join(chart.dir, '..', 'out', 'rules/shared-slo-specs.rules.yaml'), 'utf8');
    expect(specBlock(ruleDocs(r).get('slo-shared-slo-specs')!)).toBe(text);
    expect((shared!.spec as { groups: { name: string }[] }).groups.map((g) => g.name)).toEqual([
      'slo:shared:constants',
      'slo:shared:blocks',
      'slo:shared:windows',
      'slo:shared:rollup',
      'slo:shared:period',
    ]);
    for (const v of validateObjects(r.objects)) expect({ name: v.name, errors: v.errors }).toEqual({ name: v.name, errors: [] });
  });

  test('group names stay unique across all PrometheusRules', () => {
    const names = ofKind(r.objects, 'PrometheusRule').flatMap((o) => (o.spec as { groups: { name: string }[] }).groups.map((g) => g.name));
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('fixtures in a copy of the chart', () => {
  const longService = `s${'e'.repeat(61)}x`;
  const longSlo = `slo-${'l'.repeat(58)}-y`;
  const fixtures: Record<string, string> = {
    [`rules/${longService}/${longSlo}.rules.yaml`]: ruleFile('fixture:long'),
    [`rules/${longService}/${longSlo}-2.rules.yaml`]: ruleFile('fixture:long-2'),
    // both map to a-b-c: they must still get different names
    'rules/a/b-c.rules.yaml': ruleFile('fixture:a/b-c'),
    'rules/a-b/c.rules.yaml': ruleFile('fixture:a-b/c'),
    [`dashboards/${longService}/${longSlo}.json`]: '{"title": "long"}\n',
    [`dashboards/${longService}/${longSlo}-2.json`]: '{"title": "long 2"}\n',
    // chomping and indentation corner cases of the block scalar
    'dashboards/edge/no-final-newline.json': '{"title": "${datasource} {{slo_tier}}"}',
    'dashboards/edge/extra-newlines.json': '{"title": "x"}\n\n\n',
    'dashboards/edge/leading-space.json': '  {"title": "x"}\n',
    'dashboards/edge/leading-blank.json': '\n{"title": "x"}\n',
    'dashboards/edge/blank-lines.json': '{\n\n  "title": "x"\n\n}\n',
    'dashboards/edge/inner-trailing-space.json': '{  \n\t"title": "x"   \n}\n',
    // these cannot be a block scalar: the chart quotes them
    'dashboards/edge/trailing-space.json': '{"title": "x"}\n  ',
    'dashboards/edge/crlf.json': '{\r\n"title": "x"\r\n}\r\n',
    'dashboards/edge/line-separator.json': '{"title": "a\u2028b\u0085c"}\n',
  };
  let chart: { dir: string; cleanup: () => void };
  let r: Rendered;
  beforeAll(() => {
    chart = chartCopy(fixtures);
    r = template(chart.dir);
  });
  afterAll(() => chart.cleanup());

  test('all objects are valid, names fit in 63 characters and stay distinct', () => {
    for (const v of validateObjects(r.objects)) expect({ name: v.name, errors: v.errors }).toEqual({ name: v.name, errors: [] });
    // in path order, as the chart renders them
    const rules = Object.keys(fixtures)
      .filter((f) => f.startsWith('rules/'))
      .sort()
      .map((f) => f.slice('rules/'.length).replace(/\.rules\.yaml$/, ''));
    const dashboards = Object.keys(fixtures)
      .filter((f) => f.startsWith('dashboards/'))
      .sort()
      .map((f) => f.slice('dashboards/'.length).replace(/\.json$/, ''));
    const ruleNames = [...expectedNames(rules, '').values()];
    const dashboardNames = [...expectedNames(dashboards, '-dashboard').values()];
    expect(ofKind(r.objects, 'PrometheusRule').map((o) => o.metadata.name)).toEqual(ruleNames);
    expect(ofKind(r.objects, 'ConfigMap').map((o) => o.metadata.name)).toEqual(dashboardNames);
    for (const n of [...ruleNames, ...dashboardNames]) {
      expect(n.length).toBeLessThanOrEqual(63);
      expect(n).toMatch(DNS1123_LABEL);
    }
    expect(new Set(ruleNames).size).toBe(ruleNames.length);
    expect(new Set(dashboardNames).size).toBe(dashboardNames.length);
    // cut names keep the suffix; colliding ones get a hash; the others stay readable
    expect(dashboardNames.filter((n) => n.startsWith('seee')).every((n) => /-[0-9a-f]{8}-dashboard$/.test(n))).toBe(true);
    expect(ruleNames.filter((n) => n.startsWith('a-b-c-'))).toHaveLength(2);
    expect(dashboardNames).toContain('edge-no-final-newline-dashboard');
  });

  test('the SLO labels of a long path are valid label values', () => {
    for (const o of r.objects) {
      for (const v of Object.values(o.metadata.labels!)) expect(v).toMatch(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/);
      for (const v of Object.values(o.metadata.labels!)) expect(v.length).toBeLessThanOrEqual(63);
    }
  });

  const fixtureName = (rel: string): string => {
    const [kind, ext, suffix] = rel.startsWith('rules/') ? ['rules/', '.rules.yaml', ''] : ['dashboards/', '.json', '-dashboard'];
    const all = Object.keys(fixtures)
      .filter((f) => f.startsWith(kind))
      .map((f) => f.slice(kind.length, -ext.length));
    return expectedNames(all, suffix).get(rel.slice(kind.length, -ext.length))!;
  };

  const QUOTED = ['trailing-space.json', 'crlf.json', 'line-separator.json', 'extra-newlines.json'];
  test.each(Object.keys(fixtures).filter((f) => f.startsWith('dashboards/')))('%s is embedded byte for byte', (rel) => {
    const o = ofKind(r.objects, 'ConfigMap').find((x) => x.metadata.name === fixtureName(rel));
    expect(o?.data).toEqual({ [path.basename(rel)]: fixtures[rel] });
    const key = `\n  ${path.basename(rel)}: `;
    expect(r.text).toContain(QUOTED.includes(path.basename(rel)) ? `${key}"` : `${key}|`);
  });

  test.each(Object.keys(fixtures).filter((f) => f.startsWith('rules/')))('%s is embedded byte for byte, {{ $labels }} and Go template actions verbatim', (rel) => {
    const doc = ruleDocs(r).get(fixtureName(rel));
    expect(doc).toBeDefined();
    expect(specBlock(doc!)).toBe(fixtures[rel]);
    expect(doc).toContain('summary: "{{ $labels.instance }} burns {{ $value | humanizePercentage }}"');
    expect(doc).toContain('{{ template "x" . }}');
  });

  test('an empty files/ renders nothing and NOTES says to run slo compile --chart-files', () => {
    const empty = chartCopy({}, { notesProbe: true });
    try {
      const out = template(empty.dir);
      expect(out.objects.map((o) => o.metadata.name)).toEqual(['notes-probe']);
      const notes = (out.objects[0]!.data as { notes: string }).notes;
      expect(notes).toContain('slo compile --chart-files helm/slo-bundle/files');
      expect(notes).toContain('nothing was installed');
      expect(helm(['lint', '--strict', empty.dir]).code).toBe(0);
    } finally {
      empty.cleanup();
    }
  });

  test.each([
    {
      set: [],
      expect: [
        `${ruleFiles.length} PrometheusRules`,
        'labelled release=kube-prometheus-stack',
        `${dashboardFiles.length} Grafana dashboard ConfigMaps`,
        'grafana_dashboard=1',
        'ruleSelectorNilUsesHelmValues=false',
        'searchNamespace',
        'folderAnnotation=grafana_folder',
      ],
    },
    { set: ['prometheusRule.labels.release=monitoring', 'prometheusRule.enabled=false'], expect: ['no PrometheusRules (prometheusRule.enabled=false'], absent: ['ruleSelector'] },
    // the day service's rule files and the shared one
    { set: ['services={day}'], expect: ['(services: day)', `${ruleFiles.filter((f) => f.startsWith('day/') || !f.includes('/')).length} PrometheusRules`] },
    { set: ['prometheusRule.labels.release=monitoring', 'dashboards.enabled=false'], expect: ['release=monitoring', '(now "monitoring")', 'no dashboards'], absent: ['sidecar'] },
  ])('NOTES with $set', ({ set, expect: wanted, absent }) => {
    const probe = chartCopy('keep', { notesProbe: true });
    try {
      const out = template(probe.dir, { set });
      const notes = (out.objects.find((o) => o.metadata.name === 'notes-probe')!.data as { notes: string }).notes;
      for (const w of wanted) expect(notes).toContain(w);
      for (const a of absent ?? []) expect(notes).not.toContain(a);
    } finally {
      probe.cleanup();
    }
  });
});

describe('the chart files are in sync with the specs', () => {
  test('slo compile --check --chart-files helm/slo-bundle/files exits 0', () => {
    const r = cli(['compile', '--check', '--chart-files', 'helm/slo-bundle/files']);
    if (r.status !== 0) throw new Error(`helm/slo-bundle/files (or rules-out/dashboards-out) is out of date: run pnpm start\n${r.stderr}`);
    expect(r.status).toBe(0);
  });

  test("the chart's copies are rules-out and dashboards-out byte for byte, plus the empty scope slot on every selector and rule", () => {
    expect(listFiles(path.join(CHART, 'files/rules'), '.yaml')).toEqual(ruleFiles);
    expect(listFiles(path.join(CHART, 'files/dashboards'), '.json')).toEqual(dashboardFiles);
    const unslotted = (text: string) =>
      text
        .replace(/,slo_scope=\\?"\\?"/g, '')
        .replace(/\{slo_scope=\\?"\\?"\}/g, '')
        .replace(/^ *slo_scope: ""\n/gm, '');
    for (const [dir, out, files] of [
      ['rules', RULES_OUT, ruleFiles],
      ['dashboards', DASHBOARDS_OUT, dashboardFiles],
    ] as const) {
      for (const f of files) {
        const copy = readFileSync(path.join(CHART, 'files', dir, f), 'utf8');
        expect(copy).toContain('slo_scope=');
        expect(unslotted(copy)).toBe(readFileSync(path.join(out, f), 'utf8'));
      }
    }
  });

  const aRule = ruleFiles[0]!;
  const drifts: { name: string; make: (files: string) => void; expected: RegExp }[] = [
    { name: 'an edited rule file', make: (files) => appendFileSync(path.join(files, 'rules', aRule), '# hand edit\n'), expected: new RegExp(`changed +files/rules/${aRule.replace(/\./g, '\\.')}`) },
    { name: 'a deleted dashboard', make: (files) => unlinkSync(path.join(files, 'dashboards/overview.json')), expected: /missing +files\/dashboards\/overview\.json/ },
    {
      name: 'a stale generated rule file',
      make: (files) => cpSync(path.join(files, 'rules', aRule), path.join(files, 'rules', path.dirname(aRule), 'gone.rules.yaml')),
      expected: new RegExp(`extra +files/rules/${path.dirname(aRule)}/gone\\.rules\\.yaml`),
    },
  ];

  test.each(drifts)('--check catches $name in the chart files', ({ make, expected }) => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'slo-bundle-drift-'));
    try {
      cpSync(path.join(ROOT, 'slo-specs'), path.join(tmp, 'slo-specs'), { recursive: true });
      const outs = ['--rules-out', 'rules-out', '--dashboards-out', 'dashboards-out', '--chart-files', 'files'];
      const first = cli(['compile', 'slo-specs', ...outs], tmp);
      if (first.status !== 0) throw new Error(`slo compile failed:\n${first.stderr}`);
      expect(cli(['compile', 'slo-specs', '--check', ...outs], tmp).status).toBe(0);
      make(path.join(tmp, 'files'));
      const r = cli(['compile', 'slo-specs', '--check', ...outs], tmp);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(expected);
      expect(r.stderr).not.toMatch(/rules-out\/|dashboards-out\//);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('services: which SLOs the chart renders', () => {
  const ofService = (objects: K8sObject[], service: string) => objects.filter((o) => o.metadata.labels?.['slo-engine/service'] === service);
  const services = [...new Set(ruleFiles.filter((f) => f.includes('/')).map((f) => f.split('/')[0]!))];

  test('the repository compiles more than one service (else the selection shows nothing)', () => {
    expect(services.length).toBeGreaterThan(1);
    expect(services).toContain('day');
  });

  test('empty (the default): every service', () => {
    for (const service of services) expect(ofService(defaults.objects, service).length).toBeGreaterThan(0);
  });

  test('[day]: only the day service’s rules and dashboards, plus the top-level files; names unchanged', () => {
    const r = template(CHART, { set: ['services={day}'] });
    const kept = (o: K8sObject) => ['day', undefined].includes(o.metadata.labels?.['slo-engine/service']);
    expect(r.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(defaults.objects.filter(kept).map((o) => `${o.kind}/${o.metadata.name}`));
    // the shared file is a top-level file: it serves whichever services are rendered
    expect(ofKind(r.objects, 'PrometheusRule').map((o) => o.metadata.name)).toEqual(ruleFiles.filter((f) => f.startsWith('day/') || !f.includes('/')).map(ruleName));
    for (const other of services.filter((x) => x !== 'day')) expect(ofService(r.objects, other)).toEqual([]);
    expect(r.objects.map((o) => o.metadata.name)).toContain('slo-overview-dashboard');
    // the rendered documents are the same bytes as in the full rendering
    const full = new Map(documents(defaults.text).map((d) => [`${head(d).kind}/${head(d).name}`, d]));
    for (const d of documents(r.text)) expect(d).toBe(full.get(`${head(d).kind}/${head(d).name}`));
  });

  test('a service without compiled SLOs: only the top-level files', () => {
    const r = template(CHART, { set: ['services={nothing-here}'] });
    for (const o of r.objects) expect(o.metadata.labels?.['slo-engine/service']).toBeUndefined();
  });
});

describe('prometheusRule.enabled: auto, true, false', () => {
  test('auto (the default) without the Prometheus Operator’s API: dashboards only, and helm lint is clean', () => {
    const r = template(CHART, { apiVersions: false });
    expect(ofKind(r.objects, 'PrometheusRule')).toEqual([]);
    expect(ofKind(r.objects, 'ConfigMap')).toHaveLength(dashboardFiles.length);
  });

  test('auto with the API: the rules', () => {
    expect(ofKind(defaults.objects, 'PrometheusRule')).toHaveLength(ruleFiles.length);
  });

  test('true renders them without the API (the install then fails where the CRD is missing), false never', () => {
    expect(ofKind(template(CHART, { apiVersions: false, set: ['prometheusRule.enabled=true'] }).objects, 'PrometheusRule')).toHaveLength(ruleFiles.length);
    expect(ofKind(template(CHART, { set: ['prometheusRule.enabled=false'] }).objects, 'PrometheusRule')).toEqual([]);
  });
});

describe('the day SLOs and a total outage', () => {
  // A database outage makes every pod unready: the ALB answers 503 itself, the app counts no requests, and
  // every error ratio reads 0. Only a no-data alert (SLONoData, compiled for alert policies with
  // alertWhenNoData) notices; helm/README.md says so. This keeps the rules and the specs consistent.
  test('the day availability SLO pages on no data, and the compiled rules the chart ships carry that alert', () => {
    const spec = readFileSync(path.join(ROOT, 'slo-specs/day/availability.yaml'), 'utf8');
    expect(spec).toMatch(/alertWhenNoData:\s*true/);
    const rules = parse(readFileSync(path.join(CHART, 'files/rules/day/day-api-availability.rules.yaml'), 'utf8')) as { groups: { rules: { alert?: string; labels?: Record<string, string> }[] }[] };
    const noData = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert === 'SLONoData');
    expect(noData.map((r) => r.labels?.slo_severity)).toEqual(['page']);
  });
});

describe('scope: one environment of a Prometheus that several share', () => {
  const SCOPE = ['scope.namespace=day-prod', 'scope.cluster=eks-1'];
  let scoped: Rendered;
  beforeAll(() => {
    scoped = template(CHART, { set: SCOPE });
  });
  type Rule = { record?: string; alert?: string; expr: string; labels?: Record<string, string> };
  const rulesOf = (r: Rendered) => ofKind(r.objects, 'PrometheusRule').flatMap((o) => (o.spec as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules));
  const boardsOf = (r: Rendered) =>
    ofKind(r.objects, 'ConfigMap').map((o) => JSON.parse(Object.values(o.data as Record<string, string>)[0]!) as { uid: string; title: string; links: { url: string }[]; panels: unknown[] });
  const exprsOf = (v: unknown): string[] =>
    Array.isArray(v) ? v.flatMap(exprsOf) : v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => (k === 'expr' && typeof x === 'string' ? [x] : exprsOf(x))) : [];
  const inScope = (expr: string) => selectors(expr).every((sel) => ['namespace=day-prod', 'cluster=eks-1'].every((m) => sel.matchers.some((x) => `${x.label}${x.op}${x.value}` === m)));

  test('without it nothing of the slot is left in what the chart renders', () => {
    expect(defaults.text).not.toContain('slo_scope');
  });

  test('every selector of every rule gets the matchers, every rule the labels; the objects stay valid', () => {
    const rules = rulesOf(scoped);
    expect(rules.length).toBe(rulesOf(defaults).length);
    for (const r of rules) {
      // a shared rule has no labels of its own: its series keep the scope labels of the series it reads
      const labels = Object.keys(r.labels ?? {}).length ? { namespace: 'day-prod', cluster: 'eks-1' } : {};
      expect({ rule: r.record ?? r.alert, inScope: inScope(r.expr), labels: r.labels ?? {} }).toMatchObject({ inScope: true, labels });
    }
    expect(rules.filter((r) => Object.keys(r.labels ?? {}).length === 0).length).toBeLessThan(rules.length / 2);
    expect(scoped.text).not.toContain('slo_scope');
    for (const v of validateObjects(scoped.objects)) expect(v.errors).toEqual([]);
  });

  test('promtool accepts the rendered rules', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'slo-bundle-scope-'));
    try {
      const files = ofKind(scoped.objects, 'PrometheusRule').map((o, i) => {
        const f = path.join(dir, `${i}.rules.yaml`);
        writeFileSync(f, JSON.stringify(o.spec));
        return f;
      });
      const r = spawnSync('promtool', ['check', 'rules', ...files], { encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`).not.toContain('FAILED');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('dashboards read the scope only, under uids and titles of their own that the rules and links agree on', () => {
    const boards = boardsOf(scoped);
    const plain = boardsOf(defaults);
    for (const b of boards) for (const e of exprsOf(b.panels)) expect({ uid: b.uid, expr: e, inScope: inScope(e) }).toMatchObject({ inScope: true });
    const uids = boards.map((b) => b.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const u of uids) expect(u.length).toBeLessThanOrEqual(40);
    for (const u of plain.map((b) => b.uid)) expect(uids).not.toContain(u);
    for (const b of boards) expect(b.title).toMatch(/ \(cluster=eks-1,namespace=day-prod\)$/);
    const overview = boards.find((b) => b.title.startsWith('SLO / Overview'))!;
    for (const b of boards.filter((x) => x !== overview)) expect(b.links.map((l) => l.url)).toContain(`/d/${overview.uid}`);
    // the overview links each SLO to the uid its info series carries: that of its dashboard
    const infoUids = rulesOf(scoped)
      .filter((r) => r.record === 'slo_info')
      .map((r) => r.labels!.dashboard_uid);
    expect(infoUids.sort()).toEqual(uids.filter((u) => u !== overview.uid).sort());
  });

  test('two releases in one Prometheus: each keeps its own series, and only the failing environment pages (promtool)', () => {
    // the SLO's own rules and the shared rules it needs
    const specOf = (r: Rendered, name: string) => ofKind(r.objects, 'PrometheusRule').find((o) => o.metadata.name === name)!.spec;
    const dir = mkdtempSync(path.join(tmpdir(), 'slo-bundle-envs-'));
    try {
      for (const env of ['prod', 'staging']) {
        const r = template(CHART, { set: [`scope.namespace=day-${env}`] });
        writeFileSync(path.join(dir, `${env}.yaml`), JSON.stringify(specOf(r, 'day-day-api-availability')));
        writeFileSync(path.join(dir, `${env}-shared.yaml`), JSON.stringify(specOf(r, 'slo-shared-slo-specs')));
      }
      const counter = (per: number) => Array.from({ length: 121 }, (_, i) => String(i * per)).join(' ');
      const series = (ns: string, code: string, per: number) => ({
        series: `http_request_duration_seconds_count{job="day",route="/api/day",status_code="${code}",namespace="${ns}"}`,
        values: counter(per),
      });
      const firing = (ns: string) => `count(ALERTS{alertstate="firing",slo_severity="page",namespace="${ns}"}) or vector(0)`;
      // the shared file records every SLO of the bundle (its building blocks too): the checks read the day SLO's
      const test = {
        rule_files: ['prod.yaml', 'prod-shared.yaml', 'staging.yaml', 'staging-shared.yaml'],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [series('day-prod', '200', 600), series('day-staging', '500', 600)],
            promql_expr_test: [
              {
                expr: 'slo:sli_error:ratio_rate1h{namespace="day-prod",slo_name="day-api-availability"}',
                eval_time: '100m',
                exp_samples: [{ labels: 'slo:sli_error:ratio_rate1h{namespace="day-prod",slo_name="day-api-availability",slo_service="day",slo_window="1h",team="platform",tier="1"}', value: 0 }],
              },
              {
                expr: 'slo:sli_error:ratio_rate1h{namespace="day-staging",slo_name="day-api-availability"}',
                eval_time: '100m',
                exp_samples: [{ labels: 'slo:sli_error:ratio_rate1h{namespace="day-staging",slo_name="day-api-availability",slo_service="day",slo_window="1h",team="platform",tier="1"}', value: 1 }],
              },
              // the day availability SLO has one page tier (burn-14x-1h); its no-data page stays quiet with traffic
              { expr: firing('day-staging'), eval_time: '100m', exp_samples: [{ labels: '{}', value: 1 }] },
              { expr: firing('day-prod'), eval_time: '100m', exp_samples: [{ labels: '{}', value: 0 }] },
            ],
          },
        ],
      };
      writeFileSync(path.join(dir, 'test.yaml'), JSON.stringify(test));
      const r = spawnSync('promtool', ['test', 'rules', 'test.yaml'], { cwd: dir, encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([
    ['scope.slo_name=x', /scope/],
    ['scope.severity=x', /scope/],
    ['scope.kube-namespace=x', /scope/],
    ['scope.namespace=a"b', /scope\.namespace/],
  ])('the schema refuses %s', (set, message) => {
    const r = helm(['template', 'demo', CHART, ...MONITORING_API, '--set', set]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  test('a scope label that an SLO already carries is refused, naming it', () => {
    const r = helm(['template', 'demo', CHART, ...MONITORING_API, '--set', 'scope.team=x']);
    expect(r.code).not.toBe(0);
    // the first file whose rules carry it: the shared file, which holds every SLO's building blocks
    expect(r.stderr).toMatch(/scope\.team: files\/rules\/shared-slo-specs\.rules\.yaml already has a label team \(an SLO label\)/);
  });
});
