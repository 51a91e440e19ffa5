// ListAuditFindings, DescribeAuditFinding, ListRelatedResourcesForAuditFinding over HTTP with the SDK, on both stores.
// One finding comes from a real LOGGING_DISABLED_CHECK run; the paging fixtures (many findings, 12 related resources)
// are written through the engine's own storage function (storeFindings).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAuditSuppressionCommand,
  DeleteAuditSuppressionCommand,
  DescribeAuditFindingCommand,
  DescribeAuditTaskCommand,
  ListAuditFindingsCommand,
  ListRelatedResourcesForAuditFindingCommand,
  StartOnDemandAuditTaskCommand,
  UpdateAccountAuditConfigurationCommand,
  type AuditFinding,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, errorOf, type TestServer } from './helpers/server.js';
import { createAuditTask, storeFindings } from '../src/audit/engine/engine.js';
import type { CheckFinding } from '../src/audit/checks/check.js';

const ACCOUNT = '123456789012';

async function assertError(p: () => Promise<unknown>, name: string, status: number, pattern?: RegExp) {
  const err = await errorOf(p);
  assert.equal(err.name, name);
  assert.equal(err.$metadata?.httpStatusCode, status);
  if (pattern) assert.match(err.message, pattern);
}

const certFinding = (i: number, related = 0): CheckFinding => ({
  nonCompliantResource: { resourceType: 'DEVICE_CERTIFICATE', resourceIdentifier: { deviceCertificateId: `${i}`.padStart(64, 'a') } },
  relatedResources: Array.from({ length: related }, (_, j) => ({
    resourceType: 'CLIENT_ID' as const,
    resourceIdentifier: { clientId: `client-${j}` },
    additionalInfo: { CONNECTION_TIME: String(1000 + j) },
  })),
  reasonForNonComplianceCode: 'CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES',
  reasonForNonCompliance: 'Certificate shared by one or more devices.',
});

/** A task of DEVICE_CERTIFICATE_SHARED_CHECK, not enabled (so the runner only closes it), to store findings into. */
async function disabledTask(tx: Parameters<typeof storeFindings>[0], now: number) {
  const taskId = await createAuditTask(tx, {
    accountId: ACCOUNT,
    region: 'us-east-1',
    taskType: 'ON_DEMAND_AUDIT_TASK',
    taskStartTime: now,
    checks: ['DEVICE_CERTIFICATE_SHARED_CHECK'],
    configurations: {},
  });
  return { account_id: ACCOUNT, region: 'us-east-1', task_id: taskId, task_start_time: now };
}

forEachStore('audit findings', (suite) => {
  let server: TestServer;
  let iot: IoTClient;
  let loggingTask: string;
  let storedTask: string;
  before(async () => {
    ({ server, iot } = suite);
    await iot.send(
      new UpdateAccountAuditConfigurationCommand({
        roleArn: 'arn:aws:iam::123456789012:role/a',
        auditCheckConfigurations: { LOGGING_DISABLED_CHECK: { enabled: true } },
      }),
    );
    loggingTask = (await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: ['LOGGING_DISABLED_CHECK'] }))).taskId!;
    for (;;) {
      const d = await iot.send(new DescribeAuditTaskCommand({ taskId: loggingTask }));
      if (d.taskStatus !== 'IN_PROGRESS') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // 30 findings of a task whose checks are all disabled (so the runner only closes it): paging material.
    const now = server.clock.now();
    storedTask = await server.store.transaction(async (tx) => {
      const task = await disabledTask(tx, now);
      await storeFindings(tx, task, 'DEVICE_CERTIFICATE_SHARED_CHECK', 'CRITICAL', [certFinding(0, 12)], now + 10);
      await storeFindings(tx, task, 'DEVICE_CERTIFICATE_SHARED_CHECK', 'CRITICAL', Array.from({ length: 29 }, (_, i) => certFinding(i + 1)), now + 5);
      return task.task_id;
    });
  });

  test('the logging finding, by task and by describe', async () => {
    const list = await iot.send(new ListAuditFindingsCommand({ taskId: loggingTask }));
    assert.equal(list.findings!.length, 1);
    const f = list.findings![0]!;
    assert.match(f.findingId!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(f.checkName, 'LOGGING_DISABLED_CHECK');
    assert.equal(f.severity, 'LOW');
    assert.equal(f.reasonForNonComplianceCode, 'LOGGING_DISABLED');
    assert.deepEqual(f.nonCompliantResource, { resourceType: 'ACCOUNT_SETTINGS', resourceIdentifier: { account: ACCOUNT } });
    assert.equal(f.isSuppressed, false);
    assert.ok(f.findingTime!.getTime() >= f.taskStartTime!.getTime());
    const d = await iot.send(new DescribeAuditFindingCommand({ findingId: f.findingId }));
    assert.deepEqual(d.finding, f);
  });

  test('scope rules: neither, both, one bound, unknown task, identifier without check, wrong identifier', async () => {
    const t = new Date();
    await assertError(() => iot.send(new ListAuditFindingsCommand({})), 'InvalidRequestException', 400, /taskId/);
    await assertError(() => iot.send(new ListAuditFindingsCommand({ taskId: loggingTask, startTime: t, endTime: t })), 'InvalidRequestException', 400);
    await assertError(() => iot.send(new ListAuditFindingsCommand({ startTime: t })), 'InvalidRequestException', 400);
    await assertError(() => iot.send(new ListAuditFindingsCommand({ startTime: t, endTime: new Date(t.getTime() - 1) })), 'InvalidRequestException', 400, /endTime/);
    await assertError(() => iot.send(new ListAuditFindingsCommand({ taskId: 'f'.repeat(32) })), 'InvalidRequestException', 400, /does not exist/);
    await assertError(
      () => iot.send(new ListAuditFindingsCommand({ taskId: loggingTask, resourceIdentifier: { account: ACCOUNT } })),
      'InvalidRequestException',
      400,
      /checkName/,
    );
    await assertError(
      () => iot.send(new ListAuditFindingsCommand({ taskId: loggingTask, checkName: 'LOGGING_DISABLED_CHECK', resourceIdentifier: { clientId: 'x' } })),
      'InvalidRequestException',
      400,
      /account/,
    );
    await assertError(() => iot.send(new ListAuditFindingsCommand({ taskId: loggingTask, checkName: 'NOPE' })), 'InvalidRequestException', 400, /NOPE/);
  });

  test('paging by task: newest first, no gaps, no duplicates; identifier filter normalises ids', async () => {
    const seen: AuditFinding[] = [];
    let nextToken: string | undefined;
    do {
      const page = await iot.send(new ListAuditFindingsCommand({ taskId: storedTask, maxResults: 7, nextToken }));
      seen.push(...page.findings!);
      nextToken = page.nextToken;
    } while (nextToken);
    assert.equal(seen.length, 30);
    assert.equal(new Set(seen.map((f) => f.findingId)).size, 30);
    assert.equal(seen[0]!.nonCompliantResource!.resourceIdentifier!.deviceCertificateId, '0'.padStart(64, 'a'));
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i - 1]!.findingTime!.getTime() >= seen[i]!.findingTime!.getTime());
    const one = await iot.send(
      new ListAuditFindingsCommand({
        taskId: storedTask,
        checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK',
        resourceIdentifier: { deviceCertificateId: '7'.padStart(64, 'A') },
      }),
    );
    assert.equal(one.findings!.length, 1);
  });

  test('time window is inclusive on findingTime', async () => {
    const f = (await iot.send(new ListAuditFindingsCommand({ taskId: loggingTask }))).findings![0]!;
    const exact = await iot.send(new ListAuditFindingsCommand({ startTime: f.findingTime, endTime: f.findingTime }));
    assert.ok(exact.findings!.some((x) => x.findingId === f.findingId));
    const after = await iot.send(
      new ListAuditFindingsCommand({ startTime: new Date(f.findingTime!.getTime() + 1), endTime: new Date(f.findingTime!.getTime() + 2) }),
    );
    assert.ok(!after.findings!.some((x) => x.findingId === f.findingId));
  });

  test('isSuppressed and listSuppressedFindings follow the suppressions active now', async () => {
    const key = { checkName: 'LOGGING_DISABLED_CHECK', resourceIdentifier: { account: ACCOUNT } };
    await iot.send(new CreateAuditSuppressionCommand({ ...key, suppressIndefinitely: true }));
    const only = await iot.send(new ListAuditFindingsCommand({ taskId: loggingTask, listSuppressedFindings: true }));
    assert.equal(only.findings!.length, 1);
    assert.equal(only.findings![0]!.isSuppressed, true);
    const none = await iot.send(new ListAuditFindingsCommand({ taskId: loggingTask, listSuppressedFindings: false }));
    assert.equal(none.findings!.length, 0);
    const d = await iot.send(new DescribeAuditTaskCommand({ taskId: loggingTask }));
    assert.equal(d.auditDetails!.LOGGING_DISABLED_CHECK!.checkRunStatus, 'COMPLETED_COMPLIANT');
    assert.equal(d.auditDetails!.LOGGING_DISABLED_CHECK!.checkCompliant, true);
    assert.equal(d.auditDetails!.LOGGING_DISABLED_CHECK!.nonCompliantResourcesCount, 1);
    assert.equal(d.auditDetails!.LOGGING_DISABLED_CHECK!.suppressedNonCompliantResourcesCount, 1);
    assert.equal(d.taskStatistics!.compliantChecks, 1);
    await iot.send(new DeleteAuditSuppressionCommand(key));
    const back = await iot.send(new ListAuditFindingsCommand({ taskId: loggingTask, listSuppressedFindings: false }));
    assert.equal(back.findings![0]!.isSuppressed, false);
  });

  test('related resources: 10 embedded, all through ListRelatedResourcesForAuditFinding', async () => {
    const first = (await iot.send(new ListAuditFindingsCommand({ taskId: storedTask, maxResults: 1 }))).findings![0]!;
    assert.equal(first.relatedResources!.length, 10);
    const all: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await iot.send(new ListRelatedResourcesForAuditFindingCommand({ findingId: first.findingId, maxResults: 5, nextToken }));
      all.push(...page.relatedResources!.map((r) => r.resourceIdentifier!.clientId!));
      nextToken = page.nextToken;
    } while (nextToken);
    assert.deepEqual(all, Array.from({ length: 12 }, (_, j) => `client-${j}`));
  });

  test('unknown finding is ResourceNotFoundException', async () => {
    await assertError(() => iot.send(new DescribeAuditFindingCommand({ findingId: 'nope' })), 'ResourceNotFoundException', 404);
    await assertError(() => iot.send(new ListRelatedResourcesForAuditFindingCommand({ findingId: 'nope' })), 'ResourceNotFoundException', 404);
  });

  test('bulk storage: awkward text round-trips unchanged, across several insert batches, lazily iterated', async () => {
    // On PostgreSQL findings travel as one array per column (unnest): quotes, backslashes, braces, commas, NULL-like
    // text and non-ASCII must come back as they went in.
    const awkward = ['say "hi", {NULL}', 'back\\slash \\"', 'NULL', '', ' spaced ', 'ünïcødé ✓ 🚗', "it's", '{a,b}'];
    const now = server.clock.now() + 1000;
    const count = 5000 * 2 + 7; // more than two of the engine's insert batches
    const taskId = await server.store.transaction(async (tx) => {
      const task = await disabledTask(tx, now);
      function* findings(): Generator<CheckFinding> {
        for (let i = 0; i < count; i++) {
          const text = awkward[i % awkward.length]!;
          yield {
            nonCompliantResource: {
              resourceType: 'DEVICE_CERTIFICATE',
              // Two findings per certificate: the count of distinct resources is half the findings (rounded up).
              resourceIdentifier: { deviceCertificateId: `${Math.floor(i / 2)}`.padStart(64, 'b') },
              additionalInfo: { TEXT: text },
            },
            reasonForNonComplianceCode: 'CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES',
            reasonForNonCompliance: `${text} #${i}`,
          };
        }
      }
      const saved = await storeFindings(tx, task, 'DEVICE_CERTIFICATE_SHARED_CHECK', 'CRITICAL', findings(), now + 1);
      assert.deepEqual(saved, { stored: count, nonCompliant: Math.ceil(count / 2) });
      return task.task_id;
    });
    const got = new Map<string, { reason: string; info: unknown }>();
    let nextToken: string | undefined;
    do {
      const page = await iot.send(new ListAuditFindingsCommand({ taskId, maxResults: 250, nextToken }));
      for (const f of page.findings!) got.set(f.findingId!, { reason: f.reasonForNonCompliance!, info: f.nonCompliantResource!.additionalInfo });
      nextToken = page.nextToken;
    } while (nextToken);
    assert.equal(got.size, count);
    const reasons = new Set([...got.values()].map((g) => g.reason));
    for (let i = 0; i < count; i += 997) {
      const text = awkward[i % awkward.length]!;
      assert.ok(reasons.has(`${text} #${i}`), `reason of finding ${i}`);
    }
    const infos = new Set([...got.values()].map((g) => JSON.stringify(g.info)));
    for (const text of awkward) assert.ok(infos.has(JSON.stringify({ TEXT: text })), `additionalInfo ${JSON.stringify(text)}`);
  });
});
