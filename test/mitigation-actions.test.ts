// Mitigation actions CRUD (docs/decisions.md#m15, #m18, #m20, #m26, #m27) through the official SDK over HTTP,
// on SQLite and PostgreSQL, plus the AWS CLI v2 shorthand users type.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateMitigationActionCommand,
  DeleteMitigationActionCommand,
  DescribeMitigationActionCommand,
  ListMitigationActionsCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateMitigationActionCommand,
  type CreateMitigationActionCommandInput,
  type IoTClient,
  type MitigationActionParams,
  type MitigationActionType,
} from '@aws-sdk/client-iot';
import { forEachStore, startTestServer, errorOf, type TestServer } from './helpers/server.js';
import { rawRequest, sigv4Header, UUID_V4 } from './helpers/raw-http.js';
import { awsCli } from './helpers/aws-cli.js';
import { loadActionDefinitions, MAX_MITIGATION_ACTIONS } from '../src/mitigation/api/actions.js';

const ROLE = 'arn:aws:iam::123456789012:role/MitigationRole';
const OTHER_ROLE = 'arn:aws:iam::123456789012:role/service-role/OtherRole';

const PARAMS: Record<MitigationActionType, MitigationActionParams> = {
  UPDATE_DEVICE_CERTIFICATE: { updateDeviceCertificateParams: { action: 'DEACTIVATE' } },
  UPDATE_CA_CERTIFICATE: { updateCACertificateParams: { action: 'DEACTIVATE' } },
  ADD_THINGS_TO_THING_GROUP: { addThingsToThingGroupParams: { thingGroupNames: ['quarantine', 'q2'], overrideDynamicGroups: true } },
  REPLACE_DEFAULT_POLICY_VERSION: { replaceDefaultPolicyVersionParams: { templateName: 'BLANK_POLICY' } },
  ENABLE_IOT_LOGGING: { enableIoTLoggingParams: { roleArnForLogging: ROLE, logLevel: 'WARN' } },
  PUBLISH_FINDING_TO_SNS: { publishFindingToSnsParams: { topicArn: 'arn:aws:sns:us-east-1:123456789012:findings' } },
};

async function expectError(p: Promise<unknown>, name: string, status: number, message?: RegExp) {
  const err = await errorOf(() => p);
  assert.equal(err.name, name, err.message);
  assert.equal(err.$metadata?.httpStatusCode, status);
  if (message) assert.match(err.message, message);
  return err;
}

forEachStore('mitigation actions', (suite) => {
  let server: TestServer;
  let iot: IoTClient;
  // Each test uses its own account so lists and the quota see only that test's actions.
  let nextAccount = 200000000000;
  const freshAccount = () => {
    const account = String(nextAccount++);
    return { account, iot: server.iot(account) };
  };
  const create = (client: IoTClient, input: Partial<CreateMitigationActionCommandInput> & { actionName: string }) =>
    client.send(new CreateMitigationActionCommand({ roleArn: ROLE, actionParams: PARAMS.UPDATE_DEVICE_CERTIFICATE, ...input }));

  before(() => ({ server, iot } = suite));

  test('create and describe each of the six types: type from the params member, ARN, UUID v4 id, dates', async () => {
    const { account, iot: client } = freshAccount();
    for (const [type, actionParams] of Object.entries(PARAMS) as [MitigationActionType, MitigationActionParams][]) {
      const name = `act-${type}`;
      const before = server.clock.now();
      const created = await create(client, { actionName: name, actionParams });
      assert.equal(created.actionArn, `arn:aws:iot:us-east-1:${account}:mitigationaction/${name}`);
      assert.match(created.actionId!, UUID_V4);
      const d = await client.send(new DescribeMitigationActionCommand({ actionName: name }));
      assert.equal(d.actionName, name);
      assert.equal(d.actionType, type);
      assert.equal(d.actionArn, created.actionArn);
      assert.equal(d.actionId, created.actionId);
      assert.equal(d.roleArn, ROLE);
      assert.deepEqual(d.actionParams, actionParams);
      assert.ok(d.creationDate!.getTime() >= before - 1000 && d.creationDate!.getTime() <= server.clock.now() + 1000);
      assert.equal(d.lastModifiedDate!.getTime(), d.creationDate!.getTime());
    }
  });

  test('describe and update of a missing action are ResourceNotFoundException', async () => {
    await expectError(iot.send(new DescribeMitigationActionCommand({ actionName: 'nope' })), 'ResourceNotFoundException', 404, /nope/);
    await expectError(
      iot.send(new UpdateMitigationActionCommand({ actionName: 'nope', roleArn: ROLE })),
      'ResourceNotFoundException',
      404,
      /Mitigation action nope does not exist/,
    );
  });

  test('actionParams with no member or several members is InvalidRequestException naming them', async () => {
    await expectError(create(iot, { actionName: 'none', actionParams: {} }), 'InvalidRequestException', 400, /exactly one of .*updateDeviceCertificateParams.*publishFindingToSnsParams.*sets none/);
    await expectError(
      create(iot, {
        actionName: 'two',
        actionParams: { ...PARAMS.UPDATE_DEVICE_CERTIFICATE, ...PARAMS.PUBLISH_FINDING_TO_SNS },
      }),
      'InvalidRequestException',
      400,
      /sets 2: updateDeviceCertificateParams, publishFindingToSnsParams/,
    );
    await expectError(iot.send(new DescribeMitigationActionCommand({ actionName: 'two' })), 'ResourceNotFoundException', 404);
  });

  test('ENABLE_IOT_LOGGING refuses logLevel DISABLED and accepts the four other levels', async () => {
    const { iot: client } = freshAccount();
    await expectError(
      create(client, { actionName: 'log-off', actionParams: { enableIoTLoggingParams: { roleArnForLogging: ROLE, logLevel: 'DISABLED' } } }),
      'InvalidRequestException',
      400,
      /log-off: logLevel DISABLED is not allowed/,
    );
    for (const logLevel of ['DEBUG', 'INFO', 'ERROR', 'WARN'] as const) {
      await create(client, { actionName: `log-${logLevel}`, actionParams: { enableIoTLoggingParams: { roleArnForLogging: ROLE, logLevel } } });
    }
  });

  test('a thing group named twice in thingGroupNames is InvalidRequestException', async () => {
    await expectError(
      create(iot, { actionName: 'dup-groups', actionParams: { addThingsToThingGroupParams: { thingGroupNames: ['a', 'b', 'a'] } } }),
      'InvalidRequestException',
      400,
      /thing group a appears more than once/,
    );
  });

  test('role and topic ARNs must have the right format [Dec M27]', async () => {
    const { iot: client } = freshAccount();
    for (const roleArn of ['arn:aws:iam::123456789012:user/bob', 'arn:aws:iam::12345:role/TooShortAcct', 'arn:aws:sts::123456789012:role/x', 'not-an-arn-at-all-but-long']) {
      await expectError(create(client, { actionName: 'bad-role', roleArn }), 'InvalidRequestException', 400, /bad-role: roleArn .* is not an IAM role ARN/);
    }
    await expectError(
      create(client, { actionName: 'bad-log-role', actionParams: { enableIoTLoggingParams: { roleArnForLogging: 'arn:aws:iam::123456789012:policy/p', logLevel: 'INFO' } } }),
      'InvalidRequestException',
      400,
      /roleArnForLogging arn:aws:iam::123456789012:policy\/p is not an IAM role ARN/,
    );
    for (const topicArn of ['arn:aws:sqs:us-east-1:123456789012:queue', 'arn:aws:sns:us-east-1:123:t', 'arn:aws:sns:us-east-1:123456789012:', 'findings']) {
      await expectError(
        create(client, { actionName: 'bad-topic', actionParams: { publishFindingToSnsParams: { topicArn } } }),
        'InvalidRequestException',
        400,
        /topicArn .* is not an SNS topic ARN/,
      );
    }
    // Paths, other partitions and FIFO topics are valid.
    await create(client, { actionName: 'ok-path', roleArn: OTHER_ROLE });
    await create(client, {
      actionName: 'ok-cn',
      roleArn: 'arn:aws-cn:iam::123456789012:role/r',
      actionParams: { publishFindingToSnsParams: { topicArn: 'arn:aws-cn:sns:cn-north-1:123456789012:t.fifo' } },
    });
    const listed = await client.send(new ListMitigationActionsCommand({}));
    assert.deepEqual(listed.actionIdentifiers!.map((a) => a.actionName).sort(), ['ok-cn', 'ok-path']);
  });

  test('create is idempotent for identical roleArn, params and tags; anything else is ResourceAlreadyExists [Dec M18, M26]', async () => {
    const { account, iot: client } = freshAccount();
    const tags = [
      { Key: 'team', Value: 'sec' },
      { Key: 'env', Value: 'dev' },
    ];
    const first = await create(client, { actionName: 'idem', actionParams: PARAMS.ADD_THINGS_TO_THING_GROUP, tags });
    const again = await create(client, { actionName: 'idem', actionParams: PARAMS.ADD_THINGS_TO_THING_GROUP, tags: [...tags].reverse() });
    assert.deepEqual({ ...again, $metadata: undefined }, { ...first, $metadata: undefined });
    const arn = `arn:aws:iot:us-east-1:${account}:mitigationaction/idem`;
    const conflicts: Partial<CreateMitigationActionCommandInput>[] = [
      { roleArn: OTHER_ROLE, actionParams: PARAMS.ADD_THINGS_TO_THING_GROUP, tags },
      { actionParams: { addThingsToThingGroupParams: { thingGroupNames: ['quarantine', 'q2'] } }, tags },
      { actionParams: PARAMS.UPDATE_DEVICE_CERTIFICATE, tags },
      { actionParams: PARAMS.ADD_THINGS_TO_THING_GROUP, tags: [{ Key: 'team', Value: 'sec' }] },
      { actionParams: PARAMS.ADD_THINGS_TO_THING_GROUP, tags: [...tags, { Key: 'x' }] },
      { actionParams: PARAMS.ADD_THINGS_TO_THING_GROUP },
    ];
    for (const input of conflicts) {
      const err = await expectError(create(client, { actionName: 'idem', ...input }), 'ResourceAlreadyExistsException', 409, /Mitigation action idem already exists/);
      assert.equal(err.resourceId, first.actionId);
      assert.equal(err.resourceArn, arn);
    }
    // Tags changed through TagResource count: the retry with the original tags now differs.
    await client.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'added', Value: '1' }] }));
    await expectError(create(client, { actionName: 'idem', actionParams: PARAMS.ADD_THINGS_TO_THING_GROUP, tags }), 'ResourceAlreadyExistsException', 409);
    // An action created without tags is matched by a retry without tags.
    const bare = await create(client, { actionName: 'bare' });
    assert.equal((await create(client, { actionName: 'bare' })).actionId, bare.actionId);
  });

  test('params member order does not matter for idempotency (raw JSON)', async () => {
    const account = '299999999999';
    const send = (body: unknown) =>
      rawRequest(server.url, {
        method: 'POST',
        path: '/mitigationactions/actions/ordered',
        headers: { 'content-type': 'application/json', authorization: sigv4Header(account, 'us-east-1') },
        body: JSON.stringify(body),
      });
    const a = await send({ roleArn: ROLE, actionParams: { addThingsToThingGroupParams: { thingGroupNames: ['g'], overrideDynamicGroups: false } } });
    assert.equal(a.status, 200, a.text);
    const b = await send({ actionParams: { addThingsToThingGroupParams: { overrideDynamicGroups: false, thingGroupNames: ['g'] } }, roleArn: ROLE });
    assert.equal(b.status, 200, b.text);
    assert.equal(b.json.actionId, a.json.actionId);
  });

  test(`the ${MAX_MITIGATION_ACTIONS + 1}st action is LimitExceededException (410); retries and other accounts are unaffected`, async () => {
    const { iot: client } = freshAccount();
    for (let i = 0; i < MAX_MITIGATION_ACTIONS; i++) await create(client, { actionName: `q-${i}` });
    await expectError(create(client, { actionName: 'one-too-many' }), 'LimitExceededException', 410, /one-too-many.*already have 100 mitigation actions/);
    await create(client, { actionName: 'q-7' }); // idempotent retry at the quota
    await create(freshAccount().iot, { actionName: 'one-too-many' }); // quota is per account
    await client.send(new DeleteMitigationActionCommand({ actionName: 'q-0' }));
    await create(client, { actionName: 'one-too-many' });
    await expectError(create(client, { actionName: 'and-another' }), 'LimitExceededException', 410);
  });

  test('update: omitted members kept, params replaced and may change the type, lastModifiedDate moves', async () => {
    const { iot: client } = freshAccount();
    const created = await create(client, { actionName: 'upd', actionParams: PARAMS.UPDATE_DEVICE_CERTIFICATE });
    const d0 = await client.send(new DescribeMitigationActionCommand({ actionName: 'upd' }));

    server.clock.advance(60);
    const r1 = await client.send(new UpdateMitigationActionCommand({ actionName: 'upd', roleArn: OTHER_ROLE }));
    assert.equal(r1.actionId, created.actionId);
    assert.equal(r1.actionArn, created.actionArn);
    const d1 = await client.send(new DescribeMitigationActionCommand({ actionName: 'upd' }));
    assert.equal(d1.roleArn, OTHER_ROLE);
    assert.equal(d1.actionType, 'UPDATE_DEVICE_CERTIFICATE');
    assert.deepEqual(d1.actionParams, PARAMS.UPDATE_DEVICE_CERTIFICATE);
    assert.equal(d1.creationDate!.getTime(), d0.creationDate!.getTime());
    assert.ok(d1.lastModifiedDate!.getTime() >= d0.lastModifiedDate!.getTime() + 59_000);

    server.clock.advance(60);
    await client.send(new UpdateMitigationActionCommand({ actionName: 'upd', actionParams: PARAMS.PUBLISH_FINDING_TO_SNS }));
    const d2 = await client.send(new DescribeMitigationActionCommand({ actionName: 'upd' }));
    assert.equal(d2.roleArn, OTHER_ROLE);
    assert.equal(d2.actionType, 'PUBLISH_FINDING_TO_SNS');
    assert.deepEqual(d2.actionParams, PARAMS.PUBLISH_FINDING_TO_SNS);
    assert.equal(d2.actionId, created.actionId);
    assert.ok(d2.lastModifiedDate!.getTime() >= d1.lastModifiedDate!.getTime() + 59_000);
    const byType = await client.send(new ListMitigationActionsCommand({ actionType: 'PUBLISH_FINDING_TO_SNS' }));
    assert.deepEqual(byType.actionIdentifiers!.map((a) => a.actionName), ['upd']);
  });

  test('update with an empty body answers 200 and changes nothing, not even lastModifiedDate', async () => {
    const { account, iot: client } = freshAccount();
    await create(client, { actionName: 'still' });
    const d0 = await client.send(new DescribeMitigationActionCommand({ actionName: 'still' }));
    server.clock.advance(60);
    const r = await client.send(new UpdateMitigationActionCommand({ actionName: 'still' }));
    assert.equal(r.actionId, d0.actionId);
    const raw = await rawRequest(server.url, {
      method: 'PATCH',
      path: '/mitigationactions/actions/still',
      headers: { 'content-type': 'application/json', authorization: sigv4Header(account, 'us-east-1') },
      body: '{}',
    });
    assert.equal(raw.status, 200, raw.text);
    assert.equal(raw.json.actionId, d0.actionId);
    const d1 = await client.send(new DescribeMitigationActionCommand({ actionName: 'still' }));
    assert.deepEqual({ ...d1, $metadata: undefined }, { ...d0, $metadata: undefined });
  });

  test('update applies the create validation and leaves the action unchanged on failure', async () => {
    const { iot: client } = freshAccount();
    await create(client, { actionName: 'val' });
    const before = await client.send(new DescribeMitigationActionCommand({ actionName: 'val' }));
    const bad: { input: Omit<ConstructorParameters<typeof UpdateMitigationActionCommand>[0], 'actionName'>; message: RegExp }[] = [
      { input: { actionParams: {} }, message: /sets none/ },
      { input: { actionParams: { ...PARAMS.UPDATE_CA_CERTIFICATE, ...PARAMS.UPDATE_DEVICE_CERTIFICATE } }, message: /sets 2/ },
      { input: { actionParams: { enableIoTLoggingParams: { roleArnForLogging: ROLE, logLevel: 'DISABLED' } } }, message: /DISABLED/ },
      { input: { actionParams: { addThingsToThingGroupParams: { thingGroupNames: ['x', 'x'] } } }, message: /more than once/ },
      { input: { actionParams: { publishFindingToSnsParams: { topicArn: 'arn:aws:sqs:us-east-1:123456789012:q' } } }, message: /SNS topic ARN/ },
      { input: { roleArn: 'arn:aws:iam::123456789012:user/someone' }, message: /not an IAM role ARN/ },
    ];
    for (const { input, message } of bad)
      await expectError(client.send(new UpdateMitigationActionCommand({ actionName: 'val', ...input })), 'InvalidRequestException', 400, message);
    const after = await client.send(new DescribeMitigationActionCommand({ actionName: 'val' }));
    assert.deepEqual({ ...after, $metadata: undefined }, { ...before, $metadata: undefined });
  });

  test('delete: the action and its tags go; deleting a missing action answers 200', async () => {
    const { account, iot: client } = freshAccount();
    const arn = `arn:aws:iot:us-east-1:${account}:mitigationaction/gone`;
    await create(client, { actionName: 'gone', tags: [{ Key: 'k', Value: 'v' }] });
    await client.send(new DeleteMitigationActionCommand({ actionName: 'gone' }));
    await expectError(client.send(new DescribeMitigationActionCommand({ actionName: 'gone' })), 'ResourceNotFoundException', 404);
    await expectError(client.send(new ListTagsForResourceCommand({ resourceArn: arn })), 'ResourceNotFoundException', 404);
    await client.send(new DeleteMitigationActionCommand({ actionName: 'gone' }));
    await client.send(new DeleteMitigationActionCommand({ actionName: 'never-existed' }));
    // Re-created under the same name: a new id and no leftover tags.
    const again = await create(client, { actionName: 'gone' });
    assert.match(again.actionId!, UUID_V4);
    assert.deepEqual((await client.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, []);
  });

  test('tags: TagResource, UntagResource and ListTagsForResource on the action ARN', async () => {
    const { account, iot: client } = freshAccount();
    const arn = `arn:aws:iot:us-east-1:${account}:mitigationaction/tagged`;
    await create(client, { actionName: 'tagged', tags: [{ Key: 'b', Value: '2' }] });
    await client.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'a', Value: '1' }] }));
    assert.deepEqual((await client.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, [
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: '2' },
    ]);
    await client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['b'] }));
    assert.deepEqual((await client.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, [{ Key: 'a', Value: '1' }]);
    await expectError(
      client.send(new TagResourceCommand({ resourceArn: `arn:aws:iot:us-east-1:${account}:mitigationaction/missing`, tags: [{ Key: 'a', Value: '1' }] })),
      'ResourceNotFoundException',
      404,
      /Mitigation action missing does not exist/,
    );
    // Tag errors on create roll the create back.
    await expectError(create(client, { actionName: 'bad-tags', tags: [{ Key: 'aws:x', Value: '1' }] }), 'InvalidRequestException', 400, /reserved/);
    await expectError(client.send(new DescribeMitigationActionCommand({ actionName: 'bad-tags' })), 'ResourceNotFoundException', 404);
  });

  test('list: newest first, name breaks ties, actionType filter, paging across pages without duplicates or gaps', async () => {
    const { iot: client } = freshAccount();
    server.clock.freeze();
    try {
      // Three creation instants; several actions share each one.
      const plan: [string, MitigationActionType][][] = [
        [['old-b', 'UPDATE_DEVICE_CERTIFICATE'], ['old-a', 'PUBLISH_FINDING_TO_SNS']],
        [['mid-c', 'UPDATE_DEVICE_CERTIFICATE'], ['mid-a', 'UPDATE_DEVICE_CERTIFICATE'], ['mid-b', 'ENABLE_IOT_LOGGING']],
        [['new-z', 'UPDATE_DEVICE_CERTIFICATE'], ['new-y', 'UPDATE_DEVICE_CERTIFICATE']],
      ];
      for (const batch of plan) {
        for (const [name, type] of batch) await create(client, { actionName: name, actionParams: PARAMS[type] });
        server.clock.advance(10);
      }
    } finally {
      server.clock.reset();
    }
    const expected = ['new-y', 'new-z', 'mid-a', 'mid-b', 'mid-c', 'old-a', 'old-b'];
    const one = await client.send(new ListMitigationActionsCommand({}));
    assert.deepEqual(one.actionIdentifiers!.map((a) => a.actionName), expected);
    assert.equal(one.nextToken, undefined);
    const first = one.actionIdentifiers![0]!;
    assert.ok(first.actionArn!.endsWith(':mitigationaction/new-y'));
    assert.ok(first.creationDate!.getTime() > one.actionIdentifiers![6]!.creationDate!.getTime());

    for (const pageSize of [1, 2, 3]) {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await client.send(new ListMitigationActionsCommand({ maxResults: pageSize, nextToken: token }));
        assert.ok(page.actionIdentifiers!.length <= pageSize);
        seen.push(...page.actionIdentifiers!.map((a) => a.actionName!));
        token = page.nextToken;
        pages++;
      } while (token);
      assert.deepEqual(seen, expected, `page size ${pageSize}`);
      assert.equal(pages, Math.ceil(expected.length / pageSize));
    }

    const devCert: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListMitigationActionsCommand({ actionType: 'UPDATE_DEVICE_CERTIFICATE', maxResults: 2, nextToken: token }));
      devCert.push(...page.actionIdentifiers!.map((a) => a.actionName!));
      token = page.nextToken;
    } while (token);
    assert.deepEqual(devCert, ['new-y', 'new-z', 'mid-a', 'mid-c', 'old-b']);

    // A token is bound to the filter it was issued for.
    const p1 = await client.send(new ListMitigationActionsCommand({ maxResults: 2 }));
    await expectError(
      client.send(new ListMitigationActionsCommand({ actionType: 'ENABLE_IOT_LOGGING', nextToken: p1.nextToken })),
      'InvalidRequestException',
      400,
      /nextToken is invalid/,
    );
    const empty = await client.send(new ListMitigationActionsCommand({ actionType: 'UPDATE_CA_CERTIFICATE' }));
    assert.deepEqual(empty.actionIdentifiers, []);
  });

  test('loadActionDefinitions returns the stored definitions of the named actions only', async () => {
    const { account, iot: client } = freshAccount();
    const a = await create(client, { actionName: 'def-a', actionParams: PARAMS.ENABLE_IOT_LOGGING });
    const b = await create(client, { actionName: 'def-b', roleArn: OTHER_ROLE, actionParams: PARAMS.ADD_THINGS_TO_THING_GROUP });
    await create(client, { actionName: 'def-c' });
    await create(iot, { actionName: 'def-a' }); // same name, other account
    const defs = await server.store.transaction((tx) => loadActionDefinitions(tx, account, 'us-east-1', ['def-a', 'def-b', 'def-a', 'missing']));
    assert.deepEqual([...defs.keys()].sort(), ['def-a', 'def-b']);
    assert.deepEqual(defs.get('def-a'), {
      name: 'def-a',
      id: a.actionId,
      roleArn: ROLE,
      actionType: 'ENABLE_IOT_LOGGING',
      actionParams: PARAMS.ENABLE_IOT_LOGGING,
    });
    assert.deepEqual(defs.get('def-b'), {
      name: 'def-b',
      id: b.actionId,
      roleArn: OTHER_ROLE,
      actionType: 'ADD_THINGS_TO_THING_GROUP',
      actionParams: PARAMS.ADD_THINGS_TO_THING_GROUP,
    });
    assert.equal((await server.store.transaction((tx) => loadActionDefinitions(tx, account, 'us-east-1', []))).size, 0);
  });
});

describe('mitigation actions with the AWS CLI v2', () => {
  let server: TestServer;
  const aws = (...args: string[]) => awsCli(server.url, ['iot', ...args], '123456789012');
  before(async () => {
    server = await startTestServer('sqlite');
  });
  after(() => server.close());

  test('shorthand --action-params, describe, list, update with only --action-name, delete', async () => {
    const created = await aws(
      'create-mitigation-action',
      '--action-name', 'ResetPolicyVersionAction',
      '--role-arn', ROLE,
      '--action-params', 'replaceDefaultPolicyVersionParams={templateName=BLANK_POLICY}',
    );
    assert.equal(created.status, 0, created.stderr);
    assert.equal(created.json.actionArn, 'arn:aws:iot:us-east-1:123456789012:mitigationaction/ResetPolicyVersionAction');
    assert.match(created.json.actionId, UUID_V4);

    const groups = await aws(
      'create-mitigation-action',
      '--action-name', 'Quarantine',
      '--role-arn', ROLE,
      '--action-params', 'addThingsToThingGroupParams={thingGroupNames=[quarantine,isolated],overrideDynamicGroups=true}',
      '--tags', 'Key=team,Value=sec',
    );
    assert.equal(groups.status, 0, groups.stderr);

    const d = await aws('describe-mitigation-action', '--action-name', 'ResetPolicyVersionAction');
    assert.equal(d.status, 0, d.stderr);
    assert.equal(d.json.actionType, 'REPLACE_DEFAULT_POLICY_VERSION');
    assert.deepEqual(d.json.actionParams, { replaceDefaultPolicyVersionParams: { templateName: 'BLANK_POLICY' } });
    assert.equal(d.json.actionId, created.json.actionId);
    assert.equal(d.json.roleArn, ROLE);
    // CLI v2 prints timestamps as ISO-8601; the value must be the creation instant, not a placeholder.
    assert.ok(Math.abs(Date.parse(d.json.creationDate) - server.clock.now()) < 60_000, d.json.creationDate);

    const q = await aws('describe-mitigation-action', '--action-name', 'Quarantine');
    assert.deepEqual(q.json.actionParams, { addThingsToThingGroupParams: { thingGroupNames: ['quarantine', 'isolated'], overrideDynamicGroups: true } });

    const list = await aws('list-mitigation-actions', '--page-size', '1');
    assert.equal(list.status, 0, list.stderr);
    assert.deepEqual(list.json.actionIdentifiers.map((a: any) => a.actionName).sort(), ['Quarantine', 'ResetPolicyVersionAction']);
    const filtered = await aws('list-mitigation-actions', '--action-type', 'ADD_THINGS_TO_THING_GROUP');
    assert.deepEqual(filtered.json.actionIdentifiers.map((a: any) => a.actionName), ['Quarantine']);

    const noop = await aws('update-mitigation-action', '--action-name', 'ResetPolicyVersionAction');
    assert.equal(noop.status, 0, noop.stderr);
    assert.equal(noop.json.actionId, created.json.actionId);

    const bad = await aws('create-mitigation-action', '--action-name', 'Off', '--role-arn', ROLE, '--action-params', `enableIoTLoggingParams={roleArnForLogging=${ROLE},logLevel=DISABLED}`);
    assert.equal(bad.status, 254);
    assert.match(bad.stderr, /InvalidRequestException/);

    const del = await aws('delete-mitigation-action', '--action-name', 'ResetPolicyVersionAction');
    assert.equal(del.status, 0, del.stderr);
    const gone = await aws('describe-mitigation-action', '--action-name', 'ResetPolicyVersionAction');
    assert.equal(gone.status, 254);
    assert.match(gone.stderr, /ResourceNotFoundException/);
  });
});
