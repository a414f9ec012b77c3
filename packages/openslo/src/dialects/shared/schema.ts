import { z } from 'zod';

/**
 * Schema fragments shared by the dialects: field types with the engine's wording, the parts of the
 * OpenSLO envelope and of alerting that every OpenSLO version has, and what v1 and v2alpha have in common
 * (they differ in how an SLO names its SLI and where a metric's data source is).
 */

/**
 * Marker put into the message of an `unrecognized_keys` issue so that the reporter can
 * suggest the closest known field ("did you mean ...?").
 */
export const KNOWN_KEYS_MARKER = '\u0000known:';

/** Builds a schema once, when first used: zod schemas are costly to build (a few hundred microseconds each) and immutable. */
export function once<T>(make: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= make());
}

/** A strict object: unknown keys are errors, as in the reference validator. */
export function obj<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape).sort().join(',');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? KNOWN_KEYS_MARKER + known : undefined),
  });
}

export const str = () => z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') });
export const nonEmpty = () => str().min(1, { error: 'must not be empty' });
export const num = () => z.number({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a number') });
export const bool = () => z.boolean({ error: 'must be true or false' });
export const description = () => str().optional();
export const durationText = () => z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a duration string such as 5m, 1h or 28d (quote it if YAML reads it as a number)') });

export const OPERATORS = ['lte', 'gte', 'lt', 'gt'] as const;
export const operator = () => z.enum(OPERATORS);

export const labelValue = z.union([z.string(), z.array(z.string())], { error: 'a label value must be a string or a list of strings' });

export const metadata = () =>
  obj({
    name: str(),
    displayName: str().optional(),
    labels: z.record(z.string(), labelValue, { error: 'must be a map of label keys to values' }).optional(),
    annotations: z.record(z.string(), z.string({ error: 'an annotation value must be a string' }), { error: 'must be a map of annotation keys to strings' }).optional(),
  });

/** Free-form payload (`metricSource.spec`, `connectionDetails`): any map. */
export const freeMap = () => z.record(z.string(), z.unknown(), { error: (iss) => (iss.input === undefined ? 'is required' : 'must be a map') });

/** Present but of any shape: shapes are checked by the rules that know which variant applies. */
export const required = () => z.custom<unknown>((v) => v !== undefined && v !== null, { error: 'is required' });

/** Both fields are checked by the rules: a rolling window may carry a calendar with only a timeZone (slogen). */
export const calendar = () => obj({ startTime: str().optional(), timeZone: str().optional() });

/**
 * An OpenSLO document of one apiVersion and kind. Both are checked before the schema runs, so the literals
 * never fail: they only make the parsed documents a union that narrows by apiVersion and kind.
 */
export const envelope = <V extends string, K extends string, S extends z.ZodType>(apiVersion: V, kind: K, spec: S) =>
  obj({ apiVersion: z.literal(apiVersion), kind: z.literal(kind), metadata: metadata(), spec });

// ---------------------------------------------------------------- kinds every OpenSLO version with alerting has

export const serviceSpec = () => obj({ description: description() });

export const dataSourceSpec = () => obj({ description: description(), type: str().min(1, { error: 'must not be empty' }), connectionDetails: required() });

export const alertPolicySpec = () =>
  obj({
    description: description(),
    alertWhenNoData: bool().optional(),
    alertWhenResolved: bool().optional(),
    alertWhenBreaching: bool().optional(),
    // items are checked one by one (a reference or an inline object), for messages that say which
    conditions: z.array(z.unknown(), { error: (iss) => (iss.input === undefined ? 'is required: give exactly one condition' : 'must be a list') }),
    notificationTargets: z.array(z.unknown(), {
      error: (iss) => (iss.input === undefined ? 'is required: give at least one notification target' : 'must be a list'),
    }),
  });

export const alertConditionSpec = () =>
  obj({
    description: description(),
    severity: nonEmpty(),
    condition: obj({
      kind: str(),
      op: operator().optional(),
      threshold: num().optional(),
      lookbackWindow: durationText().optional(),
      alertAfter: durationText().optional(),
    }),
  });

export const alertNotificationTargetSpec = () => obj({ description: description(), target: nonEmpty() });

export const conditionRef = () => obj({ conditionRef: str(), operator: z.string().optional() });
export const targetRef = () => obj({ targetRef: str() });
export const alertPolicyRef = () => obj({ alertPolicyRef: str() });

export const inline = <K extends string, S extends z.ZodType>(kind: K, spec: S) => obj({ kind: z.literal(kind, { error: `must be ${kind}` }), metadata: metadata(), spec });

/**
 * The items of `alertPolicies`, `conditions` and `notificationTargets` as the model reads them, once the
 * rules have checked each one against the schema of the variant it is (a string only as a tolerated deviation).
 */
export const alertPolicyItem = () => z.union([z.string(), alertPolicyRef(), inline('AlertPolicy', alertPolicySpec())]);
export const conditionItem = () => z.union([conditionRef(), inline('AlertCondition', alertConditionSpec())]);
export const targetItem = () => z.union([targetRef(), inline('AlertNotificationTarget', alertNotificationTargetSpec())]);
export type AlertPolicySpec = z.output<ReturnType<typeof alertPolicySpec>>;
export type AlertConditionSpec = z.output<ReturnType<typeof alertConditionSpec>>;

// ---------------------------------------------------------------- what v1 and v2alpha share

/** An SLI over metrics of the dialect's shape. */
export const sliSpec = <M extends z.ZodType>(metric: () => M) =>
  obj({
    description: description(),
    thresholdMetric: metric().optional(),
    ratioMetric: obj({
      counter: bool().optional(),
      good: metric().optional(),
      bad: metric().optional(),
      total: metric().optional(),
      rawType: z.enum(['success', 'failure']).optional(),
      raw: metric().optional(),
    }).optional(),
  });

/** The fields of an objective before those that name its SLI (kept first: zod reports issues in shape order). */
export const objectiveHead = () => ({
  displayName: str().optional(),
  op: operator().optional(),
  value: num().optional(),
  target: num().gte(0).lt(1).optional(),
  targetPercent: num().gte(0).lt(100).optional(),
  timeSliceTarget: num().gt(0).lte(1).optional(),
  timeSliceWindow: durationText().optional(),
});
export const compositeWeight = () => num().gt(0).optional();
const objectiveHeadObject = () => obj(objectiveHead());
export type ObjectiveHead = z.output<ReturnType<typeof objectiveHeadObject>>;

export const budgetingMethod = () =>
  z.enum(['Occurrences', 'Timeslices', 'RatioTimeslices'], { error: (iss) => (iss.input === undefined ? 'is required: one of Occurrences, Timeslices, RatioTimeslices' : undefined) });

/** `timeWindow`: exactly one item, which the rules check (each version words the missing list its own way). */
export const timeWindow = (missing: string, notAList: string) =>
  z.array(obj({ duration: durationText(), isRolling: bool().optional(), calendar: calendar().optional() }), {
    error: (iss) => (iss.input === undefined ? missing : notAList),
  });
export type TimeWindowItem = z.output<ReturnType<typeof timeWindow>>[number];

export const objectives = <O extends z.ZodType>(objective: O) => z.array(objective, { error: 'must be a list' }).optional();
export const alertPolicies = () => z.array(z.unknown(), { error: 'must be a list' }).optional();

/** A dialect's documents as its table of schemas by kind reads them: a union that narrows by kind. */
export type DocumentOf<T extends Record<string, () => z.ZodType>> = { [K in keyof T]: z.output<ReturnType<T[K]>> }[keyof T];

/** The documents of every kind of an apiVersion that has them all (v1 and v2alpha), over its SLO and SLI specs. */
export const documentsOf = <V extends string, SLO extends z.ZodType, SLI extends z.ZodType>(apiVersion: V, slo: () => SLO, sli: () => SLI) => ({
  SLO: once(() => envelope(apiVersion, 'SLO', slo())),
  SLI: once(() => envelope(apiVersion, 'SLI', sli())),
  DataSource: once(() => envelope(apiVersion, 'DataSource', dataSourceSpec())),
  Service: once(() => envelope(apiVersion, 'Service', serviceSpec().optional())),
  AlertPolicy: once(() => envelope(apiVersion, 'AlertPolicy', alertPolicySpec())),
  AlertCondition: once(() => envelope(apiVersion, 'AlertCondition', alertConditionSpec())),
  AlertNotificationTarget: once(() => envelope(apiVersion, 'AlertNotificationTarget', alertNotificationTargetSpec())),
});
