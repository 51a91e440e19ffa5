// Regression: a dynamic group whose query has many `*` wildcards must not freeze the server. Term values used to be
// matched with a backtracking RegExp, so one CreateThing with a long name against `*a*a…*b` kept the event loop busy
// for minutes, and every later CreateThing/UpdateThing in the account did it again. The server runs as a child
// process, so this test's own event loop stays free to time the health probes and give up on a frozen server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateDynamicThingGroupCommand,
  CreateThingCommand,
  ListThingGroupsForThingCommand,
  ListThingsInThingGroupCommand,
  UpdateThingCommand,
} from '@aws-sdk/client-iot';
import { forEachStore, iotClient } from './helpers/server.js';
import { startChildServer, whileProbingHealth, type ChildServer } from './helpers/responsiveness.js';

/** Twelve `*` before a `b`: a backtracking matcher tries every way to split a 128-character name among them. */
const QUERY = 'thingName:*a*a*a*a*a*a*a*a*a*a*a*a*b';
const NOT_MEMBER = 'a'.repeat(128);
const MEMBER = `${'a'.repeat(127)}b`;
const REQUEST_TIMEOUT_MS = 15_000;

forEachStore('dynamic group wildcards do not block the server', { server: false }, ({ store: storeKind }) => {
  let server: ChildServer;
  before(async () => {
    server = await startChildServer(storeKind);
  });
  after(() => server.close());

  test('CreateThing and UpdateThing with 128-character names against a 12-wildcard query', { timeout: 120_000 }, async () => {
    const iot = iotClient(server.url);
    const opts = () => ({ abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: 'many-wildcards', queryString: QUERY }), opts());

    await whileProbingHealth(server.url, iot.send(new CreateThingCommand({ thingName: NOT_MEMBER }), opts()));
    await whileProbingHealth(server.url, iot.send(new CreateThingCommand({ thingName: MEMBER }), opts()));
    await whileProbingHealth(
      server.url,
      iot.send(new UpdateThingCommand({ thingName: NOT_MEMBER, attributePayload: { attributes: { touched: 'yes' } } }), opts()),
    );

    const members = await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'many-wildcards' }), opts());
    assert.deepEqual(members.things, [MEMBER]);
    const groups = await iot.send(new ListThingGroupsForThingCommand({ thingName: NOT_MEMBER }), opts());
    assert.deepEqual(groups.thingGroups, []);
  });
});
