// Strict mode's SigV4 verifier (src/protocol/sigv4.ts) against the official signers: requests signed by
// @smithy/signature-v4 (the JS SDK v3's signer) and by botocore (boto3 and the aws CLI) must verify — awkward paths,
// query strings, session tokens, both signing services, with and without x-amz-content-sha256 — and every way of
// tampering with a signed request must be refused with the exception AWS answers. The verifier is pure, so requests
// are handed to it as the HTTP server would receive them: raw path and query, Node-style raw headers, body bytes.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from './helpers/signing.js';
import { buildCredentialsTable } from '../src/protocol/credentials.js';
import { canonicalQuery, canonicalUri, SignatureMismatchError, verifySigV4, type ReceivedRequest, type VerifiedIdentity } from '../src/protocol/sigv4.js';
import { errorStatus } from '../src/protocol/error-status.js';

// ---------------------------------------------------------------------------------------------------------------
// Fixtures: the credentials table (built by the real loader) and the signing time

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0); // 20260101T120000Z
const MINUTE = 60_000;
const HOST = '127.0.0.1:4580';

const PLAIN = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SESSION = { accessKeyId: 'ASIASESSIONKEY', secretAccessKey: 'session/secret+key', sessionToken: 'FwoGZXIvYXdzEJr//////////wEaDOPtoken+abc=' };
const NO_TOKEN_PLAIN_KEY = { ...PLAIN, sessionToken: 'a-token-this-key-does-not-have' };
const AUTOMATION_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'iot:StartAuditMitigationActionsTask', Resource: '*' }],
};

const table = buildCredentialsTable(
  JSON.stringify([
    {
      accessKeyId: PLAIN.accessKeyId,
      secretAccessKey: PLAIN.secretAccessKey,
      accountId: '111122223333',
      principalArn: 'arn:aws:iam::111122223333:role/Automation',
      policies: [{ name: 'automation', document: AUTOMATION_POLICY }],
    },
    { ...SESSION, accountId: '444455556666', admin: true },
  ]),
  {},
);

const EXPECTED_PLAIN = {
  accessKeyId: PLAIN.accessKeyId,
  accountId: '111122223333',
  principalArn: 'arn:aws:iam::111122223333:role/Automation',
  admin: false,
  policies: [{ name: 'automation', document: AUTOMATION_POLICY }],
};
const EXPECTED_SESSION = {
  accessKeyId: SESSION.accessKeyId,
  accountId: '444455556666',
  principalArn: 'arn:aws:iam::444455556666:root',
  admin: true,
  policies: [],
};

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key ' +
  'and signing method. Consult the service documentation for details.';

// ---------------------------------------------------------------------------------------------------------------
// The request as the HTTP server receives it

interface Wire {
  method: string;
  rawPath: string;
  rawQuery: string;
  /** Node's rawHeaders: name, value, name, value, … */
  headers: string[];
  body: Buffer;
}

/** What Node makes of a header value: the bytes on the wire (UTF-8 from every client) read one character per byte. */
const asReceived = (value: string) => Buffer.from(value, 'utf8').toString('latin1');

const verify = (wire: Wire, now = T0): VerifiedIdentity => verifySigV4({ ...wire, now } satisfies ReceivedRequest, table.lookup);

const header = (wire: Wire, name: string) => {
  const i = wire.headers.findIndex((h, j) => j % 2 === 0 && h.toLowerCase() === name);
  return i === -1 ? undefined : wire.headers[i + 1];
};
const withHeader = (wire: Wire, name: string, value: string | undefined): Wire => {
  const headers: string[] = [];
  for (let i = 0; i < wire.headers.length; i += 2) if (wire.headers[i]!.toLowerCase() !== name) headers.push(wire.headers[i]!, wire.headers[i + 1]!);
  if (value !== undefined) headers.push(name, value);
  return { ...wire, headers };
};
const withAuthorization = (wire: Wire, edit: (authorization: string) => string) =>
  withHeader(wire, 'authorization', edit(header(wire, 'authorization')!));

// ---------------------------------------------------------------------------------------------------------------
// Signing with @smithy/signature-v4

/** The query string the SDK's HTTP handler writes for a query object (RFC 3986 encoding, a list as repeated names). */
function wireQuery(query: Record<string, string | string[]>): string {
  const escape = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return Object.entries(query)
    .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${escape(name)}=${escape(v)}`))
    .join('&');
}

interface SmithyRequest {
  method?: string;
  path: string;
  query?: Record<string, string | string[]>;
  /** The query as sent, when it is not what the SDK would write for `query`. */
  rawQuery?: string;
  headers?: Record<string, string>;
  body?: string;
  service?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Send x-amz-content-sha256 (the JS SDK does). */
  contentSha256?: boolean;
  signingDate?: number;
  unsignableHeaders?: string[];
  /** Leave out the Host header, as a signer that does not sign it would. */
  noHost?: boolean;
}

async function signWithSmithy(r: SmithyRequest): Promise<Wire> {
  const signer = new SignatureV4({
    service: r.service ?? 'iot',
    region: r.region ?? 'us-east-1',
    credentials: r.credentials ?? PLAIN,
    sha256: NodeSha256,
    applyChecksum: r.contentSha256 ?? false,
  });
  const body = r.body ?? '';
  const headers: Record<string, string> = { ...(r.noHost ? {} : { host: HOST }), ...(body ? { 'content-type': 'application/json' } : {}), ...r.headers };
  const signed = await signer.sign(
    { method: r.method ?? 'GET', protocol: 'http:', hostname: '127.0.0.1', port: 4580, path: r.path, query: r.query ?? {}, headers, body },
    { signingDate: new Date(r.signingDate ?? T0), unsignableHeaders: r.unsignableHeaders ? new Set(r.unsignableHeaders) : undefined },
  );
  return {
    method: signed.method,
    rawPath: r.path,
    rawQuery: r.rawQuery ?? wireQuery(r.query ?? {}),
    headers: Object.entries(signed.headers).flatMap(([name, value]) => [name, asReceived(value)]),
    body: Buffer.from(body, 'utf8'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Signing with botocore (what boto3 and the aws CLI use), one python3 run for every request

interface BotocoreRequest {
  method?: string;
  /** Path and query as they go on the wire, e.g. "/things/a%20b?x=1". */
  target: string;
  headers?: Array<[string, string]>;
  body?: string;
  service?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

const BOTOCORE_SIGNER = `
import sys, json, base64, datetime
import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
out = []
for r in json.load(sys.stdin):
    when = datetime.datetime.strptime(r['timestamp'], '%Y%m%dT%H%M%SZ')
    botocore.auth.get_current_datetime = lambda *a, when=when, **k: when
    request = AWSRequest(method=r['method'], url=r['url'], data=base64.b64decode(r['body']))
    for name, value in r['headers']:
        request.headers[name] = value  # a repeated name is added again, not replaced
    c = r['credentials']
    SigV4Auth(Credentials(c['accessKeyId'], c['secretAccessKey'], c.get('sessionToken')), r['service'], r['region']).add_auth(request)
    out.append(list(request.headers.items()))
json.dump(out, sys.stdout)
`;

function signWithBotocore(requests: BotocoreRequest[]): Wire[] {
  const input = requests.map((r) => ({
    method: r.method ?? 'GET',
    url: `http://${HOST}${r.target}`,
    headers: r.headers ?? [],
    body: Buffer.from(r.body ?? '', 'utf8').toString('base64'),
    service: r.service ?? 'iot',
    region: r.region ?? 'us-east-1',
    credentials: r.credentials ?? PLAIN,
    timestamp: '20260101T120000Z',
  }));
  const run = spawnSync('python3', ['-c', BOTOCORE_SIGNER], { input: JSON.stringify(input), encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, `botocore signer failed: ${run.stderr}`);
  const signedHeaders = JSON.parse(run.stdout) as Array<Array<[string, string]>>;
  return requests.map((r, i) => {
    const q = r.target.indexOf('?');
    // botocore signs the Host its HTTP client (urllib3) sends; it does not set the header itself.
    const headers = signedHeaders[i]!.flatMap(([name, value]) => [name, asReceived(value)]);
    if (!signedHeaders[i]!.some(([name]) => name.toLowerCase() === 'host')) headers.push('Host', HOST);
    return {
      method: r.method ?? 'GET',
      rawPath: q === -1 ? r.target : r.target.slice(0, q),
      rawQuery: q === -1 ? '' : r.target.slice(q + 1),
      headers,
      body: Buffer.from(r.body ?? '', 'utf8'),
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Requests that must verify

const JSON_BODY = JSON.stringify({ attributePayload: { attributes: { floor: '2', note: 'ünïcødé 漢字' } } });

interface Accepted<R> {
  name: string;
  request: R;
  expect?: Partial<VerifiedIdentity>;
  now?: number;
  /** Changes after signing that must not matter. */
  after?: (wire: Wire) => Wire;
}

const SMITHY_ACCEPTED: Array<Accepted<SmithyRequest>> = [
  { name: 'POST with a JSON body and x-amz-content-sha256', request: { method: 'POST', path: '/things/sensor-1', body: JSON_BODY, contentSha256: true } },
  { name: 'POST with a JSON body, no x-amz-content-sha256', request: { method: 'POST', path: '/things/sensor-1', body: JSON_BODY } },
  { name: 'GET with an empty body', request: { path: '/things' } },
  { name: 'DELETE with an empty body and x-amz-content-sha256', request: { method: 'DELETE', path: '/things/sensor-1', contentSha256: true } },
  { name: 'service execute-api (aws CLI 2.9.x)', request: { path: '/things', service: 'execute-api' } },
  { name: 'region from the scope', request: { path: '/things', region: 'eu-west-1' }, expect: { region: 'eu-west-1' } },
  { name: 'space and / inside a label (%20, %2F)', request: { method: 'PUT', path: '/audit/mitigationactions/tasks/a%20b%2Fc/cancel' } },
  { name: '+ encoded in a label (%2B)', request: { path: '/policies/a%2Bb' } },
  { name: '+ sent raw in the path', request: { path: '/policies/a+b' } },
  { name: 'ü in a label', request: { path: '/things/%C3%BC' } },
  { name: '漢字 in a label', request: { path: '/things/%E6%BC%A2%E5%AD%97' } },
  { name: '~ in a label (unreserved, never encoded)', request: { path: '/things/a~b' } },
  { name: 'the root path', request: { path: '/' } },
  { name: 'a trailing slash', request: { path: '/things/' } },
  { name: 'repeated query parameters', request: { path: '/things', query: { thingTypeName: 'b', attributeName: ['z', 'a'] } } },
  { name: 'empty query values', request: { path: '/things', query: { nextToken: '', maxResults: '5' } } },
  {
    name: 'a query parameter without =',
    request: { path: '/things', query: { usePrefixAttributeValue: '', maxResults: '5' }, rawQuery: 'maxResults=5&usePrefixAttributeValue' },
  },
  { name: 'query values that need encoding', request: { path: '/things', query: { attributeValue: 'a b+c/ü~*=&' } } },
  { name: 'query names sorted after encoding', request: { path: '/things', query: { 'a-b': '1', a: '2', B: '3', _: '4', 'ä': '5' } } },
  { name: 'query sent in another order and encoding', request: { path: '/things', query: { b: '2', a: 'x y' }, rawQuery: 'a=x%20y&b=%32' } },
  {
    name: 'a session token',
    request: { method: 'POST', path: '/things/s', body: JSON_BODY, credentials: SESSION, contentSha256: true },
    expect: EXPECTED_SESSION,
  },
  { name: 'a session token with execute-api', request: { path: '/things', credentials: SESSION, service: 'execute-api' }, expect: EXPECTED_SESSION },
  { name: 'a header with runs of spaces and tabs', request: { path: '/things', headers: { 'x-custom': 'a   b \t c' } } },
  {
    name: 'UNSIGNED-PAYLOAD',
    request: { method: 'POST', path: '/things/u', body: JSON_BODY, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
  },
  { name: 'signed exactly 15 minutes ago', request: { path: '/things' }, now: T0 + 15 * MINUTE },
  { name: 'signed 15 minutes ahead of ddlocal', request: { path: '/things' }, now: T0 - 15 * MINUTE },
  {
    name: 'unsigned headers added or changed after signing',
    request: { path: '/things', headers: { 'user-agent': 'aws-sdk-js/3' } },
    after: (w) => withHeader(withHeader(w, 'user-agent', 'something else'), 'x-forwarded-for', '10.0.0.1'),
  },
  {
    name: 'headers given as headersDistinct',
    request: { path: '/things', headers: { 'x-custom': 'v' } },
    after: (w) => {
      const distinct: Record<string, string[]> = {};
      for (let i = 0; i < w.headers.length; i += 2) (distinct[w.headers[i]!.toLowerCase()] ??= []).push(w.headers[i + 1]!);
      return { ...w, headers: distinct as unknown as string[] };
    },
  },
];

const BOTOCORE_ACCEPTED: Array<Accepted<BotocoreRequest>> = [
  { name: 'POST with a JSON body', request: { method: 'POST', target: '/things/sensor-1', body: JSON_BODY, headers: [['Content-Type', 'application/json']] } },
  { name: 'GET with an empty body', request: { target: '/things' } },
  { name: 'space and / inside a label', request: { method: 'PUT', target: '/audit/mitigationactions/tasks/a%20b%2Fc/cancel' } },
  { name: '+, ~ and unicode in labels', request: { target: '/policies/a%2Bb~%C3%BC%E6%BC%A2%E5%AD%97' } },
  { name: 'repeated, empty and valueless query parameters', request: { target: '/things?b=2&a=1&a=0&usePrefixAttributeValue&nextToken=' } },
  { name: 'query values with +, ~ and unicode', request: { target: '/things?attributeValue=a%2Bb~%C3%BC%20c' } },
  {
    name: 'a session token',
    request: { method: 'POST', target: '/things/s', body: JSON_BODY, credentials: SESSION, headers: [['Content-Type', 'application/json']] },
    expect: EXPECTED_SESSION,
  },
  { name: 'service execute-api', request: { target: '/things', service: 'execute-api', region: 'ap-southeast-2' }, expect: { region: 'ap-southeast-2' } },
  { name: 'a repeated header (joined with ,)', request: { target: '/things', headers: [['X-Custom', 'a'], ['X-Custom', ' b  c ']] } },
  {
    name: 'x-amz-content-sha256 sent',
    request: {
      method: 'POST',
      target: '/things/h',
      body: JSON_BODY,
      headers: [['X-Amz-Content-SHA256', createHash('sha256').update(JSON_BODY).digest('hex')]],
    },
  },
  { name: 'the time in a Date header instead of X-Amz-Date', request: { target: '/things', headers: [['Date', 'anything; botocore rewrites it']] } },
  { name: 'a non-ASCII header value (UTF-8 on the wire)', request: { target: '/things', headers: [['X-Note', 'grüße 漢字']] } },
];

describe('SigV4 verification accepts what the official signers sign', () => {
  describe('@smithy/signature-v4 (JS SDK v3)', () => {
    const signed: Wire[] = [];
    before(async () => {
      for (const c of SMITHY_ACCEPTED) signed.push(await signWithSmithy(c.request));
    });
    SMITHY_ACCEPTED.forEach((c, i) => {
      test(c.name, () => {
        const wire = c.after ? c.after(signed[i]!) : signed[i]!;
        const identity = verify(wire, c.now);
        const credentials = c.request.credentials ?? PLAIN;
        assert.deepEqual(identity, {
          ...(credentials === SESSION ? EXPECTED_SESSION : EXPECTED_PLAIN),
          region: c.request.region ?? 'us-east-1',
          ...c.expect,
        });
      });
    });
  });

  describe('botocore (boto3, aws CLI)', () => {
    let signed: Wire[] = [];
    before(() => {
      signed = signWithBotocore(BOTOCORE_ACCEPTED.map((c) => c.request));
    });
    BOTOCORE_ACCEPTED.forEach((c, i) => {
      test(c.name, () => {
        const identity = verify(signed[i]!, c.now);
        const credentials = c.request.credentials ?? PLAIN;
        assert.deepEqual(identity, {
          ...(credentials === SESSION ? EXPECTED_SESSION : EXPECTED_PLAIN),
          region: c.request.region ?? 'us-east-1',
          ...c.expect,
        });
      });
    });
    test('the Date-header request really was signed with Date, not X-Amz-Date', () => {
      const wire = signed[BOTOCORE_ACCEPTED.findIndex((c) => c.name.startsWith('the time in a Date header'))]!;
      assert.equal(header(wire, 'x-amz-date'), undefined);
      assert.equal(header(wire, 'date'), 'Thu, 01 Jan 2026 12:00:00 -0000');
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Requests that must be refused

interface Refused {
  name: string;
  /** The signed request to start from; the default is BASE. */
  sign?: () => Promise<Wire>;
  tamper?: (wire: Wire) => Wire;
  now?: number;
  code: 'MissingAuthenticationTokenException' | 'IncompleteSignatureException' | 'InvalidSignatureException' | 'UnrecognizedClientException';
  /** The whole message, or a pattern of it. */
  message?: string | RegExp;
}

const BASE: SmithyRequest = { method: 'POST', path: '/things/sensor-1', query: { x: '1' }, body: JSON_BODY };
const base = () => signWithSmithy(BASE);
const replaceScope = (wire: Wire, from: RegExp, to: string) => withAuthorization(wire, (a) => a.replace(from, to));

const REFUSED: Refused[] = [
  // The secret, the time
  { name: 'wrong secret', sign: () => signWithSmithy({ ...BASE, credentials: { ...PLAIN, secretAccessKey: 'not-the-secret' } }), code: 'InvalidSignatureException', message: SIGNATURE_MISMATCH },
  {
    name: 'signed 16 minutes before ddlocal\'s clock',
    now: T0 + 16 * MINUTE,
    code: 'InvalidSignatureException',
    message: 'Signature expired: 20260101T120000Z is now earlier than 20260101T120100Z (20260101T121600Z - 15 min.)',
  },
  {
    name: 'signed 16 minutes after ddlocal\'s clock',
    now: T0 - 16 * MINUTE,
    code: 'InvalidSignatureException',
    message: 'Signature not yet current: 20260101T120000Z is still later than 20260101T115900Z (20260101T114400Z + 15 min.)',
  },
  { name: 'signed 400 days ago', now: T0 + 400 * 24 * 60 * MINUTE, code: 'InvalidSignatureException', message: /^Signature expired: 20260101T120000Z is now earlier than 20270205T/ },
  {
    name: 'X-Amz-Date moved by a second after signing',
    tamper: (w) => withHeader(w, 'x-amz-date', '20260101T120001Z'),
    code: 'InvalidSignatureException',
    message: SIGNATURE_MISMATCH,
  },
  {
    name: 'scope date not the date of X-Amz-Date',
    tamper: (w) => replaceScope(w, /\/20260101\//, '/20251231/'),
    code: 'InvalidSignatureException',
    message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20251231' != '20260101', from '20260101T120000Z'.",
  },
  // The body
  { name: 'body changed after signing', tamper: (w) => ({ ...w, body: Buffer.from(JSON_BODY.replace('"2"', '"3"')) }), code: 'InvalidSignatureException', message: SIGNATURE_MISMATCH },
  { name: 'body extended after signing', tamper: (w) => ({ ...w, body: Buffer.concat([w.body, Buffer.from(' ')]) }), code: 'InvalidSignatureException', message: SIGNATURE_MISMATCH },
  { name: 'body removed after signing', tamper: (w) => ({ ...w, body: Buffer.alloc(0) }), code: 'InvalidSignatureException', message: SIGNATURE_MISMATCH },
  {
    name: 'body changed, x-amz-content-sha256 still the old hash',
    sign: () => signWithSmithy({ ...BASE, contentSha256: true }),
    tamper: (w) => ({ ...w, body: Buffer.from('{}') }),
    code: 'InvalidSignatureException',
    message: /^The x-amz-content-sha256 header does not match the request body: .* the 2 bytes received hash to 44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a$/,
  },
  {
    name: 'body changed and x-amz-content-sha256 replaced with its hash',
    sign: () => signWithSmithy({ ...BASE, contentSha256: true }),
    tamper: (w) => withHeader({ ...w, body: Buffer.from('{}') }, 'x-amz-content-sha256', createHash('sha256').update('{}').digest('hex')),
    code: 'InvalidSignatureException',
    message: SIGNATURE_MISMATCH,
  },
  {
    name: 'x-amz-content-sha256 that is not a hash',
    tamper: (w) => withHeader(w, 'x-amz-content-sha256', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'),
    code: 'InvalidSignatureException',
    message: /must be the hex SHA-256 of the request body or UNSIGNED-PAYLOAD/,
  },
  // Method, path, query, headers
  { name: 'method changed', tamper: (w) => ({ ...w, method: 'PATCH' }), code: 'InvalidSignatureException', message: SIGNATURE_MISMATCH },
  { name: 'path changed', tamper: (w) => ({ ...w, rawPath: '/things/sensor-2' }), code: 'InvalidSignatureException', message: SIGNATURE_MISMATCH },
  {
    name: 'path re-encoded (%20 sent as +)',
    sign: () => signWithSmithy({ path: '/things/a%20b' }),
    tamper: (w) => ({ ...w, rawPath: '/things/a+b' }),
    code: 'InvalidSignatureException',
    message: SIGNATURE_MISMATCH,
  },
  {
    name: 'signature replayed on another path',
    sign: () => signWithSmithy({ method: 'DELETE', path: '/things/harmless' }),
    tamper: (w) => ({ ...w, rawPath: '/things/production-gateway' }),
    code: 'InvalidSignatureException',
    message: SIGNATURE_MISMATCH,
  },
  {
    name: 'path with a .. segment (the signers sign it normalized)',
    sign: () => signWithSmithy({ path: '/things/a/../b' }),
    code: 'InvalidSignatureException',
    message: SIGNATURE_MISMATCH,
  },
  { name: 'query value changed', tamper: (w) => ({ ...w, rawQuery: 'x=2' }), code: 'InvalidSignatureException', message: SIGNATURE_MISMATCH },
  { name: 'query parameter added', tamper: (w) => ({ ...w, rawQuery: 'x=1&force=true' }), code: 'InvalidSignatureException', message: SIGNATURE_MISMATCH },
  { name: 'query parameter removed', tamper: (w) => ({ ...w, rawQuery: '' }), code: 'InvalidSignatureException', message: SIGNATURE_MISMATCH },
  { name: 'signed header changed', tamper: (w) => withHeader(w, 'content-type', 'text/plain'), code: 'InvalidSignatureException', message: SIGNATURE_MISMATCH },
  { name: 'signed header removed', tamper: (w) => withHeader(w, 'content-type', undefined), code: 'InvalidSignatureException', message: SIGNATURE_MISMATCH },
  { name: 'signed header repeated', tamper: (w) => ({ ...w, headers: [...w.headers, 'Content-Type', 'text/plain'] }), code: 'InvalidSignatureException', message: SIGNATURE_MISMATCH },
  { name: 'Host changed', tamper: (w) => withHeader(w, 'host', 'evil.example:4580'), code: 'InvalidSignatureException', message: SIGNATURE_MISMATCH },
  // Keys and tokens
  {
    name: 'unknown access key',
    sign: () => signWithSmithy({ ...BASE, credentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: PLAIN.secretAccessKey } }),
    code: 'UnrecognizedClientException',
    message: 'The security token included in the request is invalid.',
  },
  {
    name: 'wrong session token',
    sign: () => signWithSmithy({ ...BASE, credentials: { ...SESSION, sessionToken: 'FwoGZXIvYXdzEJr//////////wEaDOPtoken+abd=' } }),
    code: 'UnrecognizedClientException',
    message: 'The security token included in the request is invalid.',
  },
  {
    name: 'session token missing',
    sign: () => signWithSmithy({ ...BASE, credentials: { accessKeyId: SESSION.accessKeyId, secretAccessKey: SESSION.secretAccessKey } }),
    code: 'UnrecognizedClientException',
    message: 'The security token included in the request is invalid.',
  },
  {
    name: 'session token sent for a key that has none',
    sign: () => signWithSmithy({ ...BASE, credentials: NO_TOKEN_PLAIN_KEY }),
    code: 'UnrecognizedClientException',
    message: 'The security token included in the request is invalid.',
  },
  // Headers that must be signed
  {
    name: 'Host not signed',
    sign: () => signWithSmithy({ ...BASE, noHost: true }),
    tamper: (w) => withHeader(w, 'host', HOST),
    code: 'IncompleteSignatureException',
    message: /'host' must be one of the SignedHeaders/,
  },
  {
    name: 'X-Amz-Date not signed',
    sign: () => signWithSmithy({ ...BASE, unsignableHeaders: ['x-amz-date'] }),
    code: 'IncompleteSignatureException',
    message: /'x-amz-date' header, so it must be one of the SignedHeaders/,
  },
  {
    name: 'X-Amz-Security-Token not signed',
    sign: () => signWithSmithy({ ...BASE, credentials: SESSION, unsignableHeaders: ['x-amz-security-token'] }),
    code: 'IncompleteSignatureException',
    message: /'x-amz-security-token' header, so it must be one of the SignedHeaders/,
  },
  // Presigned URLs
  {
    name: 'presigned URL (query-string signature)',
    sign: async () => {
      const signer = new SignatureV4({ service: 'iot', region: 'us-east-1', credentials: PLAIN, sha256: NodeSha256 });
      const presigned = await signer.presign(
        { method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port: 4580, path: '/things', query: {}, headers: { host: HOST } },
        { signingDate: new Date(T0), expiresIn: 300 },
      );
      return { method: 'GET', rawPath: '/things', rawQuery: wireQuery(presigned.query as Record<string, string>), headers: ['Host', HOST], body: Buffer.alloc(0) };
    },
    code: 'IncompleteSignatureException',
    message: /presigned URL/,
  },
  {
    name: 'presigning parameter next to a valid Authorization header',
    tamper: (w) => ({ ...w, rawQuery: `${w.rawQuery}&X-Amz-Signature=${'0'.repeat(64)}` }),
    code: 'IncompleteSignatureException',
    message: /presigned URL/,
  },
  // The Authorization header itself
  { name: 'no Authorization header', tamper: (w) => withHeader(w, 'authorization', undefined), code: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
  { name: 'empty Authorization header', tamper: (w) => withHeader(w, 'authorization', ''), code: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
  { name: 'garbage signature (64 hex digits)', tamper: (w) => withAuthorization(w, (a) => a.replace(/Signature=[0-9a-f]+/, `Signature=${'ab'.repeat(32)}`)), code: 'InvalidSignatureException', message: SIGNATURE_MISMATCH },
  { name: 'signature that is not hex', tamper: (w) => withAuthorization(w, (a) => a.replace(/Signature=[0-9a-f]+/, `Signature=${'zz'.repeat(32)}`)), code: 'IncompleteSignatureException', message: /Signature must be 64/ },
  { name: 'signature too short', tamper: (w) => withAuthorization(w, (a) => a.replace(/(Signature=[0-9a-f]{63})[0-9a-f]/, '$1')), code: 'IncompleteSignatureException', message: /Signature must be 64/ },
  { name: 'signature in upper case', tamper: (w) => withAuthorization(w, (a) => a.replace(/Signature=[0-9a-f]+/, (s) => s.toUpperCase().replace('SIGNATURE', 'Signature'))), code: 'IncompleteSignatureException' },
  { name: 'Basic authentication', tamper: (w) => withHeader(w, 'authorization', 'Basic dXNlcjpwYXNz'), code: 'IncompleteSignatureException', message: /must start with AWS4-HMAC-SHA256/ },
  { name: 'another algorithm', tamper: (w) => withAuthorization(w, (a) => a.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512')), code: 'IncompleteSignatureException' },
  { name: 'Credential missing', tamper: (w) => withAuthorization(w, (a) => a.replace(/Credential=[^,]+, /, '')), code: 'IncompleteSignatureException', message: /Credential is missing/ },
  { name: 'SignedHeaders missing', tamper: (w) => withAuthorization(w, (a) => a.replace(/SignedHeaders=[^,]+, /, '')), code: 'IncompleteSignatureException', message: /SignedHeaders is missing/ },
  { name: 'Signature missing', tamper: (w) => withAuthorization(w, (a) => a.replace(/, Signature=[0-9a-f]+/, '')), code: 'IncompleteSignatureException', message: /Signature is missing/ },
  { name: 'scope without aws4_request', tamper: (w) => replaceScope(w, /\/aws4_request/, ''), code: 'IncompleteSignatureException', message: /Credential must be/ },
  { name: 'scope date not yyyymmdd', tamper: (w) => replaceScope(w, /\/20260101\//, '/2026-01-01/'), code: 'IncompleteSignatureException', message: /must be yyyymmdd/ },
  { name: 'SignedHeaders in upper case', tamper: (w) => withAuthorization(w, (a) => a.replace('SignedHeaders=content-type;host', 'SignedHeaders=Content-Type;Host')), code: 'IncompleteSignatureException', message: /lower-case/ },
  { name: 'SignedHeaders not sorted', tamper: (w) => withAuthorization(w, (a) => a.replace('SignedHeaders=content-type;host', 'SignedHeaders=host;content-type')), code: 'IncompleteSignatureException', message: /sorted/ },
  { name: 'SignedHeaders with an empty name', tamper: (w) => withAuthorization(w, (a) => a.replace('SignedHeaders=content-type;host', 'SignedHeaders=content-type;;host')), code: 'IncompleteSignatureException' },
  { name: 'two Authorization headers', tamper: (w) => ({ ...w, headers: [...w.headers, 'Authorization', header(w, 'authorization')!] }), code: 'IncompleteSignatureException', message: /2 'authorization' headers/ },
  { name: 'two X-Amz-Date headers', tamper: (w) => ({ ...w, headers: [...w.headers, 'X-Amz-Date', '20260101T120000Z'] }), code: 'IncompleteSignatureException', message: /2 'x-amz-date' headers/ },
  { name: 'service not iot or execute-api', sign: () => signWithSmithy({ ...BASE, service: 's3' }), code: 'InvalidSignatureException', message: /Credential should be scoped to correct service: 'iot'.*not 's3'/ },
  { name: 'region that is not a region', sign: () => signWithSmithy({ ...BASE, region: 'moon' }), code: 'InvalidSignatureException', message: "Credential should be scoped to a valid region, not 'moon'." },
  // The time headers
  {
    name: 'neither X-Amz-Date nor Date',
    tamper: (w) => withHeader(w, 'x-amz-date', undefined),
    code: 'IncompleteSignatureException',
    message: "A signed request needs an 'X-Amz-Date' or a 'Date' header with the time it was signed",
  },
  { name: 'X-Amz-Date in extended ISO form', tamper: (w) => withHeader(w, 'x-amz-date', '2026-01-01T12:00:00Z'), code: 'IncompleteSignatureException', message: /yyyymmddThhmmssZ/ },
  {
    name: 'a Date header that is not a date (without X-Amz-Date)',
    tamper: (w) => withHeader(withHeader(w, 'x-amz-date', undefined), 'date', 'yesterday'),
    code: 'IncompleteSignatureException',
    message: /The Date header 'yesterday' is not an HTTP date/,
  },
  {
    name: 'two X-Amz-Security-Token headers',
    sign: () => signWithSmithy({ ...BASE, credentials: SESSION }),
    tamper: (w) => ({ ...w, headers: [...w.headers, 'X-Amz-Security-Token', SESSION.sessionToken] }),
    code: 'IncompleteSignatureException',
    message: /2 'x-amz-security-token' headers/,
  },
  { name: 'X-Amz-Date on a day that does not exist', tamper: (w) => withHeader(w, 'x-amz-date', '20260230T120000Z'), code: 'IncompleteSignatureException', message: /yyyymmddThhmmssZ/ },
];

describe('SigV4 verification refuses tampered and malformed requests', () => {
  for (const c of REFUSED) {
    test(c.name, async () => {
      const signed = await (c.sign ?? base)();
      const wire = c.tamper ? c.tamper(signed) : signed;
      assert.throws(
        () => verify(wire, c.now),
        (err: any) => {
          assert.equal(err.code, c.code, `${err.code}: ${err.message}`);
          assert.equal(errorStatus(err.code), 403);
          if (typeof c.message === 'string') assert.equal(err.message, c.message);
          else if (c.message) assert.match(err.message, c.message);
          return true;
        },
      );
    });
  }

  test('each tampering case starts from a request that verifies', async () => {
    // Without this, a case could pass because its starting point was already refused for another reason.
    assert.deepEqual(verify(await base()), { ...EXPECTED_PLAIN, region: 'us-east-1' });
    assert.deepEqual(verify(await signWithSmithy({ ...BASE, contentSha256: true })), { ...EXPECTED_PLAIN, region: 'us-east-1' });
    assert.deepEqual(verify(await signWithSmithy({ method: 'DELETE', path: '/things/harmless' })), { ...EXPECTED_PLAIN, region: 'us-east-1' });
    assert.deepEqual(verify(await signWithSmithy({ path: '/things/a%20b' })), { ...EXPECTED_PLAIN, region: 'us-east-1' });
  });

  test('a mismatch carries the canonical request ddlocal computed, for the log', async () => {
    const wire = { ...(await base()), rawPath: '/things/a%20b' };
    assert.throws(
      () => verify(wire),
      (err: unknown) => {
        assert.ok(err instanceof SignatureMismatchError);
        assert.equal(
          err.canonicalRequest,
          [
            'POST',
            '/things/a%2520b',
            'x=1',
            'content-type:application/json',
            `host:${HOST}`,
            'x-amz-date:20260101T120000Z',
            '',
            'content-type;host;x-amz-date',
            createHash('sha256').update(JSON_BODY).digest('hex'),
          ].join('\n'),
        );
        assert.match(err.stringToSign, /^AWS4-HMAC-SHA256\n20260101T120000Z\n20260101\/us-east-1\/iot\/aws4_request\n[0-9a-f]{64}$/);
        return true;
      },
    );
  });
});

describe('canonical URI and query', () => {
  const URIS: Array<[string, string]> = [
    ['', '/'],
    ['/', '/'],
    ['/audit/mitigationactions/tasks/a%20b%2Fc', '/audit/mitigationactions/tasks/a%2520b%252Fc'],
    ['/policies/a+b', '/policies/a%2Bb'],
    ['/things/a~b-c_d.e', '/things/a~b-c_d.e'],
    ['/things/%C3%BC', '/things/%25C3%25BC'],
    ['/things/ü', '/things/%C3%BC'],
    ['/a//b/./c/', '/a//b/./c/'],
  ];
  for (const [raw, canonical] of URIS) test(`URI ${JSON.stringify(raw)} → ${canonical}`, () => assert.equal(canonicalUri(raw), canonical));

  const QUERIES: Array<[string, string]> = [
    ['', ''],
    ['b=2&a=1&a=0', 'a=0&a=1&b=2'],
    ['flag&x=', 'flag=&x='],
    ['n=a%20b+c%7e%2a', 'n=a%20b%2Bc~%2A'],
    ['a-b=1&a=2&B=3', 'B=3&a=2&a-b=1'],
    ['v=%c3%bc', 'v=%C3%BC'],
    ['bad=%zz%4', 'bad=%25zz%254'],
    ['&&x=1&', 'x=1'],
  ];
  for (const [raw, canonical] of QUERIES) test(`query ${JSON.stringify(raw)} → ${JSON.stringify(canonical)}`, () => assert.equal(canonicalQuery(raw), canonical));
});
