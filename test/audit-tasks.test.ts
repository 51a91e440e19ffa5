// Audit tasks: start, describe, list, cancel, quota, resume after restart, retention — through the official SDK over
// HTTP, with the real audit runner, on both stores.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import {
  CancelAuditTaskCommand,
  DescribeAuditTaskCommand,
  ListAuditTasksCommand,
  StartOnDemandAuditTaskCommand,
  UpdateAccountAuditConfigurationCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, errorOf, type TestServer } from './helpers/server.js';
import { AuditRunner, createAuditTask } from '../src/audit/engine/engine.js';
import { AUDIT_CHECKS } from '../src/audit/checks/index.js';
import { CHECK_NAMES } from '../src/audit/engine/catalogue.js';

async function waitForTask(iot: IoTClient, taskId: string) {
  for (let i = 0; i < 200; i++) {
    const d = await iot.send(new DescribeAuditTaskCommand({ taskId }));
    if (d.taskStatus !== 'IN_PROGRESS') return d;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`task ${taskId} did not finish`);
}

async function assertError(p: () => Promise<unknown>, name: string, status: number, pattern?: RegExp) {
  const err = await errorOf(p);
  assert.equal(err.name, name);
  assert.equal(err.$metadata?.httpStatusCode, status);
  if (pattern) assert.match(err.message, pattern);
}

// A check of the catalogue that has no evaluator yet (if any remain): its run must be FAILED, not a crash.
const missing = CHECK_NAMES.find((n) => !AUDIT_CHECKS.has(n));

forEachStore('audit tasks', (suite) => {
  let server: TestServer;
  let iot: IoTClient;
  const start = (names: string[]) => iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: names }));
  before(async () => {
    ({ server, iot } = suite);
    const checks: Record<string, { enabled: boolean }> = { LOGGING_DISABLED_CHECK: { enabled: true } };
    if (missing) checks[missing] = { enabled: true };
    await iot.send(
      new UpdateAccountAuditConfigurationCommand({ roleArn: 'arn:aws:iam::123456789012:role/a', auditCheckConfigurations: checks }),
    );
  });

  test('start validation: empty, duplicate, unknown, not enabled', async () => {
    await assertError(() => start([]), 'InvalidRequestException', 400);
    await assertError(() => start(['LOGGING_DISABLED_CHECK', 'LOGGING_DISABLED_CHECK']), 'InvalidRequestException', 400, /more than once/);
    await assertError(() => start(['REVOKED_DEVICE_CERT_CHECK']), 'InvalidRequestException', 400, /REVOKED_DEVICE_CERT_CHECK/);
    await assertError(() => start(['CA_CERTIFICATE_EXPIRING_CHECK']), 'InvalidRequestException', 400, /not enabled/);
  });

  test('a task runs to COMPLETED with per-check status and statistics', async () => {
    const { taskId } = await start(['LOGGING_DISABLED_CHECK']);
    assert.match(taskId!, /^[0-9a-f]{32}$/);
    const d = await waitForTask(iot, taskId!);
    assert.equal(d.taskStatus, 'COMPLETED');
    assert.equal(d.taskType, 'ON_DEMAND_AUDIT_TASK');
    assert.ok(d.taskStartTime instanceof Date);
    assert.deepEqual(d.auditDetails!.LOGGING_DISABLED_CHECK, {
      checkRunStatus: 'COMPLETED_NON_COMPLIANT',
      checkCompliant: false,
      totalResourcesCount: 1,
      nonCompliantResourcesCount: 1,
      suppressedNonCompliantResourcesCount: 0,
    });
    assert.deepEqual(d.taskStatistics, {
      totalChecks: 1,
      inProgressChecks: 0,
      waitingForDataCollectionChecks: 0,
      compliantChecks: 0,
      nonCompliantChecks: 1,
      failedChecks: 0,
      canceledChecks: 0,
    });
  });

  test('a task whose checks all FAILED is FAILED; a mixed one is COMPLETED [Dec A28]', async () => {
    // With every catalogue check implemented, a check disabled at run time (AUDIT_CHECK_DISABLED) is the failure
    // path; while one is missing, its NOT_IMPLEMENTED failure is exercised as well.
    const failing = await server.store.transaction((tx) =>
      createAuditTask(tx, {
        accountId: '123456789012',
        region: 'us-east-1',
        taskType: 'ON_DEMAND_AUDIT_TASK',
        taskStartTime: server.clock.now(),
        checks: ['CA_CERTIFICATE_EXPIRING_CHECK'],
        configurations: {},
      }),
    );
    const d = await waitForTask(iot, failing);
    assert.equal(d.taskStatus, 'FAILED');
    assert.equal(d.auditDetails!.CA_CERTIFICATE_EXPIRING_CHECK!.checkRunStatus, 'FAILED');
    assert.equal(d.auditDetails!.CA_CERTIFICATE_EXPIRING_CHECK!.errorCode, 'AUDIT_CHECK_DISABLED');
    assert.match(d.auditDetails!.CA_CERTIFICATE_EXPIRING_CHECK!.message!, /CA_CERTIFICATE_EXPIRING_CHECK/);
    if (missing) {
      const mixed = await waitForTask(iot, (await start(['LOGGING_DISABLED_CHECK', missing])).taskId!);
      assert.equal(mixed.taskStatus, 'COMPLETED');
      assert.equal(mixed.auditDetails![missing]!.errorCode, 'NOT_IMPLEMENTED');
      assert.equal(mixed.taskStatistics!.failedChecks, 1);
    }
  });

  test('IN_PROGRESS is observable; quota of 10; cancel; resume', async () => {
    server.auditRunner.pause();
    const ids: string[] = [];
    try {
      for (let i = 0; i < 10; i++) ids.push((await start(['LOGGING_DISABLED_CHECK'])).taskId!);
      await assertError(() => start(['LOGGING_DISABLED_CHECK']), 'LimitExceededException', 410, /10 on-demand audits/);
      const running = await iot.send(new DescribeAuditTaskCommand({ taskId: ids[0] }));
      assert.equal(running.taskStatus, 'IN_PROGRESS');
      assert.equal(running.auditDetails!.LOGGING_DISABLED_CHECK!.checkRunStatus, 'IN_PROGRESS');
      assert.equal(running.auditDetails!.LOGGING_DISABLED_CHECK!.checkCompliant, undefined);
      assert.equal(running.taskStatistics!.inProgressChecks, 1);
      await iot.send(new CancelAuditTaskCommand({ taskId: ids[0] }));
      const canceled = await iot.send(new DescribeAuditTaskCommand({ taskId: ids[0] }));
      assert.equal(canceled.taskStatus, 'CANCELED');
      assert.equal(canceled.auditDetails!.LOGGING_DISABLED_CHECK!.checkRunStatus, 'CANCELED');
      assert.equal(canceled.taskStatistics!.canceledChecks, 1);
      await assertError(() => iot.send(new CancelAuditTaskCommand({ taskId: ids[0] })), 'InvalidRequestException', 400, /CANCELED/);
      // One slot is free again.
      ids.push((await start(['LOGGING_DISABLED_CHECK'])).taskId!);
    } finally {
      server.auditRunner.resume();
    }
    for (const id of ids.slice(1)) assert.equal((await waitForTask(iot, id)).taskStatus, 'COMPLETED');
    assert.equal((await iot.send(new DescribeAuditTaskCommand({ taskId: ids[0] }))).taskStatus, 'CANCELED');
  });

  test('a task left IN_PROGRESS by a stopped runner is resumed by the next runner', async () => {
    await server.auditRunner.stop();
    const { taskId } = await start(['LOGGING_DISABLED_CHECK']);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await iot.send(new DescribeAuditTaskCommand({ taskId }))).taskStatus, 'IN_PROGRESS');
    const next = new AuditRunner(server.store, server.clock, pino({ level: 'silent' }));
    await next.runOnce();
    assert.equal((await iot.send(new DescribeAuditTaskCommand({ taskId }))).taskStatus, 'COMPLETED');
    server.auditRunner.start();
  });

  test('describe/cancel of an unknown task is ResourceNotFoundException', async () => {
    await assertError(() => iot.send(new DescribeAuditTaskCommand({ taskId: 'f'.repeat(32) })), 'ResourceNotFoundException', 404);
    await assertError(() => iot.send(new CancelAuditTaskCommand({ taskId: 'f'.repeat(32) })), 'ResourceNotFoundException', 404);
  });

  test('list: window, filters, newest first, paging without gaps or duplicates', async () => {
    const now = Date.now();
    const all = new Map<string, string>();
    let nextToken: string | undefined;
    let pages = 0;
    let previousStart = Infinity;
    do {
      const page = await iot.send(
        new ListAuditTasksCommand({ startTime: new Date(now - 3_600_000), endTime: new Date(now + 3_600_000), maxResults: 4, nextToken }),
      );
      for (const t of page.tasks!) {
        assert.ok(!all.has(t.taskId!), 'no duplicates');
        all.set(t.taskId!, t.taskStatus!);
        const d = await iot.send(new DescribeAuditTaskCommand({ taskId: t.taskId }));
        assert.ok(d.taskStartTime!.getTime() <= previousStart, 'newest first');
        previousStart = d.taskStartTime!.getTime();
      }
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    assert.ok(all.size >= 13, `found ${all.size}`);
    assert.ok(pages >= 4);
    const canceled = await iot.send(
      new ListAuditTasksCommand({ startTime: new Date(now - 3_600_000), endTime: new Date(now + 3_600_000), taskStatus: 'CANCELED' }),
    );
    assert.equal(canceled.tasks!.length, 1);
    const scheduled = await iot.send(
      new ListAuditTasksCommand({
        startTime: new Date(now - 3_600_000),
        endTime: new Date(now + 3_600_000),
        taskType: 'SCHEDULED_AUDIT_TASK',
      }),
    );
    assert.equal(scheduled.tasks!.length, 0);
    const before = await iot.send(new ListAuditTasksCommand({ startTime: new Date(now - 7_200_000), endTime: new Date(now - 3_600_000) }));
    assert.equal(before.tasks!.length, 0);
  });

  test('list validation: endTime before startTime, startTime older than 90 days', async () => {
    const now = Date.now();
    await assertError(
      () => iot.send(new ListAuditTasksCommand({ startTime: new Date(now), endTime: new Date(now - 1000) })),
      'InvalidRequestException',
      400,
      /endTime/,
    );
    await assertError(
      () => iot.send(new ListAuditTasksCommand({ startTime: new Date(now - 91 * 86_400_000), endTime: new Date(now) })),
      'InvalidRequestException',
      400,
      /90 days/,
    );
  });

  test('tasks older than 90 days behave as unknown', async () => {
    const { taskId } = await start(['LOGGING_DISABLED_CHECK']);
    await waitForTask(iot, taskId!);
    server.clock.advance(91 * 86_400);
    try {
      await assertError(() => iot.send(new DescribeAuditTaskCommand({ taskId })), 'ResourceNotFoundException', 404);
    } finally {
      server.clock.reset();
    }
  });

  test('results the database refuses: the check FAILS with INTERNAL_FAILURE and later tasks still run', async () => {
    // A faulty check plugged in for one task: its finding cannot be stored — SQLite refuses to bind an object,
    // PostgreSQL refuses a NUL character in text.
    const checks = AUDIT_CHECKS as Map<string, (typeof AUDIT_CHECKS extends ReadonlyMap<string, infer C> ? C : never)>;
    const real = checks.get('LOGGING_DISABLED_CHECK')!;
    checks.set('LOGGING_DISABLED_CHECK', {
      ...real,
      run: async () => ({
        checked: 1,
        findings: [
          {
            nonCompliantResource: { resourceType: 'ACCOUNT_SETTINGS', resourceIdentifier: { account: '123456789012' } },
            reasonForNonComplianceCode: 'LOGGING\u0000DISABLED',
            reasonForNonCompliance: { not: 'text' } as unknown as string,
          },
        ],
      }),
    });
    let broken: string | undefined;
    try {
      broken = (await start(['LOGGING_DISABLED_CHECK'])).taskId;
      const d = await waitForTask(iot, broken!);
      assert.equal(d.taskStatus, 'FAILED');
      assert.equal(d.auditDetails!.LOGGING_DISABLED_CHECK!.errorCode, 'INTERNAL_FAILURE');
      assert.match(d.auditDetails!.LOGGING_DISABLED_CHECK!.message!, /could not store the results of LOGGING_DISABLED_CHECK/);
    } finally {
      checks.set('LOGGING_DISABLED_CHECK', real);
    }
    const next = await start(['LOGGING_DISABLED_CHECK']);
    assert.equal((await waitForTask(iot, next.taskId!)).taskStatus, 'COMPLETED');
  });
});
