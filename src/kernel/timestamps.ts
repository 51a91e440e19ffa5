// Timestamp text accepted in query strings (docs/decisions.md#w10): ISO-8601 date-times with Z or an offset and an
// optional 1–9 digit fraction, or numeric epoch seconds. Anything else — including calendar dates that do not exist,
// such as February 30th — is undefined, which the caller reports as a type error instead of silently rolling the date
// over.
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;
const EPOCH_SECONDS = /^[+-]?\d+(\.\d+)?$/;

/** The range a JavaScript Date (and every later toISOString) can hold: ±100,000,000 days around 1970. */
const MAX_EPOCH_MS = 8.64e15;

/** A Date for epoch milliseconds, or undefined when the instant is outside what Date can represent. */
export function dateFromEpochMs(ms: number): Date | undefined {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_EPOCH_MS ? new Date(ms) : undefined;
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

export function parseTimestampText(text: string): Date | undefined {
  if (EPOCH_SECONDS.test(text)) return dateFromEpochMs(Math.round(Number(text) * 1000));
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const frac = m[7];
  const zone = m[8]!;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const zh = Number(zone.slice(1, 3));
    const zm = Number(zone.slice(4, 6));
    if (zh > 23 || zm > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (zh * 60 + zm);
  }
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  // Date.UTC maps years 0–99 to 1900–1999; setting the full year afterwards keeps '0050-…' in year 50.
  const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  d.setUTCFullYear(year);
  return dateFromEpochMs(d.getTime() - offsetMinutes * 60000);
}
