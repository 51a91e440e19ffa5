// Crash safety of the mitigation engine (mitigation.md §5.3) with real `ddlocal serve` processes:
//  1. kill -9 in the middle of a 20,000-execution task, restart on the same database (SQLite file, PostgreSQL):
//     every execution ends COMPLETED and every resource was changed exactly once;
//  2. two processes on one PostgreSQL database work the same task (claims with FOR UPDATE SKIP LOCKED), one is
//     frozen in turn to show that each of them makes progress on its own, then one is stopped and the other finishes.
// Everything is driven through the official SDK; read-only SQL only where the API cannot see (every execution row).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { iotClient } from './helpers/server.js';
import { createTestDatabase } from './helpers/postgres.js';
import { startServeProcess, type ServeProcess } from './helpers/serve-process.js';
import { makeCertificate, makeKey, daysFromNow } from './helpers/certs.js';
import { BROAD } from './helpers/mitigation-scenario.js';

// The claims of a killed process are taken over when their lease runs out: a short lease keeps the test quick (an
// execution still commits only while its claim holds, so exactly-once does not depend on the lease's length).
const SHORT_LEASE = { DDLOCAL_MITIGATION_LEASE_SECONDS: '3' };

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/mitigation`;
const AGE_CHECK = 'DEVICE_CERTIFICATE_AGE_CHECK';
const POLICY_CHECK = 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK';
const BLANK = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iot:*', Resource: '*' }] };
/** Requests in flight while populating and verifying (the machine has 2 cores). */
const IN_FLIGHT = 8;
/** A claimed finding stays with a killed worker this long (the engine's default lease) before another takes it. */
const LEASE_MS = 30_000;

const CRASH_CERTIFICATES = 10_000;
const CRASH_POLICIES = 10_000;
const SHARED_POLICIES = 4_000;

const elapsed = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs fn over 0..count-1 with a fixed number of calls in flight. */
async function pool(count: number, fn: (i: number) => Promise<void>, inFlight = IN_FLIGHT): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

const pad = (i: number) => String(i).padStart(5, '0');
const policyName = (i: number) => `crash-policy-${pad(i)}`;

/**
 * Device certificates whose age passes DEVICE_CERTIFICATE_AGE_CHECK's default threshold (365 days): notBefore 400
 * days ago. One EC key signs them all (self-signed, a new serial and subject each, no key-identifier extensions), and
 * the PEMs are made once for both stores (separate databases): about 1 ms each instead of a key pair each.
 */
let oldCertificates: Promise<{ pem: string; id: string }[]> | undefined;
function makeOldCertificates(count: number): Promise<{ pem: string; id: string }[]> {
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

async function registerCertificates(iot: IoTClient, certs: { pem: string; id: string }[]): Promise<string[]> {
  await pool(certs.length, async (i) => {
    const r = await iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: certs[i]!.pem, status: 'ACTIVE' }));
    assert.equal(r.certificateId, certs[i]!.id);
  });
  return certs.map((c) => c.id);
}

async function createBroadPolicies(iot: IoTClient, count: number): Promise<void> {
  await pool(count, async (i) => {
    await iot.send(new CreatePolicyCommand({ policyName: policyName(i), policyDocument: BROAD }));
  });
}

/** Audits the given checks, creates the two actions and starts one task over the whole audit. */
async function startMitigation(iot: IoTClient, checks: string[], taskId: string): Promise<{ auditTaskId: string }> {
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

type Statistics = NonNullable<DescribeAuditMitigationActionsTaskCommandOutput['taskStatistics']>;

/** Findings of the task that reached an outcome (per §5.4 every terminal finding is in exactly one counter). */
function finished(stats: Statistics | undefined): number {
  let n = 0;
  for (const s of Object.values(stats ?? {}))
    n += (s.succeededFindingsCount ?? 0) + (s.failedFindingsCount ?? 0) + (s.skippedFindingsCount ?? 0) + (s.canceledFindingsCount ?? 0);
  return n;
}

async function describeTask(iot: IoTClient, taskId: string) {
  return iot.send(new DescribeAuditMitigationActionsTaskCommand({ taskId }));
}

/** Polls until at least `count` findings are finished; fails if the task ends first. */
async function waitForProgress(iot: IoTClient, taskId: string, count: number, timeoutMs: number): Promise<number> {
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

async function waitForEnd(iot: IoTClient, taskId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await describeTask(iot, taskId);
    if (d.taskStatus !== 'IN_PROGRESS') return d;
    assert.ok(Date.now() < deadline, `the task did not end within ${timeoutMs} ms (${finished(d.taskStatistics)} findings finished)`);
    await sleep(200);
  }
}

function assertAllSucceeded(task: DescribeAuditMitigationActionsTaskCommandOutput, perCheck: Record<string, number>) {
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
async function assertPoliciesResetOnce(iot: IoTClient, count: number, sample: number[]): Promise<void> {
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

async function assertCertificatesInactive(iot: IoTClient, ids: string[]): Promise<void> {
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
async function auditFindings(iot: IoTClient, auditTaskId: string): Promise<AuditFinding[]> {
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
async function assertSampleExecutions(iot: IoTClient, taskId: string, findings: AuditFinding[], size: number): Promise<void> {
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

interface ExecutionRow {
  finding_id: string;
  action_name: string;
  status: string;
  message: string | null;
}

/** Read-only: every execution row of the task (the API lists executions one finding at a time). */
async function executionRows(store: { data: string } | { databaseUrl: string }, taskId: string): Promise<ExecutionRow[]> {
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
function assertExecutionsAppliedOnce(rows: ExecutionRow[], certificates: number, policies: number): void {
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

for (const storeKind of ['sqlite', 'postgres'] as const) {
  describe(`kill -9 during a ${CRASH_CERTIFICATES + CRASH_POLICIES}-execution mitigation task (${storeKind})`, () => {
    test('after a restart every execution is COMPLETED and every certificate and policy was changed exactly once', { timeout: 900_000 }, async (t) => {
      const store = storeKind === 'sqlite' ? { data: join(mkdtempSync(join(tmpdir(), 'ddlocal-crash-')), 'crash.db') } : { databaseUrl: await createTestDatabase() };
      const taskId = `crash-${storeKind}`;
      let server: ServeProcess = await startServeProcess(store, undefined, SHORT_LEASE);
      let iot = iotClient(server.url, ACCOUNT);
      try {
        let t0 = Date.now();
        const certificates = await makeOldCertificates(CRASH_CERTIFICATES);
        t.diagnostic(`${CRASH_CERTIFICATES} certificates ready (made once per run) in ${elapsed(t0)}`);
        t0 = Date.now();
        const certificateIds = await registerCertificates(iot, certificates);
        t.diagnostic(`registered ${CRASH_CERTIFICATES} certificates in ${elapsed(t0)}`);
        t0 = Date.now();
        await createBroadPolicies(iot, CRASH_POLICIES);
        t.diagnostic(`created ${CRASH_POLICIES} policies in ${elapsed(t0)}`);
        t0 = Date.now();
        const { auditTaskId } = await startMitigation(iot, [AGE_CHECK, POLICY_CHECK], taskId);
        t.diagnostic(`audit + task start in ${elapsed(t0)}`);
        const total = CRASH_CERTIFICATES + CRASH_POLICIES;
        const started = await describeTask(iot, taskId);
        assert.equal(started.taskStatistics?.[AGE_CHECK]?.totalFindingsCount, CRASH_CERTIFICATES);
        assert.equal(started.taskStatistics?.[POLICY_CHECK]?.totalFindingsCount, CRASH_POLICIES);

        // Crash with a good share done, and certainly not all: the kill must land in the middle of the work.
        t0 = Date.now();
        const first = await waitForProgress(iot, taskId, 1, 600_000);
        t.diagnostic(`first finding finished ${elapsed(t0)} after the task start (${first} by then)`);
        const seen = await waitForProgress(iot, taskId, Math.round(total * 0.15), 600_000);
        const rate = seen / ((Date.now() - t0) / 1000);
        const split = (await describeTask(iot, taskId)).taskStatistics!;
        t.diagnostic(`at the kill: ${AGE_CHECK} ${finished({ a: split[AGE_CHECK]! })}, ${POLICY_CHECK} ${finished({ p: split[POLICY_CHECK]! })}`);
        assert.ok(seen < total * 0.6, `${seen} of ${total} findings were already finished when the kill was due`);
        server.child.kill('SIGKILL');
        assert.deepEqual(await server.exited, { code: null, signal: 'SIGKILL' });
        t.diagnostic(`killed with ${seen} of ${total} findings seen finished after ${elapsed(t0)} (${rate.toFixed(0)} findings/s)`);
        iot.destroy();

        t0 = Date.now();
        server = await startServeProcess(store, undefined, SHORT_LEASE);
        iot = iotClient(server.url, ACCOUNT);
        const afterRestart = await describeTask(iot, taskId);
        assert.equal(afterRestart.taskStatus, 'IN_PROGRESS');
        const resumedFrom = finished(afterRestart.taskStatistics);
        assert.ok(resumedFrom >= seen && resumedFrom < total, `${resumedFrom} findings finished at restart`);
        // The killed worker's claims must expire (lease) before the rest of its batch is taken again.
        const task = await waitForEnd(iot, taskId, LEASE_MS + 600_000);
        t.diagnostic(`restart → task end in ${elapsed(t0)} (${total - resumedFrom} findings after the restart)`);
        assertAllSucceeded(task, { [AGE_CHECK]: CRASH_CERTIFICATES, [POLICY_CHECK]: CRASH_POLICIES });

        t0 = Date.now();
        await assertCertificatesInactive(iot, certificateIds);
        await assertPoliciesResetOnce(iot, CRASH_POLICIES, [0, 1, 4999, CRASH_POLICIES - 1]);
        const findings = await auditFindings(iot, auditTaskId);
        assert.equal(findings.length, total);
        await assertSampleExecutions(iot, taskId, findings, 200);
        t.diagnostic(`verification through the API in ${elapsed(t0)}`);
        assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.stderr());
        assertExecutionsAppliedOnce(await executionRows(store, taskId), CRASH_CERTIFICATES, CRASH_POLICIES);
      } finally {
        iot.destroy();
        await server.stop('SIGKILL');
      }
    });
  });
}

/**
 * Findings finished while `frozen` is stopped with SIGSTOP, as seen through the other process: waits until at least
 * `enough` more are finished (or `ms` pass), so a slow moment of a busy machine does not decide the result.
 */
async function progressWhileFrozen(frozen: ServeProcess, observer: IoTClient, taskId: string, ms: number, enough = 20): Promise<number> {
  const before = finished((await describeTask(observer, taskId)).taskStatistics);
  frozen.child.kill('SIGSTOP');
  try {
    const deadline = Date.now() + ms;
    for (;;) {
      await sleep(250);
      const d = await describeTask(observer, taskId);
      assert.equal(d.taskStatus, 'IN_PROGRESS', 'the task ended during the freeze: make it bigger');
      const progress = finished(d.taskStatistics) - before;
      if (progress >= enough || Date.now() > deadline) return progress;
    }
  } finally {
    frozen.child.kill('SIGCONT');
  }
}

describe('two ddlocal processes on one PostgreSQL database', () => {
  test(`both work the same ${SHARED_POLICIES}-finding task; one stops mid-way and the other finishes it`, { timeout: 600_000 }, async (t) => {
    const store = { databaseUrl: await createTestDatabase() };
    const taskId = 'shared-task';
    const a = await startServeProcess(store, undefined, SHORT_LEASE);
    const b = await startServeProcess(store, undefined, SHORT_LEASE);
    const iotA = iotClient(a.url, ACCOUNT);
    const iotB = iotClient(b.url, ACCOUNT);
    try {
      let t0 = Date.now();
      await createBroadPolicies(iotA, SHARED_POLICIES);
      t.diagnostic(`created ${SHARED_POLICIES} policies in ${elapsed(t0)}`);
      await startMitigation(iotA, [POLICY_CHECK], taskId);
      t0 = Date.now();
      await waitForProgress(iotB, taskId, Math.round(SHARED_POLICIES * 0.1), 300_000);

      // Each process alone makes progress while the other is frozen: both claim findings of the same task. A frozen
      // process keeps its claims (at most one batch) and possibly an open transaction; SKIP LOCKED lets the other
      // pass them by instead of waiting.
      const byB = await progressWhileFrozen(a, iotB, taskId, 30_000);
      const byA = await progressWhileFrozen(b, iotA, taskId, 30_000);
      t.diagnostic(`findings finished while the other was frozen, by B alone: ${byB}, by A alone: ${byA}`);
      assert.ok(byB >= 20, `process B finished only ${byB} findings while A was frozen`);
      assert.ok(byA >= 20, `process A finished only ${byA} findings while B was frozen`);

      // A graceful stop mid-task: A finishes the execution in hand and gives its other claims back, B does the rest.
      const atStop = finished((await describeTask(iotB, taskId)).taskStatistics);
      assert.ok(atStop < SHARED_POLICIES * 0.9, `${atStop} findings already finished before A was stopped`);
      assert.deepEqual(await a.stop('SIGTERM'), { code: 0, signal: null }, a.stderr());
      const stoppedAt = Date.now();
      const task = await waitForEnd(iotB, taskId, LEASE_MS + 300_000);
      t.diagnostic(
        `A stopped with ${atStop} of ${SHARED_POLICIES} finished; B finished the rest in ${elapsed(stoppedAt)}; task ${elapsed(t0)} from 10%`,
      );
      assertAllSucceeded(task, { [POLICY_CHECK]: SHARED_POLICIES });
      await assertPoliciesResetOnce(iotB, SHARED_POLICIES, [0, SHARED_POLICIES - 1]);
      assertExecutionsAppliedOnce(await executionRows(store, taskId), 0, SHARED_POLICIES);
      assert.deepEqual(await b.stop('SIGTERM'), { code: 0, signal: null }, b.stderr());
    } finally {
      iotA.destroy();
      iotB.destroy();
      for (const p of [a, b]) {
        p.child.kill('SIGCONT');
        await p.stop('SIGKILL');
      }
    }
  });
});
