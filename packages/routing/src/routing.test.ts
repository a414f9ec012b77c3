// @integration: runs amtool and Alertmanager
/**
 * Alertmanager routing from notification targets: receivers per target, checked by the real amtool
 * (check-config, routes test) and a real Alertmanager (delivery to a webhook, a ticket inhibited by a page).
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { isAlert, LABEL, toYaml, type CompiledSlo } from '@slo-engine/rules';
import { validateObjects, type K8sObject } from '../../../test/support/helm';
import { compileText, ratioSli, sloDoc } from '../../../test/support/slo-docs';
import { startAlertmanager, which, type RunningAlertmanager } from '../../../test/support/alertmanager';
import { RoutingPlan, UNROUTED } from './index';

const SLI = ratioSli({ bad: 'http_requests_total{job="shop",code=~"5.."}', total: 'http_requests_total{job="shop"}' });

/** An SLO whose page and ticket conditions notify the targets given (name → spec.target). */
function spec(name: string, page: Record<string, string>, ticket: Record<string, string>, extra = ''): string {
  const targets = (t: Record<string, string>) =>
    Object.entries(t)
      .map(([n, target]) => `        - kind: AlertNotificationTarget\n          metadata:\n            name: ${n}\n          spec:\n            target: '${target}'`)
      .join('\n');
  const policy = (p: string, severity: string, factor: string, window: string, t: Record<string, string>) => `    - kind: AlertPolicy
      metadata:
        name: ${name}-${p}
      spec:
        alertWhenBreaching: true
        alertWhenNoData: ${severity === 'page'}
        conditions:
          - kind: AlertCondition
            metadata:
              name: ${p}
            spec:
              severity: ${severity}
              condition:
                kind: burnrate
                op: gte
                threshold: ${factor}
                lookbackWindow: ${window}
        notificationTargets:
${targets(t)}`;
  return `${sloDoc({ sli: SLI, objectives: '    - target: 0.999\n', name, service: 'shop' })}${extra}
  alertPolicies:
${policy('fast', 'page', '14.4', '1h', page)}
${policy('slow', 'ticket', '3', '1d', ticket)}
`;
}

const compileAll = (texts: string[], scope: Record<string, string> = {}) => texts.flatMap((t) => compileText(t, { scope }));
const planOf = (compiled: CompiledSlo[]) => {
  const p = new RoutingPlan();
  for (const c of compiled) p.add(c);
  return p;
};

describe('receivers: one per notification target, by what the target names', () => {
  const plan = planOf(
    compileAll([spec('checkout', { oncall: 'PagerDuty', 'team-chat': 'slack' }, { mail: 'Email', queue: 'jira' }), spec('search', { oncall: 'pagerduty' }, { hook: 'https://hooks.example.org/slo' })]),
  );
  it.each([
    ['oncall', 'slo-oncall', 'pagerduty', 'routing-key'],
    ['team-chat', 'slo-team-chat', 'slack', 'api-url'],
    ['mail', 'slo-mail', 'email', 'auth-password'],
    ['hook', 'slo-hook', 'webhook', 'bearer-token'],
    ['queue', 'slo-queue', 'webhook', 'bearer-token'],
  ])('%s → %s (%s, secret key %s)', (target, name, kind, secretKey) => {
    expect(plan.receivers().receivers).toContainEqual(expect.objectContaining({ target, name, kind, secretKey }));
  });

  it('a target used by two SLOs is one receiver; a kind without an integration is a webhook stub, said once', () => {
    expect(plan.receivers().receivers.map((r) => r.name)).toEqual(['slo-hook', 'slo-mail', 'slo-oncall', 'slo-queue', 'slo-team-chat']);
    expect(plan.receivers().warnings).toEqual([
      'notification target queue (target: jira) has no Alertmanager integration of its own: its receiver slo-queue is a webhook stub; point it at a bridge to jira',
    ]);
  });

  it('secrets are referenced, never written: files in alertmanager.yml, Secrets in the AlertmanagerConfig', () => {
    const yml = toYaml(plan.alertmanagerYml());
    expect(yml).toContain('routing_key_file: /etc/alertmanager/secrets/slo-oncall/routing-key');
    expect(yml).toContain('api_url_file: /etc/alertmanager/secrets/slo-team-chat/api-url');
    expect(yml).toContain('auth_password_file: /etc/alertmanager/secrets/slo-mail/auth-password');
    expect(yml).toContain('url: https://hooks.example.org/slo');
    const amc = JSON.stringify(plan.alertmanagerConfigResource({ name: 'slo-routing' }));
    expect(amc).toContain('"routingKey":{"name":"slo-oncall","key":"routing-key"}');
    expect(amc).toContain('"apiURL":{"name":"slo-team-chat","key":"api-url"}');
  });

  it('the AlertmanagerConfig validates against the Prometheus Operator schema (monitoring.coreos.com/v1alpha1)', () => {
    const amc = plan.alertmanagerConfigResource({ name: 'slo-routing', namespace: 'monitoring', labels: { release: 'kube-prometheus-stack' } }) as unknown as K8sObject;
    expect(validateObjects([amc])).toEqual([{ apiVersion: 'monitoring.coreos.com/v1alpha1', kind: 'AlertmanagerConfig', name: 'slo-routing', errors: [] }]);
    // a broken one is refused (the check can fail)
    const broken = { ...amc, spec: { ...(amc.spec as object), route: { receiver: 1 } } } as K8sObject;
    expect(validateObjects([broken])[0]!.errors.length).toBeGreaterThan(0);
  });

  it('two target names that make one receiver name: the first is kept and compile says so', () => {
    const p = planOf(compileAll([spec('a', { 'On.Call': 'pagerduty' }, { 'on-call': 'slack' })]));
    expect(p.receivers().warnings).toContain('notification targets On.Call and on-call both become receiver slo-on-call; rename one of them');
  });
});

describe('grouping and inhibition are per SLO, per group and per scope', () => {
  it('a grouped, scoped compile groups and inhibits by those labels too', () => {
    const grouped = spec('checkout', { oncall: 'pagerduty' }, { queue: 'jira' }).replace(
      'metadata:\n  name: checkout',
      'metadata:\n  name: checkout\n  annotations:\n    slo-engine.dev/group-by: route',
    );
    const groupedSli = grouped.replace(
      SLI,
      ratioSli({ bad: 'sum by (route) (rate(http_requests_total{job="shop",code=~"5.."}[5m]))', total: 'sum by (route) (rate(http_requests_total{job="shop"}[5m]))' }, false),
    );
    const yml = planOf(compileAll([groupedSli], { namespace: 'shop-prod' })).alertmanagerYml() as { route: { routes: { group_by: string[] }[] }; inhibit_rules: { equal: string[] }[] };
    expect(yml.route.routes[0]!.group_by).toEqual(['alertname', 'slo_service', 'slo_name', 'slo_severity', 'route', 'namespace']);
    expect(yml.inhibit_rules[0]!.equal).toEqual(['slo_service', 'slo_name', 'route', 'namespace']);
  });
});

describe('amtool', () => {
  const texts = [
    spec('checkout', { oncall: 'pagerduty', 'team-chat': 'slack' }, { mail: 'email', queue: 'jira' }),
    spec('search', { oncall: 'pagerduty' }, { hook: 'https://hooks.example.org/slo' }),
    // no targets at all: its alerts are SLO alerts nobody named a receiver for
    `${sloDoc({ sli: SLI, objectives: '    - target: 0.99\n', name: 'plain', service: 'shop' })}\n`,
  ];
  const compiled = compileAll(texts);
  const plan = planOf(compiled);
  let dir: string;
  let config: string;
  beforeAll(() => {
    which('amtool');
    dir = mkdtempSync(path.join(tmpdir(), 'slo-routing-'));
    config = path.join(dir, 'alertmanager.yml');
    writeFileSync(config, toYaml(plan.alertmanagerYml()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const amtool = (...args: string[]) => spawnSync(which('amtool'), args, { encoding: 'utf8' });

  it('check-config passes', () => {
    const r = amtool('check-config', config);
    expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  // every alert rule the compile wrote, with the labels it carries, and the receivers its targets name
  const alerts = compiled.flatMap((c) =>
    c.rules.groups
      .flatMap((g) => g.rules)
      .filter(isAlert)
      .map((a) => {
        const targets = a.labels[LABEL.targets]?.split(',') ?? [];
        return {
          slo: c.slo.name,
          alert: a.alert,
          tier: a.labels[LABEL.tier]!,
          labels: { alertname: a.alert, ...a.labels },
          receivers: targets.length ? targets.map((t) => `slo-${t}`).sort() : [UNROUTED],
        };
      }),
  );

  it('the compile has pages, tickets, a no-data alert and alerts without targets to route', () => {
    expect(alerts.map((a) => `${a.slo} ${a.tier}`)).toEqual(expect.arrayContaining(['checkout fast', 'checkout slow', 'checkout no-data', 'plain page-fast']));
  });

  it.each(alerts.map((a) => [`${a.slo} ${a.tier}`, a] as const))('routes test: %s goes to the receivers its targets name', (_name, a) => {
    const r = amtool('config', 'routes', 'test', `--config.file=${config}`, ...Object.entries(a.labels).map(([k, v]) => `${k}=${v}`));
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split(',').sort()).toEqual(a.receivers);
  });

  it('routes test: an alert that is not an SLO alert stays out of the SLO subtree', () => {
    expect(amtool('config', 'routes', 'test', `--config.file=${config}`, 'alertname=Watchdog').stdout.trim()).toBe(UNROUTED);
  });
});

describe('a real Alertmanager', () => {
  let dir: string;
  let hook: Server;
  const received: { receiver: string; status: string; alerts: { labels: Record<string, string>; annotations: Record<string, string> }[] }[] = [];
  let am: RunningAlertmanager | undefined;
  beforeAll(async () => {
    which('prometheus-alertmanager');
    dir = mkdtempSync(path.join(tmpdir(), 'slo-alertmanager-'));
    hook = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end();
      });
    });
    hook.listen(0, '127.0.0.1');
    await once(hook, 'listening');
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    // both targets are webhooks to the local receiver, so that what Alertmanager sends can be read
    const plan = planOf(compileAll([spec('checkout', { pager: url }, { tickets: url })]));
    const secrets = path.join(dir, 'secrets');
    for (const r of plan.receivers().receivers) {
      mkdirSync(path.join(secrets, r.name), { recursive: true });
      writeFileSync(path.join(secrets, r.name, r.secretKey), 'test-token');
    }
    const yml = plan.alertmanagerYml({ secretsDir: secrets }) as { route: { routes: Record<string, unknown>[] } };
    // deliver at once (the defaults wait 30 s before the first notification of a group)
    Object.assign(yml.route.routes[0]!, { group_wait: '1s', group_interval: '1s' });
    writeFileSync(path.join(dir, 'alertmanager.yml'), toYaml(yml));
    am = await startAlertmanager({ configFile: path.join(dir, 'alertmanager.yml'), storageDir: path.join(dir, 'data') });
  }, 60_000);
  afterAll(async () => {
    await am?.stop();
    hook?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const alert = (slo: string, severity: string, targets: string) => ({
    labels: { alertname: 'SLOErrorBudgetBurn', slo_name: slo, slo_service: 'shop', slo_severity: severity, slo_notification_targets: targets, severity: severity === 'page' ? 'critical' : 'warning' },
    annotations: { summary: `${slo}: error budget burning (${severity})` },
  });

  it("delivers the page to its target, and inhibits the ticket of the same SLO but not another SLO's", async () => {
    const post = await fetch(`${am!.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([alert('checkout', 'page', 'pager'), alert('checkout', 'ticket', 'tickets'), alert('other', 'ticket', 'tickets')]),
    });
    expect(post.status).toBe(200);
    const deadline = Date.now() + 20_000;
    while (received.filter((n) => n.status === 'firing').length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const states = (await (await fetch(`${am!.url}/api/v2/alerts`)).json()) as { labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } }[];
    const state = (slo: string, severity: string) => states.find((s) => s.labels.slo_name === slo && s.labels.slo_severity === severity)?.status;
    expect(state('checkout', 'page')).toMatchObject({ state: 'active' });
    expect(state('checkout', 'ticket')).toMatchObject({ state: 'suppressed', inhibitedBy: [expect.any(String)] });
    expect(state('other', 'ticket')).toMatchObject({ state: 'active', inhibitedBy: [] });
    const delivered = received.flatMap((n) => n.alerts.map((a) => `${n.receiver} ${a.labels.slo_name} ${a.labels.slo_severity}`)).sort();
    expect(delivered).toEqual(['slo-pager checkout page', 'slo-tickets other ticket']);
    expect(received.find((n) => n.receiver === 'slo-pager')!.alerts[0]!.annotations.summary).toBe('checkout: error budget burning (page)');
  }, 40_000);
});
