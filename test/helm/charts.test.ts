// @integration: runs helm
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { helm, MONITORING_API, ROOT, template as renderChart, validateObjects, type K8sObject, type Rendered, type TemplateOptions } from '../support/helm';

/**
 * The Helm charts in helm/, checked with a real helm (lint --strict, template) and the Kubernetes and
 * Prometheus Operator schemas. The properties a platform team cares about (restricted pods, probes,
 * graceful shutdown, availability, network isolation, secrets, storage) are asserted on the rendered
 * objects. The umbrella chart's dependencies are built in a temporary copy of helm/, so the repository
 * gets no charts/ or Chart.lock.
 *
 * Golden files test/helm/golden/{default,eks}.yaml hold the umbrella's rendering of the app and the
 * database; they are rewritten only with UPDATE_GOLDEN=1. The generated password is masked, and the
 * slo-bundle chart's documents are left out: they change with every compiled SLO, and that chart has
 * its own tests.
 */

const HELM_DIR = path.join(ROOT, 'helm');
const DAY = path.join(HELM_DIR, 'day');
const POSTGRESQL = path.join(HELM_DIR, 'postgresql');
const EKS_VALUES = path.join(HELM_DIR, 'values-eks.yaml');
const GOLDEN_DIR = path.join(ROOT, 'test/helm/golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const NAMESPACE = 'slo-demo';
/** What the generated password becomes in golden files: valid base64 ("GENERATED"), never a real one. */
const MASK = 'R0VORVJBVEVE';

/**
 * helm template with the Prometheus Operator's API present (extraArgs, like helm install against a cluster
 * with kube-prometheus-stack), or without it (apiVersions: false).
 */
function template(chart: string, opts: Omit<TemplateOptions, 'apiVersions'> & { apiVersions?: boolean } = {}): Rendered {
  return renderChart(chart, { namespace: NAMESPACE, ...opts, apiVersions: opts.apiVersions === false ? [] : MONITORING_API });
}

let work = '';
let stack = '';

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'slo-engine-helm-'));
  for (const chart of ['day', 'postgresql', 'slo-bundle', 'day-stack']) {
    const from = path.join(HELM_DIR, chart);
    // a developer's own `helm dependency build` output must not stand in for the charts under test
    const filter = (src: string) => !/^(charts|Chart\.lock)(\/|$)/.test(path.relative(from, src).split(path.sep).join('/'));
    cpSync(from, path.join(work, chart), { recursive: true, filter: chart === 'day-stack' ? filter : undefined });
  }
  stack = path.join(work, 'day-stack');
  const r = helm(['dependency', 'build', stack]);
  if (r.code !== 0) throw new Error(`helm dependency build failed:\n${r.stderr}`);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------
// rendering, once per case

type Case = 'day' | 'postgresql' | 'day-stack' | 'day-stack (EKS)';
const CASES: Case[] = ['day', 'postgresql', 'day-stack', 'day-stack (EKS)'];
const UMBRELLA_CASES: Case[] = ['day-stack', 'day-stack (EKS)'];

const cache = new Map<string, Rendered>();
function render(c: Case): Rendered {
  let r = cache.get(c);
  if (!r) {
    if (c === 'day') r = template(DAY, { namespace: NAMESPACE });
    else if (c === 'postgresql') r = template(POSTGRESQL, { namespace: NAMESPACE });
    else if (c === 'day-stack') r = template(stack, { namespace: NAMESPACE });
    else r = template(stack, { namespace: NAMESPACE, values: [EKS_VALUES] });
    cache.set(c, r);
  }
  return r;
}

/** helm template that is expected to fail: its exit code and message. */
function renderFailure(chart: string, args: string[]): { code: number | null; stderr: string } {
  const r = helm(['template', 'demo', chart, '--namespace', NAMESPACE, ...args]);
  return { code: r.code, stderr: r.stderr };
}

// ---------------------------------------------------------------------------------------------------
// object helpers

// biome-ignore lint/suspicious/noExplicitAny: any rendered Kubernetes object, read deep by path; a wrong path fails the assertion that reads it
type Obj = any;
type Labels = Record<string, string>;

const ofKind = (objects: K8sObject[], kind: string): Obj[] => objects.filter((o) => o.kind === kind);
function one(objects: K8sObject[], kind: string, pred: (o: Obj) => boolean = () => true): Obj {
  const found = ofKind(objects, kind).filter(pred);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0];
}
const _isHelmTest = (o: Obj) => o.metadata?.annotations?.['helm.sh/hook'] === 'test';
const appDeployment = (objects: K8sObject[]): Obj => one(objects, 'Deployment');
const database = (objects: K8sObject[]): Obj => one(objects, 'StatefulSet');
const container = (podSpec: Obj, name: string): Obj => podSpec.containers.find((c: Obj) => c.name === name);
const env = (c: Obj, name: string): Obj => (c.env ?? []).find((e: Obj) => e.name === name);

/** Does a label selector ({matchLabels}) select these labels? matchExpressions are not used here. */
function selects(selector: { matchLabels?: Labels; matchExpressions?: unknown[] } | undefined, labels: Labels | undefined): boolean {
  if (!selector) return false;
  if (selector.matchExpressions?.length) throw new Error('matchExpressions are not expected in these charts');
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
}

/** Every pod spec: workloads' templates and bare pods (helm test), with where it came from. */
function podSpecs(objects: K8sObject[]): { where: string; labels: Labels; spec: Obj }[] {
  const out: { where: string; labels: Labels; spec: Obj }[] = [];
  for (const o of objects as Obj[]) {
    if (o.kind === 'Pod') out.push({ where: `Pod/${o.metadata.name}`, labels: o.metadata.labels, spec: o.spec });
    else if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind))
      out.push({ where: `${o.kind}/${o.metadata.name}`, labels: o.spec.template.metadata.labels, spec: o.spec.template.spec });
    else if (o.kind === 'CronJob') out.push({ where: `CronJob/${o.metadata.name}`, labels: o.spec.jobTemplate.spec.template.metadata.labels, spec: o.spec.jobTemplate.spec.template.spec });
  }
  return out;
}

/** A container's effective security setting: its own, else the pod's. */
const effective = (pod: Obj, c: Obj, key: string) => c.securityContext?.[key] ?? pod.securityContext?.[key];

/** A NetworkPolicy port (number or container port name) as a number, for the pods it protects. */
function portNumber(port: number | string, podSpec: Obj): number {
  if (typeof port === 'number') return port;
  for (const c of podSpec.containers) for (const p of c.ports ?? []) if (p.name === port) return p.containerPort;
  throw new Error(`no container port named ${port}`);
}

/** The DNS egress rule: UDP and TCP 53 to kube-dns in kube-system. */
function hasDnsEgress(policy: Obj): boolean {
  return (policy.spec.egress ?? []).some((rule: Obj) => {
    const ports = (rule.ports ?? []).map((p: Obj) => `${p.protocol}/${p.port}`).sort();
    const toKubeDns = (rule.to ?? []).some(
      (peer: Obj) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'kube-system' && peer.podSelector?.matchLabels?.['k8s-app'] === 'kube-dns',
    );
    return toKubeDns && JSON.stringify(ports) === JSON.stringify(['TCP/53', 'UDP/53']);
  });
}

/** The generated database Secret (the chart's own, kept on uninstall), if rendered. */
const generatedSecret = (objects: K8sObject[]): Obj | undefined => (objects as Obj[]).find((o) => o.kind === 'Secret' && o.metadata.annotations?.['helm.sh/resource-policy'] === 'keep');

/** The text with the generated password (base64, as rendered) replaced by MASK. */
function maskPassword(r: Rendered): string {
  const secret = generatedSecret(r.objects);
  if (!secret) return r.text;
  let text = r.text;
  for (const value of Object.values(secret.data as Record<string, string>)) text = text.split(value).join(MASK);
  return text;
}

const readYaml = (file: string): unknown => parse(readFileSync(file, 'utf8'));

// ---------------------------------------------------------------------------------------------------

describe('helm lint --strict', () => {
  it.each([
    ['day', () => DAY, []],
    ['postgresql', () => POSTGRESQL, []],
    ['day-stack', () => stack, []],
    ['day-stack with helm/values-eks.yaml', () => stack, ['--values', EKS_VALUES]],
    [
      'day with everything optional on',
      () => DAY,
      [
        '--set',
        'ingress.enabled=true,ingress.certificateArn=arn:aws:acm:eu-west-1:123456789012:certificate/x,autoscaling.enabled=true,adminToken.existingSecret=day-admin,serviceMonitor.enabled=true',
        '--set',
        'database.sslMode=verify-full,database.caBundle.existingConfigMap=rds-ca,database.caBundle.key=global-bundle.pem',
        '--set-json',
        'networkPolicy.ingressFrom=[{"ipBlock":{"cidr":"10.0.0.0/16"}}]',
        '--set-json',
        'extraEnv=[{"name":"NODE_OPTIONS","value":"--max-old-space-size=192"}]',
      ],
    ],
    ['postgresql with its StorageClass and an existing Secret', () => POSTGRESQL, ['--set', 'storageClass.create=true,auth.existingSecret=db']],
  ])('%s', (_name, chart, args) => {
    const r = helm(['lint', '--strict', chart(), '--namespace', NAMESPACE, ...(args as string[])]);
    expect({ code: r.code, out: r.stdout + r.stderr }).toEqual({ code: 0, out: expect.stringContaining('1 chart(s) linted, 0 chart(s) failed') });
    expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
  });
});

describe('day-stack: each dependency can be switched off', () => {
  it.each(['day', 'postgresql', 'slo-bundle'])('%s.enabled=false', (name) => {
    const lint = helm(['lint', '--strict', stack, '--namespace', NAMESPACE, '--set', `${name}.enabled=false`]);
    expect({ code: lint.code, out: lint.stdout }).toEqual({ code: 0, out: expect.stringContaining('0 chart(s) failed') });
    const { text } = template(stack, { namespace: NAMESPACE, set: [`${name}.enabled=false`] });
    const sources = new Set([...text.matchAll(/^# Source: day-stack\/charts\/([^/]+)\//gm)].map((m) => m[1]));
    expect([...sources].sort()).toEqual(['day', 'postgresql', 'slo-bundle'].filter((n) => n !== name));
  });
});

describe('day-stack: slo-bundle.scope confines the release to its namespace', () => {
  it('every PrometheusRule expression selects that namespace; the default selects none', () => {
    const exprs = (r: Rendered) =>
      r.objects.filter((o) => o.kind === 'PrometheusRule').flatMap((o) => (o.spec as { groups: { rules: { expr: string; labels?: Record<string, string> }[] }[] }).groups.flatMap((g) => g.rules));
    const scoped = exprs(template(stack, { namespace: NAMESPACE, set: [`slo-bundle.scope.namespace=${NAMESPACE}`] }));
    expect(scoped.length).toBeGreaterThan(0);
    for (const r of scoped) {
      // constants (vector(0.999)) select nothing
      if (/[{a-z_]/.test(r.expr.replace(/\bvector\(/g, ''))) expect(r.expr).toContain(`namespace="${NAMESPACE}"`);
      // a shared rule has no labels of its own: its series keep the scope labels of the series it reads
      if (Object.keys(r.labels ?? {}).length) expect(r.labels?.namespace).toBe(NAMESPACE);
    }
    for (const r of exprs(template(stack, { namespace: NAMESPACE }))) expect(r.expr).not.toMatch(/namespace=|slo_scope/);
  });
});

describe('helm template: every object is valid against the Kubernetes and Prometheus Operator schemas', () => {
  // the Job: the migrations (a hook)
  const APP_KINDS = ['Deployment', 'Job', 'NetworkPolicy', 'Pod', 'PodDisruptionBudget', 'Service', 'ServiceAccount', 'ServiceMonitor'];
  // the ConfigMap: the database chart's initdb script (it creates the app's NOSUPERUSER role)
  const DB_KINDS = ['ConfigMap', 'NetworkPolicy', 'Pod', 'PodDisruptionBudget', 'Secret', 'Service', 'StatefulSet'];
  const BUNDLE_KINDS = ['ConfigMap', 'PrometheusRule'];
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  const EXPECTED: Record<Case, string[]> = {
    day: uniq(APP_KINDS),
    postgresql: uniq(DB_KINDS),
    'day-stack': uniq([...APP_KINDS, ...DB_KINDS, ...BUNDLE_KINDS]),
    'day-stack (EKS)': uniq([...APP_KINDS, ...DB_KINDS, ...BUNDLE_KINDS, 'HorizontalPodAutoscaler', 'Ingress']),
  };

  it.each(CASES)('%s', (c) => {
    const { objects } = render(c);
    expect(uniq(objects.map((o) => o.kind))).toEqual(EXPECTED[c]);
    const results = validateObjects(objects);
    expect(results).toHaveLength(objects.length);
    expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
    // every object in the release's namespace (StorageClass aside: cluster-scoped, and not rendered here)
    for (const o of objects) expect(`${o.kind}/${o.metadata.name} ${o.metadata.namespace}`).toBe(`${o.kind}/${o.metadata.name} ${NAMESPACE}`);
  });

  it('the optional gp3 StorageClass is valid and is what EKS expects', () => {
    const { objects } = template(POSTGRESQL, { namespace: NAMESPACE, set: ['storageClass.create=true'] });
    const sc = one(objects, 'StorageClass');
    expect(validateObjects([sc]).map((r) => r.errors)).toEqual([[]]);
    expect(sc).toMatchObject({
      metadata: { name: 'gp3' },
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true' },
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Retain',
    });
    expect(sc.metadata.namespace).toBeUndefined();
  });
});

describe('restricted pod security, on every pod template and test pod', () => {
  it.each(CASES)('%s', (c) => {
    const pods = podSpecs(render(c).objects);
    expect(pods.length).toBeGreaterThanOrEqual(2); // the workload and its helm test pod at least
    for (const { where, spec } of pods) {
      expect([where, spec.automountServiceAccountToken]).toEqual([where, false]);
      for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) expect([where, key, spec[key] ?? false]).toEqual([where, key, false]);
      expect((spec.volumes ?? []).filter((v: Obj) => v.hostPath)).toEqual([]);
      for (const ctr of [...(spec.initContainers ?? []), ...spec.containers]) {
        const id = `${where} container ${ctr.name}`;
        expect([id, effective(spec, ctr, 'runAsNonRoot')]).toEqual([id, true]);
        const uid = effective(spec, ctr, 'runAsUser');
        expect([id, Number.isInteger(uid) && uid > 0]).toEqual([id, true]);
        expect([id, ctr.securityContext?.readOnlyRootFilesystem]).toEqual([id, true]);
        expect([id, ctr.securityContext?.allowPrivilegeEscalation]).toEqual([id, false]);
        expect([id, ctr.securityContext?.privileged ?? false]).toEqual([id, false]);
        expect([id, ctr.securityContext?.capabilities?.drop]).toEqual([id, ['ALL']]);
        expect([id, ctr.securityContext?.capabilities?.add ?? []]).toEqual([id, []]);
        expect([id, effective(spec, ctr, 'seccompProfile')]).toEqual([id, { type: 'RuntimeDefault' }]);
        for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) expect([id, kind, r, ctr.resources?.[kind]?.[r] !== undefined]).toEqual([id, kind, r, true]);
      }
    }
  });

  it('the read-only root filesystems get writable emptyDirs where the programs write', () => {
    const objects = render('day-stack').objects;
    const mountsFromEmptyDir = (spec: Obj, ctr: Obj) =>
      (ctr.volumeMounts ?? [])
        .filter((m: Obj) => spec.volumes.find((v: Obj) => v.name === m.name)?.emptyDir)
        .map((m: Obj) => m.mountPath)
        .sort();
    const app = appDeployment(objects).spec.template.spec;
    expect(mountsFromEmptyDir(app, container(app, 'day'))).toEqual(['/tmp']);
    const db = database(objects).spec.template.spec;
    expect(mountsFromEmptyDir(db, container(db, 'postgresql'))).toEqual(expect.arrayContaining(['/tmp', '/var/run/postgresql']));
  });

  it('the database runs as the image’s postgres user (999) with fsGroup on its volume', () => {
    const db = database(render('postgresql').objects).spec.template.spec;
    expect(db.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true });
    // PGDATA below the mount point: the volume root may hold lost+found
    expect(env(container(db, 'postgresql'), 'PGDATA').value).toBe('/var/lib/postgresql/data/pgdata');
    expect(container(db, 'postgresql').volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/postgresql/data' });
  });
});

describe('the app: probes, graceful shutdown, availability', () => {
  it.each(['day', ...UMBRELLA_CASES] as Case[])('%s: liveness /healthz, readiness /readyz, on port 8001 named http', (c) => {
    const spec = appDeployment(render(c).objects).spec.template.spec;
    const app = container(spec, 'day');
    // changed on purpose: a second port, metrics (9464), serves /metrics and /admin/* (METRICS_PORT)
    expect(app.ports).toEqual([
      { name: 'http', containerPort: 8001, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9464, protocol: 'TCP' },
    ]);
    expect(env(app, 'PORT').value).toBe('8001');
    expect(env(app, 'METRICS_PORT').value).toBe('9464');
    expect(app.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(app.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(app.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    // changed on purpose: the app listens at once (the Job migrates, readiness waits for the database),
    // so startup covers Node starting only, no longer DB_START_TIMEOUT_MS
    expect(env(app, 'MIGRATE_ON_START').value).toBe('false');
    const startupSeconds = app.startupProbe.periodSeconds * app.startupProbe.failureThreshold;
    expect(startupSeconds).toBeGreaterThanOrEqual(10);
    expect(startupSeconds).toBeLessThan(Number(env(app, 'DB_START_TIMEOUT_MS').value) / 1000);
  });

  it.each(['day', ...UMBRELLA_CASES] as Case[])('%s: preStop sleep outlives the ALB deregistration, and the grace period covers sleep + drain + shutdown', (c) => {
    const { objects } = render(c);
    const spec = appDeployment(objects).spec.template.spec;
    const app = container(spec, 'day');
    const command: string[] = app.lifecycle.preStop.exec.command;
    expect(command[0]).toBe('sleep');
    const sleep = Number(command[1]);
    const drain = Number(env(app, 'DRAIN_DELAY_MS').value) / 1000;
    const shutdown = Number(env(app, 'SHUTDOWN_TIMEOUT_MS').value) / 1000;
    const poolClose = Number(env(app, 'DB_POOL_CLOSE_TIMEOUT_MS').value) / 1000;
    const grace = spec.terminationGracePeriodSeconds;
    expect(sleep).toBeGreaterThan(0);
    expect(drain).toBeGreaterThan(0);
    expect(poolClose).toBe(5);
    expect(sleep).toBeLessThan(grace);
    expect(grace).toBeGreaterThan(sleep + drain + shutdown + poolClose);
    // the deregistration delay: the Ingress's target group attribute when there is an Ingress, the
    // chart's value otherwise
    const ingress = ofKind(objects, 'Ingress')[0];
    const deregistration = ingress
      ? Number(/deregistration_delay\.timeout_seconds=(\d+)/.exec(ingress.metadata.annotations['alb.ingress.kubernetes.io/target-group-attributes'])![1])
      : (readYaml(path.join(DAY, 'values.yaml')) as Obj).ingress.deregistrationDelaySeconds;
    expect(sleep).toBeGreaterThan(deregistration);
  });

  it.each(['day', ...UMBRELLA_CASES] as Case[])('%s: PDB, Service and topology spread select exactly the app pods', (c) => {
    const { objects } = render(c);
    const deployment = appDeployment(objects);
    const podLabels = deployment.spec.template.metadata.labels;
    expect(selects(deployment.spec.selector, podLabels)).toBe(true);
    const pdb = one(objects, 'PodDisruptionBudget', (p) => selects(p.spec.selector, podLabels));
    expect(pdb.spec.selector).toEqual(deployment.spec.selector);
    expect(pdb.spec.maxUnavailable ?? pdb.spec.minAvailable).toBeDefined();
    const service = one(objects, 'Service', (s) => selects({ matchLabels: s.spec.selector }, podLabels));
    // changed on purpose: the metrics port under a name of its own
    expect(service.spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
      { name: 'metrics', port: 9464, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    // the helm test pod is neither behind the Service nor protected by the PDB
    const testPod = one(objects, 'Pod', (p) => p.metadata.name === `${deployment.metadata.name}-test`);
    expect(selects(deployment.spec.selector, testPod.metadata.labels)).toBe(false);
    const spread = deployment.spec.template.spec.topologySpreadConstraints;
    expect(spread.map((t: Obj) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    for (const t of spread) {
      expect(t.labelSelector).toEqual(deployment.spec.selector);
      expect(t.matchLabelKeys).toEqual(['pod-template-hash']);
    }
  });

  it('EKS: zones are a hard spread constraint, the HPA scales the Deployment, which leaves its replicas to it', () => {
    const { objects } = render('day-stack (EKS)');
    const deployment = appDeployment(objects);
    const spread = deployment.spec.template.spec.topologySpreadConstraints;
    expect(spread.find((t: Obj) => t.topologyKey === 'topology.kubernetes.io/zone').whenUnsatisfiable).toBe('DoNotSchedule');
    const hpa = one(objects, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(3);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    expect(deployment.spec.replicas).toBeUndefined();
    // without the HPA (defaults) the Deployment has the replicas
    expect(appDeployment(render('day-stack').objects).spec.replicas).toBe(2);
    expect(ofKind(render('day-stack').objects, 'HorizontalPodAutoscaler')).toEqual([]);
  });

  it('EKS: ALB Ingress in IP mode with the /readyz health check, HTTPS only, the API paths only, to the app Service', () => {
    const { objects } = render('day-stack (EKS)');
    const ingress = one(objects, 'Ingress');
    expect(ingress.spec.ingressClassName).toBe('alb');
    expect(ingress.metadata.annotations).toMatchObject({
      'alb.ingress.kubernetes.io/target-type': 'ip',
      'alb.ingress.kubernetes.io/healthcheck-path': '/readyz',
      'alb.ingress.kubernetes.io/scheme': 'internet-facing',
      'alb.ingress.kubernetes.io/certificate-arn': expect.stringMatching(/^arn:aws:acm:/),
      'alb.ingress.kubernetes.io/ssl-policy': 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      'alb.ingress.kubernetes.io/ssl-redirect': '443',
    });
    expect(JSON.parse(ingress.metadata.annotations['alb.ingress.kubernetes.io/listen-ports'])).toEqual([{ HTTP: 80 }, { HTTPS: 443 }]);
    // changed on purpose: the API prefixes only, never / (which reached /metrics and /admin/*)
    const paths = ingress.spec.rules[0].http.paths;
    expect(paths.map((p: Obj) => `${p.pathType} ${p.path}`)).toEqual(['Prefix /api/day', 'Prefix /api/history']);
    for (const p of paths) expect(p.backend.service.port).toEqual({ name: 'http' });
    const backend = paths[0].backend.service;
    const service = one(objects, 'Service', (s) => s.metadata.name === backend.name);
    expect(service.spec.ports.map((p: Obj) => p.name)).toContain(backend.port.name);
    expect(service.spec.type).toBe('ClusterIP'); // IP mode needs no NodePort
    expect(ofKind(render('day-stack').objects, 'Ingress')).toEqual([]); // disabled by default
  });

  it('EKS: the ServiceAccount carries the IRSA role and is the pods’ account, without a mounted token', () => {
    const { objects } = render('day-stack (EKS)');
    const sa = one(objects, 'ServiceAccount');
    expect(sa.metadata.annotations['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::123456789012:role\/.+/);
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(appDeployment(objects).spec.template.spec.serviceAccountName).toBe(sa.metadata.name);
    expect(one(render('day-stack').objects, 'ServiceAccount').metadata.annotations).toBeUndefined();
  });

  it.each(['day', ...UMBRELLA_CASES] as Case[])('%s: the ServiceMonitor scrapes /metrics as job "day", labelled for kube-prometheus-stack', (c) => {
    const { objects } = render(c);
    const monitor = one(objects, 'ServiceMonitor');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.labels.release).toBe('kube-prometheus-stack');
    const service = one(objects, 'Service', (s) => selects(monitor.spec.selector, s.metadata.labels));
    // changed on purpose: the metrics port, not the API port
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
    expect(service.spec.ports.map((p: Obj) => p.name)).toContain('metrics');
    // the job label comes from this Service label: the bundled SLOs select job="day"
    expect(service.metadata.labels[monitor.spec.jobLabel]).toBe('day');
    expect(readFileSync(path.join(ROOT, 'slo-specs/day/availability.yaml'), 'utf8')).toContain('job="day"');
  });

  it('faults are off by default', () => {
    const app = container(appDeployment(render('day-stack').objects).spec.template.spec, 'day');
    expect([env(app, 'FAULT_ERROR_RATE').value, env(app, 'FAULT_LATENCY_MS').value, env(app, 'FAULT_UNREADY').value]).toEqual(['0', '0', 'false']);
    expect(env(app, 'ADMIN_TOKEN')).toBeUndefined();
  });

  it('ADMIN_TOKEN comes from a Secret when one is named', () => {
    const { objects } = template(DAY, { namespace: NAMESPACE, set: ['adminToken.existingSecret=day-admin'] });
    const app = container(appDeployment(objects).spec.template.spec, 'day');
    expect(env(app, 'ADMIN_TOKEN')).toEqual({ name: 'ADMIN_TOKEN', valueFrom: { secretKeyRef: { name: 'day-admin', key: 'token' } } });
  });
});

describe('the database: storage, probes, network isolation', () => {
  it.each(['postgresql', ...UMBRELLA_CASES] as Case[])('%s: PVCs from volumeClaimTemplates, retained when the StatefulSet goes', (c) => {
    const { objects } = render(c);
    const sts = database(objects);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.volumeClaimTemplates).toHaveLength(1);
    const claim = sts.spec.volumeClaimTemplates[0];
    expect(claim.spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(claim.spec.storageClassName).toBe(c === 'day-stack (EKS)' ? 'gp3' : undefined);
    expect(claim.spec.resources.requests.storage).toBe(c === 'day-stack (EKS)' ? '20Gi' : '8Gi');
    // no separate PVC object: uninstall would delete it
    expect(ofKind(objects, 'PersistentVolumeClaim')).toEqual([]);
    // the governing Service is headless, and a regular one serves clients
    const podLabels = sts.spec.template.metadata.labels;
    const services = ofKind(objects, 'Service').filter((s) => selects({ matchLabels: s.spec.selector }, podLabels));
    const headless = services.find((s) => s.spec.clusterIP === 'None');
    expect(headless?.metadata.name).toBe(sts.spec.serviceName);
    expect(services.filter((s) => s.spec.clusterIP !== 'None').map((s) => s.spec.ports[0].port)).toEqual([5432]);
    const pdb = one(objects, 'PodDisruptionBudget', (p) => selects(p.spec.selector, podLabels));
    expect(pdb.spec.selector).toEqual(sts.spec.selector);
  });

  it('pg_isready probes: readiness needs connections accepted, liveness only an answer', () => {
    const db = container(database(render('postgresql').objects).spec.template.spec, 'postgresql');
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) expect(db[probe].exec.command.join(' ')).toContain('pg_isready');
    expect(db.readinessProbe.exec.command.join(' ')).not.toContain('-ne 2');
    expect(db.livenessProbe.exec.command.join(' ')).toContain('[ $? -ne 2 ]');
  });

  it.each(['postgresql', ...UMBRELLA_CASES] as Case[])('%s: the NetworkPolicy admits only the app (and the chart’s own test pod) on 5432, and DNS out', (c) => {
    const { objects } = render(c);
    const sts = database(objects);
    const dbLabels = sts.spec.template.metadata.labels;
    const policy = one(objects, 'NetworkPolicy', (p) => selects(p.spec.podSelector, dbLabels));
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    // changed on purpose: day-stack admits the day chart's database clients (the app and its migration Job)
    const clientLabels =
      c === 'postgresql'
        ? (readYaml(path.join(POSTGRESQL, 'values.yaml')) as Obj).networkPolicy.clientPodLabels
        : Object.fromEntries(Object.entries((readYaml(path.join(HELM_DIR, 'day-stack/values.yaml')) as Obj).postgresql.networkPolicy.clientPodLabels).filter(([, v]) => v !== null));
    const peers: Obj[] = [];
    for (const rule of policy.spec.ingress) {
      expect(rule.ports.map((p: Obj) => `${p.protocol}/${portNumber(p.port, sts.spec.template.spec)}`)).toEqual(['TCP/5432']);
      expect(rule.from.length).toBeGreaterThan(0); // an empty from would admit everyone
      for (const peer of rule.from) {
        expect(Object.keys(peer)).toEqual(['podSelector']); // same namespace, no ipBlock
        peers.push(peer.podSelector);
      }
    }
    expect(peers[0]).toEqual({ matchLabels: clientLabels });
    // which of the rendered pods get in: the app's, and the database's helm test pod
    const admitted = podSpecs(objects)
      .filter((p) => peers.some((sel) => selects(sel, p.labels)))
      .map((p) => p.where);
    const testPod = one(objects, 'Pod', (p) => p.metadata.name === `${sts.metadata.name}-test`);
    if (c === 'postgresql') expect(admitted).toEqual([`Pod/${testPod.metadata.name}`]);
    else expect(admitted.sort()).toEqual([`Deployment/${appDeployment(objects).metadata.name}`, `Job/${appDeployment(objects).metadata.name}-migrate`, `Pod/${testPod.metadata.name}`].sort());
    expect(hasDnsEgress(policy)).toBe(true);
    expect(policy.spec.egress).toHaveLength(1); // DNS only
  });

  it.each(['day', ...UMBRELLA_CASES] as Case[])(
    '%s: the app’s NetworkPolicy lets in port 8001 (test pod, load balancer), 9464 (monitoring namespace) and out only to the database (5432) and DNS',
    (c) => {
      const { objects } = render(c);
      const deployment = appDeployment(objects);
      const policy = one(objects, 'NetworkPolicy', (p) => selects(p.spec.podSelector, deployment.spec.template.metadata.labels));
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      // changed on purpose: no rule without `from` (which admitted any pod) any more
      const testPod = one(objects, 'Pod', (p) => p.metadata.name === `${deployment.metadata.name}-test`);
      const api = [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'day', 'app.kubernetes.io/instance': 'demo', 'app.kubernetes.io/component': 'test' } } }];
      if (c === 'day-stack (EKS)') api.push({ ipBlock: { cidr: '10.0.0.0/16' } } as Obj);
      expect(policy.spec.ingress).toEqual([
        { ports: [{ port: 'http', protocol: 'TCP' }], from: api },
        { ports: [{ port: 'metrics', protocol: 'TCP' }], from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] },
      ]);
      expect(selects(api[0]!.podSelector, testPod.metadata.labels)).toBe(true);
      for (const rule of policy.spec.ingress) expect(rule.from.length).toBeGreaterThan(0);
      expect(portNumber('http', deployment.spec.template.spec)).toBe(8001);
      expect(portNumber('metrics', deployment.spec.template.spec)).toBe(9464);
      expect(hasDnsEgress(policy)).toBe(true);
      const toDb = policy.spec.egress.filter((r: Obj) => !hasDnsEgress({ spec: { egress: [r] } }));
      expect(toDb).toHaveLength(1);
      expect(toDb[0].ports).toEqual([{ port: 5432, protocol: 'TCP' }]);
      if (c !== 'day') expect(selects(toDb[0].to[0].podSelector, database(objects).spec.template.metadata.labels)).toBe(true);
    },
  );
});

describe('secrets', () => {
  it.each(UMBRELLA_CASES)('%s: the app’s PGPASSWORD and the database’s POSTGRES_PASSWORD come from the Secret the database chart renders', (c) => {
    const { objects } = render(c);
    const secret = generatedSecret(objects);
    expect(secret).toBeDefined();
    expect(secret.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
    // the app's password, and (the database chart's auth.adminSecretKey) the superuser's
    expect(Object.keys(secret.data)).toContain('password');
    expect(secret.stringData).toBeUndefined();
    expect(Buffer.from(secret.data.password, 'base64').toString()).toMatch(/^[A-Za-z0-9]{32}$/);
    const ref = { secretKeyRef: { name: secret.metadata.name, key: 'password' } };
    const app = container(appDeployment(objects).spec.template.spec, 'day');
    expect(env(app, 'PGPASSWORD')).toEqual({ name: 'PGPASSWORD', valueFrom: ref });
    const db = container(database(objects).spec.template.spec, 'postgresql');
    // the app role's password (POSTGRES_APP_PASSWORD since the app role is not the superuser)
    const appPassword = env(db, 'POSTGRES_APP_PASSWORD') ? 'POSTGRES_APP_PASSWORD' : 'POSTGRES_PASSWORD';
    expect(env(db, appPassword)).toEqual({ name: appPassword, valueFrom: ref });
    const dbTest = one(objects, 'Pod', (p) => p.metadata.name === `${database(objects).metadata.name}-test`);
    expect(env(dbTest.spec.containers[0], 'PGPASSWORD')).toEqual({ name: 'PGPASSWORD', valueFrom: ref });
    // the rest of the connection: the database's client Service, its database and user
    const service = one(objects, 'Service', (s) => s.metadata.name === env(app, 'PGHOST').value);
    expect(selects({ matchLabels: service.spec.selector }, database(objects).spec.template.metadata.labels)).toBe(true);
    expect(env(app, 'PGPORT').value).toBe(String(service.spec.ports[0].port));
    expect(env(app, 'PGDATABASE').value).toBe((env(db, 'POSTGRES_APP_DATABASE') ?? env(db, 'POSTGRES_DB')).value);
    expect(env(app, 'PGUSER').value).toBe((env(db, 'POSTGRES_APP_USER') ?? env(db, 'POSTGRES_USER')).value);
    // the app and its migration Job never get the superuser's password
    for (const { spec } of podSpecs(objects).filter((p) => p.labels['app.kubernetes.io/name'] === 'day'))
      for (const ctr of spec.containers) for (const e of ctr.env ?? []) if (e.valueFrom?.secretKeyRef?.name === secret.metadata.name) expect(e.valueFrom.secretKeyRef.key).toBe('password');
  });

  it.each(CASES)('%s: no password in plain text anywhere but the generated Secret’s data', (c) => {
    const r = render(c);
    const secret = generatedSecret(r.objects);
    for (const o of r.objects as Obj[]) {
      if (o.kind === 'Secret') {
        expect(o).toBe(secret); // the only Secret
        expect(o.stringData).toBeUndefined();
      }
    }
    for (const { where, spec } of podSpecs(r.objects)) {
      for (const ctr of spec.containers) {
        for (const e of ctr.env ?? []) {
          if (/PASSWORD|TOKEN|SECRET/i.test(e.name)) expect([where, e.name, e.value]).toEqual([where, e.name, undefined]);
        }
        expect(ctr.envFrom).toBeUndefined();
      }
    }
    if (secret) {
      // the password shows up once, as the Secret's data, and nowhere in clear
      const encoded = secret.data.password as string;
      const clear = Buffer.from(encoded, 'base64').toString();
      expect(r.text.split(encoded).length - 1).toBe(1);
      expect(r.text).not.toContain(clear);
    }
  });

  it('no values file has a password or token value', () => {
    const files = ['day/values.yaml', 'postgresql/values.yaml', 'day-stack/values.yaml', 'values-eks.yaml'].map((f) => path.join(HELM_DIR, f));
    const found: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, `${at}.${k}`);
      // naming a Secret or a key in it is fine; a value under any other password/token/secret key is not
      else if (/pass|token|secret/i.test(at.split('.').pop()!) && !/\.(existingSecret|secretKey|adminSecretKey)$/.test(at) && node !== '' && node !== null) found.push(`${at}=${String(node)}`);
    };
    for (const f of files) walk(readYaml(f), path.relative(HELM_DIR, f));
    expect(found).toEqual([]);
  });

  it('postgresql with auth.existingSecret: no Secret rendered, the database and its test use the existing one', () => {
    const { objects } = template(POSTGRESQL, { namespace: NAMESPACE, set: ['auth.existingSecret=day-db-credentials', 'auth.secretKey=pg-password'] });
    expect(ofKind(objects, 'Secret')).toEqual([]);
    const ref = { secretKeyRef: { name: 'day-db-credentials', key: 'pg-password' } };
    const db = container(database(objects).spec.template.spec, 'postgresql');
    expect((env(db, 'POSTGRES_APP_PASSWORD') ?? env(db, 'POSTGRES_PASSWORD')).valueFrom).toEqual(ref);
    expect(env(one(objects, 'Pod').spec.containers[0], 'PGPASSWORD').valueFrom).toEqual(ref);
  });

  it('day-stack with an existing Secret: no Secret rendered, the app and the database use it', () => {
    const set = ['postgresql.auth.existingSecret=day-db-credentials', 'day.database.existingSecret=day-db-credentials'];
    const { objects } = template(stack, { namespace: NAMESPACE, values: [EKS_VALUES], set });
    expect(ofKind(objects, 'Secret')).toEqual([]);
    const ref = { secretKeyRef: { name: 'day-db-credentials', key: 'password' } };
    expect(env(container(appDeployment(objects).spec.template.spec, 'day'), 'PGPASSWORD').valueFrom).toEqual(ref);
    expect(env(container(one(objects, 'Job').spec.template.spec, 'migrate'), 'PGPASSWORD').valueFrom).toEqual(ref);
    const db = container(database(objects).spec.template.spec, 'postgresql');
    expect((env(db, 'POSTGRES_APP_PASSWORD') ?? env(db, 'POSTGRES_PASSWORD')).valueFrom).toEqual(ref);
  });

  it('day-stack’s wiring does not depend on the release name', () => {
    const { objects } = template(stack, { release: 'another-name', namespace: 'elsewhere' });
    const app = container(appDeployment(objects).spec.template.spec, 'day');
    expect(env(app, 'PGHOST').value).toBe('day-postgresql');
    expect(env(app, 'PGPASSWORD').valueFrom.secretKeyRef.name).toBe(generatedSecret(objects).metadata.name);
    expect(generatedSecret(objects).metadata.name).toBe('day-postgresql');
  });
});

describe('values that break the schema or the charts’ rules are refused, naming the field', () => {
  const day = () => DAY;
  const pg = () => POSTGRESQL;
  const umbrella = () => stack;
  const cases: [string, () => string, string[], RegExp][] = [
    ['a negative replica count', day, ['--set', 'replicaCount=-1'], /replicaCount: Must be greater than or equal to 0/],
    ['a numeric image tag', day, ['--set', 'image.tag=123'], /image\.tag: Invalid type\. Expected: string, given: integer/],
    ['an unknown key', day, ['--set', 'unknownKey=1'], /\(root\): Additional property unknownKey is not allowed/],
    ['a misspelt nested key', day, ['--set', 'autoscaling.enable=true'], /autoscaling: Additional property enable is not allowed/],
    ['a wrong Service type', day, ['--set', 'service.type=External'], /service\.type must be one of the following: "ClusterIP", "NodePort", "LoadBalancer"/],
    ['an unknown pull policy', day, ['--set', 'image.pullPolicy=Sometimes'], /image\.pullPolicy must be one of the following/],
    ['root', day, ['--set', 'podSecurityContext.runAsUser=0'], /podSecurityContext\.runAsUser: Must be greater than or equal to 1/],
    ['no limits', day, ['--set', 'resources.limits=null'], /resources: limits is required/],
    ['a CPU quantity that is not one', day, ['--set', 'resources.requests.cpu=lots'], /resources\.requests\.cpu/],
    ['an error rate above 1', day, ['--set', 'faults.errorRate=2'], /faults\.errorRate: Must be less than or equal to 1/],
    ['a numeric ServiceMonitor label', day, ['--set', 'serviceMonitor.labels.release=1'], /serviceMonitor\.labels\.release: Invalid type\. Expected: string, given: integer/],
    ['no database Secret', day, ['--set', 'database.existingSecret='], /database\.existingSecret: String length must be greater than or equal to 1/],
    ['a wrong ALB scheme', day, ['--set', 'ingress.scheme=public'], /ingress\.scheme must be one of the following: "internet-facing", "internal"/],
    [
      'a chart-managed ALB annotation',
      day,
      ['--set', 'ingress.annotations.alb\\.ingress\\.kubernetes\\.io/target-type=instance'],
      /ingress\.annotations: Property name of "alb\.ingress\.kubernetes\.io\/target-type" does not match/,
    ],
    [
      'a wrong whenUnsatisfiable',
      day,
      ['--set-json', 'topologySpreadConstraints=[{"topologyKey":"topology.kubernetes.io/zone","maxSkew":1,"whenUnsatisfiable":"Sometimes"}]'],
      /topologySpreadConstraints\.0\.whenUnsatisfiable must be one of the following: "DoNotSchedule", "ScheduleAnyway"/,
    ],
    [
      'a preStop sleep shorter than the deregistration delay',
      day,
      ['--set', 'shutdown.preStopSleepSeconds=5'],
      /shutdown\.preStopSleepSeconds \(5\) must be longer than ingress\.deregistrationDelaySeconds \(10\)/,
    ],
    [
      'minReplicas above maxReplicas',
      day,
      ['--set', 'autoscaling.enabled=true,autoscaling.minReplicas=5,autoscaling.maxReplicas=2'],
      /autoscaling\.minReplicas \(5\) must not exceed autoscaling\.maxReplicas \(2\)/,
    ],
    ['both minAvailable and maxUnavailable', day, ['--set', 'podDisruptionBudget.minAvailable=1'], /podDisruptionBudget: set exactly one of minAvailable and maxUnavailable/],
    ['a password in values', pg, ['--set', 'auth.password=hunter2'], /auth: Additional property password is not allowed/],
    ['a negative storage size', pg, ['--set', 'persistence.size=-1Gi'], /persistence\.size: Does not match pattern/],
    ['a storage size without unit', pg, ['--set', 'persistence.size=20'], /persistence\.size: Invalid type\. Expected: string, given: integer/],
    ['an unknown reclaim policy', pg, ['--set', 'storageClass.reclaimPolicy=Recycle'], /storageClass\.reclaimPolicy must be one of the following: "Retain", "Delete"/],
    ['a user name PostgreSQL would need quoted', pg, ['--set', 'auth.username=Day-User'], /auth\.username: Does not match pattern/],
    ['an empty client selector (everyone)', pg, ['--set', 'networkPolicy.clientPodLabels=null'], /networkPolicy: clientPodLabels is required/],
    ['a subchart value through the umbrella', umbrella, ['--set', 'day.replicaCount=-1'], /day:\n- replicaCount: Must be greater than or equal to 0/],
    ['a database password through the umbrella', umbrella, ['--set', 'postgresql.auth.password=hunter2'], /postgresql:\n- auth: Additional property password is not allowed/],
    ['a misspelt subchart', umbrella, ['--set', 'postgres.enabled=false'], /day-stack:\n- \(root\): Additional property postgres is not allowed/],
    [
      'the database Secret changed on one side only',
      umbrella,
      ['--set', 'postgresql.auth.existingSecret=mine'],
      /day\.database\.existingSecret \(day-postgresql\) must be the Secret the postgresql chart uses, mine/,
    ],
    ['the database user changed on one side only', umbrella, ['--set', 'postgresql.auth.username=other'], /day\.database\.user \(day\) must equal postgresql\.auth\.username \(other\)/],
    // blocker 1: no public plain HTTP, and the API port only for the load balancer
    [
      'an internet-facing ALB without a certificate',
      day,
      ['--set', 'ingress.enabled=true,ingress.scheme=internet-facing', '--set-json', 'networkPolicy.ingressFrom=[{"ipBlock":{"cidr":"10.0.0.0/16"}}]'],
      /ingress\.certificateArn must be set for an internet-facing ALB \(ingress\.scheme internet-facing\)/,
    ],
    ['the EKS values without their certificate', umbrella, ['--values', EKS_VALUES, '--set', 'day.ingress.certificateArn='], /ingress\.certificateArn must be set for an internet-facing ALB/],
    [
      'an Ingress the NetworkPolicy would not let in',
      day,
      ['--set', 'ingress.enabled=true,ingress.scheme=internal'],
      /networkPolicy\.ingressFrom must name the load balancer when ingress\.enabled is true/,
    ],
    ['routing / (metrics and admin) through the Ingress', day, ['--set', 'ingress.paths={/}'], /ingress\.paths\.0: Does not match pattern/],
    ['routing /metrics through the Ingress', day, ['--set', 'ingress.paths={/metrics}'], /ingress\.paths\.0: Does not match pattern/],
    ['a TLS policy allowing TLS 1.0', day, ['--set', 'ingress.sslPolicy=ELBSecurityPolicy-2016-08'], /ingress\.sslPolicy: Does not match pattern/],
    [
      'listen-ports as a free annotation',
      day,
      ['--set', 'ingress.annotations.alb\\.ingress\\.kubernetes\\.io/listen-ports=x'],
      /ingress\.annotations: Property name of "alb\.ingress\.kubernetes\.io\/listen-ports" does not match/,
    ],
    ['the metrics port on the API port', day, ['--set', 'service.metricsPort=80'], /service\.metricsPort \(80\) must differ from service\.port \(80\)/],
    // blocker 3: the connection budget
    [
      'more connections than the database allows',
      day,
      ['--set', 'autoscaling.enabled=true,autoscaling.maxReplicas=20'],
      /database connections: \(20 pods \(autoscaling\.maxReplicas\) \+ 5 surge \(rollout\.maxSurge 25%\)\) x \(5 pool \(config\.dbPoolMax\) \+ 1 readiness ping\) \+ 5 migration Job = 155, more than database\.maxConnections \(100\) - database\.reservedConnections \(3\) = 97\. Lower autoscaling\.maxReplicas, rollout\.maxSurge or config\.dbPoolMax/,
    ],
    [
      'the old pool of 10 with the EKS values',
      umbrella,
      ['--values', EKS_VALUES, '--set', 'day.config.dbPoolMax=10'],
      /\(10 pods \(autoscaling\.maxReplicas\) \+ 3 surge .* x \(10 pool \(config\.dbPoolMax\) \+ 1 readiness ping\) \+ 10 migration Job = 153, more than database\.maxConnections \(100\)/,
    ],
    ['a fixed replica count over the budget', day, ['--set', 'replicaCount=16'], /\(16 pods \(replicaCount\) \+ 4 surge .* = 125, more than/],
    ['reservedConnections not below maxConnections', day, ['--set', 'database.maxConnections=3'], /database\.reservedConnections \(3\) must be less than database\.maxConnections \(3\)/],
    [
      'the app and the server disagreeing on max_connections',
      umbrella,
      ['--set', 'day.database.maxConnections=200'],
      /day\.database\.maxConnections \(200\) must equal postgresql\.settings\.maxConnections \(100\)/,
    ],
    // blocker 4: TLS to the database
    ['an unknown sslMode', day, ['--set', 'database.sslMode=prefer'], /database\.sslMode must be one of the following: "disable", "require", "verify-ca", "verify-full"/],
    ['a CA bundle with TLS off', day, ['--set', 'database.caBundle.existingConfigMap=rds-ca'], /database\.caBundle is set but database\.sslMode is disable/],
    [
      'a CA bundle from two sources',
      day,
      ['--set', 'database.sslMode=verify-full,database.caBundle.existingConfigMap=a,database.caBundle.existingSecret=b'],
      /database\.caBundle: set existingConfigMap or existingSecret, not both/,
    ],
    // blocker 5: extraEnv, extraVolumes, extraVolumeMounts
    ['an extraEnv entry without a name', day, ['--set-json', 'extraEnv=[{"value":"x"}]'], /extraEnv\.0: name is required/],
    ['an extraEnv entry with an unknown key', day, ['--set-json', 'extraEnv=[{"name":"A","valu":"x"}]'], /extraEnv\.0: Additional property valu is not allowed/],
    ['an extraEnv value that is a number', day, ['--set-json', 'extraEnv=[{"name":"A","value":1}]'], /extraEnv\.0\.value: Invalid type\. Expected: string, given: integer/],
    [
      'an extraEnv entry with value and valueFrom',
      day,
      ['--set-json', 'extraEnv=[{"name":"A","value":"x","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}]'],
      /extraEnv\.0: Must not validate the schema \(not\)/,
    ],
    ['an extraEnv variable the chart sets', day, ['--set-json', 'extraEnv=[{"name":"MIGRATE_ON_START","value":"true"}]'], /extraEnv\[0\]\.name MIGRATE_ON_START is managed by the chart/],
    ['a hostPath extraVolume', day, ['--set-json', 'extraVolumes=[{"name":"host","hostPath":{"path":"/"}}]'], /extraVolumes\.0\.hostPath: False always fails validation/],
    ['an extraVolumeMount without mountPath', day, ['--set-json', 'extraVolumeMounts=[{"name":"x"}]'], /extraVolumeMounts\.0: mountPath is required/],
    // blocker 6: supply chain
    ['image.tag latest', day, ['--set', 'image.tag=latest'], /image\.tag: Must not validate the schema \(not\)/],
    ['a digest that is not sha256', day, ['--set', 'image.digest=md5:abc'], /image\.digest: Does not match pattern/],
    // blocker 8
    ['serviceMonitor.enabled=maybe', day, ['--set', 'serviceMonitor.enabled=maybe'], /serviceMonitor\.enabled/],
    ['a metrics peer that admits every namespace', day, ['--set', 'networkPolicy.metricsFrom.namespaceLabels=null'], /networkPolicy\.metricsFrom: namespaceLabels is required/],
    [
      'an unknown key in a NetworkPolicy peer',
      day,
      ['--set-json', 'networkPolicy.ingressFrom=[{"ipBlok":{"cidr":"10.0.0.0/16"}}]'],
      /networkPolicy\.ingressFrom\.0: Additional property ipBlok is not allowed/,
    ],
    ['a slo-bundle service name with a slash', umbrella, ['--set', 'slo-bundle.services={a/b}'], /slo-bundle:\n- services\.0: Does not match pattern/],
  ];

  it.each(cases)('%s', (_name, chart, args, message) => {
    const r = renderFailure(chart(), args);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });
});

describe('golden renderings of day-stack (app and database)', () => {
  /** The umbrella's rendering without slo-bundle's documents, the password masked, with a header. */
  function golden(c: Case, values: string): string {
    const text = maskPassword(render(c));
    const docs = text.split(/^---\n/m).filter((d) => d.trim() !== '' && !d.startsWith('# Source: day-stack/charts/slo-bundle/'));
    const header = [
      `# helm template demo helm/day-stack --namespace ${NAMESPACE} ${MONITORING_API.join(' ')}${values}`,
      '# Written by test/helm/charts.test.ts (UPDATE_GOLDEN=1); the slo-bundle documents are left out and',
      `# the generated database password reads ${MASK} ("GENERATED").`,
    ].join('\n');
    return `${header}\n${docs.map((d) => `---\n${d}`).join('')}`;
  }

  it.each([
    ['default.yaml', 'day-stack' as Case, ''],
    ['eks.yaml', 'day-stack (EKS)' as Case, ' --values helm/values-eks.yaml'],
  ])('%s', (file, c, values) => {
    const actual = golden(c, values);
    expect(actual).toContain(`password: "${MASK}"`);
    const target = path.join(GOLDEN_DIR, file);
    if (UPDATE) writeFileSync(target, actual);
    expect(actual).toBe(readFileSync(target, 'utf8'));
    // what the golden holds parses back to the objects
    expect(parseAllDocuments(actual).length).toBeGreaterThan(10);
  });

  it.each(UMBRELLA_CASES)('%s renders byte-identically twice, the random password aside', (c) => {
    const again = template(stack, { namespace: NAMESPACE, values: c === 'day-stack (EKS)' ? [EKS_VALUES] : [] });
    expect(maskPassword(again)).toBe(maskPassword(render(c)));
    // and the password is really generated per render (helm template cannot look up the live Secret)
    expect(generatedSecret(again.objects).data.password).not.toBe(generatedSecret(render(c).objects).data.password);
  });
});

// ---------------------------------------------------------------------------------------------------
// production readiness: metrics off the public port, migrations as a hook, the connection budget, TLS to
// the database, extra env and volumes, image pinning, which SLOs, monitoring objects only with their API

describe('the metrics and admin port is not the public one', () => {
  it.each(['day', ...UMBRELLA_CASES] as Case[])('%s: /metrics and /admin/* on their own port, which only the ServiceMonitor uses', (c) => {
    const { objects } = render(c);
    const deployment = appDeployment(objects);
    const service = one(objects, 'Service', (s) => selects({ matchLabels: s.spec.selector }, deployment.spec.template.metadata.labels));
    const metrics = service.spec.ports.find((p: Obj) => p.name === 'metrics');
    expect(metrics).toEqual({ name: 'metrics', port: 9464, targetPort: 'metrics', protocol: 'TCP' });
    expect(portNumber(metrics.targetPort, deployment.spec.template.spec)).toBe(Number(env(container(deployment.spec.template.spec, 'day'), 'METRICS_PORT').value));
    expect(one(objects, 'ServiceMonitor').spec.endpoints.map((e: Obj) => e.port)).toEqual(['metrics']);
    for (const ingress of ofKind(objects, 'Ingress'))
      for (const rule of ingress.spec.rules)
        for (const p of rule.http.paths) {
          expect(p.backend.service.port).toEqual({ name: 'http' });
          expect(p.path).toMatch(/^\/api\//);
        }
  });

  it('the API paths routed are the app’s API routes', () => {
    const routes = [...readFileSync(path.join(ROOT, 'packages/demo-app/src/app.ts'), 'utf8').matchAll(/app\.(?:get|put|post|delete)\('(\/api\/[^']+)'/g)].map((m) => m[1]);
    expect(routes.length).toBeGreaterThan(0);
    const paths = one(render('day-stack (EKS)').objects, 'Ingress').spec.rules[0].http.paths.map((p: Obj) => p.path);
    expect([...new Set(routes)].sort()).toEqual([...paths].sort());
  });

  it('an internal ALB without a certificate listens on HTTP 80 only, without TLS annotations', () => {
    const { objects } = template(DAY, { set: ['ingress.enabled=true', 'ingress.scheme=internal'], setJson: ['networkPolicy.ingressFrom=[{"ipBlock":{"cidr":"10.0.0.0/16"}}]'] });
    const a = one(objects, 'Ingress').metadata.annotations;
    expect(JSON.parse(a['alb.ingress.kubernetes.io/listen-ports'])).toEqual([{ HTTP: 80 }]);
    expect(a['alb.ingress.kubernetes.io/certificate-arn']).toBeUndefined();
    expect(a['alb.ingress.kubernetes.io/ssl-redirect']).toBeUndefined();
  });
});

describe('migrations: a hook Job, not every pod at start', () => {
  const job = (objects: K8sObject[]): Obj => one(objects, 'Job');

  it.each(['day', ...UMBRELLA_CASES] as Case[])('%s: post-install and pre-upgrade, `node dist/main.js migrate` with the app’s database env', (c) => {
    const { objects } = render(c);
    const j = job(objects);
    expect(j.metadata.name).toBe(`${appDeployment(objects).metadata.name}-migrate`);
    // post-install, not pre-install: in day-stack the database is created by the same install (helm/README.md)
    expect(j.metadata.annotations).toEqual({
      'helm.sh/hook': 'post-install,pre-upgrade',
      'helm.sh/hook-weight': '-5',
      'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
    });
    const spec = j.spec.template.spec;
    const migrate = container(spec, 'migrate');
    expect(migrate.command).toEqual(['node', 'dist/main.js', 'migrate']);
    expect(spec.restartPolicy).toBe('Never');
    // a database that starts within minutes: retries, each waiting DB_START_TIMEOUT_MS, within a deadline
    expect(j.spec.backoffLimit).toBeGreaterThanOrEqual(3);
    expect(j.spec.activeDeadlineSeconds).toBeGreaterThan((Number(env(migrate, 'DB_START_TIMEOUT_MS').value) / 1000) * 3);
    expect(j.spec.activeDeadlineSeconds).toBeLessThan(600); // the guide's helm --timeout 10m
    // the same connection as the app: host, role, Secret, TLS, pool
    const app = container(appDeployment(objects).spec.template.spec, 'day');
    const dbEnv = ['PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD', 'DB_SSL_MODE', 'DB_POOL_MAX', 'DB_CONNECT_TIMEOUT_MS', 'DB_QUERY_TIMEOUT_MS', 'DB_START_TIMEOUT_MS'];
    for (const name of dbEnv) expect([name, env(migrate, name)]).toEqual([name, env(app, name)]);
    expect(env(app, 'MIGRATE_ON_START').value).toBe('false');
    expect(env(migrate, 'MIGRATE_ON_START')).toBeUndefined();
    expect(spec.serviceAccountName).toBe(appDeployment(objects).spec.template.spec.serviceAccountName);
    // not behind the Service, not counted by the PDB, a database client
    const labels = j.spec.template.metadata.labels;
    expect(selects(appDeployment(objects).spec.selector, labels)).toBe(false);
    expect(labels['slo-engine.dev/database-client']).toBe('true');
  });

  it('migrations.enabled=false: no Job, the pods migrate as they start', () => {
    const { objects } = template(DAY, { set: ['migrations.enabled=false'] });
    expect(ofKind(objects, 'Job')).toEqual([]);
    expect(env(container(appDeployment(objects).spec.template.spec, 'day'), 'MIGRATE_ON_START').value).toBe('true');
  });
});

describe('the connection budget fits the database', () => {
  it.each(['day', ...UMBRELLA_CASES] as Case[])('%s: (pods + surge) x (pool + 1) + the Job’s pool <= max_connections - reserved', (c) => {
    const { objects } = render(c);
    const deployment = appDeployment(objects);
    const hpa = ofKind(objects, 'HorizontalPodAutoscaler')[0];
    const pods: number = hpa ? hpa.spec.maxReplicas : deployment.spec.replicas;
    const surgeValue = deployment.spec.strategy.rollingUpdate.maxSurge;
    const surge = typeof surgeValue === 'string' ? Math.ceil((pods * Number(surgeValue.replace('%', ''))) / 100) : surgeValue;
    const pool = Number(env(container(deployment.spec.template.spec, 'day'), 'DB_POOL_MAX').value);
    expect(pool).toBe(5);
    const jobPool = Number(env(container(one(objects, 'Job').spec.template.spec, 'migrate'), 'DB_POOL_MAX').value);
    const total = (pods + surge) * (pool + 1) + jobPool;
    // the server's max_connections: the database's own argument in day-stack, the chart default otherwise
    let max = 100;
    if (c !== 'day') {
      const args: string[] = container(database(objects).spec.template.spec, 'postgresql').args ?? [];
      const arg = args.find((a) => a.startsWith('max_connections='));
      if (arg) max = Number(arg.split('=')[1]);
    }
    expect(total).toBeLessThanOrEqual(max - 3);
    if (c === 'day-stack (EKS)') expect({ pods, surge, total }).toEqual({ pods: 10, surge: 3, total: 83 });
  });
});

describe('TLS to the database', () => {
  it.each(['day', ...UMBRELLA_CASES] as Case[])('%s: sslMode disable by default (the in-cluster PostgreSQL has no TLS), no CA file', (c) => {
    const app = container(appDeployment(render(c).objects).spec.template.spec, 'day');
    expect(env(app, 'DB_SSL_MODE').value).toBe('disable');
    expect(env(app, 'DB_SSL_CA_FILE')).toBeUndefined();
  });

  it.each([
    ['a ConfigMap', 'database.caBundle.existingConfigMap=rds-ca', { configMap: { name: 'rds-ca', items: [{ key: 'global-bundle.pem', path: 'global-bundle.pem' }] } }],
    ['a Secret', 'database.caBundle.existingSecret=rds-ca', { secret: { secretName: 'rds-ca', items: [{ key: 'global-bundle.pem', path: 'global-bundle.pem' }] } }],
  ])('RDS: verify-full with the CA bundle from %s, mounted read-only in the app and the Job', (_what, source, volume) => {
    const { objects } = template(DAY, { set: ['database.sslMode=verify-full', 'database.host=day.abc.eu-west-1.rds.amazonaws.com', 'database.caBundle.key=global-bundle.pem', source] });
    for (const spec of [appDeployment(objects).spec.template.spec, one(objects, 'Job').spec.template.spec]) {
      const ctr = spec.containers[0];
      expect(env(ctr, 'DB_SSL_MODE').value).toBe('verify-full');
      const file = env(ctr, 'DB_SSL_CA_FILE').value;
      const mount = ctr.volumeMounts.find((m: Obj) => file.startsWith(`${m.mountPath}/`));
      expect(mount).toMatchObject({ name: 'db-ca', readOnly: true });
      expect(file).toBe(`${mount.mountPath}/global-bundle.pem`);
      expect(spec.volumes.find((v: Obj) => v.name === 'db-ca')).toEqual({ name: 'db-ca', ...volume });
    }
    expect(validateObjects(objects).filter((r) => r.errors.length)).toEqual([]);
  });
});

describe('extraEnv, extraVolumes, extraVolumeMounts', () => {
  it('go to the app and the migration Job, and pass the Kubernetes schema', () => {
    const { objects } = template(DAY, {
      setJson: [
        'extraEnv=[{"name":"NODE_OPTIONS","value":"--max-old-space-size=192"},{"name":"POD_NAME","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},{"name":"FEATURE","valueFrom":{"configMapKeyRef":{"name":"flags","key":"feature","optional":true}}}]',
        'extraVolumes=[{"name":"certs","secret":{"secretName":"client-cert"}}]',
        'extraVolumeMounts=[{"name":"certs","mountPath":"/etc/day/client","readOnly":true}]',
      ],
    });
    for (const spec of [appDeployment(objects).spec.template.spec, one(objects, 'Job').spec.template.spec]) {
      const ctr = spec.containers[0];
      expect(env(ctr, 'NODE_OPTIONS').value).toBe('--max-old-space-size=192');
      expect(env(ctr, 'POD_NAME').valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
      expect(env(ctr, 'FEATURE').valueFrom.configMapKeyRef.optional).toBe(true);
      expect(spec.volumes).toContainEqual({ name: 'certs', secret: { secretName: 'client-cert' } });
      expect(ctr.volumeMounts).toContainEqual({ name: 'certs', mountPath: '/etc/day/client', readOnly: true });
      expect(ctr.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    }
    expect(validateObjects(objects).filter((r) => r.errors.length)).toEqual([]);
  });
});

describe('images', () => {
  it('an empty tag is the appVersion, a digest pins the image in the app, the Job and the test pod', () => {
    const appVersion = (readYaml(path.join(DAY, 'Chart.yaml')) as Obj).appVersion;
    expect(container(appDeployment(render('day').objects).spec.template.spec, 'day').image).toBe(`day:${appVersion}`);
    const digest = `sha256:${'a'.repeat(64)}`;
    const { objects } = template(DAY, { set: [`image.digest=${digest}`, 'image.repository=registry.example.com/slo-engine/day'] });
    for (const { spec } of podSpecs(objects)) expect(spec.containers[0].image).toBe(`registry.example.com/slo-engine/day@${digest}`);
  });
});

describe('availability during a rollout and a database outage', () => {
  it.each(['day', ...UMBRELLA_CASES] as Case[])('%s: rollouts never go below capacity; unready pods (a database outage) do not block node drains', (c) => {
    const { objects } = render(c);
    const deployment = appDeployment(objects);
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: '25%' });
    const pdb = one(objects, 'PodDisruptionBudget', (p) => selects(p.spec.selector, deployment.spec.template.metadata.labels));
    expect(pdb.spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
    // readiness follows the database, liveness does not (an outage must not restart the pods)
    const app = container(deployment.spec.template.spec, 'day');
    expect([app.readinessProbe.httpGet.path, app.livenessProbe.httpGet.path]).toEqual(['/readyz', '/healthz']);
  });
});

describe('slo-bundle in day-stack: the day service’s SLOs only', () => {
  it.each(UMBRELLA_CASES)('%s', (c) => {
    const bundle = render(c).objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/name'] === 'slo-bundle');
    const services = new Set(bundle.map((o) => o.metadata.labels?.['slo-engine/service'] ?? '(overview)'));
    expect([...services].sort()).toEqual(['(overview)', 'day']);
    expect(
      ofKind(bundle, 'PrometheusRule')
        .map((o) => o.metadata.name)
        .sort(),
      // and the rules they share (a top-level file, rendered with any service)
    ).toEqual(['day-day-api-availability', 'day-day-lookup-latency', 'slo-shared-slo-specs']);
  });
});

describe('the ServiceMonitor and PrometheusRules need the Prometheus Operator’s API', () => {
  it('without it (auto): day and day-stack render neither, and the rest is unchanged', () => {
    for (const chart of [DAY, stack]) {
      const without = template(chart, { apiVersions: false });
      expect(ofKind(without.objects, 'ServiceMonitor')).toEqual([]);
      expect(ofKind(without.objects, 'PrometheusRule')).toEqual([]);
      const withApi = template(chart);
      const rest = (r: Rendered) => r.objects.filter((o) => o.apiVersion !== 'monitoring.coreos.com/v1' && o.kind !== 'Secret').map((o) => `${o.kind}/${o.metadata.name}`);
      expect(rest(without)).toEqual(rest(withApi));
      expect(ofKind(withApi.objects, 'ServiceMonitor')).toHaveLength(1);
    }
  });

  it('forced with true (as values-eks.yaml does): rendered without the API, so a missing CRD fails the install', () => {
    const eks = template(stack, { values: [EKS_VALUES], apiVersions: false });
    expect(ofKind(eks.objects, 'ServiceMonitor')).toHaveLength(1);
    expect(ofKind(eks.objects, 'PrometheusRule').length).toBeGreaterThan(0);
    expect(ofKind(template(DAY, { set: ['serviceMonitor.enabled=false'] }).objects, 'ServiceMonitor')).toEqual([]);
  });
});
