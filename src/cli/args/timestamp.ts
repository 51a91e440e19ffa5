// Timestamp option values the CLI accepts (docs/decisions.md#c17): epoch seconds, ISO-8601 / RFC 3339 dates and
// date-times, RFC 2822 dates and month-name forms. A value without a zone is UTC. Validation (validate.ts) uses this to
// decide whether a text is a timestamp; the request builder uses it to convert.

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const EPOCH = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const ISO =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const TIME = String.raw`(?:\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|UTC|GMT|UT|[+-]\d{2}:?\d{2})?`;
// RFC 2822: `Wed, 01 Jan 2020 10:00:00 +0200` (weekday optional)
const RFC2822 = new RegExp(String.raw`^(?:[a-z]{3},?\s+)?(\d{1,2})\s+([a-z]{3})[a-z]*\.?\s+(\d{4})` + TIME + '$', 'i');
// month name first: `Jan 1 2020`, `January 1, 2020 10:00`
const MONTH_FIRST = new RegExp(String.raw`^([a-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})` + TIME + '$', 'i');

/** The instant a timestamp text denotes, or undefined when the CLI does not accept it. */
export function parseCliTimestamp(text: string): Date | undefined {
  const trimmed = text.trim();
  if (EPOCH.test(trimmed)) {
    const seconds = Number(trimmed);
    return Number.isFinite(seconds) ? checked(new Date(seconds * 1000)) : undefined;
  }
  let m = ISO.exec(trimmed);
  if (m) return build(+m[1]!, +m[2]!, +m[3]!, m[4], m[5], m[6], m[7], m[8]);
  m = RFC2822.exec(trimmed);
  if (m) return build(+m[3]!, monthNumber(m[2]!), +m[1]!, m[4], m[5], m[6], m[7], m[8]);
  m = MONTH_FIRST.exec(trimmed);
  if (m) return build(+m[3]!, monthNumber(m[1]!), +m[2]!, m[4], m[5], m[6], m[7], m[8]);
  return undefined;
}

function monthNumber(name: string): number {
  return MONTHS.indexOf(name.slice(0, 3).toLowerCase()) + 1;
}

function build(
  year: number,
  month: number,
  day: number,
  hour: string | undefined,
  minute: string | undefined,
  second: string | undefined,
  fraction: string | undefined,
  zone: string | undefined,
): Date | undefined {
  const h = hour === undefined ? 0 : +hour;
  const min = minute === undefined ? 0 : +minute;
  const s = second === undefined ? 0 : +second;
  if (month < 1 || month > 12 || day < 1 || h > 23 || min > 59 || s > 59) return undefined;
  const ms = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  const utc = Date.UTC(year, month - 1, day, h, min, s, ms);
  // Date.UTC rolls 31 February over into March; a calendar date that does not exist is not a timestamp.
  if (new Date(utc).getUTCDate() !== day) return undefined;
  return checked(new Date(utc - zoneOffsetMinutes(zone) * 60_000));
}

function zoneOffsetMinutes(zone: string | undefined): number {
  if (zone === undefined || /^(z|utc|gmt|ut)$/i.test(zone)) return 0;
  const digits = zone.replace(':', '');
  const sign = digits.startsWith('-') ? -1 : 1;
  const hours = +digits.slice(1, 3);
  const minutes = digits.length > 3 ? +digits.slice(3, 5) : 0;
  return sign * (hours * 60 + minutes);
}

function checked(date: Date): Date | undefined {
  return Number.isNaN(date.getTime()) ? undefined : date;
}
