// Timestamp text accepted in query strings (Dec W10): ISO-8601 date-times with Z or an offset and an optional
// 1–9 digit fraction, or numeric epoch seconds.
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

export function parseTimestampText(text: string): Date | undefined {
  if (/^[+-]?\d+(\.\d+)?$/.test(text)) return new Date(Math.round(Number(text) * 1000));
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60)
    return undefined;
  if (zone !== 'Z') {
    const sign = zone![0] === '-' ? -1 : 1;
    t -= sign * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6))) * 60000;
  }
  return new Date(t);
}
