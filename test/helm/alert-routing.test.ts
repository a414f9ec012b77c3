// @integration: runs helm
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { crdErrors, describeWithSchemas } from '../support/crd-schemas';
import { type K8sObject, templateWith, MONITORING_API, type Rendered, template, validateObjects } from '../support/helm';
import { CHART } from './slo-bundle-support';

/**
 * helm/slo-bundle's alert routing, from the routing slo compile writes into files/alertmanager/: a Prometheus
 * Operator AlertmanagerConfig (checked against the Operator's schema) and an AMP alert manager definition
 * (ACK AlertManagerDefinition, checked against the published CRD and by amtool).
 */

const V1ALPHA1 = [...MONITORING_API, '--api-versions', 'monitoring.coreos.com/v1alpha1'];
const render = (set: string[], apiVersions = MONITORING_API): Rendered => template(CHART, { set, apiVersions });
const ofKind = (r: Rendered, kind: string): K8sObject[] => r.objects.filter((o) => o.kind === kind);
const generated = parse(readFileSync(path.join(CHART, 'files/alertmanager/alertmanagerconfig.yaml'), 'utf8')) as { spec: Record<string, unknown> };
const AMP = [
  'amp.alertManagerDefinition.enabled=true',
  'amp.workspaceID=ws-0a1b2c3d',
  'amp.alertManagerDefinition.region=us-east-1',
  'amp.alertManagerDefinition.defaultTopicArn=arn:aws:sns:us-east-1:123456789012:slo-alerts',
  'amp.alertManagerDefinition.topicArns.slo-day-oncall=arn:aws:sns:us-east-1:123456789012:day-oncall',
];

describe('AlertmanagerConfig', () => {
  test('off by default; on with enabled=true, or auto where the cluster serves monitoring.coreos.com/v1alpha1', () => {
    expect(ofKind(render([]), 'AlertmanagerConfig')).toEqual([]);
    expect(ofKind(render(['alertmanagerConfig.enabled=auto']), 'AlertmanagerConfig')).toEqual([]);
    expect(ofKind(render(['alertmanagerConfig.enabled=auto'], V1ALPHA1), 'AlertmanagerConfig')).toHaveLength(1);
    expect(ofKind(render(['alertmanagerConfig.enabled=true']), 'AlertmanagerConfig')).toHaveLength(1);
  });

  test('its spec is the generated one, the object valid against the Operator schema, with the labels asked for', () => {
    const [amc] = ofKind(render(['alertmanagerConfig.enabled=true', 'alertmanagerConfig.labels.alertmanagerConfig=slo']), 'AlertmanagerConfig');
    expect(amc!.spec).toEqual(generated.spec);
    expect(amc!.metadata.labels).toMatchObject({ alertmanagerConfig: 'slo', 'app.kubernetes.io/component': 'alert-routing' });
    expect(validateObjects([amc!])[0]!.errors).toEqual([]);
  });

  test('a scoped release groups and inhibits within its scope', () => {
    const [amc] = ofKind(render(['alertmanagerConfig.enabled=true', 'scope.namespace=day-prod']), 'AlertmanagerConfig');
    const spec = amc!.spec as { route: { groupBy: string[] }; inhibitRules: { equal: string[] }[] };
    expect(spec.route.groupBy.at(-1)).toBe('namespace');
    expect(spec.inhibitRules[0]!.equal).toEqual(['slo_service', 'slo_name', 'namespace']);
  });
});

describe("AMP's alert manager definition", () => {
  const definition = (r: Rendered) => {
    const [d] = ofKind(r, 'AlertManagerDefinition');
    return {
      object: d!,
      config: parse((parse((d!.spec as { configuration: string }).configuration) as { alertmanager_config: string }).alertmanager_config) as {
        receivers: { name: string; sns_configs: { topic_arn: string }[] }[];
      },
    };
  };

  test('every receiver delivers to its SNS topic (or the default one); amtool accepts it and routes a page to the on-call receiver', () => {
    const { config } = definition(render(AMP));
    expect(Object.fromEntries(config.receivers.map((r) => [r.name, r.sns_configs[0]!.topic_arn]))).toEqual({
      'slo-unrouted': 'arn:aws:sns:us-east-1:123456789012:slo-alerts',
      'slo-day-oncall': 'arn:aws:sns:us-east-1:123456789012:day-oncall',
      'slo-day-tickets': 'arn:aws:sns:us-east-1:123456789012:slo-alerts',
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'slo-bundle-amp-am-'));
    try {
      const file = path.join(dir, 'alertmanager.yml');
      writeFileSync(file, JSON.stringify(config));
      const check = spawnSync('amtool', ['check-config', file], { encoding: 'utf8' });
      expect(`${check.stdout}${check.stderr}`).toContain('SUCCESS');
      const routes = spawnSync('amtool', ['config', 'routes', 'test', `--config.file=${file}`, 'slo_name=day-api-availability', 'slo_severity=page', 'slo_notification_targets=day-oncall'], {
        encoding: 'utf8',
      });
      expect(routes.stdout.trim()).toBe('slo-day-oncall');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([
    [AMP.filter((s) => !s.includes('defaultTopicArn')), /amp\.alertManagerDefinition\.topicArns\.slo-unrouted: the SNS topic for receiver slo-unrouted/],
    [AMP.filter((s) => !s.includes('region')), /amp\.alertManagerDefinition\.region/],
    [AMP.filter((s) => !s.includes('workspaceID')), /amp\.workspaceID \(ws-\.\.\.\) or amp\.workspaceRef/],
    [[...AMP, 'amp.alertManagerDefinition.defaultTopicArn=not-an-arn'], /defaultTopicArn/],
  ])('refused: %j', (set, message) => {
    const r = templateWith(CHART, set);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  describeWithSchemas("the ACK prometheusservice controller's published CRD schema", () => {
    test('the AlertManagerDefinition is valid, and a broken one is not', () => {
      const { object } = definition(render(AMP));
      expect(crdErrors(object)).toEqual([]);
      const broken: K8sObject = { ...object, spec: { workspaceID: 'ws-1' } };
      expect(crdErrors(broken).length).toBeGreaterThan(0);
    });
  });
});
