/** Prometheus duration text for a whole number of minutes, in days where it divides: 90 → 1h30m, 1440 → 1d, 40320 → 28d. */
export function promDuration(minutes: number): string {
  if (!Number.isInteger(minutes) || minutes <= 0) throw new RangeError(`not a positive whole number of minutes: ${minutes}`);
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return `${d ? `${d}d` : ''}${h ? `${h}h` : ''}${m ? `${m}m` : ''}`;
}
