import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateThingCommand,
  DeleteThingCommand,
  DescribeThingCommand,
  ListThingsCommand,
  UpdateThingCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, errorOf, type TestServer } from './helpers/server.js';

forEachStore('things', (suite) => {
  let server: TestServer;
  let iot: IoTClient;
  before(() => ({ server, iot } = suite));

  test('create, describe, idempotent re-create, conflicting re-create', async () => {
    const created = await iot.send(
      new CreateThingCommand({ thingName: 'sensor-1', attributePayload: { attributes: { floor: '2' } } }),
    );
    assert.equal(created.thingArn, 'arn:aws:iot:us-east-1:123456789012:thing/sensor-1');
    assert.match(created.thingId!, /^[0-9a-f-]{36}$/);
    const described = await iot.send(new DescribeThingCommand({ thingName: 'sensor-1' }));
    assert.equal(described.defaultClientId, 'sensor-1');
    assert.deepEqual(described.attributes, { floor: '2' });
    assert.equal(described.version, 1);
    const again = await iot.send(
      new CreateThingCommand({ thingName: 'sensor-1', attributePayload: { attributes: { floor: '2' } } }),
    );
    assert.equal(again.thingId, created.thingId);
    const conflict = await errorOf(() =>
      iot.send(new CreateThingCommand({ thingName: 'sensor-1', attributePayload: { attributes: { floor: '3' } } })),
    );
    assert.equal(conflict.name, 'ResourceAlreadyExistsException');
    assert.equal(conflict.$metadata?.httpStatusCode, 409);
    assert.equal(conflict.resourceId, 'sensor-1');
  });

  test('describe a missing thing is ResourceNotFoundException', async () => {
    const err = await errorOf(() => iot.send(new DescribeThingCommand({ thingName: 'nope' })));
    assert.equal(err.name, 'ResourceNotFoundException');
    assert.equal(err.$metadata?.httpStatusCode, 404);
    assert.match(err.message, /nope/);
  });

  test('update: merge, replace, expectedVersion conflict', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'u1', attributePayload: { attributes: { a: '1', b: '2' } } }));
    await iot.send(
      new UpdateThingCommand({ thingName: 'u1', attributePayload: { attributes: { b: '', c: '3' }, merge: true } }),
    );
    let d = await iot.send(new DescribeThingCommand({ thingName: 'u1' }));
    assert.deepEqual(d.attributes, { a: '1', c: '3' });
    assert.equal(d.version, 2);
    await iot.send(new UpdateThingCommand({ thingName: 'u1', attributePayload: { attributes: { z: '9' } } }));
    d = await iot.send(new DescribeThingCommand({ thingName: 'u1' }));
    assert.deepEqual(d.attributes, { z: '9' });
    const err = await errorOf(() => iot.send(new UpdateThingCommand({ thingName: 'u1', expectedVersion: 1 })));
    assert.equal(err.name, 'VersionConflictException');
    assert.equal(err.$metadata?.httpStatusCode, 409);
  });

  test('at most 3 attributes without a thing type', async () => {
    const err = await errorOf(() =>
      iot.send(
        new CreateThingCommand({ thingName: 'many', attributePayload: { attributes: { a: '1', b: '2', c: '3', d: '4' } } }),
      ),
    );
    assert.equal(err.name, 'InvalidRequestException');
    assert.match(err.message, /at most 3/);
  });

  test('unknown thing type is ResourceNotFoundException; billing groups are refused', async () => {
    const err = await errorOf(() => iot.send(new CreateThingCommand({ thingName: 'typed', thingTypeName: 'nope' })));
    assert.equal(err.name, 'ResourceNotFoundException');
    const billing = await errorOf(() => iot.send(new CreateThingCommand({ thingName: 'b', billingGroupName: 'bg' })));
    assert.equal(billing.name, 'InvalidRequestException');
    assert.match(billing.message, /billing groups/);
  });

  test('delete is idempotent and checks expectedVersion', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'd1' }));
    const err = await errorOf(() => iot.send(new DeleteThingCommand({ thingName: 'd1', expectedVersion: 7 })));
    assert.equal(err.name, 'VersionConflictException');
    await iot.send(new DeleteThingCommand({ thingName: 'd1', expectedVersion: 1 }));
    await iot.send(new DeleteThingCommand({ thingName: 'd1' }));
    const gone = await errorOf(() => iot.send(new DescribeThingCommand({ thingName: 'd1' })));
    assert.equal(gone.name, 'ResourceNotFoundException');
  });

  test('list pages through every thing exactly once, with attribute filters', async () => {
    const names = Array.from({ length: 23 }, (_, i) => `page-${String(i).padStart(2, '0')}`);
    for (const [i, name] of names.entries())
      await iot.send(new CreateThingCommand({ thingName: name, attributePayload: { attributes: { kind: i % 2 ? 'odd' : 'even', serial: `sn${i}` } } }));
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await iot.send(new ListThingsCommand({ maxResults: 5, nextToken, attributeName: 'kind' }));
      seen.push(...page.things!.map((t) => t.thingName!));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    assert.deepEqual(seen, names);
    assert.equal(pages, 5);
    const odd = await iot.send(new ListThingsCommand({ attributeName: 'kind', attributeValue: 'odd', maxResults: 100 }));
    assert.equal(odd.things!.length, 11);
    const prefix = await iot.send(
      new ListThingsCommand({ attributeName: 'serial', attributeValue: 'sn1', usePrefixAttributeValue: true }),
    );
    assert.deepEqual(prefix.things!.map((t) => t.thingName).sort(), ['page-01', 'page-10', 'page-11', 'page-12', 'page-13', 'page-14', 'page-15', 'page-16', 'page-17', 'page-18', 'page-19']);
  });

  test('a token issued for other filters is refused', async () => {
    const first = await iot.send(new ListThingsCommand({ maxResults: 1 }));
    assert.ok(first.nextToken);
    const err = await errorOf(() => iot.send(new ListThingsCommand({ maxResults: 1, nextToken: first.nextToken, attributeName: 'kind' })));
    assert.equal(err.name, 'InvalidRequestException');
    assert.match(err.message, /nextToken is invalid/);
  });

  test('accounts and regions cannot see each other', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'private-thing' }));
    const other = server.iot('210987654321');
    const err = await errorOf(() => other.send(new DescribeThingCommand({ thingName: 'private-thing' })));
    assert.equal(err.name, 'ResourceNotFoundException');
    const otherRegion = server.iot('123456789012', 'eu-west-1');
    const list = await otherRegion.send(new ListThingsCommand({}));
    assert.deepEqual(list.things, []);
    const created = await other.send(new CreateThingCommand({ thingName: 'private-thing' }));
    assert.equal(created.thingArn, 'arn:aws:iot:us-east-1:210987654321:thing/private-thing');
  });
});
