/**
 * Deviations from the reference validator (OpenSLO go-sdk) that other tools or the spec text accept.
 * By default each is tolerated with a warning where it is; `--strict` turns them into errors.
 * Keeping them in one table makes the lenient mode auditable.
 */
export const COMPAT = {
  'name-format': {
    strict: 'is not an RFC 1123 name (lower-case letters, digits and "-", at most 63 characters)',
    acceptedBy: 'the spec text ("must at least support" RFC 1123) and older validators',
  },
  'ratio-objective-op': {
    strict: 'op must not be set when the SLI is a ratioMetric (it is only meaningful for a thresholdMetric)',
    acceptedBy: "the spec's own examples; op is ignored for ratio SLIs",
  },
  'burnrate-without-op': {
    strict: 'a burnrate condition requires op (lte | gte | lt | gt)',
    acceptedBy: 'older validators; op defaults to gte (alert when the burn rate reaches the threshold)',
  },
  'alert-policy-string': {
    strict: 'alertPolicies[] items must be {alertPolicyRef: <name>} or an inline AlertPolicy, not a bare string',
    acceptedBy: 'the 2022 JSON schema and slogen; the string is read as alertPolicyRef',
  },
  'condition-operator': {
    strict: 'operator is not a field of AlertPolicy conditions',
    acceptedBy: 'the 2022 JSON schema; the field is ignored',
  },
  'indicator-without-spec': {
    strict: 'an inline indicator needs a spec with thresholdMetric or ratioMetric',
    acceptedBy: 'older converters; the indicator is read as a reference to the SLI of that name',
  },
  'v1alpha-counter': {
    strict: 'v1alpha ratioMetrics has no field counter (it is called incremental)',
    acceptedBy: 'older validators; counter is read as incremental',
  },
  'v1alpha-objective-value': {
    strict: 'v1alpha objectives require value',
    acceptedBy: 'Sloth; value has no meaning for ratioMetrics',
  },
  'v1alpha-default-window': {
    strict: 'openslo/v1alpha requires timeWindows with exactly one window, e.g. timeWindows: [{count: 30, unit: Day, isRolling: true}]',
    acceptedBy: 'Sloth, which uses 30 days rolling',
  },
  'v1alpha-implicit-rolling': {
    strict: 'a time window needs isRolling: true or a calendar',
    acceptedBy: 'Sloth; the window is read as rolling',
  },
  'calendar-word-duration': {
    strict: 'duration must be a duration shorthand such as 1w (not a unit word)',
    acceptedBy: 'slogen; Day/Week/Month/Quarter/Year are read as 1d/1w/1M/1Q/1Y',
  },
  'calendar-weekday-start': {
    strict: 'calendar.startTime must be a date and time "YYYY-MM-DD hh:mm:ss"',
    acceptedBy: 'slogen; a weekday name starts a week-aligned window on that day',
  },
  'rolling-with-calendar': {
    strict: 'calendar cannot be set when isRolling is true',
    acceptedBy: 'slogen; a calendar with only a timeZone is ignored for a rolling window',
  },
  'multiple-conditions': {
    strict: 'an AlertPolicy allows exactly one condition',
    acceptedBy: 'slogen; each condition becomes its own alert',
  },
  'condition-kind-sli': {
    strict: 'condition.kind must be burnrate',
    acceptedBy: 'slogen; kind sli alerts when the SLI falls below threshold percent, and lookbackWindow is not used',
  },
  'negative-lookback': {
    strict: 'lookbackWindow must be a positive duration',
    acceptedBy: 'slogen; the sign is dropped',
  },
  'objectives-missing': {
    strict: 'spec.objectives is required (spec rule)',
    acceptedBy: 'the reference validator, which does not enforce it; nothing is compiled for an SLO without objectives',
  },
  'threshold-objectives': {
    strict: 'an SLO with a thresholdMetric may define only one objective (spec rule)',
    acceptedBy: 'the reference validator, which does not enforce it',
  },
  'v1alpha-timeslice-target': {
    strict: 'budgetingMethod Timeslices needs timeSliceTarget',
    acceptedBy: 'older validators; a slice is good when its SLI meets the objective target',
  },
  'threshold-in-source': {
    strict: 'objectives need op and value when the SLI is a thresholdMetric',
    acceptedBy: 'slogen; the comparison is taken from the metric source spec (op, threshold, size)',
  },
} as const;

export type CompatId = keyof typeof COMPAT;
