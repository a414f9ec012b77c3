import { createHash } from 'node:crypto';

/**
 * Every metric, label, group and alert name the compiler writes. Dashboards, `slo report` and the
 * README's metrics contract refer to these; change a name here and nowhere else.
 */

export const LABEL = {
  name: 'slo_name',
  service: 'slo_service',
  window: 'slo_window',
  severity: 'slo_severity',
  tier: 'slo_tier',
  targets: 'slo_notification_targets',
  targetKinds: 'slo_notification_kinds',
  objective: 'objective',
  period: 'period',
  budgetingMethod: 'budgeting_method',
  displayName: 'display_name',
  engineVersion: 'slo_engine_version',
  dashboardUid: 'dashboard_uid',
} as const;

/**
 * The label Alertmanager routes (and kube-prometheus-stack's default routes) read: every alert carries it,
 * mapped from the tier's severity by SEVERITY_LABEL_VALUES unless the user maps it otherwise.
 */
export const SEVERITY_LABEL = 'severity';
/** The default mapping of a tier's severity to the `severity` label; other severities are copied as they are. */
export const SEVERITY_LABEL_VALUES: Readonly<Record<string, string>> = { page: 'critical', ticket: 'warning' };

/** Labels the compiler owns; an SLO's own label with one of these names is not copied (compile says so). */
export const RESERVED_LABELS: ReadonlySet<string> = new Set([...Object.values(LABEL), 'alertname', '__name__', 'le']);

/** Building blocks (read from the raw metrics once per evaluation) and their roll-ups. */
export const BLOCK = {
  /** Bad events per second over the last 5 minutes (or bad slices), evaluated every minute. */
  bad: 'slo:sli_bad:rate5m',
  total: 'slo:sli_total:rate5m',
  /** Sum of the last 10 minutes of building-block samples, evaluated every 10 minutes. */
  badRollup: 'slo:sli_bad:rate5m_sum10m',
  totalRollup: 'slo:sli_total:rate5m_sum10m',
} as const;

export const RECORD = {
  errorRatio: (window: string) => `slo:sli_error:ratio_rate${window}`,
  objective: 'slo:objective:ratio',
  errorBudget: 'slo:error_budget:ratio',
  budgetRemaining: 'slo:period_error_budget_remaining:ratio',
  currentBurnRate: 'slo:current_burn_rate:ratio',
  /**
   * The fraction of the period the recorded building blocks cover (0..1): below 1 the period values are measured
   * over less than the period (the rules started recently and history was not backfilled).
   */
  periodCoverage: 'slo:period_coverage:ratio',
  /** 1 while the SLO saw no events in the last 5 minutes (its error ratio then reads 0). */
  noTraffic: 'slo:no_traffic:bool',
  info: 'slo_info',
  /**
   * The shared layout's list of a bundle's objectives (1 for each), named after them: its shared
   * rules keep to these, so that two bundles in one Prometheus never record each other's series.
   */
  bundleMembers: (id: string) => `slo:bundle_members:h${id}`,
} as const;

export const ALERT_NAME = 'SLOErrorBudgetBurn';
/** The alert of SLOs whose alert policy has alertWhenNoData: the SLI saw no events (or no series) for a while. */
export const NO_DATA_ALERT = 'SLONoData';
/** Its `slo_tier` label, and the name `--disable-tier` turns it off by. */
export const NO_DATA_TIER = 'no-data';
/** `slo-engine.dev/no-data-for: 15m`: how long an SLI may see nothing before its no-data alert fires. */
export const NO_DATA_FOR_ANNOTATION = 'slo-engine.dev/no-data-for';
export const DEFAULT_NO_DATA_MINUTES = 10;

/** Grafana caps dashboard uids at 40 characters. */
const MAX_UID = 40;

/**
 * The Helm chart's copies of the rules and dashboards carry this label as an empty scope (`slo_scope=""` on every
 * selector, `slo_scope: ""` on every rule): a no-op in Prometheus (an empty label is no label), and the place
 * where the chart writes its `scope` value, or which it removes.
 */
export const SCOPE_SLOT: Readonly<Record<string, string>> = { slo_scope: '' };

/** `namespace=day-prod,cluster=eks`: a compile's scope, sorted, as text (empty without one). */
export function scopeText(scope: Readonly<Record<string, string>> = {}): string {
  return Object.keys(scope)
    .sort()
    .map((k) => `${k}=${scope[k]}`)
    .join(',');
}

/**
 * A Grafana uid: readable when short, a hash-suffixed prefix when not. A scoped compile always gets the hash,
 * so that two environments' dashboards can live in one Grafana.
 */
function uid(readable: string, key: string, scope: Readonly<Record<string, string>>): string {
  const clean = readable.replace(/[^A-Za-z0-9_-]/g, '-');
  const scoped = scopeText(scope);
  if (!scoped && clean.length <= MAX_UID) return clean;
  const hash = createHash('sha256')
    .update(scoped ? `${key}\n${scoped}` : key)
    .digest('hex')
    .slice(0, 8);
  return `${clean.slice(0, MAX_UID - hash.length - 1)}-${hash}`;
}

/** The uid of an SLO's Grafana dashboard; `slo_info` carries it so that the overview can link to it. */
export function dashboardUid(service: string, slo: string, scope: Readonly<Record<string, string>> = {}): string {
  return uid(`slo-${service}-${slo}`, `${service}\n${slo}`, scope);
}

/** The uid of the overview dashboard. */
export function overviewUid(scope: Readonly<Record<string, string>> = {}): string {
  return uid(DASHBOARD.overviewUid, DASHBOARD.overviewUid, scope);
}

/** A name as a file name: anything but letters, digits, `.`, `_` and `-` becomes `-`. */
export const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '-');

/** `<service>/<slo>`: where an SLO's generated files go, under each output directory. */
export function outputStem(service: string, slo: string): string {
  return `${safeName(service)}/${safeName(slo)}`;
}

export const DASHBOARD = {
  overviewUid: 'slo-overview',
  overviewFile: 'overview.json',
  tags: ['slo', 'slo-engine'],
} as const;

/** Rule groups per SLO: names are unique because SLO names are unique per service. */
export const GROUP = {
  sli: (service: string, slo: string) => `slo:${service}:${slo}:sli`,
  rollup: (service: string, slo: string) => `slo:${service}:${slo}:rollup`,
  period: (service: string, slo: string) => `slo:${service}:${slo}:period`,
  alerts: (service: string, slo: string) => `slo:${service}:${slo}:alerts`,
  /** The shared layout's groups, one for all SLOs: three segments, so never equal to an SLO's four. */
  sharedConstants: 'slo:shared:constants',
  sharedBlocks: 'slo:shared:blocks',
  sharedWindows: 'slo:shared:windows',
  sharedRollup: 'slo:shared:rollup',
  sharedPeriod: 'slo:shared:period',
} as const;

/** The shared file's groups in the order data flows through them (the file's order, and the generated tests'). */
export const SHARED_GROUPS = [GROUP.sharedConstants, GROUP.sharedBlocks, GROUP.sharedWindows, GROUP.sharedRollup, GROUP.sharedPeriod] as const;
/** Whether a group is one of the shared layout's, which name every SLO of the bundle. */
export const isSharedGroup = (name: string): boolean => (SHARED_GROUPS as readonly string[]).includes(name);

/** The shared layout's rule files start with this, beside the service folders (a file cannot clash with a folder). */
export const SHARED_STEM = 'shared';
/** Longest readable part of a shared file's name; longer input lists are named by a hash. */
const MAX_BUNDLE_NAME = 40;

/**
 * The shared layout's file stem for a compile of these inputs (each file's or folder's own name, `-` for
 * standard input): `shared-slo-specs` for `slo compile slo-specs`. Named after the inputs so that several sets
 * of specs compiled into one folder each keep their own shared rules, and the same inputs always name the same file.
 */
export function sharedStem(inputs: readonly string[]): string {
  const parts = [...new Set(inputs.map((i) => (i === '-' ? 'stdin' : i)))].sort();
  const readable = safeName(parts.join('+')).replace(/^[.-]+|[.-]+$/g, '');
  if (readable && readable.length <= MAX_BUNDLE_NAME) return `${SHARED_STEM}-${readable}`;
  return `${SHARED_STEM}-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 8)}`;
}

export const INTERVAL = {
  /** Building blocks, short windows and alerts. */
  sli: '1m',
  /** Roll-ups: each sample sums the last 10 minutes of building blocks. */
  rollup: '10m',
  /** Day-plus windows and the period: cheap, and need not run every minute. */
  period: '2m',
} as const;

/** Building blocks rate over this range; the shortest window, and the resolution of everything else. */
export const BLOCK_RANGE = '5m';
export const BLOCK_RANGE_MINUTES = 5;
/** Building blocks are recorded this often (INTERVAL.sli): the most samples a window of m minutes holds is m. */
export const BLOCK_INTERVAL_MINUTES = 1;
export const ROLLUP_MINUTES = 10;
/** Windows of at least this many minutes read the roll-ups. */
export const ROLLUP_THRESHOLD_MINUTES = 1440;
