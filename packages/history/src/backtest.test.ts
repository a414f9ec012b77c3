import { episodes } from './backtest';

/** Prometheus's alert states from the minutes a condition held: pending, firing after for:, resolved when it stops. */
const held = (...minutes: number[]): [number, number][] => minutes.map((m) => [m * 60, m]);
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const ep = (pendingAt: number, start: number, end: number, open = false) => ({ pendingAt: pendingAt * 60, start: start * 60, end: end * 60, open });

describe.each([
  ['no condition, no alert', held(), 0, []],
  ['for: 0 fires at the first evaluation and resolves at the first where it no longer holds', held(...range(10, 14)), 0, [ep(10, 10, 15)]],
  ['for: 2m fires two minutes after it began', held(...range(10, 14)), 120, [ep(10, 12, 15)]],
  ['a condition shorter than for: never fires', held(10, 11), 120, []],
  ['a gap resets pending and resolves firing', held(...range(10, 13), ...range(15, 20)), 120, [ep(10, 12, 14), ep(15, 17, 21)]],
  ['still firing at the end of the range is open', held(...range(95, 100)), 0, [ep(95, 95, 100, true)]],
] as [string, [number, number][], number, ReturnType<typeof ep>[]][])('%s', (_, points, forSeconds, expected) => {
  it('gives the episodes Prometheus would', () => {
    expect(episodes(points, 60, forSeconds, 100 * 60).map(({ values: _v, ...e }) => e)).toEqual(expected);
  });
});

it('keeps the values while firing, for the peak burn rate', () => {
  expect(episodes(held(1, 2, 3, 4), 60, 120, 6000)[0]!.values).toEqual([3, 4]);
});
