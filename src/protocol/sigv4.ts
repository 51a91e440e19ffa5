// Strict mode's check of who is calling (docs/strict-mode.md): AWS Signature Version 4 in the Authorization header,
// verified against the credentials table the way AWS verifies it. A pure function of the request exactly as received
// (method, raw path and query, headers, raw body bytes) and the real time, so the HTTP server can call it before
// anything is parsed or changed, and tests can call it at any time they like. Every refusal is an ApiError with the
// exception AWS answers (all 403): MissingAuthenticationTokenException, IncompleteSignatureException,
// InvalidSignatureException, UnrecognizedClientException.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../kernel/errors.js';
import { parseAuthorization, type SigV4Header } from './auth.js';
import type { Credential, IdentityPolicy } from './credentials.js';

/**
 * Headers as Node's IncomingMessage has them: `rawHeaders` (name, value, name, value, …) or `headersDistinct`. Not
 * `headers`, which joins repeated headers with ", " where SigV4 joins them with ",". Values are Node's strings, one
 * character per byte received; non-ASCII values are read as the UTF-8 the signers hash.
 */
export type ReceivedHeaders = readonly string[] | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface ReceivedRequest {
  method: string;
  /** The path as on the wire, still percent-encoded, without the query. */
  rawPath: string;
  /** Everything after the `?`, as on the wire; empty without one. */
  rawQuery: string;
  headers: ReceivedHeaders;
  /** The body bytes exactly as received, before any parsing. */
  body: Uint8Array;
  /**
   * The real (wall-clock) time, epoch milliseconds: the request's time must be within 15 minutes of it. Not ddlocal's
   * clock, which users move to simulate time (`ddlocal clock advance 20d`): clients sign with their machine's real
   * time, so checking against a moved clock would refuse every correctly signed request. The caller passes it in
   * (rather than this module reading Date.now) so tests can verify at any time they like.
   */
  now: number;
}

/** The caller once the signature holds: the credential's identity in the region the request was signed for. */
export interface VerifiedIdentity {
  accessKeyId: string;
  accountId: string;
  region: string;
  principalArn: string;
  admin: boolean;
  policies: readonly IdentityPolicy[];
}

export type CredentialLookup = (accessKeyId: string) => Credential | undefined;

/** How far the request's time may be from the real time, either way. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** `iot` for the AWS CLI v1 and current SDKs; `execute-api` for the aws CLI 2.9.x (docs/decisions.md#c7). */
export const SIGNING_SERVICES: readonly string[] = ['iot', 'execute-api'];

const ALGORITHM = 'AWS4-HMAC-SHA256';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const SCOPE_DATE = /^\d{8}$/;
const SIGNATURE = /^[0-9a-f]{64}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
/** A header name as the signers write it in SignedHeaders: an HTTP token in lower case. */
const SIGNED_HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
/** An HTTP date (`Thu, 01 Jan 2026 00:00:00 GMT`); botocore writes the zone as `-0000`. */
const HTTP_DATE = /^[A-Z][a-z]{2}, (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (?:GMT|UTC|[+-]0000)$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Query parameters of a presigned URL, which strict mode refuses (docs/decisions.md#w12). */
const PRESIGNING_PARAMETERS = new Set(['x-amz-signature', 'x-amz-credential', 'x-amz-algorithm']);

export const SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key ' +
  'and signing method. Consult the service documentation for details.';
export const INVALID_TOKEN_MESSAGE = 'The security token included in the request is invalid.';

/**
 * A signature that does not match. Carries what ddlocal computed, for the server's debug log: comparing it with the
 * client's (`aws --debug` prints its canonical request) shows which part differs. Never sent to the client.
 */
export class SignatureMismatchError extends ApiError {
  constructor(
    readonly canonicalRequest: string,
    readonly stringToSign: string,
  ) {
    super('InvalidSignatureException', SIGNATURE_MISMATCH_MESSAGE);
  }
}

/**
 * Verifies the request's SigV4 header signature and returns the caller, or throws the ApiError AWS would answer.
 * The checks run from the shape of the request to the signature itself, so each failure is reported by the first
 * rule it breaks: presigned query → Authorization present and well formed → signed-header requirements → request time
 * → scope (region, service, date, clock skew) → access key and session token → body hash → signature.
 */
export function verifySigV4(request: ReceivedRequest, lookup: CredentialLookup): VerifiedIdentity {
  const headers = headerMap(request.headers);
  if (hasPresigningParameter(request.rawQuery)) {
    throw incomplete('Query-string (presigned URL) signatures are not accepted; sign the request in the Authorization header');
  }
  const authorization = singleHeader(headers, 'authorization');
  if (authorization === undefined || authorization.trim() === '') {
    throw new ApiError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const header = parseAuthorization(authorization);
  checkHeaderShape(header, headers);
  const time = requestTime(headers);
  checkScope(header, time, request.now);

  const credential = lookup(header.accessKeyId);
  if (!credential) throw new ApiError('UnrecognizedClientException', INVALID_TOKEN_MESSAGE);
  checkSessionToken(credential, singleHeader(headers, 'x-amz-security-token'));

  const canonicalRequest = [
    request.method,
    canonicalUri(request.rawPath),
    canonicalQuery(request.rawQuery),
    ...header.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(headers.get(name) ?? [])}`),
    '',
    header.signedHeaders.join(';'),
    payloadHash(singleHeader(headers, 'x-amz-content-sha256'), request.body),
  ].join('\n');
  const scope = `${header.date}/${header.region}/${header.service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${time.amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const expected = hmac(signingKey(credential.secretAccessKey, header), stringToSign).toString('hex');
  if (!timingSafeEqual(Buffer.from(expected, 'latin1'), Buffer.from(header.signature, 'latin1'))) {
    throw new SignatureMismatchError(canonicalRequest, stringToSign);
  }
  return identityOf(credential, header.region);
}

/** The identity a credentials-table entry acts as in a region: what a verified signature, or a dashboard sign-in, yields. */
export function identityOf(credential: Credential, region: string): VerifiedIdentity {
  return {
    accessKeyId: credential.accessKeyId,
    accountId: credential.accountId,
    region,
    principalArn: credential.principalArn,
    admin: credential.admin,
    policies: credential.policies,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The canonical request's parts

/**
 * The canonical URI: the path exactly as received, percent-encoded once more (every byte but the RFC 3986 unreserved
 * characters and `/`), so `a%20b%2Fc` becomes `a%2520b%252Fc`. The signers drop empty, `.` and `..` segments before
 * signing; the path is not normalized here, so a request whose path has them fails verification instead of being
 * routed by a path other than the one signed.
 */
export function canonicalUri(rawPath: string): string {
  return rawPath === '' ? '/' : percentEncode(Buffer.from(rawPath, 'utf8'), true);
}

/**
 * The canonical query: each name and value percent-decoded and encoded again (unreserved characters kept, everything
 * else `%XX` in upper case), sorted by name and then value, `name=` for a parameter without `=`.
 */
export function canonicalQuery(rawQuery: string): string {
  const pairs: Array<[string, string]> = [];
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const name = eq === -1 ? piece : piece.slice(0, eq);
    const value = eq === -1 ? '' : piece.slice(eq + 1);
    pairs.push([percentEncode(percentDecode(name), false), percentEncode(percentDecode(value), false)]);
  }
  pairs.sort(([nameA, valueA], [nameB, valueB]) => compare(nameA, nameB) || compare(valueA, valueB));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/** A signed header's value: each occurrence trimmed, runs of spaces and tabs made one space, joined with `,`. */
function canonicalHeaderValue(values: readonly string[]): string {
  return values
    .map((value) => {
      const collapsed = asUtf8(value).replace(/[ \t]+/g, ' ');
      return collapsed.slice(collapsed.startsWith(' ') ? 1 : 0, collapsed.endsWith(' ') ? -1 : undefined);
    })
    .join(',');
}

/**
 * The payload line: the x-amz-content-sha256 header when the client sent one — after checking that it is the hash of
 * the body received, unless it is UNSIGNED-PAYLOAD — and otherwise the SHA-256 of the raw body bytes.
 */
function payloadHash(declared: string | undefined, body: Uint8Array): string {
  if (declared === undefined) return sha256Hex(body);
  if (declared === UNSIGNED_PAYLOAD) return declared;
  if (!SHA256_HEX.test(declared)) {
    throw invalidSignature(`The x-amz-content-sha256 header must be the hex SHA-256 of the request body or ${UNSIGNED_PAYLOAD}`);
  }
  const actual = sha256Hex(body);
  if (declared.toLowerCase() !== actual) {
    throw invalidSignature(
      `The x-amz-content-sha256 header does not match the request body: the header says ${declared}, ` +
        `the ${body.length} bytes received hash to ${actual}`,
    );
  }
  return declared;
}

// ---------------------------------------------------------------------------------------------------------------
// The rules before the signature

function checkHeaderShape(header: SigV4Header, headers: ReadonlyMap<string, string[]>): void {
  if (!SCOPE_DATE.test(header.date)) throw malformed(`the date '${header.date.slice(0, 40)}' of the Credential scope must be yyyymmdd`);
  if (!SIGNATURE.test(header.signature)) throw malformed('Signature must be 64 lower-case hexadecimal digits');
  const names = header.signedHeaders;
  names.forEach((name, i) => {
    if (!SIGNED_HEADER_NAME.test(name)) {
      throw malformed(`SignedHeaders must be lower-case header names separated by ';', and '${name.slice(0, 100)}' is not one`);
    }
    if (i > 0 && names[i - 1]! >= name) {
      throw malformed(`SignedHeaders must be sorted and name each header once, but '${names[i - 1]}' comes before '${name.slice(0, 100)}'`);
    }
  });
  const signed = new Set(names);
  if (!signed.has('host')) throw malformed("'host' must be one of the SignedHeaders");
  for (const name of ['x-amz-date', 'x-amz-security-token']) {
    if (headers.has(name) && !signed.has(name)) {
      throw malformed(`the request has an '${name}' header, so it must be one of the SignedHeaders`);
    }
  }
}

interface RequestTime {
  epochMs: number;
  /** The time as the string to sign has it: yyyymmddThhmmssZ. */
  amzDate: string;
}

/** The signing time: X-Amz-Date, or the Date header when there is none. */
function requestTime(headers: ReadonlyMap<string, string[]>): RequestTime {
  const amzDate = singleHeader(headers, 'x-amz-date');
  if (amzDate !== undefined) {
    const epochMs = parseAmzDate(amzDate);
    if (epochMs === undefined) {
      throw incomplete(`The X-Amz-Date header '${amzDate.slice(0, 40)}' is not a UTC date-time of the form yyyymmddThhmmssZ`);
    }
    return { epochMs, amzDate };
  }
  const date = singleHeader(headers, 'date');
  if (date === undefined) throw incomplete("A signed request needs an 'X-Amz-Date' or a 'Date' header with the time it was signed");
  const epochMs = parseAmzDate(date) ?? parseHttpDate(date);
  if (epochMs === undefined) throw incomplete(`The Date header '${date.slice(0, 40)}' is not an HTTP date (Thu, 01 Jan 2026 00:00:00 GMT)`);
  return { epochMs, amzDate: formatAmzDate(epochMs) };
}

function checkScope(header: SigV4Header, time: RequestTime, now: number): void {
  if (!REGION.test(header.region)) {
    throw invalidSignature(`Credential should be scoped to a valid region, not '${header.region.slice(0, 40)}'.`);
  }
  if (!SIGNING_SERVICES.includes(header.service)) {
    throw invalidSignature(`Credential should be scoped to correct service: 'iot' (or 'execute-api'), not '${header.service.slice(0, 40)}'.`);
  }
  if (header.date !== time.amzDate.slice(0, 8)) {
    throw invalidSignature(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ` +
        `'${header.date}' != '${time.amzDate.slice(0, 8)}', from '${time.amzDate}'.`,
    );
  }
  if (time.epochMs < now - MAX_CLOCK_SKEW_MS) {
    throw invalidSignature(
      `Signature expired: ${time.amzDate} is now earlier than ${formatAmzDate(now - MAX_CLOCK_SKEW_MS)} (${formatAmzDate(now)} - 15 min.)`,
    );
  }
  if (time.epochMs > now + MAX_CLOCK_SKEW_MS) {
    throw invalidSignature(
      `Signature not yet current: ${time.amzDate} is still later than ${formatAmzDate(now + MAX_CLOCK_SKEW_MS)} ` +
        `(${formatAmzDate(now)} + 15 min.)`,
    );
  }
}

/** A key with a session token needs exactly that token; a key without one accepts none. */
function checkSessionToken(credential: Credential, sent: string | undefined): void {
  const expected = credential.sessionToken;
  if (expected === undefined ? sent !== undefined : sent === undefined || !constantTimeEqual(sent, expected)) {
    throw new ApiError('UnrecognizedClientException', INVALID_TOKEN_MESSAGE);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/** Headers by lower-case name, every occurrence in order. */
function headerMap(headers: ReceivedHeaders): Map<string, string[]> {
  const map = new Map<string, string[]>();
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  if (isFlatList(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) add(headers[i]!, headers[i + 1]!);
  } else {
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value === 'string') add(name, value);
      else if (value) for (const v of value) add(name, v);
    }
  }
  return map;
}

const isFlatList = (headers: ReceivedHeaders): headers is readonly string[] => Array.isArray(headers);

/** The value of a header that may appear once; a repeated one makes the signing inputs ambiguous. */
function singleHeader(headers: ReadonlyMap<string, string[]>, name: string): string | undefined {
  const values = headers.get(name);
  if (!values) return undefined;
  if (values.length > 1) throw incomplete(`The request has ${values.length} '${name}' headers; a signed request may have one`);
  return values[0];
}

function hasPresigningParameter(rawQuery: string): boolean {
  if (rawQuery === '') return false;
  return rawQuery.split('&').some((piece) => {
    const eq = piece.indexOf('=');
    const name = percentDecode(eq === -1 ? piece : piece.slice(0, eq)).toString('latin1').toLowerCase();
    return PRESIGNING_PARAMETERS.has(name);
  });
}

/** `%XX` sequences to their bytes; anything else, including a `%` not followed by two hex digits, stays as it is. */
function percentDecode(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const out = Buffer.alloc(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x25 && i + 2 < bytes.length && isHexDigit(bytes[i + 1]) && isHexDigit(bytes[i + 2])) {
      out[n++] = parseInt(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!), 16);
      i += 2;
    } else out[n++] = b;
  }
  return out.subarray(0, n);
}

const isHexDigit = (b: number | undefined) =>
  b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));

const isUnreserved = (b: number) =>
  (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e;

const HEX = '0123456789ABCDEF';

function percentEncode(bytes: Uint8Array, keepSlash: boolean): string {
  let out = '';
  for (const b of bytes) {
    out += isUnreserved(b) || (keepSlash && b === 0x2f) ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

/** A header value as Node gives it (one character per byte) read as the UTF-8 text the client signed. */
function asUtf8(value: string): string {
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 0x7f) return Buffer.from(value, 'latin1').toString('utf8');
  }
  return value;
}

function parseAmzDate(text: string): number | undefined {
  const m = AMZ_DATE.exec(text);
  return m ? utcTime(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : undefined;
}

function parseHttpDate(text: string): number | undefined {
  const m = HTTP_DATE.exec(text);
  const month = m ? MONTHS.indexOf(m[2]!) + 1 : 0;
  return m && month > 0 ? utcTime(+m[3]!, month, +m[1]!, +m[4]!, +m[5]!, +m[6]!) : undefined;
}

/** Epoch milliseconds of a UTC date-time, or undefined for one that does not exist (February 30th, 24:00:00). */
function utcTime(year: number, month: number, day: number, hour: number, minute: number, second: number): number | undefined {
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const d = new Date(ms);
  const exists =
    d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day &&
    d.getUTCHours() === hour && d.getUTCMinutes() === minute && d.getUTCSeconds() === second;
  return exists ? ms : undefined;
}

/** yyyymmddThhmmssZ, to the second. */
function formatAmzDate(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Derived signing keys by secret and scope. A client signs every request of a day in one region with the same key, so
 * the four HMACs that derive it (40% of a verification) run once per scope instead of once per request. The key is a
 * pure function of its inputs, so a cached key is the key. Bounded: the scope's region is any region-shaped name a
 * caller chooses, so a full cache is emptied rather than grown.
 */
const signingKeys = new Map<string, Buffer>();
const MAX_SIGNING_KEYS = 1024;

function signingKey(secret: string, header: SigV4Header): Buffer {
  // The scope parts were checked (digits; a region name; iot or execute-api), so none contains the NUL that ends the
  // secret and no two (secret, scope) pairs share a cache key.
  const cacheKey = `${secret}\0${header.date}/${header.region}/${header.service}`;
  const cached = signingKeys.get(cacheKey);
  if (cached) return cached;
  let key = hmac(`AWS4${secret}`, header.date);
  for (const part of [header.region, header.service, 'aws4_request']) key = hmac(key, part);
  if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
  signingKeys.set(cacheKey, key);
  return key;
}

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

const sha256Hex = (data: string | Uint8Array): string =>
  typeof data === 'string' ? createHash('sha256').update(data, 'utf8').digest('hex') : createHash('sha256').update(data).digest('hex');

/** Equality of two secrets in time independent of where they differ (and, through the digests, of their lengths). */
function constantTimeEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const incomplete = (message: string) => new ApiError('IncompleteSignatureException', message);

/** The wording of parseAuthorization's refusals, for the rules it does not check itself. */
const malformed = (why: string) => incomplete(`Authorization header is not a valid AWS Signature Version 4 header: ${why}`);

const invalidSignature = (message: string) => new ApiError('InvalidSignatureException', message);
