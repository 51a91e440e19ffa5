// IP addresses and CIDR ranges for the IpAddress / NotIpAddress condition operators. An address is its bytes (4 for
// IPv4, 16 for IPv6); a range is an address and a prefix length, which defaults to the whole address (/32, /128) as
// IAM documents for a bare address. Syntax is checked with node:net first, so the parsing below only has to split
// text that is already known to be a valid address.
import { isIPv4, isIPv6 } from 'node:net';

export interface CidrRange {
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/** The bytes of an IPv4 or IPv6 address, or undefined when the text is not one (zone suffixes such as %eth0 are not). */
export function parseIpAddress(text: string): Uint8Array | undefined {
  if (isIPv4(text)) return Uint8Array.from(text.split('.').map(Number));
  if (!isIPv6(text) || text.includes('%')) return undefined;
  const bytes = new Uint8Array(16);
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const group of part.split(':')) {
      if (group.includes('.')) {
        // An embedded IPv4 address (::ffff:192.0.2.1) fills the last two groups.
        const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else out.push(parseInt(group, 16));
    }
    return out;
  };
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const all = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  all.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/** A range in CIDR notation (`203.0.113.0/24`, `2001:db8::/32`, or a bare address), or undefined when invalid. */
export function parseCidr(text: string): CidrRange | undefined {
  const slash = text.indexOf('/');
  const bytes = parseIpAddress(slash === -1 ? text : text.slice(0, slash));
  if (!bytes) return undefined;
  const bits = bytes.length * 8;
  if (slash === -1) return { bytes, prefix: bits };
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= bits ? { bytes, prefix } : undefined;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), which dual-stack servers report. */
function mappedIpv4(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length !== 16) return undefined;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return undefined;
  return bytes[10] === 0xff && bytes[11] === 0xff ? bytes.subarray(12) : undefined;
}

/** Whether the address lies in the range; an IPv4-mapped IPv6 address also counts as its IPv4 address. */
export function cidrContains(range: CidrRange, address: Uint8Array): boolean {
  const candidate = address.length === range.bytes.length ? address : range.bytes.length === 4 ? mappedIpv4(address) : undefined;
  if (!candidate) return false;
  const whole = range.prefix >> 3;
  for (let i = 0; i < whole; i++) if (candidate[i] !== range.bytes[i]) return false;
  const rest = range.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (candidate[whole]! & mask) === (range.bytes[whole]! & mask);
}
