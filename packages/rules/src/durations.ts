/** Prometheus duration text for a whole number of minutes, in days where it divides: 90 → 1h30m, 1440 → 1d, 40320 → 28d. */
export function promDuration(minutes: number): string {
  if (!Number.isInteger(minutes) || minutes <= 0) throw new RangeError(`not a positive whole number of minutes: ${minutes}`);
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return `${d ? `${d}d` : ''}${h ? `${h}h` : ''}${m ? `${m}m` : ''}`;
}

/** Prometheus duration text for a whole number of seconds: 90 → 1m30s, 120 → 2m, 15 → 15s. */
export function promSeconds(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0) throw new RangeError(`not a positive whole number of seconds: ${seconds}`);
  const s = seconds % 60;
  return seconds < 60 ? `${s}s` : `${promDuration(Math.floor(seconds / 60))}${s ? `${s}s` : ''}`;
}
