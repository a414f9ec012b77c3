import type { SourcePos } from './diagnostics';
import type { Duration } from './formats';

/** The normalised, version-independent model that the rule and dashboard compilers consume. */

export type Operator = 'lte' | 'gte' | 'lt' | 'gt';
export type BudgetingMethod = 'Occurrences' | 'Timeslices' | 'RatioTimeslices';

export interface Query {
  /** PromQL as written (placeholders such as {{.window}} left in). */
  promql: string;
  pos: SourcePos;
  /** Data source type, e.g. Prometheus; undefined when it cannot be known. */
  sourceType?: string;
}

export type Indicator =
  | { kind: 'ratio'; name?: string; counter: boolean; good?: Query; bad?: Query; total: Query }
  | { kind: 'raw'; name?: string; rawType: 'success' | 'failure'; raw: Query }
  | { kind: 'threshold'; name?: string; metric: Query };

export interface Objective {
  displayName?: string;
  /** The objective as a decimal string, exact as written (targetPercent 99.9 → "0.999"). */
  target: string;
  op?: Operator;
  value?: number;
  timeSliceTarget?: number;
  timeSliceWindow?: Duration;
  compositeWeight: number;
  indicator: Indicator;
}

export interface AlertCondition {
  name?: string;
  severity: string;
  kind: 'burnrate';
  op: Operator;
  /** Burn-rate factor. */
  threshold: number;
  lookbackWindow: Duration;
  alertAfter?: Duration;
  pos: SourcePos;
}

export interface NotificationTarget {
  name?: string;
  target: string;
}

export interface AlertPolicy {
  name: string;
  alertWhenBreaching: boolean;
  alertWhenResolved: boolean;
  alertWhenNoData: boolean;
  conditions: AlertCondition[];
  targets: NotificationTarget[];
}

export interface TimeWindow {
  duration: Duration;
  rolling: boolean;
  calendar?: { startTime: string; timeZone: string };
}

/** Labels and annotations for the default page/ticket alerts (Sloth's `alerting` block maps here). */
export interface AlertCustomisation {
  enabled: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface DefaultAlerting {
  /** Alert name instead of the engine's. */
  name?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  page: AlertCustomisation;
  ticket: AlertCustomisation;
}

export interface Slo {
  name: string;
  displayName?: string;
  description?: string;
  service: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  budgetingMethod: BudgetingMethod;
  window: TimeWindow;
  objectives: Objective[];
  alertPolicies: AlertPolicy[];
  /** Where the SLO is defined. */
  pos: SourcePos;
  apiVersion: string;
  /** Customisation of the default alerts when the SLO has no alert policies (from Sloth documents). */
  alerting?: DefaultAlerting;
  /** Extra labels for every rule of this SLO (Sloth's `labels`). */
  ruleLabels?: Record<string, string>;
  /**
   * Sloth's semantics: queries aggregated `by (labels)` give one ratio, budget and alert per label value,
   * so those labels become the SLO's group-by labels. OpenSLO has no such rule (its queries are summed).
   */
  groupsByQueryLabels?: boolean;
}
