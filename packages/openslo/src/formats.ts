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
  const m = /^([0-9]+)\s*([a-zA-Z]+)$/.exec(text);
  if (m) return `"${m[2]}" is not a duration unit; use one of m h d w M Q Y (for example ${m[1]}m)`;
  if (/^[0-9]+(\.[0-9]+)[mhdwMQY]$/.test(text)) return `"${text}" is not a whole number; durations are <positive integer><unit>`;
  if (/^0+[mhdwMQY]$/.test(text)) return `"${text}" is zero; durations must be positive`;
  return `"${text}" is not a duration; write <positive integer><unit> with unit one of m h d w M Q Y, e.g. 5m, 1h, 28d`;
}

/** Calendar unit words used by v1alpha and by slogen (`duration: Week`). */
export const CALENDAR_WORDS: Record<string, Duration> = {
  Day: { text: '1d', count: 1, unit: 'd', minutes: 1440 },
  Week: { text: '1w', count: 1, unit: 'w', minutes: 10080 },
  Month: { text: '1M', count: 1, unit: 'M', minutes: 43200 },
  Quarter: { text: '1Q', count: 1, unit: 'Q', minutes: 129600 },
  Year: { text: '1Y', count: 1, unit: 'Y', minutes: 525600 },
};

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
