// Thing types over real HTTP with the official SDK, on SQLite and PostgreSQL: CRUD, deprecation and the 5-minute
// deletion rule on ddlocal's clock, how CreateThing/UpdateThing treat unknown and deprecated types, paging, tags and
// account isolation.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateThingCommand,
  CreateThingTypeCommand,
  DeleteThingCommand,
  DeleteThingTypeCommand,
  DeprecateThingTypeCommand,
  DescribeThingTypeCommand,
  ListTagsForResourceCommand,
  ListThingTypesCommand,
  UpdateThingCommand,
  UpdateThingTypeCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, errorOf, type TestServer } from './helpers/server.js';

const typeArn = (name: string, account = '123456789012') => `arn:aws:iot:us-east-1:${account}:thingtype/${name}`;

async function expectError(promise: Promise<unknown>, name: string, status: number, message?: RegExp) {
  const err = await errorOf(() => promise);
  assert.equal(err.name, name, err.message);
  assert.equal(err.$metadata?.httpStatusCode, status);
  if (message) assert.match(err.message, message);
  return err;
}

const attributes = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, String(i)]));

forEachStore('thing types', (suite) => {
  let server: TestServer;
  let iot: IoTClient;
  before(() => ({ server, iot } = suite));

  const deprecate = (thingTypeName: string, undoDeprecate?: boolean) =>
    iot.send(new DeprecateThingTypeCommand({ thingTypeName, undoDeprecate }));

  test('create, describe, tags; an existing name is ResourceAlreadyExistsException', async () => {
    const before = server.clock.now();
    const created = await iot.send(
      new CreateThingTypeCommand({
        thingTypeName: 'camera',
        thingTypeProperties: { thingTypeDescription: 'IP cameras', searchableAttributes: ['model', 'site'] },
        tags: [{ Key: 'owner', Value: 'video' }],
      }),
    );
    assert.equal(created.thingTypeArn, typeArn('camera'));
    assert.match(created.thingTypeId!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const d = await iot.send(new DescribeThingTypeCommand({ thingTypeName: 'camera' }));
    assert.equal(d.thingTypeId, created.thingTypeId);
    assert.equal(d.thingTypeArn, typeArn('camera'));
    assert.deepEqual(d.thingTypeProperties, { thingTypeDescription: 'IP cameras', searchableAttributes: ['model', 'site'] });
    assert.equal(d.thingTypeMetadata?.deprecated, false);
    assert.equal(d.thingTypeMetadata?.deprecationDate, undefined);
    assert.ok(Math.abs(d.thingTypeMetadata!.creationDate!.getTime() - before) < 5000);
    const tags = await iot.send(new ListTagsForResourceCommand({ resourceArn: typeArn('camera') }));
    assert.deepEqual(tags.tags, [{ Key: 'owner', Value: 'video' }]);

    const err = await expectError(iot.send(new CreateThingTypeCommand({ thingTypeName: 'camera' })), 'ResourceAlreadyExistsException', 409, /camera/);
    assert.equal(err.resourceId, 'camera');
    assert.equal(err.resourceArn, typeArn('camera'));
  });

  test('at most 3 searchable attributes; malformed propagating attributes', async () => {
    await expectError(
      iot.send(
        new CreateThingTypeCommand({ thingTypeName: 'too-searchable', thingTypeProperties: { searchableAttributes: ['a', 'b', 'c', 'd'] } }),
      ),
      'InvalidRequestException',
      400,
      /at most 3/,
    );
    await expectError(
      iot.send(
        new CreateThingTypeCommand({
          thingTypeName: 'bad-mqtt5',
          thingTypeProperties: { mqtt5Configuration: { propagatingAttributes: [{ userPropertyKey: 'k' }] } },
        }),
      ),
      'InvalidRequestException',
      400,
      /exactly one of thingAttribute and connectionAttribute/,
    );
    await expectError(iot.send(new DescribeThingTypeCommand({ thingTypeName: 'too-searchable' })), 'ResourceNotFoundException', 404);
  });

  test('describe / update / deprecate / delete of a missing type is ResourceNotFoundException', async () => {
    await expectError(iot.send(new DescribeThingTypeCommand({ thingTypeName: 'ghost' })), 'ResourceNotFoundException', 404, /ghost/);
    await expectError(iot.send(new UpdateThingTypeCommand({ thingTypeName: 'ghost', thingTypeProperties: {} })), 'ResourceNotFoundException', 404);
    await expectError(deprecate('ghost'), 'ResourceNotFoundException', 404);
    await expectError(iot.send(new DeleteThingTypeCommand({ thingTypeName: 'ghost' })), 'ResourceNotFoundException', 404);
  });

  test('update replaces the given properties and keeps the others', async () => {
    await iot.send(
      new CreateThingTypeCommand({
        thingTypeName: 'meter',
        thingTypeProperties: { thingTypeDescription: 'meters', searchableAttributes: ['serial'] },
      }),
    );
    await iot.send(
      new UpdateThingTypeCommand({
        thingTypeName: 'meter',
        thingTypeProperties: {
          mqtt5Configuration: {
            propagatingAttributes: [
              { userPropertyKey: 'serial', thingAttribute: 'serial' },
              { userPropertyKey: 'client', connectionAttribute: 'iot:ClientId' },
            ],
          },
        },
      }),
    );
    const d = await iot.send(new DescribeThingTypeCommand({ thingTypeName: 'meter' }));
    assert.deepEqual(d.thingTypeProperties, {
      thingTypeDescription: 'meters',
      searchableAttributes: ['serial'],
      mqtt5Configuration: {
        propagatingAttributes: [
          { userPropertyKey: 'serial', thingAttribute: 'serial' },
          { userPropertyKey: 'client', connectionAttribute: 'iot:ClientId' },
        ],
      },
    });
    await expectError(
      iot.send(
        new UpdateThingTypeCommand({ thingTypeName: 'meter', thingTypeProperties: { searchableAttributes: ['a', 'b', 'c', 'd'] } }),
      ),
      'InvalidRequestException',
      400,
    );
    assert.deepEqual((await iot.send(new DescribeThingTypeCommand({ thingTypeName: 'meter' }))).thingTypeProperties?.searchableAttributes, [
      'serial',
    ]);
  });

  test('things: unknown type is ResourceNotFoundException, deprecated type is InvalidRequestException', async () => {
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'old-model' }));
    await iot.send(new CreateThingCommand({ thingName: 'old-1', thingTypeName: 'old-model' }));
    await iot.send(new CreateThingCommand({ thingName: 'untyped' }));
    await expectError(
      iot.send(new CreateThingCommand({ thingName: 'x', thingTypeName: 'no-such-type' })),
      'ResourceNotFoundException',
      404,
      /no-such-type/,
    );
    await expectError(
      iot.send(new UpdateThingCommand({ thingName: 'untyped', thingTypeName: 'no-such-type' })),
      'ResourceNotFoundException',
      404,
    );

    await deprecate('old-model');
    const d = await iot.send(new DescribeThingTypeCommand({ thingTypeName: 'old-model' }));
    assert.equal(d.thingTypeMetadata?.deprecated, true);
    assert.ok(d.thingTypeMetadata?.deprecationDate instanceof Date);
    await expectError(
      iot.send(new CreateThingCommand({ thingName: 'old-2', thingTypeName: 'old-model' })),
      'InvalidRequestException',
      400,
      /deprecated/,
    );
    await expectError(
      iot.send(new UpdateThingCommand({ thingName: 'untyped', thingTypeName: 'old-model' })),
      'InvalidRequestException',
      400,
      /deprecated/,
    );
    // A thing that already has the type keeps working.
    await iot.send(new UpdateThingCommand({ thingName: 'old-1', thingTypeName: 'old-model', attributePayload: { attributes: { a: '1' } } }));

    await deprecate('old-model', true);
    const undone = await iot.send(new DescribeThingTypeCommand({ thingTypeName: 'old-model' }));
    assert.equal(undone.thingTypeMetadata?.deprecated, false);
    assert.equal(undone.thingTypeMetadata?.deprecationDate, undefined);
    await iot.send(new CreateThingCommand({ thingName: 'old-2', thingTypeName: 'old-model' }));
  });

  test('a thing with a type may have 50 attributes, without one 3', async () => {
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'rich' }));
    await iot.send(new CreateThingCommand({ thingName: 'rich-1', thingTypeName: 'rich', attributePayload: { attributes: attributes(50) } }));
    await expectError(
      iot.send(new CreateThingCommand({ thingName: 'rich-2', thingTypeName: 'rich', attributePayload: { attributes: attributes(51) } })),
      'InvalidRequestException',
      400,
      /at most 50/,
    );
    await expectError(
      iot.send(new UpdateThingCommand({ thingName: 'rich-1', removeThingType: true })),
      'InvalidRequestException',
      400,
      /at most 3/,
    );
  });

  test('delete: only after 5 minutes of deprecation and when no thing uses the type', async () => {
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'retiring', tags: [{ Key: 'k', Value: 'v' }] }));
    await iot.send(new CreateThingCommand({ thingName: 'retiree', thingTypeName: 'retiring' }));
    await expectError(
      iot.send(new DeleteThingTypeCommand({ thingTypeName: 'retiring' })),
      'InvalidRequestException',
      400,
      /not deprecated/,
    );
    await deprecate('retiring');
    const deprecatedAt = (await iot.send(new DescribeThingTypeCommand({ thingTypeName: 'retiring' }))).thingTypeMetadata!.deprecationDate!;
    server.clock.advance(4 * 60);
    await expectError(
      iot.send(new DeleteThingTypeCommand({ thingTypeName: 'retiring' })),
      'InvalidRequestException',
      400,
      /less than 5 minutes/,
    );
    // Deprecating again does not restart the wait.
    await deprecate('retiring');
    assert.equal(
      (await iot.send(new DescribeThingTypeCommand({ thingTypeName: 'retiring' }))).thingTypeMetadata!.deprecationDate!.getTime(),
      deprecatedAt.getTime(),
    );
    server.clock.advance(61);
    await expectError(
      iot.send(new DeleteThingTypeCommand({ thingTypeName: 'retiring' })),
      'InvalidRequestException',
      400,
      /retiree/,
    );
    await iot.send(new DeleteThingCommand({ thingName: 'retiree' }));
    await iot.send(new DeleteThingTypeCommand({ thingTypeName: 'retiring' }));
    await expectError(iot.send(new DescribeThingTypeCommand({ thingTypeName: 'retiring' })), 'ResourceNotFoundException', 404);
    await expectError(
      iot.send(new ListTagsForResourceCommand({ resourceArn: typeArn('retiring') })),
      'ResourceNotFoundException',
      404,
    );
    // The name is free again, without the old tags or deprecation.
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'retiring' }));
    assert.deepEqual((await iot.send(new ListTagsForResourceCommand({ resourceArn: typeArn('retiring') }))).tags, []);
    assert.equal((await iot.send(new DescribeThingTypeCommand({ thingTypeName: 'retiring' }))).thingTypeMetadata?.deprecated, false);
  });

  test('undoDeprecate cancels the deletion wait', async () => {
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'flip' }));
    await deprecate('flip');
    server.clock.advance(10 * 60);
    await deprecate('flip', true);
    await deprecate('flip');
    await expectError(iot.send(new DeleteThingTypeCommand({ thingTypeName: 'flip' })), 'InvalidRequestException', 400, /less than 5 minutes/);
  });

  test('list pages through every type once, in name order; thingTypeName filter', async () => {
    const lister = server.iot('777788889999');
    const names = Array.from({ length: 12 }, (_, i) => `tt-${String(i).padStart(2, '0')}`);
    for (const name of [...names].reverse()) await lister.send(new CreateThingTypeCommand({ thingTypeName: name }));
    await lister.send(new DeprecateThingTypeCommand({ thingTypeName: 'tt-03' }));
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await lister.send(new ListThingTypesCommand({ maxResults: 5, nextToken }));
      for (const t of page.thingTypes!) {
        seen.push(t.thingTypeName!);
        assert.equal(t.thingTypeArn, typeArn(t.thingTypeName!, '777788889999'));
        assert.equal(t.thingTypeMetadata?.deprecated, t.thingTypeName === 'tt-03');
      }
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    assert.deepEqual(seen, names);
    assert.equal(pages, 3);
    const one = await lister.send(new ListThingTypesCommand({ thingTypeName: 'tt-07' }));
    assert.deepEqual(one.thingTypes!.map((t) => t.thingTypeName), ['tt-07']);
    assert.equal(one.nextToken, undefined);
    const first = await lister.send(new ListThingTypesCommand({ maxResults: 1 }));
    await expectError(
      lister.send(new ListThingTypesCommand({ maxResults: 1, thingTypeName: 'tt-07', nextToken: first.nextToken })),
      'InvalidRequestException',
      400,
      /nextToken is invalid/,
    );
  });

  test('accounts are isolated', async () => {
    await iot.send(new CreateThingTypeCommand({ thingTypeName: 'private-type' }));
    const other = server.iot('210987654321');
    await expectError(other.send(new DescribeThingTypeCommand({ thingTypeName: 'private-type' })), 'ResourceNotFoundException', 404);
    await expectError(
      other.send(new CreateThingCommand({ thingName: 't', thingTypeName: 'private-type' })),
      'ResourceNotFoundException',
      404,
    );
    assert.deepEqual((await other.send(new ListThingTypesCommand({}))).thingTypes, []);
    const created = await other.send(new CreateThingTypeCommand({ thingTypeName: 'private-type' }));
    assert.equal(created.thingTypeArn, typeArn('private-type', '210987654321'));
    await other.send(new DeprecateThingTypeCommand({ thingTypeName: 'private-type' }));
    assert.equal((await iot.send(new DescribeThingTypeCommand({ thingTypeName: 'private-type' }))).thingTypeMetadata?.deprecated, false);
  });
});
