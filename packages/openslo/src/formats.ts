/** Value formats from the OpenSLO spec (names, label keys, durations, calendar fields). */

/** RFC 1123 label: what `metadata.name` and every `*Ref` must be. */
export const RFC1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Names other tools accept (upper case, `_`, `.`); tolerated by default with a warning. */
export const LOOSE_NAME = /^[A-Za-z0-9]([-_.A-Za-z0-9]*[A-Za-z0-9])?$/;
export const MAX_NAME_LENGTH = 63;
export const MAX_DESCRIPTION_LENGTH = 1050;
export const MAX_DISPLAY_NAME_LENGTH = 63;

export const LABEL_KEY = /^[a-zA-Z0-9]([-._a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Annotation keys are `[dns-subdomain/]name`. Returns a reason when invalid. */
export function annotationKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && !DNS_SUBDOMAIN.test(prefix)) return `prefix "${prefix}" is not a DNS subdomain (lower-case letters, digits, "-" and ".")`;
  if (!LABEL_KEY.test(name)) return `name "${name}" must be at most 63 characters, begin and end with a letter or digit, with only "-", "_", "." and alphanumerics between`;
  return undefined;
}

export const DURATION_UNITS = { m: 1, h: 60, d: 1440, w: 10080, M: 43200, Q: 129600, Y: 525600 } as const;
export type DurationUnit = keyof typeof DURATION_UNITS;
const DURATION = /^([0-9]+)([mhdwMQY])$/;

export interface Duration {
  /** As written, e.g. `4w`. */
  text: string;
  count: number;
  unit: DurationUnit;
  /** Length in minutes (M = 30d, Q = 90d, Y = 365d, as the reference SDK does). */
  minutes: number;
}

/**
 * The longest SLO period: 1Y (365d), the longest unit of the shorthand. Prometheus itself only refuses ranges
 * beyond Go's time.Duration, about 292 years (300Y compiles to `[109500d]`, which promtool rejects as "duration
 * out of range"), but a rolling period must be kept in Prometheus' storage and its error ratio re-reads the
 * whole period (52,560 roll-up samples a series for a year) on every evaluation: longer spans are reports, not
 * error budgets to alert on. Every window the compiler derives (burn-rate windows, `for:`, time slices) fits
 * inside the period.
 */
export const MAX_PERIOD_MINUTES = DURATION_UNITS.Y;
/** What a duration longer than MAX_PERIOD_MINUTES is, for messages. */
export const LONGER_THAN_MAX_PERIOD = 'is longer than 1Y (365d), the longest supported SLO period';

/** Minutes of a positive duration shorthand, however large its count (then inexact), else undefined. */
export function shorthandMinutes(text: string): number | undefined {
  const m = DURATION.exec(text);
  const count = m ? Number(m[1]) : 0;
  return m && count > 0 ? count * DURATION_UNITS[m[2] as DurationUnit] : undefined;
}

export function parseDuration(text: string): Duration | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const count = Number(m[1]);
  const unit = m[2] as DurationUnit;
  if (!Number.isSafeInteger(count) || count <= 0) return undefined;
  return { text, count, unit, minutes: count * DURATION_UNITS[unit] };
}

/** Why a string is not a duration shorthand, phrased as a fix. */
export function durationProblem(text: string): string {
  if (/^[0-9]+$/.test(text)) return `"${text}" has no unit; write it as ${text}m, ${text}h or ${text}d`;
  // before the unit check, which would call the valid unit of "0m" unknown
  if (/^0+[mhdwMQY]$/.test(text)) return `"${text}" is zero; durations must be positive`;
  if (shorthandMinutes(text) !== undefined) return `"${text}" ${LONGER_THAN_MAX_PERIOD}`;
  const m = /^([0-9]+)\s*([a-zA-Z]+)$/.exec(text);
  if (m) return `"${m[2]}" is not a duration unit; use one of m h d w M Q Y (for example ${m[1]}m)`;
  if (/^[0-9]+(\.[0-9]+)[mhdwMQY]$/.test(text)) return `"${text}" is not a whole number; durations are <positive integer><unit>`;
  return `"${text}" is not a duration; write <positive integer><unit> with unit one of m h d w M Q Y, e.g. 5m, 1h, 28d`;
}

/**
 * Calendar unit words used by v1alpha and by slogen (`duration: Week`). Without a prototype, so that
 * `duration: toString` is no calendar word.
 */
export const CALENDAR_WORDS: Record<string, Duration> = Object.assign(Object.create(null) as Record<string, Duration>, {
  Day: { text: '1d', count: 1, unit: 'd', minutes: 1440 },
  Week: { text: '1w', count: 1, unit: 'w', minutes: 10080 },
  Month: { text: '1M', count: 1, unit: 'M', minutes: 43200 },
  Quarter: { text: '1Q', count: 1, unit: 'Q', minutes: 129600 },
  Year: { text: '1Y', count: 1, unit: 'Y', minutes: 525600 },
} satisfies Record<string, Duration>);

/** `2006-01-02 15:04:05` (the layout the reference SDK accepts), checked as a real date. */
export function isCalendarStartTime(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
}

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export function isTimeZone(name: string): boolean {
  if (name === '' || name === 'Local') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
