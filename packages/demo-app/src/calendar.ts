/**
 * Facts about a day in the proleptic Gregorian calendar (ISO 8601, as PostgreSQL's date type uses it).
 * Plain arithmetic rather than Date: Date.UTC maps years 0..99 to 1900..1999.
 */

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

export interface DayFacts {
  date: string;
  year: number;
  month: number;
  day: number;
  /** ISO weekday name, Monday..Sunday. */
  weekday: string;
  /** 1 = Monday .. 7 = Sunday. */
  isoWeekday: number;
  weekend: boolean;
  dayOfYear: number;
  isoWeek: number;
  /** The year the ISO week belongs to: differs from `year` around New Year. */
  isoWeekYear: number;
  quarter: number;
  leapYear: boolean;
  daysInMonth: number;
  daysInYear: number;
  daysLeftInYear: number;
  /** Days since 1970-01-01 (negative before). */
  daysSinceUnixEpoch: number;
}

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334] as const;

export const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1]!;
}

/** Parses `YYYY-MM-DD` with year 0001..9999; undefined unless it is a real calendar date. */
export function parseIsoDate(s: string): CalendarDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

export function formatIsoDate(d: CalendarDate): string {
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

export function todayUtc(now: Date = new Date()): CalendarDate {
  return { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() };
}

/** Days from 1970-01-01 (Howard Hinnant's days_from_civil). */
export function daysFromCivil({ year, month, day }: CalendarDate): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** 1 = Monday .. 7 = Sunday; 1970-01-01 was a Thursday. */
function isoWeekdayOf(d: CalendarDate): number {
  const wd = (daysFromCivil(d) + 3) % 7; // 0 = Monday
  return (wd < 0 ? wd + 7 : wd) + 1;
}

/** 53 when the year starts on a Thursday, or on a Wednesday in a leap year; else 52. */
function isoWeeksInYear(year: number): number {
  const jan1 = isoWeekdayOf({ year, month: 1, day: 1 });
  return jan1 === 4 || (jan1 === 3 && isLeapYear(year)) ? 53 : 52;
}

export function dayFacts(d: CalendarDate): DayFacts {
  const leapYear = isLeapYear(d.year);
  const daysInYear = leapYear ? 366 : 365;
  const dayOfYear = DAYS_BEFORE_MONTH[d.month - 1]! + d.day + (leapYear && d.month > 2 ? 1 : 0);
  const isoWeekday = isoWeekdayOf(d);
  // ISO 8601: week 1 is the week with the year's first Thursday
  let isoWeekYear = d.year;
  let isoWeek = Math.floor((dayOfYear - isoWeekday + 10) / 7);
  if (isoWeek < 1) {
    isoWeekYear = d.year - 1;
    isoWeek = isoWeeksInYear(isoWeekYear);
  } else if (isoWeek > isoWeeksInYear(d.year)) {
    isoWeekYear = d.year + 1;
    isoWeek = 1;
  }
  return {
    date: formatIsoDate(d),
    year: d.year,
    month: d.month,
    day: d.day,
    weekday: WEEKDAYS[isoWeekday - 1]!,
    isoWeekday,
    weekend: isoWeekday >= 6,
    dayOfYear,
    isoWeek,
    isoWeekYear,
    quarter: Math.ceil(d.month / 3),
    leapYear,
    daysInMonth: daysInMonth(d.year, d.month),
    daysInYear,
    daysLeftInYear: daysInYear - dayOfYear,
    daysSinceUnixEpoch: daysFromCivil(d),
  };
}
