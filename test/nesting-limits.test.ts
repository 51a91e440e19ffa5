// No input may make ddlocal recurse without bound: deeply nested JSON, YAML, shorthand, JMESPath, pagination tokens
// and DER are refused with a clear error naming the limit (HTTP: an AWS-shaped 400; CLI: aws's parameter-error
// style, rc 252) — never a 500, a crash, a stack trace or half-written state — and the server keeps answering.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from './helpers/server.js';
import { runCli, type RunResult } from './helpers/cli-runner.js';
import { makeCa, makeCertificate } from './helpers/certs.js';
import { tempDir } from './helpers/temp-dir.js';
import * as px from '@peculiar/x509';
import { jsonTextDepth, MAX_NESTING_DEPTH, valueDepth } from '../src/kernel/nesting.js';

const ACCOUNT = '123456789012';
const AUTH = `AWS4-HMAC-SHA256 Credential=${ACCOUNT}/20260101/us-east-1/iot/aws4_request, SignedHeaders=host, Signature=x`;

const deepObject = (n: number, leaf = '1') => '{"a":'.repeat(n) + leaf + '}'.repeat(n);
const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('nesting: the measuring functions', () => {
  test('jsonTextDepth counts brackets outside strings only, escapes included', () => {
    assert.equal(jsonTextDepth('1'), 0);
    assert.equal(jsonTextDepth('{"a":[1,{"b":[]}]}'), 4);
    assert.equal(jsonTextDepth('["[[[[", "\\"[[[", {"}}}": "\\\\"}]'), 2);
    assert.equal(jsonTextDepth(deepArray(100_000)), 100_000);
  });

  test('valueDepth stops past the limit, so cyclic values end too', () => {
    assert.equal(valueDepth({ a: [1, { b: [] }] }), 4);
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    assert.equal(valueDepth(cyclic), MAX_NESTING_DEPTH + 1);
    assert.equal(valueDepth(JSON.parse(deepArray(100_000)), Infinity), 100_000);
  });
});

describe('nesting: the server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite');
  });
  after(async () => {
    await server.close();
  });

  async function call(method: string, path: string, body?: string): Promise<{ status: number; json: any }> {
    const res = await fetch(server.url + path, { method, headers: { authorization: AUTH, 'content-type': 'application/json' }, body });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }

  function assertInvalid(res: { status: number; json: any }, message: RegExp): void {
    assert.equal(res.status, 400, JSON.stringify(res.json));
    assert.equal(res.json.__type, 'InvalidRequestException');
    assert.match(res.json.message, message);
  }

  async function assertHealthy(): Promise<void> {
    const health = await call('GET', '/_ddlocal/health');
    assert.equal(health.status, 200);
    assert.equal(health.json.status, 'ok');
  }

  const statement = (condition: string) =>
    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"*","Condition":${condition}}]}`;

  test('an IAM role whose policy condition nests 100,000 levels: 400 naming the limit, nothing stored', async () => {
    const res = await call('PUT', '/_ddlocal/iam/roles/r4', `{"policies":[${statement(deepObject(100_000))}]}`);
    assertInvalid(res, /^The request body nests JSON 100005 levels deep; at most 64 levels are allowed$/);
    const stored = await call('GET', '/_ddlocal/iam/roles/r4');
    assert.equal(stored.status, 404);
    await assertHealthy();
  });

  test('a policy document sent as a JSON string is depth-checked too (its escapes hide it from the body check)', async () => {
    const body = JSON.stringify({ policies: [statement(deepObject(50_000))] });
    assert.ok(jsonTextDepth(body) <= MAX_NESTING_DEPTH);
    const res = await call('PUT', '/_ddlocal/iam/roles/r5', body);
    assertInvalid(res, /^Role r5 policies \[0\] nests JSON 50003 levels deep; at most 64 levels are allowed$/);
    assert.equal((await call('GET', '/_ddlocal/iam/roles/r5')).status, 404);
    await assertHealthy();
  });

  test('64 levels are accepted, 65 are not', async () => {
    // body {"policies":[ {statement: [ { Condition: … } ] } ] }: 5 levels above the condition.
    const fits = `{"policies":[${statement(deepObject(MAX_NESTING_DEPTH - 5, '"x"'))}]}`;
    assert.equal(jsonTextDepth(fits), 64);
    const stored = await call('PUT', '/_ddlocal/iam/roles/r64', fits);
    assert.equal(stored.status, 200, JSON.stringify(stored.json));
    const read = await call('GET', '/_ddlocal/iam/roles/r64');
    assert.equal(read.status, 200);
    assert.equal(valueDepth(read.json.policies, Infinity), 63);
    const over = `{"policies":[${statement(deepObject(MAX_NESTING_DEPTH - 4, '"x"'))}]}`;
    assertInvalid(await call('PUT', '/_ddlocal/iam/roles/r65', over), /nests JSON 65 levels deep; at most 64 levels are allowed/);
  });

  test('every /_ddlocal/ endpoint with a JSON body refuses 100,000 levels the same way', async () => {
    const caId = 'a'.repeat(64);
    const cases: Array<[string, string]> = [
      ['POST', '/_ddlocal/lifecycle-events'],
      ['POST', '/_ddlocal/role-alias-usage'],
      ['PUT', '/_ddlocal/iam/identity-pools/us-east-1:00000000-0000-0000-0000-000000000000'],
      ['POST', '/_ddlocal/clock'],
      ['POST', '/_ddlocal/reset'],
      ['PUT', `/_ddlocal/crls/${caId}`],
      ['POST', '/_ddlocal/audit/mitigationactions/preview'],
    ];
    for (const [method, path] of cases) {
      for (const body of [deepObject(100_000), deepArray(100_000)]) {
        const res = await call(method, path, body);
        assertInvalid(res, /^The request body nests JSON 100000 levels deep; at most 64 levels are allowed$/);
      }
    }
    await assertHealthy();
  });

  test('a forged pagination token whose key nests 4,000 levels is an invalid token, not a 500', async () => {
    const filterHash = createHash('sha256').update(JSON.stringify({})).digest('base64').slice(0, 12);
    const key = JSON.parse(deepArray(4_000));
    for (const k of [[key], [{ a: 1 }]]) {
      const token = Buffer.from(JSON.stringify({ v: 1, op: 'ListScheduledAudits', f: filterHash, k })).toString('base64');
      const res = await call('GET', `/audit/scheduledaudits?nextToken=${encodeURIComponent(token)}`);
      assertInvalid(res, /^nextToken is invalid: it was not issued by ddlocal for ListScheduledAudits/);
    }
    await assertHealthy();
  });

  test('certificates and CRLs of deeply nested DER: a quick 400 of the right type', async () => {
    // ~11,000 nested SEQUENCEs fit in the 65,536-character PEM limit.
    const der = derSequences(11_000);
    const pem = (label: string) => `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;
    const started = performance.now();
    for (const [path, body] of [
      ['/certificate/register-no-ca', { certificatePem: pem('CERTIFICATE') }],
      ['/cacertificate', { caCertificate: pem('CERTIFICATE'), certificateMode: 'SNI_ONLY' }],
    ] as const) {
      const res = await call('POST', path, JSON.stringify(body));
      assert.equal(res.status, 400, JSON.stringify(res.json));
      assert.equal(res.json.__type, 'CertificateValidationException');
      assert.match(res.json.message, /is not a valid X\.509 certificate/);
    }
    assert.ok(performance.now() - started < 5_000, 'linear time');
    await assertHealthy();
  });

  test('a signed certificate whose CRL distribution points nest 10,000 levels, and such a CRL: 400, the right type', async () => {
    const nested = derSequences(10_000);
    const device = await makeCertificate({ extensions: [new px.Extension('2.5.29.31', false, new Uint8Array(nested))] });
    const res = await call('POST', '/certificate/register-no-ca', JSON.stringify({ certificatePem: device.pem }));
    assert.equal(res.status, 400, JSON.stringify(res.json));
    assert.equal(res.json.__type, 'CertificateValidationException');

    const ca = await makeCa();
    const registered = await call('POST', '/cacertificate', JSON.stringify({ caCertificate: ca.pem, certificateMode: 'SNI_ONLY' }));
    assert.equal(registered.status, 200, JSON.stringify(registered.json));
    const crl = await call('PUT', `/_ddlocal/crls/${ca.id}`, JSON.stringify({ crl: derSequences(100_000).toString('base64') }));
    assertInvalid(crl, /^CRL for CA certificate [0-9a-f]{64} is not a valid X\.509 CRL$/);
    await assertHealthy();
  });

  test('the DER decoder under @peculiar/x509 bounds its own recursion (it refuses over 100 levels)', () => {
    // ddlocal's own DER reader (x509.ts) only walks fixed levels, and OpenSSL limits nesting itself. @peculiar/x509
    // decodes extensions and CRLs with asn1js, recursively, which has had a depth limit since 3.1: this guards
    // against a version without it, whose stack overflow would only be caught as "not a valid certificate".
    assert.throws(() => new px.X509Crl(new Uint8Array(derSequences(100_000))), /Maximum ASN\.1 nesting depth exceeded/);
  });
});

/** `n` SEQUENCEs, each holding the next, around a NULL. */
function derSequences(n: number): Buffer {
  let der = Buffer.from([0x05, 0x00]);
  for (let i = 0; i < n; i++) {
    const len = der.length;
    const lenBytes = len < 0x80 ? [len] : len < 0x100 ? [0x81, len] : len < 0x10000 ? [0x82, len >> 8, len & 0xff] : [0x83, len >> 16, (len >> 8) & 0xff, len & 0xff];
    der = Buffer.concat([Buffer.from([0x30, ...lenBytes]), der]);
  }
  return der;
}

describe('nesting: ddlocal iot', () => {
  let server: TestServer;
  let dir: string;
  let foreign: Server;
  let foreignUrl: string;
  before(async () => {
    server = await startTestServer('sqlite');
    dir = tempDir('ddlocal-nesting-');
    // A server that is not ddlocal, answering every request with a deeply nested (but well-formed) thing.
    foreign = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"thingName":"x","attributes":{"k":${deepObject(100_000)}}}`);
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    foreignUrl = `http://127.0.0.1:${(foreign.address() as { port: number }).port}`;
  });
  after(async () => {
    await server.close();
    await new Promise((resolve) => foreign.close(resolve));
  });

  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return `file://${path}`;
  };
  const iot = (args: string[], endpoint = server.url) => runCli('ddlocal', [...args, '--endpoint-url', endpoint], ACCOUNT);

  function assertParamError(r: RunResult, message: RegExp): void {
    assert.equal(r.rc, 252, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }

  test('a JSON argument nested 100,000 levels: a parameter error, not a crash', async () => {
    const r = await iot(['create-thing', '--thing-name', 'deep-json', '--attribute-payload', file('deep.json', `{"attributes":${deepObject(100_000)}}`)]);
    assertParamError(r, /^\nError parsing parameter '--attribute-payload': Invalid JSON: the value nests JSON 100001 levels deep; at most 64 levels are allowed\n$/);
  });

  test('--cli-input-json nested 100,000 levels names the limit', async () => {
    const r = await iot(['create-thing', '--cli-input-json', file('input.json', `{"thingName":"deep-input","attributePayload":${deepObject(100_000)}}`)]);
    assertParamError(r, /^\nError parsing parameter 'cli-input-json': Invalid JSON received: the document nests JSON 100001 levels deep; at most 64 levels are allowed\n$/);
  });

  test('--cli-input-yaml nested 100,000 levels (flow and block style) names the limit', async () => {
    for (const [name, text, depth] of [
      ['flow.yaml', `thingName: t\nattributePayload: ${deepArray(100_000)}\n`, 100_001],
      ['block.yaml', `thingName: t\nattributePayload:\n  ${'- '.repeat(100_000)}x\n`, 100_001],
    ] as const) {
      const r = await iot(['create-thing', '--cli-input-yaml', file(name, text)]);
      assertParamError(r, new RegExp(`^\\nError parsing parameter 'cli-input-yaml': Invalid YAML received: the document nests YAML ${depth} levels deep; at most 64 levels are allowed\\n$`));
    }
  });

  test('--cli-input-yaml nested deeper through aliases, or cyclic through an alias, is refused', async () => {
    // 41 levels of text each; the alias puts one inside the other: 81 levels of value.
    const chained = `thingName: t\nk0: &a0 ${'['.repeat(40)}1${']'.repeat(40)}\nk1: ${'['.repeat(40)}*a0${']'.repeat(40)}\n`;
    for (const [name, text] of [
      ['aliases.yaml', chained],
      ['cycle.yaml', 'thingName: t\nattributePayload: &a [*a]\n'],
    ]) {
      const r = await iot(['create-thing', '--cli-input-yaml', file(name!, text!)]);
      assertParamError(r, /^\nError parsing parameter 'cli-input-yaml': Invalid YAML received: the document nests YAML more than 64 levels deep through aliases; at most 64 levels are allowed\n$/);
    }
  });

  test('shorthand nested past the limit is refused at the first bracket too deep', async () => {
    const r = await iot(['create-thing', '--thing-name', 'deep-sh', '--attribute-payload', file('sh.txt', `attributes={${'a={'.repeat(100_000)}b=c${'}'.repeat(100_001)}`)]);
    assertParamError(r, /^\nError parsing parameter '--attribute-payload': Shorthand value is nested too deeply \(at most 64 levels of \[ \] and \{ \}\) for input:\n/);
  });

  test('--query nested past the limit fails before the request is sent', async () => {
    const queries = [
      'thingName' + '.a'.repeat(30_000), // parses in a loop; evaluating it recursed once per dot
      '('.repeat(30_000) + 'thingName' + ')'.repeat(30_000), // the parser itself overflowed
      '`' + deepArray(30_000) + '`', // a literal the formatters would have walked
    ];
    for (const [i, query] of queries.entries()) {
      const r = await iot(['create-thing', '--thing-name', `deep-query-${i}`, '--query', query]);
      assert.equal(r.rc, 252, r.stderr.slice(-300));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^\nBad value for --query /);
      assert.match(r.stderr, /: Invalid jmespath expression: the expression (nests \d+ levels deep|is nested too deeply); at most 64 levels are allowed\n$/);
      const described = await iot(['describe-thing', '--thing-name', `deep-query-${i}`]);
      assert.equal(described.rc, 254, `deep-query-${i} must not have been created`);
    }
  });

  test('a response nested 100,000 levels (any --endpoint-url) is refused clearly, not reported as a connection failure', async () => {
    const r = await iot(['describe-thing', '--thing-name', 'x'], foreignUrl);
    assert.equal(r.rc, 255, r.stderr);
    assert.equal(r.stderr, '\nThe DescribeThing response nests more than 64 levels deep; at most 64 levels can be read\n');
  });

  test('the server is still healthy afterwards', async () => {
    const res = await fetch(`${server.url}/_ddlocal/health`);
    assert.equal(res.status, 200);
  });
});
