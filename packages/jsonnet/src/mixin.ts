/** What goes into mixin.libsonnet; the caller has already sorted groups and keys. */
export interface MixinInput {
  /** Prometheus recording-rule groups, `{ name, interval?, rules }` each. */
  recordingGroups: unknown[];
  /** Prometheus alerting-rule groups. */
  alertGroups: unknown[];
  /** Grafana dashboards by file name, e.g. `day/day-api-availability.json`. */
  dashboards: Record<string, unknown>;
  /** Comment for the top of the file; may span several lines. */
  header: string;
}

/** `value` as pretty JSON, its lines after the first indented by `indent` to sit inside the object. */
function embed(value: unknown, indent: string): string {
  // JSON escapes newlines inside strings, so splitting on newlines only splits between values
  return (JSON.stringify(value, null, 2) ?? 'null').split('\n').join(`\n${indent}`);
}

function commentLines(header: string): string[] {
  if (header === '') return [];
  return header
    .replace(/\r?\n$/, '')
    .split(/\r?\n/)
    .map((line) => (line === '' ? '//' : `// ${line}`));
}

/**
 * The text of mixin.libsonnet, following the monitoring-mixins convention: hidden, composable fields
 * `prometheusRules` ({ groups: recording groups }), `prometheusAlerts` ({ groups: alert groups }) and
 * `grafanaDashboards` ({ '<file name>': dashboard }), so `(import 'mixin.libsonnet').prometheusAlerts`
 * yields the alert groups and `mixin + other` merges with other mixins. The data is embedded as JSON
 * (a subset of jsonnet: its strings, `{{ $labels.x }}` included, mean the same in both), 2-space indented,
 * keys in the order given: identical input gives an identical file.
 */
export function renderMixin(input: MixinInput): string {
  const lines = [
    ...commentLines(input.header),
    '{',
    '  prometheusRules+:: {',
    `    groups+: ${embed(input.recordingGroups, '    ')},`,
    '  },',
    '  prometheusAlerts+:: {',
    `    groups+: ${embed(input.alertGroups, '    ')},`,
    '  },',
    `  grafanaDashboards+:: ${embed(input.dashboards, '  ')},`,
    '}',
  ];
  return `${lines.join('\n')}\n`;
}
