/**
 * The local stack's alerting: the Alertmanager routing `slo compile --alertmanager-out` generates, with every
 * receiver's integrations replaced by the stack's own webhook receiver (the route tree, grouping and
 * inhibition stay as generated), so that a page on the stack arrives somewhere one can read.
 */
import { parse, stringify } from 'yaml';

interface Receiver {
  name: string;
  [integration: string]: unknown;
}

/** The generated alertmanager.yml with each receiver delivering to `<receiverUrl>/<receiver name>`. */
export function localRouting(generated: string, receiverUrl: string): string {
  const config = parse(generated) as { route: { routes?: Record<string, unknown>[] }; receivers: Receiver[] };
  if (!config?.route || !Array.isArray(config.receivers)) throw new Error('not an alertmanager.yml of slo compile --alertmanager-out: no route or receivers');
  config.receivers = config.receivers.map((r) => ({ name: r.name, webhook_configs: [{ url: `${receiverUrl}/${r.name}`, send_resolved: true }] }));
  // the first notification of a group after 10 s instead of Alertmanager's 30 s: the demo is watched live
  for (const r of config.route.routes ?? []) r.group_wait = '10s';
  return `# Written by pnpm stack up: the routing of slo compile --alertmanager-out, delivering to the stack's receiver.\n${stringify(config)}`;
}

/** prometheus.yml's alerting section: where Prometheus sends the alerts. */
export function alertingConfig(alertmanagerPort: number): string[] {
  return ['alerting:', '  alertmanagers:', '    - static_configs:', `        - targets: ["127.0.0.1:${alertmanagerPort}"]`];
}
