/** Prometheus duration literals: `1h30m`, `5m`, `250ms`, or a plain number of seconds (Prometheus 3). */

const UNIT_SECONDS: readonly [string, number][] = [
  ['y', 365 * 24 * 3600],
  ['w', 7 * 24 * 3600],
  ['d', 24 * 3600],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
  ['ms', 0.001],
];

/** Units must appear largest first and at most once, as in Prometheus' model.ParseDuration. */
const UNITS = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const SECONDS = /^(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

export const DURATION_HINT = 'use forms like 30s, 5m, 1h30m';

/** Length in seconds, or undefined if the text is not a valid duration. */
export function durationSeconds(text: string): number | undefined {
  if (text === '') return undefined;
  if (SECONDS.test(text)) return Number(text);
  const m = UNITS.exec(text);
  if (!m) return undefined;
  let total = 0;
  UNIT_SECONDS.forEach(([, factor], i) => {
    const v = m[i + 1];
    if (v !== undefined) total += Number(v) * factor;
  });
  return total;
}
