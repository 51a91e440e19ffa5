// The whole server over real HTTP on both stores: body and query parsing, routing, validation messages, request ids,
// caller resolution and the /_ddlocal/ core endpoints (health, clock, reset).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { CreateThingCommand, DescribeThingCommand, ListThingsCommand } from '@aws-sdk/client-iot';
import { forEachStore, errorOf, type TestServer } from './helpers/server.js';
import { rawRequest, assertAwsError, sigv4Header, UUID_V4, type RawResponse } from './helpers/raw-http.js';
import { VERSION } from '../src/kernel/version.js';

forEachStore('wire end to end', (suite) => {
  const storeKind = suite.store;
  let server: TestServer;
  before(() => ({ server } = suite));
  const req = (method: string, path: string, body?: string | object, headers?: Record<string, string>) =>
    rawRequest(server.url, { method, path, headers, body: typeof body === 'object' ? JSON.stringify(body) : body });

  test('body problems are 400 InvalidRequestException (Dec W5)', async () => {
    const cases: [string, string, RegExp][] = [
      ['malformed JSON', '{"attributePayload":', /not valid JSON/],
      ['trailing garbage', '{} x', /not valid JSON/],
      ['array body', '[1,2]', /must be a JSON object/],
      ['string body', '"thing"', /must be a JSON object/],
      ['number body', '42', /must be a JSON object/],
      ['null body', 'null', /must be a JSON object/],
      [
        'wrong JSON type',
        '{"attributePayload":{"merge":"yes"}}',
        /^1 validation error detected: Value 'yes' at 'attributePayload.merge' failed to satisfy constraint: Member must be of type boolean$/,
      ],
      [
        'object where a string is expected',
        '{"thingTypeName":{"a":1}}',
        /^1 validation error detected: Value '\{"a":1\}' at 'thingTypeName' failed to satisfy constraint: Member must be of type string$/,
      ],
    ];
    for (const [what, body, expected] of cases) {
      const msg = assertAwsError(await req('POST', '/things/body-test', body), 'InvalidRequestException', 400, what);
      assert.match(msg, expected, what);
    }
    const fractional = await req('PATCH', '/things/body-test', '{"expectedVersion":1.5}');
    assert.equal(
      assertAwsError(fractional, 'InvalidRequestException', 400),
      "1 validation error detected: Value '1.5' at 'expectedVersion' failed to satisfy constraint: Member must be of type long",
    );
  });

  test('unknown body members are named (Dec W6), also names inherited by every JS object', async () => {
    const msg = assertAwsError(await req('POST', '/things/unknown-1', '{"bogus":1,"thingTypeName":null}'), 'InvalidRequestException', 400);
    assert.equal(msg, "1 validation error detected: Value '1' at 'bogus' failed to satisfy constraint: Member is not a member of CreateThingRequest");
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      const body = `{"${name}":{"thingTypeName":"x"}}`;
      const m = assertAwsError(await req('POST', '/things/unknown-2', body), 'InvalidRequestException', 400, name);
      assert.equal(
        m,
        `1 validation error detected: Value '{"thingTypeName":"x"}' at '${name}' failed to satisfy constraint: Member is not a member of CreateThingRequest`,
      );
    }
    const nested = assertAwsError(await req('POST', '/things/unknown-3', { attributePayload: { attributes: {}, extra: true } }), 'InvalidRequestException', 400);
    assert.match(nested, /Value 'true' at 'attributePayload.extra' failed to satisfy constraint: Member is not a member of AttributePayload/);
  });

  test('a map key named __proto__ is kept as a key', async () => {
    const res = await req('POST', '/things/proto-key', '{"attributePayload":{"attributes":{"__proto__":"v1","b":"v2"}}}');
    assert.equal(res.status, 200, res.text);
    const described = await req('GET', '/things/proto-key');
    assert.equal(described.status, 200, described.text);
    assert.ok(Object.hasOwn(described.json.attributes, '__proto__'), described.text);
    assert.equal(described.json.attributes['__proto__'], 'v1');
    assert.equal(described.json.attributes.b, 'v2');
  });

  test('JSON null is absent (Dec W7)', async () => {
    const res = await req('POST', '/things/null-members', '{"thingTypeName":null,"attributePayload":{"attributes":null,"merge":null},"billingGroupName":null}');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.thingName, 'null-members');
    const described = await req('GET', '/things/null-members');
    assert.equal(described.json.thingTypeName, undefined);
    assert.deepEqual(described.json.attributes, {});
  });

  test('a null inside a map is "must not be null"; labels are decoded before validation', async () => {
    const res = await req('POST', '/things/a%20b', '{"attributePayload":{"attributes":{"k":null}}}');
    assert.equal(
      assertAwsError(res, 'InvalidRequestException', 400),
      '2 validation errors detected: ' +
        "Value 'a b' at 'thingName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+; " +
        "Value null at 'attributePayload.attributes.k' failed to satisfy constraint: Member must not be null",
    );
  });

  test('values over 100 characters are truncated with …; lengths count code points', async () => {
    const long = 'a'.repeat(150);
    const msg = assertAwsError(await req('GET', `/things/${long}`), 'InvalidRequestException', 400);
    assert.equal(
      msg,
      `1 validation error detected: Value '${'a'.repeat(100)}…' at 'thingName' failed to satisfy constraint: Member must have length less than or equal to 128`,
    );
    // 128 emoji are 256 UTF-16 units but 128 code points: long enough for the limit, still the wrong pattern.
    const emoji = assertAwsError(await req('GET', `/things/${encodeURIComponent('😀'.repeat(128))}`), 'InvalidRequestException', 400);
    assert.match(emoji, /^1 validation error detected: Value '(😀){100}…' at 'thingName' failed to satisfy constraint: Member must satisfy regular expression pattern/);
  });

  test('many violations: the count is exact, the list is cut after 100', async () => {
    const attributes: Record<string, string> = {};
    for (let i = 0; i < 300; i++) attributes[`bad key ${i}`] = 'v';
    const msg = assertAwsError(await req('POST', '/things/many', { attributePayload: { attributes } }), 'InvalidRequestException', 400);
    assert.match(msg, /^300 validation errors detected: Value 'bad key 0' at 'attributePayload.attributes' failed/);
    assert.ok(msg.endsWith('; and 200 more'), msg.slice(-200));
    assert.equal(msg.split('; Value ').length, 100);
  });

  test('deeply nested JSON of the wrong type is a validation error, not a stack overflow', async () => {
    const depth = 400_000;
    const body = `{"attributePayload":{"attributes":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    const msg = assertAwsError(await req('POST', '/things/deep', body), 'InvalidRequestException', 400);
    assert.match(msg, /^1 validation error detected: Value '\[{100}…' at 'attributePayload.attributes' failed to satisfy constraint: Member must be of type map$/);
  });

  test('bodies over 1 MiB are refused, declared or chunked; exactly 1 MiB is read', async () => {
    const sized = (bytes: number) => {
      const head = '{"attributePayload":{"attributes":{"a":"';
      const tail = '"}}}';
      return head + 'x'.repeat(bytes - head.length - tail.length) + tail;
    };
    const declared = await req('POST', '/things/big', sized(1024 * 1024 + 1));
    assert.match(assertAwsError(declared, 'InvalidRequestException', 400), /exceeds the limit of 1048576 bytes/);
    const chunked = await rawRequest(server.url, { method: 'POST', path: '/things/big', body: sized(3 * 1024 * 1024), chunkSize: 64 * 1024 });
    assert.match(assertAwsError(chunked, 'InvalidRequestException', 400), /exceeds the limit of 1048576 bytes/);
    const exact = await req('POST', '/things/big', sized(1024 * 1024));
    assert.match(
      assertAwsError(exact, 'InvalidRequestException', 400),
      /at 'attributePayload.attributes.a' failed to satisfy constraint: Member must have length less than or equal to 800/,
    );
  });

  test('a chunked body within the limit is read like any other', async () => {
    const body = JSON.stringify({ attributePayload: { attributes: { color: 'red' } } });
    const res = await rawRequest(server.url, { method: 'POST', path: '/things/chunked', body, chunkSize: 7 });
    assert.equal(res.status, 200, res.text);
    const described = await req('GET', '/things/chunked');
    assert.deepEqual(described.json.attributes, { color: 'red' });
  });

  test('operations without body members accept an empty body and {}; Content-Type is never required', async () => {
    await req('POST', '/things/nobody');
    for (const body of [undefined, '{}']) {
      const res = await req('GET', '/things/nobody', body);
      assert.equal(res.status, 200, res.text);
    }
    const typed = await req('POST', '/things/typed', '{}', { 'content-type': 'text/plain' });
    assert.equal(typed.status, 200, typed.text);
  });

  test('unknown METHOD + path → 404 UnknownOperationException (Dec W4)', async () => {
    for (const [method, path] of [
      ['GET', '/nothing-here'],
      ['DELETE', '/things'],
      ['GET', '/Things/x'], // literal segments are case-sensitive
      ['GET', '/things/x/'], // a trailing slash is another path
      ['PUT', '/'], // `GET /` is the dashboard's front door (docs/dashboard.md); other methods stay unknown
      ['POST', '/_ddlocal/nothing'],
    ]) {
      const msg = assertAwsError(await req(method!, path!), 'UnknownOperationException', 404, `${method} ${path}`);
      if (!path!.startsWith('/_ddlocal/')) assert.equal(msg, `No AWS IoT operation matches ${method} ${path}`);
    }
    // Query parameters never take part in routing, and are not echoed in the message.
    assert.equal(
      assertAwsError(await req('GET', '/nothing-here?x=1'), 'UnknownOperationException', 404),
      'No AWS IoT operation matches GET /nothing-here',
    );
  });

  test('model operations ddlocal does not implement → 501 NotImplementedException naming them (Dec W4)', async () => {
    for (const [method, path, op] of [
      ['GET', '/rules', 'ListTopicRules'],
      ['PUT', '/jobs/job-1', 'CreateJob'],
      ['GET', '/destinations/arn:aws:iot:us-east-1:1:ruledestination/http/x', 'GetTopicRuleDestination'],
    ]) {
      const msg = assertAwsError(await req(method!, path!, '{"anything":"goes"}'), 'NotImplementedException', 501, op);
      assert.equal(msg, `ddlocal does not implement the AWS IoT operation ${op}`);
    }
  });

  test('query parameters: repeated scalar → 400; unconvertible values → type errors; + stays literal', async () => {
    assert.match(
      assertAwsError(await req('GET', '/things?maxResults=1&maxResults=2'), 'InvalidRequestException', 400),
      /'maxResults' may appear only once/,
    );
    assert.equal(
      assertAwsError(await req('GET', '/things?maxResults=abc&usePrefixAttributeValue=yes'), 'InvalidRequestException', 400),
      "2 validation errors detected: Value 'abc' at 'maxResults' failed to satisfy constraint: Member must be of type integer; " +
        "Value 'yes' at 'usePrefixAttributeValue' failed to satisfy constraint: Member must be of type boolean",
    );
    const plus = assertAwsError(await req('GET', '/things?attributeName=a&attributeValue=x+y%20z'), 'InvalidRequestException', 400);
    assert.match(plus, /^1 validation error detected: Value 'x\+y z' at 'attributeValue' failed/);
    const unknownParams = await req('GET', '/things?x-id=ListThings&whatever=1');
    assert.equal(unknownParams.status, 200, unknownParams.text);
  });

  test('percent-encoded labels are decoded; an empty label is a validation error', async () => {
    assert.equal(
      assertAwsError(await req('GET', '/things/a%20b%2Fc'), 'InvalidRequestException', 400),
      "1 validation error detected: Value 'a b/c' at 'thingName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+",
    );
    await req('POST', '/things/enc-1');
    const ok = await req('GET', '/things/enc%2D1');
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.thingName, 'enc-1');
    assert.equal(
      assertAwsError(await req('DELETE', '/things/'), 'InvalidRequestException', 400),
      "2 validation errors detected: Value '' at 'thingName' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value '' at 'thingName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+",
    );
  });

  test('x-amzn-RequestId (UUID v4) on every response, distinct per request (Dec W15)', async () => {
    const responses: RawResponse[] = [
      await req('POST', '/things/rid-1'),
      await req('GET', '/things/missing-thing'),
      await req('GET', '/nothing-here'),
      await req('GET', '/rules'),
      await req('POST', '/things/rid-2', '{'),
      await req('GET', '/_ddlocal/health'),
      await req('GET', '/_ddlocal/clock'),
      await req('POST', '/_ddlocal/clock', '{}'),
      await req('GET', '/things', undefined, { authorization: 'Basic abc' }),
    ];
    const ids = responses.map((r) => String(r.headers['x-amzn-requestid']));
    for (const id of ids) assert.match(id, UUID_V4);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(responses[0]!.status, 200);
    assert.equal(responses[0]!.headers['x-amzn-errortype'], undefined);
    assert.match(String(responses[0]!.headers['content-type']), /^application\/json/);
    assertAwsError(responses[1]!, 'ResourceNotFoundException', 404);
    assertAwsError(responses[7]!, 'InvalidRequestException', 400);
    const sdk = await server.iot().send(new ListThingsCommand({}));
    assert.match(sdk.$metadata.requestId!, UUID_V4);
    const sdkErr = await errorOf(() => server.iot().send(new DescribeThingCommand({ thingName: 'missing-thing' })));
    assert.match((sdkErr.$metadata as { requestId?: string }).requestId!, UUID_V4);
  });

  test('Authorization → account and region (Dec W2)', async () => {
    const create = (name: string, authorization?: string) =>
      req('POST', `/things/${name}`, undefined, authorization ? { authorization } : undefined);
    assert.equal((await create('auth-1', sigv4Header('111122223333', 'eu-west-1'))).json.thingArn, 'arn:aws:iot:eu-west-1:111122223333:thing/auth-1');
    assert.equal((await create('auth-2', sigv4Header('AKIAIOSFODNN7EXAMPLE', 'eu-west-1'))).json.thingArn, 'arn:aws:iot:eu-west-1:000000000000:thing/auth-2');
    assert.equal((await create('auth-3', sigv4Header('1234567890123', 'us-west-2'))).json.thingArn, 'arn:aws:iot:us-west-2:000000000000:thing/auth-3');
    assert.equal((await create('auth-4')).json.thingArn, 'arn:aws:iot:us-east-1:000000000000:thing/auth-4');
    assert.equal(
      (await create('auth-5', sigv4Header('111122223333', 'eu-west-1', 'execute-api'))).json.thingArn,
      'arn:aws:iot:eu-west-1:111122223333:thing/auth-5',
    );
    // Isolation: the thing of 111122223333/eu-west-1 is invisible to the same account elsewhere.
    const other = await req('GET', '/things/auth-1', undefined, { authorization: sigv4Header('111122223333', 'us-east-1') });
    assertAwsError(other, 'ResourceNotFoundException', 404);
    for (const region of ['moon', 'US-EAST-1', 'us-east', '']) {
      const msg = assertAwsError(await create('auth-bad', sigv4Header('111122223333', region)), 'InvalidRequestException', 400, region);
      assert.equal(msg, `'${region}' in the credential scope is not a valid AWS region name`);
    }
    for (const authorization of ['Basic dXNlcjpwYXNz', 'AWS4-HMAC-SHA256 Credential=x', 'Bearer token']) {
      assertAwsError(await create('auth-bad', authorization), 'IncompleteSignatureException', 403, authorization);
      assertAwsError(await req('GET', '/_ddlocal/health', undefined, { authorization }), 'IncompleteSignatureException', 403);
    }
  });

  test('GET /_ddlocal/health (Dec X1)', async () => {
    const res = await req('GET', '/_ddlocal/health');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { status: 'ok', version: VERSION, store: storeKind, authMode: 'open' });
    assert.match(String(res.headers['content-type']), /^application\/json/);
  });

  test('/_ddlocal/clock: read, advance, set, freeze, reset (Dec A18)', async () => {
    const clock = async (body?: object | string) => {
      const res = body === undefined ? await req('GET', '/_ddlocal/clock') : await req('POST', '/_ddlocal/clock', body);
      assert.equal(res.status, 200, res.text);
      return res.json as { now: string; mode: string; offsetSeconds: number };
    };
    const near = (iso: string, ms: number, slack = 5000) => assert.ok(Math.abs(Date.parse(iso) - ms) < slack, `${iso} vs ${new Date(ms).toISOString()}`);
    try {
      let s = await clock();
      assert.equal(s.mode, 'system');
      assert.equal(s.offsetSeconds, 0);
      near(s.now, Date.now());
      s = await clock({ advanceSeconds: 3600 });
      assert.deepEqual([s.mode, s.offsetSeconds], ['offset', 3600]);
      near(s.now, Date.now() + 3600_000);
      s = await clock({ set: '2030-01-01T00:00:00Z' });
      assert.equal(s.mode, 'offset');
      near(s.now, Date.UTC(2030, 0, 1));
      s = await clock({ set: '2030-01-01T02:00:00.500+02:00' });
      near(s.now, Date.UTC(2030, 0, 1, 0, 0, 0, 500));
      s = await clock({ freeze: true });
      assert.equal(s.mode, 'fixed');
      await new Promise((r) => setTimeout(r, 30));
      assert.equal((await clock()).now, s.now);
      s = await clock({ advanceSeconds: 86400 });
      assert.equal(s.mode, 'fixed');
      assert.equal(Date.parse(s.now) - Date.parse((await clock()).now), 0);
      s = await clock({ set: '2031-05-05T05:05:05Z' });
      assert.deepEqual([s.now, s.mode], ['2031-05-05T05:05:05.000Z', 'fixed']);
      s = await clock({ reset: true });
      assert.deepEqual([s.mode, s.offsetSeconds], ['system', 0]);
      near(s.now, Date.now());
    } finally {
      await req('POST', '/_ddlocal/clock', { reset: true });
    }
  });

  test('/_ddlocal/clock: bad requests are 400 and change nothing', async () => {
    for (const body of [
      '',
      '{}',
      '{"advanceSeconds":1,"freeze":true}',
      '{"advanceSeconds":"10"}',
      '{"advanceSeconds":null}',
      '{"advanceSeconds":1e300}', // would push the clock past year 9999: every later timestamp would fail to render
      '{"advanceSeconds":-1e12}',
      '{"set":"tomorrow"}',
      '{"set":"2030-02-30T00:00:00Z"}',
      '{"set":"2030-01-01T00:00:00"}',
      '{"set":1893456000}',
      '{"set":"1893456000"}',
      '{"freeze":false}',
      '{"reset":"yes"}',
      '{"rewind":10}',
      '[1]',
      '{"set":',
    ]) {
      assertAwsError(await req('POST', '/_ddlocal/clock', body), 'InvalidRequestException', 400, body);
    }
    const s = (await req('GET', '/_ddlocal/clock')).json;
    assert.deepEqual([s.mode, s.offsetSeconds], ['system', 0]);
    assertAwsError(await req('PUT', '/_ddlocal/clock', '{}'), 'UnknownOperationException', 404);
  });

  test('/_ddlocal/reset: all, one account, one account and region (Dec X2)', async () => {
    const A = '210987654321';
    const B = '310987654321';
    const names = async (account: string, region: string) =>
      ((await server.iot(account, region).send(new ListThingsCommand({}))).things ?? []).map((t) => t.thingName);
    const seed = async () => {
      await server.iot(A, 'us-east-1').send(new CreateThingCommand({ thingName: 'a-east' }));
      await server.iot(A, 'eu-west-1').send(new CreateThingCommand({ thingName: 'a-west' }));
      await server.iot(B, 'us-east-1').send(new CreateThingCommand({ thingName: 'b-east' }));
    };
    await seed();
    let res = await req('POST', '/_ddlocal/reset', { accountId: A, region: 'eu-west-1' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, {});
    assert.deepEqual(await names(A, 'eu-west-1'), []);
    assert.deepEqual(await names(A, 'us-east-1'), ['a-east']);
    assert.deepEqual(await names(B, 'us-east-1'), ['b-east']);

    await seed();
    await req('POST', '/_ddlocal/clock', { advanceSeconds: 60 });
    res = await req('POST', '/_ddlocal/reset', { accountId: A });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(await names(A, 'eu-west-1'), []);
    assert.deepEqual(await names(A, 'us-east-1'), []);
    assert.deepEqual(await names(B, 'us-east-1'), ['b-east']);
    assert.equal((await req('GET', '/_ddlocal/clock')).json.mode, 'offset', 'a one-account reset leaves the shared clock alone');

    await seed();
    res = await req('POST', '/_ddlocal/reset');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(await names(A, 'us-east-1'), []);
    assert.deepEqual(await names(A, 'eu-west-1'), []);
    assert.deepEqual(await names(B, 'us-east-1'), []);
    assert.equal((await req('GET', '/_ddlocal/clock')).json.mode, 'system', 'a full reset resets the clock');

    await seed();
    for (const body of [
      { region: 'us-east-1' },
      { accountId: '123' },
      { accountId: 123456789012 },
      { accountId: A, region: 'moon' },
      { accountId: A, wipe: true },
      [A],
    ]) {
      assertAwsError(await req('POST', '/_ddlocal/reset', body), 'InvalidRequestException', 400, JSON.stringify(body));
    }
    assert.deepEqual(await names(A, 'us-east-1'), ['a-east'], 'a refused reset deletes nothing');
    await req('POST', '/_ddlocal/reset', '{}');
    assert.deepEqual(await names(B, 'us-east-1'), []);
  });
});
