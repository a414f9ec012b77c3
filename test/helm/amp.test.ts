// @integration: runs helm
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { crdErrors, describeWithSchemas } from '../support/crd-schemas';
import { type K8sObject, templateWith, MONITORING_API, type Rendered, ROOT, template } from '../support/helm';
import { CHART, listFiles } from './slo-bundle-support';

/**
 * helm/slo-bundle with amp.ruleGroupsNamespaces: the rules as ACK RuleGroupsNamespace resources for an Amazon
 * Managed Prometheus workspace, split under AMP's size quota, refused over its rule quota; checked against the
 * ACK controller's published CRD (../shared/schemas, skipped with one line when absent), against rules-out byte
 * for byte, and with promtool.
 */

const RULES_OUT = path.join(ROOT, 'rules-out');
const ruleFiles = listFiles(RULES_OUT, '.rules.yaml');
const ENABLED = ['amp.ruleGroupsNamespaces.enabled=true', 'amp.workspaceID=ws-0a1b2c3d-4e5f'];
const render = (set: string[]): Rendered => template(CHART, { set, apiVersions: MONITORING_API });
type Rgn = K8sObject & { spec: { name: string; workspaceID?: string; workspaceRef?: { from: { name: string } }; configuration: string } };
const namespaces = (r: Rendered) => r.objects.filter((o) => o.kind === 'RuleGroupsNamespace') as Rgn[];
/** A rule file's namespace name: like its PrometheusRule's (`<service>-<slo>`, a top-level file `slo-<stem>`). */
const nsName = (rel: string) => (rel.includes('/') ? rel.replace(/\.rules\.yaml$/, '').replace(/\//g, '-') : `slo-${rel.replace(/\.rules\.yaml$/, '')}`);
const groupNames = (text: string) => (parse(text) as { groups: { name: string }[] }).groups.map((g) => g.name);

test('off by default', () => {
  expect(namespaces(render([]))).toEqual([]);
});

test('one per rule file, named like its PrometheusRule, the configuration the rules-out file byte for byte', () => {
  const r = render(ENABLED);
  const ns = namespaces(r);
  expect(ns).toHaveLength(ruleFiles.length);
  for (const rel of ruleFiles) {
    const name = nsName(rel);
    const o = ns.find((x) => x.metadata.name === name)!;
    expect(o.spec).toMatchObject({ name, workspaceID: 'ws-0a1b2c3d-4e5f' });
    expect(o.spec.configuration).toBe(readFileSync(path.join(RULES_OUT, rel), 'utf8'));
  }
});

test('promtool accepts every configuration, and a scope reaches them', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'slo-bundle-amp-'));
  try {
    const files = namespaces(render([...ENABLED, 'scope.cluster=eks-prod'])).map((o) => {
      expect(o.spec.configuration).toContain('cluster="eks-prod"');
      const f = path.join(dir, `${o.spec.name}.yaml`);
      writeFileSync(f, o.spec.configuration);
      return f;
    });
    const r = spawnSync('promtool', ['check', 'rules', ...files], { encoding: 'utf8' });
    expect(r.status).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file over the size quota is split by groups into <name>-1, <name>-2, ..., every part under it, no group lost', () => {
  // above the largest group (one group cannot be split), below the largest files
  const limit = 10500;
  const ns = namespaces(render([...ENABLED, `amp.quotas.namespaceBytes=${limit}`]));
  const big = ruleFiles.filter((rel) => Buffer.byteLength(readFileSync(path.join(RULES_OUT, rel), 'utf8')) > limit);
  expect(big.length).toBeGreaterThan(0);
  expect(ns.length).toBeGreaterThan(ruleFiles.length);
  for (const rel of ruleFiles) {
    const name = nsName(rel);
    const parts = big.includes(rel) ? ns.filter((o) => o.spec.name.startsWith(`${name}-`)) : ns.filter((o) => o.spec.name === name);
    expect(parts.map((p) => p.spec.name)).toEqual(big.includes(rel) ? parts.map((_, i) => `${name}-${i + 1}`) : [name]);
    for (const p of parts) expect(Buffer.byteLength(p.spec.configuration)).toBeLessThanOrEqual(limit + 1);
    expect(parts.flatMap((p) => groupNames(p.spec.configuration))).toEqual(groupNames(readFileSync(path.join(RULES_OUT, rel), 'utf8')));
  }
});

test('workspaceRef: an ACK Workspace resource instead of an id', () => {
  const [o] = namespaces(render(['amp.ruleGroupsNamespaces.enabled=true', 'amp.workspaceRef=slo-workspace']));
  expect(o!.spec.workspaceRef).toEqual({ from: { name: 'slo-workspace' } });
  expect(o!.spec.workspaceID).toBeUndefined();
});

test.each([
  [['amp.ruleGroupsNamespaces.enabled=true'], /amp\.workspaceID \(ws-\.\.\.\) or amp\.workspaceRef/],
  [[...ENABLED, 'amp.quotas.rulesPerWorkspace=10'], /these SLOs need \d+ rules, over AMP's quota "Rules per workspace" \(amp\.quotas\.rulesPerWorkspace, 10\)/],
  [[...ENABLED, 'amp.quotas.namespaceBytes=1100'], /alone is over AMP's quota "Rule groups namespace definition file size" \(amp\.quotas\.namespaceBytes, 1100 bytes\)/],
  // the shared rules' windows group, which no split can help: the message says what can
  [[...ENABLED, 'amp.quotas.namespaceBytes=4000'], /rule group slo:shared:windows alone is over AMP's quota .*compile the SLOs in several sets, or with --layout per-slo/],
  [[...ENABLED, 'amp.workspaceID=ws 1'], /workspaceID/],
])('refused: %j', (set, message) => {
  const r = templateWith(CHART, set);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(message);
});

describeWithSchemas("the ACK prometheusservice controller's published CRD schema", () => {
  test.each([
    ['a workspace id', ENABLED],
    ['a workspace reference, tags, split files', ['amp.ruleGroupsNamespaces.enabled=true', 'amp.workspaceRef=slo-workspace', 'amp.tags.team=platform', 'amp.quotas.namespaceBytes=10500']],
  ])('%s: every RuleGroupsNamespace is valid', (_name, set) => {
    const ns = namespaces(render(set));
    expect(ns.length).toBeGreaterThan(0);
    for (const o of ns) expect({ name: o.metadata.name, errors: crdErrors(o) }).toEqual({ name: o.metadata.name, errors: [] });
  });

  test('a broken object is refused (the check can fail)', () => {
    const [o] = namespaces(render(ENABLED));
    const broken: K8sObject = { ...o!, spec: { workspaceID: 'ws-1' } };
    expect(crdErrors(broken).join('\n')).toMatch(/configuration|name/);
  });
});
