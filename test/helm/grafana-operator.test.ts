// @integration: runs helm
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { crdErrors, describeWithSchemas } from '../support/crd-schemas';
import { helm, type K8sObject, templateWith, MONITORING_API, type Rendered, ROOT, template } from '../support/helm';
import { CHART, listFiles } from './slo-bundle-support';

/**
 * helm/slo-bundle with dashboards.delivery grafana-operator: GrafanaDashboard resources for the Grafana instances
 * grafana-operator knows, an external Grafana (Amazon Managed Grafana) and the AMP workspace as its SigV4 data
 * source, checked against grafana-operator's published CRD schemas (../shared/schemas, skipped with one line
 * when absent) and against dashboards-out byte for byte.
 */

const DASHBOARDS_OUT = path.join(ROOT, 'dashboards-out');
const dashboardFiles = listFiles(DASHBOARDS_OUT, '.json');
const AMG = 'https://g-abc123.grafana-workspace.us-east-1.amazonaws.com';
const AMP = 'https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-0a1b2c3d-4e5f';
const EXTERNAL = [
  'dashboards.delivery=grafana-operator',
  'dashboards.grafanaOperator.externalGrafana.create=true',
  `dashboards.grafanaOperator.externalGrafana.url=${AMG}`,
  'dashboards.grafanaOperator.externalGrafana.apiKeySecret.name=amg-api-key',
  'dashboards.grafanaOperator.ampDatasource.create=true',
  `dashboards.grafanaOperator.ampDatasource.url=${AMP}`,
  'dashboards.grafanaOperator.ampDatasource.region=us-east-1',
];
const render = (set: string[], values: string[] = []): Rendered => template(CHART, { set, values, apiVersions: MONITORING_API });
const ofKind = (r: Rendered, kind: string): K8sObject[] => r.objects.filter((o) => o.kind === kind);
type Board = K8sObject & { spec: { instanceSelector: { matchLabels: Record<string, string> }; folder?: string; json: string; resyncPeriod: string } };

describe('dashboards.delivery', () => {
  test.each([
    ['configmap (the default)', [], dashboardFiles.length, 0],
    ['grafana-operator', ['dashboards.delivery=grafana-operator'], 0, dashboardFiles.length],
    ['both', ['dashboards.delivery=both'], dashboardFiles.length, dashboardFiles.length],
  ])('%s: ConfigMaps and GrafanaDashboards', (_name, set, configMaps, boards) => {
    const r = render(set);
    expect(ofKind(r, 'ConfigMap')).toHaveLength(configMaps);
    expect(ofKind(r, 'GrafanaDashboard')).toHaveLength(boards);
  });

  test('each GrafanaDashboard holds the dashboards-out file byte for byte, in a folder per service, for the instances labelled', () => {
    const boards = ofKind(render(['dashboards.delivery=grafana-operator']), 'GrafanaDashboard') as Board[];
    for (const rel of dashboardFiles) {
      const b = boards.find(
        (x) =>
          x.metadata.name ===
          `${rel
            .replace(/\.json$/, '')
            .replace(/\//g, '-')
            .replace(/^overview$/, 'slo-overview')}-dashboard`,
      )!;
      expect(b.spec.json).toBe(readFileSync(path.join(DASHBOARDS_OUT, rel), 'utf8'));
      expect(b.spec.folder).toBe(rel.includes('/') ? `SLOs: ${rel.split('/')[0]}` : 'SLOs');
      expect(b.spec.instanceSelector).toEqual({ matchLabels: { dashboards: 'slo-engine' } });
    }
  });

  test('the scope reaches them as it reaches the ConfigMaps', () => {
    const r = render(['dashboards.delivery=both', 'scope.namespace=day-prod']);
    const maps = new Map(ofKind(r, 'ConfigMap').map((o) => [o.metadata.name, Object.values(o.data as Record<string, string>)[0]]));
    for (const b of ofKind(r, 'GrafanaDashboard') as Board[]) {
      expect(b.spec.json).toBe(maps.get(b.metadata.name));
      expect(b.spec.json).toContain('namespace=\\"day-prod\\"');
    }
  });

  test('folderPerService false: every dashboard in dashboards.folder', () => {
    const boards = ofKind(render(['dashboards.delivery=grafana-operator', 'dashboards.grafanaOperator.folderPerService=false']), 'GrafanaDashboard') as Board[];
    expect(new Set(boards.map((b) => b.spec.folder))).toEqual(new Set(['SLOs']));
  });

  test('an external Grafana and the AMP workspace as its SigV4 data source', () => {
    const r = render(EXTERNAL);
    const [grafana] = ofKind(r, 'Grafana');
    expect(grafana!.metadata.labels).toMatchObject({ dashboards: 'slo-engine' });
    expect(grafana!.spec).toEqual({ external: { url: AMG, apiKey: { name: 'amg-api-key', key: 'token' } } });
    const [ds] = ofKind(r, 'GrafanaDatasource');
    expect(ds!.spec).toEqual({
      instanceSelector: { matchLabels: { dashboards: 'slo-engine' } },
      datasource: {
        name: 'Amazon Managed Prometheus',
        type: 'prometheus',
        access: 'proxy',
        url: AMP,
        isDefault: true,
        jsonData: { httpMethod: 'POST', sigV4Auth: true, sigV4AuthType: 'ec2', sigV4Region: 'us-east-1' },
      },
    });
  });

  test.each([
    [['dashboards.grafanaOperator.externalGrafana.url='], /externalGrafana\.url: the Grafana's URL/],
    [['dashboards.grafanaOperator.externalGrafana.apiKeySecret.name='], /apiKeySecret\.name: the Secret holding the Grafana API key/],
    [['dashboards.grafanaOperator.ampDatasource.url=https://example.org/'], /ampDatasource\.url: the workspace's query URL/],
    [['dashboards.grafanaOperator.ampDatasource.region='], /ampDatasource\.region: the workspace's AWS region/],
    [['dashboards.delivery=sidecar'], /delivery/],
    [['dashboards.grafanaOperator.ampDatasource.authType=iam'], /authType/],
  ])('refused: %j', (override, message) => {
    const r = templateWith(CHART, [...EXTERNAL, ...override]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  test('instanceLabels must not be empty', () => {
    const r = helm(['template', 'demo', CHART, '--set', 'dashboards.delivery=grafana-operator', '--set', 'dashboards.grafanaOperator.instanceLabels.dashboards=null']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/instanceLabels: set the labels of the Grafana resources/);
  });
});

describeWithSchemas("grafana-operator's published CRD schemas", () => {
  test.each([
    ['default values', ['dashboards.delivery=grafana-operator'], []],
    ['an external Grafana and the AMP data source', EXTERNAL, []],
    ['EKS values', EXTERNAL, ['eks']],
  ])('%s: every grafana-operator object is valid', (_name, set, values) => {
    const r = render(set, values.length ? [eksSloBundle()] : []);
    const objects = r.objects.filter((o) => o.apiVersion === 'grafana.integreatly.org/v1beta1');
    expect(objects.length).toBeGreaterThanOrEqual(dashboardFiles.length);
    for (const o of objects) expect({ kind: o.kind, name: o.metadata.name, errors: crdErrors(o) }).toEqual({ kind: o.kind, name: o.metadata.name, errors: [] });
  });

  test('a broken object is refused (the check can fail)', () => {
    const [b] = ofKind(render(['dashboards.delivery=grafana-operator']), 'GrafanaDashboard');
    const broken: K8sObject = { ...b!, spec: { json: '{}' } };
    expect(crdErrors(broken).join('\n')).toMatch(/instanceSelector/);
  });
});

/** helm/values-eks.yaml is the umbrella chart's: its slo-bundle section, as a values file for this chart. */
function eksSloBundle(): string {
  const eks = parse(readFileSync(path.join(ROOT, 'helm/values-eks.yaml'), 'utf8')) as Record<string, unknown>;
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'slo-bundle-eks-')), 'values.yaml');
  writeFileSync(file, JSON.stringify(eks['slo-bundle'] ?? {}));
  return file;
}
