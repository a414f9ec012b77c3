/** Guards for reading untyped input without throwing, and exact decimal strings (targets are never floats). */
export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const asObj = (v: unknown): Obj => (isObj(v) ? v : {});
export const asArr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const asStr = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const asNum = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
export const has = (o: Obj, k: string): boolean => o[k] !== undefined && o[k] !== null;

/** Moves the decimal point of a plain decimal string: shiftDecimal("99.9", -2) = "0.999", exactly. */
export function shiftDecimal(text: string, places: number): string {
  const m = /^(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m) return text;
  const digits = (m[1] ?? '') + (m[2] ?? '');
  let point = (m[1] ?? '').length + places;
  let d = digits;
  if (point <= 0) {
    d = '0'.repeat(1 - point) + d;
    point = 1;
  }
  while (d.length < point) d += '0';
  const int = d.slice(0, point).replace(/^0+(?=\d)/, '');
  const frac = d.slice(point).replace(/0+$/, '');
  return frac ? `${int}.${frac}` : int;
}

/** A JS number as the shortest decimal string that reads back as the same number (no exponent). */
export function decimalString(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  return n.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}
