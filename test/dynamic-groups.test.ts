// Dynamic thing groups (docs/decisions.md#r10) over real HTTP with the official SDK, on SQLite and PostgreSQL:
// create/update/delete rules, the query subset, membership recomputed on every thing change, the 10-group limit
// with overrideDynamicGroups, account isolation, and the query limits (docs/dynamic-group-queries.md), including
// queries stored by older versions that did not check them.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  AddThingToThingGroupCommand,
  AttachPolicyCommand,
  CreateDynamicThingGroupCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  CreateThingTypeCommand,
  DeleteDynamicThingGroupCommand,
  DeleteThingCommand,
  DeleteThingGroupCommand,
  DescribeThingGroupCommand,
  ListThingGroupsForThingCommand,
  ListThingsInThingGroupCommand,
  RemoveThingFromThingGroupCommand,
  UpdateDynamicThingGroupCommand,
  UpdateThingCommand,
  UpdateThingGroupCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, startTestServer, errorOf, type TestServer } from './helpers/server.js';

/** `thingName:` padded with `a`s to exactly `length` characters. */
const ofLength = (length: number, prefix = 'thingName:') => prefix + 'a'.repeat(length - prefix.length);
const parens = (depth: number) => `${'('.repeat(depth)}thingName:a${')'.repeat(depth)}`;
const nots = (count: number) => `${'NOT '.repeat(count)}thingName:a`;
const terms = (count: number) => Array.from({ length: count }, (_, i) => `attributes.a${i}:v`).join(' OR ');

const groupArn = (name: string, account = '123456789012') => `arn:aws:iot:us-east-1:${account}:thinggroup/${name}`;
const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] });

async function expectError(promise: Promise<unknown>, name: string, status: number, message?: RegExp) {
  const err = await errorOf(() => promise);
  assert.equal(err.name, name, err.message);
  assert.equal(err.$metadata?.httpStatusCode, status);
  if (message) assert.match(err.message, message);
  return err;
}

forEachStore('dynamic thing groups', (suite) => {
  let server: TestServer;
  let iot: IoTClient;
  before(() => ({ server, iot } = suite));

  const members = async (thingGroupName: string, client = iot) =>
    (await client.send(new ListThingsInThingGroupCommand({ thingGroupName, maxResults: 250 }))).things;
  const groupsOf = async (thingName: string, client = iot) =>
    (await client.send(new ListThingGroupsForThingCommand({ thingName, maxResults: 250 }))).thingGroups!.map((g) => g.groupName);
  const dynamic = (thingGroupName: string, queryString: string, client = iot) =>
    client.send(new CreateDynamicThingGroupCommand({ thingGroupName, queryString }));

  test('create with defaults, describe, membership of existing things', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'cam-1', attributePayload: { attributes: { floor: '2' } } }));
    await iot.send(new CreateThingCommand({ thingName: 'cam-2', attributePayload: { attributes: { floor: '3' } } }));
    const created = await iot.send(
      new CreateDynamicThingGroupCommand({
        thingGroupName: 'floor-2',
        queryString: 'attributes.floor:2',
        thingGroupProperties: { thingGroupDescription: 'second floor' },
        tags: [{ Key: 'k', Value: 'v' }],
      }),
    );
    assert.equal(created.thingGroupArn, groupArn('floor-2'));
    assert.equal(created.indexName, 'AWS_Things');
    assert.equal(created.queryVersion, '2017-09-30');
    assert.equal(created.queryString, 'attributes.floor:2');
    const d = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'floor-2' }));
    assert.equal(d.status, 'ACTIVE');
    assert.equal(d.indexName, 'AWS_Things');
    assert.equal(d.queryString, 'attributes.floor:2');
    assert.equal(d.queryVersion, '2017-09-30');
    assert.equal(d.version, 1);
    assert.equal(d.thingGroupProperties?.thingGroupDescription, 'second floor');
    assert.deepEqual(await members('floor-2'), ['cam-1']);
    assert.deepEqual(await groupsOf('cam-1'), ['floor-2']);
  });

  test('membership follows CreateThing, UpdateThing (attributes and type) and DeleteThing', async () => {
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'lamp' }));
    await dynamic('lamps-on-5', 'thingTypeName:lamp AND attributes.floor:5');
    await iot.send(new CreateThingCommand({ thingName: 'lamp-a', thingTypeName: 'lamp', attributePayload: { attributes: { floor: '5' } } }));
    await iot.send(new CreateThingCommand({ thingName: 'lamp-b', thingTypeName: 'lamp', attributePayload: { attributes: { floor: '4' } } }));
    assert.deepEqual(await members('lamps-on-5'), ['lamp-a']);

    await iot.send(new UpdateThingCommand({ thingName: 'lamp-b', attributePayload: { attributes: { floor: '5' }, merge: true } }));
    assert.deepEqual(await members('lamps-on-5'), ['lamp-a', 'lamp-b']);
    await iot.send(new UpdateThingCommand({ thingName: 'lamp-a', removeThingType: true }));
    assert.deepEqual(await members('lamps-on-5'), ['lamp-b']);
    await iot.send(new UpdateThingCommand({ thingName: 'lamp-a', thingTypeName: 'lamp' }));
    assert.deepEqual(await members('lamps-on-5'), ['lamp-a', 'lamp-b']);
    await iot.send(new DeleteThingCommand({ thingName: 'lamp-b' }));
    assert.deepEqual(await members('lamps-on-5'), ['lamp-a']);
  });

  test('membership follows static group changes (thingGroupNames)', async () => {
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'quarantine' }));
    await dynamic('in-quarantine', 'thingGroupNames:quarantine');
    await iot.send(new CreateThingCommand({ thingName: 'sick' }));
    assert.deepEqual(await members('in-quarantine'), []);
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'quarantine', thingName: 'sick' }));
    assert.deepEqual(await members('in-quarantine'), ['sick']);
    assert.deepEqual(await groupsOf('sick'), ['in-quarantine', 'quarantine']);
    await iot.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 'quarantine', thingName: 'sick' }));
    assert.deepEqual(await members('in-quarantine'), []);
    await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'quarantine', thingName: 'sick' }));
    // Deleting the static group changes thingGroupNames as well.
    await iot.send(new DeleteThingGroupCommand({ thingGroupName: 'quarantine' }));
    assert.deepEqual(await members('in-quarantine'), []);
  });

  test('query subset: wildcards, OR, NOT, parentheses, presence, quoted literals', async () => {
    const q = server.iot('333344445555');
    const make = (thingName: string, attributes: Record<string, string>) =>
      q.send(new CreateThingCommand({ thingName, attributePayload: { attributes } }));
    await make('sensor-01', { zone: 'a', tag: 'x1' });
    await make('sensor-02', { zone: 'b' });
    await make('sensor-10', { zone: 'c', tag: 'xy' });
    await make('gateway', { zone: 'a' });
    const cases: [string, string, string[]][] = [
      ['prefix', 'thingName:sensor-*', ['sensor-01', 'sensor-02', 'sensor-10']],
      ['one-char', 'thingName:sensor-0?', ['sensor-01', 'sensor-02']],
      ['or', 'attributes.zone:b OR attributes.zone:c', ['sensor-02', 'sensor-10']],
      ['implicit-and', 'thingName:sensor-* attributes.zone:a', ['sensor-01']],
      ['not', 'NOT thingName:sensor-*', ['gateway']],
      ['parens', '(attributes.zone:a OR attributes.zone:b) AND NOT thingName:gateway', ['sensor-01', 'sensor-02']],
      ['present', 'attributes.tag:*', ['sensor-01', 'sensor-10']],
      ['wild-tag', 'attributes.tag:x*', ['sensor-01', 'sensor-10']],
      // Inside quotes * is literal; no attribute value may contain one, so nothing matches.
      ['quoted-star', 'attributes.tag:"x*"', []],
      ['quoted', 'attributes.tag:"xy"', ['sensor-10']],
      ['case', 'thingName:SENSOR-*', []],
    ];
    for (const [name, query, expected] of cases) {
      await dynamic(`q-${name}`, query, q);
      assert.deepEqual(await members(`q-${name}`, q), expected, `${name}: ${query}`);
    }
  });

  test('queries outside the subset are InvalidQueryException', async () => {
    const bad: [string, RegExp][] = [
      ['attributes.floor:[1 TO 5]', /Range queries/],
      ['attributes.floor>3', /Numeric comparisons/],
      ['connectivity.connected:true', /connectivity\.connected/],
      ['thingName:a and thingName:b', /upper case/],
      ['(thingName:a', /Unbalanced parentheses/],
      ['thingName:a OR', /ends after OR/],
      ['justtext', /free-text/],
    ];
    for (const [query, message] of bad)
      await expectError(dynamic('bad-query', query), 'InvalidQueryException', 400, message);
    await expectError(
      iot.send(new DescribeThingGroupCommand({ thingGroupName: 'bad-query' })),
      'ResourceNotFoundException',
      404,
    );
  });

  test('query limits: 400 InvalidQueryException naming the limit (never 500) on create and update', async () => {
    const c = server.iot('777788889999');
    await dynamic('limits-update-target', 'thingName:nobody', c);
    const refused: [string, string, RegExp][] = [
      ['5,000 nested parentheses', parens(5000), /10011 characters long; .* at most 1024 characters/],
      ['20,000 NOTs', nots(20000), /80011 characters long; .* at most 1024 characters/],
      ['1,025 characters', ofLength(1025), /1025 characters long; .* at most 1024 characters/],
      ['25 nested parentheses', parens(25), /25 levels deep; .* at most 24 levels/],
      ['25 NOTs', nots(25), /25 levels deep; .* at most 24 levels/],
      ['13 terms', terms(13), /13 terms; a query may have at most 12 terms/],
      ['two leading wildcards', 'thingName:*my AND thingGroupNames:*echo', /2 terms with a leading wildcard .* at most 1 term/],
      ['leading wildcard in 101 characters', ofLength(101, 'thingName:*'), /101 characters long and has a leading wildcard .* at most 100 characters/],
    ];
    for (const [what, query, message] of refused) {
      await expectError(dynamic('limits-refused', query, c), 'InvalidQueryException', 400, message).catch((err) => {
        throw new Error(`create, ${what}: ${err.message}`);
      });
      await expectError(
        c.send(new UpdateDynamicThingGroupCommand({ thingGroupName: 'limits-update-target', queryString: query, thingGroupProperties: {} })),
        'InvalidQueryException',
        400,
        message,
      ).catch((err) => {
        throw new Error(`update, ${what}: ${err.message}`);
      });
    }
    await expectError(c.send(new DescribeThingGroupCommand({ thingGroupName: 'limits-refused' })), 'ResourceNotFoundException', 404);
    const d = await c.send(new DescribeThingGroupCommand({ thingGroupName: 'limits-update-target' }));
    assert.equal(d.queryString, 'thingName:nobody');
    assert.equal(d.version, 1);
  });

  test('query limits: queries exactly at each limit are accepted, and CreateThing keeps working', async () => {
    const c = server.iot('777788880000');
    const accepted: [string, string][] = [
      ['depth-24-parens', parens(24)],
      ['depth-24-nots', nots(24)],
      ['length-1024', ofLength(1024)],
      ['terms-12', terms(12)],
      ['leading-100', ofLength(100, 'thingName:*')],
    ];
    for (const [name, query] of accepted) await dynamic(name, query, c);
    await c.send(new CreateThingCommand({ thingName: 'a' }));
    await c.send(new CreateThingCommand({ thingName: 'lim-attr', attributePayload: { attributes: { a11: 'v' } } }));
    await c.send(new CreateThingCommand({ thingName: 'a'.repeat(89) }));
    assert.deepEqual(await groupsOf('a', c), ['depth-24-nots', 'depth-24-parens']);
    assert.deepEqual(await groupsOf('lim-attr', c), ['terms-12']);
    assert.deepEqual(await groupsOf('a'.repeat(89), c), ['leading-100']);
    // UpdateDynamicThingGroup accepts a query at the limits too.
    await c.send(new UpdateDynamicThingGroupCommand({ thingGroupName: 'terms-12', queryString: parens(24), thingGroupProperties: {} }));
    assert.deepEqual(await members('terms-12', c), ['a']);
  });

  test('create errors: existing name, unknown index, query version', async () => {
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'taken-static' }));
    await dynamic('taken-dynamic', 'thingName:x');
    const err = await expectError(dynamic('taken-static', 'thingName:x'), 'ResourceAlreadyExistsException', 409);
    assert.equal(err.resourceArn, groupArn('taken-static'));
    await expectError(dynamic('taken-dynamic', 'thingName:x'), 'ResourceAlreadyExistsException', 409);
    await expectError(
      iot.send(new CreateThingGroupCommand({ thingGroupName: 'taken-dynamic' })),
      'ResourceAlreadyExistsException',
      409,
      /dynamic/,
    );
    await expectError(
      iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'idx', queryString: 'thingName:x', indexName: 'MyIndex' })),
      'ResourceNotFoundException',
      404,
      /MyIndex/,
    );
    await expectError(
      iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'qv', queryString: 'thingName:x', queryVersion: '2099-01-01' })),
      'InvalidRequestException',
      400,
      /2099-01-01/,
    );
  });

  test('dynamic groups have no children, no manual members and no policies', async () => {
    await dynamic('dyn-only', 'thingName:nothing-matches');
    await iot.send(new CreateThingCommand({ thingName: 'manual' }));
    await expectError(
      iot.send(new CreateThingGroupCommand({ thingGroupName: 'dyn-child', parentGroupName: 'dyn-only' })),
      'InvalidRequestException',
      400,
      /dynamic/,
    );
    await expectError(
      iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'dyn-only', thingName: 'manual' })),
      'InvalidRequestException',
      400,
      /dynamic thing group/,
    );
    await expectError(
      iot.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 'dyn-only', thingName: 'manual' })),
      'InvalidRequestException',
      400,
      /dynamic thing group/,
    );
    await iot.send(new CreatePolicyCommand({ policyName: 'dyn-pol', policyDocument: DOC }));
    await expectError(
      iot.send(new AttachPolicyCommand({ policyName: 'dyn-pol', target: groupArn('dyn-only') })),
      'InvalidRequestException',
      400,
    );
  });

  test('update: query change recomputes membership; errors', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'up-x' }));
    await iot.send(new CreateThingCommand({ thingName: 'up-y' }));
    await dynamic('up-dyn', 'thingName:up-x');
    assert.deepEqual(await members('up-dyn'), ['up-x']);
    const r = await iot.send(
      new UpdateDynamicThingGroupCommand({ thingGroupName: 'up-dyn', queryString: 'thingName:up-y', thingGroupProperties: {} }),
    );
    assert.equal(r.version, 2);
    assert.deepEqual(await members('up-dyn'), ['up-y']);
    const d = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'up-dyn' }));
    assert.equal(d.queryString, 'thingName:up-y');
    // Properties of a dynamic group can also be changed with UpdateThingGroup; the query stays.
    const r2 = await iot.send(
      new UpdateThingGroupCommand({ thingGroupName: 'up-dyn', thingGroupProperties: { thingGroupDescription: 'ys' } }),
    );
    assert.equal(r2.version, 3);
    assert.deepEqual(await members('up-dyn'), ['up-y']);

    await expectError(
      iot.send(new UpdateDynamicThingGroupCommand({ thingGroupName: 'up-dyn', expectedVersion: 1, thingGroupProperties: {} })),
      'VersionConflictException',
      409,
    );
    await expectError(
      iot.send(new UpdateDynamicThingGroupCommand({ thingGroupName: 'up-dyn', queryString: 'thingName:[a TO b]', thingGroupProperties: {} })),
      'InvalidQueryException',
      400,
    );
    await expectError(
      iot.send(new UpdateDynamicThingGroupCommand({ thingGroupName: 'up-dyn', indexName: 'Other', thingGroupProperties: {} })),
      'ResourceNotFoundException',
      404,
    );
    await expectError(
      iot.send(new UpdateDynamicThingGroupCommand({ thingGroupName: 'up-ghost', thingGroupProperties: {} })),
      'ResourceNotFoundException',
      404,
    );
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'up-static' }));
    await expectError(
      iot.send(new UpdateDynamicThingGroupCommand({ thingGroupName: 'up-static', thingGroupProperties: {} })),
      'InvalidRequestException',
      400,
      /static/,
    );
    // The failed updates changed nothing.
    assert.deepEqual(await members('up-dyn'), ['up-y']);
  });

  test('delete: missing is 200, static/dynamic mix-ups are InvalidRequest, members are released', async () => {
    await iot.send(new DeleteDynamicThingGroupCommand({ thingGroupName: 'never-was' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'del-static' }));
    await expectError(
      iot.send(new DeleteDynamicThingGroupCommand({ thingGroupName: 'del-static' })),
      'InvalidRequestException',
      400,
      /DeleteThingGroup/,
    );
    await iot.send(new CreateThingCommand({ thingName: 'del-member' }));
    await dynamic('del-dyn', 'thingName:del-member');
    await expectError(
      iot.send(new DeleteThingGroupCommand({ thingGroupName: 'del-dyn' })),
      'InvalidRequestException',
      400,
      /DeleteDynamicThingGroup/,
    );
    await expectError(
      iot.send(new DeleteDynamicThingGroupCommand({ thingGroupName: 'del-dyn', expectedVersion: 9 })),
      'VersionConflictException',
      409,
    );
    assert.deepEqual(await groupsOf('del-member'), ['del-dyn']);
    await iot.send(new DeleteDynamicThingGroupCommand({ thingGroupName: 'del-dyn', expectedVersion: 1 }));
    assert.deepEqual(await groupsOf('del-member'), []);
    await expectError(iot.send(new DescribeThingGroupCommand({ thingGroupName: 'del-dyn' })), 'ResourceNotFoundException', 404);
  });

  test('10-group limit: dynamic groups count; overrideDynamicGroups evicts the newest dynamic group', async () => {
    const c = server.iot('444455556666');
    await c.send(new CreateThingCommand({ thingName: 'full', attributePayload: { attributes: { kind: 'full' } } }));
    for (let i = 0; i < 9; i++) {
      await c.send(new CreateThingGroupCommand({ thingGroupName: `s${i}` }));
      await c.send(new AddThingToThingGroupCommand({ thingGroupName: `s${i}`, thingName: 'full' }));
    }
    await dynamic('dyn-old', 'attributes.kind:full', c);
    server.clock.advance(1); // a later creation time for the newer group
    await dynamic('dyn-new', 'attributes.kind:full', c);
    // Only one slot was left: the older group took it.
    assert.deepEqual(await members('dyn-old', c), ['full']);
    assert.deepEqual(await members('dyn-new', c), []);

    await c.send(new CreateThingGroupCommand({ thingGroupName: 's9' }));
    await expectError(
      c.send(new AddThingToThingGroupCommand({ thingGroupName: 's9', thingName: 'full' })),
      'InvalidRequestException',
      400,
      /overrideDynamicGroups/,
    );
    assert.equal((await groupsOf('full', c)).length, 10);

    // Free a slot so both dynamic groups hold the thing, then override: the newest one is left.
    await c.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 's0', thingName: 'full' }));
    await c.send(new UpdateThingCommand({ thingName: 'full', attributePayload: { attributes: { kind: 'full' } } }));
    await c.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 's1', thingName: 'full' }));
    assert.deepEqual(await members('dyn-new', c), ['full']);
    await c.send(new AddThingToThingGroupCommand({ thingGroupName: 's0', thingName: 'full' }));
    await c.send(new AddThingToThingGroupCommand({ thingGroupName: 's1', thingName: 'full', overrideDynamicGroups: true }));
    assert.deepEqual(await members('dyn-new', c), []);
    assert.deepEqual(await members('dyn-old', c), ['full']);
    await c.send(new AddThingToThingGroupCommand({ thingGroupName: 's9', thingName: 'full', overrideDynamicGroups: true }));
    assert.deepEqual(await members('dyn-old', c), []);
    const groups = await groupsOf('full', c);
    assert.equal(groups.length, 10);
    assert.ok(!groups.includes('dyn-old') && !groups.includes('dyn-new'));

    // While the static memberships keep the thing at 10, changes to it do not bring the dynamic groups back.
    await c.send(new UpdateThingCommand({ thingName: 'full', attributePayload: { attributes: { extra: '1' }, merge: true } }));
    assert.deepEqual(await members('dyn-old', c), []);
    // A freed slot is taken again by the oldest matching dynamic group.
    await c.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 's9', thingName: 'full' }));
    assert.deepEqual(await members('dyn-old', c), ['full']);
    assert.deepEqual(await members('dyn-new', c), []);
    // When a query change makes the thing leave a group, the slot goes to the next matching dynamic group.
    await c.send(
      new UpdateDynamicThingGroupCommand({ thingGroupName: 'dyn-old', queryString: 'thingName:nobody', thingGroupProperties: {} }),
    );
    assert.deepEqual(await members('dyn-old', c), []);
    assert.deepEqual(await members('dyn-new', c), ['full']);
  });

  test('at most 100 dynamic groups per account and region', async () => {
    const c = server.iot('555566667777');
    for (let i = 0; i < 100; i++) await dynamic(`many-${i}`, 'thingName:x', c);
    await expectError(dynamic('many-100', 'thingName:x', c), 'LimitExceededException', 410, /100 dynamic thing groups/);
    // Static groups do not count, and another account has its own quota.
    await c.send(new CreateThingGroupCommand({ thingGroupName: 'static-ok' }));
    await dynamic('many-100', 'thingName:x', server.iot('555566667778'));
    await c.send(new DeleteDynamicThingGroupCommand({ thingGroupName: 'many-0' }));
    await dynamic('many-100', 'thingName:x', c);
  });

  test('accounts are isolated', async () => {
    const a = server.iot('666677778888');
    const b = server.iot('666677779999');
    await a.send(new CreateThingCommand({ thingName: 'iso-thing' }));
    await b.send(new CreateThingCommand({ thingName: 'iso-thing' }));
    await dynamic('iso', 'thingName:iso-*', a);
    assert.deepEqual(await members('iso', a), ['iso-thing']);
    assert.deepEqual(await groupsOf('iso-thing', b), []);
    await expectError(b.send(new DescribeThingGroupCommand({ thingGroupName: 'iso' })), 'ResourceNotFoundException', 404);
    await b.send(new UpdateThingCommand({ thingName: 'iso-thing', attributePayload: { attributes: { z: '1' } } }));
    assert.deepEqual(await groupsOf('iso-thing', b), []);
  });
});

forEachStore('dynamic groups stored by older versions', { server: false }, ({ store: storeKind }) => {
  test('past the new AWS limits they still match; past the safety limits they match nothing', async () => {
    let server = await startTestServer(storeKind);
    const account = '777788881111';
    try {
      let c = server.iot(account);
      const groupsOf = async (thingName: string) =>
        (await c.send(new ListThingGroupsForThingCommand({ thingName, maxResults: 250 }))).thingGroups!.map((g) => g.groupName);
      /** What an older version, which checked no limits, may have stored. */
      const stored: Record<string, string> = {
        'old-13-terms': terms(13),
        'old-2-leading': 'thingName:*my OR thingGroupNames:*echo',
        'old-deep': parens(5000),
        'old-nots': nots(20000),
        'old-depth-25': parens(25),
      };
      for (const thingGroupName of Object.keys(stored))
        await c.send(new CreateDynamicThingGroupCommand({ thingGroupName, queryString: 'thingName:placeholder' }));
      const sql = 'UPDATE thing_groups SET query_string = $1 WHERE account_id = $2 AND group_name = $3';
      if (server.dataFile) {
        // ddlocal holds its SQLite file while it runs: the file is changed with the server stopped.
        const dataFile = server.dataFile;
        await server.close();
        const db = new SQLite(dataFile);
        try {
          for (const [group, query] of Object.entries(stored)) db.prepare(sql.replace(/\$\d/g, '?')).run(query, account, group);
        } finally {
          db.close();
        }
        server = await startTestServer('sqlite', { dataFile });
        c = server.iot(account);
      } else {
        const client = new pg.Client({ connectionString: server.databaseUrl });
        await client.connect();
        try {
          for (const [group, query] of Object.entries(stored)) await client.query(sql, [query, account, group]);
        } finally {
          await client.end();
        }
      }

      await c.send(new CreateThingCommand({ thingName: 'old-a', attributePayload: { attributes: { a12: 'v' } } }));
      await c.send(new CreateThingCommand({ thingName: 'thing-for-my' }));
      await c.send(new CreateThingCommand({ thingName: 'a' }));
      assert.deepEqual(await groupsOf('old-a'), ['old-13-terms']);
      assert.deepEqual(await groupsOf('thing-for-my'), ['old-2-leading']);
      assert.deepEqual(await groupsOf('a'), []);
      await c.send(new UpdateThingCommand({ thingName: 'a', attributePayload: { attributes: { a0: 'v' } } }));
      assert.deepEqual(await groupsOf('a'), ['old-13-terms']);
      // Changing an old group's properties does not re-check its stored query.
      const r = await c.send(
        new UpdateDynamicThingGroupCommand({ thingGroupName: 'old-13-terms', thingGroupProperties: { thingGroupDescription: 'kept' } }),
      );
      assert.equal(r.version, 2);
      const d = await c.send(new DescribeThingGroupCommand({ thingGroupName: 'old-deep' }));
      assert.equal(d.queryString, parens(5000));
      await c.send(new DeleteDynamicThingGroupCommand({ thingGroupName: 'old-deep' }));
    } finally {
      await server.close();
    }
  });
});
