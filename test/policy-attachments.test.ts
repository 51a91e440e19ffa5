// Policy attachments over real HTTP with the official SDK, on SQLite and PostgreSQL: Cognito identity, certificate and
// thing-group targets, the 10-policy limit (docs/decisions.md#r11), recursive listing, paging, and the deprecated
// principal-policy operations.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachPolicyCommand,
  AttachPrincipalPolicyCommand,
  CreateDynamicThingGroupCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateThingGroupCommand,
  DeleteCertificateCommand,
  DeletePolicyCommand,
  DeleteThingGroupCommand,
  DetachPolicyCommand,
  DetachPrincipalPolicyCommand,
  ListAttachedPoliciesCommand,
  ListPolicyPrincipalsCommand,
  ListPrincipalPoliciesCommand,
  ListTargetsForPolicyCommand,
  UpdateCertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, errorOf, type TestServer } from './helpers/server.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] });
const policyArn = (name: string, account = ACCOUNT) => `arn:aws:iot:${REGION}:${account}:policy/${name}`;
const groupArn = (name: string) => `arn:aws:iot:${REGION}:${ACCOUNT}:thinggroup/${name}`;
let uuidCounter = 0;
/** A fresh, syntactically valid Cognito identity id. */
const cognito = () => `${REGION}:00000000-0000-4000-8000-${String(++uuidCounter).padStart(12, '0')}`;

async function expectError(promise: Promise<unknown>, name: string, status: number, message?: RegExp) {
  const err = await errorOf(() => promise);
  assert.equal(err.name, name, err.message);
  assert.equal(err.$metadata?.httpStatusCode, status);
  if (message) assert.match(err.message, message);
  return err;
}

forEachStore('policy attachments', (suite) => {
  let server: TestServer;
  let iot: IoTClient;
  before(() => ({ server, iot } = suite));

  const createPolicies = async (client: IoTClient, ...names: string[]) => {
    for (const policyName of names) await client.send(new CreatePolicyCommand({ policyName, policyDocument: DOC }));
  };
  const attachedTo = async (target: string, recursive?: boolean) =>
    (await iot.send(new ListAttachedPoliciesCommand({ target, recursive }))).policies!.map((p) => p.policyName);
  const targetsOf = async (policyName: string) => (await iot.send(new ListTargetsForPolicyCommand({ policyName }))).targets;

  /** Follows nextMarker to the end; checks page sizes and that no item repeats. */
  async function collectPages<T>(fetch: (marker?: string) => Promise<{ items: T[]; next?: string }>, pageSize: number) {
    const all: T[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const { items, next } = await fetch(marker);
      assert.ok(items.length <= pageSize);
      if (next) assert.equal(items.length, pageSize);
      all.push(...items);
      marker = next;
      pages++;
    } while (marker);
    assert.equal(new Set(all.map((x) => JSON.stringify(x))).size, all.length, 'duplicates across pages');
    return { all, pages };
  }

  test('Cognito identity: attach, attach again, list both ways, detach, detach again', async () => {
    await createPolicies(iot, 'c-a', 'c-b');
    const id = cognito();
    await iot.send(new AttachPolicyCommand({ policyName: 'c-a', target: id }));
    await iot.send(new AttachPolicyCommand({ policyName: 'c-a', target: id }));
    await iot.send(new AttachPolicyCommand({ policyName: 'c-b', target: id }));
    const listed = await iot.send(new ListAttachedPoliciesCommand({ target: id }));
    assert.deepEqual(listed.policies, [
      { policyName: 'c-a', policyArn: policyArn('c-a') },
      { policyName: 'c-b', policyArn: policyArn('c-b') },
    ]);
    assert.equal(listed.nextMarker, undefined);
    assert.deepEqual(await targetsOf('c-a'), [id]);
    await iot.send(new DetachPolicyCommand({ policyName: 'c-a', target: id }));
    await iot.send(new DetachPolicyCommand({ policyName: 'c-a', target: id }));
    assert.deepEqual(await attachedTo(id), ['c-b']);
    assert.deepEqual(await targetsOf('c-a'), []);
    // A Cognito identity needs no existence check: an unknown one simply has no policies.
    assert.deepEqual(await attachedTo(cognito()), []);
  });

  test('AttachPolicy: missing policy is ResourceNotFoundException; DetachPolicy of anything missing is 200', async () => {
    await expectError(
      iot.send(new AttachPolicyCommand({ policyName: 'no-such-policy', target: cognito() })),
      'ResourceNotFoundException',
      404,
      /Policy no-such-policy does not exist/,
    );
    await iot.send(new DetachPolicyCommand({ policyName: 'no-such-policy', target: cognito() }));
    await iot.send(new DetachPolicyCommand({ policyName: 'no-such-policy', target: `arn:aws:iot:${REGION}:${ACCOUNT}:cert/${'ab'.repeat(32)}` }));
    await iot.send(new DetachPolicyCommand({ policyName: 'no-such-policy', target: groupArn('no-such-group') }));
  });

  test('targets that are neither certificate, thing group nor Cognito identity are InvalidRequestException', async () => {
    await createPolicies(iot, 'bad-target');
    for (const target of [
      `arn:aws:iot:${REGION}:${ACCOUNT}:thing/t1`,
      'us-east-1:not-a-uuid',
      'hello',
      `arn:aws:iot:${REGION}:${ACCOUNT}:policy/bad-target`,
    ]) {
      await expectError(
        iot.send(new AttachPolicyCommand({ policyName: 'bad-target', target })),
        'InvalidRequestException',
        400,
        /is not a certificate ARN, a thing-group ARN or an Amazon Cognito identity id/,
      );
      await expectError(iot.send(new ListAttachedPoliciesCommand({ target })), 'InvalidRequestException', 400);
      await expectError(iot.send(new DetachPolicyCommand({ policyName: 'bad-target', target })), 'InvalidRequestException', 400);
    }
  });

  test('ARNs of another account or region are not found', async () => {
    await createPolicies(iot, 'foreign');
    const cert = `arn:aws:iot:${REGION}:999999999999:cert/${'cd'.repeat(32)}`;
    const group = `arn:aws:iot:eu-west-1:${ACCOUNT}:thinggroup/g`;
    for (const target of [cert, group]) {
      await expectError(iot.send(new AttachPolicyCommand({ policyName: 'foreign', target })), 'ResourceNotFoundException', 404);
      await expectError(iot.send(new ListAttachedPoliciesCommand({ target })), 'ResourceNotFoundException', 404);
    }
  });

  test('at most 10 policies on one target (LimitExceededException); attaching again at the limit is fine', async () => {
    const names = Array.from({ length: 11 }, (_, i) => `lim-${i}`);
    await createPolicies(iot, ...names);
    const id = cognito();
    for (const n of names.slice(0, 10)) await iot.send(new AttachPolicyCommand({ policyName: n, target: id }));
    await iot.send(new AttachPolicyCommand({ policyName: 'lim-3', target: id }));
    await expectError(
      iot.send(new AttachPolicyCommand({ policyName: 'lim-10', target: id })),
      'LimitExceededException',
      410,
      /already has 10 policies attached; a target may have at most 10/,
    );
    assert.equal((await attachedTo(id)).length, 10);
    // The limit is per target: the eleventh policy attaches elsewhere.
    await iot.send(new AttachPolicyCommand({ policyName: 'lim-10', target: cognito() }));
    await iot.send(new DetachPolicyCommand({ policyName: 'lim-0', target: id }));
    await iot.send(new AttachPolicyCommand({ policyName: 'lim-10', target: id }));
  });

  test('ListTargetsForPolicy: attach order across pages; missing policy is ResourceNotFoundException', async () => {
    await createPolicies(iot, 'many-targets');
    // Identity ids attached in an order that is not their sort order.
    const ids = Array.from({ length: 8 }, () => cognito()).reverse();
    for (const id of ids) await iot.send(new AttachPolicyCommand({ policyName: 'many-targets', target: id }));
    const { all, pages } = await collectPages(async (marker) => {
      const r = await iot.send(new ListTargetsForPolicyCommand({ policyName: 'many-targets', pageSize: 3, marker }));
      return { items: r.targets!, next: r.nextMarker };
    }, 3);
    assert.deepEqual(all, ids);
    assert.equal(pages, 3);
    // A target detached between pages does not disturb the rest of the listing.
    const first = await iot.send(new ListTargetsForPolicyCommand({ policyName: 'many-targets', pageSize: 3 }));
    await iot.send(new DetachPolicyCommand({ policyName: 'many-targets', target: ids[3]! }));
    const second = await iot.send(new ListTargetsForPolicyCommand({ policyName: 'many-targets', pageSize: 3, marker: first.nextMarker }));
    assert.deepEqual(second.targets, ids.slice(4, 7));
    await expectError(iot.send(new ListTargetsForPolicyCommand({ policyName: 'nope' })), 'ResourceNotFoundException', 404);
    await expectError(
      iot.send(new ListTargetsForPolicyCommand({ policyName: 'many-targets', marker: Buffer.from('{"v":1}').toString('base64') })),
      'InvalidRequestException',
      400,
      /marker is invalid/,
    );
  });

  test('ListAttachedPolicies: attach order across pages', async () => {
    const names = ['ap-q', 'ap-c', 'ap-x', 'ap-a', 'ap-m', 'ap-b', 'ap-z'];
    await createPolicies(iot, ...names);
    const id = cognito();
    for (const n of names) await iot.send(new AttachPolicyCommand({ policyName: n, target: id }));
    const { all, pages } = await collectPages(async (marker) => {
      const r = await iot.send(new ListAttachedPoliciesCommand({ target: id, pageSize: 2, marker }));
      return { items: r.policies!.map((p) => p.policyName!), next: r.nextMarker };
    }, 2);
    assert.deepEqual(all, names);
    assert.equal(pages, 4);
  });

  test('certificate targets: canonical ARN, any id case, URL-encoded path, missing certificate', async () => {
    await createPolicies(iot, 'cert-a', 'cert-b');
    const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    const arn = cert.certificateArn!;
    await iot.send(new AttachPolicyCommand({ policyName: 'cert-a', target: arn }));
    // The same certificate spelled with an upper-case id is the same target.
    const upper = arn.replace(cert.certificateId!, cert.certificateId!.toUpperCase());
    await iot.send(new AttachPolicyCommand({ policyName: 'cert-a', target: upper }));
    await iot.send(new AttachPolicyCommand({ policyName: 'cert-b', target: upper }));
    assert.deepEqual(await attachedTo(arn), ['cert-a', 'cert-b']);
    assert.deepEqual(await attachedTo(upper), ['cert-a', 'cert-b']);
    assert.deepEqual(await targetsOf('cert-b'), [arn]);
    await iot.send(new DetachPolicyCommand({ policyName: 'cert-b', target: upper }));
    assert.deepEqual(await attachedTo(arn), ['cert-a']);

    const missing = `arn:aws:iot:${REGION}:${ACCOUNT}:cert/${'0f'.repeat(32)}`;
    await expectError(iot.send(new AttachPolicyCommand({ policyName: 'cert-a', target: missing })), 'ResourceNotFoundException', 404, /does not exist/);
    await expectError(iot.send(new ListAttachedPoliciesCommand({ target: missing })), 'ResourceNotFoundException', 404);
    await expectError(
      iot.send(new AttachPolicyCommand({ policyName: 'cert-a', target: `arn:aws:iot:${REGION}:${ACCOUNT}:cert/short` })),
      'ResourceNotFoundException',
      404,
    );
  });

  test('thing-group targets: recursive listing adds ancestors; dynamic groups are refused; missing group', async () => {
    await createPolicies(iot, 'g-root', 'g-mid', 'g-leaf', 'g-shared', 'g-other');
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'root' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'mid', parentGroupName: 'root' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'leaf', parentGroupName: 'mid' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'sibling', parentGroupName: 'root' }));
    await iot.send(new AttachPolicyCommand({ policyName: 'g-root', target: groupArn('root') }));
    await iot.send(new AttachPolicyCommand({ policyName: 'g-shared', target: groupArn('root') }));
    await iot.send(new AttachPolicyCommand({ policyName: 'g-mid', target: groupArn('mid') }));
    await iot.send(new AttachPolicyCommand({ policyName: 'g-leaf', target: groupArn('leaf') }));
    await iot.send(new AttachPolicyCommand({ policyName: 'g-shared', target: groupArn('leaf') }));
    await iot.send(new AttachPolicyCommand({ policyName: 'g-other', target: groupArn('sibling') }));

    assert.deepEqual(await attachedTo(groupArn('leaf')), ['g-leaf', 'g-shared']);
    assert.deepEqual(await attachedTo(groupArn('leaf'), false), ['g-leaf', 'g-shared']);
    // Nearest level first; a policy on several levels appears once; the sibling's policy is not inherited.
    assert.deepEqual(await attachedTo(groupArn('leaf'), true), ['g-leaf', 'g-shared', 'g-mid', 'g-root']);
    assert.deepEqual(await attachedTo(groupArn('mid'), true), ['g-mid', 'g-root', 'g-shared']);
    assert.deepEqual(await attachedTo(groupArn('root'), true), ['g-root', 'g-shared']);
    const { all } = await collectPages(async (marker) => {
      const r = await iot.send(new ListAttachedPoliciesCommand({ target: groupArn('leaf'), recursive: true, pageSize: 1, marker }));
      return { items: r.policies!.map((p) => p.policyName!), next: r.nextMarker };
    }, 1);
    assert.deepEqual(all, ['g-leaf', 'g-shared', 'g-mid', 'g-root']);

    await iot.send(
      new CreateDynamicThingGroupCommand({ thingGroupName: 'dyn', queryString: 'attributes.floor:2', indexName: 'AWS_Things' }),
    );
    await expectError(
      iot.send(new AttachPolicyCommand({ policyName: 'g-root', target: groupArn('dyn') })),
      'InvalidRequestException',
      400,
      /dynamic thing group/,
    );
    await expectError(
      iot.send(new AttachPolicyCommand({ policyName: 'g-root', target: groupArn('ghost') })),
      'ResourceNotFoundException',
      404,
      /thinggroup\/ghost does not exist/,
    );
    await expectError(iot.send(new ListAttachedPoliciesCommand({ target: groupArn('ghost') })), 'ResourceNotFoundException', 404);
  });

  test('targets of every kind share one attach order; ListPolicyPrincipals leaves out thing groups', async () => {
    await createPolicies(iot, 'mixed');
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'mixed-group' }));
    const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: false }));
    const id = cognito();
    for (const target of [cert.certificateArn!, groupArn('mixed-group'), id])
      await iot.send(new AttachPolicyCommand({ policyName: 'mixed', target }));
    assert.deepEqual(await targetsOf('mixed'), [cert.certificateArn, groupArn('mixed-group'), id]);
    const principals = await iot.send(new ListPolicyPrincipalsCommand({ policyName: 'mixed' }));
    assert.deepEqual(principals.principals, [id, cert.certificateArn]);
    const ascending = await iot.send(new ListPolicyPrincipalsCommand({ policyName: 'mixed', ascendingOrder: true }));
    assert.deepEqual(ascending.principals, [cert.certificateArn, id]);
  });

  test('deprecated principal-policy operations on Cognito identities and certificates', async () => {
    const names = ['dp-1', 'dp-2', 'dp-3', 'dp-4', 'dp-5'];
    await createPolicies(iot, ...names);
    const id = cognito();
    for (const n of names) await iot.send(new AttachPrincipalPolicyCommand({ policyName: n, principal: id }));
    await iot.send(new AttachPrincipalPolicyCommand({ policyName: 'dp-1', principal: id }));
    // The replacement operations see the same attachments.
    assert.deepEqual(await attachedTo(id), names);

    const listPolicies = (ascendingOrder?: boolean) =>
      collectPages(async (marker) => {
        const r = await iot.send(new ListPrincipalPoliciesCommand({ principal: id, pageSize: 2, marker, ascendingOrder }));
        return { items: r.policies!.map((p) => p.policyName!), next: r.nextMarker };
      }, 2);
    assert.deepEqual((await listPolicies()).all, [...names].reverse());
    assert.deepEqual((await listPolicies(true)).all, names);

    const others = Array.from({ length: 4 }, () => cognito());
    for (const o of others) await iot.send(new AttachPrincipalPolicyCommand({ policyName: 'dp-3', principal: o }));
    const listPrincipals = (ascendingOrder?: boolean) =>
      collectPages(async (marker) => {
        const r = await iot.send(new ListPolicyPrincipalsCommand({ policyName: 'dp-3', pageSize: 2, marker, ascendingOrder }));
        return { items: r.principals!, next: r.nextMarker };
      }, 2);
    assert.deepEqual((await listPrincipals(true)).all, [id, ...others]);
    assert.deepEqual((await listPrincipals()).all, [...others].reverse().concat(id));

    await iot.send(new DetachPrincipalPolicyCommand({ policyName: 'dp-3', principal: id }));
    await iot.send(new DetachPrincipalPolicyCommand({ policyName: 'dp-3', principal: id }));
    assert.deepEqual(await attachedTo(id), ['dp-1', 'dp-2', 'dp-4', 'dp-5']);

    const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(new AttachPrincipalPolicyCommand({ policyName: 'dp-2', principal: cert.certificateArn! }));
    const certPolicies = await iot.send(new ListPrincipalPoliciesCommand({ principal: cert.certificateArn! }));
    assert.deepEqual(certPolicies.policies, [{ policyName: 'dp-2', policyArn: policyArn('dp-2') }]);
  });

  test('deprecated operations: errors', async () => {
    await createPolicies(iot, 'dpe');
    await expectError(iot.send(new AttachPrincipalPolicyCommand({ policyName: 'nope', principal: cognito() })), 'ResourceNotFoundException', 404);
    const missingCert = `arn:aws:iot:${REGION}:${ACCOUNT}:cert/${'1a'.repeat(32)}`;
    await expectError(iot.send(new AttachPrincipalPolicyCommand({ policyName: 'dpe', principal: missingCert })), 'ResourceNotFoundException', 404);
    await expectError(iot.send(new ListPrincipalPoliciesCommand({ principal: missingCert })), 'ResourceNotFoundException', 404);
    await expectError(iot.send(new ListPolicyPrincipalsCommand({ policyName: 'nope' })), 'ResourceNotFoundException', 404);
    const limitId = cognito();
    const many = Array.from({ length: 11 }, (_, i) => `dpl-${i}`);
    await createPolicies(iot, ...many);
    for (const n of many.slice(0, 10)) await iot.send(new AttachPrincipalPolicyCommand({ policyName: n, principal: limitId }));
    await expectError(iot.send(new AttachPrincipalPolicyCommand({ policyName: 'dpl-10', principal: limitId })), 'LimitExceededException', 410);
    // Thing groups are policy targets but not principals.
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'dpe-group' }));
    await expectError(
      iot.send(new AttachPrincipalPolicyCommand({ policyName: 'dpe', principal: groupArn('dpe-group') })),
      'InvalidRequestException',
      400,
      /is not a certificate ARN or an Amazon Cognito identity id/,
    );
    await expectError(iot.send(new ListPrincipalPoliciesCommand({ principal: groupArn('dpe-group') })), 'InvalidRequestException', 400);
  });

  test('attachments are per account and region', async () => {
    const other = server.iot('555555555555');
    await createPolicies(other, 'iso');
    const id = cognito();
    await other.send(new AttachPolicyCommand({ policyName: 'iso', target: id }));
    assert.deepEqual(await attachedTo(id), []);
    await expectError(iot.send(new ListTargetsForPolicyCommand({ policyName: 'iso' })), 'ResourceNotFoundException', 404);
    const theirs = await other.send(new ListAttachedPoliciesCommand({ target: id }));
    assert.deepEqual(theirs.policies, [{ policyName: 'iso', policyArn: policyArn('iso', '555555555555') }]);
  });

  test('deleting a thing group or force-deleting a certificate removes its attachments, freeing DeletePolicy', async () => {
    await createPolicies(iot, 'gone-target');
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'doomed-group' }));
    const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: false }));
    await iot.send(new AttachPolicyCommand({ policyName: 'gone-target', target: groupArn('doomed-group') }));
    await iot.send(new AttachPolicyCommand({ policyName: 'gone-target', target: cert.certificateArn! }));
    await expectError(
      iot.send(new DeletePolicyCommand({ policyName: 'gone-target' })),
      'DeleteConflictException',
      409,
      /^The policy cannot be deleted as the policy is attached to one or more principals \(name=gone-target\)$/,
    );
    await iot.send(new DeleteThingGroupCommand({ thingGroupName: 'doomed-group' }));
    assert.deepEqual(await targetsOf('gone-target'), [cert.certificateArn]);
    await expectError(iot.send(new DeletePolicyCommand({ policyName: 'gone-target' })), 'DeleteConflictException', 409, /attached to one or more principals/);
    await expectError(
      iot.send(new DeleteCertificateCommand({ certificateId: cert.certificateId! })),
      'DeleteConflictException',
      409,
      /gone-target/,
    );
    await iot.send(new DeleteCertificateCommand({ certificateId: cert.certificateId!, forceDelete: true }));
    assert.deepEqual(await targetsOf('gone-target'), []);
    await iot.send(new DeletePolicyCommand({ policyName: 'gone-target' }));
    // A group re-created under the old name starts without the old policies.
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'doomed-group' }));
    assert.deepEqual(await attachedTo(groupArn('doomed-group')), []);
  });

  test('markers are bound to the list they came from', async () => {
    await createPolicies(iot, 'mk-1', 'mk-2', 'mk-3');
    const [t1, t2] = [cognito(), cognito()];
    for (const p of ['mk-1', 'mk-2', 'mk-3'])
      for (const t of [t1, t2]) await iot.send(new AttachPolicyCommand({ policyName: p, target: t }));
    const byTarget = await iot.send(new ListAttachedPoliciesCommand({ target: t1, pageSize: 1 }));
    assert.ok(byTarget.nextMarker);
    await expectError(
      iot.send(new ListAttachedPoliciesCommand({ target: t2, pageSize: 1, marker: byTarget.nextMarker })),
      'InvalidRequestException',
      400,
      /marker is invalid/,
    );
    // recursive only means something for thing groups, so on an identity it does not change the list or its markers.
    const recursivePage = await iot.send(new ListAttachedPoliciesCommand({ target: t1, recursive: true, pageSize: 1, marker: byTarget.nextMarker }));
    assert.deepEqual(recursivePage.policies!.map((p) => p.policyName), ['mk-2']);
    // The same marker still works where it was issued.
    const next = await iot.send(new ListAttachedPoliciesCommand({ target: t1, pageSize: 1, marker: byTarget.nextMarker }));
    assert.deepEqual(next.policies!.map((p) => p.policyName), ['mk-2']);

    const byPolicy = await iot.send(new ListTargetsForPolicyCommand({ policyName: 'mk-1', pageSize: 1 }));
    assert.ok(byPolicy.nextMarker);
    await expectError(
      iot.send(new ListTargetsForPolicyCommand({ policyName: 'mk-2', marker: byPolicy.nextMarker })),
      'InvalidRequestException',
      400,
      /marker is invalid/,
    );
    await expectError(
      iot.send(new ListPolicyPrincipalsCommand({ policyName: 'mk-1', marker: byPolicy.nextMarker })),
      'InvalidRequestException',
      400,
      /marker is invalid/,
    );
    const principalPolicies = await iot.send(new ListPrincipalPoliciesCommand({ principal: t1, pageSize: 1 }));
    assert.ok(principalPolicies.nextMarker);
    await expectError(
      iot.send(new ListPrincipalPoliciesCommand({ principal: t1, ascendingOrder: true, marker: principalPolicies.nextMarker })),
      'InvalidRequestException',
      400,
      /marker is invalid/,
    );
    await expectError(iot.send(new ListAttachedPoliciesCommand({ target: t1, pageSize: 251 })), 'InvalidRequestException', 400, /pageSize/);
  });

  test('a certificate of another account cannot be a target, even by its exact ARN', async () => {
    await createPolicies(iot, 'cross');
    const other = server.iot('555555555555');
    const theirs = await other.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await expectError(
      iot.send(new AttachPolicyCommand({ policyName: 'cross', target: theirs.certificateArn! })),
      'ResourceNotFoundException',
      404,
    );
    await expectError(iot.send(new ListAttachedPoliciesCommand({ target: theirs.certificateArn! })), 'ResourceNotFoundException', 404);
    // Detaching what was never attached changes nothing, including on the owner's side.
    await createPolicies(other, 'cross');
    await other.send(new AttachPolicyCommand({ policyName: 'cross', target: theirs.certificateArn! }));
    await iot.send(new DetachPolicyCommand({ policyName: 'cross', target: theirs.certificateArn! }));
    assert.deepEqual((await other.send(new ListTargetsForPolicyCommand({ policyName: 'cross' }))).targets, [theirs.certificateArn]);
    // Updating the certificate's status does not affect its attachments.
    await other.send(new UpdateCertificateCommand({ certificateId: theirs.certificateId!, newStatus: 'INACTIVE' }));
    assert.deepEqual((await other.send(new ListTargetsForPolicyCommand({ policyName: 'cross' }))).targets, [theirs.certificateArn]);
  });
});
