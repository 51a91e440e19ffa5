// Model-driven HTTP requests for the property tests of the whole surface (fuzz.test.ts, hostile-requests.test.ts):
// values generated from the AWS IoT model's shapes in three flavours — "valid" (aims to pass validation and to name
// resources earlier requests created), "chaos" (nearly valid and invalid: wrong types, bad enums, missing and unknown
// members), "hostile" (boundary and beyond: maximum and over-long strings, unicode hazards, huge numbers, deeply
// nested JSON, duplicated query parameters, path labels with %2F and ..) — plus junk traffic that ignores the model,
// and the checks every answer must satisfy.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MODEL, shape as lookupShape, type Shape } from '../../src/model/model.js';
import { patternMatches, translateJavaPattern } from '../../src/model/patterns.js';
import { HANDLERS } from '../../src/server/operations.js';
import { sigv4Header, UUID_V4, type RawResponse } from './raw-http.js';

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  chunkSize?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Checking answers.

export function describeRequest(r: FuzzRequest): string {
  const body = r.body === undefined ? '' : ` body(${r.body.length})=${String(r.body).slice(0, 300)}`;
  return `${r.method} ${r.path.slice(0, 300)} headers=${JSON.stringify(r.headers).slice(0, 300)}${body}`;
}

/** A success with a JSON object body, or an AWS-shaped error; 5xx only as 501 NotImplementedException. */
/** Whether a request is for the dashboard's pages (docs/dashboard.md), which answer HTML or a redirect, not AWS JSON. */
function isDashboardPage(req: FuzzRequest): boolean {
  const path = req.path.split('?')[0]!;
  return ['GET', 'HEAD', 'POST'].includes(req.method) && (path === '/' || path === '/ui' || path.startsWith('/ui/'));
}

export function assertWellFormed(req: FuzzRequest, res: RawResponse): void {
  const where = `${describeRequest(req)}\n→ ${res.status} ${JSON.stringify(res.headers)} ${res.text.slice(0, 500)}`;
  assert.match(String(res.headers['x-amzn-requestid']), UUID_V4, where);
  const errorType = res.headers['x-amzn-errortype'];
  // A page: a redirect with its target, or an HTML page (its errors too) — unless the protocol refused the request
  // before the page saw it (Host, Origin, body size), which is an AWS error like any other.
  if (isDashboardPage(req) && errorType === undefined) {
    assert.ok(res.status < 500, where);
    if (res.status >= 300 && res.status < 400) assert.ok(res.headers.location, where);
    else assert.match(String(res.headers['content-type']), /^text\/(html|css); charset=utf-8$/, where);
    return;
  }
  if (res.status >= 500) {
    assert.equal(res.status, 501, where);
    assert.equal(errorType, 'NotImplementedException', where);
  }
  if (res.status === 200) {
    assert.equal(errorType, undefined, where);
    if (req.method !== 'HEAD') {
      assert.ok(res.json !== null && typeof res.json === 'object' && !Array.isArray(res.json), where);
    }
    return;
  }
  assert.ok(res.status >= 400 && res.status < 600, where);
  assert.equal(typeof errorType, 'string', where);
  assert.match(String(res.headers['content-type']), /^application\/json/, where);
  if (req.method === 'HEAD') return; // a HEAD answer has no body
  assert.equal(res.json?.__type, errorType, where);
  assert.equal(typeof res.json?.message, 'string', where);
}

// ---------------------------------------------------------------------------------------------------------------
// Values from the model's shapes. Two flavours: "valid" values aim to pass validation so the request reaches its
// handler (and refers to names earlier requests created); "chaos" values mix in wrong types, oversized strings,
// bad enums, out-of-range numbers, missing required members and unknown members.

/** Names reused across requests, so later requests find what earlier ones created. */
export const NAME_POOL = ['fuzz-a', 'fuzz-b', 'a', '1', 'default', 'fuzz_group', 'ab'.repeat(32), '123456789012'];

export const ACCOUNT = '123456789012';
export const ARN_POOL = [
  `arn:aws:iot:us-east-1:${ACCOUNT}:thing/fuzz-a`,
  `arn:aws:iot:us-east-1:${ACCOUNT}:thinggroup/fuzz-a`,
  `arn:aws:iot:us-east-1:${ACCOUNT}:policy/fuzz-a`,
  `arn:aws:iot:us-east-1:${ACCOUNT}:rolealias/fuzz-a`,
  `arn:aws:iot:us-east-1:${ACCOUNT}:thingtype/fuzz-a`,
  `arn:aws:iot:us-east-1:${ACCOUNT}:cert/${'a'.repeat(64)}`,
  `arn:aws:iam::${ACCOUNT}:role/fuzz-role`,
  `arn:aws:sns:us-east-1:${ACCOUNT}:fuzz-topic`,
  'us-east-1:00000000-0000-0000-0000-000000000000',
];

export type Flavour = 'valid' | 'chaos';

export const PAGING_TOKENS = new Set(['nextToken', 'marker']);

const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
);

export function fits(s: Shape, v: string): boolean {
  const n = [...v].length;
  return n >= (s.min ?? 0) && n <= (s.max ?? Infinity) && (s.pattern === undefined || patternMatches(s.pattern, v));
}

function patternArb(s: Shape): fc.Arbitrary<string> | undefined {
  if (s.pattern === undefined) return undefined;
  try {
    const re = new RegExp(`^(?:${translateJavaPattern(s.pattern)})$`, 'u');
    // No length filter: with a minimum such as 64 a filter could reject forever; lengths are the validator's job.
    return fc.stringMatching(re, { size: 'small' });
  } catch {
    return undefined; // a construct fast-check cannot generate from; other strings still exercise the pattern check
  }
}

const validStringCache = new Map<string, fc.Arbitrary<string>>();

export function validStringArb(shapeName: string, s: Shape): fc.Arbitrary<string> {
  let arb = validStringCache.get(shapeName);
  if (!arb) validStringCache.set(shapeName, (arb = buildValidStringArb(shapeName, s)));
  return arb;
}

function buildValidStringArb(shapeName: string, s: Shape): fc.Arbitrary<string> {
  if (s.enum) return fc.constantFrom(...s.enum);
  const pool = (/arn|principal|target/i.test(shapeName) ? [...ARN_POOL, ...NAME_POOL] : NAME_POOL).filter((v) => fits(s, v));
  const options: fc.WeightedArbitrary<string>[] = [];
  if (pool.length) options.push({ arbitrary: fc.constantFrom(...pool), weight: 8 });
  const fromPattern = patternArb(s);
  if (fromPattern) options.push({ arbitrary: fromPattern, weight: 1 });
  else if (s.pattern === undefined) {
    const min = s.min ?? 0;
    options.push({ arbitrary: fc.string({ minLength: min, maxLength: Math.max(min, Math.min(s.max ?? 24, 24)) }), weight: 1 });
  }
  return options.length ? fc.oneof(...options) : fc.constant(NAME_POOL[0]!);
}

function chaosStringArb(shapeName: string, s: Shape): fc.Arbitrary<string> {
  const options: fc.WeightedArbitrary<string>[] = [
    { arbitrary: validStringArb(shapeName, s), weight: 4 },
    { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
    { arbitrary: fc.string({ maxLength: 12, unit: 'binary' }), weight: 1 }, // any code point, lone surrogates too
    { arbitrary: fc.constant(''), weight: 1 },
  ];
  if (s.enum) options.push({ arbitrary: fc.constant('NOT_A_VALUE'), weight: 1 });
  if (s.max !== undefined) options.push({ arbitrary: fc.constant('x'.repeat(s.max + 1)), weight: 1 });
  return fc.oneof(...options);
}

function numberArb(s: Shape, flavour: Flavour): fc.Arbitrary<number> {
  const lo = Math.ceil(s.min ?? 0);
  const hi = Math.floor(s.max ?? 1000);
  const inRange = fc.integer({ min: Math.max(lo, -1e9), max: Math.min(hi, 1e9) });
  if (flavour === 'valid') return inRange;
  return fc.oneof(
    { arbitrary: inRange, weight: 6 },
    { arbitrary: fc.constantFrom(lo - 1, hi + 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 1.5, -0), weight: 2 },
    { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
  );
}

const arbCache = new Map<string, fc.Arbitrary<unknown>>();

/** A value for `shapeName`; in the chaos flavour sometimes of the wrong JSON type altogether. */
export function valueArb(shapeName: string, depth: number, flavour: Flavour): fc.Arbitrary<unknown> {
  const key = `${shapeName}@${depth}/${flavour}`;
  const cached = arbCache.get(key);
  if (cached) return cached;
  const typed = typedArb(shapeName, lookupShape(shapeName), depth, flavour);
  const arb = flavour === 'valid' ? typed : fc.oneof({ arbitrary: typed, weight: 9 }, { arbitrary: junk, weight: 1 });
  arbCache.set(key, arb);
  return arb;
}

function typedArb(shapeName: string, s: Shape, depth: number, flavour: Flavour): fc.Arbitrary<unknown> {
  switch (s.type) {
    case 'string':
      return flavour === 'valid' ? validStringArb(shapeName, s) : chaosStringArb(shapeName, s);
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      return numberArb(s, flavour);
    case 'boolean':
      return fc.boolean();
    case 'timestamp': {
      // Around "now" (valid) or anywhere, including beyond what a Date can hold (chaos).
      const now = Math.floor(Date.now() / 1000);
      const near = fc.integer({ min: now - 400 * 86400, max: now + 400 * 86400 });
      return flavour === 'valid' ? near : fc.oneof(near, fc.double({ min: -1e12, max: 1e12, noNaN: true }), fc.constant(1e300));
    }
    case 'blob':
      return fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b).toString('base64'));
    case 'list': {
      if (depth > 3) return fc.constant([]);
      const min = s.min ?? 0;
      const cap = Math.min(s.max ?? 3, 3);
      const maxLength = flavour === 'valid' ? Math.max(min, cap) : Math.max(min, cap) + 1;
      return fc.array(valueArb(s.member!.shape, depth + 1, flavour), { minLength: flavour === 'valid' ? min : 0, maxLength });
    }
    case 'map': {
      if (depth > 3) return fc.constant({});
      const keys = flavour === 'valid' ? validStringArb(s.key!.shape, lookupShape(s.key!.shape)) : chaosStringArb(s.key!.shape, lookupShape(s.key!.shape));
      return fc.dictionary(keys, valueArb(s.value!.shape, depth + 1, flavour), { maxKeys: 3 });
    }
    case 'structure':
      return structureArb(s, depth, flavour);
  }
}

export function structureArb(s: Shape, depth: number, flavour: Flavour): fc.Arbitrary<Record<string, unknown>> {
  // Valid requests carry no paging token: a random one is always refused, so the request would never get further.
  const members = Object.entries(s.members ?? {}).filter(
    ([name, ref]) => ref.location === undefined && !(flavour === 'valid' && PAGING_TOKENS.has(name)),
  );
  if (depth > 3 || members.length === 0) return fc.constant({});
  const record = Object.fromEntries(members.map(([name, ref]) => [name, valueArb(ref.shape, depth + 1, flavour)]));
  const required = (s.required ?? []).filter((r) => Object.hasOwn(record, r));
  const complete = fc.record(record, { requiredKeys: required });
  if (flavour === 'valid') return complete as fc.Arbitrary<Record<string, unknown>>;
  return fc.oneof(
    { arbitrary: complete, weight: 6 },
    { arbitrary: fc.record(record, { requiredKeys: [] }), weight: 2 },
    { arbitrary: fc.record({ ...record, unknownMember: fc.integer() }, { requiredKeys: ['unknownMember'] }), weight: 1 },
  ) as fc.Arbitrary<Record<string, unknown>>;
}

// ---------------------------------------------------------------------------------------------------------------
// Requests for model operations.

const UNRESERVED = new Uint8Array(256).map((_, b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? 1 : 0));
const PERCENT = Array.from({ length: 256 }, (_, b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`);

/** Percent-encodes UTF-8 bytes (lone surrogates become U+FFFD, as any client's encoder would make them). */
export function pct(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) out += UNRESERVED[b] ? String.fromCharCode(b) : PERCENT[b]!;
  return out;
}

export function asText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v) ?? '';
}

/** Header values must be visible ASCII or node:http refuses to send them; the server sees what any client can send. */
export function headerSafe(v: string): string {
  return v.replace(/[^\x20-\x7e]/g, '?').trim();
}

export const AUTHORIZATIONS: (string | undefined)[] = [
  undefined,
  sigv4Header('123456789012', 'us-east-1'),
  sigv4Header('210987654321', 'eu-west-1', 'execute-api'),
  sigv4Header('AKIDEXAMPLE', 'us-west-2'),
  'AWS4-HMAC-SHA256 Credential=broken',
];

export function operationRequestArb(opName: string, flavour: Flavour): fc.Arbitrary<FuzzRequest> {
  const op = MODEL.operations[opName]!;
  const input: Shape = op.input ? lookupShape(op.input.shape) : { type: 'structure', members: {} };
  const members = Object.entries(input.members ?? {});
  const valid = flavour === 'valid';
  const located = Object.fromEntries(
    members
      .filter(([n, r]) => r.location !== undefined && !(valid && PAGING_TOKENS.has(n)))
      .map(([n, r]) => [n, valueArb(r.shape, 1, flavour)]),
  );
  const requiredLocated = valid ? (input.required ?? []).filter((r) => Object.hasOwn(located, r)) : [];
  const bodyArb: fc.Arbitrary<unknown> = input.payload
    ? valid
      ? valueArb(input.members![input.payload]!.shape, 1, flavour)
      : fc.option(valueArb(input.members![input.payload]!.shape, 1, flavour), { nil: undefined })
    : valid
      ? structureArb(input, 0, flavour)
      : fc.option(structureArb(input, 0, flavour), { nil: undefined });
  const noRawBody = fc.constant(undefined);
  return fc
    .record({
      located: fc.record(located, { requiredKeys: requiredLocated }),
      body: bodyArb,
      authorization: valid ? fc.constantFrom(...AUTHORIZATIONS.slice(0, 4)) : fc.constantFrom(...AUTHORIZATIONS),
      rawBody: valid
        ? noRawBody
        : fc.option(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('{', '[]', 'null', '{"a":', '{}')), { freq: 8, nil: undefined }),
    })
    .map(({ located: values, body, authorization, rawBody }) => {
      let path = op.http.requestUri.replace(/\{([^}+]+)\+?\}/g, (_, label: string) => {
        const member = members.find(([n, r]) => r.location === 'uri' && (r.locationName ?? n) === label);
        const v = member ? values[member[0]] : undefined;
        return pct(v === undefined ? '' : asText(v));
      });
      const query: string[] = [];
      const headers: Record<string, string> = {};
      for (const [name, ref] of members) {
        const v = values[name];
        if (v === undefined) continue;
        const wire = ref.locationName ?? name;
        if (ref.location === 'querystring') {
          for (const item of Array.isArray(v) ? v : [v]) query.push(`${pct(wire)}=${pct(asText(item))}`);
        } else if (ref.location === 'header') {
          headers[wire] = headerSafe(asText(v));
        }
      }
      if (query.length) path += `?${query.join('&')}`;
      if (authorization) headers['authorization'] = authorization;
      const text = rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
      return { method: op.http.method, path, headers, body: text };
    });
}

export const IMPLEMENTED = Object.keys(HANDLERS).filter((name) => MODEL.operations[name]);
export const NOT_IMPLEMENTED = Object.keys(MODEL.operations).filter((name) => !Object.hasOwn(HANDLERS, name));

export const modelRequestArb: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { arbitrary: fc.constantFrom(...IMPLEMENTED).chain((op) => operationRequestArb(op, 'valid')), weight: 5 },
  { arbitrary: fc.constantFrom(...IMPLEMENTED).chain((op) => operationRequestArb(op, 'chaos')), weight: 4 },
  { arbitrary: fc.constantFrom(...NOT_IMPLEMENTED).chain((op) => operationRequestArb(op, 'chaos')), weight: 1 },
);

// ---------------------------------------------------------------------------------------------------------------
// Junk traffic.

/** Headers node:http manages itself or that change framing; the rest may be anything. */
export const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'host', 'connection', 'expect', 'upgrade', 'te', 'trailer', 'keep-alive']);
const segmentArb = fc.oneof(
  fc.constantFrom('things', 'thing-groups', 'audit', 'policies', 'certificates', 'cacertificate', 'role-aliases', '_ddlocal', 'health', 'clock', 'reset', ''),
  fc.string({ maxLength: 10 }).map(pct),
  fc.constantFrom('%', '%zz', '%C0%AF', '%E0%A4%A', '%2F', '%00', '..', '.', ';', '{x}'),
);

export const junkRequestArb: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND'),
    segments: fc.array(segmentArb, { minLength: 1, maxLength: 5 }),
    query: fc.array(fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })), { maxLength: 3 }),
    rawQuery: fc.option(fc.constantFrom('%', '=&=&', 'a=%FF', '&&&', 'maxResults=1&maxResults=2'), { nil: undefined }),
    headers: fc.dictionary(
      fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/).filter((h) => !FRAMING_HEADERS.has(h)),
      fc.string({ maxLength: 20 }).map(headerSafe),
      { maxKeys: 4 },
    ),
    authorization: fc.constantFrom(...AUTHORIZATIONS),
    body: fc.option(
      fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.json({ maxDepth: 3 }),
        fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
        fc.constantFrom('{"__proto__":{"x":1}}', '{"constructor":null}', '\uFEFF{}', '{"a":1e999}', '{"a":"\\ud800"}'),
      ),
      { nil: undefined },
    ),
  })
  .map(({ method, segments, query, rawQuery, headers, authorization, body }) => {
    let path = `/${segments.join('/')}`;
    const q = [...query.map(([k, v]) => `${pct(k)}=${pct(v)}`), ...(rawQuery ? [rawQuery] : [])];
    if (q.length) path += `?${q.join('&')}`;
    const all = { ...headers };
    if (authorization) all['authorization'] = authorization;
    return { method, path, headers: all, body: method === 'HEAD' || method === 'TRACE' ? undefined : body };
  });


// ---------------------------------------------------------------------------------------------------------------
// Hostile values and requests. Two modes: "passing" values sit on the model's boundaries (maximum lengths, astral and
// right-to-left characters where the pattern allows them, the largest lists and maps, extreme numbers in range) so the
// request gets past validation and reaches its handler; the others go beyond (over-long, control characters and lone
// surrogates, wrong types, deeply nested JSON, numbers JSON.parse turns into Infinity).

/** JSON text put verbatim where a value goes: nesting too deep to build as an object, numbers beyond a double. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of a generated value: RawJson verbatim; strings as JSON.stringify writes them (lone surrogates escaped). */
export function jsonText(v: unknown): string {
  if (v instanceof RawJson) return v.text;
  if (Array.isArray(v)) return `[${v.map((item) => jsonText(item)).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).map((k) => `${JSON.stringify(k)}:${jsonText(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The text of a value in a URI label, query parameter or header. */
export function hostileText(v: unknown): string {
  return v instanceof RawJson ? v.text : typeof v === 'string' ? v : jsonText(v);
}

/** `depth` levels of arrays, objects or both, as JSON text (a JSON.stringify of such a value would overflow the stack). */
export function deepJson(depth: number, kind: 'array' | 'object' | 'mixed'): RawJson {
  if (kind === 'array') return new RawJson('['.repeat(depth) + ']'.repeat(depth));
  if (kind === 'object') return new RawJson('{"a":'.repeat(depth) + '0' + '}'.repeat(depth));
  const half = Math.ceil(depth / 2);
  return new RawJson('[{"a":'.repeat(half) + 'null' + '}]'.repeat(half));
}

export const deepJsonArb: fc.Arbitrary<RawJson> = fc
  .tuple(fc.constantFrom(64, 1000, 10_000, 100_000), fc.constantFrom('array' as const, 'object' as const, 'mixed' as const))
  .map(([depth, kind]) => deepJson(depth, kind));

/** Numbers as JSON text that no double holds exactly, or at all. */
const RAW_NUMBERS = ['1e999', '-1e999', '1' + '0'.repeat(400), '-0', '0.' + '0'.repeat(400) + '1', '4.9e-324', '1E+308', '123456789012345678901234567890'];

/** Strings that each hit a different hazard: control characters, surrogates, bidi, combining marks, escapes, syntax. */
export const NASTY_STRINGS: readonly string[] = [
  '\u0000', 'a\u0000b', '\u0001\u001f\u007f', '\t\n\r', ' ', '\u00a0', '\uFEFF', '\u202Eevil\u202C', '\u200F\u200E\u200B',
  'e\u0301', 'a' + '\u0301'.repeat(500), '😀', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '\u{10FFFF}', '\uD800', '\uDC00', 'a\uDBFFb', '\uFFFF', '\uFFFE',
  '\u2028\u2029', 'İ', 'ß', 'ﬃ', 'ǅ', 'Σ', 'ᾼ', '\u0130'.repeat(64), 'שלום', 'مرحبا', '..', '../..', '/', '\\', '%2F', '%',
  '%00', '"', "'", '${iot:ClientId}', '*', '?', '#', '+', '{}', '[]', 'null', 'undefined', 'NaN', '__proto__',
  'constructor', 'hasOwnProperty', "' OR 1=1 --", 'a); DROP TABLE things;--', '\\u0000', '<script>alert(1)</script>',
];

/**
 * Any code points, lone surrogates included. Built from integers rather than fc.string's unicode units, whose value
 * lookup table (a million entries) fast-check builds on first use and which costs seconds.
 */
const codePointsArb: fc.Arbitrary<string> = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xffff }), fc.integer({ min: 0x10000, max: 0x10ffff })), { maxLength: 24 })
  .map((cps) => String.fromCodePoint(...cps));

const nastyArb: fc.Arbitrary<string> = fc.oneof({ arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 4 }, { arbitrary: codePointsArb, weight: 2 });

/** Single code points to fill a string with: astral, right-to-left, accented, then ASCII the patterns usually allow. */
const FILL_CHARS = ['😀', '\u05D0', 'é', 'ǅ', 'a', 'Z', '0', '1', '-', '_', ':', '.', 'f', 'A'];

const fillCache = new Map<string, string[]>();

/** The fill characters a shape's pattern accepts (repeated to the shape's minimum length). */
function fillChars(shapeName: string, s: Shape): string[] {
  let chars = fillCache.get(shapeName);
  if (!chars) {
    const n = Math.max(1, s.min ?? 1);
    chars = FILL_CHARS.filter((c) => s.pattern === undefined || patternMatches(s.pattern, c.repeat(n)));
    fillCache.set(shapeName, chars);
  }
  return chars;
}

/** Where a value travels: lengths in a URI, query or header are kept well below the 16 KiB head limit. */
export type Position = 'body' | 'uri' | 'query' | 'header';

const LONG = { body: 100_000, uri: 1000, query: 1000, header: 4000 };

/** Long strings only near the top of a body: a list of structures of 100,000-character strings would not fit 1 MiB. */
function longest(where: Position, depth: number): number {
  return where === 'body' && depth > 1 ? 2000 : LONG[where];
}

function hostileStringArb(shapeName: string, s: Shape, passing: boolean, where: Position, depth: number): fc.Arbitrary<unknown> {
  const options: fc.WeightedArbitrary<unknown>[] = [{ arbitrary: validStringArb(shapeName, s), weight: 2 }];
  const chars = fillChars(shapeName, s);
  const cap = longest(where, depth);
  const max = Math.min(s.max ?? cap, cap);
  if (s.enum) {
    const longest = [...s.enum].sort((a, b) => b.length - a.length)[0]!;
    options.push({ arbitrary: fc.constant(longest), weight: 1 });
    if (!passing) options.push({ arbitrary: fc.constantFrom(longest.toLowerCase(), `${longest} `, `${longest}\u0000`, longest + longest), weight: 2 });
  } else if (chars.length > 0) {
    // A string of the maximum length (counted in code points: an astral fill is twice as long in UTF-16).
    options.push({ arbitrary: fc.constantFrom(...chars).map((c) => c.repeat(max)), weight: 3 });
    if ((s.min ?? 0) > 1) options.push({ arbitrary: fc.constantFrom(...chars).map((c) => c.repeat(s.min!)), weight: 1 });
    const fitting = NASTY_STRINGS.filter((n) => fits(s, n));
    if (fitting.length) options.push({ arbitrary: fc.constantFrom(...fitting), weight: 2 });
    if (!passing) {
      const over = Math.min((s.max ?? cap) + 1, cap * 2);
      options.push({ arbitrary: fc.constantFrom(...chars).map((c) => c.repeat(over)), weight: 2 });
    }
  }
  if (!passing) {
    options.push(
      { arbitrary: nastyArb, weight: 4 },
      { arbitrary: fc.tuple(validStringArb(shapeName, s), nastyArb).map(([v, n]) => v + n), weight: 2 },
      { arbitrary: fc.constant('a'.repeat(cap * 2)), weight: 1 },
      { arbitrary: fc.constant(''), weight: 1 },
      { arbitrary: wrongTypeArb, weight: 2 },
    );
  }
  return fc.oneof(...options);
}

const wrongTypeArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(0, -1, 1.5, true, false, null, [], {}, [null], { '': '' }, '12', 'true'),
  fc.constantFrom(...RAW_NUMBERS).map((t) => new RawJson(t)),
  deepJsonArb,
);

function hostileNumberArb(s: Shape, passing: boolean): fc.Arbitrary<unknown> {
  const integral = s.type === 'integer' || s.type === 'long';
  const limit = s.type === 'integer' ? 2 ** 31 - 1 : Number.MAX_SAFE_INTEGER;
  const lo = s.min ?? (integral ? -limit - (s.type === 'integer' ? 1 : 0) : -Number.MAX_VALUE);
  const hi = s.max ?? (integral ? limit : Number.MAX_VALUE);
  const inRange = [lo, hi, Math.min(Math.max(0, lo), hi)];
  if (passing) return fc.constantFrom(...inRange);
  return fc.oneof(
    fc.constantFrom(...inRange),
    fc.constantFrom<unknown>(lo - 1, hi + 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 1e308, -1e308, 5e-324, 1.5, -0, '1', '0x10', ' 1', '١٢'),
    wrongTypeArb,
  );
}

function hostileTimestampArb(passing: boolean): fc.Arbitrary<unknown> {
  const now = Math.floor(Date.now() / 1000);
  const inRange = fc.constantFrom(0, now, 253402300799, 253402300799.999, 1e-3);
  if (passing) return inRange;
  return fc.oneof(
    inRange,
    fc.constantFrom<unknown>(-1, -62167219200, 8.64e12, 8.64e12 + 1, 1e300, '2024-01-01T00:00:00Z', '9999-12-31T23:59:59.999999999Z', '', '1e3'),
    wrongTypeArb,
  );
}

const hostileCache = new Map<string, fc.Arbitrary<unknown>>();

/** A hostile value for `shapeName` at nesting `depth` travelling in `where`. */
export function hostileValueArb(shapeName: string, depth: number, passing: boolean, where: Position = 'body'): fc.Arbitrary<unknown> {
  const key = `${shapeName}@${depth}/${passing}/${where}`;
  let arb = hostileCache.get(key);
  if (!arb) {
    // Built on first use (recursive shapes would otherwise build every depth up front), then reused.
    let built: fc.Arbitrary<unknown> | undefined;
    arb = fc.constant(null).chain(() => (built ??= hostileTypedArb(shapeName, lookupShape(shapeName), depth, passing, where)));
    hostileCache.set(key, arb);
  }
  return arb;
}

function hostileTypedArb(shapeName: string, s: Shape, depth: number, passing: boolean, where: Position): fc.Arbitrary<unknown> {
  switch (s.type) {
    case 'string':
      return hostileStringArb(shapeName, s, passing, where, depth);
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      return hostileNumberArb(s, passing);
    case 'boolean':
      return passing ? fc.boolean() : fc.oneof(fc.boolean(), fc.constantFrom<unknown>('true', 'TRUE', 1, 0), wrongTypeArb);
    case 'timestamp':
      return hostileTimestampArb(passing);
    case 'blob': {
      const ok = fc.oneof(fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')), fc.constant('A'.repeat(where === 'body' ? 65_536 : 1000)));
      return passing ? ok : fc.oneof(ok, fc.constantFrom<unknown>('!!!', 'a', '====', 'YQ', '\u0000'), wrongTypeArb);
    }
    case 'list': {
      if (depth > 3) return fc.constant([]);
      const item = hostileValueArb(s.member!.shape, depth + 1, passing, where);
      // Long lists repeat one small valid item: many hostile items would multiply past the body limit.
      const small = where === 'body' ? valueArb(s.member!.shape, 4, 'valid') : hostileValueArb(s.member!.shape, depth + 1, passing, where);
      const min = s.min ?? 0;
      const most = Math.min(s.max ?? 2000, where === 'body' ? 2000 : 200);
      const options: fc.Arbitrary<unknown>[] = [
        fc.array(item, { minLength: min, maxLength: Math.max(min, Math.min(3, most)) }),
        small.map((v) => Array.from({ length: most }, () => v)),
      ];
      if (!passing)
        options.push(
          small.map((v) => Array.from({ length: Math.max(most + 1, where === 'body' ? 5000 : 300) }, () => v)),
          fc.constant([null]),
          wrongTypeArb,
        );
      return fc.oneof(...options);
    }
    case 'map': {
      if (depth > 3) return fc.constant({});
      const keyShape = lookupShape(s.key!.shape);
      const keys = hostileStringArb(s.key!.shape, keyShape, passing, 'body', 3).filter((k): k is string => typeof k === 'string');
      const value = hostileValueArb(s.value!.shape, depth + 1, passing, where);
      const small = valueArb(s.value!.shape, 4, 'valid');
      const most = Math.min(s.max ?? 1000, 1000);
      const options: fc.Arbitrary<unknown>[] = [
        fc.dictionary(keys, value, { maxKeys: 3 }),
        fc.tuple(keys, small).map(([k, v]) => manyKeys(most, k, v)),
      ];
      if (!passing)
        options.push(
          fc.tuple(keys, small).map(([k, v]) => manyKeys(5000, k, v)),
          fc.constantFrom<unknown>({ __proto__: null, constructor: 'x' }, objectWith('__proto__', 'x'), { toString: 'x', hasOwnProperty: 'y' }),
          wrongTypeArb,
        );
      return fc.oneof(...options);
    }
    case 'structure':
      return hostileStructureArb(s, depth, passing);
  }
}

function objectWith(key: string, value: unknown): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  return o;
}

/** `n` entries: the generated key with a counter (so keys stay distinct and near the key's own length), one value. */
function manyKeys(n: number, key: string, value: unknown): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const chars = [...key].slice(0, 128);
  const base = chars.slice(0, Math.max(0, chars.length - 6)).join('');
  for (let i = 0; i < n; i++) Object.defineProperty(o, `${base}${i}`, { value, enumerable: true, writable: true, configurable: true });
  return o;
}

export function hostileStructureArb(s: Shape, depth: number, passing: boolean): fc.Arbitrary<Record<string, unknown>> {
  const members = Object.entries(s.members ?? {}).filter(([name, ref]) => ref.location === undefined && !(passing && PAGING_TOKENS.has(name)));
  if (depth > 3 || members.length === 0) return fc.constant({});
  const record = Object.fromEntries(members.map(([name, ref]) => [name, hostileValueArb(ref.shape, depth + 1, passing)]));
  const required = (s.required ?? []).filter((r) => Object.hasOwn(record, r));
  const complete = fc.record(record, { requiredKeys: required }) as fc.Arbitrary<Record<string, unknown>>;
  if (passing) return complete;
  return fc.oneof(
    { arbitrary: complete, weight: 6 },
    { arbitrary: fc.record(record, { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>, weight: 1 },
    {
      arbitrary: fc.tuple(complete, nastyArb, fc.oneof(wrongTypeArb, deepJsonArb)).map(([o, k, v]) => ({ ...o, ...objectWith(k, v) })),
      weight: 1,
    },
  );
}

/** Path segments sent as they are (not percent-encoded): traversal, encoded slashes, broken and overlong escapes. */
export const RAW_LABELS = ['..', '.', '%2F', '..%2F..%2Fthings', '%2e%2e', '%2E%2E%2F', '%00', '%C0%AF', '%FF', '%E0%A4%A', '%', 'a%2Fb', '%252F', ';', '%3F', '%23', '%20', '+', '%F0%9F%98%80', '%ED%A0%80'];

/** Authorization headers a client could send: odd account ids and regions, broken credential scopes. */
export const HOSTILE_AUTHORIZATIONS: string[] = [
  sigv4Header('123456789012', 'a'.repeat(2000)),
  sigv4Header('123456789012', '../..'),
  sigv4Header('123456789012', 'us-east-1%00'),
  sigv4Header('123456789012', "us-east-1'; --"),
  sigv4Header('x'.repeat(3000), 'us-east-1'),
  sigv4Header('000000000000', 'us-east-1'),
  sigv4Header('1234567890123', 'us-east-1'),
  'AWS4-HMAC-SHA256 Credential=123456789012/20240101//iot/aws4_request',
  'AWS4-HMAC-SHA256 Credential=/////',
  'AWS4-HMAC-SHA256 ' + 'Credential='.repeat(500),
  'Bearer x',
];

/** A body that is no JSON object, or one with a duplicated member, or cut short. */
function malformedBodies(valid: string): string[] {
  const first = /^\{("(?:[^"\\]|\\.)*")/.exec(valid)?.[1];
  return [
    '',
    ' ',
    'null',
    '[]',
    '"x"',
    '0',
    '\uFEFF' + valid,
    valid + '}}}',
    valid.slice(0, Math.floor(valid.length / 2)),
    deepJson(100_000, 'array').text,
    deepJson(50_000, 'object').text,
    ...(first ? [`{${first}:${deepJson(10_000, 'mixed').text},${valid.slice(1)}`, `{${first}:1e999,${valid.slice(1)}`] : []),
  ];
}

const HEAD_BUDGET = 12_000;

/** A percent-encoded text cut to at most `max` characters, never inside a %XX escape. */
function cutEncoded(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.lastIndexOf('%', max);
  return text.slice(0, cut >= max - 2 ? cut : max);
}

/**
 * A hostile request for one model operation. `passing` requests carry boundary values meant to pass validation;
 * the others may break any rule, in any place the operation binds a member to (path, query, header, body).
 */
export function hostileOperationRequestArb(opName: string, passing: boolean): fc.Arbitrary<FuzzRequest> {
  const op = MODEL.operations[opName]!;
  const input: Shape = op.input ? lookupShape(op.input.shape) : { type: 'structure', members: {} };
  const members = Object.entries(input.members ?? {});
  const locatedMembers = members.filter(([n, r]) => r.location !== undefined && !(passing && PAGING_TOKENS.has(n)));
  const where = (r: { location?: string }): Position => (r.location === 'uri' ? 'uri' : r.location === 'header' ? 'header' : 'query');
  const located = Object.fromEntries(
    locatedMembers.map(([n, r]) => [
      n,
      // Labels are mostly valid names, so a request still finds the resource its other members are hostile against.
      r.location === 'uri'
        ? fc.oneof({ arbitrary: valueArb(r.shape, 1, 'valid'), weight: 1 }, { arbitrary: hostileValueArb(r.shape, 1, passing, 'uri'), weight: 2 })
        : hostileValueArb(r.shape, 1, passing, where(r)),
    ]),
  );
  const requiredLocated = passing ? (input.required ?? []).filter((r) => Object.hasOwn(located, r)) : [];
  const bodyArb: fc.Arbitrary<unknown> = input.payload
    ? hostileValueArb(input.members![input.payload]!.shape, 1, passing)
    : hostileStructureArb(input, 0, passing);
  return fc
    .record({
      located: fc.record(located, { requiredKeys: requiredLocated }),
      body: bodyArb,
      authorization: passing
        ? fc.constantFrom(...AUTHORIZATIONS.slice(0, 4))
        : fc.oneof({ arbitrary: fc.constantFrom(...AUTHORIZATIONS), weight: 4 }, { arbitrary: fc.constantFrom(...HOSTILE_AUTHORIZATIONS), weight: 1 }),
      rawLabel: passing ? fc.constant(undefined) : fc.option(fc.constantFrom(...RAW_LABELS), { freq: 6, nil: undefined }),
      duplicate: passing ? fc.constant(0) : fc.constantFrom(0, 0, 0, 0, 1, 2, 300),
      extraQuery: passing
        ? fc.constant<string[]>([])
        : fc.option(
            fc.oneof(
              fc.constantFrom(['x=1'], ['%=1'], ['maxResults'], ['=&=&='], ['a=%FF%FE'], ['nextToken=' + 'A'.repeat(4000)]),
              fc.constant(Array.from({ length: 1500 }, (_, i) => `p${i}=${i}`)),
              nastyArb.map((n) => [`${pct(n)}=${pct(n)}`]),
            ),
            { freq: 5, nil: [] as string[] },
          ),
      malformed: passing ? fc.constant(undefined) : fc.option(fc.nat(), { freq: 6, nil: undefined }),
    })
    .map(({ located: values, body, authorization, rawLabel, duplicate, extraQuery, malformed }) => {
      let labelled = false;
      let path = op.http.requestUri.replace(/\{([^}+]+)\+?\}/g, (_, label: string) => {
        if (rawLabel !== undefined && !labelled) {
          labelled = true;
          return rawLabel;
        }
        const member = members.find(([n, r]) => r.location === 'uri' && (r.locationName ?? n) === label);
        const v = member ? values[member[0]] : undefined;
        return cutEncoded(pct(v === undefined ? '' : hostileText(v)), 4000);
      });
      // The request line stays under Node's 16 KiB head limit, or the parser would refuse it before ddlocal sees it.
      let budget = HEAD_BUDGET - path.length;
      const query: string[] = [];
      const add = (param: string) => {
        if (param.length > budget) return false;
        budget -= param.length + 1;
        query.push(param);
        return true;
      };
      const headers: Record<string, string> = {};
      for (const [name, ref] of members) {
        const v = values[name];
        if (v === undefined) continue;
        const wire = ref.locationName ?? name;
        if (ref.location === 'querystring') {
          const items = Array.isArray(v) ? v : [v];
          const params = items.map((item) => `${pct(wire)}=${cutEncoded(pct(hostileText(item)), 4000)}`);
          for (let copy = 0; copy <= duplicate; copy++) if (!params.every(add)) break;
        } else if (ref.location === 'header') {
          headers[wire] = headerSafe(hostileText(v)).slice(0, 4000);
        }
      }
      for (const param of extraQuery ?? []) if (!add(param)) break;
      if (query.length) path += `?${query.join('&')}`;
      if (authorization) headers['authorization'] = authorization;
      let text = jsonText(body);
      if (malformed !== undefined) {
        const bad = malformedBodies(text);
        text = bad[malformed % bad.length]!;
      }
      return { method: op.http.method, path, headers, body: text };
    });
}
