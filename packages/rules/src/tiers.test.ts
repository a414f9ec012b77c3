import { capToBudget, defaultTiers, detectionMinutes, errorBudget, factorFor, shortWindow, threshold } from './tiers';
import { promDuration } from './durations';

const DAY = 1440;

describe('default tiers scale with the period', () => {
  it.each([
    // period, [long windows], [short windows], [factors]
    [30 * DAY, ['1h', '6h', '1d', '3d'], ['5m', '30m', '2h', '6h'], ['14.4', '6', '3', '1']],
    [28 * DAY, ['56m', '5h36m', '22h24m', '2d19h12m'], ['5m', '28m', '1h52m', '5h36m'], ['14.4', '6', '3', '1']],
    [7 * DAY, ['14m', '1h24m', '5h36m', '16h48m'], ['5m', '7m', '28m', '1h24m'], ['14.4', '6', '3', '1']],
    [90 * DAY, ['3h', '18h', '3d', '9d'], ['15m', '1h30m', '6h', '18h'], ['14.4', '6', '3', '1']],
  ])('period %d minutes', (period, longs, shorts, factors) => {
    const { tiers } = defaultTiers(period);
    expect(tiers.map((t) => promDuration(t.longMinutes))).toEqual(longs);
    expect(tiers.map((t) => promDuration(t.shortMinutes))).toEqual(shorts);
    expect(tiers.map((t) => t.factor)).toEqual(factors);
    expect(tiers.map((t) => `${t.id}:${t.severity}`)).toEqual(['page-fast:page', 'page-slow:page', 'ticket-fast:ticket', 'ticket-slow:ticket']);
  });

  it('never goes below a 5m short window, and says so', () => {
    const { tiers, warnings } = defaultTiers(7 * DAY);
    expect(tiers[0]!.shortMinutes).toBe(5);
    expect(warnings.map((w) => w.message)).toEqual([expect.stringContaining('page-fast: the short window would be 1.2m')]);
    expect(shortWindow(50)).toEqual({ minutes: 5, clamped: true });
    expect(shortWindow(60)).toEqual({ minutes: 5, clamped: false });
  });

  it.each([
    // a 1d period: every window scaled to under 5m is raised to 5m and keeps the Workbook's factor,
    // so the fast page still needs a faster burn than the slow one (it used to get 5.76 against 6)
    [1 * DAY, ['5m', '12m', '48m', '2h24m'], ['5m', '5m', '5m', '12m'], ['14.4', '6', '3', '1']],
    [2 * DAY, ['5m', '24m', '1h36m', '4h48m'], ['5m', '5m', '8m', '24m'], ['14.4', '6', '3', '1']],
  ])('short period %d minutes keeps the factors in order', (period, longs, shorts, factors) => {
    const { tiers, warnings } = defaultTiers(period);
    expect(tiers.map((t) => promDuration(t.longMinutes))).toEqual(longs);
    expect(tiers.map((t) => promDuration(t.shortMinutes))).toEqual(shorts);
    expect(tiers.map((t) => t.factor)).toEqual(factors);
    const f = tiers.map((t) => Number(t.factor));
    expect(f).toEqual([...f].sort((a, b) => b - a));
    expect(warnings.map((w) => w.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^tier page-fast: the period is too short for its .*m long window; using 5m.*fires after .*% of the budget/),
        expect.stringMatching(/^tier page-fast: a single 5m window/),
      ]),
    );
  });

  it('says what a floored window costs: the share of a 1d budget spent before the fast page fires', () => {
    const { tiers, warnings } = defaultTiers(DAY);
    expect(tiers[0]!.budgetShare).toBe('0.05');
    expect(warnings[0]!.message).toContain('fires after 5% of the budget is spent instead of 2%');
  });

  it('turns tiers off by id or severity', () => {
    expect(defaultTiers(30 * DAY, { disable: ['ticket'] }).tiers.map((t) => t.id)).toEqual(['page-fast', 'page-slow']);
    expect(defaultTiers(30 * DAY, { disable: ['page-slow'] }).tiers.map((t) => t.id)).toEqual(['page-fast', 'ticket-fast', 'ticket-slow']);
    expect(defaultTiers(30 * DAY, { forMinutes: 3 }).tiers.every((t) => t.forMinutes === 3)).toBe(true);
  });
});

describe('tiers that could never fire are lowered to half the requests failing', () => {
  const tiers = defaultTiers(30 * DAY).tiers;
  it.each([
    // target, factors after capping, tiers named in warnings
    ['0.9', ['5', '5', '3', '1'], ['page-fast', 'page-slow']],
    ['0.95', ['10', '6', '3', '1'], ['page-fast']],
    ['0.99', ['14.4', '6', '3', '1'], []],
    ['0.999', ['14.4', '6', '3', '1'], []],
  ])('target %s', (target, factors, named) => {
    const capped = capToBudget(tiers, errorBudget(target));
    expect(capped.tiers.map((t) => t.factor)).toEqual(factors);
    expect(capped.warnings.map((w) => w.message.split(' ')[1])).toEqual(named);
    // every tier can fire: its threshold is at most half the requests failing
    for (const t of capped.tiers) expect(Number(threshold(t.factor, errorBudget(target)))).toBeLessThanOrEqual(0.5);
  });
  it('says when a tier could never fire at all', () => {
    const [w] = capToBudget(tiers, '0.1').warnings;
    expect(w!.message).toBe(
      'tier page-fast needs an error ratio of 144% (14.4 × the 10% budget), so it could never fire; its factor is lowered to 5 so that it pages once half the requests fail (a total outage within half its long window)',
    );
  });
  it('leaves alone conditions that alert below a burn rate', () => {
    const low = [{ ...tiers[0]!, op: 'lt' as const }];
    expect(capToBudget(low, '0.1').tiers[0]!.factor).toBe('14.4');
  });
});

describe('exact arithmetic (no float artefacts)', () => {
  it.each([
    ['0.999', '0.001'],
    ['0.9995', '0.0005'],
    ['0.99', '0.01'],
    ['0.9999', '0.0001'],
    ['0.95', '0.05'],
  ])('error budget of %s is %s', (target, budget) => expect(errorBudget(target)).toBe(budget));

  it.each([
    ['14.4', '0.001', '0.0144'],
    ['6', '0.0005', '0.003'],
    ['1', '0.01', '0.01'],
    ['3', '0.0001', '0.0003'],
  ])('threshold %s x %s = %s', (f, b, t) => expect(threshold(f, b)).toBe(t));

  it('computes factors from budget share, period and window', () => {
    expect(factorFor('0.02', 30 * DAY, 60)).toBe('14.4');
    expect(factorFor('0.05', 30 * DAY, 360)).toBe('6');
    expect(factorFor('0.1', 30 * DAY, 4320)).toBe('1');
  });

  it('detection time of a constant burn is factor / burn x long window', () => {
    expect(detectionMinutes({ factor: '14.4', longMinutes: 60 }, 100)).toBeCloseTo(8.64);
    expect(detectionMinutes({ factor: '1', longMinutes: 4320 }, 2)).toBe(2160);
  });
});

describe('promDuration', () => {
  it.each([
    [5, '5m'],
    [90, '1h30m'],
    [1440, '1d'],
    [40320, '28d'],
    [3672, '2d13h12m'],
  ])('%d minutes is %s', (m, text) => expect(promDuration(m)).toBe(text));
  it('refuses what is not a positive whole number of minutes', () => {
    expect(() => promDuration(0)).toThrow();
    expect(() => promDuration(1.5)).toThrow();
  });
});
