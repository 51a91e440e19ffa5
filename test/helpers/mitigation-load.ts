// A large mitigation workload driven through the official SDK, shared by the tests that interrupt it (kill -9,
// two processes, database outages): many certificates older than DEVICE_CERTIFICATE_AGE_CHECK allows and many
// overly permissive policies, an audit of both checks, a task that deactivates and blanks them all, and the checks
// that every execution was applied exactly once. Read-only SQL only where the API cannot see (every execution row).
import assert from 'node:assert/strict';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  CreateMitigationActionCommand,
  CreatePolicyCommand,
  DescribeAuditMitigationActionsTaskCommand,
  DescribeAuditTaskCommand,
  GetPolicyCommand,
  ListAuditFindingsCommand,
  ListAuditMitigationActionsExecutionsCommand,
  ListCertificatesCommand,
  ListPolicyVersionsCommand,
  RegisterCertificateWithoutCACommand,
  StartAuditMitigationActionsTaskCommand,
  StartOnDemandAuditTaskCommand,
  UpdateAccountAuditConfigurationCommand,
  type AuditFinding,
  type DescribeAuditMitigationActionsTaskCommandOutput,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { makeCertificate, makeKey, daysFromNow } from './certs.js';
import { BROAD } from './mitigation-scenario.js';

export const ACCOUNT = '123456789012';
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/mitigation`;
export const AGE_CHECK = 'DEVICE_CERTIFICATE_AGE_CHECK';
export const POLICY_CHECK = 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK';
export const BLANK = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iot:*', Resource: '*' }] };
/** Requests in flight while populating and verifying (the machine has 2 cores). */
export const IN_FLIGHT = 8;

export const elapsed = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs fn over 0..count-1 with a fixed number of calls in flight. */
export async function pool(count: number, fn: (i: number) => Promise<void>, inFlight = IN_FLIGHT): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

const pad = (i: number) => String(i).padStart(5, '0');
export const policyName = (i: number) => `crash-policy-${pad(i)}`;

/**
 * Device certificates whose age passes DEVICE_CERTIFICATE_AGE_CHECK's default threshold (365 days): notBefore 400
 * days ago. One EC key signs them all (self-signed, a new serial and subject each, no key-identifier extensions), and
 * the PEMs are made once for both stores (separate databases): about 1 ms each instead of a key pair each.
 */
let oldCertificates: Promise<{ pem: string; id: string }[]> | undefined;
export function makeOldCertificates(count: number): Promise<{ pem: string; id: string }[]> {
  oldCertificates ??= (async () => {
    const key = await makeKey({ type: 'EC' });
    const certs: { pem: string; id: string }[] = new Array(count);
    await pool(count, async (i) => {
      const c = await makeCertificate({
        key,
        subject: `CN=crash-device-${pad(i)}`,
        notBefore: daysFromNow(-400),
        notAfter: daysFromNow(400),
        omitKeyIdentifiers: true,
      });
      certs[i] = { pem: c.pem, id: c.id };
    });
    return certs;
  })();
  return oldCertificates;
}

export async function registerCertificates(iot: IoTClient, certs: { pem: string; id: string }[]): Promise<string[]> {
  await pool(certs.length, async (i) => {
    const r = await iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: certs[i]!.pem, status: 'ACTIVE' }));
    assert.equal(r.certificateId, certs[i]!.id);
  });
  return certs.map((c) => c.id);
}

export async function createBroadPolicies(iot: IoTClient, count: number): Promise<void> {
  await pool(count, async (i) => {
    await iot.send(new CreatePolicyCommand({ policyName: policyName(i), policyDocument: BROAD }));
  });
}

/** Audits the given checks, creates the two actions and starts one task over the whole audit. */
export async function startMitigation(iot: IoTClient, checks: string[], taskId: string): Promise<{ auditTaskId: string }> {
  await iot.send(
    new UpdateAccountAuditConfigurationCommand({
      roleArn: ROLE,
      auditCheckConfigurations: Object.fromEntries(checks.map((c) => [c, { enabled: true }])),
    }),
  );
  const { taskId: auditTaskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: checks }));
  for (const deadline = Date.now() + 120_000; ; await sleep(100)) {
    const audit = await iot.send(new DescribeAuditTaskCommand({ taskId: auditTaskId }));
    if (audit.taskStatus === 'COMPLETED') break;
    assert.equal(audit.taskStatus, 'IN_PROGRESS', `audit ${auditTaskId} ended ${audit.taskStatus}`);
    assert.ok(Date.now() < deadline, 'the audit did not end within 120 s');
  }
  await iot.send(
    new CreateMitigationActionCommand({ actionName: 'Deactivate', roleArn: ROLE, actionParams: { updateDeviceCertificateParams: { action: 'DEACTIVATE' } } }),
  );
  await iot.send(
    new CreateMitigationActionCommand({ actionName: 'Reset', roleArn: ROLE, actionParams: { replaceDefaultPolicyVersionParams: { templateName: 'BLANK_POLICY' } } }),
  );
  const mapping: Record<string, string[]> = {};
  if (checks.includes(AGE_CHECK)) mapping[AGE_CHECK] = ['Deactivate'];
  if (checks.includes(POLICY_CHECK)) mapping[POLICY_CHECK] = ['Reset'];
  await iot.send(new StartAuditMitigationActionsTaskCommand({ taskId, target: { auditTaskId }, auditCheckToActionsMapping: mapping }));
  return { auditTaskId: auditTaskId! };
}

export type Statistics = NonNullable<DescribeAuditMitigationActionsTaskCommandOutput['taskStatistics']>;

/**
 * Findings of the task that reached an outcome (once the task has ended, every counted finding is in exactly one
 * counter: docs/decisions.md#m29).
 */
export function finished(stats: Statistics | undefined): number {
  let n = 0;
  for (const s of Object.values(stats ?? {}))
    n += (s.succeededFindingsCount ?? 0) + (s.failedFindingsCount ?? 0) + (s.skippedFindingsCount ?? 0) + (s.canceledFindingsCount ?? 0);
  return n;
}

export async function describeTask(iot: IoTClient, taskId: string) {
  return iot.send(new DescribeAuditMitigationActionsTaskCommand({ taskId }));
}

/** Polls until at least `count` findings are finished; fails if the task ends first. */
export async function waitForProgress(iot: IoTClient, taskId: string, count: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await describeTask(iot, taskId);
    const done = finished(d.taskStatistics);
    assert.equal(d.taskStatus, 'IN_PROGRESS', `the task ended (${done} findings finished) before reaching ${count}: make it bigger`);
    if (done >= count) return done;
    assert.ok(Date.now() < deadline, `only ${done} of ${count} findings finished within ${timeoutMs} ms`);
    await sleep(50);
  }
}

export async function waitForEnd(iot: IoTClient, taskId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await describeTask(iot, taskId);
    if (d.taskStatus !== 'IN_PROGRESS') return d;
    assert.ok(Date.now() < deadline, `the task did not end within ${timeoutMs} ms (${finished(d.taskStatistics)} findings finished)`);
    await sleep(200);
  }
}

export function assertAllSucceeded(task: DescribeAuditMitigationActionsTaskCommandOutput, perCheck: Record<string, number>) {
  assert.equal(task.taskStatus, 'COMPLETED');
  assert.ok(task.endTime! >= task.startTime!);
  const expected = Object.fromEntries(
    Object.entries(perCheck).map(([check, n]) => [
      check,
      { totalFindingsCount: n, succeededFindingsCount: n, failedFindingsCount: 0, skippedFindingsCount: 0, canceledFindingsCount: 0 },
    ]),
  );
  assert.deepEqual(task.taskStatistics, expected);
}

/** Every policy has exactly versions 1 and 2, 2 the default: the blank version was created once, never twice. */
export async function assertPoliciesResetOnce(iot: IoTClient, count: number, sample: number[]): Promise<void> {
  const wrong: string[] = [];
  await pool(count, async (i) => {
    const versions = (await iot.send(new ListPolicyVersionsCommand({ policyName: policyName(i) }))).policyVersions ?? [];
    const shape = versions
      .map((v) => `${v.versionId}${v.isDefaultVersion ? '*' : ''}`)
      .sort()
      .join(',');
    if (shape !== '1,2*') wrong.push(`${policyName(i)}: ${shape}`);
  });
  assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} policies do not have exactly versions 1 and 2 (default)`);
  for (const i of sample) {
    const p = await iot.send(new GetPolicyCommand({ policyName: policyName(i) }));
    assert.equal(p.defaultVersionId, '2');
    assert.deepEqual(JSON.parse(p.policyDocument!), BLANK);
  }
}

export async function assertCertificatesInactive(iot: IoTClient, ids: string[]): Promise<void> {
  const status = new Map<string, string>();
  let marker: string | undefined;
  do {
    const page = await iot.send(new ListCertificatesCommand({ pageSize: 250, marker }));
    for (const c of page.certificates ?? []) status.set(c.certificateId!, c.status!);
    marker = page.nextMarker;
  } while (marker);
  assert.equal(status.size, ids.length);
  const notInactive = ids.filter((id) => status.get(id) !== 'INACTIVE');
  assert.deepEqual(notInactive.slice(0, 10), [], `${notInactive.length} certificates are not INACTIVE`);
}

/** All the audit's findings (ListAuditFindings pages of 250). */
export async function auditFindings(iot: IoTClient, auditTaskId: string): Promise<AuditFinding[]> {
  const all: AuditFinding[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListAuditFindingsCommand({ taskId: auditTaskId, maxResults: 250, nextToken }));
    all.push(...(page.findings ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return all;
}

/** For a sample of findings the API shows one COMPLETED execution whose message says what it changed. */
export async function assertSampleExecutions(iot: IoTClient, taskId: string, findings: AuditFinding[], size: number): Promise<void> {
  const step = Math.max(1, Math.floor(findings.length / size));
  for (let i = 0; i < findings.length; i += step) {
    const f = findings[i]!;
    const { actionsExecutions } = await iot.send(new ListAuditMitigationActionsExecutionsCommand({ taskId, findingId: f.findingId }));
    assert.equal(actionsExecutions?.length, 1, f.findingId);
    const e = actionsExecutions![0]!;
    assert.equal(e.status, 'COMPLETED', `${f.findingId}: ${e.message}`);
    assert.equal(e.actionName, f.checkName === AGE_CHECK ? 'Deactivate' : 'Reset');
    if (f.checkName === AGE_CHECK) assert.match(e.message ?? '', /deactivated \(was ACTIVE\)/);
  }
}

export interface ExecutionRow {
  finding_id: string;
  action_name: string;
  status: string;
  message: string | null;
}

/** Read-only: every execution row of the task (the API lists executions one finding at a time). */
export async function executionRows(store: { data: string } | { databaseUrl: string }, taskId: string): Promise<ExecutionRow[]> {
  const sql = 'SELECT finding_id, action_name, status, message FROM mitigation_executions WHERE task_id = ';
  if ('data' in store) {
    const db = new SQLite(store.data, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(`${sql}?`).all(taskId) as ExecutionRow[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: store.databaseUrl });
  await client.connect();
  try {
    return (await client.query<ExecutionRow>(`${sql}$1`, [taskId])).rows;
  } finally {
    await client.end();
  }
}

/**
 * Exactly once, row by row: a certificate execution applied twice would have found the certificate already INACTIVE
 * the second time ("was already INACTIVE"); a policy execution applied twice shows as a third policy version.
 */
export function assertExecutionsAppliedOnce(rows: ExecutionRow[], certificates: number, policies: number): void {
  assert.equal(rows.length, certificates + policies);
  const byStatus = new Map<string, number>();
  for (const r of rows) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(byStatus), { COMPLETED: certificates + policies });
  const deactivations = rows.filter((r) => r.action_name === 'Deactivate');
  assert.equal(deactivations.length, certificates);
  const notFirstTime = deactivations.filter((r) => !/deactivated \(was ACTIVE\)/.test(r.message ?? ''));
  assert.deepEqual(notFirstTime.slice(0, 5), [], `${notFirstTime.length} certificate executions did not find the certificate ACTIVE`);
  assert.equal(new Set(rows.map((r) => r.finding_id)).size, rows.length, 'one execution per finding');
}
