import { z } from 'zod';

/**
 * Marker put into the message of an `unrecognized_keys` issue so that the reporter can
 * suggest the closest known field ("did you mean ...?").
 */
export const KNOWN_KEYS_MARKER = '\u0000known:';

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

export const alertPolicySpec = () =>
  obj({
    description: description(),
    alertWhenNoData: bool().optional(),
    alertWhenResolved: bool().optional(),
    alertWhenBreaching: bool().optional(),
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

export const serviceSpec = () => obj({ description: description() });

export const conditionRef = () => obj({ conditionRef: str(), operator: z.string().optional() });
export const targetRef = () => obj({ targetRef: str() });
export const alertPolicyRef = () => obj({ alertPolicyRef: str() });

export const inline = <S extends z.ZodType>(kind: string, spec: S) => obj({ kind: z.literal(kind, { error: `must be ${kind}` }), metadata: metadata(), spec });
