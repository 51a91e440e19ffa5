// The preview and undo extensions (docs/decisions.md#m31), over HTTP against the real server on both stores: a
// real audit produces the findings, real tasks change the registry (SNS goes to moto), and every effect is read back
// through the official SDK.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddThingToThingGroupCommand,
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateAuditSuppressionCommand,
  CreateMitigationActionCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DescribeAuditMitigationActionsTaskCommand,
  DescribeAuditTaskCommand,
  DescribeCACertificateCommand,
  DescribeCertificateCommand,
  GetPolicyCommand,
  GetRegistrationCodeCommand,
  GetV2LoggingOptionsCommand,
  ListAuditFindingsCommand,
  ListAuditMitigationActionsExecutionsCommand,
  ListPolicyVersionsCommand,
  ListThingGroupsForThingCommand,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
  RemoveThingFromThingGroupCommand,
  SetV2LoggingOptionsCommand,
  StartAuditMitigationActionsTaskCommand,
  StartOnDemandAuditTaskCommand,
  UpdateAccountAuditConfigurationCommand,
  UpdateCertificateCommand,
  type AuditFinding,
} from '@aws-sdk/client-iot';
import { forEachStore, startTestServer, type TestServer } from './helpers/server.js';
import { startMoto, MOTO_CREDENTIALS, type Moto } from './helpers/moto.js';
import { daysFromNow, makeCa, makeDeviceCertificate, makeVerificationCertificate, type TestCertificate } from './helpers/certs.js';

const REGION = 'us-east-1';
const BROAD = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] });
const CHECKS = ['DEVICE_CERTIFICATE_EXPIRING_CHECK', 'CA_CERTIFICATE_EXPIRING_CHECK', 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 'LOGGING_DISABLED_CHECK'];
const PREVIEW = '/_ddlocal/audit/mitigationactions/preview';
const undoPath = (taskId: string) => `/_ddlocal/audit/mitigationactions/tasks/${taskId}/undo`;

let accountSeq = 520000000000;

interface Response {
  status: number;
  headers: Headers;
  json: any;
}

// Each block starts its own moto before its server, which needs moto's endpoint.
forEachStore('mitigation preview and undo extensions', { server: false }, ({ store: storeKind }) => {
  let server: TestServer;
  let moto: Moto;
  before(async () => {
    moto = await startMoto();
    server = await startTestServer(storeKind, { sns: { endpoint: moto.url, credentials: MOTO_CREDENTIALS } });
  });
  after(async () => {
    await server.close();
    await moto.stop();
  });

  async function call(accountId: string, path: string, body?: unknown): Promise<Response> {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `AWS4-HMAC-SHA256 Credential=${accountId}/20300101/${REGION}/iot/aws4_request, SignedHeaders=host, Signature=x` },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text === '' ? undefined : JSON.parse(text) };
  }

  function assertApiError(res: Response, type: string, status: number, pattern?: RegExp) {
    assert.equal(res.status, status, JSON.stringify(res.json));
    assert.equal(res.headers.get('x-amzn-errortype'), type);
    assert.equal(res.json.__type, type);
    if (pattern) assert.match(res.json.message, pattern);
  }

  /**
   * A fresh account: three expiring device certificates (dev is attached to thing t1), an expiring CA, an overly
   * permissive policy, logging off; a completed audit of the four checks; one action of each type.
   */
  async function scenario() {
    const accountId = String(++accountSeq);
    const iot = server.iot(accountId, REGION);
    const role = `arn:aws:iam::${accountId}:role/mitigation`;
    const registerCa = async (ca: TestCertificate) => {
      const { registrationCode } = await iot.send(new GetRegistrationCodeCommand({}));
      const verification = await makeVerificationCertificate(ca, registrationCode!);
      return (await iot.send(new RegisterCACertificateCommand({ caCertificate: ca.pem, verificationCertificate: verification.pem, setAsActive: true })))
        .certificateId!;
    };
    const longCa = await makeCa({ notAfter: daysFromNow(3000) });
    await registerCa(longCa);
    const soonCaId = await registerCa(await makeCa({ notAfter: daysFromNow(20) }));
    const device = async (days: number) => {
      const cert = await makeDeviceCertificate(longCa, { notAfter: daysFromNow(days) });
      const out = await iot.send(new RegisterCertificateCommand({ certificatePem: cert.pem, caCertificatePem: longCa.pem, status: 'ACTIVE' }));
      return { id: out.certificateId!, arn: out.certificateArn! };
    };
    const dev = await device(10);
    const dev2 = await device(11);
    const dev3 = await device(12);
    await iot.send(new CreateThingCommand({ thingName: 't1' }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: 't1', principal: dev.arn }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'quarantine' }));
    await iot.send(new CreatePolicyCommand({ policyName: 'broad-a', policyDocument: BROAD }));
    await iot.send(new AttachPolicyCommand({ policyName: 'broad-a', target: dev.arn }));
    await iot.send(
      new UpdateAccountAuditConfigurationCommand({ roleArn: role, auditCheckConfigurations: Object.fromEntries(CHECKS.map((c) => [c, { enabled: true }])) }),
    );
    const { taskId: auditTaskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: CHECKS }));
    for (let i = 0; i < 400; i++) {
      if ((await iot.send(new DescribeAuditTaskCommand({ taskId: auditTaskId }))).taskStatus !== 'IN_PROGRESS') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const { findings } = await iot.send(new ListAuditFindingsCommand({ taskId: auditTaskId, maxResults: 250 }));
    const findingOf = (id: string): AuditFinding => {
      const f = findings!.find((x) => Object.values(x.nonCompliantResource?.resourceIdentifier ?? {}).includes(id));
      assert.ok(f, `the audit found ${id}`);
      return f;
    };
    const policyFinding = findings!.find((f) => f.checkName === 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK')!;
    const loggingFinding = findings!.find((f) => f.checkName === 'LOGGING_DISABLED_CHECK')!;
    assert.ok(policyFinding && loggingFinding);
    const { topicArn, queueUrl } = await moto.topicWithQueue(`alerts-${accountId}`);
    const actions: Record<string, object> = {
      Deactivate: { updateDeviceCertificateParams: { action: 'DEACTIVATE' } },
      Quarantine: { addThingsToThingGroupParams: { thingGroupNames: ['quarantine'] } },
      QuarantineTwice: { addThingsToThingGroupParams: { thingGroupNames: ['quarantine', 'no-such-group'] } },
      DeactivateCa: { updateCACertificateParams: { action: 'DEACTIVATE' } },
      ResetPolicy: { replaceDefaultPolicyVersionParams: { templateName: 'BLANK_POLICY' } },
      EnableLogging: { enableIoTLoggingParams: { roleArnForLogging: role, logLevel: 'WARN' } },
      Notify: { publishFindingToSnsParams: { topicArn } },
    };
    for (const [actionName, actionParams] of Object.entries(actions))
      await iot.send(new CreateMitigationActionCommand({ actionName, roleArn: role, actionParams }));
    return { accountId, iot, role, auditTaskId: auditTaskId!, dev, dev2, dev3, soonCaId, findingOf, policyFinding, loggingFinding, topicArn, queueUrl };
  }
  type Scenario = Awaited<ReturnType<typeof scenario>>;

  const FULL_MAPPING = {
    DEVICE_CERTIFICATE_EXPIRING_CHECK: ['Deactivate', 'Quarantine', 'Notify'],
    CA_CERTIFICATE_EXPIRING_CHECK: ['DeactivateCa'],
    IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicy'],
    LOGGING_DISABLED_CHECK: ['EnableLogging'],
  };

  async function runTask(s: Scenario, taskId: string, auditCheckToActionsMapping: Record<string, string[]>, target: object = { auditTaskId: s.auditTaskId }) {
    await s.iot.send(new StartAuditMitigationActionsTaskCommand({ taskId, target, auditCheckToActionsMapping }));
    for (let i = 0; i < 800; i++) {
      const d = await s.iot.send(new DescribeAuditMitigationActionsTaskCommand({ taskId }));
      if (d.taskStatus !== 'IN_PROGRESS') return d;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`task ${taskId} did not end`);
  }

  const certStatus = async (s: Scenario, id: string) =>
    (await s.iot.send(new DescribeCertificateCommand({ certificateId: id }))).certificateDescription!.status;
  const caStatus = async (s: Scenario) => (await s.iot.send(new DescribeCACertificateCommand({ certificateId: s.soonCaId }))).certificateDescription!.status;
  const groupsOfT1 = async (s: Scenario) => (await s.iot.send(new ListThingGroupsForThingCommand({ thingName: 't1' }))).thingGroups!.map((g) => g.groupName);
  const defaultVersion = async (s: Scenario) => (await s.iot.send(new GetPolicyCommand({ policyName: 'broad-a' }))).defaultVersionId;
  const loggingConfigured = async (s: Scenario) => {
    try {
      await s.iot.send(new GetV2LoggingOptionsCommand({}));
      return true;
    } catch (err) {
      assert.equal((err as Error).name, 'NotConfiguredException');
      return false;
    }
  };
  const count = async (table: 'outbox' | 'mitigation_tasks' | 'mitigation_executions', accountId: string) =>
    Number(
      (
        await server.store.transaction((db) =>
          db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .where('account_id', '=', accountId)
            .executeTakeFirstOrThrow(),
        )
      ).n,
    );

  describe('preview', () => {
    test('each outcome kind, matching what the task then really does; the preview itself changes nothing', async () => {
      const s = await scenario();
      await s.iot.send(new UpdateCertificateCommand({ certificateId: s.dev2.id, newStatus: 'REVOKED' }));
      await s.iot.send(new UpdateCertificateCommand({ certificateId: s.dev3.id, newStatus: 'INACTIVE' }));
      const res = await call(s.accountId, PREVIEW, { target: { auditTaskId: s.auditTaskId }, auditCheckToActionsMapping: FULL_MAPPING });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.equal(res.json.nextToken, undefined);
      assert.deepEqual(res.json.taskStatistics, {
        DEVICE_CERTIFICATE_EXPIRING_CHECK: { totalFindingsCount: 3, skippedFindingsCount: 0 },
        CA_CERTIFICATE_EXPIRING_CHECK: { totalFindingsCount: 1, skippedFindingsCount: 0 },
        IOT_POLICY_OVERLY_PERMISSIVE_CHECK: { totalFindingsCount: 1, skippedFindingsCount: 0 },
        LOGGING_DISABLED_CHECK: { totalFindingsCount: 1, skippedFindingsCount: 0 },
      });
      const planned: any[] = res.json.plannedExecutions;
      assert.equal(planned.length, 3 * 3 + 3);
      const of = (findingId: string) => planned.filter((p) => p.findingId === findingId).map((p) => [p.actionName, p.outcome, p.detail]);
      const devFinding = s.findingOf(s.dev.id).findingId!;
      assert.deepEqual(of(devFinding), [
        ['Deactivate', 'WOULD_CHANGE', 'status ACTIVE -> INACTIVE'],
        ['Quarantine', 'WOULD_CHANGE', 'thing t1 -> thing group quarantine'],
        ['Notify', 'WOULD_CHANGE', `publish to ${s.topicArn}`],
      ]);
      const p0 = planned.find((p) => p.findingId === devFinding)!;
      assert.equal(p0.checkName, 'DEVICE_CERTIFICATE_EXPIRING_CHECK');
      assert.equal(p0.actionType, 'UPDATE_DEVICE_CERTIFICATE');
      assert.deepEqual(p0.resource, { deviceCertificateId: s.dev.id });
      const [failed, ...skipped] = of(s.findingOf(s.dev2.id).findingId!);
      assert.deepEqual(failed!.slice(0, 2), ['Deactivate', 'WOULD_FAIL']);
      assert.match(failed![2], new RegExp(`${s.dev2.id}.*REVOKED`));
      assert.deepEqual(skipped, [
        ['Quarantine', 'SKIPPED', 'Skipped because action Deactivate would fail for this finding'],
        ['Notify', 'SKIPPED', 'Skipped because action Deactivate would fail for this finding'],
      ]);
      const noChange = of(s.findingOf(s.dev3.id).findingId!);
      assert.deepEqual(noChange.map((p) => p.slice(0, 2)), [['Deactivate', 'NO_CHANGE'], ['Quarantine', 'NO_CHANGE'], ['Notify', 'WOULD_CHANGE']]);
      assert.match(noChange[0]![2], /already INACTIVE/);
      assert.match(noChange[1]![2], /no things attached/);
      assert.deepEqual(of(s.findingOf(s.soonCaId).findingId!), [['DeactivateCa', 'WOULD_CHANGE', 'status ACTIVE -> INACTIVE']]);
      assert.deepEqual(of(s.policyFinding.findingId!), [['ResetPolicy', 'WOULD_CHANGE', 'policy broad-a: default version 1 -> 2 (BLANK_POLICY)']]);
      assert.deepEqual(of(s.loggingFinding.findingId!), [['EnableLogging', 'WOULD_CHANGE', `V2 logging not configured -> default level WARN, role ${s.role}`]]);

      // Nothing changed: registry, outbox, tasks.
      assert.equal(await certStatus(s, s.dev.id), 'ACTIVE');
      assert.equal(await caStatus(s), 'ACTIVE');
      assert.deepEqual(await groupsOfT1(s), []);
      assert.equal(await defaultVersion(s), '1');
      assert.equal((await s.iot.send(new ListPolicyVersionsCommand({ policyName: 'broad-a' }))).policyVersions!.length, 1);
      assert.equal(await loggingConfigured(s), false);
      assert.equal(await count('outbox', s.accountId), 0);
      assert.equal(await count('mitigation_tasks', s.accountId), 0);

      // The real task does what the preview said.
      const task = await runTask(s, 'as-previewed', FULL_MAPPING);
      assert.equal(task.taskStatus, 'FAILED');
      const expectedStatus = { WOULD_CHANGE: 'COMPLETED', NO_CHANGE: 'COMPLETED', WOULD_FAIL: 'FAILED', SKIPPED: 'SKIPPED' } as Record<string, string>;
      for (const p of planned) {
        const { actionsExecutions } = await s.iot.send(
          new ListAuditMitigationActionsExecutionsCommand({ taskId: 'as-previewed', findingId: p.findingId, maxResults: 100 }),
        );
        const e = actionsExecutions!.find((x) => x.actionName === p.actionName)!;
        assert.equal(e.status, expectedStatus[p.outcome], `${p.findingId} ${p.actionName}`);
      }
      assert.equal(await defaultVersion(s), '2', 'the prediction named the version id the task then created');
    });

    test('suppressed and filtered findings → SKIPPED and counted as skipped; unmapped checks ignored', async () => {
      const s = await scenario();
      await s.iot.send(
        new CreateAuditSuppressionCommand({
          checkName: 'CA_CERTIFICATE_EXPIRING_CHECK',
          resourceIdentifier: { caCertificateId: s.soonCaId },
          suppressIndefinitely: true,
          clientRequestToken: `sup-${s.accountId}`,
        }),
      );
      const res = await call(s.accountId, PREVIEW, {
        target: { auditTaskId: s.auditTaskId, auditCheckToReasonCodeFilter: { DEVICE_CERTIFICATE_EXPIRING_CHECK: ['CERTIFICATE_PAST_EXPIRATION'] } },
        auditCheckToActionsMapping: { DEVICE_CERTIFICATE_EXPIRING_CHECK: ['Deactivate'], CA_CERTIFICATE_EXPIRING_CHECK: ['DeactivateCa', 'Notify'] },
      });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.deepEqual(res.json.taskStatistics, {
        DEVICE_CERTIFICATE_EXPIRING_CHECK: { totalFindingsCount: 3, skippedFindingsCount: 3 },
        CA_CERTIFICATE_EXPIRING_CHECK: { totalFindingsCount: 1, skippedFindingsCount: 1 },
      });
      const planned: any[] = res.json.plannedExecutions;
      assert.equal(planned.length, 3 + 2);
      for (const p of planned) assert.equal(p.outcome, 'SKIPPED');
      const ca = planned.filter((p) => p.checkName === 'CA_CERTIFICATE_EXPIRING_CHECK');
      assert.deepEqual(ca.map((p) => p.actionName), ['DeactivateCa', 'Notify']);
      for (const p of ca) assert.match(p.detail, /suppressed/);
      for (const p of planned.filter((p) => p.checkName === 'DEVICE_CERTIFICATE_EXPIRING_CHECK')) assert.match(p.detail, /auditCheckToReasonCodeFilter/);
    });

    test('paging: pages of 2 add up to the whole plan, in order, without duplicates; the token is bound to the body', async () => {
      const s = await scenario();
      const body = { target: { auditTaskId: s.auditTaskId }, auditCheckToActionsMapping: FULL_MAPPING, clientRequestToken: 'ignored' };
      const whole = await call(s.accountId, PREVIEW, { ...body, maxResults: 1000 });
      assert.equal(whole.json.plannedExecutions.length, 12);
      const key = (p: any) => `${p.findingId}/${p.actionName}`;
      const seen: any[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page = await call(s.accountId, PREVIEW, { ...body, maxResults: 2, ...(nextToken ? { nextToken } : {}) });
        assert.equal(page.status, 200, JSON.stringify(page.json));
        assert.ok(page.json.plannedExecutions.length <= 2);
        assert.deepEqual(page.json.taskStatistics, whole.json.taskStatistics);
        seen.push(...page.json.plannedExecutions);
        nextToken = page.json.nextToken;
        pages++;
      } while (nextToken);
      assert.equal(pages, 6);
      assert.deepEqual(seen.map(key), whole.json.plannedExecutions.map(key));
      assert.equal(new Set(seen.map(key)).size, 12);
      // A page starting mid-finding still predicts with the finding's earlier actions applied.
      assert.deepEqual(seen, whole.json.plannedExecutions);
      // Default page size 100 holds everything here.
      assert.equal((await call(s.accountId, PREVIEW, body)).json.plannedExecutions.length, 12);

      const first = await call(s.accountId, PREVIEW, { ...body, maxResults: 2 });
      const other = await call(s.accountId, PREVIEW, {
        ...body,
        auditCheckToActionsMapping: { LOGGING_DISABLED_CHECK: ['EnableLogging'] },
        nextToken: first.json.nextToken,
      });
      assertApiError(other, 'InvalidRequestException', 400, /nextToken is invalid/);
    });

    test('validation: request shape (all violations together), target rules, existence, checks, actions, compatibility', async () => {
      const s = await scenario();
      const mapping = { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicy'] };
      assertApiError(await call(s.accountId, PREVIEW, {}), 'InvalidRequestException', 400, /^2 validation errors detected: .*'target'.*'auditCheckToActionsMapping'/);
      assertApiError(await call(s.accountId, PREVIEW), 'InvalidRequestException', 400, /2 validation errors/);
      assertApiError(await call(s.accountId, PREVIEW, 'not json'), 'InvalidRequestException', 400, /not valid JSON/);
      assertApiError(
        await call(s.accountId, PREVIEW, { target: { findingIds: [] }, auditCheckToActionsMapping: mapping, maxResults: 0, taskId: 'x' }),
        'InvalidRequestException',
        400,
        /^3 validation errors detected: .*target\.findingIds.*maxResults.*value greater than or equal to 1.*taskId.*not a member/,
      );
      assertApiError(
        await call(s.accountId, PREVIEW, { target: { auditTaskId: s.auditTaskId }, auditCheckToActionsMapping: mapping, maxResults: 1001 }),
        'InvalidRequestException',
        400,
        /less than or equal to 1000/,
      );
      const cases: [object, RegExp][] = [
        [{ target: { auditTaskId: s.auditTaskId, findingIds: [s.policyFinding.findingId] }, auditCheckToActionsMapping: mapping }, /exactly one of auditTaskId or findingIds/],
        [{ target: { findingIds: ['no-such-finding'] }, auditCheckToActionsMapping: mapping }, /Finding no-such-finding does not exist/],
        [{ target: { auditTaskId: s.auditTaskId }, auditCheckToActionsMapping: { CONFLICTING_CLIENT_IDS_CHECK: ['Notify'] } }, /CONFLICTING_CLIENT_IDS_CHECK is not enabled/],
        [{ target: { auditTaskId: s.auditTaskId }, auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['NoSuchAction'] } }, /Mitigation action NoSuchAction does not exist/],
        [{ target: { auditTaskId: s.auditTaskId }, auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['EnableLogging'] } }, /EnableLogging \(ENABLE_IOT_LOGGING\) cannot be applied/],
      ];
      for (const [body, pattern] of cases) assertApiError(await call(s.accountId, PREVIEW, body), 'InvalidRequestException', 400, pattern);

      // Not idempotency (step 2): a body reusing an existing task's token previews fine.
      await runTask(s, 'used-token-task', mapping, { findingIds: [s.policyFinding.findingId] });
      const again = await call(s.accountId, PREVIEW, { target: { auditTaskId: s.auditTaskId }, auditCheckToActionsMapping: mapping, clientRequestToken: 'whatever' });
      assert.equal(again.status, 200);
      assert.equal(again.json.plannedExecutions[0].outcome, 'WOULD_CHANGE');
      assert.equal(again.json.plannedExecutions[0].detail, 'policy broad-a: default version 2 -> 3 (BLANK_POLICY)', 'predicted against the current registry');
    });

    test('not the quota (step 8): with 10 tasks in progress Start is refused but the preview answers', async () => {
      const s = await scenario();
      const body = { target: { findingIds: [s.policyFinding.findingId!] }, auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicy'] } };
      server.mitigationRunner.pause();
      try {
        for (let i = 0; i < 10; i++) await s.iot.send(new StartAuditMitigationActionsTaskCommand({ taskId: `busy-${i}`, ...body }));
        const refused = await call(s.accountId, '/audit/mitigationactions/tasks/busy-10', { ...body, clientRequestToken: 'busy-10' });
        assertApiError(refused, 'LimitExceededException', 410);
        const res = await call(s.accountId, PREVIEW, body);
        assert.equal(res.status, 200, JSON.stringify(res.json));
        assert.equal(res.json.plannedExecutions[0].outcome, 'WOULD_CHANGE');
        assert.equal(await count('mitigation_tasks', s.accountId), 10);
      } finally {
        server.mitigationRunner.resume();
      }
    });
  });

  describe('undo', () => {
    test('each action type restored; SNS not undoable; nothing-to-undo reported; a repeat is ALREADY_UNDONE; task unchanged', async () => {
      const s = await scenario();
      await s.iot.send(new UpdateCertificateCommand({ certificateId: s.dev3.id, newStatus: 'INACTIVE' }));
      const task = await runTask(s, 'to-undo', FULL_MAPPING);
      assert.equal(task.taskStatus, 'COMPLETED', JSON.stringify(task.taskStatistics));
      assert.equal(await certStatus(s, s.dev.id), 'INACTIVE');
      assert.equal(await caStatus(s), 'INACTIVE');
      assert.deepEqual(await groupsOfT1(s), ['quarantine']);
      assert.equal(await defaultVersion(s), '2');
      assert.equal(await loggingConfigured(s), true);

      const res = await call(s.accountId, undoPath('to-undo'));
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.equal(res.json.taskId, 'to-undo');
      const results: any[] = res.json.results;
      assert.equal(results.length, 12);
      const outcome = (findingId: string, actionName: string) => results.find((r) => r.findingId === findingId && r.actionName === actionName);
      const [devF, dev2F, dev3F] = [s.dev, s.dev2, s.dev3].map((c) => s.findingOf(c.id).findingId!);
      assert.equal(outcome(devF!, 'Deactivate').outcome, 'RESTORED');
      assert.match(outcome(devF!, 'Deactivate').message, /restored to ACTIVE/);
      assert.equal(outcome(devF!, 'Quarantine').outcome, 'RESTORED');
      assert.equal(outcome(dev2F!, 'Deactivate').outcome, 'RESTORED');
      assert.equal(outcome(dev2F!, 'Quarantine').outcome, 'NOTHING_TO_UNDO');
      assert.equal(outcome(dev3F!, 'Deactivate').outcome, 'NOTHING_TO_UNDO');
      for (const f of [devF, dev2F, dev3F]) assert.equal(outcome(f!, 'Notify').outcome, 'NOT_UNDOABLE');
      assert.equal(outcome(s.findingOf(s.soonCaId).findingId!, 'DeactivateCa').outcome, 'RESTORED');
      assert.equal(outcome(s.policyFinding.findingId!, 'ResetPolicy').outcome, 'RESTORED');
      assert.equal(outcome(s.loggingFinding.findingId!, 'EnableLogging').outcome, 'RESTORED');

      assert.equal(await certStatus(s, s.dev.id), 'ACTIVE');
      assert.equal(await certStatus(s, s.dev2.id), 'ACTIVE');
      assert.equal(await certStatus(s, s.dev3.id), 'INACTIVE', 'it was INACTIVE before the task');
      assert.equal(await caStatus(s), 'ACTIVE');
      assert.deepEqual(await groupsOfT1(s), []);
      assert.equal(await defaultVersion(s), '1');
      const versions = (await s.iot.send(new ListPolicyVersionsCommand({ policyName: 'broad-a' }))).policyVersions!;
      assert.deepEqual(versions.map((v) => v.versionId), ['1'], 'the blank version is deleted');
      assert.equal(await loggingConfigured(s), false, 'back to not configured');

      const again = await call(s.accountId, undoPath('to-undo'));
      assert.equal(again.status, 200);
      const byKey = (rs: any[]) => Object.fromEntries(rs.map((r) => [`${r.findingId}/${r.actionName}`, r.outcome]));
      const first = byKey(results);
      const second = byKey(again.json.results);
      for (const [k, o] of Object.entries(first)) assert.equal(second[k], o === 'RESTORED' ? 'ALREADY_UNDONE' : o, k);
      assert.equal(await certStatus(s, s.dev.id), 'ACTIVE');

      const after = await s.iot.send(new DescribeAuditMitigationActionsTaskCommand({ taskId: 'to-undo' }));
      assert.equal(after.taskStatus, task.taskStatus);
      assert.deepEqual(after.taskStatistics, task.taskStatistics);
    });

    test('CHANGED_SINCE: values changed after the task stay as they are', async () => {
      const s = await scenario();
      await runTask(s, 'then-changed', {
        DEVICE_CERTIFICATE_EXPIRING_CHECK: ['Deactivate', 'Quarantine'],
        IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicy'],
        LOGGING_DISABLED_CHECK: ['EnableLogging'],
      }, { findingIds: [s.findingOf(s.dev.id).findingId, s.policyFinding.findingId, s.loggingFinding.findingId] });
      await s.iot.send(new UpdateCertificateCommand({ certificateId: s.dev.id, newStatus: 'REVOKED' }));
      await s.iot.send(new RemoveThingFromThingGroupCommand({ thingName: 't1', thingGroupName: 'quarantine' }));
      await s.iot.send(new CreatePolicyVersionCommand({ policyName: 'broad-a', policyDocument: BROAD, setAsDefault: true }));
      await s.iot.send(new SetV2LoggingOptionsCommand({ roleArn: s.role, defaultLogLevel: 'DEBUG' }));

      const res = await call(s.accountId, undoPath('then-changed'));
      assert.equal(res.status, 200, JSON.stringify(res.json));
      const results: any[] = res.json.results;
      assert.deepEqual(results.map((r) => r.outcome), ['CHANGED_SINCE', 'CHANGED_SINCE', 'CHANGED_SINCE', 'CHANGED_SINCE']);
      const messages = results.map((r) => r.message).join('\n');
      assert.match(messages, new RegExp(`Device certificate ${s.dev.id} is REVOKED`));
      assert.match(messages, /Thing t1 is no longer in static thing group quarantine/);
      assert.match(messages, /default version is 3/);
      assert.match(messages, /V2 logging options .* were changed after the action/);
      assert.equal(await certStatus(s, s.dev.id), 'REVOKED');
      assert.equal(await defaultVersion(s), '3');
      assert.equal((await s.iot.send(new ListPolicyVersionsCommand({ policyName: 'broad-a' }))).policyVersions!.length, 3);
      assert.equal((await s.iot.send(new GetV2LoggingOptionsCommand({}))).defaultLogLevel, 'DEBUG');
    });

    test('a FAILED execution with partial changes is undone; memberships that existed before stay', async () => {
      const s = await scenario();
      await s.iot.send(new CreateThingCommand({ thingName: 't2' }));
      await s.iot.send(new AttachThingPrincipalCommand({ thingName: 't2', principal: s.dev.arn }));
      await s.iot.send(new AddThingToThingGroupCommand({ thingName: 't2', thingGroupName: 'quarantine' }));
      const task = await runTask(s, 'partial', { DEVICE_CERTIFICATE_EXPIRING_CHECK: ['QuarantineTwice'] }, { findingIds: [s.findingOf(s.dev.id).findingId] });
      assert.equal(task.taskStatus, 'FAILED');
      assert.deepEqual(await groupsOfT1(s), ['quarantine']);
      const res = await call(s.accountId, undoPath('partial'));
      assert.deepEqual(res.json.results.map((r: any) => [r.actionName, r.outcome]), [['QuarantineTwice', 'RESTORED']]);
      assert.deepEqual(await groupsOfT1(s), []);
      const t2 = (await s.iot.send(new ListThingGroupsForThingCommand({ thingName: 't2' }))).thingGroups!.map((g) => g.groupName);
      assert.deepEqual(t2, ['quarantine'], 'a membership the action did not create stays');
    });

    test('errors: unknown task → ResourceNotFound; task in progress → InvalidRequest; bad task id or path', async () => {
      const s = await scenario();
      assertApiError(await call(s.accountId, undoPath('no-such-task')), 'ResourceNotFoundException', 404, /no-such-task does not exist/);
      assertApiError(await call(s.accountId, undoPath('bad%20id')), 'InvalidRequestException', 400, /taskId/);
      assertApiError(await call(s.accountId, '/_ddlocal/audit/mitigationactions/tasks/x/redo'), 'UnknownOperationException', 404);
      server.mitigationRunner.pause();
      try {
        await s.iot.send(
          new StartAuditMitigationActionsTaskCommand({
            taskId: 'running',
            target: { findingIds: [s.policyFinding.findingId!] },
            auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicy'] },
          }),
        );
        assertApiError(await call(s.accountId, undoPath('running')), 'InvalidRequestException', 400, /running is IN_PROGRESS/);
      } finally {
        server.mitigationRunner.resume();
      }
      // Another account does not see the task.
      const other = String(++accountSeq);
      assertApiError(await call(other, undoPath('running')), 'ResourceNotFoundException', 404);
    });
  });
});
