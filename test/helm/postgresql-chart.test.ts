// @integration: runs helm
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { HELM, helm, ROOT, template, validateObjects, type K8sObject } from '../support/helm';

/**
 * The postgresql chart on its own, with a real helm: the admin/app split (init script, both passwords in
 * one Secret), server settings, /dev/shm, the scheduled backup (pvc and s3), the NetworkPolicies, the
 * schema's refusals, and the upgrade-time checks that need `lookup` (an existing Secret's passwords kept,
 * a persistence.size change refused). Those run `helm template --dry-run=server` against a minimal fake
 * API server in this process that answers discovery and the two GETs the chart makes.
 *
 * The init script and the backup command are run against a real PostgreSQL in
 * test/e2e/postgres-chart.test.ts.
 */

const CHART = path.join(ROOT, 'helm/postgresql');
const EKS_VALUES = path.join(ROOT, 'helm/values-eks.yaml');
const NAMESPACE = 'slo-demo';

// biome-ignore lint/suspicious/noExplicitAny: any rendered Kubernetes object, read deep by path; a wrong path fails the assertion that reads it
type Obj = any;
let work = '';

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'slo-engine-pgchart-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const render = (set: string[] = [], values: string[] = []) => template(CHART, { namespace: NAMESPACE, set, values });
const ofKind = (objects: K8sObject[], kind: string): Obj[] => objects.filter((o) => o.kind === kind);
function one(objects: K8sObject[], kind: string, pred: (o: Obj) => boolean = () => true): Obj {
  const found = ofKind(objects, kind).filter(pred);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0];
}
const sts = (objects: K8sObject[]) => one(objects, 'StatefulSet');
const dbContainer = (objects: K8sObject[]) => sts(objects).spec.template.spec.containers.find((c: Obj) => c.name === 'postgresql');
const env = (c: Obj, name: string): Obj => (c.env ?? []).find((e: Obj) => e.name === name);
const selects = (selector: { matchLabels?: Record<string, string> } | undefined, labels: Record<string, string> | undefined) =>
  !!selector && Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
const cronPod = (objects: K8sObject[]) => one(objects, 'CronJob').spec.jobTemplate.spec.template;
const kinds = (objects: K8sObject[]) => [...new Set(objects.map((o) => o.kind))].sort();
function expectValid(objects: K8sObject[]): void {
  expect(validateObjects(objects).filter((r) => r.errors.length > 0)).toEqual([]);
  for (const o of objects) if (o.kind !== 'StorageClass') expect(`${o.kind}/${o.metadata.name} ${o.metadata.namespace}`).toBe(`${o.kind}/${o.metadata.name} ${NAMESPACE}`);
}
function failure(args: string[]): string {
  const r = helm(['template', 'demo', CHART, '--namespace', NAMESPACE, ...args]);
  expect(r.code).not.toBe(0);
  return r.stderr;
}

/** The EKS values of the postgresql chart: helm/values-eks.yaml's `postgresql:` section, as day-stack passes it. */
function eksValuesFile(extra: Obj = {}): string {
  const section = (parse(readFileSync(EKS_VALUES, 'utf8')) as Obj).postgresql ?? {};
  const file = path.join(work, `eks-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify({ ...section, ...extra }));
  return file;
}

const S3 = ['backup.enabled=true', 'backup.destination=s3', 'backup.s3.bucket=my-db-backups', 'backup.s3.prefix=slo-demo/day', 'backup.s3.region=eu-west-1'];
const IRSA = 'backup.serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=arn:aws:iam::123456789012:role/day-postgresql-backup';

/** The restricted Pod Security Standard, as test/helm/charts.test.ts checks it. */
function expectRestricted(spec: Obj, where: string): void {
  expect([where, spec.automountServiceAccountToken]).toEqual([where, false]);
  expect([where, spec.securityContext.runAsNonRoot, spec.securityContext.seccompProfile]).toEqual([where, true, { type: 'RuntimeDefault' }]);
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const id = `${where} ${c.name}`;
    expect([id, c.securityContext.readOnlyRootFilesystem, c.securityContext.allowPrivilegeEscalation, c.securityContext.capabilities.drop]).toEqual([id, true, false, ['ALL']]);
    expect([id, c.securityContext.runAsUser ?? spec.securityContext.runAsUser]).toEqual([id, 999]);
    for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) expect([id, kind, r, c.resources?.[kind]?.[r] !== undefined]).toEqual([id, kind, r, true]);
    for (const e of c.env ?? []) if (/PASSWORD|SECRET|TOKEN/.test(e.name)) expect([id, e.name, e.value]).toEqual([id, e.name, undefined]);
  }
  expect((spec.volumes ?? []).filter((v: Obj) => v.hostPath)).toEqual([]);
}

// ---------------------------------------------------------------------------------------------------

describe('defaults', () => {
  it('renders valid objects, with the init ConfigMap and without backup objects', () => {
    const { objects } = render();
    expect(kinds(objects)).toEqual(['ConfigMap', 'NetworkPolicy', 'Pod', 'PodDisruptionBudget', 'Secret', 'Service', 'StatefulSet']);
    expectValid(objects);
    expect(ofKind(objects, 'CronJob')).toEqual([]);
    expect(ofKind(objects, 'PersistentVolumeClaim')).toEqual([]);
    expect(ofKind(objects, 'ServiceAccount')).toEqual([]);
  });

  it('helm lint --strict passes with backup on (pvc and s3) and with every setting', () => {
    for (const set of [
      [],
      ['backup.enabled=true'],
      [...S3, IRSA],
      ['settings.maxConnections=300', 'settings.extra.shared_buffers=256MB', 'settings.extra.work_mem=8MB', 'shmSize=1Gi', 'auth.existingSecret=db'],
    ]) {
      const r = helm(['lint', '--strict', CHART, '--namespace', NAMESPACE, ...set.flatMap((s) => ['--set', s])]);
      expect({ set, code: r.code, out: r.stdout }).toEqual({ set, code: 0, out: expect.stringContaining('1 chart(s) linted, 0 chart(s) failed') });
      expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    }
  });
});

describe('auth: the image’s bootstrap user is the admin, the app gets a role of its own', () => {
  it('the database container: POSTGRES_USER=postgres with the admin password, the app role’s name, database and password for the init script', () => {
    const { objects } = render();
    const c = dbContainer(objects);
    const secret = one(objects, 'Secret').metadata.name;
    expect(env(c, 'POSTGRES_USER')).toEqual({ name: 'POSTGRES_USER', value: 'postgres' });
    expect(env(c, 'POSTGRES_DB')).toEqual({ name: 'POSTGRES_DB', value: 'postgres' });
    expect(env(c, 'POSTGRES_PASSWORD').valueFrom).toEqual({ secretKeyRef: { name: secret, key: 'admin-password' } });
    expect(env(c, 'POSTGRES_APP_USER').value).toBe('day');
    expect(env(c, 'POSTGRES_APP_DATABASE').value).toBe('day');
    expect(env(c, 'POSTGRES_APP_PASSWORD').valueFrom).toEqual({ secretKeyRef: { name: secret, key: 'password' } });
    // the helm test pod connects as the app
    const test = one(objects, 'Pod');
    expect(env(test.spec.containers[0], 'PGUSER').value).toBe('day');
    expect(env(test.spec.containers[0], 'PGPASSWORD').valueFrom).toEqual({ secretKeyRef: { name: secret, key: 'password' } });
  });

  it('the init script is a ConfigMap mounted read-only at /docker-entrypoint-initdb.d, executable, with quoted psql variables and no password', () => {
    const { objects } = render();
    const spec = sts(objects).spec.template.spec;
    const mount = dbContainer(objects).volumeMounts.find((m: Obj) => m.mountPath === '/docker-entrypoint-initdb.d');
    expect(mount.readOnly).toBe(true);
    const volume = spec.volumes.find((v: Obj) => v.name === mount.name);
    expect(volume.configMap.defaultMode).toBe(0o555);
    const cm = one(objects, 'ConfigMap', (o) => o.metadata.name === volume.configMap.name);
    expect(Object.keys(cm.data)).toEqual(['10-app-role.sh']);
    const script: string = cm.data['10-app-role.sh'];
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    for (const statement of [
      `CREATE ROLE :"app_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_password';`,
      `CREATE DATABASE :"app_database" OWNER :"app_user";`,
      `REVOKE ALL ON DATABASE :"app_database" FROM PUBLIC;`,
      'REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC;',
      'REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC;',
    ])
      expect(script).toContain(statement);
    expect(script).toContain('\\getenv app_password POSTGRES_APP_PASSWORD');
    // the SQL is a quoted heredoc: the shell expands nothing in it
    expect(script).toContain("<<'SQL'");
    // no password text anywhere in the ConfigMap
    const secret = one(objects, 'Secret');
    for (const v of Object.values(secret.data as Record<string, string>)) {
      expect(JSON.stringify(cm)).not.toContain(Buffer.from(v, 'base64').toString());
      expect(JSON.stringify(cm)).not.toContain(v);
    }
  });

  it('auth.username and auth.database reach the init script’s environment', () => {
    const c = dbContainer(render(['auth.username=shop_app', 'auth.database=shop']).objects);
    expect([env(c, 'POSTGRES_APP_USER').value, env(c, 'POSTGRES_APP_DATABASE').value, env(c, 'POSTGRES_USER').value]).toEqual(['shop_app', 'shop', 'postgres']);
  });

  it('the generated Secret holds both keys: two different random passwords, kept on uninstall', () => {
    const { objects, text } = render();
    const secret = one(objects, 'Secret');
    expect(secret.metadata.name).toBe('demo-postgresql');
    expect(secret.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
    expect(Object.keys(secret.data)).toEqual(['password', 'admin-password']);
    const app = Buffer.from(secret.data.password, 'base64').toString();
    const admin = Buffer.from(secret.data['admin-password'], 'base64').toString();
    expect(app).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(admin).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(admin).not.toBe(app);
    for (const v of [secret.data.password, secret.data['admin-password']]) expect(text.split(v).length - 1).toBe(1);
    expect(text).not.toContain(app);
    expect(text).not.toContain(admin);
  });

  it('auth.secretKey and auth.adminSecretKey name the keys, in the Secret and in every reference', () => {
    const { objects } = render(['auth.secretKey=app-pw', 'auth.adminSecretKey=root-pw']);
    expect(Object.keys(one(objects, 'Secret').data)).toEqual(['app-pw', 'root-pw']);
    const c = dbContainer(objects);
    expect(env(c, 'POSTGRES_PASSWORD').valueFrom.secretKeyRef.key).toBe('root-pw');
    expect(env(c, 'POSTGRES_APP_PASSWORD').valueFrom.secretKeyRef.key).toBe('app-pw');
  });

  it('auth.existingSecret: no Secret rendered; the database, its test and the backup read both keys from it', () => {
    const { objects } = render(['auth.existingSecret=day-db-credentials', 'auth.adminSecretKey=pg-admin', 'backup.enabled=true']);
    expect(ofKind(objects, 'Secret')).toEqual([]);
    const c = dbContainer(objects);
    expect(env(c, 'POSTGRES_PASSWORD').valueFrom).toEqual({ secretKeyRef: { name: 'day-db-credentials', key: 'pg-admin' } });
    expect(env(c, 'POSTGRES_APP_PASSWORD').valueFrom).toEqual({ secretKeyRef: { name: 'day-db-credentials', key: 'password' } });
    expect(env(one(objects, 'Pod').spec.containers[0], 'PGPASSWORD').valueFrom).toEqual({ secretKeyRef: { name: 'day-db-credentials', key: 'password' } });
    const dump = cronPod(objects).spec.containers.find((x: Obj) => x.name === 'dump');
    expect(env(dump, 'PGPASSWORD').valueFrom).toEqual({ secretKeyRef: { name: 'day-db-credentials', key: 'pg-admin' } });
  });
});

describe('settings and /dev/shm', () => {
  it('defaults: max_connections=100 as a server argument, /dev/shm a 256Mi memory emptyDir', () => {
    const { objects } = render();
    const c = dbContainer(objects);
    expect(c.args).toEqual(['postgres', '-c', 'max_connections=100']);
    const mount = c.volumeMounts.find((m: Obj) => m.mountPath === '/dev/shm');
    const volume = sts(objects).spec.template.spec.volumes.find((v: Obj) => v.name === mount.name);
    expect(volume.emptyDir).toEqual({ medium: 'Memory', sizeLimit: '256Mi' });
  });

  it('settings.maxConnections, settings.extra (strings, integers, decimals) and shmSize', () => {
    const { objects } = render(
      ['settings.maxConnections=400', 'shmSize=1Gi'],
      [
        (() => {
          const f = path.join(work, 'settings.yaml');
          writeFileSync(
            f,
            'settings:\n  extra:\n    shared_buffers: 512MB\n    work_mem: "8MB"\n    effective_io_concurrency: 200\n    random_page_cost: 1.1\n    log_min_duration_statement: 1000000\n    pg_stat_statements.track: all\n',
          );
          return f;
        })(),
      ],
    );
    const c = dbContainer(objects);
    expect(c.args).toEqual([
      'postgres',
      '-c',
      'max_connections=400',
      '-c',
      'effective_io_concurrency=200',
      '-c',
      'log_min_duration_statement=1000000',
      '-c',
      'pg_stat_statements.track=all',
      '-c',
      'random_page_cost=1.1',
      '-c',
      'shared_buffers=512MB',
      '-c',
      'work_mem=8MB',
    ]);
    const volume = sts(objects).spec.template.spec.volumes.find((v: Obj) => v.emptyDir?.medium === 'Memory');
    expect(volume.emptyDir.sizeLimit).toBe('1Gi');
    expectValid(objects);
  });
});

describe('backup', () => {
  it('destination pvc (default): CronJob, PVC kept on uninstall, ServiceAccount; schedule, Forbid, backoffLimit, deadline', () => {
    const { objects } = render(['backup.enabled=true']);
    expect(kinds(objects)).toEqual(['ConfigMap', 'CronJob', 'NetworkPolicy', 'PersistentVolumeClaim', 'Pod', 'PodDisruptionBudget', 'Secret', 'Service', 'ServiceAccount', 'StatefulSet']);
    expectValid(objects);
    const cron = one(objects, 'CronJob');
    expect(cron.metadata.name).toBe('demo-postgresql-backup');
    expect(cron.spec).toMatchObject({ schedule: '0 3 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' });
    expect(cron.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 3600 });
    const pod = cronPod(objects);
    expectRestricted(pod.spec, 'backup');
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.initContainers).toBeUndefined();
    expect(pod.spec.containers.map((c: Obj) => c.name)).toEqual(['dump']);
    const dump = pod.spec.containers[0];
    expect(dump.image).toBe(dbContainer(objects).image); // pg_dump of the server's version
    expect(dump.command[2]).toContain('pg_dump --format=custom');
    expect(dump.command[2]).toContain('date -u +%Y%m%dT%H%M%SZ');
    expect(env(dump, 'PGUSER').value).toBe('postgres');
    expect(env(dump, 'PGHOST').value).toBe(one(objects, 'Service', (s) => s.spec.clusterIP !== 'None').metadata.name);
    expect(env(dump, 'PGDATABASE').value).toBe('day');
    expect(env(dump, 'PGPASSWORD').valueFrom).toEqual({ secretKeyRef: { name: 'demo-postgresql', key: 'admin-password' } });
    expect(env(dump, 'BACKUP_RETENTION').value).toBe('7');
    const pvc = one(objects, 'PersistentVolumeClaim');
    expect(pvc.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } });
    const volume = pod.spec.volumes.find((v: Obj) => v.name === dump.volumeMounts.find((m: Obj) => m.mountPath === '/backups').name);
    expect(volume.persistentVolumeClaim.claimName).toBe(pvc.metadata.name);
    const sa = one(objects, 'ServiceAccount');
    expect(pod.spec.serviceAccountName).toBe(sa.metadata.name);
    expect(sa.automountServiceAccountToken).toBe(false);
  });

  it('each backup value reaches the CronJob', () => {
    const { objects } = render([
      'backup.enabled=true',
      'backup.schedule=15 */6 * * *',
      'backup.retention=30',
      'backup.activeDeadlineSeconds=600',
      'backup.backoffLimit=0',
      'backup.successfulJobsHistoryLimit=1',
      'backup.failedJobsHistoryLimit=5',
      'backup.persistence.size=50Gi',
      'backup.persistence.storageClassName=gp3',
      'backup.resources.limits.memory=1Gi',
    ]);
    const cron = one(objects, 'CronJob');
    expect(cron.spec).toMatchObject({ schedule: '15 */6 * * *', successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 5 });
    expect(cron.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 600 });
    const dump = cronPod(objects).spec.containers[0];
    expect(env(dump, 'BACKUP_RETENTION').value).toBe('30');
    expect(dump.resources.limits.memory).toBe('1Gi');
    expect(one(objects, 'PersistentVolumeClaim').spec).toMatchObject({ storageClassName: 'gp3', resources: { requests: { storage: '50Gi' } } });
  });

  it('destination s3: dump into an emptyDir, upload with the pinned AWS CLI image, IRSA on the ServiceAccount, no PVC', () => {
    const { objects } = render([...S3, IRSA, 'backup.s3.stagingSize=30Gi']);
    expectValid(objects);
    expect(ofKind(objects, 'PersistentVolumeClaim')).toEqual([]);
    const sa = one(objects, 'ServiceAccount');
    expect(sa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/day-postgresql-backup' });
    const pod = cronPod(objects);
    expectRestricted(pod.spec, 'backup s3');
    expect(pod.spec.serviceAccountName).toBe(sa.metadata.name);
    expect(pod.spec.initContainers.map((c: Obj) => c.name)).toEqual(['dump']);
    expect(pod.spec.containers.map((c: Obj) => c.name)).toEqual(['upload']);
    const upload = pod.spec.containers[0];
    expect(upload.image).toBe('public.ecr.aws/aws-cli/aws-cli:2.22.0');
    expect(upload.command[2]).toContain('aws s3 cp');
    expect(Object.fromEntries(upload.env.map((e: Obj) => [e.name, e.value]))).toMatchObject({ S3_BUCKET: 'my-db-backups', S3_PREFIX: 'slo-demo/day', AWS_REGION: 'eu-west-1', HOME: '/tmp' });
    expect(upload.env.find((e: Obj) => e.valueFrom)).toBeUndefined(); // the upload never sees the database password
    const staging = pod.spec.volumes.find((v: Obj) => v.name === 'backups');
    expect(staging.emptyDir).toEqual({ sizeLimit: '30Gi' });
    expect(env(pod.spec.initContainers[0], 'BACKUP_RETENTION')).toBeUndefined();
    // the image by digest
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(cronPod(render([...S3, `backup.s3.image.digest=${digest}`]).objects).spec.containers[0].image).toBe(`public.ecr.aws/aws-cli/aws-cli@${digest}`);
  });
});

describe('NetworkPolicy', () => {
  function dbPolicy(objects: K8sObject[]): Obj {
    return one(objects, 'NetworkPolicy', (p) => selects(p.spec.podSelector, sts(objects).spec.template.metadata.labels));
  }
  const admitted = (objects: K8sObject[]) => {
    const peers = dbPolicy(objects).spec.ingress.flatMap((r: Obj) => r.from.map((f: Obj) => f.podSelector));
    return peers;
  };

  it('without backup: the app’s pods and the helm test pod only', () => {
    const { objects } = render();
    expect(admitted(objects)).toEqual([
      { matchLabels: { 'app.kubernetes.io/name': 'day', 'app.kubernetes.io/component': 'api' } },
      { matchLabels: { 'app.kubernetes.io/name': 'postgresql', 'app.kubernetes.io/instance': 'demo', 'app.kubernetes.io/component': 'test' } },
    ]);
  });

  it.each([
    ['pvc', ['backup.enabled=true']],
    ['s3', S3],
  ])('with backup (%s): the backup pods get in on 5432, and their own policy lets them out only to the database, DNS (and 443 for s3)', (dest, set) => {
    const { objects } = render(set);
    const backupLabels = cronPod(objects).metadata.labels;
    const rules = dbPolicy(objects).spec.ingress;
    const backupRule = rules.find((r: Obj) => r.from.some((f: Obj) => selects(f.podSelector, backupLabels)));
    expect(backupRule.ports).toEqual([{ port: 'postgresql', protocol: 'TCP' }]);
    // the backup selector admits the backup pods only: neither the database nor the test pod
    expect(selects(backupRule.from[0].podSelector, sts(objects).spec.template.metadata.labels)).toBe(false);
    expect(selects(backupRule.from[0].podSelector, one(objects, 'Pod').metadata.labels)).toBe(false);
    const own = one(objects, 'NetworkPolicy', (p) => selects(p.spec.podSelector, backupLabels));
    expect(own.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(own.spec.ingress).toEqual([]);
    const egress = own.spec.egress;
    expect(selects(egress[0].to[0].podSelector, sts(objects).spec.template.metadata.labels)).toBe(true);
    expect(egress[0].ports).toEqual([{ port: 5432, protocol: 'TCP' }]);
    expect(egress[1].to[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'kube-system' });
    if (dest === 's3') expect(egress[2]).toEqual({ ports: [{ port: 443, protocol: 'TCP' }] });
    else expect(egress).toHaveLength(2);
  });
});

describe('EKS values (helm/values-eks.yaml’s postgresql section)', () => {
  it('gp3 and 20Gi, valid objects; with the S3 backup and IRSA', () => {
    const plain = render([], [eksValuesFile()]).objects;
    const claim = sts(plain).spec.volumeClaimTemplates[0];
    expect(claim.spec.storageClassName).toBe('gp3');
    expect(claim.spec.resources.requests.storage).toBe('20Gi');
    expectValid(plain);

    const withBackup = eksValuesFile({
      backup: {
        enabled: true,
        destination: 's3',
        s3: { bucket: 'my-db-backups', prefix: 'slo-demo/day', region: 'eu-west-1' },
        serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/day-postgresql-backup' } },
      },
      settings: { maxConnections: 200 },
    });
    const { objects } = render([], [withBackup]);
    expectValid(objects);
    expect(dbContainer(objects).args).toEqual(['postgres', '-c', 'max_connections=200']);
    expect(one(objects, 'ServiceAccount').metadata.annotations['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::\d{12}:role\//);
    const lint = helm(['lint', '--strict', CHART, '--namespace', NAMESPACE, '--values', withBackup]);
    expect({ code: lint.code, out: lint.stdout }).toEqual({ code: 0, out: expect.stringContaining('0 chart(s) failed') });
  });
});

describe('values the schema or the chart refuses, naming the field', () => {
  it.each<[string, string[], RegExp]>([
    ['an unknown top-level key', ['--set', 'backups.enabled=true'], /\(root\): Additional property backups is not allowed/],
    ['a misspelt auth key', ['--set', 'auth.adminSecretkey=x'], /auth: Additional property adminSecretkey is not allowed/],
    ['an unknown backup key', ['--set', 'backup.keep=3'], /backup: Additional property keep is not allowed/],
    ['an unknown s3 key', ['--set', 'backup.s3.endpoint=http://minio'], /backup\.s3: Additional property endpoint is not allowed/],
    ['the backup image tag latest', ['--set', 'backup.s3.image.tag=latest'], /backup\.s3\.image\.tag: Must not validate the schema \(not\)/],
    ['an empty backup image tag', ['--set', 'backup.s3.image.tag='], /backup\.s3\.image\.tag: Does not match pattern/],
    ['a cron of four fields', ['--set', 'backup.schedule=0 3 * *'], /backup\.schedule: Does not match pattern/],
    ['a cron in words', ['--set', 'backup.schedule=every day'], /backup\.schedule: Does not match pattern/],
    ['an unknown destination', ['--set', 'backup.destination=gcs'], /backup\.destination must be one of the following: "pvc", "s3"/],
    ['a retention of 0', ['--set', 'backup.retention=0'], /backup\.retention: Must be greater than or equal to 1/],
    ['a backup size without unit', ['--set', 'backup.persistence.size=20'], /backup\.persistence\.size: Invalid type/],
    ['an s3 prefix with a leading slash', ['--set', 'backup.s3.prefix=/db'], /backup\.s3\.prefix: Does not match pattern/],
    ['a non-numeric maxConnections', ['--set', 'settings.maxConnections=lots'], /settings\.maxConnections: Invalid type\. Expected: integer, given: string/],
    ['maxConnections 0', ['--set', 'settings.maxConnections=0'], /settings\.maxConnections: Must be greater than or equal to 1/],
    ['a setting name PostgreSQL does not have the form of', ['--set', 'settings.extra.Shared-Buffers=1GB'], /settings\.extra: Property name of "Shared-Buffers" does not match/],
    ['max_connections through settings.extra', ['--set', 'settings.extra.max_connections=500'], /settings\.extra: Property name of "max_connections" does not match/],
    ['a boolean setting value', ['--set', 'settings.extra.jit=true'], /settings\.extra\.jit: Must validate one and only one schema/],
    ['an object as a setting value', ['--set', 'settings.extra.work_mem.size=8'], /settings\.extra\.work_mem: Must validate one and only one schema/],
    ['a shm size without unit', ['--set', 'shmSize=256'], /shmSize: Invalid type/],
    ['the same key for both passwords', ['--set', 'auth.adminSecretKey=password'], /auth\.secretKey and auth\.adminSecretKey are both "password"/],
    ['s3 without a bucket', ['--set', 'backup.enabled=true,backup.destination=s3,backup.s3.region=eu-west-1'], /backup\.s3\.bucket is required when backup\.destination is s3/],
    ['s3 without a region', ['--set', 'backup.enabled=true,backup.destination=s3,backup.s3.bucket=my-db-backups'], /backup\.s3\.region is required when backup\.destination is s3/],
    ['a non-string IRSA annotation', ['--set', 'backup.serviceAccount.annotations.x=1'], /backup\.serviceAccount\.annotations\.x: Invalid type/],
  ])('%s', (_name, args, message) => {
    expect(failure(args)).toMatch(message);
  });
});

// ---------------------------------------------------------------------------------------------------
// upgrades: lookup against a fake API server

interface Fake {
  kubeconfig: string;
  requests: string[];
  close: () => Promise<void>;
}

/** Discovery for the two group versions the chart looks up, and the given objects by their API path. */
async function fakeApiServer(objects: Record<string, unknown>): Promise<Fake> {
  const resources = (groupVersion: string, list: [string, string][]) => ({
    kind: 'APIResourceList',
    groupVersion,
    resources: list.map(([name, kind]) => ({ name, singularName: kind.toLowerCase(), namespaced: true, kind, verbs: ['get', 'list'] })),
  });
  const routes: Record<string, unknown> = {
    '/version': { major: '1', minor: '31', gitVersion: 'v1.31.0' },
    '/api': { kind: 'APIVersions', versions: ['v1'] },
    '/apis': {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } }],
    },
    '/api/v1': resources('v1', [['secrets', 'Secret']]),
    '/apis/apps/v1': resources('apps/v1', [['statefulsets', 'StatefulSet']]),
    ...objects,
  };
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const p = (req.url ?? '').split('?')[0]!;
    requests.push(p);
    res.setHeader('Content-Type', 'application/json');
    if (p in routes) res.end(JSON.stringify(routes[p]));
    else {
      res.statusCode = 404;
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${p} not found` }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const kubeconfig = path.join(work, `kubeconfig-${port}`);
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: `http://127.0.0.1:${port}` } }],
      users: [{ name: 'fake', user: { token: 'fake' } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake', namespace: NAMESPACE } }],
      'current-context': 'fake',
    }),
  );
  return { kubeconfig, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** helm template --dry-run=server (lookup enabled) against the fake server; not spawnSync: the server is in this process. */
function helmAgainst(fake: Fake, set: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const args = ['template', 'demo', CHART, '--namespace', NAMESPACE, '--kubeconfig', fake.kubeconfig, '--dry-run=server', ...set.flatMap((s) => ['--set', s])];
    const p = spawn(HELM, args, {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        HELM_CACHE_HOME: path.join(ROOT, '.tools/helm-home/cache'),
        HELM_CONFIG_HOME: path.join(ROOT, '.tools/helm-home/config'),
        HELM_DATA_HOME: path.join(ROOT, '.tools/helm-home/data'),
      },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const STS_PATH = `/apis/apps/v1/namespaces/${NAMESPACE}/statefulsets/demo-postgresql`;
const SECRET_PATH = `/api/v1/namespaces/${NAMESPACE}/secrets/demo-postgresql`;
const liveSts = (storage: string) => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'demo-postgresql', namespace: NAMESPACE },
  spec: { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } }] },
});
const liveSecret = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-postgresql', namespace: NAMESPACE }, data });
const secretOf = (stdout: string): Obj =>
  parseAllDocuments(stdout)
    .map((d) => d.toJS())
    .find((o: Obj) => o?.kind === 'Secret');

describe('upgrades (lookup, against a fake API server)', () => {
  it('a persistence.size change is refused, naming the value and the resize procedure; the same size (in any unit) passes', async () => {
    const fake = await fakeApiServer({ [STS_PATH]: liveSts('8Gi') });
    try {
      const changed = await helmAgainst(fake, ['persistence.size=20Gi']);
      expect(changed.code).not.toBe(0);
      expect(changed.stderr).toContain('persistence.size changed from 8Gi to 20Gi');
      expect(changed.stderr).toContain(`kubectl -n ${NAMESPACE} patch pvc data-demo-postgresql-0`);
      expect(changed.stderr).toContain('"storage":"20Gi"');
      expect(changed.stderr).toContain('allowVolumeExpansion: true');
      expect(changed.stderr).toContain('delete statefulset demo-postgresql --cascade=orphan');
      expect(fake.requests).toContain(STS_PATH);
      for (const same of ['8Gi', '8192Mi']) {
        const r = await helmAgainst(fake, [`persistence.size=${same}`]);
        expect({ same, code: r.code, stderr: r.stderr }).toEqual({ same, code: 0, stderr: '' });
      }
    } finally {
      await fake.close();
    }
    // a first install (no StatefulSet yet) takes any size
    const fresh = await fakeApiServer({});
    try {
      expect((await helmAgainst(fresh, ['persistence.size=20Gi'])).code).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it('the live Secret’s passwords are kept; a Secret from before the admin password gets one added', async () => {
    const app = Buffer.from('app-password-from-the-first-install').toString('base64');
    const admin = Buffer.from('admin-password-from-the-first-install').toString('base64');
    const both = await fakeApiServer({ [SECRET_PATH]: liveSecret({ password: app, 'admin-password': admin }) });
    try {
      const r = await helmAgainst(both, []);
      expect(r.code).toBe(0);
      expect(secretOf(r.stdout).data).toEqual({ password: app, 'admin-password': admin });
    } finally {
      await both.close();
    }
    const old = await fakeApiServer({ [SECRET_PATH]: liveSecret({ password: app }) });
    try {
      const r = await helmAgainst(old, []);
      expect(r.code).toBe(0);
      const data = secretOf(r.stdout).data;
      expect(data.password).toBe(app);
      expect(Buffer.from(data['admin-password'], 'base64').toString()).toMatch(/^[A-Za-z0-9]{32}$/);
      // without the app's key the upgrade stops: the data on the volume was initialised with that password
      const wrongKey = await helmAgainst(old, ['auth.secretKey=pg-password']);
      expect(wrongKey.code).not.toBe(0);
      expect(wrongKey.stderr).toContain('Secret demo-postgresql exists without key pg-password');
    } finally {
      await old.close();
    }
  });
});
