// Policies and policy versions over real HTTP with the official SDK, on SQLite and PostgreSQL.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DetachPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  SetDefaultPolicyVersionCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, errorOf, type TestServer } from './helpers/server.js';

const ACCOUNT = '123456789012';
const arnOf = (name: string) => `arn:aws:iot:us-east-1:${ACCOUNT}:policy/${name}`;
const docWith = (action: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
const COGNITO_ID = 'us-east-1:11111111-2222-3333-4444-555555555555';

async function expectError(promise: Promise<unknown>, name: string, status: number, message?: RegExp) {
  const err = await errorOf(() => promise);
  assert.equal(err.name, name, err.message);
  assert.equal(err.$metadata?.httpStatusCode, status);
  if (message) assert.match(err.message, message);
  return err;
}

forEachStore('policies', (suite) => {
  let server: TestServer;
  let iot: IoTClient;
  before(() => ({ server, iot } = suite));

  const tagsOf = (arn: string) =>
    server.store.transaction((tx) =>
      tx.selectFrom('tags').select(['tag_key', 'tag_value']).where('resource_arn', '=', arn).orderBy('tag_key').execute(),
    );

  test('create and get: version 1 is the default; the document comes back byte-for-byte', async () => {
    // Unusual but valid formatting and non-ASCII text must survive unchanged.
    const document = '{\n  "Version" : "2012-10-17",\t"Statement": {"Sid":"Grüße ✓","Effect":"Allow","Action":["iot:Connect"],\r\n "Resource":"arn:aws:iot:us-east-1:123456789012:client/${iot:ClientId}"}   }';
    const created = await iot.send(new CreatePolicyCommand({ policyName: 'p-get', policyDocument: document }));
    assert.equal(created.policyName, 'p-get');
    assert.equal(created.policyArn, arnOf('p-get'));
    assert.equal(created.policyDocument, document);
    assert.equal(created.policyVersionId, '1');
    const got = await iot.send(new GetPolicyCommand({ policyName: 'p-get' }));
    assert.equal(got.policyDocument, document);
    assert.equal(got.defaultVersionId, '1');
    assert.equal(got.policyArn, arnOf('p-get'));
    assert.match(got.generationId!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(got.creationDate instanceof Date);
    assert.ok(Math.abs(got.creationDate.getTime() - server.clock.now()) < 60_000);
    assert.equal(got.lastModifiedDate?.getTime(), got.creationDate.getTime());
  });

  test('create with an existing name is ResourceAlreadyExistsException', async () => {
    await iot.send(new CreatePolicyCommand({ policyName: 'p-dup', policyDocument: docWith('iot:Connect') }));
    const err = await expectError(
      iot.send(new CreatePolicyCommand({ policyName: 'p-dup', policyDocument: docWith('iot:Publish') })),
      'ResourceAlreadyExistsException',
      409,
      /p-dup/,
    );
    assert.equal(err.resourceId, 'p-dup');
    assert.equal(err.resourceArn, arnOf('p-dup'));
    const got = await iot.send(new GetPolicyCommand({ policyName: 'p-dup' }));
    assert.equal(got.policyDocument, docWith('iot:Connect'));
  });

  test('malformed documents are MalformedPolicyException and nothing is stored', async () => {
    const bad = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }, { Effect: 'Allow', Resource: '*' }] });
    await expectError(
      iot.send(new CreatePolicyCommand({ policyName: 'p-bad', policyDocument: bad })),
      'MalformedPolicyException',
      400,
      /Statement\[1\] needs Action or NotAction/,
    );
    await expectError(iot.send(new CreatePolicyCommand({ policyName: 'p-bad', policyDocument: '' })), 'MalformedPolicyException', 400, /empty/);
    await expectError(iot.send(new CreatePolicyCommand({ policyName: 'p-bad', policyDocument: 'not json' })), 'MalformedPolicyException', 400);
    await expectError(iot.send(new GetPolicyCommand({ policyName: 'p-bad' })), 'ResourceNotFoundException', 404);
  });

  test('missing policy is ResourceNotFoundException on every policy operation', async () => {
    const name = 'p-missing';
    for (const cmd of [
      new GetPolicyCommand({ policyName: name }),
      new DeletePolicyCommand({ policyName: name }),
      new CreatePolicyVersionCommand({ policyName: name, policyDocument: docWith('iot:*') }),
      new GetPolicyVersionCommand({ policyName: name, policyVersionId: '1' }),
      new ListPolicyVersionsCommand({ policyName: name }),
      new SetDefaultPolicyVersionCommand({ policyName: name, policyVersionId: '1' }),
      new DeletePolicyVersionCommand({ policyName: name, policyVersionId: '1' }),
    ]) {
      await expectError(iot.send(cmd as any), 'ResourceNotFoundException', 404, /Policy p-missing does not exist/);
    }
  });

  test('CreatePolicy applies tags; DeletePolicy removes them', async () => {
    await iot.send(
      new CreatePolicyCommand({
        policyName: 'p-tags',
        policyDocument: docWith('iot:Connect'),
        tags: [{ Key: 'team', Value: 'fleet' }, { Key: 'env', Value: 'dev' }],
      }),
    );
    assert.deepEqual(
      (await tagsOf(arnOf('p-tags'))).map((t) => [t.tag_key, t.tag_value]),
      [['env', 'dev'], ['team', 'fleet']],
    );
    await iot.send(new DeletePolicyCommand({ policyName: 'p-tags' }));
    assert.deepEqual(await tagsOf(arnOf('p-tags')), []);
    await expectError(
      iot.send(new CreatePolicyCommand({ policyName: 'p-tags2', policyDocument: docWith('iot:Connect'), tags: [{ Key: 'aws:x', Value: '1' }] })),
      'InvalidRequestException',
      400,
    );
    await expectError(iot.send(new GetPolicyCommand({ policyName: 'p-tags2' })), 'ResourceNotFoundException', 404);
  });

  test('versions: create, default switch, get, list newest first, generationId changes', async () => {
    const name = 'p-ver';
    await iot.send(new CreatePolicyCommand({ policyName: name, policyDocument: docWith('iot:Connect') }));
    const before = await iot.send(new GetPolicyCommand({ policyName: name }));
    server.clock.advance(5);
    const v2 = await iot.send(new CreatePolicyVersionCommand({ policyName: name, policyDocument: docWith('iot:Publish') }));
    assert.deepEqual(
      { arn: v2.policyArn, doc: v2.policyDocument, id: v2.policyVersionId, def: v2.isDefaultVersion },
      { arn: arnOf(name), doc: docWith('iot:Publish'), id: '2', def: false },
    );
    let got = await iot.send(new GetPolicyCommand({ policyName: name }));
    assert.equal(got.defaultVersionId, '1');
    assert.equal(got.policyDocument, docWith('iot:Connect'));
    assert.notEqual(got.generationId, before.generationId);
    assert.ok(got.lastModifiedDate!.getTime() >= before.lastModifiedDate!.getTime() + 5000);

    const v3 = await iot.send(
      new CreatePolicyVersionCommand({ policyName: name, policyDocument: docWith('iot:Receive'), setAsDefault: true }),
    );
    assert.equal(v3.policyVersionId, '3');
    assert.equal(v3.isDefaultVersion, true);
    got = await iot.send(new GetPolicyCommand({ policyName: name }));
    assert.equal(got.defaultVersionId, '3');
    assert.equal(got.policyDocument, docWith('iot:Receive'));

    const gv = await iot.send(new GetPolicyVersionCommand({ policyName: name, policyVersionId: '2' }));
    assert.equal(gv.policyName, name);
    assert.equal(gv.policyArn, arnOf(name));
    assert.equal(gv.policyDocument, docWith('iot:Publish'));
    assert.equal(gv.policyVersionId, '2');
    assert.equal(gv.isDefaultVersion, false);
    assert.equal(gv.generationId, got.generationId);
    assert.ok(gv.creationDate!.getTime() >= before.creationDate!.getTime() + 5000);

    const list = await iot.send(new ListPolicyVersionsCommand({ policyName: name }));
    assert.deepEqual(
      list.policyVersions!.map((v) => [v.versionId, v.isDefaultVersion]),
      [['3', true], ['2', false], ['1', false]],
    );
    assert.ok(list.policyVersions!.every((v) => v.createDate instanceof Date));

    await iot.send(new SetDefaultPolicyVersionCommand({ policyName: name, policyVersionId: '1' }));
    got = await iot.send(new GetPolicyCommand({ policyName: name }));
    assert.equal(got.defaultVersionId, '1');
    assert.equal(got.policyDocument, docWith('iot:Connect'));
    assert.equal((await iot.send(new GetPolicyVersionCommand({ policyName: name, policyVersionId: '1' }))).isDefaultVersion, true);
  });

  test('CreatePolicyVersion validates the document', async () => {
    await iot.send(new CreatePolicyCommand({ policyName: 'p-ver-bad', policyDocument: docWith('iot:Connect') }));
    await expectError(
      iot.send(new CreatePolicyVersionCommand({ policyName: 'p-ver-bad', policyDocument: docWith('Connect') })),
      'MalformedPolicyException',
      400,
      /Statement\[0\]\.Action "Connect"/,
    );
    const list = await iot.send(new ListPolicyVersionsCommand({ policyName: 'p-ver-bad' }));
    assert.equal(list.policyVersions!.length, 1);
  });

  test('five versions at most; ids are never reused', async () => {
    const name = 'p-limit';
    await iot.send(new CreatePolicyCommand({ policyName: name, policyDocument: docWith('iot:Connect') }));
    for (let i = 2; i <= 5; i++)
      assert.equal(
        (await iot.send(new CreatePolicyVersionCommand({ policyName: name, policyDocument: docWith('iot:Publish') }))).policyVersionId,
        String(i),
      );
    await expectError(
      iot.send(new CreatePolicyVersionCommand({ policyName: name, policyDocument: docWith('iot:Publish'), setAsDefault: true })),
      'VersionsLimitExceededException',
      409,
      /p-limit already has 5 versions/,
    );
    assert.equal((await iot.send(new GetPolicyCommand({ policyName: name }))).defaultVersionId, '1');
    await iot.send(new DeletePolicyVersionCommand({ policyName: name, policyVersionId: '5' }));
    const v6 = await iot.send(new CreatePolicyVersionCommand({ policyName: name, policyDocument: docWith('iot:Receive') }));
    assert.equal(v6.policyVersionId, '6');
    const ids = (await iot.send(new ListPolicyVersionsCommand({ policyName: name }))).policyVersions!.map((v) => v.versionId);
    assert.deepEqual(ids, ['6', '4', '3', '2', '1']);
  });

  test('version errors: missing version, deleting the default version', async () => {
    const name = 'p-vererr';
    await iot.send(new CreatePolicyCommand({ policyName: name, policyDocument: docWith('iot:Connect') }));
    for (const id of ['2', '01', '99999999999999999999'])
      await expectError(
        iot.send(new GetPolicyVersionCommand({ policyName: name, policyVersionId: id })),
        'ResourceNotFoundException',
        404,
        new RegExp(`p-vererr has no version ${id}`),
      );
    await expectError(iot.send(new SetDefaultPolicyVersionCommand({ policyName: name, policyVersionId: '2' })), 'ResourceNotFoundException', 404);
    await expectError(iot.send(new DeletePolicyVersionCommand({ policyName: name, policyVersionId: '2' })), 'ResourceNotFoundException', 404);
    await expectError(
      iot.send(new DeletePolicyVersionCommand({ policyName: name, policyVersionId: '1' })),
      'DeleteConflictException',
      409,
      /default version/,
    );
    await iot.send(new CreatePolicyVersionCommand({ policyName: name, policyDocument: docWith('iot:Publish'), setAsDefault: true }));
    await iot.send(new DeletePolicyVersionCommand({ policyName: name, policyVersionId: '1' }));
    await expectError(iot.send(new GetPolicyVersionCommand({ policyName: name, policyVersionId: '1' })), 'ResourceNotFoundException', 404);
    // A non-numeric version id never reaches the handler: the model's pattern rejects it.
    await expectError(iot.send(new GetPolicyVersionCommand({ policyName: name, policyVersionId: 'x' })), 'InvalidRequestException', 400);
  });

  test('DeletePolicy: conflicts with non-default versions and with attachments', async () => {
    const name = 'p-del';
    await iot.send(new CreatePolicyCommand({ policyName: name, policyDocument: docWith('iot:Connect') }));
    await iot.send(new CreatePolicyVersionCommand({ policyName: name, policyDocument: docWith('iot:Publish') }));
    await expectError(iot.send(new DeletePolicyCommand({ policyName: name })), 'DeleteConflictException', 409, /non-default version/);
    await iot.send(new DeletePolicyVersionCommand({ policyName: name, policyVersionId: '2' }));
    await iot.send(new AttachPolicyCommand({ policyName: name, target: COGNITO_ID }));
    await expectError(iot.send(new DeletePolicyCommand({ policyName: name })), 'DeleteConflictException', 409, /^The policy cannot be deleted as the policy is attached to one or more principals \(name=p-del\)$/);
    await iot.send(new DetachPolicyCommand({ policyName: name, target: COGNITO_ID }));
    await iot.send(new DeletePolicyCommand({ policyName: name }));
    await expectError(iot.send(new GetPolicyCommand({ policyName: name })), 'ResourceNotFoundException', 404);
    await expectError(iot.send(new ListPolicyVersionsCommand({ policyName: name })), 'ResourceNotFoundException', 404);
    // The name is free again, and version ids start over with the new policy.
    const again = await iot.send(new CreatePolicyCommand({ policyName: name, policyDocument: docWith('iot:Receive') }));
    assert.equal(again.policyVersionId, '1');
  });

  test('ListPolicies: newest first by default, oldest first when ascending, paged without gaps or duplicates', async () => {
    const client = server.iot('210987654321');
    const names: string[] = [];
    for (let i = 0; i < 7; i++) {
      // Reverse-alphabetical names make creation order and name order disagree.
      const name = `lp-${String.fromCharCode(122 - i)}`;
      names.push(name);
      await client.send(new CreatePolicyCommand({ policyName: name, policyDocument: docWith('iot:Connect') }));
      server.clock.advance(1);
    }
    const collect = async (ascendingOrder?: boolean) => {
      const seen: string[] = [];
      let marker: string | undefined;
      let pages = 0;
      do {
        const page = await client.send(new ListPoliciesCommand({ pageSize: 3, marker, ascendingOrder }));
        pages++;
        assert.ok(page.policies!.length <= 3);
        for (const p of page.policies!) {
          assert.equal(p.policyArn, `arn:aws:iot:us-east-1:210987654321:policy/${p.policyName}`);
          seen.push(p.policyName!);
        }
        marker = page.nextMarker;
      } while (marker);
      assert.equal(pages, 3);
      return seen;
    };
    assert.deepEqual(await collect(), [...names].reverse());
    assert.deepEqual(await collect(true), names);

    // A deleted policy between pages is skipped without disturbing the rest.
    const first = await client.send(new ListPoliciesCommand({ pageSize: 2 }));
    await client.send(new DeletePolicyCommand({ policyName: names[4]! }));
    const second = await client.send(new ListPoliciesCommand({ pageSize: 2, marker: first.nextMarker }));
    assert.deepEqual(second.policies!.map((p) => p.policyName), [names[3], names[2]]);

    // Other accounts and regions see nothing of these.
    const other = await server.iot('210987654321', 'eu-west-1').send(new ListPoliciesCommand({}));
    assert.deepEqual(other.policies, []);
    assert.equal(other.nextMarker, undefined);
    await expectError(
      server.iot('333333333333').send(new GetPolicyCommand({ policyName: names[0]! })),
      'ResourceNotFoundException',
      404,
    );
  });

  test('ListPolicies: a marker issued for the other order is InvalidRequestException', async () => {
    const client = server.iot('444444444444');
    for (const n of ['m1', 'm2', 'm3']) await client.send(new CreatePolicyCommand({ policyName: n, policyDocument: docWith('iot:*') }));
    const page = await client.send(new ListPoliciesCommand({ pageSize: 1 }));
    assert.ok(page.nextMarker);
    await expectError(client.send(new ListPoliciesCommand({ marker: page.nextMarker, ascendingOrder: true })), 'InvalidRequestException', 400, /marker/);
    await expectError(client.send(new ListPoliciesCommand({ marker: 'Zm9v' })), 'InvalidRequestException', 400, /marker/);
  });

  test('the 2048-character limit applies over HTTP to policies and versions; whitespace does not count', async () => {
    const prefix = '{"Statement":{"Effect":"Allow","Action":"iot:Publish","Resource":"arn:aws:iot:us-east-1:123456789012:topic/';
    const suffix = '"}}';
    const sized = (n: number) => prefix + 't'.repeat(n - prefix.length - suffix.length) + suffix;
    await expectError(
      iot.send(new CreatePolicyCommand({ policyName: 'p-size', policyDocument: sized(2049) })),
      'MalformedPolicyException',
      400,
      /2049 characters not counting whitespace; at most 2048/,
    );
    // Pretty-printing a 2048-character document far past 2048 raw characters keeps it valid, and stored as sent.
    const pretty = JSON.stringify(JSON.parse(sized(2048)), null, 40);
    const created = await iot.send(new CreatePolicyCommand({ policyName: 'p-size', policyDocument: pretty }));
    assert.equal(created.policyDocument, pretty);
    assert.equal((await iot.send(new GetPolicyCommand({ policyName: 'p-size' }))).policyDocument, pretty);
    await expectError(
      iot.send(new CreatePolicyVersionCommand({ policyName: 'p-size', policyDocument: sized(3000), setAsDefault: true })),
      'MalformedPolicyException',
      400,
      /3000 characters/,
    );
    const versions = await iot.send(new ListPolicyVersionsCommand({ policyName: 'p-size' }));
    assert.deepEqual(versions.policyVersions!.map((v) => v.versionId), ['1']);
  });

  test('policy names with every allowed punctuation character work in every URI', async () => {
    const name = 'a+b=c,d.e@f-g_h';
    const created = await iot.send(new CreatePolicyCommand({ policyName: name, policyDocument: docWith('iot:Connect') }));
    assert.equal(created.policyArn, arnOf(name));
    assert.equal((await iot.send(new GetPolicyCommand({ policyName: name }))).policyName, name);
    await iot.send(new CreatePolicyVersionCommand({ policyName: name, policyDocument: docWith('iot:Publish') }));
    await iot.send(new SetDefaultPolicyVersionCommand({ policyName: name, policyVersionId: '2' }));
    const v2 = await iot.send(new GetPolicyVersionCommand({ policyName: name, policyVersionId: '2' }));
    assert.equal(v2.policyName, name);
    assert.equal(v2.isDefaultVersion, true);
    await iot.send(new DeletePolicyVersionCommand({ policyName: name, policyVersionId: '1' }));
    assert.deepEqual((await iot.send(new ListPolicyVersionsCommand({ policyName: name }))).policyVersions!.map((v) => v.versionId), ['2']);
    await iot.send(new AttachPolicyCommand({ policyName: name, target: COGNITO_ID }));
    await iot.send(new DetachPolicyCommand({ policyName: name, target: COGNITO_ID }));
    await iot.send(new DeletePolicyCommand({ policyName: name }));
    await expectError(iot.send(new GetPolicyCommand({ policyName: name })), 'ResourceNotFoundException', 404);
    // A similar name is a different policy: '+' must not have been read as a space anywhere.
    await expectError(iot.send(new GetPolicyCommand({ policyName: 'a b=c,d.e@f-g_h' })), 'InvalidRequestException', 400);
  });

  test('SetDefaultPolicyVersion and DeletePolicyVersion are changes of the policy', async () => {
    const name = 'p-gen';
    await iot.send(new CreatePolicyCommand({ policyName: name, policyDocument: docWith('iot:Connect') }));
    await iot.send(new CreatePolicyVersionCommand({ policyName: name, policyDocument: docWith('iot:Publish') }));
    const g0 = await iot.send(new GetPolicyCommand({ policyName: name }));
    server.clock.advance(3);
    await iot.send(new SetDefaultPolicyVersionCommand({ policyName: name, policyVersionId: '2' }));
    const g1 = await iot.send(new GetPolicyCommand({ policyName: name }));
    assert.notEqual(g1.generationId, g0.generationId);
    assert.ok(g1.lastModifiedDate!.getTime() >= g0.lastModifiedDate!.getTime() + 3000);
    assert.equal(g1.creationDate!.getTime(), g0.creationDate!.getTime());
    server.clock.advance(3);
    await iot.send(new DeletePolicyVersionCommand({ policyName: name, policyVersionId: '1' }));
    const g2 = await iot.send(new GetPolicyCommand({ policyName: name }));
    assert.notEqual(g2.generationId, g1.generationId);
    assert.ok(g2.lastModifiedDate!.getTime() >= g1.lastModifiedDate!.getTime() + 3000);
    assert.equal(g2.defaultVersionId, '2');
  });

  test('the same policy name in two accounts and two regions names independent policies', async () => {
    const a = server.iot('666666666666');
    const b = server.iot('777777777777');
    const aWest = server.iot('666666666666', 'eu-west-1');
    await a.send(new CreatePolicyCommand({ policyName: 'shared', policyDocument: docWith('iot:Connect') }));
    await b.send(new CreatePolicyCommand({ policyName: 'shared', policyDocument: docWith('iot:Publish') }));
    await aWest.send(new CreatePolicyCommand({ policyName: 'shared', policyDocument: docWith('iot:Receive') }));
    await a.send(new CreatePolicyVersionCommand({ policyName: 'shared', policyDocument: docWith('iot:Subscribe'), setAsDefault: true }));
    const gotB = await b.send(new GetPolicyCommand({ policyName: 'shared' }));
    assert.equal(gotB.policyArn, 'arn:aws:iot:us-east-1:777777777777:policy/shared');
    assert.equal(gotB.defaultVersionId, '1');
    assert.equal(gotB.policyDocument, docWith('iot:Publish'));
    const gotWest = await aWest.send(new GetPolicyCommand({ policyName: 'shared' }));
    assert.equal(gotWest.policyArn, 'arn:aws:iot:eu-west-1:666666666666:policy/shared');
    assert.equal(gotWest.policyDocument, docWith('iot:Receive'));
    await expectError(b.send(new GetPolicyVersionCommand({ policyName: 'shared', policyVersionId: '2' })), 'ResourceNotFoundException', 404);
    // Deleting A's policy leaves the others alone.
    await a.send(new DeletePolicyVersionCommand({ policyName: 'shared', policyVersionId: '1' }));
    await a.send(new DeletePolicyCommand({ policyName: 'shared' }));
    assert.equal((await b.send(new GetPolicyCommand({ policyName: 'shared' }))).policyName, 'shared');
    assert.equal((await aWest.send(new GetPolicyCommand({ policyName: 'shared' }))).policyName, 'shared');
  });

  test('ListPolicies: default page size 25; page-size bounds 1..250', async () => {
    const client = server.iot('888888888888');
    for (let i = 0; i < 26; i++)
      await client.send(new CreatePolicyCommand({ policyName: `dp-${String(i).padStart(2, '0')}`, policyDocument: docWith('iot:Connect') }));
    const first = await client.send(new ListPoliciesCommand({ ascendingOrder: true }));
    assert.equal(first.policies!.length, 25);
    assert.ok(first.nextMarker);
    const second = await client.send(new ListPoliciesCommand({ ascendingOrder: true, marker: first.nextMarker }));
    assert.deepEqual(second.policies!.map((p) => p.policyName), ['dp-25']);
    assert.equal(second.nextMarker, undefined);
    for (const pageSize of [0, 251])
      await expectError(client.send(new ListPoliciesCommand({ pageSize })), 'InvalidRequestException', 400, /pageSize/);
    const all = await client.send(new ListPoliciesCommand({ pageSize: 250 }));
    assert.equal(all.policies!.length, 26);
  });
});
