// StartAuditMitigationActionsTask end to end: a real audit produces the findings, the task really changes the registry;
// validation order, idempotency, statistics, skips, cancel and the quota — through the official SDK over HTTP, with the
// real runners, on both stores.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancelAuditMitigationActionsTaskCommand,
  CreateAuditSuppressionCommand,
  CreatePolicyVersionCommand,
  DescribeAuditMitigationActionsTaskCommand,
  GetPolicyCommand,
  GetV2LoggingOptionsCommand,
  ListAuditMitigationActionsExecutionsCommand,
  ListAuditMitigationActionsTasksCommand,
  StartAuditMitigationActionsTaskCommand,
  type AuditFinding,
  type IoTClient,
  type StartAuditMitigationActionsTaskCommandInput,
} from '@aws-sdk/client-iot';
import { forEachStore, errorOf, type TestServer } from './helpers/server.js';
import { BROAD, mitigationScenario, waitForMitigationTask } from './helpers/mitigation-scenario.js';

const BLANK = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iot:*', Resource: '*' }] };

async function assertError(p: () => Promise<unknown>, name: string, status: number, pattern?: RegExp) {
  const err = await errorOf(p);
  assert.equal(err.name, name, err.message);
  assert.equal(err.$metadata?.httpStatusCode, status);
  if (pattern) assert.match(err.message, pattern);
}

let accountSeq = 410000000000;

forEachStore('audit mitigation actions tasks', (suite) => {
  let server: TestServer;
  before(() => ({ server } = suite));

  const scenario = () => mitigationScenario(server, String(++accountSeq));
  const waitForTask = waitForMitigationTask;

  const executions = async (iot: IoTClient, taskId: string, finding: AuditFinding) =>
    (await iot.send(new ListAuditMitigationActionsExecutionsCommand({ taskId, findingId: finding.findingId }))).actionsExecutions!;

  test('the AWS CLI reference example: findingIds target, ResetPolicyVersionAction → blank default version; idempotent retry', async () => {
    const s = await scenario();
    const finding = s.policyFinding('broad-a');
    const request: StartAuditMitigationActionsTaskCommandInput = {
      taskId: 'myActionsTaskId',
      target: { findingIds: [finding.findingId!] },
      auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicyVersionAction'] },
      clientRequestToken: 'adhadhahda',
    };
    assert.deepEqual((await s.iot.send(new StartAuditMitigationActionsTaskCommand(request))).taskId, 'myActionsTaskId');
    const task = await waitForTask(s.iot, 'myActionsTaskId');
    assert.equal(task.taskStatus, 'COMPLETED');
    assert.ok(task.endTime! >= task.startTime!);
    assert.deepEqual(task.taskStatistics, {
      IOT_POLICY_OVERLY_PERMISSIVE_CHECK: {
        totalFindingsCount: 1,
        succeededFindingsCount: 1,
        failedFindingsCount: 0,
        skippedFindingsCount: 0,
        canceledFindingsCount: 0,
      },
    });
    assert.deepEqual(task.target, { findingIds: [finding.findingId] });
    assert.deepEqual(task.auditCheckToActionsMapping, { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicyVersionAction'] });
    assert.equal(task.actionsDefinition!.length, 1);
    assert.equal(task.actionsDefinition![0]!.name, 'ResetPolicyVersionAction');
    assert.deepEqual(task.actionsDefinition![0]!.actionParams, { replaceDefaultPolicyVersionParams: { templateName: 'BLANK_POLICY' } });

    const policy = await s.iot.send(new GetPolicyCommand({ policyName: 'broad-a' }));
    assert.equal(policy.defaultVersionId, '2');
    assert.deepEqual(JSON.parse(policy.policyDocument!), BLANK);
    const untouched = await s.iot.send(new GetPolicyCommand({ policyName: 'broad-b' }));
    assert.equal(untouched.defaultVersionId, '1', 'only the targeted finding is acted on');

    const [exec] = await executions(s.iot, 'myActionsTaskId', finding);
    assert.equal(exec!.status, 'COMPLETED');
    assert.equal(exec!.actionName, 'ResetPolicyVersionAction');
    assert.ok(exec!.startTime && exec!.endTime);

    // Same id + token + body → same task, nothing new; other token → TaskAlreadyExists (400); same token, other body → InvalidRequest.
    assert.equal((await s.iot.send(new StartAuditMitigationActionsTaskCommand(request))).taskId, 'myActionsTaskId');
    assert.equal((await s.iot.send(new GetPolicyCommand({ policyName: 'broad-a' }))).defaultVersionId, '2');
    await assertError(
      () => s.iot.send(new StartAuditMitigationActionsTaskCommand({ ...request, clientRequestToken: 'other' })),
      'TaskAlreadyExistsException',
      400,
    );
    await assertError(
      () =>
        s.iot.send(
          new StartAuditMitigationActionsTaskCommand({ ...request, target: { findingIds: [s.policyFinding('broad-b').findingId!] } }),
        ),
      'InvalidRequestException',
      400,
      /already used with different parameters/,
    );
    await assertError(
      () => s.iot.send(new StartAuditMitigationActionsTaskCommand({ ...request, taskId: 'another' })),
      'InvalidRequestException',
      400,
      /already used by audit mitigation actions task myActionsTaskId/,
    );
  });

  test('auditTaskId target over two checks: statistics per caller spelling; logging really enabled', async () => {
    const s = await scenario();
    const { taskId } = await s.iot.send(
      new StartAuditMitigationActionsTaskCommand({
        taskId: 'whole-audit',
        target: { auditTaskId: s.auditTaskId },
        auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicyVersionAction'], LOGGING_DISABLED_CHECK: ['EnableLogging'] },
      }),
    );
    const task = await waitForTask(s.iot, taskId!);
    assert.equal(task.taskStatus, 'COMPLETED');
    assert.equal(task.taskStatistics!.IOT_POLICY_OVERLY_PERMISSIVE_CHECK!.succeededFindingsCount, 2);
    assert.equal(task.taskStatistics!.LOGGING_DISABLED_CHECK!.succeededFindingsCount, 1);
    const logging = await s.iot.send(new GetV2LoggingOptionsCommand({}));
    assert.equal(logging.defaultLogLevel, 'WARN');
    assert.equal(logging.roleArn, s.role);
    assert.equal(logging.disableAllLogs, false);
    for (const name of ['broad-a', 'broad-b'])
      assert.equal((await s.iot.send(new GetPolicyCommand({ policyName: name }))).defaultVersionId, '2');
  });

  test('reason-code filter and suppression: counted as skipped; suppressed findings get SKIPPED executions', async () => {
    const s = await scenario();
    const suppressedFinding = s.policyFinding('broad-b');
    await s.iot.send(
      new CreateAuditSuppressionCommand({
        checkName: 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK',
        resourceIdentifier: suppressedFinding.nonCompliantResource!.resourceIdentifier!,
        suppressIndefinitely: true,
      }),
    );
    const { taskId } = await s.iot.send(
      new StartAuditMitigationActionsTaskCommand({
        taskId: 'filtered',
        target: { auditTaskId: s.auditTaskId, auditCheckToReasonCodeFilter: { LOGGING_DISABLED_CHECK: ['LOGGING_DISABLED'] } },
        auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicyVersionAction'], LOGGING_DISABLED_CHECK: ['EnableLogging'] },
      }),
    );
    const task = await waitForTask(s.iot, taskId!);
    assert.deepEqual(task.taskStatistics!.IOT_POLICY_OVERLY_PERMISSIVE_CHECK, {
      totalFindingsCount: 2,
      succeededFindingsCount: 1,
      failedFindingsCount: 0,
      skippedFindingsCount: 1,
      canceledFindingsCount: 0,
    });
    const [skipped] = await executions(s.iot, taskId!, suppressedFinding);
    assert.equal(skipped!.status, 'SKIPPED');
    assert.match(skipped!.message!, /suppressed/);
    assert.equal((await s.iot.send(new GetPolicyCommand({ policyName: 'broad-b' }))).defaultVersionId, '1');
  });

  test('a failed action skips the finding\'s later actions; the task ends FAILED', async () => {
    const s = await scenario();
    // broad-a at the 5-version limit: REPLACE_DEFAULT_POLICY_VERSION cannot add a version.
    for (let i = 0; i < 4; i++)
      await s.iot.send(new CreatePolicyVersionCommand({ policyName: 'broad-a', policyDocument: BROAD, setAsDefault: false }));
    const { taskId } = await s.iot.send(
      new StartAuditMitigationActionsTaskCommand({
        taskId: 'fails',
        // Notify never runs here: it is skipped after the failure (the SNS path has its own tests).
        target: { findingIds: [s.policyFinding('broad-a').findingId!] },
        auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicyVersionAction', 'Notify'] },
      }),
    );
    const task = await waitForTask(s.iot, taskId!);
    assert.equal(task.taskStatus, 'FAILED');
    const failed = await executions(s.iot, taskId!, s.policyFinding('broad-a'));
    assert.deepEqual(failed.map((e) => e.status), ['FAILED', 'SKIPPED']);
    assert.equal(failed[0]!.errorCode, 'INVALID_STATE_OF_RESOURCE');
    assert.match(failed[0]!.message!, /broad-a/);
    assert.equal(failed[1]!.message, 'Skipped because action ResetPolicyVersionAction failed for this finding');
    const stats = task.taskStatistics!.IOT_POLICY_OVERLY_PERMISSIVE_CHECK!;
    assert.equal(stats.failedFindingsCount, 1);
    assert.equal(stats.totalFindingsCount, 1);
  });

  test('validation in the order of Dec M25, nothing created on failure', async () => {
    const s = await scenario();
    const start = (over: Partial<StartAuditMitigationActionsTaskCommandInput>) =>
      s.iot.send(
        new StartAuditMitigationActionsTaskCommand({
          taskId: 'v',
          target: { auditTaskId: s.auditTaskId },
          auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicyVersionAction'] },
          ...over,
        }),
      );
    const policyId = s.policyFinding('broad-a').findingId!;
    await assertError(() => start({ target: {} }), 'InvalidRequestException', 400, /exactly one of auditTaskId or findingIds/);
    await assertError(() => start({ target: { auditTaskId: s.auditTaskId, findingIds: [policyId] } }), 'InvalidRequestException', 400, /exactly one/);
    await assertError(
      () => start({ target: { findingIds: [policyId], auditCheckToReasonCodeFilter: { LOGGING_DISABLED_CHECK: ['LOGGING_DISABLED'] } } }),
      'InvalidRequestException',
      400,
      /only be used together with target.auditTaskId/,
    );
    await assertError(() => start({ target: { findingIds: [policyId, policyId] } }), 'InvalidRequestException', 400, /more than once/);
    await assertError(() => start({ target: { auditTaskId: 'f'.repeat(32) } }), 'InvalidRequestException', 400, /Audit task f+ does not exist/);
    await assertError(() => start({ target: { findingIds: ['no-such-finding'] } }), 'InvalidRequestException', 400, /Finding no-such-finding does not exist/);
    await assertError(
      () => start({ auditCheckToActionsMapping: { NOT_A_CHECK: ['ResetPolicyVersionAction'] } }),
      'InvalidRequestException',
      400,
      /NOT_A_CHECK/,
    );
    await assertError(
      () => start({ auditCheckToActionsMapping: { CA_CERTIFICATE_EXPIRING_CHECK: ['Notify'] } }),
      'InvalidRequestException',
      400,
      /Check CA_CERTIFICATE_EXPIRING_CHECK is not enabled in the account audit configuration/,
    );
    await assertError(
      () => start({ target: { auditTaskId: s.auditTaskId, auditCheckToReasonCodeFilter: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['LOGGING_DISABLED'] } } }),
      'InvalidRequestException',
      400,
      /LOGGING_DISABLED is not a reason code of IOT_POLICY_OVERLY_PERMISSIVE_CHECK/,
    );
    await assertError(
      () => start({ target: { auditTaskId: s.auditTaskId, auditCheckToReasonCodeFilter: { LOGGING_DISABLED_CHECK: ['LOGGING_DISABLED'] } } }),
      'InvalidRequestException',
      400,
      /not a key of auditCheckToActionsMapping/,
    );
    await assertError(
      () => start({ auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['NoSuchAction'] } }),
      'InvalidRequestException',
      400,
      /Mitigation action NoSuchAction does not exist/,
    );
    await assertError(
      () => start({ auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['Notify', 'Notify'] } }),
      'InvalidRequestException',
      400,
      /more than once/,
    );
    await assertError(
      () => start({ auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['EnableLogging'] } }),
      'InvalidRequestException',
      400,
      /Mitigation action EnableLogging \(ENABLE_IOT_LOGGING\) cannot be applied to findings of IOT_POLICY_OVERLY_PERMISSIVE_CHECK/,
    );
    // Steps in order: an unknown finding (step 4) wins over an unknown action (step 6).
    await assertError(
      () => start({ target: { findingIds: ['nope'] }, auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['NoSuchAction'] } }),
      'InvalidRequestException',
      400,
      /Finding nope/,
    );
    await assertError(() => s.iot.send(new DescribeAuditMitigationActionsTaskCommand({ taskId: 'v' })), 'ResourceNotFoundException', 404);
  });

  test('a target that selects nothing: COMPLETED at once, every mapped check with zero counts [Dec M5]', async () => {
    const s = await scenario();
    const { taskId } = await s.iot.send(
      new StartAuditMitigationActionsTaskCommand({
        taskId: 'nothing',
        target: { findingIds: [s.loggingFinding.findingId!] },
        auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicyVersionAction'] },
      }),
    );
    const task = await s.iot.send(new DescribeAuditMitigationActionsTaskCommand({ taskId }));
    assert.equal(task.taskStatus, 'COMPLETED');
    assert.deepEqual(task.taskStatistics, {
      IOT_POLICY_OVERLY_PERMISSIVE_CHECK: { totalFindingsCount: 0, succeededFindingsCount: 0, failedFindingsCount: 0, skippedFindingsCount: 0, canceledFindingsCount: 0 },
    });
    assert.deepEqual(await executions(s.iot, taskId!, s.loggingFinding), []);
  });

  test('cancel: PENDING executions CANCELED, nothing applied, task CANCELED; quota of 10 running tasks', async () => {
    const s = await scenario();
    server.mitigationRunner.pause();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) {
        const { taskId } = await s.iot.send(
          new StartAuditMitigationActionsTaskCommand({
            taskId: `q${i}`,
            target: { auditTaskId: s.auditTaskId },
            auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicyVersionAction'] },
          }),
        );
        ids.push(taskId!);
      }
      assert.equal((await s.iot.send(new DescribeAuditMitigationActionsTaskCommand({ taskId: 'q0' }))).taskStatus, 'IN_PROGRESS');
      await assertError(
        () =>
          s.iot.send(
            new StartAuditMitigationActionsTaskCommand({
              taskId: 'q10',
              target: { auditTaskId: s.auditTaskId },
              auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicyVersionAction'] },
            }),
          ),
        'LimitExceededException',
        410,
      );
      for (const taskId of ids) await s.iot.send(new CancelAuditMitigationActionsTaskCommand({ taskId }));
      const task = await s.iot.send(new DescribeAuditMitigationActionsTaskCommand({ taskId: 'q0' }));
      assert.equal(task.taskStatus, 'CANCELED');
      assert.ok(task.endTime);
      assert.equal(task.taskStatistics!.IOT_POLICY_OVERLY_PERMISSIVE_CHECK!.canceledFindingsCount, 2);
      const [exec] = await executions(s.iot, 'q0', s.policyFinding('broad-a'));
      assert.equal(exec!.status, 'CANCELED');
      assert.equal(exec!.message, 'Task was canceled');
      await assertError(() => s.iot.send(new CancelAuditMitigationActionsTaskCommand({ taskId: 'q0' })), 'InvalidRequestException', 400, /CANCELED/);
      await assertError(() => s.iot.send(new CancelAuditMitigationActionsTaskCommand({ taskId: 'nope' })), 'ResourceNotFoundException', 404);
    } finally {
      server.mitigationRunner.resume();
    }
    await server.mitigationRunner.runOnce();
    assert.equal((await s.iot.send(new GetPolicyCommand({ policyName: 'broad-a' }))).defaultVersionId, '1', 'canceled work is never applied');
    assert.equal((await s.iot.send(new DescribeAuditMitigationActionsTaskCommand({ taskId: 'q0' }))).taskStatus, 'CANCELED');
  });

  test('20 concurrent identical starts produce exactly one task', async () => {
    const s = await scenario();
    const request = {
      taskId: 'concurrent',
      target: { auditTaskId: s.auditTaskId },
      auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicyVersionAction'] },
      clientRequestToken: 'same-token',
    };
    const answers = await Promise.all(Array.from({ length: 20 }, () => s.iot.send(new StartAuditMitigationActionsTaskCommand(request))));
    assert.ok(answers.every((a) => a.taskId === 'concurrent'));
    await waitForTask(s.iot, 'concurrent');
    for (const name of ['broad-a', 'broad-b'])
      assert.equal((await s.iot.send(new GetPolicyCommand({ policyName: name }))).defaultVersionId, '2', 'applied exactly once');
    const now = new Date();
    const { tasks } = await s.iot.send(
      new ListAuditMitigationActionsTasksCommand({ startTime: new Date(now.getTime() - 3_600_000), endTime: new Date(now.getTime() + 60_000) }),
    );
    assert.deepEqual(tasks!.map((t) => t.taskId), ['concurrent']);
  });

  test('ListAuditMitigationActionsTasks: window, filters, newest first, paging', async () => {
    const s = await scenario();
    const mapping = { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicyVersionAction'] };
    server.clock.freeze();
    try {
      await s.iot.send(new StartAuditMitigationActionsTaskCommand({ taskId: 'l1', target: { auditTaskId: s.auditTaskId }, auditCheckToActionsMapping: mapping }));
      server.clock.advance(1);
      await s.iot.send(
        new StartAuditMitigationActionsTaskCommand({ taskId: 'l2', target: { findingIds: [s.policyFinding('broad-a').findingId!] }, auditCheckToActionsMapping: mapping }),
      );
      server.clock.advance(1);
      await s.iot.send(
        new StartAuditMitigationActionsTaskCommand({ taskId: 'l3', target: { findingIds: [s.loggingFinding.findingId!] }, auditCheckToActionsMapping: mapping }),
      );
      const now = server.clock.now();
      const window = { startTime: new Date(now - 60_000), endTime: new Date(now + 60_000) };
      const list = async (extra: Record<string, unknown> = {}) => {
        const ids: string[] = [];
        let nextToken: string | undefined;
        do {
          const page = await s.iot.send(new ListAuditMitigationActionsTasksCommand({ ...window, ...extra, maxResults: 1, nextToken }));
          ids.push(...page.tasks!.map((t) => t.taskId!));
          nextToken = page.nextToken;
        } while (nextToken);
        return ids;
      };
      assert.deepEqual(await list(), ['l3', 'l2', 'l1']);
      assert.deepEqual(await list({ auditTaskId: s.auditTaskId }), ['l2', 'l1'], 'l3 counted no finding of the audit');
      assert.deepEqual(await list({ findingId: s.policyFinding('broad-a').findingId }), ['l2', 'l1']);
      assert.deepEqual(await list({ taskStatus: 'CANCELED' }), []);
      await assertError(
        () => s.iot.send(new ListAuditMitigationActionsTasksCommand({ startTime: new Date(now), endTime: new Date(now - 1) })),
        'InvalidRequestException',
        400,
      );
      await assertError(
        () => s.iot.send(new ListAuditMitigationActionsExecutionsCommand({ taskId: 'nope', findingId: s.loggingFinding.findingId })),
        'InvalidRequestException',
        400,
      );
    } finally {
      server.clock.reset();
    }
  });
});
