// StartAuditMitigationActionsTask writes a task in chunks of FINDINGS_PER_CHUNK findings, each chunk read strictly
// after the last one's (finding_time, finding_id). An audit's findings of one check share their finding_time, so
// every chunk boundary falls between findings of equal time: a cursor that lost or repeated a finding there, or a
// disposition decided differently in a later chunk, shows as a wrong count. Through the official SDK over HTTP, with
// the real runners, on both stores.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAuditSuppressionCommand,
  CreateMitigationActionCommand,
  DescribeAuditTaskCommand,
  ListAuditMitigationActionsExecutionsCommand,
  StartAuditMitigationActionsTaskCommand,
  StartOnDemandAuditTaskCommand,
  UpdateAccountAuditConfigurationCommand,
  type AuditFinding,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore } from './helpers/server.js';
import { makeCertificate, makeKey, daysFromNow } from './helpers/certs.js';
import { auditFindings, describeTask, pool, registerCertificates, sleep, waitForEnd } from './helpers/mitigation-load.js';
import { FINDINGS_PER_CHUNK } from '../src/mitigation/api/task-start.js';

const EXPIRING_CHECK = 'DEVICE_CERTIFICATE_EXPIRING_CHECK';
const APPROACHING = 'CERTIFICATE_APPROACHING_EXPIRATION';
const PAST = 'CERTIFICATE_PAST_EXPIRATION';
/** Three chunks, the last one partly filled. */
const CERTIFICATES = 2 * FINDINGS_PER_CHUNK + FINDINGS_PER_CHUNK / 5;
/** Every PAST_EVERY-th certificate has expired: the reason-code filter excludes those, so they spread over all chunks. */
const PAST_EVERY = 8;

/**
 * Device certificates within DEVICE_CERTIFICATE_EXPIRING_CHECK's default 30 days of their notAfter, every
 * PAST_EVERY-th one already expired. One EC key signs them all (self-signed, a new serial and subject each), made
 * once for both stores.
 */
let certificates: Promise<{ pem: string; id: string }[]> | undefined;
function expiringCertificates(): Promise<{ pem: string; id: string }[]> {
  certificates ??= (async () => {
    const key = await makeKey({ type: 'EC' });
    const made: { pem: string; id: string }[] = new Array(CERTIFICATES);
    await pool(CERTIFICATES, async (i) => {
      const past = i % PAST_EVERY === 0;
      const c = await makeCertificate({
        key,
        subject: `CN=streaming-device-${String(i).padStart(5, '0')}`,
        notBefore: daysFromNow(-100),
        notAfter: daysFromNow(past ? -10 : 10),
        omitKeyIdentifiers: true,
      });
      made[i] = { pem: c.pem, id: c.id };
    });
    return made;
  })();
  return certificates;
}

/** Suppresses the finding's resource for the expiring check, indefinitely. */
async function suppress(iot: IoTClient, finding: AuditFinding): Promise<void> {
  await iot.send(
    new CreateAuditSuppressionCommand({
      checkName: EXPIRING_CHECK,
      resourceIdentifier: finding.nonCompliantResource!.resourceIdentifier!,
      suppressIndefinitely: true,
    }),
  );
}

async function auditExpiringCertificates(iot: IoTClient): Promise<string> {
  await iot.send(
    new UpdateAccountAuditConfigurationCommand({
      roleArn: 'arn:aws:iam::123456789012:role/audit',
      auditCheckConfigurations: { [EXPIRING_CHECK]: { enabled: true } },
    }),
  );
  const { taskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: [EXPIRING_CHECK] }));
  for (const deadline = Date.now() + 30_000; ; await sleep(50)) {
    const audit = await iot.send(new DescribeAuditTaskCommand({ taskId }));
    if (audit.taskStatus === 'COMPLETED') return taskId!;
    assert.equal(audit.taskStatus, 'IN_PROGRESS', `audit ${taskId} ended ${audit.taskStatus}`);
    assert.ok(Date.now() < deadline, 'the audit did not end within 30 s');
  }
}

/** The processing order of docs/decisions.md#m30: finding time, then finding id in code-point order. */
function inProcessingOrder(findings: AuditFinding[]): AuditFinding[] {
  const time = (f: AuditFinding) => f.findingTime!.getTime();
  return [...findings].sort((a, b) => time(a) - time(b) || (a.findingId! < b.findingId! ? -1 : a.findingId! > b.findingId! ? 1 : 0));
}

const chunkOf = (position: number) => Math.floor(position / FINDINGS_PER_CHUNK);

/** Each finding's executions in a task, by finding id (the API lists them one finding at a time). */
async function executionsByFinding(iot: IoTClient, taskId: string, findings: AuditFinding[]) {
  const byFinding = new Map<string, { status: string; message?: string }[]>();
  await pool(findings.length, async (i) => {
    const findingId = findings[i]!.findingId!;
    const { actionsExecutions } = await iot.send(new ListAuditMitigationActionsExecutionsCommand({ taskId, findingId, maxResults: 10 }));
    byFinding.set(findingId, (actionsExecutions ?? []).map((e) => ({ status: e.status!, message: e.message })));
  });
  return byFinding;
}

forEachStore('StartAuditMitigationActionsTask over several chunks', (suite) => {
  let iot: IoTClient;
  before(() => ({ iot } = suite));

  test('every finding counted once across chunk boundaries of equal finding_time; suppression and the reason-code filter in every chunk', async () => {
    await registerCertificates(iot, await expiringCertificates());
    const auditTaskId = await auditExpiringCertificates(iot);
    const findings = inProcessingOrder(await auditFindings(iot, auditTaskId));
    assert.equal(findings.length, CERTIFICATES);
    assert.equal(new Set(findings.map((f) => f.findingTime!.getTime())).size, 1, 'the check stores its findings with one finding_time');
    assert.equal(chunkOf(findings.length - 1), 2, 'the findings span three chunks');

    const codeOf = (f: AuditFinding) => f.reasonForNonComplianceCode;
    const pastChunks = new Set(findings.flatMap((f, position) => (codeOf(f) === PAST ? [chunkOf(position)] : [])));
    assert.deepEqual([...pastChunks].sort(), [0, 1, 2], 'filtered findings in every chunk');

    // Suppressed and acted on otherwise: the last such finding of chunk 0 and the first of chunk 1 (both sides of a
    // boundary) and one in chunk 2. Suppressed but also excluded by the filter (the filter decides): one in chunk 1.
    const approachingIn = (chunk: number) => findings.filter((f, position) => chunkOf(position) === chunk && codeOf(f) === APPROACHING);
    const suppressed = [approachingIn(0).at(-1)!, approachingIn(1)[0]!, approachingIn(2)[7]!];
    const suppressedAndFiltered = findings.find((f, position) => chunkOf(position) === 1 && codeOf(f) === PAST)!;
    for (const f of [...suppressed, suppressedAndFiltered]) await suppress(iot, f);
    await iot.send(
      new CreateMitigationActionCommand({
        actionName: 'Deactivate',
        roleArn: 'arn:aws:iam::123456789012:role/mitigation',
        actionParams: { updateDeviceCertificateParams: { action: 'DEACTIVATE' } },
      }),
    );

    const request = {
      target: { auditTaskId, auditCheckToReasonCodeFilter: { [EXPIRING_CHECK]: [APPROACHING] } },
      auditCheckToActionsMapping: { [EXPIRING_CHECK]: ['Deactivate'] },
    };
    await iot.send(new StartAuditMitigationActionsTaskCommand({ taskId: 'streamed', ...request }));
    const task = await waitForEnd(iot, 'streamed', 60_000);
    const filtered = findings.filter((f) => codeOf(f) === PAST);
    const skipped = filtered.length + suppressed.length;
    assert.equal(task.taskStatus, 'COMPLETED');
    assert.ok(task.endTime! >= task.startTime!);
    assert.deepEqual(task.taskStatistics, {
      [EXPIRING_CHECK]: {
        totalFindingsCount: CERTIFICATES,
        succeededFindingsCount: CERTIFICATES - skipped,
        failedFindingsCount: 0,
        skippedFindingsCount: skipped,
        canceledFindingsCount: 0,
      },
    });

    // Exactly one execution per finding acted on, COMPLETED; one SKIPPED per suppressed finding; none when filtered.
    const executions = await executionsByFinding(iot, 'streamed', findings);
    const suppressedIds = new Set(suppressed.map((f) => f.findingId));
    const wrong: string[] = [];
    for (const f of findings) {
      const got = executions.get(f.findingId!)!;
      const expected =
        codeOf(f) === PAST
          ? []
          : suppressedIds.has(f.findingId)
            ? [{ status: 'SKIPPED', message: `Skipped because finding ${f.findingId} is suppressed` }]
            : [{ status: 'COMPLETED' }];
      const shape = got.map((e) => (e.status === 'SKIPPED' ? e : { status: e.status }));
      if (JSON.stringify(shape) !== JSON.stringify(expected)) wrong.push(`${f.findingId}: ${JSON.stringify(got)}`);
    }
    assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} findings have other executions than expected`);
    const count = (status: string) => [...executions.values()].flat().filter((e) => e.status === status).length;
    assert.equal(count('COMPLETED'), CERTIFICATES - skipped);
    assert.equal(count('SKIPPED'), suppressed.length);

    // The other way round, with nothing to do in any chunk: the filter keeps only expired certificates, and those are
    // all suppressed. Start answers with the task COMPLETED at once, its end time its start time; suppressed findings
    // get a SKIPPED execution, filtered ones none.
    await pool(filtered.length, async (i) => {
      if (filtered[i] !== suppressedAndFiltered) await suppress(iot, filtered[i]!);
    });
    await iot.send(
      new StartAuditMitigationActionsTaskCommand({
        taskId: 'all-skipped',
        target: { auditTaskId, auditCheckToReasonCodeFilter: { [EXPIRING_CHECK]: [PAST] } },
        auditCheckToActionsMapping: request.auditCheckToActionsMapping,
      }),
    );
    const idle = await describeTask(iot, 'all-skipped');
    assert.equal(idle.taskStatus, 'COMPLETED');
    assert.equal(idle.endTime!.getTime(), idle.startTime!.getTime());
    assert.deepEqual(idle.taskStatistics, {
      [EXPIRING_CHECK]: {
        totalFindingsCount: CERTIFICATES,
        succeededFindingsCount: 0,
        failedFindingsCount: 0,
        skippedFindingsCount: CERTIFICATES,
        canceledFindingsCount: 0,
      },
    });
    // Every expired finding, and the findings on both sides of each chunk boundary.
    const boundaries = [FINDINGS_PER_CHUNK, 2 * FINDINGS_PER_CHUNK].flatMap((b) => findings.slice(b - 2, b + 2));
    const sample = [...new Set([...filtered, ...boundaries])];
    const idleExecutions = await executionsByFinding(iot, 'all-skipped', sample);
    for (const f of sample)
      assert.deepEqual(
        idleExecutions.get(f.findingId!)!.map((e) => e.status),
        codeOf(f) === PAST ? ['SKIPPED'] : [],
        f.findingId,
      );
  });
});
