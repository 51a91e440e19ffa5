// Four places where ddlocal answered differently from AWS, found by running moto's own AWS IoT test suite against
// it (moto copies AWS's messages): ListRoleAliases ordering and three error messages scripts match on. Each test
// drives the real server with the official AWS SDK on both stores.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleAliasCommand,
  CreateThingCommand,
  DeletePolicyCommand,
  DeleteThingCommand,
  DescribeThingCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  GetPolicyCommand,
  ListRoleAliasesCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, errorOf, type TestServer } from './helpers/server.js';

const ROLE = 'arn:aws:iam::123456789012:role/fidelity';
const DOCUMENT = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] });

forEachStore('AWS fidelity', (suite) => {
  let server: TestServer;
  let iot: IoTClient;
  before(() => ({ server, iot } = suite));

  test('ListRoleAliases is alphabetical ascending by default and descending with ascendingOrder=false', async () => {
    const client = server.iot('300000000001');
    // Created out of name order, with time passing between them, so creation order and name order disagree.
    for (const name of ['bravo', 'alpha', 'delta', 'Charlie', 'echo']) {
      await client.send(new CreateRoleAliasCommand({ roleAlias: name, roleArn: ROLE }));
      server.clock.advance(1000);
    }
    const sorted = ['Charlie', 'alpha', 'bravo', 'delta', 'echo']; // code-point order: upper case first
    assert.deepEqual((await client.send(new ListRoleAliasesCommand({}))).roleAliases, sorted);
    assert.deepEqual((await client.send(new ListRoleAliasesCommand({ ascendingOrder: true }))).roleAliases, sorted);
    assert.deepEqual((await client.send(new ListRoleAliasesCommand({ ascendingOrder: false }))).roleAliases, [...sorted].reverse());

    // Paged in both directions without gaps or repeats.
    for (const ascendingOrder of [undefined, false]) {
      const seen: string[] = [];
      let marker: string | undefined;
      do {
        const page = await client.send(new ListRoleAliasesCommand({ pageSize: 2, marker, ascendingOrder }));
        seen.push(...page.roleAliases!);
        marker = page.nextMarker;
      } while (marker);
      assert.deepEqual(seen, ascendingOrder === false ? [...sorted].reverse() : sorted);
    }
  });

  test('DeleteThing with an attached principal: InvalidRequestException with AWS\'s message', async () => {
    await iot.send(new CreateThingCommand({ thingName: 'fidelity-thing' }));
    const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: 'fidelity-thing', principal: cert.certificateArn! }));
    const err = await errorOf(() => iot.send(new DeleteThingCommand({ thingName: 'fidelity-thing' })));
    assert.equal(err.name, 'InvalidRequestException');
    assert.equal(err.$metadata?.httpStatusCode, 400);
    assert.equal(err.message, 'Cannot delete. Thing fidelity-thing is still attached to one or more principals');
    await iot.send(new DescribeThingCommand({ thingName: 'fidelity-thing' })); // still there
    await iot.send(new DetachThingPrincipalCommand({ thingName: 'fidelity-thing', principal: cert.certificateArn! }));
    await iot.send(new DeleteThingCommand({ thingName: 'fidelity-thing' }));
  });

  test('CreatePolicy on a taken name: ResourceAlreadyExistsException with AWS\'s message', async () => {
    const first = await iot.send(new CreatePolicyCommand({ policyName: 'fidelity-taken', policyDocument: DOCUMENT }));
    const err = await errorOf(() => iot.send(new CreatePolicyCommand({ policyName: 'fidelity-taken', policyDocument: DOCUMENT })));
    assert.equal(err.name, 'ResourceAlreadyExistsException');
    assert.equal(err.$metadata?.httpStatusCode, 409);
    assert.equal(err.message, 'Policy cannot be created - name already exists (name=fidelity-taken)');
    assert.equal(err.resourceId, 'fidelity-taken');
    assert.equal(err.resourceArn, first.policyArn);
  });

  test('DeletePolicy while attached: DeleteConflictException with AWS\'s message, before the version check', async () => {
    await iot.send(new CreatePolicyCommand({ policyName: 'fidelity-attached', policyDocument: DOCUMENT }));
    const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: false }));
    await iot.send(new AttachPolicyCommand({ policyName: 'fidelity-attached', target: cert.certificateArn! }));
    const expected = 'The policy cannot be deleted as the policy is attached to one or more principals (name=fidelity-attached)';
    const err = await errorOf(() => iot.send(new DeletePolicyCommand({ policyName: 'fidelity-attached' })));
    assert.equal(err.name, 'DeleteConflictException');
    assert.equal(err.$metadata?.httpStatusCode, 409);
    assert.equal(err.message, expected);
    // With a second version as well, the attachment is still what is reported, as AWS (and moto) check it first.
    await iot.send(new CreatePolicyVersionCommand({ policyName: 'fidelity-attached', policyDocument: DOCUMENT }));
    assert.equal((await errorOf(() => iot.send(new DeletePolicyCommand({ policyName: 'fidelity-attached' })))).message, expected);
    await iot.send(new DetachPolicyCommand({ policyName: 'fidelity-attached', target: cert.certificateArn! }));
    const versions = await errorOf(() => iot.send(new DeletePolicyCommand({ policyName: 'fidelity-attached' })));
    assert.equal(versions.name, 'DeleteConflictException');
    assert.match(versions.message, /non-default version/);
    await iot.send(new GetPolicyCommand({ policyName: 'fidelity-attached' })); // nothing was deleted
  });
});
