// Crash safety of the mitigation engine with real `ddlocal serve` processes:
//  1. kill -9 in the middle of a 20,000-execution task, restart on the same database (SQLite file, PostgreSQL):
//     every execution ends COMPLETED and every resource was changed exactly once;
//  2. kill -9 inside a batch's transaction, after its executions were applied to the registry and before the commit
//     (held there by a test trigger on the last statement the batch writes): nothing of the batch is visible, and after
//     a restart every change is made exactly once;
//  3. two processes on one PostgreSQL database work the same task (claims with FOR UPDATE SKIP LOCKED), one is
//     frozen in turn to show that each of them makes progress on its own, then one is stopped and the other finishes.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import pg from 'pg';
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

const FAULT_CERTIFICATES = 300;
const FAULT_POLICIES = 300;

/**
 * Holds the batch's last statement — the finding rows turning DONE, after the registry changes and the execution
 * statuses were written — until the process is killed: SQLite runs a join too large to finish inside the trigger (the
 * process blocks in it), PostgreSQL sleeps in it. Installed while no ddlocal process has the database open.
 */
async function holdBatchBeforeCommit(store: { data: string } | { databaseUrl: string }): Promise<void> {
  if ('data' in store) {
    const db = new SQLite(store.data);
    try {
      db.exec(`CREATE TABLE fault_rows (n INTEGER);
        WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3000) INSERT INTO fault_rows SELECT n FROM r;
        CREATE TRIGGER fault_before_commit AFTER UPDATE OF state ON mitigation_task_findings WHEN NEW.state = 'DONE'
        BEGIN SELECT count(*) FROM fault_rows a, fault_rows b, fault_rows c; END;`);
    } finally {
      db.close();
    }
    return;
  }
  await withPg(store.databaseUrl, async (client) => {
    await client.query(`CREATE FUNCTION fault_sleep() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(600); RETURN NEW; END $$`);
    await client.query(`CREATE TRIGGER fault_before_commit AFTER UPDATE OF state ON mitigation_task_findings
      FOR EACH ROW WHEN (NEW.state = 'DONE') EXECUTE FUNCTION fault_sleep()`);
    // A backend whose client died notices within this interval even while it sleeps, and rolls back.
    await client.query(`ALTER DATABASE ${client.database} SET client_connection_check_interval = '200ms'`);
  });
}

async function withPg<T>(url: string, fn: (client: pg.Client & { database: string }) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url }) as pg.Client & { database: string };
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Committed state, read behind ddlocal's back: certificates INACTIVE, executions no longer PENDING. */
async function committedChanges(store: { data: string } | { databaseUrl: string }): Promise<{ inactive: number; ended: number }> {
  const inactive = "SELECT count(*) AS n FROM certificates WHERE status = 'INACTIVE'";
  const ended = "SELECT count(*) AS n FROM mitigation_executions WHERE status <> 'PENDING'";
  if ('data' in store) {
    const db = new SQLite(store.data, { readonly: true, fileMustExist: true });
    try {
      return { inactive: (db.prepare(inactive).get() as { n: number }).n, ended: (db.prepare(ended).get() as { n: number }).n };
    } finally {
      db.close();
    }
  }
  return withPg(store.databaseUrl, async (client) => ({
    inactive: Number((await client.query(inactive)).rows[0].n),
    ended: Number((await client.query(ended)).rows[0].n),
  }));
}

async function removeHold(store: { data: string } | { databaseUrl: string }): Promise<void> {
  if ('data' in store) {
    const db = new SQLite(store.data);
    try {
      db.exec('DROP TRIGGER fault_before_commit; DROP TABLE fault_rows;');
    } finally {
      db.close();
    }
    return;
  }
  // Waits for the killed process's backend to roll back (it holds the batch's row locks until then).
  await withPg(store.databaseUrl, (client) => client.query('DROP TRIGGER fault_before_commit ON mitigation_task_findings'));
}

/**
 * Resolves once the batch is held inside its transaction: on PostgreSQL a ddlocal backend sleeps in the trigger and
 * holds a write lock on the certificates table (the batch has applied its deactivations); on SQLite the process's
 * event loop no longer answers (it blocks in the trigger).
 */
async function heldInBatch(store: { data: string } | { databaseUrl: string }, server: ServeProcess): Promise<string> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    assert.ok(Date.now() < deadline, 'the batch never reached the held statement');
    if ('databaseUrl' in store) {
      const held = await withPg(store.databaseUrl, async (client) =>
        (
          await client.query(`SELECT a.pid FROM pg_stat_activity a
            WHERE a.wait_event = 'PgSleep' AND a.pid <> pg_backend_pid() AND EXISTS (
              SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
              WHERE l.pid = a.pid AND c.relname = 'certificates' AND l.mode = 'RowExclusiveLock')`)
        ).rows,
      );
      if (held.length === 1) return `backend ${held[0].pid} sleeps in the trigger holding a write lock on certificates`;
    } else {
      const answered = await fetch(server.url, { signal: AbortSignal.timeout(2000) }).then(
        () => true,
        () => false,
      );
      if (!answered) return 'the process stopped answering (blocked in the trigger)';
    }
    await sleep(100);
  }
}

forEachStore('kill -9 between a batch\'s apply and its commit', { server: false }, ({ store: storeKind }) => {
  test('nothing of the batch is visible after the kill; after a restart every change is made exactly once', { timeout: 600_000 }, async (t) => {
    const dataDir = storeKind === 'sqlite' ? mkdtempSync(join(tmpdir(), 'ddlocal-crash-')) : undefined;
    const store = dataDir ? { data: join(dataDir, 'fault.db') } : { databaseUrl: await createTestDatabase() };
    const taskId = `fault-${storeKind}`;
    let server: ServeProcess = await startServeProcess(store, undefined, SHORT_LEASE);
    let iot = iotClient(server.url, ACCOUNT);
    try {
      // The full set is made once per run for the crash test above; this test takes the first ones.
      const certificates = (await makeOldCertificates(CRASH_CERTIFICATES)).slice(0, FAULT_CERTIFICATES);
      const certificateIds = await registerCertificates(iot, certificates);
      await createBroadPolicies(iot, FAULT_POLICIES);
      // The trigger goes in while no process has the database open (SQLite: ddlocal holds its file exclusively).
      assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.stderr());
      iot.destroy();
      await holdBatchBeforeCommit(store);
      server = await startServeProcess(store, undefined, SHORT_LEASE);
      iot = iotClient(server.url, ACCOUNT);
      await startMitigation(iot, [AGE_CHECK, POLICY_CHECK], taskId);

      t.diagnostic(await heldInBatch(store, server));
      server.child.kill('SIGKILL');
      assert.deepEqual(await server.exited, { code: null, signal: 'SIGKILL' });
      iot.destroy();
      await removeHold(store);
      assert.deepEqual(await committedChanges(store), { inactive: 0, ended: 0 }, 'the killed batch left changes behind');

      server = await startServeProcess(store, undefined, SHORT_LEASE);
      iot = iotClient(server.url, ACCOUNT);
      const task = await waitForEnd(iot, taskId, 300_000);
      assertAllSucceeded(task, { [AGE_CHECK]: FAULT_CERTIFICATES, [POLICY_CHECK]: FAULT_POLICIES });
      await assertCertificatesInactive(iot, certificateIds);
      await assertPoliciesResetOnce(iot, FAULT_POLICIES, [0, FAULT_POLICIES - 1]);
      assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.stderr());
      assertExecutionsAppliedOnce(await executionRows(store, taskId), FAULT_CERTIFICATES, FAULT_POLICIES);
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
