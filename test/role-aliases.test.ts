// Role aliases over real HTTP with the official SDK, on SQLite and PostgreSQL: CRUD, the 100-alias limit
// (docs/decisions.md#r16), tags on create, and marker paging in creation order (docs/decisions.md#r14).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateRoleAliasCommand,
  DeleteRoleAliasCommand,
  DescribeRoleAliasCommand,
  ListRoleAliasesCommand,
  ListTagsForResourceCommand,
  UpdateRoleAliasCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, errorOf, type TestServer } from './helpers/server.js';

const ACCOUNT = '123456789012';
const ROLE = 'arn:aws:iam::123456789012:role/device-credentials';
const OTHER_ROLE = 'arn:aws:iam::123456789012:role/other-credentials';
const aliasArn = (name: string, account = ACCOUNT, region = 'us-east-1') => `arn:aws:iot:${region}:${account}:rolealias/${name}`;

async function expectError(promise: Promise<unknown>, name: string, status: number, message?: RegExp) {
  const err = await errorOf(() => promise);
  assert.equal(err.name, name, err.message);
  assert.equal(err.$metadata?.httpStatusCode, status);
  if (message) assert.match(err.message, message);
  return err;
}

forEachStore('role aliases', (suite) => {
  let server: TestServer;
  let iot: IoTClient;
  before(() => ({ server, iot } = suite));

  /** Lists every alias of a client page by page, checking page sizes; returns names in list order. */
  const collect = async (client: IoTClient, pageSize: number, ascendingOrder?: boolean) => {
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListRoleAliasesCommand({ pageSize, marker, ascendingOrder }));
      pages++;
      assert.ok(page.roleAliases!.length <= pageSize);
      seen.push(...page.roleAliases!);
      marker = page.nextMarker;
    } while (marker);
    return { seen, pages };
  };

  test('create and describe: defaults, owner, timestamps from the ddlocal clock', async () => {
    const created = await iot.send(new CreateRoleAliasCommand({ roleAlias: 'ra-basic', roleArn: ROLE }));
    assert.equal(created.roleAlias, 'ra-basic');
    assert.equal(created.roleAliasArn, aliasArn('ra-basic'));
    const { roleAliasDescription: d } = await iot.send(new DescribeRoleAliasCommand({ roleAlias: 'ra-basic' }));
    assert.equal(d!.roleAlias, 'ra-basic');
    assert.equal(d!.roleAliasArn, aliasArn('ra-basic'));
    assert.equal(d!.roleArn, ROLE);
    assert.equal(d!.owner, ACCOUNT);
    assert.equal(d!.credentialDurationSeconds, 3600);
    assert.ok(d!.creationDate instanceof Date);
    assert.ok(Math.abs(d!.creationDate!.getTime() - server.clock.now()) < 60_000);
    assert.equal(d!.lastModifiedDate!.getTime(), d!.creationDate!.getTime());

    await iot.send(new CreateRoleAliasCommand({ roleAlias: 'ra-long', roleArn: ROLE, credentialDurationSeconds: 43200 }));
    const long = await iot.send(new DescribeRoleAliasCommand({ roleAlias: 'ra-long' }));
    assert.equal(long.roleAliasDescription!.credentialDurationSeconds, 43200);
  });

  test('names are case-sensitive; an existing alias is ResourceAlreadyExistsException with id and ARN', async () => {
    await iot.send(new CreateRoleAliasCommand({ roleAlias: 'ra-dup', roleArn: ROLE }));
    const err = await expectError(
      iot.send(new CreateRoleAliasCommand({ roleAlias: 'ra-dup', roleArn: OTHER_ROLE })),
      'ResourceAlreadyExistsException',
      409,
      /ra-dup/,
    );
    assert.equal(err.resourceId, 'ra-dup');
    assert.equal(err.resourceArn, aliasArn('ra-dup'));
    // The failed create changed nothing.
    const d = await iot.send(new DescribeRoleAliasCommand({ roleAlias: 'ra-dup' }));
    assert.equal(d.roleAliasDescription!.roleArn, ROLE);
    await iot.send(new CreateRoleAliasCommand({ roleAlias: 'RA-DUP', roleArn: OTHER_ROLE }));
  });

  test('model constraints: duration 900..43200, roleArn length, alias pattern → InvalidRequestException', async () => {
    await expectError(
      iot.send(new CreateRoleAliasCommand({ roleAlias: 'ra-short', roleArn: ROLE, credentialDurationSeconds: 899 })),
      'InvalidRequestException',
      400,
      /credentialDurationSeconds/,
    );
    await expectError(
      iot.send(new CreateRoleAliasCommand({ roleAlias: 'ra-long2', roleArn: ROLE, credentialDurationSeconds: 43201 })),
      'InvalidRequestException',
      400,
    );
    await expectError(
      iot.send(new CreateRoleAliasCommand({ roleAlias: 'ra-arn', roleArn: 'arn:aws:iam::1:r' })),
      'InvalidRequestException',
      400,
      /roleArn/,
    );
    await expectError(iot.send(new CreateRoleAliasCommand({ roleAlias: 'bad.alias', roleArn: ROLE })), 'InvalidRequestException', 400);
    await expectError(iot.send(new DescribeRoleAliasCommand({ roleAlias: 'ra-short' })), 'ResourceNotFoundException', 404);
  });

  test('missing aliases: describe, update and delete are ResourceNotFoundException', async () => {
    await expectError(iot.send(new DescribeRoleAliasCommand({ roleAlias: 'ra-none' })), 'ResourceNotFoundException', 404, /ra-none/);
    await expectError(
      iot.send(new UpdateRoleAliasCommand({ roleAlias: 'ra-none', roleArn: ROLE })),
      'ResourceNotFoundException',
      404,
      /ra-none/,
    );
    await expectError(iot.send(new DeleteRoleAliasCommand({ roleAlias: 'ra-none' })), 'ResourceNotFoundException', 404, /ra-none/);
  });

  test('update: omitted members keep their value; lastModifiedDate moves, creationDate does not', async () => {
    await iot.send(new CreateRoleAliasCommand({ roleAlias: 'ra-upd', roleArn: ROLE, credentialDurationSeconds: 1000 }));
    const before = (await iot.send(new DescribeRoleAliasCommand({ roleAlias: 'ra-upd' }))).roleAliasDescription!;
    server.clock.advance(60);
    const out = await iot.send(new UpdateRoleAliasCommand({ roleAlias: 'ra-upd', credentialDurationSeconds: 2000 }));
    assert.equal(out.roleAlias, 'ra-upd');
    assert.equal(out.roleAliasArn, aliasArn('ra-upd'));
    let d = (await iot.send(new DescribeRoleAliasCommand({ roleAlias: 'ra-upd' }))).roleAliasDescription!;
    assert.equal(d.roleArn, ROLE);
    assert.equal(d.credentialDurationSeconds, 2000);
    assert.equal(d.creationDate!.getTime(), before.creationDate!.getTime());
    assert.ok(d.lastModifiedDate!.getTime() >= before.lastModifiedDate!.getTime() + 60_000);

    await iot.send(new UpdateRoleAliasCommand({ roleAlias: 'ra-upd', roleArn: OTHER_ROLE }));
    d = (await iot.send(new DescribeRoleAliasCommand({ roleAlias: 'ra-upd' }))).roleAliasDescription!;
    assert.equal(d.roleArn, OTHER_ROLE);
    assert.equal(d.credentialDurationSeconds, 2000);
    await expectError(
      iot.send(new UpdateRoleAliasCommand({ roleAlias: 'ra-upd', credentialDurationSeconds: 100 })),
      'InvalidRequestException',
      400,
    );
  });

  test('delete removes the alias and its tags; the name can be reused', async () => {
    await iot.send(new CreateRoleAliasCommand({ roleAlias: 'ra-del', roleArn: ROLE, tags: [{ Key: 'team', Value: 'a' }] }));
    await iot.send(new DeleteRoleAliasCommand({ roleAlias: 'ra-del' }));
    await expectError(iot.send(new DescribeRoleAliasCommand({ roleAlias: 'ra-del' })), 'ResourceNotFoundException', 404);
    await iot.send(new CreateRoleAliasCommand({ roleAlias: 'ra-del', roleArn: ROLE }));
    const tags = await iot.send(new ListTagsForResourceCommand({ resourceArn: aliasArn('ra-del') }));
    assert.deepEqual(tags.tags, []);
  });

  test('tags on create are stored with the alias; a bad tag creates nothing', async () => {
    await iot.send(
      new CreateRoleAliasCommand({
        roleAlias: 'ra-tags',
        roleArn: ROLE,
        tags: [
          { Key: 'team', Value: 'iot' },
          { Key: 'env' },
        ],
      }),
    );
    const { tags } = await iot.send(new ListTagsForResourceCommand({ resourceArn: aliasArn('ra-tags') }));
    assert.deepEqual(tags, [
      { Key: 'env', Value: '' },
      { Key: 'team', Value: 'iot' },
    ]);
    await expectError(
      iot.send(new CreateRoleAliasCommand({ roleAlias: 'ra-badtag', roleArn: ROLE, tags: [{ Key: 'aws:owner', Value: 'x' }] })),
      'InvalidRequestException',
      400,
      /aws:/,
    );
    const many = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expectError(
      iot.send(new CreateRoleAliasCommand({ roleAlias: 'ra-badtag', roleArn: ROLE, tags: many })),
      'LimitExceededException',
      410,
      /50/,
    );
    await expectError(iot.send(new DescribeRoleAliasCommand({ roleAlias: 'ra-badtag' })), 'ResourceNotFoundException', 404);
  });

  test('at most 100 role aliases per account and region (Dec R16)', async () => {
    const client = server.iot('200000000001');
    for (let i = 0; i < 100; i++)
      await client.send(new CreateRoleAliasCommand({ roleAlias: `lim-${String(i).padStart(3, '0')}`, roleArn: ROLE }));
    await expectError(
      client.send(new CreateRoleAliasCommand({ roleAlias: 'lim-extra', roleArn: ROLE })),
      'LimitExceededException',
      410,
      /100/,
    );
    await expectError(client.send(new DescribeRoleAliasCommand({ roleAlias: 'lim-extra' })), 'ResourceNotFoundException', 404);
    // The limit is per account and region, and a delete frees a slot.
    await server.iot('200000000001', 'eu-west-1').send(new CreateRoleAliasCommand({ roleAlias: 'lim-extra', roleArn: ROLE }));
    await client.send(new DeleteRoleAliasCommand({ roleAlias: 'lim-000' }));
    await client.send(new CreateRoleAliasCommand({ roleAlias: 'lim-extra', roleArn: ROLE }));
    const { seen } = await collect(client, 250);
    assert.equal(seen.length, 100);
  });

  test('ListRoleAliases: alphabetical, descending with ascendingOrder=false, paged without gaps or duplicates', async () => {
    const client = server.iot('200000000002');
    const names: string[] = [];
    for (let i = 0; i < 7; i++) {
      // Reverse-alphabetical names make creation order and name order disagree: the list follows the names.
      const name = `list-${String.fromCharCode(122 - i)}`;
      names.push(name);
      await client.send(new CreateRoleAliasCommand({ roleAlias: name, roleArn: ROLE }));
      server.clock.advance(1);
    }
    const asc = await collect(client, 3);
    assert.deepEqual(asc.seen, [...names].reverse());
    assert.equal(asc.pages, 3);
    const desc = await collect(client, 3, false);
    assert.deepEqual(desc.seen, names);
    assert.equal(desc.pages, 3);
    // One page when everything fits: no marker.
    const all = await client.send(new ListRoleAliasesCommand({ pageSize: 7 }));
    assert.equal(all.roleAliases!.length, 7);
    assert.equal(all.nextMarker, undefined);

    // A deleted alias between pages is skipped without disturbing the rest.
    const first = await client.send(new ListRoleAliasesCommand({ pageSize: 2 }));
    assert.deepEqual(first.roleAliases, [names[6], names[5]]);
    await client.send(new DeleteRoleAliasCommand({ roleAlias: names[4]! }));
    const second = await client.send(new ListRoleAliasesCommand({ pageSize: 2, marker: first.nextMarker }));
    assert.deepEqual(second.roleAliases, [names[3], names[2]]);

    // Other accounts and regions see none of these.
    const other = await server.iot('200000000002', 'ap-south-1').send(new ListRoleAliasesCommand({}));
    assert.deepEqual(other.roleAliases, []);
    assert.equal(other.nextMarker, undefined);
  });

  test('ListRoleAliases: aliases created in the same millisecond page by name without gaps or duplicates', async () => {
    const client = server.iot('200000000003');
    server.clock.freeze();
    try {
      for (const name of ['same-c', 'same-a', 'same-e', 'same-b', 'same-d'])
        await client.send(new CreateRoleAliasCommand({ roleAlias: name, roleArn: ROLE }));
    } finally {
      // Back to a running clock without moving time backwards.
      const frozenAt = server.clock.now();
      server.clock.reset();
      server.clock.set(Math.max(frozenAt, server.clock.now()));
    }
    assert.deepEqual((await collect(client, 2)).seen, ['same-a', 'same-b', 'same-c', 'same-d', 'same-e']);
    assert.deepEqual((await collect(client, 2, false)).seen, ['same-e', 'same-d', 'same-c', 'same-b', 'same-a']);
  });

  test('ListRoleAliases: foreign or garbled markers are InvalidRequestException', async () => {
    const client = server.iot('200000000004');
    for (const name of ['m-1', 'm-2', 'm-3']) await client.send(new CreateRoleAliasCommand({ roleAlias: name, roleArn: ROLE }));
    const page = await client.send(new ListRoleAliasesCommand({ pageSize: 1 }));
    assert.ok(page.nextMarker);
    await expectError(
      client.send(new ListRoleAliasesCommand({ pageSize: 1, marker: page.nextMarker, ascendingOrder: false })),
      'InvalidRequestException',
      400,
      /marker/,
    );
    await expectError(client.send(new ListRoleAliasesCommand({ marker: 'Zm9v' })), 'InvalidRequestException', 400, /marker/);
    await expectError(client.send(new ListRoleAliasesCommand({ marker: 'not base64!' })), 'InvalidRequestException', 400, /marker/);
    await expectError(client.send(new ListRoleAliasesCommand({ pageSize: 251 })), 'InvalidRequestException', 400, /pageSize/);
  });
});
