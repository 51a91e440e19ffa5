// Lifecycle log events (docs/observability.md) as an operator reads them: audit and mitigation tasks started, in
// progress and ended, SNS deliveries that fail — captured from a real server's pino logger over real HTTP — and the
// `ddlocal serve` output formats: readable lines with --log-format pretty, JSON lines under a pipe by default, the
// start-up warning before the ready line in both.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DescribeAuditTaskCommand, StartOnDemandAuditTaskCommand, UpdateAccountAuditConfigurationCommand, type IoTClient } from '@aws-sdk/client-iot';
import { forEachStore, startTestServer, tempDataFile, type TestServer } from './helpers/server.js';
import { memoryLogger } from './helpers/memory-logger.js';
import { createBroadPolicies, startMitigation, waitForEnd, POLICY_CHECK, sleep } from './helpers/mitigation-load.js';
import { freePort, MOTO_CREDENTIALS } from './helpers/moto.js';
import { startServeProcess } from './helpers/serve-process.js';

const ROLE = 'arn:aws:iam::123456789012:role/audit';
const CHECKS = ['LOGGING_DISABLED_CHECK', 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK'];
const BIN = fileURLToPath(new URL('../../bin/ddlocal.js', import.meta.url));

async function runAudit(iot: IoTClient, notifyArn?: string): Promise<string> {
  await iot.send(
    new UpdateAccountAuditConfigurationCommand({
      roleArn: ROLE,
      auditCheckConfigurations: Object.fromEntries(CHECKS.map((c) => [c, { enabled: true }])),
      auditNotificationTargetConfigurations: notifyArn ? { SNS: { targetArn: notifyArn, roleArn: ROLE, enabled: true } } : undefined,
    }),
  );
  const { taskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: CHECKS }));
  for (let i = 0; i < 400; i++) {
    const d = await iot.send(new DescribeAuditTaskCommand({ taskId }));
    if (d.taskStatus !== 'IN_PROGRESS') return taskId!;
    await sleep(50);
  }
  throw new Error(`audit ${taskId} did not end`);
}

/** Waits until a line with this event (and matching `where`) is logged. */
async function waitForEvent(lines: Record<string, any>[], event: string, where: (l: Record<string, any>) => boolean = () => true, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = lines.find((l) => l.event === event && where(l));
    if (found) return found;
    assert.ok(Date.now() < deadline, `no ${event} line within ${timeoutMs} ms; events: ${lines.map((l) => l.event ?? l.msg).join(', ')}`);
    await sleep(50);
  }
}

const FINDINGS = 120;

forEachStore('audit and mitigation lifecycle events', { server: false }, (suite) => {
  const { logger, lines } = memoryLogger();
  let server: TestServer;
  before(async () => {
    // Progress after every claimed batch (of 50 findings), so a 120-finding task logs it deterministically.
    server = await startTestServer(suite.store, { logger, mitigationProgressLogMs: 0, mitigationBatchSize: 50 });
  });
  after(() => server.close());

  test('an audit task logs its start (checks) and its end (status, counts per check); no line per finding', async () => {
    const iot = server.iot();
    await createBroadPolicies(iot, 5);
    const taskId = await runAudit(iot);
    const started = await waitForEvent(lines, 'audit.task.started', (l) => l.taskId === taskId);
    assert.equal(started.level, 30);
    assert.equal(started.taskType, 'ON_DEMAND_AUDIT_TASK');
    assert.deepEqual(started.checks, CHECKS);
    assert.equal(started.resumed, false);
    assert.match(started.msg, new RegExp(`audit task ${taskId} started: 2 checks`));
    const ended = await waitForEvent(lines, 'audit.task.ended', (l) => l.taskId === taskId);
    assert.equal(ended.status, 'COMPLETED');
    assert.equal(ended.nonCompliant, 6, '5 policies and the account logging');
    assert.equal(ended.findings, 6);
    assert.equal(ended.checks.IOT_POLICY_OVERLY_PERMISSIVE_CHECK.status, 'COMPLETED_NON_COMPLIANT');
    assert.equal(ended.checks.IOT_POLICY_OVERLY_PERMISSIVE_CHECK.findings, 5);
    assert.equal(ended.checks.LOGGING_DISABLED_CHECK.nonCompliant, 1);
    assert.match(ended.msg, /COMPLETED: \d+ resources checked, 6 non-compliant, 6 findings, 0 of 2 checks failed/);
    const ownLines = lines.filter((l) => l.taskId === taskId);
    assert.equal(ownLines.length, 2, `one start and one end line: ${ownLines.map((l) => l.msg).join(' | ')}`);
    assert.ok(!lines.some((l) => l.level >= 30 && 'findingId' in l), 'no info line names a finding');
  });

  test('a mitigation task logs its start, its progress (done/total/rate) and its end (outcome counts)', async () => {
    const iot = server.iot();
    await server.store.reset();
    lines.length = 0;
    await createBroadPolicies(iot, FINDINGS);
    await startMitigation(iot, [POLICY_CHECK], 'logged-task');
    const ended = await waitForEnd(iot, 'logged-task', 120_000);
    assert.equal(ended.taskStatus, 'COMPLETED');
    const end = await waitForEvent(lines, 'mitigation.task.ended', (l) => l.taskId === 'logged-task');
    assert.deepEqual(
      { status: end.status, findings: end.findings, succeeded: end.succeeded, failed: end.failed, skipped: end.skipped, canceled: end.canceled },
      { status: 'COMPLETED', findings: FINDINGS, succeeded: FINDINGS, failed: 0, skipped: 0, canceled: 0 },
    );
    assert.match(end.msg, new RegExp(`mitigation task logged-task COMPLETED: ${FINDINGS} succeeded, 0 failed, 0 skipped, 0 canceled of ${FINDINGS} findings`));
    const start = lines.find((l) => l.event === 'mitigation.task.started' && l.taskId === 'logged-task');
    assert.ok(start, 'a start line');
    assert.equal(start.findings, FINDINGS);
    assert.match(start.msg, new RegExp(`mitigation task logged-task started: ${FINDINGS} findings`));
    const progress = lines.filter((l) => l.event === 'mitigation.task.progress' && l.taskId === 'logged-task');
    assert.ok(progress.length >= 1, 'at least one progress line');
    for (const p of progress) {
      assert.equal(p.total, FINDINGS);
      assert.ok(p.done > 0 && p.done < FINDINGS, `progress ${p.done}/${p.total}`);
      assert.equal(typeof p.findingsPerSecond, 'number');
      assert.match(p.msg, new RegExp(`^mitigation task logged-task: ${p.done}/${FINDINGS} findings done \\(`));
    }
    assert.ok(lines.indexOf(start) < lines.indexOf(progress[0]!) && lines.indexOf(progress.at(-1)!) < lines.indexOf(end), 'start, progress, end in order');
    assert.ok(lines.filter((l) => l.taskId === 'logged-task').length < 10, 'a few lines per task, not one per finding');
  });
});

describe('SNS delivery failures are logged', () => {
  const { logger, lines } = memoryLogger();
  let server: TestServer;
  before(async () => {
    // Nothing listens on this port: every publish is refused.
    const closedPort = await freePort();
    server = await startTestServer('sqlite', {
      logger,
      sns: { endpoint: `http://127.0.0.1:${closedPort}`, credentials: MOTO_CREDENTIALS },
      snsDeliveryDeadlineMs: 1500,
    });
  });
  after(() => server.close());

  test('each retry is a warning naming the error class; the final failure too, with the reason', async () => {
    await runAudit(server.iot(), 'arn:aws:sns:us-east-1:123456789012:unreachable');
    const retry = await waitForEvent(lines, 'sns.delivery.retry');
    assert.equal(retry.level, 40);
    assert.equal(retry.errorClass, 'ECONNREFUSED');
    assert.equal(retry.topicArn, 'arn:aws:sns:us-east-1:123456789012:unreachable');
    const failed = await waitForEvent(lines, 'sns.delivery.failed');
    assert.equal(failed.level, 40);
    assert.equal(failed.errorClass, 'ECONNREFUSED');
    assert.equal(failed.errorCode, 'INVALID_STATE_OF_RESOURCE');
    assert.equal(failed.origin, 'audit-notification');
    assert.ok(failed.attempts >= 2);
    assert.match(failed.msg, /could not be delivered \(ECONNREFUSED\): SNS did not accept the message before the delivery deadline/);
    assert.ok(!lines.some((l) => l.event === 'sns.delivery.delivered'));
  });
});

describe('`ddlocal serve` log formats', () => {
  test('--log-format pretty: readable lines, no JSON, no colour under a pipe; the start-up warning before the ready line', async () => {
    const serve = await startServeProcess({ data: tempDataFile() }, 30_000, { DDLOCAL_LOG_LEVEL: 'info', DDLOCAL_LOG_FORMAT: 'pretty' });
    try {
      const res = await fetch(`${serve.url}/things`);
      assert.equal(res.status, 200);
      let out = serve.stdout();
      for (let i = 0; i < 100 && !/INFO.*request/.test(out); i++) await sleep(50), (out = serve.stdout());
      const lines = out.split('\n').filter((l) => l !== '');
      const warning = lines.findIndex((l) => /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: CVE-2008-0166 key-quality test is inactive/.test(l));
      const ready = lines.findIndex((l) => /^ddlocal \S+ listening on http:/.test(l));
      assert.ok(warning >= 0, `a readable warning line: ${out}`);
      assert.ok(warning < ready, `the warning comes before the ready line: ${out}`);
      assert.match(out, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: request$/m);
      assert.match(out, /^\s+operation: "ListThings"$/m);
      for (const line of lines) assert.throws(() => JSON.parse(line), SyntaxError, `not JSON: ${line}`);
      assert.doesNotMatch(out, /\x1b\[/, 'no colour codes when stdout is not a terminal');
    } finally {
      await serve.stop();
    }
  });

  test('by default under a pipe (auto): one JSON object per log line, the warning before the ready line', async () => {
    const serve = await startServeProcess({ data: tempDataFile() }, 30_000, { DDLOCAL_LOG_LEVEL: 'info' });
    try {
      await fetch(`${serve.url}/things`);
      let out = serve.stdout();
      for (let i = 0; i < 100 && !out.includes('"msg":"request"'); i++) await sleep(50), (out = serve.stdout());
      const lines = out.split('\n').filter((l) => l !== '');
      const ready = lines.findIndex((l) => /^ddlocal \S+ listening on http:/.test(l));
      assert.ok(ready > 0, out);
      const logLines = lines.filter((_, i) => i !== ready).map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(logLines[0]!.level, 40);
      assert.match(String(logLines[0]!.msg), /CVE-2008-0166/);
      assert.ok(logLines.some((l) => l.msg === 'request' && l.operation === 'ListThings' && l.status === 200));
    } finally {
      await serve.stop();
    }
  });

  test('an unknown --log-format is a usage error (exit 2) naming the choices', async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
      execFile(process.execPath, [BIN, 'serve', '--port', '0', '--data', ':memory:', '--log-format', 'fancy'], (err, _stdout, stderr) =>
        resolve({ code: err ? (err as { code?: number }).code ?? null : 0, stderr }),
      ),
    );
    assert.equal(result.code, 2);
    assert.equal(result.stderr, "ddlocal serve: --log-format must be auto, json or pretty, got 'fancy'\n");
  });
});
