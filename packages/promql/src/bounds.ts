/**
 * Spellings of a histogram bucket bound (`le`) as Prometheus stores them. Prometheus 2 stores what the
 * target exposed; Prometheus 3 parses classic histogram bounds and stores them in Go float formatting
 * (formatOpenMetricsFloat: `1.0`, `0.3`, `1e+06`, `1e-05`), as Prometheus 2 already did for protobuf
 * scrapes. So a bound may be stored in the spelling of any common client library or of Prometheus 3.
 */

/** A decimal number as both Go's strconv.ParseFloat (what Prometheus 3 reads) and JS Number() read it. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** The spellings of infinity Go's ParseFloat reads; every client writes `+Inf`. */
const INFINITY = /^([+-]?)inf(?:inity)?$/i;

/** A finite number as shortest round-trip digits `d.ddd × 10^exp`, the sign apart. */
interface Digits {
  minus: boolean;
  digits: string;
  exp: number;
}

function decompose(n: number): Digits {
  // toExponential() without an argument gives the shortest digits that read back as n, as Go's formatting does.
  const [mantissa = '0', exponent = '0'] = Math.abs(n).toExponential().split('e');
  return { minus: n < 0, digits: mantissa.replace('.', ''), exp: Number(exponent) };
}

const sign = (d: Digits) => (d.minus ? '-' : '');

/** Without an exponent: `0.3`, `1`, `0.00001`, `1000000`. */
function positional(d: Digits): string {
  const { digits, exp } = d;
  if (exp < 0) return `${sign(d)}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (exp >= digits.length - 1) return `${sign(d)}${digits}${'0'.repeat(exp - digits.length + 1)}`;
  return `${sign(d)}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** With a fractional part, `.0` if it has none: `1.0`. */
const withPoint = (s: string) => (s.includes('.') ? s : `${s}.0`);

interface ExponentStyle {
  letter: 'e' | 'E';
  /** `e+06` rather than `e6`. */
  plus: boolean;
  /** Exponent digits at least. */
  pad: number;
  /** `1.0E7` rather than `1E7`. */
  pointZero: boolean;
}

/** The digits as `d.ddd`: `1`, `2.5`, or `1.0` with `pointZero`. */
function mantissa(d: Digits, pointZero: boolean): string {
  const rest = d.digits.slice(1);
  return `${sign(d)}${d.digits[0]}${rest ? `.${rest}` : pointZero ? '.0' : ''}`;
}

function exponential(d: Digits, style: ExponentStyle): string {
  const expSign = d.exp < 0 ? '-' : style.plus ? '+' : '';
  return `${mantissa(d, style.pointZero)}${style.letter}${expSign}${String(Math.abs(d.exp)).padStart(style.pad, '0')}`;
}

const GO_EXP: ExponentStyle = { letter: 'e', plus: true, pad: 2, pointZero: false };

/** Go's strconv.FormatFloat(f, 'g', -1, 64), what client_golang writes: an exponent below 1e-4 and from 1e6. */
function goG(d: Digits): string {
  return d.exp < -4 || d.exp >= 6 ? exponential(d, GO_EXP) : positional(d);
}

/** Prometheus 3 (and Prometheus 2 on protobuf scrapes): Go's 'g' with `.0` added when it has neither `.` nor `e`. */
function prometheus3(d: Digits): string {
  const s = goG(d);
  return s.includes('e') ? s : withPoint(s);
}

/**
 * The Python client (floatToGoString): repr (an exponent below 1e-4 and from 1e16, `.0` on integers), then
 * positive numbers from a million are rewritten to an exponent by prefixing `e+0`, which gives `1e+06` but
 * also `1e+010`.
 */
function python(d: Digits): string {
  const repr = d.exp < -4 || d.exp >= 16 ? exponential(d, GO_EXP) : withPoint(positional(d));
  if (d.minus || d.exp < 6 || repr.includes('e')) return repr;
  return `${mantissa(d, false)}e+0${d.exp}`;
}

/** JavaScript's Number#toString (prom-client): an exponent below 1e-6 and from 1e21, `1e-7`, `1e+21`. */
function javascript(d: Digits): string {
  return d.exp < -6 || d.exp > 20 ? exponential(d, { letter: 'e', plus: true, pad: 1, pointZero: false }) : positional(d);
}

/**
 * Java's Double.toString (simpleclient, Micrometer): `1.0`, an exponent below 1e-3 and from 1e7, `1.0E-4`.
 * Shortest digits, as from JDK 19; older JDKs print a few values with more digits (`4.9E-324`), not matched.
 */
function java(d: Digits): string {
  if (d.exp < -3 || d.exp >= 7) return exponential(d, { letter: 'E', plus: false, pad: 1, pointZero: true });
  return withPoint(positional(d));
}

const FORMATS = [positional, prometheus3, goG, python, javascript, java];

/**
 * Every spelling a bucket bound written as `value` may be stored with: the shortest decimal, then what
 * Prometheus 3, Go, Python, JavaScript and Java clients write for the same number, then `value` itself
 * (Prometheus 2 keeps what an exporter wrote, whatever it was). Undefined when `value` is not a number
 * (NaN, hex floats, `1_000`, out of float range): such values are matched as written.
 */
export function boundSpellings(value: string): string[] | undefined {
  const inf = INFINITY.exec(value);
  if (inf) return unique([inf[1] === '-' ? '-Inf' : '+Inf', value]);
  if (!DECIMAL.test(value)) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) return undefined;
  // -0 is stored as 0 (Prometheus 3 formats it 0.0, Go clients 0)
  const d = decompose(n === 0 ? 0 : n);
  return unique([...FORMATS.map((f) => f(d)), value]);
}

/** How Prometheus 3 stores a bound written as `value` (`0.30` → `0.3`, `1` → `1.0`); undefined when it is not a number. */
export function storedBound(value: string): string | undefined {
  const inf = INFINITY.exec(value);
  if (inf) return inf[1] === '-' ? '-Inf' : '+Inf';
  const n = DECIMAL.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) ? prometheus3(decompose(n === 0 ? 0 : n)) : undefined;
}

/**
 * The spellings for the literal alternatives of a regex matcher value (`0.30`, `0\.25|1`), or undefined if it
 * is any other regex. An unescaped `.` is read as the decimal point it was surely meant to be; an unescaped
 * `+` is a repetition, so `1e+06` is not a literal.
 */
export function regexBoundSpellings(pattern: string): string[] | undefined {
  const out: string[] = [];
  for (const alternative of pattern.split('|')) {
    if (!/^(?:\\[.+-]|[0-9A-Za-z.-])+$/.test(alternative)) return undefined;
    const spellings = boundSpellings(alternative.replace(/\\(.)/g, '$1'));
    if (!spellings) return undefined;
    out.push(...spellings);
  }
  return unique(out);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
