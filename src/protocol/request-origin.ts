// Who may address ddlocal, decided from the request's headers before anything reads its body or routes it. Two rules,
// in every authentication mode:
// - the Host header must name a loopback host (localhost, *.localhost, 127.0.0.0/8, [::1]), the address ddlocal
//   listens on, or an allowed host — a web page that rebinds its own name to 127.0.0.1 sends its own name as Host
//   (docs/decisions.md#w18);
// - a browser request made by a page of another origin is refused: an Origin header that is neither ddlocal's own
//   origin nor an allowed origin, or a Sec-Fetch-Site header of `cross-site` or `same-site` (docs/decisions.md#w19).
// AWS SDKs and CLIs send neither Origin nor Sec-Fetch-Site, so they only meet the first rule.
//
// Pure: headers, HTTP version and a policy in, undefined or the ApiError to answer out. Host texts are checked against
// a single-pass pattern and then canonicalised by the WHATWG URL parser, the parser browsers use to build the Host
// and Origin headers, so `127.1`, `LOCALHOST.` or `[0:0::1]` compare as the browser means them.
import { isIPv4, isIPv6 } from 'node:net';
import { ApiError, invalidRequest } from '../kernel/errors.js';

/** A host that may be named in Host; without a port, any port. */
export interface HostAllowance {
  /** Canonical: lower case, IPv6 in brackets and compressed, IPv4 dotted decimal, no trailing dot. */
  hostname: string;
  port: number | undefined;
}

/** The allow-lists a request is checked against, parsed once at start-up. */
export interface RequestOriginPolicy {
  readonly allowedHosts: readonly HostAllowance[];
  /** Canonical origins (`scheme://host[:port]`, default port left out). */
  readonly allowedOrigins: ReadonlySet<string>;
}

/** The headers of a request as node:http's `headersDistinct` gives them (lower-case names, every value). */
export type RequestHeaders = NodeJS.Dict<string[]>;

/** How many characters of a refused header value a message quotes. */
const QUOTED_CHARS = 200;

/**
 * `host`, `host:port`, `[v6]` or `[v6]:port`, host names limited to what DNS and browsers put in a Host header
 * (punycode for international names). Each part is one character class followed by a delimiter outside it, so the
 * match is linear in the length of the text.
 */
const AUTHORITY = /^(?:\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::[0-9]*)?$/i;
const ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/([^/?#@\\]*)$/i;

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443 };

/** The canonical host and written port of an authority (`host[:port]`), or undefined if it is not one. */
function parseAuthority(text: string): HostAllowance | undefined {
  if (!AUTHORITY.test(text)) return undefined;
  const colon = text.lastIndexOf(':');
  const hasPort = colon > text.lastIndexOf(']');
  const portText = hasPort ? text.slice(colon + 1) : '';
  // An empty port (`localhost:`) is allowed by the URI grammar and means none.
  const port = portText === '' ? undefined : Number(portText);
  if (port !== undefined && port > 65535) return undefined;
  let hostname: string;
  try {
    hostname = new URL(`http://${hasPort ? text.slice(0, colon) : text}`).hostname;
  } catch {
    return undefined;
  }
  // `localhost.` is the fully qualified spelling of `localhost`: the same host.
  if (hostname.length > 1 && hostname.endsWith('.')) hostname = hostname.slice(0, -1);
  return { hostname, port };
}

/** An allowed-host entry: a host name or address, optionally with a port; a bare IPv6 address is accepted too. */
export function parseHostAllowance(text: string): HostAllowance | undefined {
  const trimmed = text.trim();
  return parseAuthority(isIPv6(trimmed) ? `[${trimmed}]` : trimmed);
}

/** The canonical form of an http(s) origin (`scheme://host[:port]`), or undefined for anything else (`null`, `file:`). */
function canonicalOrigin(text: string): string | undefined {
  const match = ORIGIN.exec(text);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  const authority = parseAuthority(match[2]!);
  if (!authority || DEFAULT_PORTS[scheme] === undefined) return undefined;
  const port = authority.port === undefined || authority.port === DEFAULT_PORTS[scheme] ? '' : `:${authority.port}`;
  return `${scheme}://${authority.hostname}${port}`;
}

/** An allowed-origin entry (`http://localhost:3000`, one trailing `/` tolerated), canonical, or undefined. */
export function parseOriginAllowance(text: string): string | undefined {
  const trimmed = text.trim();
  return canonicalOrigin(trimmed.endsWith('/') ? trimmed.slice(0, -1) : trimmed);
}

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    (isIPv4(hostname) && hostname.startsWith('127.')) ||
    hostname === '[::1]'
  );
}

/** Whether an address to listen on (`127.0.0.1`, `::1`, `localhost`, `0.0.0.0`, `10.0.0.5`, …) is a loopback one. */
export function isLoopbackAddress(address: string): boolean {
  const host = parseHostAllowance(address);
  return host !== undefined && isLoopback(host.hostname);
}

/** 0.0.0.0 and :: mean "every interface": no one host name, so nothing to add to the allowed hosts. */
function isWildcard(hostname: string): boolean {
  return hostname === '0.0.0.0' || hostname === '[::]';
}

/**
 * The policy for these allow-lists. The address ddlocal listens on is allowed as a host (any port) unless it is a
 * wildcard address. Throws an Error naming the first entry that is not a host or an origin.
 */
export function requestOriginPolicy(
  settings: { allowedHosts?: readonly string[]; allowedOrigins?: readonly string[]; listenHost?: string } = {},
): RequestOriginPolicy {
  const allowedHosts = (settings.allowedHosts ?? []).map((entry) => {
    const host = parseHostAllowance(entry);
    if (!host) throw new Error(`allowed host '${entry}' is not a host name or address with an optional port`);
    return host;
  });
  const listening = settings.listenHost === undefined ? undefined : parseHostAllowance(settings.listenHost);
  if (listening && !isWildcard(listening.hostname)) allowedHosts.push({ hostname: listening.hostname, port: undefined });
  const allowedOrigins = new Set(
    (settings.allowedOrigins ?? []).map((entry) => {
      const origin = parseOriginAllowance(entry);
      if (!origin) throw new Error(`allowed origin '${entry}' is not an origin such as http://localhost:3000`);
      return origin;
    }),
  );
  return { allowedHosts, allowedOrigins };
}

const quote = (value: string) => `'${value.length > QUOTED_CHARS ? `${value.slice(0, QUOTED_CHARS)}…` : value}'`;

const denied = (message: string) => new ApiError('AccessDeniedException', message);

/** The refusal for a Host header, or undefined when it names a host ddlocal answers to. */
function checkHost(values: string[] | undefined, httpVersion: string, policy: RequestOriginPolicy): ApiError | undefined {
  if (values === undefined || values.length === 0) {
    // HTTP/1.0 has no Host header; browsers always send one, so a request without it cannot come from a rebound name.
    return httpVersion === '1.0' ? undefined : invalidRequest('The request has no Host header, which HTTP/1.1 requires');
  }
  if (values.length > 1) return invalidRequest('The request has more than one Host header');
  const host = parseAuthority(values[0]!);
  if (!host) return invalidRequest(`The Host header ${quote(values[0]!)} is not a host name or address with an optional port`);
  if (isLoopback(host.hostname)) return undefined;
  const port = host.port ?? DEFAULT_PORTS.http;
  if (policy.allowedHosts.some((a) => a.hostname === host.hostname && (a.port === undefined || a.port === port))) return undefined;
  return denied(
    `The Host header ${quote(values[0]!)} names neither a loopback host nor an allowed one: ddlocal answers requests ` +
      'addressed to localhost, 127.0.0.0/8, [::1], the address it listens on, or a host in DDLOCAL_ALLOWED_HOSTS ' +
      '(--allowed-host), so that a web page cannot reach it by pointing its own name at this machine',
  );
}

/** The refusal for a browser request from another origin, or undefined. `host` is the Host header, already accepted. */
function checkBrowserOrigin(headers: RequestHeaders, host: string | undefined, policy: RequestOriginPolicy): ApiError | undefined {
  const origins = headers['origin'];
  let allowListed = false;
  if (origins !== undefined && origins.length > 0) {
    if (origins.length > 1) return invalidRequest('The request has more than one Origin header');
    const origin = canonicalOrigin(origins[0]!);
    const own = host === undefined ? undefined : canonicalOrigin(`http://${host}`);
    allowListed = origin !== undefined && policy.allowedOrigins.has(origin);
    if (!allowListed && (origin === undefined || origin !== own))
      return denied(
        `The Origin header ${quote(origins[0]!)} is neither ddlocal's own origin${own ? ` (${own})` : ''} nor in ` +
          'DDLOCAL_ALLOWED_ORIGINS (--allowed-origin): ddlocal refuses requests that web pages of other origins make ' +
          'from a browser',
      );
  }
  // `same-site` too: a page on another port of localhost is the same site, yet may belong to anyone.
  const site = (headers['sec-fetch-site'] ?? []).map((v) => v.trim().toLowerCase());
  const foreign = site.find((v) => v === 'cross-site' || v === 'same-site');
  if (foreign !== undefined && !allowListed)
    return denied(
      `The Sec-Fetch-Site header ${quote(foreign)} says a web page of another site made this request from a browser; ` +
        'ddlocal refuses such requests unless their Origin is in DDLOCAL_ALLOWED_ORIGINS (--allowed-origin)',
    );
  return undefined;
}

/**
 * The answer for a request that ddlocal must not serve because of where it was addressed or which page sent it, or
 * undefined when it may be served. `httpVersion` as node:http gives it (`1.1`).
 */
export function checkRequestOrigin(
  headers: RequestHeaders,
  httpVersion: string,
  policy: RequestOriginPolicy,
  options: { linkable?: boolean } = {},
): ApiError | undefined {
  const host = checkHost(headers['host'], httpVersion, policy);
  if (host) return host;
  // A dashboard page opened from a link elsewhere (a finding pasted into a ticket) is a top-level GET navigation from
  // another site. It reads nothing it did not show to a page of ddlocal's own, changes nothing, and the page forbids
  // framing; the Host rule above still refuses a rebound name (docs/dashboard.md).
  if (options.linkable && headers['sec-fetch-mode']?.[0] === 'navigate' && headers['sec-fetch-dest']?.[0] === 'document') return undefined;
  return checkBrowserOrigin(headers, headers['host']?.[0], policy);
}
