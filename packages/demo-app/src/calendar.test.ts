import { dayFacts, daysFromCivil, parseIsoDate, todayUtc } from './calendar';

describe('dayFacts', () => {
  // expected values from Python's datetime (isocalendar, timetuple().tm_yday)
  it.each([
    ['2024-02-29', 'Thursday', 4, 60, 9, 2024, 1, true, 306, 19782],
    ['2023-01-01', 'Sunday', 7, 1, 52, 2022, 1, false, 364, 19358],
    ['2020-12-31', 'Thursday', 4, 366, 53, 2020, 4, true, 0, 18627],
    ['2021-01-03', 'Sunday', 7, 3, 53, 2020, 1, false, 362, 18630],
    ['2008-12-29', 'Monday', 1, 364, 1, 2009, 4, true, 2, 14242],
    ['2000-01-01', 'Saturday', 6, 1, 52, 1999, 1, true, 365, 10957],
    ['1900-03-01', 'Thursday', 4, 60, 9, 1900, 1, false, 305, -25508],
    ['1970-01-01', 'Thursday', 4, 1, 1, 1970, 1, false, 364, 0],
    ['2026-06-15', 'Monday', 1, 166, 25, 2026, 2, false, 199, 20619],
    ['0001-01-01', 'Monday', 1, 1, 1, 1, 1, false, 364, -719162],
    ['9999-12-31', 'Friday', 5, 365, 52, 9999, 4, false, 0, 2932896],
  ] as const)('%s', (date, weekday, isoWeekday, dayOfYear, isoWeek, isoWeekYear, quarter, leapYear, daysLeftInYear, daysSinceUnixEpoch) => {
    expect(dayFacts(parseIsoDate(date)!)).toMatchObject({
      date,
      weekday,
      isoWeekday,
      weekend: isoWeekday >= 6,
      dayOfYear,
      isoWeek,
      isoWeekYear,
      quarter,
      leapYear,
      daysInYear: leapYear ? 366 : 365,
      daysLeftInYear,
      daysSinceUnixEpoch,
    });
  });

  it('agrees with Date on every day from 1600 to 2400', () => {
    // Date is exact in this range; setUTCFullYear avoids its two-digit-year mapping
    const d = new Date(0);
    d.setUTCFullYear(1600, 0, 1);
    let mismatches = 0;
    for (; d.getUTCFullYear() < 2400; d.setUTCDate(d.getUTCDate() + 1)) {
      const cal = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
      const facts = dayFacts(cal);
      if (daysFromCivil(cal) * 86_400_000 !== d.getTime() || facts.isoWeekday % 7 !== d.getUTCDay()) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});

describe('parseIsoDate', () => {
  it.each(['2024-02-29', '2023-12-31', '0001-01-01', '9999-12-31', '2000-02-29'])('accepts %s', (s) => {
    expect(parseIsoDate(s)).toBeDefined();
  });
  it.each([
    '2023-02-29',
    '1900-02-29',
    '2024-04-31',
    '2024-13-01',
    '2024-00-10',
    '2024-01-00',
    '0000-01-01',
    '10000-01-01',
    '2024-1-01',
    '24-01-01',
    '2024/01/01',
    '2024-01-01T00:00:00Z',
    ' 2024-01-01',
    'today',
    '',
  ])('refuses %j', (s) => {
    expect(parseIsoDate(s)).toBeUndefined();
  });
});

it('todayUtc uses the UTC date', () => {
  expect(todayUtc(new Date('2024-03-01T23:30:00-05:00'))).toEqual({ year: 2024, month: 3, day: 2 });
});
