// Property tests of the whole HTTP surface against one real ddlocal (SQLite): whatever arrives — model operations
// with valid, nearly valid and invalid inputs, junk methods/paths/headers/bodies, bodies around the 1 MiB limit —
// the answer is a success or a well-formed AWS error, never a 5xx other than 501 NotImplementedException
// (wire.md §2, §7), and the server keeps serving. Inputs are generated from the AWS IoT model itself, biased towards
// values that pass validation and towards a small pool of names, so requests reach the domain handlers and refer to
// resources created by earlier requests.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MODEL, shape as lookupShape, type Shape } from '../src/model/model.js';
import { patternMatches, translateJavaPattern } from '../src/wire/patterns.js';
import { HANDLERS } from '../src/domain/operations.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { rawRequest, sigv4Header, UUID_V4, type RawResponse } from './helpers/raw-http.js';

const MiB = 1024 * 1024;

/** Fixed seed by default so a failure reproduces; FUZZ_SEED=<n> explores other corners. */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20240601;

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  chunkSize?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Checking answers.

function describeRequest(r: FuzzRequest): string {
  const body = r.body === undefined ? '' : ` body(${r.body.length})=${String(r.body).slice(0, 300)}`;
  return `${r.method} ${r.path.slice(0, 300)} headers=${JSON.stringify(r.headers).slice(0, 300)}${body}`;
}

/** A success with a JSON object body, or an AWS-shaped error; 5xx only as 501 NotImplementedException. */
function assertWellFormed(req: FuzzRequest, res: RawResponse): void {
  const where = `${describeRequest(req)}\n→ ${res.status} ${JSON.stringify(res.headers)} ${res.text.slice(0, 500)}`;
  assert.match(String(res.headers['x-amzn-requestid']), UUID_V4, where);
  const errorType = res.headers['x-amzn-errortype'];
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
const NAME_POOL = ['fuzz-a', 'fuzz-b', 'a', '1', 'default', 'fuzz_group', 'ab'.repeat(32), '123456789012'];

const ACCOUNT = '123456789012';
const ARN_POOL = [
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

type Flavour = 'valid' | 'chaos';

const PAGING_TOKENS = new Set(['nextToken', 'marker']);

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

function fits(s: Shape, v: string): boolean {
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

function validStringArb(shapeName: string, s: Shape): fc.Arbitrary<string> {
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
function valueArb(shapeName: string, depth: number, flavour: Flavour): fc.Arbitrary<unknown> {
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

function structureArb(s: Shape, depth: number, flavour: Flavour): fc.Arbitrary<Record<string, unknown>> {
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

/** Percent-encodes UTF-8 bytes (lone surrogates become U+FFFD, as any client's encoder would make them). */
function pct(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9._~-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function asText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v) ?? '';
}

/** Header values must be visible ASCII or node:http refuses to send them; the server sees what any client can send. */
function headerSafe(v: string): string {
  return v.replace(/[^\x20-\x7e]/g, '?').trim();
}

const AUTHORIZATIONS: (string | undefined)[] = [
  undefined,
  sigv4Header('123456789012', 'us-east-1'),
  sigv4Header('210987654321', 'eu-west-1', 'execute-api'),
  sigv4Header('AKIDEXAMPLE', 'us-west-2'),
  'AWS4-HMAC-SHA256 Credential=broken',
];

function operationRequestArb(opName: string, flavour: Flavour): fc.Arbitrary<FuzzRequest> {
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

const IMPLEMENTED = Object.keys(HANDLERS).filter((name) => MODEL.operations[name]);
const NOT_IMPLEMENTED = Object.keys(MODEL.operations).filter((name) => !HANDLERS[name]);

const modelRequestArb: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { arbitrary: fc.constantFrom(...IMPLEMENTED).chain((op) => operationRequestArb(op, 'valid')), weight: 5 },
  { arbitrary: fc.constantFrom(...IMPLEMENTED).chain((op) => operationRequestArb(op, 'chaos')), weight: 4 },
  { arbitrary: fc.constantFrom(...NOT_IMPLEMENTED).chain((op) => operationRequestArb(op, 'chaos')), weight: 1 },
);

// ---------------------------------------------------------------------------------------------------------------
// Junk traffic.

/** Headers node:http manages itself or that change framing; the rest may be anything. */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'host', 'connection', 'expect', 'upgrade', 'te', 'trailer', 'keep-alive']);

const segmentArb = fc.oneof(
  fc.constantFrom('things', 'thing-groups', 'audit', 'policies', 'certificates', 'cacertificate', 'role-aliases', '_ddlocal', 'health', 'clock', 'reset', ''),
  fc.string({ maxLength: 10 }).map(pct),
  fc.constantFrom('%', '%zz', '%C0%AF', '%E0%A4%A', '%2F', '%00', '..', '.', ';', '{x}'),
);

const junkRequestArb: fc.Arbitrary<FuzzRequest> = fc
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

describe('fuzzing the HTTP surface (sqlite)', () => {
  let server: TestServer;
  const send = (r: FuzzRequest) => rawRequest(server.url, { method: r.method, path: r.path, headers: r.headers, body: r.body, chunkSize: r.chunkSize });

  async function assertStillServing() {
    const res = await rawRequest(server.url, { path: '/_ddlocal/health' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.status, 'ok');
  }

  before(async () => {
    server = await startTestServer('sqlite');
  });
  after(() => server.close());

  test('model operations with random, nearly valid and invalid inputs: success or a well-formed error, never 5xx', async (t) => {
    const outcomes = new Map<string, number>();
    const succeeded = new Set<string>();
    await fc.assert(
      fc.asyncProperty(modelRequestArb, async (req) => {
        const res = await send(req);
        assertWellFormed(req, res);
        const outcome = res.status === 200 ? '200' : `${res.status} ${res.headers['x-amzn-errortype']}`;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        if (res.status === 200) succeeded.add(`${req.method} ${req.path.split('?')[0]}`);
      }),
      { numRuns: 1500, seed: SEED },
    );
    t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])))}`);
    t.diagnostic(`distinct successful requests: ${succeeded.size}`);
    // The generator must reach the handlers, not only validation: a fuzz run that rarely succeeds tests little.
    assert.ok((outcomes.get('200') ?? 0) >= 100, `only ${outcomes.get('200') ?? 0} successful requests`);
    await assertStillServing();
  });

  test('junk methods, paths, query strings, headers and bodies: a well-formed error or success, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(junkRequestArb, async (req) => {
        assertWellFormed(req, await send(req));
      }),
      { numRuns: 600, seed: SEED },
    );
    await assertStillServing();
  });

  test('bodies near and over 1 MiB, declared or chunked: read up to the limit, refused above it', async () => {
    const targets = [
      { method: 'POST', path: '/things/fuzz-big', member: 'attributePayload' },
      { method: 'POST', path: '/policies/fuzz-big', member: 'policyDocument' },
      { method: 'POST', path: '/loggingOptions', member: 'roleArn' },
      { method: 'POST', path: '/no-such-operation', member: 'x' },
      { method: 'PUT', path: '/jobs/fuzz-big', member: 'document' },
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...targets),
        fc.integer({ min: MiB - 64, max: MiB + 64 }),
        fc.option(fc.constantFrom(1024, 64 * 1024), { nil: undefined }),
        fc.boolean(),
        async (target, size, chunkSize, json) => {
          const head = `{"${target.member}":"`;
          const tail = '"}';
          const body = json ? head + 'x'.repeat(Math.max(0, size - head.length - tail.length)) + tail : Buffer.alloc(size, 0x7b);
          const req: FuzzRequest = { method: target.method, path: target.path, headers: {}, body, chunkSize };
          const res = await send(req);
          assertWellFormed(req, res);
          if (body.length > MiB) {
            assert.equal(res.status, 400, describeRequest(req));
            assert.match(res.json.message, /exceeds the limit of 1048576 bytes/);
          } else {
            assert.doesNotMatch(String(res.json?.message), /exceeds the limit/);
          }
        },
      ),
      { numRuns: 16, seed: SEED },
    );
    await assertStillServing();
  });
});
