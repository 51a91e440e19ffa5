// Thing principals through the official SDK against a real server.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachThingPrincipalCommand,
  CreateThingCommand,
  DetachThingPrincipalCommand,
  ListPrincipalThingsCommand,
  ListPrincipalThingsV2Command,
  ListThingPrincipalsCommand,
  ListThingPrincipalsV2Command,
  RegisterCertificateWithoutCACommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, errorOf, type TestServer } from './helpers/server.js';
import { makeEcCertificate } from './helpers/certs.js';

const REGION = 'us-east-1';
const COGNITO = (n: number) => `us-east-1:0000000${n}-1111-2222-3333-444444444444`;

function assertError(err: { name: string; $metadata?: { httpStatusCode?: number }; message: string }, name: string, status: number, message?: RegExp) {
  assert.equal(err.name, name, err.message);
  assert.equal(err.$metadata?.httpStatusCode, status);
  if (message) assert.match(err.message, message);
}

/** Registers a fresh certificate (INACTIVE: any status may be attached) and returns its ARN. */
async function newCertificateArn(iot: IoTClient, account: string): Promise<string> {
  const cert = await makeEcCertificate();
  await iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: cert.pem }));
  return `arn:aws:iot:${REGION}:${account}:cert/${cert.id}`;
}

forEachStore('thing principals', (suite) => {
  let server: TestServer;
  before(() => ({ server } = suite));

  test('attach, list both ways, detach; certificate ids in ARNs are case-insensitive', async () => {
    const account = '200000000001';
    const iot = server.iot(account);
    const arn = await newCertificateArn(iot, account);
    await iot.send(new CreateThingCommand({ thingName: 'lamp' }));
    const upper = arn.replace(/cert\/(.+)$/, (_m, id: string) => `cert/${id.toUpperCase()}`);
    await iot.send(new AttachThingPrincipalCommand({ thingName: 'lamp', principal: upper }));
    assert.deepEqual((await iot.send(new ListThingPrincipalsCommand({ thingName: 'lamp' }))).principals, [arn]);
    const v2 = await iot.send(new ListThingPrincipalsV2Command({ thingName: 'lamp' }));
    assert.deepEqual(v2.thingPrincipalObjects, [{ principal: arn, thingPrincipalType: 'NON_EXCLUSIVE_THING' }]);
    assert.deepEqual((await iot.send(new ListPrincipalThingsCommand({ principal: arn }))).things, ['lamp']);
    const things2 = await iot.send(new ListPrincipalThingsV2Command({ principal: upper }));
    assert.deepEqual(things2.principalThingObjects, [{ thingName: 'lamp', thingPrincipalType: 'NON_EXCLUSIVE_THING' }]);
    // attaching again is fine and only updates the type
    await iot.send(new AttachThingPrincipalCommand({ thingName: 'lamp', principal: arn, thingPrincipalType: 'EXCLUSIVE_THING' }));
    const typed = await iot.send(new ListThingPrincipalsV2Command({ thingName: 'lamp' }));
    assert.deepEqual(typed.thingPrincipalObjects, [{ principal: arn, thingPrincipalType: 'EXCLUSIVE_THING' }]);
    await iot.send(new DetachThingPrincipalCommand({ thingName: 'lamp', principal: upper }));
    assert.deepEqual((await iot.send(new ListThingPrincipalsCommand({ thingName: 'lamp' }))).principals, []);
    assert.deepEqual((await iot.send(new ListPrincipalThingsCommand({ principal: arn }))).things, []);
    // detaching what is not attached is 200
    await iot.send(new DetachThingPrincipalCommand({ thingName: 'lamp', principal: arn }));
  });

  test('exclusive attachments', async () => {
    const account = '200000000002';
    const iot = server.iot(account);
    const arn = await newCertificateArn(iot, account);
    for (const name of ['a', 'b', 'c']) await iot.send(new CreateThingCommand({ thingName: name }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: 'a', principal: arn }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: 'b', principal: arn }));
    // exclusive needs a principal no other thing has
    assertError(
      await errorOf(() => iot.send(new AttachThingPrincipalCommand({ thingName: 'a', principal: arn, thingPrincipalType: 'EXCLUSIVE_THING' }))),
      'InvalidRequestException',
      400,
      /already attached to thing b/,
    );
    await iot.send(new DetachThingPrincipalCommand({ thingName: 'b', principal: arn }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: 'a', principal: arn, thingPrincipalType: 'EXCLUSIVE_THING' }));
    // while exclusive, no other thing may take it
    assertError(
      await errorOf(() => iot.send(new AttachThingPrincipalCommand({ thingName: 'c', principal: arn }))),
      'InvalidRequestException',
      400,
      /exclusively to thing a/,
    );
    const filtered = await iot.send(new ListPrincipalThingsV2Command({ principal: arn, thingPrincipalType: 'NON_EXCLUSIVE_THING' }));
    assert.deepEqual(filtered.principalThingObjects, []);
    const exclusive = await iot.send(new ListPrincipalThingsV2Command({ principal: arn, thingPrincipalType: 'EXCLUSIVE_THING' }));
    assert.deepEqual(exclusive.principalThingObjects, [{ thingName: 'a', thingPrincipalType: 'EXCLUSIVE_THING' }]);
  });

  test('missing things and certificates, foreign and malformed principals', async () => {
    const account = '200000000003';
    const iot = server.iot(account);
    const arn = await newCertificateArn(iot, account);
    await iot.send(new CreateThingCommand({ thingName: 'here' }));
    assertError(
      await errorOf(() => iot.send(new AttachThingPrincipalCommand({ thingName: 'nowhere', principal: arn }))),
      'ResourceNotFoundException',
      404,
      /nowhere/,
    );
    const missingCert = `arn:aws:iot:${REGION}:${account}:cert/${'0'.repeat(64)}`;
    assertError(
      await errorOf(() => iot.send(new AttachThingPrincipalCommand({ thingName: 'here', principal: missingCert }))),
      'ResourceNotFoundException',
      404,
    );
    assertError(
      await errorOf(() => iot.send(new ListPrincipalThingsCommand({ principal: missingCert }))),
      'ResourceNotFoundException',
      404,
    );
    // the same certificate seen from another account is not there
    const other = server.iot('200000000004');
    await other.send(new CreateThingCommand({ thingName: 'here' }));
    assertError(
      await errorOf(() => other.send(new AttachThingPrincipalCommand({ thingName: 'here', principal: arn }))),
      'ResourceNotFoundException',
      404,
    );
    assertError(
      await errorOf(() => other.send(new ListPrincipalThingsV2Command({ principal: arn }))),
      'ResourceNotFoundException',
      404,
    );
    assertError(
      await errorOf(() => iot.send(new AttachThingPrincipalCommand({ thingName: 'here', principal: 'not-a-principal' }))),
      'InvalidRequestException',
      400,
      /not-a-principal/,
    );
    assertError(
      await errorOf(() => iot.send(new DetachThingPrincipalCommand({ thingName: 'nowhere', principal: arn }))),
      'ResourceNotFoundException',
      404,
    );
    assertError(
      await errorOf(() => iot.send(new ListThingPrincipalsCommand({ thingName: 'nowhere' }))),
      'ResourceNotFoundException',
      404,
    );
    assertError(
      await errorOf(() => iot.send(new ListThingPrincipalsV2Command({ thingName: 'nowhere' }))),
      'ResourceNotFoundException',
      404,
    );
  });

  test('Cognito identities are principals without an existence check; lists page without gaps', async () => {
    const account = '200000000005';
    const iot = server.iot(account);
    await iot.send(new CreateThingCommand({ thingName: 'hub' }));
    const principals = [COGNITO(3), COGNITO(1), await newCertificateArn(iot, account), COGNITO(2), COGNITO(5)];
    for (const principal of principals) await iot.send(new AttachThingPrincipalCommand({ thingName: 'hub', principal }));
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await iot.send(new ListThingPrincipalsCommand({ thingName: 'hub', maxResults: 2, nextToken }));
      seen.push(...page.principals!);
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    assert.deepEqual(seen, [...principals].sort());
    assert.equal(pages, 3);
    const v2: string[] = [];
    do {
      const page = await iot.send(new ListThingPrincipalsV2Command({ thingName: 'hub', maxResults: 3, nextToken }));
      v2.push(...page.thingPrincipalObjects!.map((o) => o.principal!));
      nextToken = page.nextToken;
    } while (nextToken);
    assert.deepEqual(v2, [...principals].sort());

    // one Cognito identity on several things, paged by thing name
    const names = ['t-4', 't-1', 't-3', 't-2', 't-5'];
    for (const thingName of names) {
      await iot.send(new CreateThingCommand({ thingName }));
      await iot.send(new AttachThingPrincipalCommand({ thingName, principal: COGNITO(7) }));
    }
    const things: string[] = [];
    pages = 0;
    do {
      const page = await iot.send(new ListPrincipalThingsCommand({ principal: COGNITO(7), maxResults: 2, nextToken }));
      things.push(...page.things!);
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    assert.deepEqual(things, [...names].sort());
    assert.equal(pages, 3);
    const things2: string[] = [];
    do {
      const page = await iot.send(new ListPrincipalThingsV2Command({ principal: COGNITO(7), maxResults: 4, nextToken }));
      things2.push(...page.principalThingObjects!.map((o) => o.thingName!));
      nextToken = page.nextToken;
    } while (nextToken);
    assert.deepEqual(things2, [...names].sort());
    // a token belongs to the list it came from
    const first = await iot.send(new ListPrincipalThingsCommand({ principal: COGNITO(7), maxResults: 2 }));
    assertError(
      await errorOf(() => iot.send(new ListPrincipalThingsCommand({ principal: COGNITO(1), nextToken: first.nextToken }))),
      'InvalidRequestException',
      400,
      /nextToken is invalid/,
    );
  });
});
