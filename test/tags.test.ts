// TagResource / UntagResource / ListTagsForResource (docs/decisions.md#r12) over real HTTP with the official SDK, on
// SQLite and PostgreSQL: every taggable resource type, ARN resolution errors, the 50-tag limit, reserved keys.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  CreatePolicyCommand,
  CreateRoleAliasCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  CreateThingTypeCommand,
  DeletePolicyCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type IoTClient,
  type Tag,
} from '@aws-sdk/client-iot';
import { forEachStore, errorOf, type TestServer } from './helpers/server.js';

const ACCOUNT = '123456789012';
const OTHER_ACCOUNT = '210987654321';
const REGION = 'us-east-1';
const ROLE = 'arn:aws:iam::123456789012:role/device-credentials';
const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] });
const CA_ID = 'ab'.repeat(32);
const arnOf = (type: string, id: string, account = ACCOUNT, region = REGION) => `arn:aws:iot:${region}:${account}:${type}/${id}`;

async function expectError(promise: Promise<unknown>, name: string, status: number, message?: RegExp) {
  const err = await errorOf(() => promise);
  assert.equal(err.name, name, err.message);
  assert.equal(err.$metadata?.httpStatusCode, status);
  if (message) assert.match(err.message, message);
  return err;
}

forEachStore('tags', (suite) => {
  let server: TestServer;
  let iot: IoTClient;
  /** One existing resource of every taggable type in ACCOUNT / REGION. */
  const taggable: Record<string, string> = {};

  const listTags = async (resourceArn: string, client = iot) =>
    (await client.send(new ListTagsForResourceCommand({ resourceArn }))).tags;

  // CA certificates are stored directly: registering one needs a CA, a registration code and a signed
  // verification certificate, none of which concerns tagging.
  async function createThingGroup(client: IoTClient, name: string) {
    await client.send(new CreateThingGroupCommand({ thingGroupName: name }));
  }

  async function createThingType(client: IoTClient, name: string) {
    await client.send(new CreateThingTypeCommand({ thingTypeName: name }));
  }

  async function storeCaCertificate(accountId: string, certificateId: string) {
    const now = server.clock.now();
    await server.store.transaction((tx) =>
      tx
        .insertInto('ca_certificates')
        .values({
          account_id: accountId,
          region: REGION,
          certificate_id: certificateId,
          certificate_pem: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
          subject: 'CN=tag test CA',
          issuer: 'CN=tag test CA',
          serial_number: '01',
          not_before: now,
          not_after: now + 86_400_000,
          key_algorithm: 'RSA',
          key_size: 2048,
          key_curve: null,
          rsa_modulus: null,
          crl_urls: '[]',
          is_ca: 1,
          subject_key_id: null,
          authority_key_id: null,
          status: 'ACTIVE',
          certificate_mode: 'DEFAULT',
          auto_registration_status: 'DISABLE',
          registration_config: null,
          customer_version: 1,
          generation_id: randomUUID(),
          created_at: now,
          updated_at: now,
        })
        .execute(),
    );
  }

  before(async () => {
    ({ server, iot } = suite);
    await iot.send(new CreateRoleAliasCommand({ roleAlias: 'tag-ra', roleArn: ROLE }));
    await iot.send(new CreatePolicyCommand({ policyName: 'tag-pol', policyDocument: DOC }));
    await createThingGroup(iot, 'tag-group');
    await createThingType(iot, 'tag-type');
    await storeCaCertificate(ACCOUNT, CA_ID);
    Object.assign(taggable, {
      rolealias: arnOf('rolealias', 'tag-ra'),
      policy: arnOf('policy', 'tag-pol'),
      thinggroup: arnOf('thinggroup', 'tag-group'),
      thingtype: arnOf('thingtype', 'tag-type'),
      cacert: arnOf('cacert', CA_ID),
    });
    await iot.send(new CreateThingCommand({ thingName: 'tag-thing' }));
    // The same role alias name in another account, to show that its ARN is not reachable from ACCOUNT.
    await server.iot(OTHER_ACCOUNT).send(new CreateRoleAliasCommand({ roleAlias: 'tag-ra', roleArn: ROLE }));
  });

  test('every taggable type: tag, list ordered by key (code points), untag ignoring absent keys', async () => {
    for (const [type, arn] of Object.entries(taggable)) {
      assert.deepEqual(await listTags(arn), [], type);
      await iot.send(
        new TagResourceCommand({
          resourceArn: arn,
          tags: [{ Key: 'b', Value: '2' }, { Key: 'A', Value: '1' }, { Key: 'a' }, { Key: 'ü', Value: type }],
        }),
      );
      assert.deepEqual(
        await listTags(arn),
        [
          { Key: 'A', Value: '1' },
          { Key: 'a', Value: '' },
          { Key: 'b', Value: '2' },
          { Key: 'ü', Value: type },
        ],
        type,
      );
      await iot.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['a', 'never-set', 'ü'] }));
      assert.deepEqual(await listTags(arn), [{ Key: 'A', Value: '1' }, { Key: 'b', Value: '2' }], type);
      await iot.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['A', 'b'] }));
      assert.deepEqual(await listTags(arn), [], type);
    }
  });

  test('existing keys are overwritten; tags belong to one resource only', async () => {
    const arn = taggable.rolealias!;
    await iot.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'env', Value: 'dev' }] }));
    await iot.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'env', Value: 'prod' }, { Key: 'team', Value: 'x' }] }));
    assert.deepEqual(await listTags(arn), [{ Key: 'env', Value: 'prod' }, { Key: 'team', Value: 'x' }]);
    assert.deepEqual(await listTags(taggable.policy!), []);
    assert.deepEqual(await listTags(arnOf('rolealias', 'tag-ra', OTHER_ACCOUNT), server.iot(OTHER_ACCOUNT)), []);
    await iot.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['env', 'team'] }));
  });

  test('CA certificate ids in ARNs compare case-insensitively', async () => {
    await iot.send(new TagResourceCommand({ resourceArn: arnOf('cacert', CA_ID.toUpperCase()), tags: [{ Key: 'k', Value: 'v' }] }));
    assert.deepEqual(await listTags(taggable.cacert!), [{ Key: 'k', Value: 'v' }]);
    await iot.send(new UntagResourceCommand({ resourceArn: arnOf('cacert', CA_ID.toUpperCase()), tagKeys: ['k'] }));
    assert.deepEqual(await listTags(taggable.cacert!), []);
  });

  test('a non-taggable resource type or a non-IoT ARN is InvalidRequestException for all three operations', async () => {
    const arns = [
      arnOf('thing', 'tag-thing'), // exists, but things carry no tags
      arnOf('cert', 'cd'.repeat(32)),
      arnOf('topic', 'a/b'),
      'arn:aws:iam::123456789012:role/device-credentials',
      'arn:aws:iot:us-east-1:123456789012:rolealias', // no resource id
      'tag-ra',
      '',
    ];
    for (const resourceArn of arns) {
      await expectError(
        iot.send(new TagResourceCommand({ resourceArn, tags: [{ Key: 'k', Value: 'v' }] })),
        'InvalidRequestException',
        400,
      );
      await expectError(iot.send(new UntagResourceCommand({ resourceArn, tagKeys: ['k'] })), 'InvalidRequestException', 400);
      await expectError(iot.send(new ListTagsForResourceCommand({ resourceArn })), 'InvalidRequestException', 400);
    }
    const err = await expectError(
      iot.send(new TagResourceCommand({ resourceArn: arnOf('thing', 'tag-thing'), tags: [{ Key: 'k' }] })),
      'InvalidRequestException',
      400,
    );
    assert.match(err.message, /thing cannot be tagged/);
  });

  test('a missing resource, or one of another account, region or partition, is ResourceNotFoundException', async () => {
    const arns = [
      arnOf('rolealias', 'no-such-alias'),
      arnOf('policy', 'no-such-policy'),
      arnOf('thinggroup', 'no-such-group'),
      arnOf('thingtype', 'no-such-type'),
      arnOf('cacert', 'ef'.repeat(32)),
      arnOf('rolealias', 'TAG-RA'), // names are case-sensitive
      arnOf('rolealias', 'tag-ra', OTHER_ACCOUNT), // exists, but in the other account
      arnOf('rolealias', 'tag-ra', ACCOUNT, 'eu-west-1'),
      'arn:aws-cn:iot:us-east-1:123456789012:rolealias/tag-ra',
    ];
    for (const resourceArn of arns) {
      await expectError(
        iot.send(new TagResourceCommand({ resourceArn, tags: [{ Key: 'k', Value: 'v' }] })),
        'ResourceNotFoundException',
        404,
      );
      await expectError(iot.send(new UntagResourceCommand({ resourceArn, tagKeys: ['k'] })), 'ResourceNotFoundException', 404);
      await expectError(iot.send(new ListTagsForResourceCommand({ resourceArn })), 'ResourceNotFoundException', 404);
    }
    assert.deepEqual(await listTags(arnOf('rolealias', 'tag-ra', OTHER_ACCOUNT), server.iot(OTHER_ACCOUNT)), []);
  });

  test('at most 50 tags per resource (Dec R12); a rejected request stores nothing', async () => {
    const arn = taggable.policy!;
    const tags = (from: number, n: number): Tag[] => Array.from({ length: n }, (_, i) => ({ Key: `k${String(from + i).padStart(2, '0')}`, Value: 'v' }));
    await expectError(iot.send(new TagResourceCommand({ resourceArn: arn, tags: tags(0, 51) })), 'LimitExceededException', 410, /50/);
    assert.deepEqual(await listTags(arn), []);
    await iot.send(new TagResourceCommand({ resourceArn: arn, tags: tags(0, 30) }));
    await expectError(iot.send(new TagResourceCommand({ resourceArn: arn, tags: tags(30, 21) })), 'LimitExceededException', 410);
    assert.equal((await listTags(arn))!.length, 30);
    await iot.send(new TagResourceCommand({ resourceArn: arn, tags: tags(30, 20) }));
    assert.equal((await listTags(arn))!.length, 50);
    // Overwriting existing keys at the limit is fine; one more key is not.
    await iot.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'k00', Value: 'changed' }, { Key: 'k49', Value: 'changed' }] }));
    const listed = (await listTags(arn))!;
    assert.equal(listed.length, 50);
    assert.deepEqual(listed[0], { Key: 'k00', Value: 'changed' });
    assert.deepEqual(
      listed.map((t) => t.Key),
      tags(0, 50).map((t) => t.Key),
    );
    await expectError(iot.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'k50', Value: 'v' }] })), 'LimitExceededException', 410);
    // Freeing a slot allows a new key again.
    await iot.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['k10'] }));
    await iot.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'k50', Value: 'v' }] }));
    assert.equal((await listTags(arn))!.length, 50);
  });

  test('deleting a resource removes its tags: a re-created one starts untagged', async () => {
    await iot.send(new CreatePolicyCommand({ policyName: 'tag-pol-2', policyDocument: DOC, tags: [{ Key: 'a', Value: '1' }] }));
    const arn = arnOf('policy', 'tag-pol-2');
    await iot.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'b', Value: '2' }] }));
    assert.deepEqual(await listTags(arn), [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }]);
    await iot.send(new DeletePolicyCommand({ policyName: 'tag-pol-2' }));
    await expectError(iot.send(new ListTagsForResourceCommand({ resourceArn: arn })), 'ResourceNotFoundException', 404);
    await iot.send(new CreatePolicyCommand({ policyName: 'tag-pol-2', policyDocument: DOC }));
    assert.deepEqual(await listTags(arn), []);
  });

  test('keys starting with aws: (any case) are reserved → InvalidRequestException, nothing stored', async () => {
    const arn = taggable.thinggroup!;
    for (const Key of ['aws:owner', 'AWS:Name', 'Aws:x'])
      await expectError(
        iot.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'fine', Value: '1' }, { Key, Value: 'v' }] })),
        'InvalidRequestException',
        400,
        /reserved/,
      );
    await expectError(
      iot.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['aws:owner'] })),
      'InvalidRequestException',
      400,
      /reserved/,
    );
    assert.deepEqual(await listTags(arn), []);
    // Merely containing "aws:" later in the key is allowed.
    await iot.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'my-aws:key', Value: 'ok' }] }));
    assert.deepEqual(await listTags(arn), [{ Key: 'my-aws:key', Value: 'ok' }]);
    await iot.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['my-aws:key'] }));
  });

  test('a key twice in one request, or keys/values outside the model constraints, are InvalidRequestException', async () => {
    const arn = taggable.thingtype!;
    await expectError(
      iot.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'dup', Value: '1' }, { Key: 'dup', Value: '2' }] })),
      'InvalidRequestException',
      400,
      /dup.*more than once/,
    );
    await expectError(iot.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'bad#key', Value: '1' }] })), 'InvalidRequestException', 400);
    await expectError(iot.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'x'.repeat(129) }] })), 'InvalidRequestException', 400);
    await expectError(iot.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'long', Value: 'v'.repeat(257) }] })), 'InvalidRequestException', 400);
    assert.deepEqual(await listTags(arn), []);
    // The boundaries themselves are accepted.
    await iot.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'x'.repeat(128), Value: 'v'.repeat(256) }] }));
    assert.equal((await listTags(arn))!.length, 1);
    await iot.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['x'.repeat(128)] }));
  });

  test('ListTagsForResource returns one page: any nextToken is InvalidRequestException', async () => {
    const arn = taggable.rolealias!;
    const page = await iot.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    assert.equal(page.nextToken, undefined);
    await expectError(
      iot.send(new ListTagsForResourceCommand({ resourceArn: arn, nextToken: 'Zm9v' })),
      'InvalidRequestException',
      400,
      /nextToken/,
    );
  });

  test('empty tag lists are accepted and change nothing', async () => {
    const arn = taggable.rolealias!;
    await iot.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'keep', Value: '1' }] }));
    await iot.send(new TagResourceCommand({ resourceArn: arn, tags: [] }));
    await iot.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: [] }));
    assert.deepEqual(await listTags(arn), [{ Key: 'keep', Value: '1' }]);
    await iot.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['keep'] }));
  });
});
