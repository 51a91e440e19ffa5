// The audit notification (AWS's documented audit notification schema) and the SNS outbox under it
// (docs/decisions.md#m28): a real SNS API (moto_server) with an SQS queue subscribed, the real server over HTTP, on
// both stores.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancelAuditTaskCommand,
  DescribeAuditTaskCommand,
  StartOnDemandAuditTaskCommand,
  UpdateAccountAuditConfigurationCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, startTestServer, type TestServer } from './helpers/server.js';
import { startMoto, freePort, MOTO_CREDENTIALS, type Moto } from './helpers/moto.js';
import { classifyPublishError } from '../src/outbox/sns-errors.js';
import { topicRegion } from '../src/outbox/deliverer.js';

const ROLE = 'arn:aws:iam::123456789012:role/audit';
const CHECKS = ['LOGGING_DISABLED_CHECK', 'CA_CERTIFICATE_EXPIRING_CHECK'];

async function waitForTask(iot: IoTClient, taskId: string) {
  for (let i = 0; i < 200; i++) {
    const d = await iot.send(new DescribeAuditTaskCommand({ taskId }));
    if (d.taskStatus !== 'IN_PROGRESS') return d;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`task ${taskId} did not finish`);
}

async function configure(iot: IoTClient, targetArn: string, enabled = true) {
  await iot.send(
    new UpdateAccountAuditConfigurationCommand({
      roleArn: ROLE,
      auditNotificationTargetConfigurations: { SNS: { targetArn, roleArn: ROLE, enabled } },
      auditCheckConfigurations: Object.fromEntries(CHECKS.map((c) => [c, { enabled: true }])),
    }),
  );
}

async function outboxRows(server: TestServer) {
  return server.store.transaction((tx) => tx.selectFrom('outbox').selectAll().orderBy('created_at').execute());
}

/** Waits until every outbox row is settled (DELIVERED or FAILED). */
async function settled(server: TestServer, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await outboxRows(server);
    if (rows.length > 0 && rows.every((r) => r.status !== 'PENDING')) return rows;
    if (Date.now() > deadline) throw new Error(`outbox not settled: ${JSON.stringify(rows.map((r) => [r.status, r.last_error]))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('SNS publish error classification', () => {
  test('authorization errors are permanent INSUFFICIENT_PERMISSIONS', () => {
    for (const name of ['AuthorizationErrorException', 'InvalidClientTokenId', 'CredentialsProviderError'])
      assert.deepEqual(classifyPublishError({ name, message: 'no' }), { permanent: true, errorCode: 'INSUFFICIENT_PERMISSIONS', message: `${name}: no` });
    assert.equal(classifyPublishError({ name: 'X', $metadata: { httpStatusCode: 403 } }).permanent, true);
  });
  test('a missing topic or an invalid parameter is permanent INVALID_STATE_OF_RESOURCE', () => {
    const f = classifyPublishError({ name: 'NotFoundException', message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } });
    assert.deepEqual(f, { permanent: true, errorCode: 'INVALID_STATE_OF_RESOURCE', message: 'NotFoundException: HTTP 404: Topic does not exist' });
  });
  test('throttling, 5xx and no answer at all are retried', () => {
    assert.equal(classifyPublishError({ name: 'Throttling', $metadata: { httpStatusCode: 400 } }).permanent, false);
    assert.equal(classifyPublishError({ name: 'InternalError', $metadata: { httpStatusCode: 500 } }).permanent, false);
    assert.equal(classifyPublishError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).permanent, false);
  });
  test('the region comes from the topic ARN', () => {
    assert.equal(topicRegion('arn:aws:sns:eu-west-3:123456789012:alerts'), 'eu-west-3');
    assert.equal(topicRegion('arn:aws:sqs:eu-west-3:123456789012:q'), undefined);
    assert.equal(topicRegion('alerts'), undefined);
  });
});

describe('audit notifications through moto SNS', () => {
  let moto: Moto;
  before(async () => {
    moto = await startMoto();
  });
  after(() => moto?.stop());

  forEachStore((store) => store, { server: () => ({ sns: { endpoint: moto.url, credentials: MOTO_CREDENTIALS } }) }, (suite) => {
    const storeKind = suite.store;
    let server: TestServer;
    let iot: IoTClient;
    before(() => ({ server, iot } = suite));

    test('a finished audit publishes one summary in the documented schema', async () => {
      const { topicArn, queueUrl } = await moto.topicWithQueue(`audit-${storeKind}`);
      await configure(iot, topicArn);
      const { taskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: CHECKS }));
      const task = await waitForTask(iot, taskId!);
      assert.equal(task.taskStatus, 'COMPLETED');
      const [envelope, extra] = await moto.receive(queueUrl, 1);
      assert.ok(envelope, 'no message reached the subscribed queue');
      assert.equal(extra, undefined);
      assert.equal(envelope.TopicArn, topicArn);
      assert.equal(envelope.Subject, `AWS IoT Device Defender audit COMPLETED: ${taskId}`);
      assert.deepEqual(envelope.MessageAttributes?.['ddlocal.deduplicationId'], { Type: 'String', Value: `${taskId}:audit-notification` });
      assert.deepEqual(JSON.parse(envelope.Message), {
        accountId: '123456789012',
        taskId,
        taskStatus: 'COMPLETED',
        taskType: 'ON_DEMAND_AUDIT_TASK',
        failedChecksCount: 0,
        canceledChecksCount: 0,
        nonCompliantChecksCount: 1,
        compliantChecksCount: 1,
        totalChecksCount: 2,
        taskStartTime: task.taskStartTime!.getTime(),
        auditDetails: [
          { checkName: 'LOGGING_DISABLED_CHECK', checkRunStatus: 'COMPLETED_NON_COMPLIANT', nonCompliantResourcesCount: 1, suppressedNonCompliantResourceCount: 0, totalResourcesCount: 1 },
          { checkName: 'CA_CERTIFICATE_EXPIRING_CHECK', checkRunStatus: 'COMPLETED_COMPLIANT', nonCompliantResourcesCount: 0, suppressedNonCompliantResourceCount: 0, totalResourcesCount: 0 },
        ],
      });
      const [row] = await settled(server);
      assert.equal(row!.status, 'DELIVERED');
      assert.equal(row!.attempts, 1);
      assert.equal(row!.sns_message_id, envelope.MessageId);
    });

    test('a disabled target sends nothing', async () => {
      await server.store.reset();
      const { topicArn, queueUrl } = await moto.topicWithQueue(`disabled-${storeKind}`);
      await configure(iot, topicArn, false);
      const { taskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: CHECKS }));
      await waitForTask(iot, taskId!);
      assert.deepEqual(await outboxRows(server), []);
      assert.deepEqual(await moto.receive(queueUrl, 1, 1500), []);
    });

    test('a canceled audit is notified as CANCELED', async () => {
      await server.store.reset();
      const { topicArn, queueUrl } = await moto.topicWithQueue(`cancel-${storeKind}`);
      await configure(iot, topicArn);
      server.auditRunner.pause();
      try {
        const { taskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: CHECKS }));
        await iot.send(new CancelAuditTaskCommand({ taskId }));
        const [envelope] = await moto.receive(queueUrl, 1);
        const body = JSON.parse(envelope!.Message);
        assert.equal(body.taskStatus, 'CANCELED');
        assert.equal(body.canceledChecksCount, 2);
        assert.deepEqual(body.auditDetails.map((d: any) => d.checkRunStatus), ['CANCELED', 'CANCELED']);
      } finally {
        server.auditRunner.resume();
      }
    });

    test('a topic that does not exist fails at once with INVALID_STATE_OF_RESOURCE; the audit is unaffected', async () => {
      await server.store.reset();
      await configure(iot, `arn:aws:sns:us-east-1:123456789012:no-such-topic-${storeKind}`);
      const { taskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: CHECKS }));
      assert.equal((await waitForTask(iot, taskId!)).taskStatus, 'COMPLETED');
      const [row] = await settled(server);
      assert.equal(row!.status, 'FAILED');
      assert.equal(row!.error_code, 'INVALID_STATE_OF_RESOURCE');
      assert.equal(row!.attempts, 1, 'a permanent error must not be retried');
      assert.match(row!.last_error!, /NotFound/);
    });
  });
});

describe('SNS delivery when SNS is unreachable', () => {
  test('retries with backoff until the deadline, then FAILED naming the last error', async () => {
    const closedPort = await freePort();
    const server = await startTestServer('sqlite', {
      sns: { endpoint: `http://127.0.0.1:${closedPort}`, credentials: MOTO_CREDENTIALS },
      snsDeliveryDeadlineMs: 2500,
    });
    try {
      const iot = server.iot();
      await configure(iot, 'arn:aws:sns:us-east-1:123456789012:unreachable');
      const { taskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: CHECKS }));
      assert.equal((await waitForTask(iot, taskId!)).taskStatus, 'COMPLETED');
      const [row] = await settled(server, 20_000);
      assert.equal(row!.status, 'FAILED');
      assert.equal(row!.error_code, 'INVALID_STATE_OF_RESOURCE');
      assert.ok(row!.attempts >= 2, `expected retries, got ${row!.attempts} attempt(s)`);
      assert.match(row!.last_error!, /delivery deadline.*ECONNREFUSED/s);
    } finally {
      await server.close();
    }
  });

  test('a message left undelivered by a stopped server is delivered by the next one', async () => {
    const moto = await startMoto();
    const closedPort = await freePort();
    let server = await startTestServer('sqlite', { sns: { endpoint: `http://127.0.0.1:${closedPort}`, credentials: MOTO_CREDENTIALS } });
    const dataFile = server.dataFile!;
    try {
      const { topicArn, queueUrl } = await moto.topicWithQueue('restart');
      const iot = server.iot();
      await configure(iot, topicArn);
      const { taskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: CHECKS }));
      await waitForTask(iot, taskId!);
      const [pending] = await outboxRows(server);
      assert.equal(pending!.status, 'PENDING');
      await server.close();
      server = Object.assign(
        await (await import('../src/server/app.js')).startDdlocal({ port: 0, dataFile, sns: { endpoint: moto.url, credentials: MOTO_CREDENTIALS } }),
        { iot: () => iot, dataFile },
      ) as TestServer;
      // close() let the attempt in hand finish and record its retry, so the message is due again within the backoff.
      const [envelope] = await moto.receive(queueUrl, 1, 20_000);
      assert.equal(JSON.parse(envelope!.Message).taskId, taskId);
    } finally {
      await server.close();
      await moto.stop();
    }
  });
});
