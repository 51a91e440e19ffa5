// The audit ingest endpoints (lifecycle events, IAM store, role-alias usage: docs/decisions.md#x3) over real HTTP, on
// both stores.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleAliasCommand } from '@aws-sdk/client-iot';
import { forEachStore, type TestServer } from './helpers/server.js';

const ACCOUNT = '123456789012';
const CERT = 'a'.repeat(64);
const POOL = 'us-east-1:0f2d3e4a-1b2c-4d5e-8f90-123456789abc';

async function call(server: TestServer, method: string, path: string, body?: unknown, account = ACCOUNT) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      authorization: `AWS4-HMAC-SHA256 Credential=${account}/20240101/us-east-1/iot/aws4_request, SignedHeaders=host, Signature=x`,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, error: res.headers.get('x-amzn-errortype'), json: text ? JSON.parse(text) : undefined };
}

const event = (over: Record<string, unknown> = {}) => ({
  clientId: 'sensor-1',
  timestamp: Date.now() - 60_000,
  eventType: 'connected',
  sessionIdentifier: 's-1',
  principalIdentifier: CERT,
  versionNumber: 0,
  ...over,
});

const count = (server: TestServer, table: 'lifecycle_events' | 'role_alias_usage', account = ACCOUNT) =>
  server.store.transaction(async (db) =>
    Number(
      (await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('account_id', '=', account).executeTakeFirstOrThrow()).n,
    ),
  );

forEachStore('audit ingest', (suite) => {
  let server: TestServer;
  before(() => ({ server } = suite));

  test('lifecycle events: one, an array, {events}; duplicates stored once', async () => {
    assert.deepEqual((await call(server, 'POST', '/_ddlocal/lifecycle-events', event())).json, { stored: 1 });
    const t = Date.now() - 30_000;
    const batch = [event({ eventType: 'disconnected', timestamp: t, disconnectReason: 'DUPLICATE_CLIENTID', clientInitiatedDisconnect: false }), event({ sessionIdentifier: 's-2' })];
    assert.deepEqual((await call(server, 'POST', '/_ddlocal/lifecycle-events', batch)).json, { stored: 2 });
    // The same three events again, wrapped: nothing new.
    const again = await call(server, 'POST', '/_ddlocal/lifecycle-events', { events: [batch[0], batch[1], batch[1]] });
    assert.deepEqual(again.json, { stored: 0 });
    assert.equal(await count(server, 'lifecycle_events'), 3);
  });

  test('lifecycle events older than 400 days are ignored', async () => {
    const before = await count(server, 'lifecycle_events');
    const old = event({ sessionIdentifier: 'old', timestamp: Date.now() - 401 * 86_400_000 });
    assert.deepEqual((await call(server, 'POST', '/_ddlocal/lifecycle-events', old)).json, { stored: 0 });
    assert.equal(await count(server, 'lifecycle_events'), before);
  });

  test('invalid lifecycle events → 400 InvalidRequestException naming the record; nothing stored', async () => {
    const before = await count(server, 'lifecycle_events');
    const cases: [unknown, RegExp][] = [
      [[event({ sessionIdentifier: 'ok-1' }), event({ eventType: 'bogus' })], /event \[1\].*eventType/],
      [event({ clientId: undefined }), /event \[0\]: clientId/],
      [event({ timestamp: '2024-01-01' }), /timestamp/],
      [event({ sessionIdentifier: '' }), /sessionIdentifier/],
      [event({ principalIdentifier: 7 }), /principalIdentifier/],
      [event({ identityPoolId: 'not-a-pool' }), /identityPoolId/],
      [event({ authenticated: 'yes' }), /authenticated/],
      [[42], /event \[0\] must be a JSON object/],
      ['{not json', /not valid JSON/],
    ];
    for (const [body, message] of cases) {
      const res = await call(server, 'POST', '/_ddlocal/lifecycle-events', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.error, 'InvalidRequestException');
      assert.match(res.json.message, message);
    }
    assert.equal(await count(server, 'lifecycle_events'), before);
  });

  test('events are scoped to the caller account', async () => {
    await call(server, 'POST', '/_ddlocal/lifecycle-events', event({ sessionIdentifier: 'other' }), '210987654321');
    assert.equal(await count(server, 'lifecycle_events', '210987654321'), 1);
  });

  test('IAM roles: PUT (object and JSON-string documents), GET, replace, DELETE, 404 after', async () => {
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] };
    const put = await call(server, 'PUT', '/_ddlocal/iam/roles/device-role', { policies: [doc, JSON.stringify(doc)] });
    assert.deepEqual(put, { status: 200, error: null, json: { stored: 1 } });
    const got = await call(server, 'GET', '/_ddlocal/iam/roles/device-role');
    assert.deepEqual(got.json, { roleName: 'device-role', arn: `arn:aws:iam::${ACCOUNT}:role/device-role`, policies: [doc, doc] });
    const arn = `arn:aws:iam::${ACCOUNT}:role/service/device-role`;
    await call(server, 'PUT', '/_ddlocal/iam/roles/device-role', { arn, policies: [] });
    assert.deepEqual((await call(server, 'GET', '/_ddlocal/iam/roles/device-role')).json, { roleName: 'device-role', arn, policies: [] });
    assert.equal((await call(server, 'DELETE', '/_ddlocal/iam/roles/device-role')).status, 200);
    const gone = await call(server, 'GET', '/_ddlocal/iam/roles/device-role');
    assert.equal(gone.status, 404);
    assert.equal(gone.error, 'ResourceNotFoundException');
    assert.match(gone.json.message, /device-role/);
    assert.equal((await call(server, 'DELETE', '/_ddlocal/iam/roles/device-role')).status, 404);
  });

  test('IAM roles: invalid input → 400 naming the problem', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['bad name!', { policies: [] }, /not a valid IAM role name/],
      ['r1', {}, /policies is required/],
      ['r1', { policies: [{ Statement: [{ Effect: 'Permit', Action: '*', Resource: '*' }] }] }, /policies \[0\].*Effect/],
      ['r1', { policies: ['{oops'] }, /policies \[0\] is not valid JSON/],
      ['r1', { policies: [{ Version: '2012-10-17' }] }, /no Statement/],
      ['r1', { policies: [{ Statement: { Effect: 'Allow', Resource: '*' } }] }, /Action or NotAction/],
      ['r1', { arn: 'arn:aws:iam::123456789012:role/other', policies: [] }, /arn must be an IAM role ARN/],
    ];
    for (const [name, body, message] of cases) {
      const res = await call(server, 'PUT', `/_ddlocal/iam/roles/${encodeURIComponent(name)}`, body);
      assert.equal(res.status, 400, name);
      assert.equal(res.error, 'InvalidRequestException');
      assert.match(res.json.message, message);
    }
  });

  test('identity pools: PUT, GET, DELETE; invalid ids and ARNs → 400', async () => {
    const auth = `arn:aws:iam::${ACCOUNT}:role/cognito-auth`;
    assert.deepEqual((await call(server, 'PUT', `/_ddlocal/iam/identity-pools/${POOL}`, { authenticatedRoleArn: auth })).json, { stored: 1 });
    assert.deepEqual((await call(server, 'GET', `/_ddlocal/iam/identity-pools/${POOL}`)).json, { identityPoolId: POOL, authenticatedRoleArn: auth });
    const badId = await call(server, 'PUT', '/_ddlocal/iam/identity-pools/pool-1', {});
    assert.equal(badId.status, 400);
    assert.match(badId.json.message, /<region>:<uuid>/);
    const badArn = await call(server, 'PUT', `/_ddlocal/iam/identity-pools/${POOL}`, { unauthenticatedRoleArn: 'arn:aws:iot:us-east-1:123456789012:thing/x' });
    assert.equal(badArn.status, 400);
    assert.match(badArn.json.message, /unauthenticatedRoleArn .* is not an IAM role ARN/);
    assert.equal((await call(server, 'DELETE', `/_ddlocal/iam/identity-pools/${POOL}`)).status, 200);
    assert.equal((await call(server, 'GET', `/_ddlocal/iam/identity-pools/${POOL}`)).status, 404);
  });

  test('role-alias usage: by name or ARN, default time now; unknown alias or bad service → 400', async () => {
    await server.iot().send(new CreateRoleAliasCommand({ roleAlias: 'cam', roleArn: `arn:aws:iam::${ACCOUNT}:role/cam` }));
    const arn = `arn:aws:iot:us-east-1:${ACCOUNT}:rolealias/cam`;
    const ok = await call(server, 'POST', '/_ddlocal/role-alias-usage', [
      { roleAlias: 'cam', service: 's3', time: '2024-05-01T00:00:00Z' },
      { roleAlias: arn, service: 'kinesisvideo' },
    ]);
    assert.deepEqual(ok.json, { stored: 2 });
    const dup = await call(server, 'POST', '/_ddlocal/role-alias-usage', { roleAlias: 'cam', service: 's3', time: '2024-05-01T00:00:00Z' });
    assert.deepEqual(dup.json, { stored: 0 });
    const cases: [unknown, RegExp][] = [
      [{ roleAlias: 'nope', service: 's3' }, /role alias nope does not exist/],
      [{ roleAlias: 'arn:aws:iot:eu-west-1:123456789012:rolealias/cam', service: 's3' }, /not a role alias ARN/],
      [{ roleAlias: 'cam', service: 'S3 bucket' }, /service/],
      [{ roleAlias: 'cam', service: 's3', time: 'yesterday' }, /time must be an ISO-8601/],
    ];
    for (const [body, message] of cases) {
      const res = await call(server, 'POST', '/_ddlocal/role-alias-usage', body);
      assert.equal(res.status, 400);
      assert.equal(res.error, 'InvalidRequestException');
      assert.match(res.json.message, message);
    }
    assert.equal(await count(server, 'role_alias_usage'), 2);
  });
});
