// Crash safety of the mitigation engine with real `ddlocal serve` processes:
//  1. kill -9 in the middle of a 20,000-execution task, restart on the same database (SQLite file, PostgreSQL):
//     every execution ends COMPLETED and every resource was changed exactly once;
//  2. two processes on one PostgreSQL database work the same task (claims with FOR UPDATE SKIP LOCKED), one is
//     frozen in turn to show that each of them makes progress on its own, then one is stopped and the other finishes.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IoTClient } from '@aws-sdk/client-iot';
import { forEachStore, iotClient } from './helpers/server.js';
import { createTestDatabase } from './helpers/postgres.js';
import { startServeProcess, type ServeProcess } from './helpers/serve-process.js';
import {
  ACCOUNT,
  AGE_CHECK,
  POLICY_CHECK,
  assertAllSucceeded,
  assertCertificatesInactive,
  assertExecutionsAppliedOnce,
  assertPoliciesResetOnce,
  assertSampleExecutions,
  auditFindings,
  createBroadPolicies,
  describeTask,
  elapsed,
  executionRows,
  finished,
  makeOldCertificates,
  registerCertificates,
  sleep,
  startMitigation,
  waitForEnd,
  waitForProgress,
} from './helpers/mitigation-load.js';

// The claims of a killed process are taken over when their lease runs out: a short lease keeps the test quick (an
// execution still commits only while its claim holds, so exactly-once does not depend on the lease's length).
const SHORT_LEASE = { DDLOCAL_MITIGATION_LEASE_SECONDS: '3' };

/** A claimed finding stays with a killed worker this long (the engine's default lease) before another takes it. */
const LEASE_MS = 30_000;
const CRASH_CERTIFICATES = 10_000;
const CRASH_POLICIES = 10_000;
const SHARED_POLICIES = 4_000;

forEachStore(`kill -9 during a ${CRASH_CERTIFICATES + CRASH_POLICIES}-execution mitigation task`, { server: false }, ({ store: storeKind }) => {
  test('after a restart every execution is COMPLETED and every certificate and policy was changed exactly once', { timeout: 900_000 }, async (t) => {
    const dataDir = storeKind === 'sqlite' ? mkdtempSync(join(tmpdir(), 'ddlocal-crash-')) : undefined;
    const store = dataDir ? { data: join(dataDir, 'crash.db') } : { databaseUrl: await createTestDatabase() };
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
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

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
    // Resumed, the server at once closes the connections that went idle while it was frozen; a request sent on one
    // of them in that instant is reset. Give the closes a moment to reach the clients.
    await sleep(500);
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
