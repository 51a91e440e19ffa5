// The six mitigation action types, each applied directly through its implementation inside a real store transaction,
// against registries built through the SDK on the real server; effects are read back through the SDK. One test per
// outcome of each action (docs/decisions.md#m8, #m13, #m14, #m17, #m33, #m34), plus undo records and the SNS outbox
// message.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddThingToThingGroupCommand,
  AttachThingPrincipalCommand,
  CreateDynamicThingGroupCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DeleteCACertificateCommand,
  DeleteCertificateCommand,
  DeletePolicyCommand,
  DescribeCACertificateCommand,
  DescribeCertificateCommand,
  GetPolicyCommand,
  GetV2LoggingOptionsCommand,
  ListPolicyVersionsCommand,
  ListThingGroupsForThingCommand,
  RegisterCACertificateCommand,
  SetV2LoggingOptionsCommand,
  UpdateCertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, STORES, startTestServer, errorOf, type TestServer } from './helpers/server.js';
import { freePort, startMoto, MOTO_CREDENTIALS, type Moto } from './helpers/moto.js';
import { makeCa } from './helpers/certs.js';
import { ACTION_IMPLEMENTATIONS, MITIGATION_EXECUTION_ORIGIN } from '../src/mitigation/actions/index.js';
import { BLANK_POLICY } from '../src/mitigation/actions/replace-default-policy-version.js';
import type { ActionDefinition, ActionOutcome, FindingToMitigate, MitigationActionType, Permission } from '../src/mitigation/action.js';
import type { AuditResource } from '../src/audit/checks/check.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const TASK_ID = 'mitigation-task-1';

test('ACTION_IMPLEMENTATIONS: one implementation per type, with the permissions of §7.1', () => {
  // The IAM action of each permission (a permission may also say on which resources; the engine tests cover those).
  const actionOf = (p: Permission) => (typeof p === 'string' ? p : p.action);
  const permissions = Object.fromEntries([...ACTION_IMPLEMENTATIONS].map(([type, impl]) => [type, impl.permissions.map(actionOf)]));
  assert.deepEqual(permissions, {
    UPDATE_DEVICE_CERTIFICATE: ['iot:UpdateCertificate'],
    UPDATE_CA_CERTIFICATE: ['iot:UpdateCACertificate'],
    ADD_THINGS_TO_THING_GROUP: ['iot:ListPrincipalThings', 'iot:AddThingToThingGroup'],
    REPLACE_DEFAULT_POLICY_VERSION: ['iot:CreatePolicyVersion'],
    ENABLE_IOT_LOGGING: ['iot:SetV2LoggingOptions', 'iam:PassRole'],
    PUBLISH_FINDING_TO_SNS: ['sns:Publish'],
  });
  for (const [type, impl] of ACTION_IMPLEMENTATIONS) assert.equal(impl.type, type);
  assert.equal(MITIGATION_EXECUTION_ORIGIN, 'mitigation-execution');
});

const deviceResource = (id: string): AuditResource => ({ resourceType: 'DEVICE_CERTIFICATE', resourceIdentifier: { deviceCertificateId: id } });

function finding(nonCompliantResource: AuditResource, overrides: Partial<FindingToMitigate> = {}): FindingToMitigate {
  return {
    findingId: 'finding-1',
    auditTaskId: '873ed69c74a9ec8fa9b8e88e9abc4661',
    checkName: 'DEVICE_CERTIFICATE_EXPIRING_CHECK',
    severity: 'MEDIUM',
    nonCompliantResource,
    relatedResources: [],
    reasonForNonComplianceCode: 'CERTIFICATE_APPROACHING_EXPIRATION',
    reasonForNonCompliance: 'Certificate expires in 9 days, within the threshold of 30 days.',
    findingTime: Date.UTC(2026, 10, 24, 14, 33, 28, 713),
    ...overrides,
  };
}

/**
 * The intermediate-CA check's finding: the issuer is the resource, the device certificates are related
 * (docs/decisions.md#m11).
 */
const intermediateCaFinding = (deviceIds: string[]) =>
  finding(
    {
      resourceType: 'ISSUER_CERTIFICATE',
      resourceIdentifier: { issuerCertificateIdentifier: { issuerCertificateSubject: 'CN=Intermediate', issuerId: 'a'.repeat(64) } },
    },
    {
      checkName: 'INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK',
      severity: 'CRITICAL',
      relatedResources: deviceIds.map(deviceResource),
      reasonForNonComplianceCode: 'INTERMEDIATE_CA_REVOKED_BY_ISSUER',
    },
  );

const PARAMS_OF: Record<MitigationActionType, string> = {
  UPDATE_DEVICE_CERTIFICATE: 'updateDeviceCertificateParams',
  UPDATE_CA_CERTIFICATE: 'updateCACertificateParams',
  ADD_THINGS_TO_THING_GROUP: 'addThingsToThingGroupParams',
  REPLACE_DEFAULT_POLICY_VERSION: 'replaceDefaultPolicyVersionParams',
  ENABLE_IOT_LOGGING: 'enableIoTLoggingParams',
  PUBLISH_FINDING_TO_SNS: 'publishFindingToSnsParams',
};

function action(actionType: MitigationActionType, params: Record<string, unknown>, name = 'TheAction'): ActionDefinition {
  return {
    name,
    id: '5b0b5a5e-0d8c-4c5e-9f3a-1a2b3c4d5e6f',
    roleArn: `arn:aws:iam::${ACCOUNT}:role/MitigationRole`,
    actionType,
    actionParams: { [PARAMS_OF[actionType]]: params },
  };
}

function assertFailed(outcome: ActionOutcome, ...mentions: RegExp[]): { message: string; undo?: unknown } {
  assert.equal(outcome.status, 'FAILED', JSON.stringify(outcome));
  assert.ok(outcome.status === 'FAILED');
  assert.equal(outcome.errorCode, 'INVALID_STATE_OF_RESOURCE');
  for (const m of mentions) assert.match(outcome.message, m);
  return outcome;
}

function assertCompleted(outcome: ActionOutcome, message?: RegExp): { undo?: unknown; message?: string } {
  assert.equal(outcome.status, 'COMPLETED', JSON.stringify(outcome));
  assert.ok(outcome.status === 'COMPLETED');
  if (message) assert.match(outcome.message ?? '', message);
  return outcome;
}

// SNS goes to a closed port: these tests read the outbox row; delivery is the deliverer's business.
const closedPortSns = async () => ({ sns: { endpoint: `http://127.0.0.1:${await freePort()}`, credentials: MOTO_CREDENTIALS } });

forEachStore('mitigation action types', { server: closedPortSns }, (suite) => {
  let server: TestServer;
  let iot: IoTClient;
  let counter = 0;
  const unique = (prefix: string) => `${prefix}-${++counter}`;

  before(() => ({ server, iot } = suite));

  /** Applies an action type the way the engine does: inside one store transaction. */
  function apply(def: ActionDefinition, target: FindingToMitigate, region = REGION): Promise<ActionOutcome> {
    const impl = ACTION_IMPLEMENTATIONS.get(def.actionType)!;
    return server.store.transaction((db) =>
      impl.apply({ db, accountId: ACCOUNT, region, now: server.clock.now(), clock: server.clock, taskId: TASK_ID, finding: target, action: def }),
    );
  }

  async function certificate(status: 'ACTIVE' | 'INACTIVE' | 'REVOKED' = 'ACTIVE'): Promise<{ id: string; arn: string }> {
    const c = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: status === 'ACTIVE' }));
    if (status === 'REVOKED') await iot.send(new UpdateCertificateCommand({ certificateId: c.certificateId!, newStatus: 'REVOKED' }));
    return { id: c.certificateId!, arn: c.certificateArn! };
  }

  async function deletedCertificate(): Promise<string> {
    const c = await certificate('INACTIVE');
    await iot.send(new DeleteCertificateCommand({ certificateId: c.id }));
    return c.id;
  }

  const certStatus = async (id: string) => (await iot.send(new DescribeCertificateCommand({ certificateId: id }))).certificateDescription!.status;
  const groupsOf = async (thingName: string) =>
    (await iot.send(new ListThingGroupsForThingCommand({ thingName, maxResults: 250 }))).thingGroups!.map((g) => g.groupName).sort();

  const deactivate = action('UPDATE_DEVICE_CERTIFICATE', { action: 'DEACTIVATE' });

  describe('UPDATE_DEVICE_CERTIFICATE', () => {
    test('ACTIVE → COMPLETED, now INACTIVE, undo records the previous status', async () => {
      const c = await certificate('ACTIVE');
      const before = (await iot.send(new DescribeCertificateCommand({ certificateId: c.id }))).certificateDescription!;
      const outcome = assertCompleted(await apply(deactivate, finding(deviceResource(c.id))), new RegExp(`${c.id}.*deactivated.*ACTIVE`));
      const after = (await iot.send(new DescribeCertificateCommand({ certificateId: c.id }))).certificateDescription!;
      assert.equal(after.status, 'INACTIVE');
      // The registry's own UpdateCertificate ran: a status change is a new customer version.
      assert.equal(after.customerVersion, before.customerVersion! + 1);
      assert.deepEqual(outcome.undo, { certificates: [{ certificateId: c.id, previousStatus: 'ACTIVE', newStatus: 'INACTIVE' }] });
    });

    test('already INACTIVE → COMPLETED, unchanged, nothing to undo', async () => {
      const c = await certificate('INACTIVE');
      const before = (await iot.send(new DescribeCertificateCommand({ certificateId: c.id }))).certificateDescription!;
      const outcome = assertCompleted(await apply(deactivate, finding(deviceResource(c.id))), /already INACTIVE/);
      const after = (await iot.send(new DescribeCertificateCommand({ certificateId: c.id }))).certificateDescription!;
      assert.equal(after.status, 'INACTIVE');
      assert.equal(after.generationId, before.generationId);
      assert.deepEqual(outcome.undo, { certificates: [] });
    });

    test('REVOKED → FAILED INVALID_STATE_OF_RESOURCE, still REVOKED', async () => {
      const c = await certificate('REVOKED');
      assertFailed(await apply(deactivate, finding(deviceResource(c.id))), new RegExp(c.id), /REVOKED/);
      assert.equal(await certStatus(c.id), 'REVOKED');
    });

    test('PENDING_TRANSFER → FAILED INVALID_STATE_OF_RESOURCE, unchanged', async () => {
      const c = await certificate('INACTIVE');
      // No implemented operation starts a transfer, so the state is written directly.
      await server.store.transaction((db) =>
        db.updateTable('certificates').set({ status: 'PENDING_TRANSFER' }).where('certificate_id', '=', c.id).execute(),
      );
      assertFailed(await apply(deactivate, finding(deviceResource(c.id))), new RegExp(c.id), /PENDING_TRANSFER/);
      assert.equal(await certStatus(c.id), 'PENDING_TRANSFER');
    });

    test('certificate deleted → FAILED INVALID_STATE_OF_RESOURCE', async () => {
      const id = await deletedCertificate();
      assertFailed(await apply(deactivate, finding(deviceResource(id))), new RegExp(`${id} no longer exists`));
    });

    test('intermediate-CA finding: every related certificate that can be deactivated is; FAILED names the others', async () => {
      const [a, b, inactive, revoked] = [await certificate(), await certificate(), await certificate('INACTIVE'), await certificate('REVOKED')];
      const gone = await deletedCertificate();
      const outcome = assertFailed(
        await apply(deactivate, intermediateCaFinding([a.id, revoked.id, b.id, gone, inactive.id])),
        new RegExp(`${revoked.id}.*REVOKED`),
        new RegExp(`${gone} no longer exists`),
      );
      for (const fine of [a.id, b.id, inactive.id]) assert.doesNotMatch(outcome.message, new RegExp(`${fine} (cannot|no longer)`));
      assert.equal(await certStatus(a.id), 'INACTIVE');
      assert.equal(await certStatus(b.id), 'INACTIVE');
      assert.equal(await certStatus(revoked.id), 'REVOKED');
      assert.deepEqual(outcome.undo, {
        certificates: [
          { certificateId: a.id, previousStatus: 'ACTIVE', newStatus: 'INACTIVE' },
          { certificateId: b.id, previousStatus: 'ACTIVE', newStatus: 'INACTIVE' },
        ],
      });
      // All of them deactivatable → COMPLETED.
      const [c, d] = [await certificate(), await certificate()];
      assertCompleted(await apply(deactivate, intermediateCaFinding([c.id, d.id])));
      assert.equal(await certStatus(c.id), 'INACTIVE');
      assert.equal(await certStatus(d.id), 'INACTIVE');
    });
    test('a message naming many certificates stays within the model\'s 2048 characters and says how many it left out', async () => {
      const unknown = Array.from({ length: 40 }, (_, i) => i.toString(16).padStart(64, '0'));
      const outcome = assertFailed(await apply(deactivate, intermediateCaFinding(unknown)), new RegExp(`${unknown[0]} no longer exists`));
      assert.ok(outcome.message.length <= 2048, `message has ${outcome.message.length} characters`);
      const shown = outcome.message.match(/no longer exists/g)!.length;
      assert.ok(shown > 10 && shown < 40);
      assert.match(outcome.message, new RegExp(`\\(and ${40 - shown} more\\)$`));
    });
  });

  describe('UPDATE_CA_CERTIFICATE', () => {
    const deactivateCa = action('UPDATE_CA_CERTIFICATE', { action: 'DEACTIVATE' });
    const caFinding = (id: string) =>
      finding({ resourceType: 'CA_CERTIFICATE', resourceIdentifier: { caCertificateId: id } }, { checkName: 'CA_CERTIFICATE_EXPIRING_CHECK' });
    async function registeredCa(active: boolean): Promise<string> {
      const ca = await makeCa();
      const r = await iot.send(new RegisterCACertificateCommand({ caCertificate: ca.pem, certificateMode: 'SNI_ONLY', setAsActive: active }));
      return r.certificateId!;
    }
    const caStatus = async (id: string) => (await iot.send(new DescribeCACertificateCommand({ certificateId: id }))).certificateDescription!;

    test('ACTIVE → COMPLETED, now INACTIVE, undo records the previous status', async () => {
      const id = await registeredCa(true);
      const outcome = assertCompleted(await apply(deactivateCa, caFinding(id)), new RegExp(`${id}.*deactivated`));
      const after = await caStatus(id);
      assert.equal(after.status, 'INACTIVE');
      assert.equal(after.customerVersion, 2);
      assert.deepEqual(outcome.undo, { caCertificateId: id, previousStatus: 'ACTIVE', newStatus: 'INACTIVE' });
    });

    test('already INACTIVE → COMPLETED, unchanged', async () => {
      const id = await registeredCa(false);
      const before = await caStatus(id);
      const outcome = assertCompleted(await apply(deactivateCa, caFinding(id)), /already INACTIVE/);
      const after = await caStatus(id);
      assert.equal(after.status, 'INACTIVE');
      assert.equal(after.generationId, before.generationId);
      assert.equal(outcome.undo, undefined);
    });

    test('CA deleted → FAILED INVALID_STATE_OF_RESOURCE', async () => {
      const id = await registeredCa(false);
      await iot.send(new DeleteCACertificateCommand({ certificateId: id }));
      assertFailed(await apply(deactivateCa, caFinding(id)), new RegExp(`CA certificate ${id} no longer exists`));
    });
  });

  describe('ADD_THINGS_TO_THING_GROUP', () => {
    const addTo = (thingGroupNames: string[], overrideDynamicGroups?: boolean) =>
      action('ADD_THINGS_TO_THING_GROUP', overrideDynamicGroups === undefined ? { thingGroupNames } : { thingGroupNames, overrideDynamicGroups });
    const group = async (name: string, parentGroupName?: string) => {
      await iot.send(new CreateThingGroupCommand({ thingGroupName: name, parentGroupName }));
      return name;
    };
    /** A certificate with the given things (created, with attributes) attached. */
    async function certificateWithThings(things: { name: string; attributes?: Record<string, string> }[]) {
      const c = await certificate();
      for (const t of things) {
        await iot.send(new CreateThingCommand({ thingName: t.name, attributePayload: t.attributes ? { attributes: t.attributes } : undefined }));
        await iot.send(new AttachThingPrincipalCommand({ thingName: t.name, principal: c.arn }));
      }
      return c;
    }

    test('no thing attached → COMPLETED with "no things attached"', async () => {
      const c = await certificate();
      const g = await group(unique('quarantine'));
      const outcome = assertCompleted(await apply(addTo([g]), finding(deviceResource(c.id))), /no things attached/);
      assert.deepEqual(outcome.undo, { memberships: [] });
    });

    test('every attached thing joins every listed group; undo lists the memberships added', async () => {
      const [t1, t2] = [unique('dev'), unique('dev')];
      const c = await certificateWithThings([{ name: t1 }, { name: t2 }]);
      const [g1, g2] = [await group(unique('q')), await group(unique('q'))];
      const outcome = assertCompleted(await apply(addTo([g1, g2]), finding(deviceResource(c.id))), new RegExp(`${t1} added to thing group ${g1}`));
      assert.deepEqual(await groupsOf(t1), [g1, g2].sort());
      assert.deepEqual(await groupsOf(t2), [g1, g2].sort());
      assert.deepEqual(outcome.undo, {
        memberships: [
          { thingName: t1, groupName: g1 },
          { thingName: t1, groupName: g2 },
          { thingName: t2, groupName: g1 },
          { thingName: t2, groupName: g2 },
        ],
      });
    });

    test('already a member → no change, not in the undo record', async () => {
      const t = unique('dev');
      const c = await certificateWithThings([{ name: t }]);
      const [g1, g2] = [await group(unique('q')), await group(unique('q'))];
      await iot.send(new AddThingToThingGroupCommand({ thingName: t, thingGroupName: g1 }));
      const outcome = assertCompleted(await apply(addTo([g1, g2]), finding(deviceResource(c.id))), new RegExp(`${t} was already in thing group ${g1}`));
      assert.deepEqual(await groupsOf(t), [g1, g2].sort());
      assert.deepEqual(outcome.undo, { memberships: [{ thingName: t, groupName: g2 }] });
    });

    test('a target group missing or dynamic → FAILED naming it; the other groups are still joined', async () => {
      const t = unique('dev');
      const c = await certificateWithThings([{ name: t }]);
      const good = await group(unique('q'));
      const missing = unique('missing');
      const dynamic = unique('dyn');
      await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: dynamic, queryString: 'attributes.never:matches' }));
      const outcome = assertFailed(
        await apply(addTo([missing, good, dynamic]), finding(deviceResource(c.id))),
        new RegExp(`Thing group ${missing} does not exist`),
        new RegExp(`Thing group ${dynamic} is a dynamic thing group`),
      );
      assert.deepEqual(await groupsOf(t), [good]);
      assert.deepEqual(outcome.undo, { memberships: [{ thingName: t, groupName: good }] });
    });

    test('a thing already in 10 static groups → FAILED, even with overrideDynamicGroups', async () => {
      const t = unique('dev');
      const c = await certificateWithThings([{ name: t }]);
      for (let i = 0; i < 10; i++) await iot.send(new AddThingToThingGroupCommand({ thingName: t, thingGroupName: await group(unique('full')) }));
      const target = await group(unique('q'));
      const outcome = await apply(addTo([target], true), finding(deviceResource(c.id)));
      assertFailed(outcome, new RegExp(`Thing ${t} cannot be added to thing group ${target}`), /10 thing groups/);
      assert.equal((await groupsOf(t)).length, 10);
      assert.ok(!(await groupsOf(t)).includes(target));
    });

    test('10 groups with dynamic ones: FAILED without overrideDynamicGroups; with it the newest dynamic group makes room', async () => {
      const t = unique('dev');
      const tag = unique('tag');
      const c = await certificateWithThings([{ name: t, attributes: { tag } }]);
      for (let i = 0; i < 8; i++) await iot.send(new AddThingToThingGroupCommand({ thingName: t, thingGroupName: await group(unique('full')) }));
      const [older, newer] = [unique('dyn-old'), unique('dyn-new')];
      await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: older, queryString: `attributes.tag:${tag}` }));
      server.clock.advance(1); // distinct creation times make "most recently created" unambiguous
      await iot.send(new CreateDynamicThingGroupCommand({ thingGroupName: newer, queryString: `attributes.tag:${tag}` }));
      assert.equal((await groupsOf(t)).length, 10);
      const target = await group(unique('q'));

      const refused = await apply(addTo([target]), finding(deviceResource(c.id)));
      assertFailed(refused, new RegExp(`Thing ${t}`), /overrideDynamicGroups/);
      assert.ok(!(await groupsOf(t)).includes(target));

      const outcome = assertCompleted(await apply(addTo([target], true), finding(deviceResource(c.id))), new RegExp(`left dynamic thing group ${newer}`));
      const groups = await groupsOf(t);
      assert.equal(groups.length, 10);
      assert.ok(groups.includes(target) && groups.includes(older) && !groups.includes(newer));
      assert.deepEqual(outcome.undo, { memberships: [{ thingName: t, groupName: target, evictedDynamicGroup: newer }] });
    });

    test('the thing is in another group of the same hierarchy → FAILED', async () => {
      const t = unique('dev');
      const c = await certificateWithThings([{ name: t }]);
      const root = await group(unique('root'));
      const child = await group(unique('child'), root);
      await iot.send(new AddThingToThingGroupCommand({ thingName: t, thingGroupName: child }));
      const outcome = await apply(addTo([root]), finding(deviceResource(c.id)));
      assertFailed(outcome, new RegExp(`Thing ${t} cannot be added to thing group ${root}`), /same hierarchy/);
      assert.deepEqual(await groupsOf(t), [child]);
    });

    test('certificate deleted → FAILED; with other related certificates, their things still join', async () => {
      const gone = await deletedCertificate();
      const g = await group(unique('q'));
      assertFailed(await apply(addTo([g]), finding(deviceResource(gone))), new RegExp(`Device certificate ${gone} no longer exists`));

      const t = unique('dev');
      const c = await certificateWithThings([{ name: t }]);
      const outcome = assertFailed(await apply(addTo([g]), intermediateCaFinding([gone, c.id])), new RegExp(`${gone} no longer exists`));
      assert.deepEqual(await groupsOf(t), [g]);
      assert.deepEqual(outcome.undo, { memberships: [{ thingName: t, groupName: g }] });
    });
  });

  describe('REPLACE_DEFAULT_POLICY_VERSION', () => {
    const replace = action('REPLACE_DEFAULT_POLICY_VERSION', { templateName: 'BLANK_POLICY' }, 'ResetPolicyVersionAction');
    const permissive = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] });
    const policyFinding = (policyName: string, policyVersionId = '1') =>
      finding(
        { resourceType: 'IOT_POLICY', resourceIdentifier: { policyVersionIdentifier: { policyName, policyVersionId } } },
        { checkName: 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK', reasonForNonComplianceCode: 'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS' },
      );
    const policy = async () => {
      const name = unique('policy');
      await iot.send(new CreatePolicyCommand({ policyName: name, policyDocument: permissive }));
      return name;
    };

    test('< 5 versions → COMPLETED: a BLANK_POLICY version becomes the default; undo records both version ids', async () => {
      const name = await policy();
      const outcome = assertCompleted(await apply(replace, policyFinding(name)), new RegExp(`Policy ${name}: version 2`));
      const got = await iot.send(new GetPolicyCommand({ policyName: name }));
      assert.equal(got.defaultVersionId, '2');
      assert.equal(got.policyDocument, BLANK_POLICY);
      assert.equal(BLANK_POLICY, '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iot:*","Resource":"*"}]}');
      assert.deepEqual(outcome.undo, { policyName: name, previousDefaultVersionId: '1', blankVersionId: '2' });
      const versions = (await iot.send(new ListPolicyVersionsCommand({ policyName: name }))).policyVersions!;
      assert.deepEqual(versions.map((v) => v.versionId).sort(), ['1', '2']);
    });

    test('acts even when the finding\'s version is no longer the default', async () => {
      const name = await policy();
      await iot.send(new CreatePolicyVersionCommand({ policyName: name, policyDocument: permissive, setAsDefault: true }));
      const outcome = assertCompleted(await apply(replace, policyFinding(name, '1')));
      const got = await iot.send(new GetPolicyCommand({ policyName: name }));
      assert.equal(got.defaultVersionId, '3');
      assert.equal(got.policyDocument, BLANK_POLICY);
      assert.deepEqual(outcome.undo, { policyName: name, previousDefaultVersionId: '2', blankVersionId: '3' });
    });

    test('5 versions → FAILED INVALID_STATE_OF_RESOURCE, nothing changes', async () => {
      const name = await policy();
      for (let i = 0; i < 4; i++) await iot.send(new CreatePolicyVersionCommand({ policyName: name, policyDocument: permissive }));
      assertFailed(await apply(replace, policyFinding(name)), new RegExp(`Policy ${name}`), /5 versions/);
      const got = await iot.send(new GetPolicyCommand({ policyName: name }));
      assert.equal(got.defaultVersionId, '1');
      assert.equal((await iot.send(new ListPolicyVersionsCommand({ policyName: name }))).policyVersions!.length, 5);
    });

    test('policy deleted → FAILED INVALID_STATE_OF_RESOURCE', async () => {
      const name = await policy();
      await iot.send(new DeletePolicyCommand({ policyName: name }));
      assertFailed(await apply(replace, policyFinding(name)), new RegExp(`Policy ${name} no longer exists`));
      const err = await errorOf(() => iot.send(new GetPolicyCommand({ policyName: name })));
      assert.equal(err.name, 'ResourceNotFoundException');
    });
  });

  describe('ENABLE_IOT_LOGGING', () => {
    const roleArnForLogging = `arn:aws:iam::${ACCOUNT}:role/IoTLogging`;
    const enable = action('ENABLE_IOT_LOGGING', { roleArnForLogging, logLevel: 'WARN' });
    const loggingFinding = finding(
      { resourceType: 'ACCOUNT_SETTINGS', resourceIdentifier: { account: ACCOUNT } },
      { checkName: 'LOGGING_DISABLED_CHECK', reasonForNonComplianceCode: 'LOGGING_DISABLED' },
    );

    test('not configured → COMPLETED with the role and level; undo says "not configured"', async () => {
      // A region of its own, so that no other test has configured logging there.
      const region = 'eu-west-3';
      const regional = server.iot(ACCOUNT, region);
      assert.equal((await errorOf(() => regional.send(new GetV2LoggingOptionsCommand({})))).name, 'NotConfiguredException');
      const outcome = assertCompleted(await apply(enable, loggingFinding, region), /not configured/);
      const got = await regional.send(new GetV2LoggingOptionsCommand({}));
      assert.equal(got.roleArn, roleArnForLogging);
      assert.equal(got.defaultLogLevel, 'WARN');
      assert.equal(got.disableAllLogs, false);
      assert.deepEqual(outcome.undo, { previous: null, applied: { disableAllLogs: false, roleArn: roleArnForLogging, defaultLogLevel: 'WARN' } });
      // The default region was not touched.
      assert.equal((await errorOf(() => iot.send(new GetV2LoggingOptionsCommand({})))).name, 'NotConfiguredException');
    });

    test('disabled logs → COMPLETED: logs on, event configurations kept; undo holds the previous options', async () => {
      const eventConfigurations = [{ eventType: 'CONNECT', logLevel: 'DEBUG' as const }];
      await iot.send(
        new SetV2LoggingOptionsCommand({ roleArn: `arn:aws:iam::${ACCOUNT}:role/Old`, defaultLogLevel: 'ERROR', disableAllLogs: true, eventConfigurations }),
      );
      const outcome = assertCompleted(await apply(enable, loggingFinding));
      const got = await iot.send(new GetV2LoggingOptionsCommand({}));
      assert.equal(got.roleArn, roleArnForLogging);
      assert.equal(got.defaultLogLevel, 'WARN');
      assert.equal(got.disableAllLogs, false);
      assert.deepEqual(got.eventConfigurations, eventConfigurations);
      assert.deepEqual(outcome.undo, {
        previous: { disableAllLogs: true, roleArn: `arn:aws:iam::${ACCOUNT}:role/Old`, defaultLogLevel: 'ERROR', eventConfigurations },
        applied: { disableAllLogs: false, roleArn: roleArnForLogging, defaultLogLevel: 'WARN', eventConfigurations },
      });
    });
  });

  describe('PUBLISH_FINDING_TO_SNS', () => {
    const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:device-defender`;
    const publish = action('PUBLISH_FINDING_TO_SNS', { topicArn }, 'PublishSns');
    const outboxRows = (deduplicationId: string) =>
      server.store.transaction((db) => db.selectFrom('outbox').selectAll().where('deduplication_id', '=', deduplicationId).execute());

    test('IN_PROGRESS; one outbox row with the §7.3 subject, one-line body and deduplication id', async () => {
      const target = finding(
        { ...deviceResource('b'.repeat(64)), additionalInfo: { EXPIRATION_TIME: '1582862626000' } },
        { findingId: '0edbaaec-2fe1-4cf5-abc9-d4c3e51f7464' },
      );
      assert.deepEqual(await apply(publish, target), { status: 'IN_PROGRESS' });
      const rows = await outboxRows(`${TASK_ID}:0edbaaec-2fe1-4cf5-abc9-d4c3e51f7464:PublishSns`);
      assert.equal(rows.length, 1);
      const row = rows[0]!;
      assert.equal(row.origin, 'mitigation-execution');
      assert.deepEqual(JSON.parse(row.origin_ref), { taskId: TASK_ID, findingId: '0edbaaec-2fe1-4cf5-abc9-d4c3e51f7464', actionName: 'PublishSns' });
      assert.equal(row.topic_arn, topicArn);
      assert.equal(row.account_id, ACCOUNT);
      assert.equal(row.region, REGION);
      assert.equal(row.subject, 'AWS IoT Device Defender audit finding: DEVICE_CERTIFICATE_EXPIRING_CHECK');
      assert.equal(
        row.body,
        '{"version":"1","accountId":"123456789012","region":"us-east-1","taskId":"mitigation-task-1",' +
          '"auditTaskId":"873ed69c74a9ec8fa9b8e88e9abc4661","findingId":"0edbaaec-2fe1-4cf5-abc9-d4c3e51f7464",' +
          '"checkName":"DEVICE_CERTIFICATE_EXPIRING_CHECK","severity":"MEDIUM",' +
          '"reasonForNonComplianceCode":"CERTIFICATE_APPROACHING_EXPIRATION",' +
          '"reasonForNonCompliance":"Certificate expires in 9 days, within the threshold of 30 days.",' +
          `"nonCompliantResource":{"resourceType":"DEVICE_CERTIFICATE","resourceIdentifier":{"deviceCertificateId":"${'b'.repeat(64)}"},` +
          '"additionalInfo":{"EXPIRATION_TIME":"1582862626000"}},' +
          '"relatedResources":[],"findingTime":"2026-11-24T14:33:28.713Z","actionName":"PublishSns"}',
      );
    });

    test('related resources are in the message; the longest check name keeps the subject within 100 characters', async () => {
      const target = intermediateCaFinding(['c'.repeat(64), 'd'.repeat(64)]);
      const def = action('PUBLISH_FINDING_TO_SNS', { topicArn }, 'PublishRelated');
      assert.equal((await apply(def, { ...target, findingId: 'finding-related' })).status, 'IN_PROGRESS');
      const [row] = await outboxRows(`${TASK_ID}:finding-related:PublishRelated`);
      const body = JSON.parse(row!.body);
      assert.deepEqual(body.relatedResources, [deviceResource('c'.repeat(64)), deviceResource('d'.repeat(64))]);
      assert.deepEqual(body.nonCompliantResource, target.nonCompliantResource);
      assert.ok(!row!.body.includes('\n'));
      assert.equal(row!.subject, 'AWS IoT Device Defender audit finding: INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK');
      assert.ok(row!.subject.length <= 99, `subject has ${row!.subject.length} characters`);
    });

    test('the outbox row belongs to the execution\'s transaction: a rollback leaves no message', async () => {
      const impl = ACTION_IMPLEMENTATIONS.get('PUBLISH_FINDING_TO_SNS')!;
      const target = finding(deviceResource('e'.repeat(64)), { findingId: 'finding-rolled-back' });
      await assert.rejects(
        server.store.transaction(async (db) => {
          await impl.apply({ db, accountId: ACCOUNT, region: REGION, now: server.clock.now(), clock: server.clock, taskId: TASK_ID, finding: target, action: publish });
          throw new Error('execution aborted');
        }),
        /execution aborted/,
      );
      assert.deepEqual(await outboxRows(`${TASK_ID}:finding-rolled-back:PublishSns`), []);
    });
  });
});

// The message as a subscriber receives it: what the outbox row holds must survive SNS unchanged (subject length,
// one-line JSON body, the deduplication attribute).
describe('PUBLISH_FINDING_TO_SNS through moto SNS', () => {
  let moto: Moto;
  before(async () => {
    moto = await startMoto();
  });
  after(() => moto?.stop());

  for (const storeKind of STORES) {
    test(`the published message carries the §7.3 subject, body and deduplication attribute (${storeKind})`, async () => {
      const server = await startTestServer(storeKind, { sns: { endpoint: moto.url, credentials: MOTO_CREDENTIALS } });
      try {
        const { topicArn, queueUrl } = await moto.topicWithQueue(`mitigation-${storeKind}`);
        const target = intermediateCaFinding(['f'.repeat(64)]);
        const impl = ACTION_IMPLEMENTATIONS.get('PUBLISH_FINDING_TO_SNS')!;
        const def = action('PUBLISH_FINDING_TO_SNS', { topicArn }, 'PublishSns');
        const outcome = await server.store.transaction((db) =>
          impl.apply({ db, accountId: ACCOUNT, region: REGION, now: server.clock.now(), clock: server.clock, taskId: TASK_ID, finding: target, action: def }),
        );
        assert.deepEqual(outcome, { status: 'IN_PROGRESS' });
        const [envelope, extra] = await moto.receive(queueUrl, 1);
        assert.ok(envelope, 'no message reached the subscribed queue');
        assert.equal(extra, undefined);
        assert.equal(envelope.Subject, 'AWS IoT Device Defender audit finding: INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK');
        assert.deepEqual(envelope.MessageAttributes?.['ddlocal.deduplicationId'], { Type: 'String', Value: `${TASK_ID}:finding-1:PublishSns` });
        const body = JSON.parse(envelope.Message);
        assert.equal(body.taskId, TASK_ID);
        assert.equal(body.checkName, 'INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK');
        assert.deepEqual(body.relatedResources, [deviceResource('f'.repeat(64))]);
        assert.equal(body.findingTime, '2026-11-24T14:33:28.713Z');
      } finally {
        await server.close();
      }
    });
  }
});
