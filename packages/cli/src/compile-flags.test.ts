// @integration: runs the built slo command, promtool and amtool
/** The flags of `slo compile` that shape alerts for real-world SLIs, through the built binary. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const MAIN = path.resolve(__dirname, '../dist/main.js');

let tmp: string;
beforeAll(() => {
  if (!fs.existsSync(MAIN)) throw new Error('run pnpm build first: packages/cli/dist/main.js is missing');
});
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slo-flags-'));
  fs.mkdirSync(path.join(tmp, 'specs'));
  fs.writeFileSync(
    path.join(tmp, 'specs/sliced.yaml'),
    `apiVersion: openslo/v1
kind: SLO
metadata:
  name: minutes
spec:
  service: shop
  indicator:
    metadata:
      name: minutes-errors
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total{code="500"}
        total:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total
  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Timeslices
  objectives:
    - target: 0.99
      timeSliceTarget: 0.9
      timeSliceWindow: 1m
  alertPolicies:
    - kind: AlertPolicy
      metadata:
        name: oncall
      spec:
        alertWhenBreaching: true
        alertWhenNoData: true
        conditions:
          - kind: AlertCondition
            metadata:
              name: fast
            spec:
              severity: page
              condition:
                kind: burnrate
                op: gte
                threshold: 14.4
                lookbackWindow: 1h
        notificationTargets:
          - kind: AlertNotificationTarget
            metadata:
              name: pager
            spec:
              target: pagerduty
`,
  );
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function compile(...flags: string[]) {
  const r = spawnSync(process.execPath, [MAIN, 'compile', 'specs', '--rules-out', 'r', '--dashboards-out', 'd', ...flags], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 60_000,
  });
  // the SLO's own rules and the shared file that holds its building blocks (the default layout)
  const rulesFiles = [
    'r/shop/minutes.rules.yaml',
    ...(fs.existsSync(path.join(tmp, 'r'))
      ? fs
          .readdirSync(path.join(tmp, 'r'))
          .filter((f) => f.endsWith('.rules.yaml'))
          .map((f) => `r/${f}`)
      : []),
  ];
  return {
    code: r.status,
    stderr: r.stderr,
    rules: rulesFiles
      .map((f) => path.join(tmp, f))
      .filter((f) => fs.existsSync(f))
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join(''),
  };
}

it.each([
  // flags, range the slices read, whether compile warns that it widened them
  [[], '[2m]', true],
  [['--scrape-interval', '30s'], '[1m]', false],
  [['--scrape-interval', '15s'], '[1m]', false],
])('--scrape-interval %j: 1m slices read %s', (flags, range, warns) => {
  const r = compile(...flags);
  expect(r.code).toBe(0);
  expect(r.rules).toContain(`rate(http_requests_total[${range.slice(1, -1)}])`);
  expect(r.stderr.includes('1m time slices are measured over 2m')).toBe(warns);
});

it.each([
  [
    ['--scrape-interval', '5m'],
    'error: --scrape-interval the building blocks read 5m ranges, which hold fewer than two samples when targets are scraped every 5m; the longest supported scrape interval is 2m30s\n',
  ],
  [['--scrape-interval', 'often'], 'error: --scrape-interval must be a whole number of seconds written as a duration such as 15s, 30s or 1m (got "often")\n'],
  [['--severity-label', 'critical'], 'error: --severity-label must be severity=value, e.g. page=critical (got "critical")\n'],
  [['--missing-data-for', '0m'], 'error: --missing-data-for must be a whole number of minutes or hours, e.g. 10m (got "0m")\n'],
  [['--scope', 'namespace'], 'error: --scope must be label=value, e.g. namespace=day-prod (got "namespace")\n'],
  [
    ['--scope', 'slo_name=x'],
    'error: --scope slo_name=x: slo_name is a label the compiler writes itself (alertname, budgeting_method, dashboard_uid, display_name, le, objective, period, severity, slo_engine_version, slo_name, slo_notification_kinds, slo_notification_targets, slo_scope, slo_service, slo_severity, slo_tier, slo_window)\n',
  ],
  [['--scope', 'kube-namespace=x'], 'error: --scope kube-namespace=x: "kube-namespace" is not a Prometheus label name (letters, digits and _, not starting with a digit or __)\n'],
  [['--scope', 'namespace=a', '--scope', 'namespace=b'], 'error: --scope namespace is given twice (namespace=a and namespace=b); give each label once\n'],
])('%j is a usage error that writes nothing', (flags, message) => {
  const r = compile(...flags);
  expect(r).toMatchObject({ code: 2, stderr: message, rules: '' });
});

it('a 2m scrape interval refuses 1m slices with the place and the fix', () => {
  const r = compile('--scrape-interval', '2m');
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('cannot compile SLO minutes: a 1m time slice cannot be measured when targets are scraped every 2m: use a timeSliceWindow of at least 2m');
  expect(r.stderr).toMatch(/^specs\/sliced\.yaml:\d+:\d+ error/m);
});

it('--severity-label and --missing-data-for shape the alerts', () => {
  const r = compile('--severity-label', 'page=P1', '--missing-data-for', '20m');
  expect(r.code).toBe(0);
  expect(r.rules.match(/ severity: .*/g)).toEqual([' severity: P1', ' severity: P1']);
  expect(r.rules).toContain('alert: SLONoData');
  expect(r.rules).toMatch(/alert: SLONoData\n\s+expr: .*\n\s+for: 20m/);
});

it('--scope confines rules, tests and dashboards to one environment', () => {
  const r = compile('--scope', 'namespace=shop-prod', '--scope', 'cluster=eks-1');
  expect(r.code).toBe(0);
  expect(r.rules).toContain('rate(http_requests_total{code="500",cluster="eks-1",namespace="shop-prod"}[2m])');
  expect(r.rules).toMatch(/labels:\n\s+cluster: eks-1\n\s+namespace: shop-prod\n/);
  const test = fs.readFileSync(path.join(tmp, 'r/shop/minutes.test.yaml'), 'utf8');
  expect(test).toContain('namespace="shop-prod"');
  const test2 = spawnSync('promtool', ['test', 'rules', 'shop/minutes.test.yaml'], { cwd: path.join(tmp, 'r'), encoding: 'utf8' });
  expect(test2.stdout).toContain('SUCCESS');
  const board = JSON.parse(fs.readFileSync(path.join(tmp, 'd/shop/minutes.json'), 'utf8')) as { uid: string; title: string };
  const overview = JSON.parse(fs.readFileSync(path.join(tmp, 'd/overview.json'), 'utf8')) as { uid: string; title: string };
  expect(board.title).toBe('SLO / shop / minutes (cluster=eks-1,namespace=shop-prod)');
  expect(overview.uid).toMatch(/^slo-overview-[0-9a-f]{8}$/);
  // slo_info, a constant of the shared layout, is in the compile's shared file, scoped like the rest
  const shared = fs.readdirSync(path.join(tmp, 'r')).find((f) => /^shared-.*\.rules\.yaml$/.test(f))!;
  const info = fs.readFileSync(path.join(tmp, 'r', shared), 'utf8');
  expect(info).toMatch(new RegExp(`record: slo_info\\n\\s+expr: vector\\(1\\)\\n\\s+labels:\\n(\\s+[a-z_]+: .*\\n)*\\s+dashboard_uid: ${board.uid}\\n`));
  expect(info).toMatch(/record: slo_info\n\s+expr: vector\(1\)\n\s+labels:\n\s+budgeting_method: \S+\n\s+cluster: eks-1\n/);
});

it('--alertmanager-out writes the routing of the notification targets, which amtool accepts and --check keeps in sync', () => {
  const r = compile('--alertmanager-out', 'am');
  expect(r.code).toBe(0);
  expect(r.stderr).not.toContain('[routing]');
  const yml = fs.readFileSync(path.join(tmp, 'am/alertmanager.yml'), 'utf8');
  expect(yml).toContain('routing_key_file: /etc/alertmanager/secrets/slo-pager/routing-key');
  const check = spawnSync('amtool', ['check-config', path.join(tmp, 'am/alertmanager.yml')], { encoding: 'utf8' });
  expect(check.stdout).toContain('SUCCESS');
  const routes = spawnSync('amtool', ['config', 'routes', 'test', `--config.file=${path.join(tmp, 'am/alertmanager.yml')}`, 'slo_name=minutes', 'slo_notification_targets=pager'], {
    encoding: 'utf8',
  });
  expect(routes.stdout.trim()).toBe('slo-pager');
  expect(fs.readFileSync(path.join(tmp, 'am/alertmanagerconfig.yaml'), 'utf8')).toMatch(/^kind: AlertmanagerConfig$/m);
  expect(compile('--alertmanager-out', 'am', '--check').code).toBe(0);
  fs.appendFileSync(path.join(tmp, 'am/alertmanager.yml'), '# edited\n');
  const stale = compile('--alertmanager-out', 'am', '--check');
  expect(stale.code).toBe(1);
  expect(stale.stderr).toContain('changed  am/alertmanager.yml');
});

it.each(['per-slo', 'shared'])('--amp-namespaces (%s layout): one upload-ready namespace per rule file that promtool accepts, and upload.sh', (layout) => {
  const r = compile('--amp-namespaces', 'amp', '--layout', layout);
  expect(r.code).toBe(0);
  const files = fs
    .readdirSync(path.join(tmp, 'amp'))
    .filter((f) => !f.startsWith('.'))
    .sort();
  // the shared file is named after the inputs
  expect(files.map((f) => f.replace(/^shared-.*\.yaml$/, 'shared-*.yaml'))).toEqual(layout === 'shared' ? ['shared-*.yaml', 'shop-minutes.yaml', 'upload.sh'] : ['shop-minutes.yaml', 'upload.sh']);
  const check = spawnSync('promtool', ['check', 'rules', ...files.filter((f) => f.endsWith('.yaml'))], { cwd: path.join(tmp, 'amp'), encoding: 'utf8' });
  expect(check.status).toBe(0);
  expect(fs.readFileSync(path.join(tmp, 'amp/upload.sh'), 'utf8')).toContain('upload shop-minutes shop-minutes.yaml');
  expect(compile('--amp-namespaces', 'amp', '--layout', layout, '--check').code).toBe(0);
});

it('--amp-rules-quota below what the SLOs need: an error naming the quota, nothing written', () => {
  const r = compile('--amp-namespaces', 'amp', '--amp-rules-quota', '5');
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/over AMP's quota "Rules per workspace" \(5\)/);
  expect(fs.existsSync(path.join(tmp, 'amp'))).toBe(false);
});
