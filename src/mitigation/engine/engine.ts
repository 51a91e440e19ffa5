// The mitigation task engine: workers claim batches of findings of IN_PROGRESS tasks and run each finding's
// executions strictly in mapping order.
//
// Exactly once: a batch of claimed findings runs in one transaction that re-reads and locks the claims, applies the
// executions to the registry and writes their terminal statuses (src/mitigation/engine/batch.ts) — so a process killed
// at any point either committed all of it or none, and a lost claim expires and is taken again. Claims are leases on
// the finding rows (wall-clock time, so they expire even while ddlocal's clock is frozen); on PostgreSQL they are
// taken with FOR UPDATE SKIP LOCKED so several ddlocal processes sharing a database work the same task without
// waiting on each other, and a batch whose action types lock what they read runs at READ COMMITTED, so those
// processes' batches do not abort each other either.
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { Transaction } from 'kysely';
import type { Store, Db } from '../../store/store.js';
import type { Database, MitigationTaskFindingRow, OutboxRow } from '../../store/schema.js';
import type { Clock } from '../../kernel/clock.js';
import type { OutboxOrigin } from '../../outbox/deliverer.js';
import type { ActionDefinition, ActionOutcome, FindingToMitigate } from '../action.js';
import { ACTION_IMPLEMENTATIONS } from '../actions/index.js';
import { RETENTION_MS } from '../../audit/engine/engine.js';
import { fromJson } from '../../kernel/json.js';
import { mitigationWork, wakeMitigationRunners } from './wake.js';
import { BackgroundLoop } from '../../kernel/background-loop.js';
import { executionKey, findingToMitigate, runBatch, type ThrownBy } from './batch.js';
import { isDatabaseError } from '../../kernel/errors.js';
import { finishTaskIfDone, loadFindingStates, saveFindingStates, settleWaiting, taskKeyOf, type FindingKey, type TaskKey } from './finding-state.js';
import { NO_TELEMETRY, type Telemetry } from '../../kernel/telemetry.js';
import { MitigationProgressLog } from './progress-log.js';
import { refreshPlannerStatisticsBefore } from '../../store/refresh-statistics.js';

const POLL_MS = 200;
const DEFAULT_BATCH_SIZE = 500;

/** The audit finding as the action types read it (findings never change, so this may be read at any time). */
export async function loadFinding(db: Db, k: FindingKey): Promise<FindingToMitigate | undefined> {
  const f = await db
    .selectFrom('audit_findings')
    .selectAll()
    .where('account_id', '=', k.account_id)
    .where('region', '=', k.region)
    .where('finding_id', '=', k.finding_id)
    .executeTakeFirst();
  return f && findingToMitigate(f);
}

/**
 * The outbox origin of PUBLISH_FINDING_TO_SNS executions: the deliverer reports delivery or failure here, in the
 * transaction that settles the message, and the finding moves on (docs/decisions.md#m28).
 */
export function mitigationOutboxOrigin(clock: Clock): OutboxOrigin {
  const settle = async (tx: Transaction<Database>, message: OutboxRow, outcome: { errorCode: string; reason: string } | undefined) => {
    const ref = fromJson<{ taskId?: string; findingId?: string; actionName?: string }>(message.origin_ref, {});
    if (!ref.taskId || !ref.findingId || !ref.actionName) return;
    const task: TaskKey = { account_id: message.account_id, region: message.region, task_id: ref.taskId };
    const finding = (await loadFindingStates(tx, task, [ref.findingId], true)).get(ref.findingId);
    const execution = finding?.executions.find((e) => e.action_name === ref.actionName && e.status === 'IN_PROGRESS');
    if (!finding || !execution) return; // purged meanwhile
    const now = clock.now();
    const next = settleWaiting(
      finding,
      execution,
      now,
      outcome ?? { message: `Published to ${message.topic_arn} as SNS message ${message.sns_message_id ?? '(unknown id)'}` },
    );
    await saveFindingStates(tx, task, [finding]);
    if (next === 'READY') wakeMitigationRunners();
    await finishTaskIfDone(tx, task, now);
  };
  return {
    delivered: (tx, message) => settle(tx, message, undefined),
    failed: (tx, message, errorCode, reason) => settle(tx, message, { errorCode, reason }),
  };
}

export interface MitigationRunnerOptions {
  /**
   * How long a claimed finding stays with this worker before another may take it (the
   * DDLOCAL_MITIGATION_LEASE_SECONDS setting). A short lease is safe — an execution commits only while its claim
   * still holds — but lets work be taken over sooner after a crash.
   */
  leaseMs: number;
  /**
   * Findings claimed, and run in one transaction, at a time (the DDLOCAL_MITIGATION_BATCH_SIZE setting); default 500.
   * Large enough that per-transaction costs (round trips, commits) stop mattering; small enough that retrying a batch
   * after a conflict wastes little and progress shows in steps. A batch holds its findings locked, so it may outlast
   * the lease without being taken over.
   */
  batchSize?: number;
  /**
   * Role-permission enforcement (docs/decisions.md#m32): an action whose role may not do the work FAILS
   * (INSUFFICIENT_PERMISSIONS).
   */
  enforceRolePermissions?: boolean;
  /** Told of executions started and finished, for metrics; default: nobody. */
  telemetry?: Telemetry;
  /**
   * How often a running task's progress is logged (the DDLOCAL_MITIGATION_PROGRESS_LOG_SECONDS setting); default
   * 10 s. Checked between claimed batches, so 0 logs after every batch.
   */
  progressLogMs?: number;
}

export class MitigationRunner {
  private lastPurge = 0;
  private readonly snapshots = new Map<string, ActionDefinition[]>();
  /** Tasks this process refreshed the planner statistics for (once each, before its first batch). */
  private readonly statisticsRefreshed = new Set<string>();
  private readonly loop: BackgroundLoop;
  private readonly telemetry: Telemetry;
  private readonly progress: MitigationProgressLog;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: MitigationRunnerOptions,
  ) {
    this.loop = new BackgroundLoop({
      pass: () => this.pass(),
      logger,
      failureMessage: 'mitigation runner pass failed',
      pollMs: POLL_MS,
      wakeDelayMs: 10,
      signal: mitigationWork,
    });
    this.telemetry = options.telemetry ?? NO_TELEMETRY;
    this.progress = new MitigationProgressLog(store, logger, options.progressLogMs ?? 10_000);
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming and waits for the batch in hand to commit. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Holds execution (tasks stay IN_PROGRESS) until resume(); used to observe and cancel running tasks. */
  pause(): void {
    this.loop.pause();
  }

  resume(): void {
    this.loop.resume();
  }

  wake(): void {
    this.loop.wake();
  }

  /** Runs until no claimable work is left, then returns. */
  runOnce(): Promise<void> {
    return this.loop.runOnce();
  }

  private get halted(): boolean {
    return this.loop.halted;
  }

  private async pass(): Promise<void> {
    while (!this.halted) {
      const batches = await this.claim();
      if (batches.length === 0) break;
      await this.progress.noticeTasks(batches.map((claims) => claims[0]!));
      let i = 0;
      for (; i < batches.length && !this.halted; i++) await this.runClaims(batches[i]!);
      if (i < batches.length) await this.release(batches.slice(i).flat());
      await this.progress.reportIfDue();
    }
    await this.finishDoneTasks();
    await this.progress.reportIfDue();
    await this.progress.reportEnded();
    const now = this.clock.now();
    if (now - this.lastPurge > 60_000 || now < this.lastPurge) await this.purge(now);
  }

  /**
   * Takes up to batchSize READY findings whose lease has expired, oldest finding first (docs/decisions.md#m30): one
   * locking read, and one update per task that sets the lease. Answers the claims grouped by task (a batch each), the
   * task with the oldest finding first.
   */
  private async claim(): Promise<MitigationTaskFindingRow[][]> {
    const wallNow = Date.now();
    // A little jitter makes every claim's lease value unique, so a worker recognises its own claim.
    // The jitter stays well below the lease, so a short lease still expires about when it says.
    const leaseMs = this.options.leaseMs;
    const lease = wallNow + leaseMs + randomInt(Math.max(1, Math.min(1000, Math.floor(leaseMs / 10))));
    return this.store.transaction(async (tx) => {
      let q = tx
        .selectFrom('mitigation_task_findings')
        .select(['account_id', 'region', 'task_id', 'finding_id'])
        .where('state', '=', 'READY')
        .where('lease_until', '<=', wallNow)
        .orderBy('finding_time')
        .orderBy('finding_id')
        .limit(this.options.batchSize ?? DEFAULT_BATCH_SIZE);
      if (this.store.kind === 'postgres') q = q.forUpdate().skipLocked();
      const due = await q.execute();
      const idsByTask = new Map<string, { task: TaskKey; ids: string[] }>();
      for (const f of due) {
        const key = taskKeyOf(f);
        if (!idsByTask.has(key)) idsByTask.set(key, { task: f, ids: [] });
        idsByTask.get(key)!.ids.push(f.finding_id);
      }
      const batches: MitigationTaskFindingRow[][] = [];
      for (const { task, ids } of idsByTask.values()) {
        const claimed = await tx
          .updateTable('mitigation_task_findings')
          .set({ lease_until: lease })
          .where('account_id', '=', task.account_id)
          .where('region', '=', task.region)
          .where('task_id', '=', task.task_id)
          .where('finding_id', 'in', ids)
          .returningAll()
          .execute();
        if (claimed.length > 0) batches.push(claimed);
      }
      return batches;
      // Safe at READ COMMITTED: on PostgreSQL the rows read are locked (SKIP LOCKED passes over other workers' rows), so
      // they are still READY and unleased when updated; SQLite has one writer. The update names the rows by key only:
      // with `state = 'READY'` in it, PostgreSQL walked the work index over every READY finding of the task (24 ms a
      // claim at 100,000 findings).
    }, { readCommitted: true });
  }

  /** Gives claims back at once (pause or stop mid-batch), instead of letting them wait out their lease. */
  private async release(claims: MitigationTaskFindingRow[]): Promise<void> {
    await this.store.transaction(
      async (tx) => {
        for (const c of claims)
          await tx
            .updateTable('mitigation_task_findings')
            .set({ lease_until: 0 })
            .where('account_id', '=', c.account_id)
            .where('region', '=', c.region)
            .where('task_id', '=', c.task_id)
            .where('finding_id', '=', c.finding_id)
            .where('lease_until', '=', c.lease_until)
            .execute();
      },
      { readCommitted: true },
    );
  }

  /**
   * Runs claimed findings of one task as one batch (src/mitigation/engine/batch.ts). When an action throws, the batch
   * runs again one execution at a time, and every execution that throws is recorded FAILED — visibly, rather than
   * retried forever. A database that fails (connection lost, busy, …) propagates: the claims expire and the batch is
   * taken again.
   */
  private async runClaims(claims: MitigationTaskFindingRow[]): Promise<void> {
    const task: TaskKey = claims[0]!;
    const actions = await this.snapshot(task);
    const taskKey = taskKeyOf(task);
    if (!this.statisticsRefreshed.has(taskKey)) {
      // Start has just written a row per finding and execution: without statistics PostgreSQL reads each batch's
      // rows by scanning the whole task (measured: 40 ms instead of 9 ms per statement at 100,000 findings).
      this.statisticsRefreshed.add(taskKey);
      if (this.statisticsRefreshed.size > 1000) this.statisticsRefreshed.clear();
      await refreshPlannerStatisticsBefore(this.store, this.logger, `mitigation task ${task.task_id}`, 'mitigation.statistics.refreshed', { taskId: task.task_id });
    }
    // READ COMMITTED is safe when every action type of the task locks what it reads; the batch itself locks its claims.
    const readCommitted = actions.every((a) => ACTION_IMPLEMENTATIONS.get(a.actionType)?.locksWhatItReads === true);
    const failing = new Map<string, ActionOutcome>();
    const thrown: { by?: ThrownBy } = {};
    // Executions counted as in progress (once each, however often the batch runs) until their outcome commits.
    const running = new Map<string, string>();
    const started = (key: string, actionType: string) => {
      if (running.has(key)) return;
      running.set(key, actionType);
      this.telemetry.mitigationExecutionStarted(actionType);
    };
    let oneAtATime = false;
    try {
      for (;;) {
        try {
          const result = await this.store.transaction(
            (tx) =>
              runBatch(tx, task, claims, {
                clock: this.clock,
                actions,
                enforceRolePermissions: this.options.enforceRolePermissions === true,
                oneAtATime,
                failing,
                thrown,
                started,
              }),
            { readCommitted },
          );
          for (const e of result.executed) {
            running.delete(e.key);
            this.telemetry.mitigationExecutionFinished(e.actionType, e.status);
          }
          // The task ends in finishDoneTasks once nothing is left to claim: after this process's last commit, so the
          // process that commits a task's last batch always sees every finding DONE.
          return;
        } catch (err) {
          // Judged after the store has: a database that failed (or went away) is retried with the claims later.
          const by = thrown.by;
          if (!by || isDatabaseError(err)) throw err;
          if ('batch' in by) {
            oneAtATime = true; // find which execution of the batch throws
            continue;
          }
          const { findingId, position, actionName } = by;
          this.logger.error({ err, taskId: task.task_id, findingId, actionName }, 'mitigation action failed unexpectedly');
          failing.set(executionKey(findingId, position), {
            status: 'FAILED',
            errorCode: 'INVALID_STATE_OF_RESOURCE',
            message: `ddlocal could not apply ${actionName}: ${(err as Error)?.message ?? String(err)}`,
          });
        }
      }
    } finally {
      // Started but not committed (the database failed): no longer in progress here, and no outcome to count.
      for (const actionType of running.values()) this.telemetry.mitigationExecutionFinished(actionType, undefined);
    }
  }

  /** The task's actions snapshot, cached: it never changes. */
  private async snapshot(k: TaskKey): Promise<ActionDefinition[]> {
    const key = taskKeyOf(k);
    let s = this.snapshots.get(key);
    if (!s) {
      const task = await this.store
        .transaction((db) => db
        .selectFrom('mitigation_tasks')
        .select('actions_definition')
        .where('account_id', '=', k.account_id)
        .where('region', '=', k.region)
        .where('task_id', '=', k.task_id)
        .executeTakeFirstOrThrow());
      s = fromJson<ActionDefinition[]>(task.actions_definition, []);
      if (this.snapshots.size > 1000) this.snapshots.clear();
      this.snapshots.set(key, s);
    }
    return s;
  }

  /** Ends the IN_PROGRESS tasks whose findings are all done (also after a crash between the two). */
  private async finishDoneTasks(): Promise<void> {
    const tasks = await this.store.transaction((tx) =>
      tx.selectFrom('mitigation_tasks').select(['account_id', 'region', 'task_id']).where('task_status', '=', 'IN_PROGRESS').execute(),
    );
    for (const t of tasks) await this.store.transaction((tx) => finishTaskIfDone(tx, t, this.clock.now()));
  }

  /**
   * Deletes tasks and executions older than the retention period (docs/decisions.md#m20); task ids are per account
   * and region.
   */
  private async purge(now: number): Promise<void> {
    this.lastPurge = now;
    const cutoff = now - RETENTION_MS;
    await this.store.transaction(async (tx) => {
      const old = await tx.selectFrom('mitigation_tasks').select(['account_id', 'region', 'task_id']).where('start_time', '<', cutoff).execute();
      for (const t of old)
        for (const table of ['mitigation_executions', 'mitigation_task_findings', 'mitigation_tasks'] as const)
          await tx
            .deleteFrom(table)
            .where('account_id', '=', t.account_id)
            .where('region', '=', t.region)
            .where('task_id', '=', t.task_id)
            .execute();
    });
  }
}
