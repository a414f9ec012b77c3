import { BLOCK, ROLLUP_MINUTES } from '@slo-engine/rules';
import { periodSource, periodUnits } from './coverage';

/**
 * "measured over" shows coverage × the period in whole units, and a value mapping names the exact full value "all <period>".
 * A period one sample short of full must still read below full at the line's decimals, or a partial value would look whole.
 */
describe('the measured time of a period', () => {
  it.each([
    // period (minutes), unit, amount, samples the period ratio sums
    [30 * 1440, 'd', 30, BLOCK.totalRollup],
    [28 * 1440, 'd', 28, BLOCK.totalRollup],
    [7 * 1440, 'd', 7, BLOCK.totalRollup],
    [365 * 1440, 'd', 365, BLOCK.totalRollup],
    [1440, 'd', 1, BLOCK.totalRollup],
    [36 * 60, 'h', 36, BLOCK.totalRollup],
    [1470, 'min', 1470, BLOCK.totalRollup],
    [6 * 60, 'h', 6, BLOCK.total],
    [23 * 60, 'h', 23, BLOCK.total],
    [90, 'min', 90, BLOCK.total],
  ])('%d minutes: in %s, %d of them, summing %s', (minutes, symbol, amount, series) => {
    const u = periodUnits(minutes);
    expect({ symbol: u.symbol, amount: u.amount, series: periodSource(minutes).series }).toEqual({ symbol, amount, series });
    const every = series === BLOCK.totalRollup ? ROLLUP_MINUTES : 1;
    const samples = minutes / every;
    const oneShort = ((samples - 1) / samples) * u.amount;
    expect(Number.isInteger(u.amount)).toBe(true);
    expect(oneShort.toFixed(u.decimals)).not.toBe(u.amount.toFixed(u.decimals));
  });
});
