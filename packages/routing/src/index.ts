/**
 * Alertmanager routing from OpenSLO notification targets. The compiled alerts carry the names of the targets
 * their alert policies name (`slo_notification_targets`, comma-separated); this turns them into routes: one
 * receiver per target, a route per receiver that matches the alerts naming it, alerts grouped by SLO and
 * severity, and a ticket inhibited while a page of the same SLO (and group, and scope) fires. Two renderings of
 * one plan: a plain alertmanager.yml and a Prometheus Operator AlertmanagerConfig. Secrets are referenced
 * (files, Kubernetes Secrets), never written.
 */
import type { NotificationTarget, SourcePos } from '@slo-engine/openslo';
import { LABEL, type CompiledSlo } from '@slo-engine/rules';

/** The Alertmanager integrations a target's `target` can name; anything else gets a webhook stub. */
export type ReceiverKind = 'pagerduty' | 'slack' | 'email' | 'webhook';

export interface Receiver {
  /** `slo-<target name>`. */
  name: string;
  /** The notification target's name, as the alerts' slo_notification_targets label spells it. */
  target: string;
  /** The target's `spec.target` as written, e.g. `pagerduty`. */
  written: string;
  kind: ReceiverKind;
  /** The secret's key: a file below SECRETS_DIR/<receiver>/ for alertmanager.yml, a key of Secret <receiver>. */
  secretKey: string;
}

/** Where alertmanager.yml reads each receiver's secret: `<dir>/<receiver>/<key>`. */
export const SECRETS_DIR = '/etc/alertmanager/secrets';
/** The receiver of SLO alerts whose policies name no target (in a merged config, use your own default). */
export const UNROUTED = 'slo-unrouted';
/** Labels that tell one SLO's alerts from another's: grouping and inhibition are per SLO. */
const PER_SLO = [LABEL.service, LABEL.name];

const KINDS: readonly [RegExp, ReceiverKind, string][] = [
  [/pagerduty/i, 'pagerduty', 'routing-key'],
  [/slack/i, 'slack', 'api-url'],
  [/e-?mail|smtp/i, 'email', 'auth-password'],
  [/webhook|^https?:\/\//i, 'webhook', 'bearer-token'],
];

/** A receiver name from a target name: Alertmanager accepts any string, Kubernetes Secret names do not. */
const receiverName = (target: string) =>
  `slo-${
    target
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'target'
  }`;

/** A regex that matches `name` as one item of a comma-separated list. */
const listItem = (name: string) => `(.*,)?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(,.*)?`;

/**
 * What the routing needs from the compiled SLOs, collected one SLO at a time (the compiler keeps none of them):
 * the targets each alert can name, the labels an SLO is grouped by, and the compile's scope.
 */
export class RoutingPlan {
  /** Target name → its spec.target and where the first SLO naming it is. */
  private readonly targets = new Map<string, { written: string; pos: SourcePos }>();
  private readonly groupLabels = new Set<string>();
  private scope: Record<string, string> = {};
  private slos = 0;

  add(c: CompiledSlo): void {
    this.slos++;
    this.scope = c.scope;
    const named: NotificationTarget[] = [...c.objectives.flatMap((o) => o.tiers.flatMap((t) => t.targets)), ...c.slo.alertPolicies.filter((p) => p.alertWhenNoData).flatMap((p) => p.targets)];
    for (const t of named) {
      const name = t.name ?? t.target;
      if (!this.targets.has(name)) this.targets.set(name, { written: t.target, pos: c.slo.pos });
    }
    for (const o of c.objectives) for (const g of o.groupBy) this.groupLabels.add(g);
  }

  get size(): number {
    return this.slos;
  }

  /** One receiver per target name, by name; and what compile should say about them. */
  receivers(): { receivers: Receiver[]; warnings: string[]; where: SourcePos[] } {
    const receivers: Receiver[] = [];
    const warnings: string[] = [];
    const where: SourcePos[] = [];
    const byName = new Map<string, string>();
    for (const [target, { written, pos }] of [...this.targets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const said = warnings.length;
      const name = receiverName(target);
      const clash = byName.get(name);
      if (clash !== undefined) {
        warnings.push(`notification targets ${clash} and ${target} both become receiver ${name}; rename one of them`);
        where.push(pos);
        continue;
      }
      byName.set(name, target);
      const known = KINDS.find(([re]) => re.test(written));
      if (!known)
        warnings.push(`notification target ${target} (target: ${written}) has no Alertmanager integration of its own: its receiver ${name} is a webhook stub; point it at a bridge to ${written}`);
      const [, kind, secretKey] = known ?? [undefined, 'webhook' as const, 'bearer-token'];
      receivers.push({ name, target, written, kind, secretKey });
      if (warnings.length > said) where.push(pos);
    }
    return { receivers, warnings, where };
  }

  /** Labels whose values must be equal for a page to inhibit a ticket: one SLO, one group, one scope. */
  private equal(): string[] {
    return [...PER_SLO, ...[...this.groupLabels].sort(), ...Object.keys(this.scope).sort()];
  }

  private groupBy(): string[] {
    return ['alertname', ...PER_SLO, LABEL.severity, ...[...this.groupLabels].sort(), ...Object.keys(this.scope).sort()];
  }

  /**
   * A complete alertmanager.yml (`amtool check-config` passes it): the SLO alerts' subtree is `route.routes[0]`
   * (it matches every alert with an slo_name), to be copied into an existing config with `receivers` and
   * `inhibit_rules`. Placeholders (`*.example.invalid`) mark what only the user knows: email addresses, Slack
   * channels, webhook URLs.
   */
  alertmanagerYml(opts: { secretsDir?: string } = {}): Record<string, unknown> {
    const dir = opts.secretsDir ?? SECRETS_DIR;
    const { receivers } = this.receivers();
    const file = (r: Receiver) => `${dir}/${r.name}/${r.secretKey}`;
    const integration = (r: Receiver): Record<string, unknown> => {
      switch (r.kind) {
        case 'pagerduty':
          return { pagerduty_configs: [{ routing_key_file: file(r), send_resolved: true }] };
        case 'slack':
          return { slack_configs: [{ api_url_file: file(r), channel: `#${r.target}`, send_resolved: true }] };
        case 'email':
          return {
            email_configs: [
              {
                to: `${r.target}@example.invalid`,
                from: 'alertmanager@example.invalid',
                smarthost: 'smtp.example.invalid:587',
                auth_username: 'alertmanager',
                auth_password_file: file(r),
                send_resolved: true,
              },
            ],
          };
        case 'webhook':
          return { webhook_configs: [{ url: webhookUrl(r), http_config: { authorization: { credentials_file: file(r) } }, send_resolved: true }] };
      }
    };
    return {
      route: {
        receiver: UNROUTED,
        routes: [
          {
            matchers: [`${LABEL.name}=~".+"`],
            group_by: this.groupBy(),
            routes: receivers.map((r) => ({ receiver: r.name, matchers: [`${LABEL.targets}=~${JSON.stringify(listItem(r.target))}`], continue: true })),
          },
        ],
      },
      receivers: [{ name: UNROUTED }, ...receivers.map((r) => ({ name: r.name, ...integration(r) }))],
      inhibit_rules: [{ source_matchers: [`${LABEL.severity}="page"`], target_matchers: [`${LABEL.severity}="ticket"`], equal: this.equal() }],
    };
  }

  /**
   * The same routing as a Prometheus Operator AlertmanagerConfig (monitoring.coreos.com/v1alpha1). Each receiver
   * reads its secret from the Secret named like it (key: Receiver.secretKey), which you create. The Operator
   * adds a `namespace` matcher to its route unless Alertmanager's alertmanagerConfigMatcherStrategy is None: the
   * alerts then need a namespace label (e.g. the chart's scope).
   */
  alertmanagerConfigResource(opts: { name: string; namespace?: string; labels?: Record<string, string> }): Record<string, unknown> {
    const { receivers } = this.receivers();
    const secret = (r: Receiver) => ({ name: r.name, key: r.secretKey });
    const integration = (r: Receiver): Record<string, unknown> => {
      switch (r.kind) {
        case 'pagerduty':
          return { pagerdutyConfigs: [{ routingKey: secret(r), sendResolved: true }] };
        case 'slack':
          return { slackConfigs: [{ apiURL: secret(r), channel: `#${r.target}`, sendResolved: true }] };
        case 'email':
          return {
            emailConfigs: [
              {
                to: `${r.target}@example.invalid`,
                from: 'alertmanager@example.invalid',
                smarthost: 'smtp.example.invalid:587',
                authUsername: 'alertmanager',
                authPassword: secret(r),
                sendResolved: true,
              },
            ],
          };
        case 'webhook':
          return { webhookConfigs: [{ url: webhookUrl(r), httpConfig: { authorization: { credentials: secret(r) } }, sendResolved: true }] };
      }
    };
    const match = (name: string, value: string, matchType: '=' | '=~') => ({ name, value, matchType });
    return {
      apiVersion: 'monitoring.coreos.com/v1alpha1',
      kind: 'AlertmanagerConfig',
      metadata: { name: opts.name, ...(opts.namespace ? { namespace: opts.namespace } : {}), ...(opts.labels ? { labels: opts.labels } : {}) },
      spec: {
        route: {
          receiver: UNROUTED,
          matchers: [match(LABEL.name, '.+', '=~')],
          groupBy: this.groupBy(),
          routes: receivers.map((r) => ({ receiver: r.name, matchers: [match(LABEL.targets, listItem(r.target), '=~')], continue: true })),
        },
        receivers: [{ name: UNROUTED }, ...receivers.map((r) => ({ name: r.name, ...integration(r) }))],
        inhibitRules: [{ sourceMatch: [match(LABEL.severity, 'page', '=')], targetMatch: [match(LABEL.severity, 'ticket', '=')], equal: this.equal() }],
      },
    };
  }
}

/** The target itself when it is a URL, else a placeholder to replace. */
function webhookUrl(r: Receiver): string {
  return /^https?:\/\//i.test(r.written) ? r.written : `https://${r.name}.example.invalid/alerts`;
}
