// Static thing groups and membership over real HTTP with the official SDK, on SQLite and PostgreSQL: CRUD, hierarchy
// rules, the 10-groups-per-thing limit, paging of every list, account isolation.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddThingToThingGroupCommand,
  AttachPolicyCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DeleteThingCommand,
  DeleteThingGroupCommand,
  DescribeThingGroupCommand,
  ListAttachedPoliciesCommand,
  ListTagsForResourceCommand,
  ListThingGroupsCommand,
  ListThingGroupsForThingCommand,
  ListThingsInThingGroupCommand,
  RemoveThingFromThingGroupCommand,
  UpdateThingGroupCommand,
  UpdateThingGroupsForThingCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, errorOf, type TestServer } from './helpers/server.js';

const ACCOUNT = '123456789012';
const groupArn = (name: string, account = ACCOUNT) => `arn:aws:iot:us-east-1:${account}:thinggroup/${name}`;
const thingArn = (name: string, account = ACCOUNT) => `arn:aws:iot:us-east-1:${account}:thing/${name}`;
const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] });

async function expectError(promise: Promise<unknown>, name: string, status: number, message?: RegExp) {
  const err = await errorOf(() => promise);
  assert.equal(err.name, name, err.message);
  assert.equal(err.$metadata?.httpStatusCode, status);
  if (message) assert.match(err.message, message);
  return err;
}

/** Follows nextToken to the end; returns every item and the number of pages. */
async function collect<T>(fetch: (nextToken?: string) => Promise<{ items: T[]; nextToken?: string }>) {
  const items: T[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await fetch(nextToken);
    items.push(...page.items);
    nextToken = page.nextToken;
    pages++;
  } while (nextToken);
  return { items, pages };
}

forEachStore('thing groups', (suite) => {
  let server: TestServer;
  let iot: IoTClient;
  before(() => ({ server, iot } = suite));

  const createGroup = (thingGroupName: string, parentGroupName?: string) =>
    iot.send(new CreateThingGroupCommand({ thingGroupName, parentGroupName }));
  const groupsOf = async (thingName: string) =>
    (await iot.send(new ListThingGroupsForThingCommand({ thingName, maxResults: 250 }))).thingGroups!.map((g) => g.groupName);
  const membersOf = async (thingGroupName: string, recursive?: boolean) =>
    (await iot.send(new ListThingsInThingGroupCommand({ thingGroupName, recursive, maxResults: 250 }))).things;

  test('create, describe, identical re-create, conflicting re-create', async () => {
    const created = await iot.send(
      new CreateThingGroupCommand({
        thingGroupName: 'plant',
        thingGroupProperties: { thingGroupDescription: 'the plant', attributePayload: { attributes: { site: 'north' } } },
        tags: [{ Key: 'team', Value: 'ops' }],
      }),
    );
    assert.equal(created.thingGroupArn, groupArn('plant'));
    assert.match(created.thingGroupId!, /^[0-9a-f-]{36}$/);
    const described = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'plant' }));
    assert.equal(described.thingGroupId, created.thingGroupId);
    assert.equal(described.version, 1);
    assert.deepEqual(described.thingGroupProperties, {
      thingGroupDescription: 'the plant',
      attributePayload: { attributes: { site: 'north' } },
    });
    assert.equal(described.thingGroupMetadata?.parentGroupName, undefined);
    assert.equal(described.thingGroupMetadata?.rootToParentThingGroups, undefined);
    assert.ok(described.thingGroupMetadata?.creationDate instanceof Date);
    assert.equal(described.status, undefined);
    assert.equal(described.queryString, undefined);
    const tags = await iot.send(new ListTagsForResourceCommand({ resourceArn: groupArn('plant') }));
    assert.deepEqual(tags.tags, [{ Key: 'team', Value: 'ops' }]);

    const again = await iot.send(
      new CreateThingGroupCommand({
        thingGroupName: 'plant',
        thingGroupProperties: { thingGroupDescription: 'the plant', attributePayload: { attributes: { site: 'north' } } },
      }),
    );
    assert.equal(again.thingGroupId, created.thingGroupId);
    const conflict = await expectError(
      iot.send(new CreateThingGroupCommand({ thingGroupName: 'plant', thingGroupProperties: { thingGroupDescription: 'other' } })),
      'ResourceAlreadyExistsException',
      409,
      /plant/,
    );
    assert.equal(conflict.resourceId, 'plant');
    assert.equal(conflict.resourceArn, groupArn('plant'));
  });

  test('children: metadata runs from the root to the parent; bad parents are InvalidRequest', async () => {
    await createGroup('h-root');
    await createGroup('h-mid', 'h-root');
    await createGroup('h-leaf', 'h-mid');
    const leaf = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'h-leaf' }));
    assert.equal(leaf.thingGroupMetadata?.parentGroupName, 'h-mid');
    assert.deepEqual(leaf.thingGroupMetadata?.rootToParentThingGroups, [
      { groupName: 'h-root', groupArn: groupArn('h-root') },
      { groupName: 'h-mid', groupArn: groupArn('h-mid') },
    ]);
    await expectError(createGroup('orphan', 'no-such-parent'), 'InvalidRequestException', 400, /no-such-parent/);
    // Same name under another parent is a different configuration.
    await expectError(createGroup('h-leaf', 'h-root'), 'ResourceAlreadyExistsException', 409);
  });

  test('a hierarchy has at most 7 levels', async () => {
    await createGroup('d1');
    for (let level = 2; level <= 7; level++) await createGroup(`d${level}`, `d${level - 1}`);
    await expectError(createGroup('d8', 'd7'), 'InvalidRequestException', 400, /at most 7 levels/);
    const d7 = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'd7' }));
    assert.equal(d7.thingGroupMetadata?.rootToParentThingGroups?.length, 6);
  });

  test('a group has at most 100 direct children', async () => {
    await createGroup('wide');
    for (let i = 0; i < 100; i++) await createGroup(`wide-${String(i).padStart(3, '0')}`, 'wide');
    await expectError(createGroup('wide-extra', 'wide'), 'InvalidRequestException', 400, /100 child groups/);
    // A grandchild is not a direct child of 'wide'.
    await createGroup('wide-grandchild', 'wide-000');
  });

  test('describe / update of a missing group is ResourceNotFoundException', async () => {
    await expectError(iot.send(new DescribeThingGroupCommand({ thingGroupName: 'ghost' })), 'ResourceNotFoundException', 404, /ghost/);
    await expectError(
      iot.send(new UpdateThingGroupCommand({ thingGroupName: 'ghost', thingGroupProperties: {} })),
      'ResourceNotFoundException',
      404,
    );
  });

  test('update: version, attribute merge and replace, expectedVersion', async () => {
    await iot.send(
      new CreateThingGroupCommand({
        thingGroupName: 'upd',
        thingGroupProperties: { attributePayload: { attributes: { a: '1', b: '2' } } },
      }),
    );
    const r1 = await iot.send(
      new UpdateThingGroupCommand({
        thingGroupName: 'upd',
        thingGroupProperties: { thingGroupDescription: 'd', attributePayload: { attributes: { b: '', c: '3' }, merge: true } },
      }),
    );
    assert.equal(r1.version, 2);
    let d = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'upd' }));
    assert.deepEqual(d.thingGroupProperties, { thingGroupDescription: 'd', attributePayload: { attributes: { a: '1', c: '3' } } });
    await iot.send(
      new UpdateThingGroupCommand({
        thingGroupName: 'upd',
        expectedVersion: 2,
        thingGroupProperties: { attributePayload: { attributes: { z: '9' } } },
      }),
    );
    d = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'upd' }));
    assert.deepEqual(d.thingGroupProperties?.attributePayload, { attributes: { z: '9' } });
    assert.equal(d.thingGroupProperties?.thingGroupDescription, 'd');
    assert.equal(d.version, 3);
    await expectError(
      iot.send(new UpdateThingGroupCommand({ thingGroupName: 'upd', expectedVersion: 1, thingGroupProperties: {} })),
      'VersionConflictException',
      409,
      /version 3/,
    );
  });

  test('delete: missing is 200, children block it, expectedVersion, members/policies/tags go with it', async () => {
    await iot.send(new DeleteThingGroupCommand({ thingGroupName: 'never-existed' }));
    await createGroup('del-parent');
    await createGroup('del-child', 'del-parent');
    await expectError(iot.send(new DeleteThingGroupCommand({ thingGroupName: 'del-parent' })), 'InvalidRequestException', 400, /del-child/);
    await expectError(
      iot.send(new DeleteThingGroupCommand({ thingGroupName: 'del-child', expectedVersion: 5 })),
      'VersionConflictException',
      409,
    );

    await iot.send(new CreateThingCommand({ thingName: 'del-thing' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'del-child', thingName: 'del-thing' }));
    await iot.send(new CreatePolicyCommand({ policyName: 'del-pol', policyDocument: DOC }));
    await iot.send(new AttachPolicyCommand({ policyName: 'del-pol', target: groupArn('del-child') }));
    await iot.send(
      new UpdateThingGroupCommand({ thingGroupName: 'del-child', thingGroupProperties: { thingGroupDescription: 'x' } }),
    );
    await iot.send(new DeleteThingGroupCommand({ thingGroupName: 'del-child', expectedVersion: 2 }));
    await expectError(iot.send(new DescribeThingGroupCommand({ thingGroupName: 'del-child' })), 'ResourceNotFoundException', 404);
    assert.deepEqual(await groupsOf('del-thing'), []);

    // Recreated under the same name, the group starts clean.
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'del-child' }));
    assert.deepEqual(await membersOf('del-child'), []);
    const policies = await iot.send(new ListAttachedPoliciesCommand({ target: groupArn('del-child') }));
    assert.deepEqual(policies.policies, []);
    await iot.send(new DeleteThingGroupCommand({ thingGroupName: 'del-child' }));
    await iot.send(new DeleteThingGroupCommand({ thingGroupName: 'del-parent' }));
  });

  test('ListThingGroups: pages, parentGroup, recursive, prefix; unknown parent is ResourceNotFoundException', async () => {
    // A separate account keeps the listing independent of the other tests' groups.
    const lister = server.iot('111122223333');
    const names = Array.from({ length: 12 }, (_, i) => `lg-${String(i).padStart(2, '0')}`);
    for (const name of names) await lister.send(new CreateThingGroupCommand({ thingGroupName: name }));
    await lister.send(new CreateThingGroupCommand({ thingGroupName: 'lg-00-a', parentGroupName: 'lg-00' }));
    await lister.send(new CreateThingGroupCommand({ thingGroupName: 'lg-00-b', parentGroupName: 'lg-00' }));
    await lister.send(new CreateThingGroupCommand({ thingGroupName: 'lg-00-a-x', parentGroupName: 'lg-00-a' }));
    await lister.send(new CreateThingGroupCommand({ thingGroupName: 'other' }));

    const all = await collect(async (nextToken) => {
      const r = await lister.send(new ListThingGroupsCommand({ maxResults: 5, nextToken }));
      return { items: r.thingGroups!.map((g) => g.groupName!), nextToken: r.nextToken };
    });
    const everything = [...names, 'lg-00-a', 'lg-00-a-x', 'lg-00-b', 'other'].sort();
    assert.deepEqual(all.items, everything);
    assert.equal(all.pages, 4);

    const roots = await collect(async (nextToken) => {
      const r = await lister.send(new ListThingGroupsCommand({ maxResults: 4, recursive: false, nextToken }));
      return { items: r.thingGroups!.map((g) => g.groupName!), nextToken: r.nextToken };
    });
    assert.deepEqual(roots.items, [...names, 'other']);

    const prefixed = await collect(async (nextToken) => {
      const r = await lister.send(new ListThingGroupsCommand({ maxResults: 2, namePrefixFilter: 'lg-00', nextToken }));
      return { items: r.thingGroups!.map((g) => g.groupName!), nextToken: r.nextToken };
    });
    assert.deepEqual(prefixed.items, ['lg-00', 'lg-00-a', 'lg-00-a-x', 'lg-00-b']);

    const children = await lister.send(new ListThingGroupsCommand({ parentGroup: 'lg-00' }));
    assert.deepEqual(children.thingGroups, [
      { groupName: 'lg-00-a', groupArn: groupArn('lg-00-a', '111122223333') },
      { groupName: 'lg-00-b', groupArn: groupArn('lg-00-b', '111122223333') },
    ]);
    const descendants = await collect(async (nextToken) => {
      const r = await lister.send(new ListThingGroupsCommand({ parentGroup: 'lg-00', recursive: true, maxResults: 1, nextToken }));
      return { items: r.thingGroups!.map((g) => g.groupName!), nextToken: r.nextToken };
    });
    assert.deepEqual(descendants.items, ['lg-00-a', 'lg-00-a-x', 'lg-00-b']);
    assert.equal(descendants.pages, 3);

    await expectError(lister.send(new ListThingGroupsCommand({ parentGroup: 'nope' })), 'ResourceNotFoundException', 404, /nope/);
    const first = await lister.send(new ListThingGroupsCommand({ maxResults: 1 }));
    await expectError(
      lister.send(new ListThingGroupsCommand({ maxResults: 1, recursive: false, nextToken: first.nextToken })),
      'InvalidRequestException',
      400,
      /nextToken is invalid/,
    );
  });

  test('add and remove by name or ARN; identifier rules; missing thing or group', async () => {
    await createGroup('m-group');
    await iot.send(new CreateThingCommand({ thingName: 'm-thing' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupArn: groupArn('m-group'), thingArn: thingArn('m-thing') }));
    // Adding again is not an error.
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'm-group', thingName: 'm-thing' }));
    assert.deepEqual(await groupsOf('m-thing'), ['m-group']);
    assert.deepEqual(await membersOf('m-group'), ['m-thing']);

    await expectError(
      iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'm-group', thingGroupArn: groupArn('m-group'), thingName: 'm-thing' })),
      'InvalidRequestException',
      400,
      /exactly one of thingGroupName and thingGroupArn/,
    );
    await expectError(
      iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'm-group' })),
      'InvalidRequestException',
      400,
      /exactly one of thingName and thingArn/,
    );
    await expectError(
      iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'm-group', thingName: 'no-thing' })),
      'ResourceNotFoundException',
      404,
      /no-thing/,
    );
    await expectError(
      iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'no-group', thingName: 'm-thing' })),
      'ResourceNotFoundException',
      404,
      /no-group/,
    );
    await expectError(
      iot.send(new AddThingToThingGroupCommand({ thingGroupArn: groupArn('m-group', '210987654321'), thingName: 'm-thing' })),
      'ResourceNotFoundException',
      404,
    );
    await expectError(
      iot.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 'no-group', thingName: 'm-thing' })),
      'ResourceNotFoundException',
      404,
    );
    await expectError(
      iot.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 'm-group', thingName: 'no-thing' })),
      'ResourceNotFoundException',
      404,
    );

    await iot.send(new RemoveThingFromThingGroupCommand({ thingGroupArn: groupArn('m-group'), thingArn: thingArn('m-thing') }));
    // Not a member any more: still 200.
    await iot.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 'm-group', thingName: 'm-thing' }));
    assert.deepEqual(await groupsOf('m-thing'), []);
  });

  test('a thing can be in only one group of a hierarchy', async () => {
    await createGroup('tree');
    await createGroup('tree-a', 'tree');
    await createGroup('tree-b', 'tree');
    await createGroup('forest');
    await iot.send(new CreateThingCommand({ thingName: 'h-thing' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'tree-a', thingName: 'h-thing' }));
    await expectError(
      iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'tree-b', thingName: 'h-thing' })),
      'InvalidRequestException',
      400,
      /same hierarchy/,
    );
    await expectError(
      iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'tree', thingName: 'h-thing' })),
      'InvalidRequestException',
      400,
      /tree-a/,
    );
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'forest', thingName: 'h-thing' }));
    assert.deepEqual(await groupsOf('h-thing'), ['forest', 'tree-a']);
    // Moving within the hierarchy works as remove-then-add in one request.
    await iot.send(
      new UpdateThingGroupsForThingCommand({ thingName: 'h-thing', thingGroupsToRemove: ['tree-a'], thingGroupsToAdd: ['tree-b'] }),
    );
    assert.deepEqual(await groupsOf('h-thing'), ['forest', 'tree-b']);
    // Recursive listing of the root sees the member of a child group.
    assert.deepEqual(await membersOf('tree', true), ['h-thing']);
    assert.deepEqual(await membersOf('tree'), []);
  });

  test('a thing belongs to at most 10 groups', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'busy' }));
    for (let i = 0; i < 11; i++) await createGroup(`ten-${String(i).padStart(2, '0')}`);
    for (let i = 0; i < 10; i++)
      await iot.send(new AddThingToThingGroupCommand({ thingGroupName: `ten-${String(i).padStart(2, '0')}`, thingName: 'busy' }));
    await expectError(
      iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'ten-10', thingName: 'busy' })),
      'InvalidRequestException',
      400,
      /already in 10 thing groups/,
    );
    // The override only concerns dynamic groups; with none there is still no room.
    await expectError(
      iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'ten-10', thingName: 'busy', overrideDynamicGroups: true })),
      'InvalidRequestException',
      400,
    );
    // Re-adding an existing membership at the limit is still fine.
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'ten-00', thingName: 'busy' }));

    const pages = await collect(async (nextToken) => {
      const r = await iot.send(new ListThingGroupsForThingCommand({ thingName: 'busy', maxResults: 3, nextToken }));
      return { items: r.thingGroups!.map((g) => g.groupName!), nextToken: r.nextToken };
    });
    assert.deepEqual(pages.items, Array.from({ length: 10 }, (_, i) => `ten-${String(i).padStart(2, '0')}`));
    assert.equal(pages.pages, 4);
    await expectError(iot.send(new ListThingGroupsForThingCommand({ thingName: 'nobody' })), 'ResourceNotFoundException', 404);
  });

  test('UpdateThingGroupsForThing is all or nothing', async () => {
    await createGroup('u-keep');
    await createGroup('u-new');
    await iot.send(new CreateThingCommand({ thingName: 'u-thing' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'u-keep', thingName: 'u-thing' }));
    await expectError(
      iot.send(
        new UpdateThingGroupsForThingCommand({
          thingName: 'u-thing',
          thingGroupsToRemove: ['u-keep'],
          thingGroupsToAdd: ['u-new', 'u-missing'],
        }),
      ),
      'ResourceNotFoundException',
      404,
      /u-missing/,
    );
    assert.deepEqual(await groupsOf('u-thing'), ['u-keep']);
    await expectError(
      iot.send(new UpdateThingGroupsForThingCommand({ thingName: 'u-ghost', thingGroupsToAdd: ['u-new'] })),
      'ResourceNotFoundException',
      404,
    );
    await iot.send(
      new UpdateThingGroupsForThingCommand({ thingName: 'u-thing', thingGroupsToRemove: ['u-keep'], thingGroupsToAdd: ['u-new'] }),
    );
    assert.deepEqual(await groupsOf('u-thing'), ['u-new']);
  });

  test('ListThingsInThingGroup pages through every member once; recursive adds descendants', async () => {
    await createGroup('pg');
    await createGroup('pg-child', 'pg');
    const things = Array.from({ length: 12 }, (_, i) => `pg-thing-${String(i).padStart(2, '0')}`);
    for (const [i, name] of things.entries()) {
      await iot.send(new CreateThingCommand({ thingName: name }));
      await iot.send(new AddThingToThingGroupCommand({ thingGroupName: i % 3 === 0 ? 'pg-child' : 'pg', thingName: name }));
    }
    const direct = await collect(async (nextToken) => {
      const r = await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'pg', maxResults: 3, nextToken }));
      return { items: r.things!, nextToken: r.nextToken };
    });
    assert.deepEqual(direct.items, things.filter((_, i) => i % 3 !== 0));
    assert.equal(direct.pages, 3);
    const recursive = await collect(async (nextToken) => {
      const r = await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'pg', recursive: true, maxResults: 5, nextToken }));
      return { items: r.things!, nextToken: r.nextToken };
    });
    assert.deepEqual(recursive.items, things);
    assert.equal(recursive.pages, 3);
    await expectError(iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'nope' })), 'ResourceNotFoundException', 404);
  });

  test('deleting a thing removes its memberships', async () => {
    await createGroup('gone-group');
    await iot.send(new CreateThingCommand({ thingName: 'gone-thing' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'gone-group', thingName: 'gone-thing' }));
    await iot.send(new DeleteThingCommand({ thingName: 'gone-thing' }));
    assert.deepEqual(await membersOf('gone-group'), []);
    await iot.send(new CreateThingCommand({ thingName: 'gone-thing' }));
    assert.deepEqual(await groupsOf('gone-thing'), []);
  });

  test('accounts are isolated', async () => {
    await createGroup('private-group');
    await iot.send(new CreateThingCommand({ thingName: 'private-member' }));
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'private-group', thingName: 'private-member' }));
    const other = server.iot('210987654321');
    await expectError(other.send(new DescribeThingGroupCommand({ thingGroupName: 'private-group' })), 'ResourceNotFoundException', 404);
    await expectError(other.send(new ListThingsInThingGroupCommand({ thingGroupName: 'private-group' })), 'ResourceNotFoundException', 404);
    assert.deepEqual((await other.send(new ListThingGroupsCommand({}))).thingGroups, []);
    const created = await other.send(new CreateThingGroupCommand({ thingGroupName: 'private-group' }));
    assert.equal(created.thingGroupArn, groupArn('private-group', '210987654321'));
    await other.send(new CreateThingCommand({ thingName: 'private-member' }));
    assert.deepEqual(
      (await other.send(new ListThingGroupsForThingCommand({ thingName: 'private-member' }))).thingGroups,
      [],
    );
    // Deleting the other account's group leaves ours intact.
    await other.send(new DeleteThingGroupCommand({ thingGroupName: 'private-group' }));
    assert.deepEqual(await membersOf('private-group'), ['private-member']);
  });
});
