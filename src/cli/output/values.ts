// Value conventions shared by the output formatters. The aws CLI formats Python values (parsed JSON plus datetime
// objects), so scalars are printed the way Python's str() / repr() prints them and keys are sorted by code point.
import { SampleTimestamp } from '../skeleton.js';
import { WIDE_RANGES } from './east-asian-width.js';

/** A normalised response value: plain JSON data plus the skeleton's zone-less sample timestamp. */
export type OutValue = string | number | boolean | null | SampleTimestamp | OutValue[] | { [key: string]: OutValue };
export type OutObject = { [key: string]: OutValue };

export function isObject(value: unknown): value is OutObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof SampleTimestamp);
}

/** Python's "not a list or dict" (jmespath and the formatters treat everything else as a scalar). */
export function isScalar(value: unknown): boolean {
  return !Array.isArray(value) && !isObject(value);
}

/** Python's sorted() on str: code-point order (JS's default sort compares UTF-16 units, which differs beyond BMP). */
function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

export function sortedKeys(keys: Iterable<string>): string[] {
  return [...keys].sort(compareCodePoints);
}

/**
 * Python's repr() of a float (also its str()): shortest round-trip digits like JS, but exponents are written with a
 * sign and at least two digits (`1e-07`, `1e+16`) and switch at 1e16 rather than 1e21. Integral JSON numbers arrive
 * in Python as int, so they print without a fraction (the server never writes `5.0`).
 */
export function pythonNumber(n: number): string {
  if (Number.isInteger(n)) return BigInt(n).toString();
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
  const [mantissa, exp] = n.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 16) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return String(n);
}

/** Python's str() of a scalar: what the text and table formatters print. */
export function pythonStr(value: OutValue | undefined): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pythonNumber(value);
  if (value instanceof SampleTimestamp) return value.toString();
  if (typeof value === 'string') return value;
  // Only reachable for odd query results (a list inside a table row); Python would print its repr.
  return JSON.stringify(value);
}

/** Columns a text occupies in the aws table: East Asian wide, full-width and ambiguous characters count two. */
export function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += isWide(ch.codePointAt(0)!) ? 2 : 1;
  return width;
}

function isWide(cp: number): boolean {
  let lo = 0;
  let hi = WIDE_RANGES.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < WIDE_RANGES[mid * 2]!) hi = mid - 1;
    else if (cp > WIDE_RANGES[mid * 2 + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * Python's datetime.isoformat() of an aware local datetime: `YYYY-MM-DDTHH:MM:SS[.ffffff]+HH:MM`, in the machine's
 * time zone (the aws CLI parses response timestamps with tzlocal()), the fraction only when it is non-zero.
 */
export function isoLocal(date: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const ms = date.getMilliseconds();
  const fraction = ms === 0 ? '' : `.${pad(ms, 3)}000`;
  return (
    `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${fraction}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** Python's round(): halves go to the even neighbour. */
export function pythonRound(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Python's `==` between a value and `{}` (the formatters' "empty response" test). */
export function isEmptyObject(value: unknown): boolean {
  return isObject(value) && Object.keys(value).length === 0;
}
