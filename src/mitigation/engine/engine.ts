// The mitigation task engine: workers claim findings of IN_PROGRESS tasks and run each finding's
// executions strictly in mapping order.
//
// Exactly once: every execution runs in its own transaction that re-reads the claim, applies the action to the
// registry and writes the execution's terminal status — so a process killed at any point either committed both or
// neither, and a lost claim expires and is taken again. Claims are leases on the finding row (wall-clock time, so
// they expire even while ddlocal's clock is frozen); on PostgreSQL they are taken with FOR UPDATE SKIP LOCKED so
// several ddlocal processes sharing a database work the same task without waiting on each other.
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { Transaction } from 'kysely';
import type { Store, Db } from '../../store/store.js';
import type { Database, MitigationExecutionRow, MitigationTaskFindingRow, OutboxRow } from '../../store/schema.js';
import type { Clock } from '../../kernel/clock.js';
import type { OutboxOrigin } from '../../outbox/deliverer.js';
import type { ActionContext, ActionDefinition, ActionOutcome, FindingToMitigate } from '../action.js';
import { ACTION_IMPLEMENTATIONS } from '../actions/index.js';
import { RETENTION_MS } from '../../audit/engine/engine.js';
import { fromJson } from '../../kernel/json.js';
import { mitigationWork, wakeMitigationRunners } from './wake.js';
import { BackgroundLoop } from '../../kernel/background-loop.js';
import { isServiceUnavailable } from '../../kernel/errors.js';
import { roleDenial } from './role-permissions.js';
import { NO_TELEMETRY, type Telemetry } from '../../kernel/telemetry.js';
import { MitigationProgressLog } from './progress-log.js';

const CLAIM_BATCH = 50;
const POLL_MS = 200;

type FindingKey = Pick<MitigationTaskFindingRow, 'account_id' | 'region' | 'task_id' | 'finding_id'>;

function whereFinding<Q extends { where: (...a: any[]) => Q }>(q: Q, k: FindingKey): Q {
  return q
    .where('account_id', '=', k.account_id)
    .where('region', '=', k.region)
    .where('task_id', '=', k.task_id)
    .where('finding_id', '=', k.finding_id);
}

/** A finding's outcome from its executions' statuses (docs/decisions.md#m29). */
function findingOutcome(statuses: string[]): 'SUCCEEDED' | 'FAILED' | 'SKIPPED' | 'CANCELED' {
  if (statuses.includes('FAILED')) return 'FAILED';
  if (statuses.includes('CANCELED')) return 'CANCELED';
  if (statuses.length > 0 && statuses.every((s) => s === 'SKIPPED')) return 'SKIPPED';
  return 'SUCCEEDED';
}

async function executionsOf(db: Db, k: FindingKey): Promise<MitigationExecutionRow[]> {
  return whereFinding(db.selectFrom('mitigation_executions').selectAll(), k).orderBy('position').execute();
}

/**
 * Moves a finding on after its execution at next_position became terminal: to its next PENDING execution (READY),
 * or DONE with its outcome when none is left (the rest canceled or skipped).
 */
async function advanceFinding(db: Db, k: FindingKey, completedPosition: number, releaseClaim = false): Promise<'READY' | 'DONE'> {
  const executions = await executionsOf(db, k);
  const next = executions.find((e) => e.position > completedPosition && e.status === 'PENDING');
  if (next) {
    // The worker that ran the previous execution keeps its claim; after an SNS delivery nobody holds one any more.
    await whereFinding(db.updateTable('mitigation_task_findings'), k)
      .set(releaseClaim ? { state: 'READY', next_position: next.position, lease_until: 0 } : { state: 'READY', next_position: next.position })
      .execute();
    return 'READY';
  }
  await whereFinding(db.updateTable('mitigation_task_findings'), k)
    .set({ state: 'DONE', outcome: findingOutcome(executions.map((e) => e.status)), next_position: completedPosition + 1 })
    .execute();
  return 'DONE';
}

/**
 * After a failed execution: the finding's later PENDING executions are SKIPPED and the finding FAILED
 * (docs/decisions.md#m7).
 */
async function failFinding(db: Db, k: FindingKey, failedPosition: number, actionName: string, now: number): Promise<void> {
  await whereFinding(db.updateTable('mitigation_executions'), k)
    .set({ status: 'SKIPPED', end_time: now, message: `Skipped because action ${actionName} failed for this finding` })
    .where('position', '>', failedPosition)
    .where('status', '=', 'PENDING')
    .execute();
  await whereFinding(db.updateTable('mitigation_task_findings'), k)
    .set({ state: 'DONE', outcome: 'FAILED', next_position: failedPosition + 1 })
    .execute();
}

/**
 * Ends an IN_PROGRESS task whose findings are all DONE: FAILED if any finding failed, else COMPLETED
 * (docs/decisions.md#m7).
 */
async function finishTaskIfDone(db: Db, k: Pick<FindingKey, 'account_id' | 'region' | 'task_id'>, now: number): Promise<void> {
  const scoped = (q: any) => q.where('account_id', '=', k.account_id).where('region', '=', k.region).where('task_id', '=', k.task_id);
  const open = await scoped(db.selectFrom('mitigation_task_findings').select('finding_id')).where('state', '!=', 'DONE').limit(1).executeTakeFirst();
  if (open) return;
  const failed = await scoped(db.selectFrom('mitigation_task_findings').select('finding_id')).where('outcome', '=', 'FAILED').limit(1).executeTakeFirst();
  await scoped(db.updateTable('mitigation_tasks'))
    .set({ task_status: failed ? 'FAILED' : 'COMPLETED', end_time: now })
    .where('task_status', '=', 'IN_PROGRESS')
    .execute();
}

/** The audit finding as the action types read it (findings never change, so this may be read at any time). */
export async function loadFinding(db: Db, k: FindingKey): Promise<FindingToMitigate | undefined> {
  const f = await db
    .selectFrom('audit_findings')
    .selectAll()
    .where('account_id', '=', k.account_id)
    .where('region', '=', k.region)
    .where('finding_id', '=', k.finding_id)
    .executeTakeFirst();
  if (!f) return undefined;
  return {
    findingId: f.finding_id,
    auditTaskId: f.task_id,
    checkName: f.check_name,
    severity: f.severity,
    nonCompliantResource: {
      resourceType: f.resource_type as FindingToMitigate['nonCompliantResource']['resourceType'],
      resourceIdentifier: fromJson(f.resource_identifier, {}),
      additionalInfo: fromJson<Record<string, string> | undefined>(f.additional_info, undefined),
    },
    relatedResources: fromJson(f.related_resources, []),
    reasonForNonComplianceCode: f.reason_code,
    reasonForNonCompliance: f.reason,
    findingTime: f.finding_time,
  };
}

/** Writes an execution's outcome and moves its finding on, in the execution's transaction. */
async function recordOutcome(
  db: Db,
  k: FindingKey,
  exec: Pick<MitigationExecutionRow, 'position' | 'action_name'>,
  outcome: ActionOutcome,
  now: number,
): Promise<'continue' | 'stop'> {
  const at = whereFinding(db.updateTable('mitigation_executions'), k).where('position', '=', exec.position);
  const undo = 'undo' in outcome && outcome.undo !== undefined ? JSON.stringify(outcome.undo) : null;
  switch (outcome.status) {
    case 'COMPLETED':
      await at.set({ status: 'COMPLETED', start_time: now, end_time: now, message: outcome.message ?? null, undo }).execute();
      return (await advanceFinding(db, k, exec.position)) === 'READY' ? 'continue' : 'stop';
    case 'FAILED':
      await at
        .set({ status: 'FAILED', start_time: now, end_time: now, error_code: outcome.errorCode, message: outcome.message.slice(0, 2048), undo })
        .execute();
      await failFinding(db, k, exec.position, exec.action_name, now);
      return 'stop';
    case 'IN_PROGRESS':
      await at.set({ status: 'IN_PROGRESS', start_time: now }).execute();
      await whereFinding(db.updateTable('mitigation_task_findings'), k).set({ state: 'WAITING' }).execute();
      return 'stop';
  }
}

/**
 * The outbox origin of PUBLISH_FINDING_TO_SNS executions: the deliverer reports delivery or failure here, in the
 * transaction that settles the message, and the finding moves on (docs/decisions.md#m28).
 */
export function mitigationOutboxOrigin(clock: Clock): OutboxOrigin {
  const settle = async (tx: Transaction<Database>, message: OutboxRow, outcome: { errorCode: string; reason: string } | undefined) => {
    const ref = fromJson<{ taskId?: string; findingId?: string; actionName?: string }>(message.origin_ref, {});
    if (!ref.taskId || !ref.findingId || !ref.actionName) return;
    const k: FindingKey = { account_id: message.account_id, region: message.region, task_id: ref.taskId, finding_id: ref.findingId };
    const exec = await whereFinding(tx.selectFrom('mitigation_executions').selectAll(), k)
      .where('action_name', '=', ref.actionName)
      .where('status', '=', 'IN_PROGRESS')
      .executeTakeFirst();
    if (!exec) return; // purged meanwhile
    const now = clock.now();
    const at = whereFinding(tx.updateTable('mitigation_executions'), k).where('position', '=', exec.position);
    if (outcome) {
      await at.set({ status: 'FAILED', end_time: now, error_code: outcome.errorCode, message: outcome.reason.slice(0, 2048) }).execute();
      await failFinding(tx, k, exec.position, exec.action_name, now);
    } else {
      await at.set({ status: 'COMPLETED', end_time: now, message: `Published to ${message.topic_arn} as SNS message ${message.sns_message_id ?? '(unknown id)'}` }).execute();
      if ((await advanceFinding(tx, k, exec.position, true)) === 'READY') wakeMitigationRunners();
    }
    await finishTaskIfDone(tx, k, now);
  };
  return {
    delivered: (tx, message) => settle(tx, message, undefined),
    failed: (tx, message, errorCode, reason) => settle(tx, message, { errorCode, reason }),
  };
}

/** Errors of the database or the connection to it, as opposed to a defect in an action: the former are retried. */
function isDatabaseError(err: unknown): boolean {
  if (isServiceUnavailable(err)) return true;
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string') return false;
  // better-sqlite3: SQLITE_BUSY, SQLITE_IOERR…; PostgreSQL: five-character SQLSTATEs; sockets: ECONNRESET…
  return code.startsWith('SQLITE_') || /^[0-9A-Z]{5}$/.test(code) || code.startsWith('ECONN') || code === 'EPIPE' || code === 'ETIMEDOUT';
}

export interface MitigationRunnerOptions {
  /**
   * How long a claimed finding stays with this worker before another may take it (the
   * DDLOCAL_MITIGATION_LEASE_SECONDS setting). A short lease is safe — an execution commits only while its claim
   * still holds — but lets work be taken over sooner after a crash.
   */
  leaseMs: number;
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

  /** Stops claiming and waits for the execution in hand to commit. */
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
      const claimed = await this.claim();
      if (claimed.length === 0) break;
      await this.progress.noticeTasks(claimed);
      let i = 0;
      for (; i < claimed.length && !this.halted; i++) await this.processFinding(claimed[i]!);
      if (i < claimed.length) await this.release(claimed.slice(i));
      await this.progress.reportIfDue();
    }
    await this.finishDoneTasks();
    await this.progress.reportIfDue();
    await this.progress.reportEnded();
    const now = this.clock.now();
    if (now - this.lastPurge > 60_000 || now < this.lastPurge) await this.purge(now);
  }

  /** Takes up to CLAIM_BATCH READY findings whose lease has expired, oldest finding first (docs/decisions.md#m30). */
  private async claim(): Promise<MitigationTaskFindingRow[]> {
    const wallNow = Date.now();
    // A little jitter makes every claim's lease value unique, so a worker recognises its own claim.
    // The jitter stays well below the lease, so a short lease still expires about when it says.
    const leaseMs = this.options.leaseMs;
    const lease = wallNow + leaseMs + randomInt(Math.max(1, Math.min(1000, Math.floor(leaseMs / 10))));
    return this.store.transaction(async (tx) => {
      let q = tx
        .selectFrom('mitigation_task_findings')
        .selectAll()
        .where('state', '=', 'READY')
        .where('lease_until', '<=', wallNow)
        .orderBy('finding_time')
        .orderBy('finding_id')
        .limit(CLAIM_BATCH);
      if (this.store.kind === 'postgres') q = q.forUpdate().skipLocked();
      const due = await q.execute();
      const claimed: MitigationTaskFindingRow[] = [];
      for (const f of due) {
        const r = await whereFinding(tx.updateTable('mitigation_task_findings'), f)
          .set({ lease_until: lease })
          .where('state', '=', 'READY')
          .where('lease_until', '=', f.lease_until)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) === 1) claimed.push({ ...f, lease_until: lease });
      }
      return claimed;
      // Row locks (SKIP LOCKED) and the compare-and-set above make the claim safe at READ COMMITTED.
    }, { readCommitted: true });
  }

  /** Gives claims back at once (pause or stop mid-batch), instead of letting them wait out their lease. */
  private async release(claims: MitigationTaskFindingRow[]): Promise<void> {
    await this.store.transaction(
      async (tx) => {
        for (const c of claims)
          await whereFinding(tx.updateTable('mitigation_task_findings'), c).set({ lease_until: 0 }).where('lease_until', '=', c.lease_until).execute();
      },
      { readCommitted: true },
    );
  }

  /** Runs the claimed finding's executions, one transaction each, until it waits, fails, ends or loses its claim. */
  private async processFinding(claim: MitigationTaskFindingRow): Promise<void> {
    for (;;) {
      if (this.loop.isStopped) return;
      let position: number | undefined;
      let actionName = '';
      // The action type counted as in progress (once, however often the transaction runs) and the committed outcome.
      let running: string | undefined;
      let finalStatus: string | undefined;
      const started = (actionType: string) => {
        if (running === undefined) this.telemetry.mitigationExecutionStarted((running = actionType));
      };
      try {
        let outcomeStatus: string | undefined;
        const step = await this.store.transaction(async (tx) => {
          const row = await whereFinding(tx.selectFrom('mitigation_task_findings').selectAll(), claim).executeTakeFirst();
          // Canceled, or taken over by another worker after our lease expired.
          if (!row || row.state !== 'READY' || Number(row.lease_until) !== claim.lease_until) return 'stop';
          const exec = await whereFinding(tx.selectFrom('mitigation_executions').selectAll(), claim)
            .where('position', '=', row.next_position)
            .executeTakeFirst();
          if (!exec || exec.status !== 'PENDING') {
            await advanceFinding(tx, claim, row.next_position);
            return 'stop';
          }
          position = exec.position;
          actionName = exec.action_name;
          const outcome = await this.apply(tx, claim, exec, started);
          outcomeStatus = outcome.status;
          return recordOutcome(tx, claim, exec, outcome, this.clock.now());
        });
        finalStatus = outcomeStatus;
        if (step === 'stop') return;
      } catch (err) {
        // The action threw (a defect, not a resource state): its changes rolled back; the execution FAILS visibly
        // rather than being retried forever.
        // A database that failed (connection lost, busy, …) retries the whole execution once the claim expires.
        if (position === undefined || isDatabaseError(err)) throw err;
        this.logger.error({ err, taskId: claim.task_id, findingId: claim.finding_id, actionName }, 'mitigation action failed unexpectedly');
        const failed: ActionOutcome = {
          status: 'FAILED',
          errorCode: 'INVALID_STATE_OF_RESOURCE',
          message: `ddlocal could not apply ${actionName}: ${(err as Error).message}`,
        };
        const recorded = await this.store.transaction(async (tx) => {
          if (!(await this.stillOurs(tx, claim, position!))) return false;
          await recordOutcome(tx, claim, { position: position!, action_name: actionName }, failed, this.clock.now());
          return true;
        });
        if (recorded) finalStatus = 'FAILED';
        return;
      } finally {
        if (running !== undefined) this.telemetry.mitigationExecutionFinished(running, finalStatus);
      }
    }
  }

  /** The claim still holds and the execution at `position` is still PENDING (not canceled meanwhile). */
  private async stillOurs(db: Db, claim: MitigationTaskFindingRow, position: number): Promise<boolean> {
    const row = await whereFinding(db.selectFrom('mitigation_task_findings').selectAll(), claim).executeTakeFirst();
    if (!row || row.state !== 'READY' || Number(row.lease_until) !== claim.lease_until || row.next_position !== position) return false;
    const exec = await whereFinding(db.selectFrom('mitigation_executions').select('status'), claim).where('position', '=', position).executeTakeFirst();
    return exec?.status === 'PENDING';
  }

  private async apply(
    tx: Transaction<Database>,
    k: FindingKey,
    exec: MitigationExecutionRow,
    started: (actionType: string) => void,
  ): Promise<ActionOutcome> {
    const action = (await this.snapshot(tx, k)).find((a) => a.name === exec.action_name);
    if (!action) throw new Error(`action ${exec.action_name} is missing from the task's snapshot`);
    started(action.actionType);
    const impl = ACTION_IMPLEMENTATIONS.get(action.actionType);
    if (!impl) throw new Error(`no implementation for action type ${action.actionType}`);
    const finding = await loadFinding(tx, k);
    if (!finding)
      return { status: 'FAILED', errorCode: 'INVALID_STATE_OF_RESOURCE', message: `Finding ${k.finding_id} no longer exists (past its retention)` };
    const ctx: ActionContext = {
      db: tx,
      accountId: k.account_id,
      region: k.region,
      now: this.clock.now(),
      clock: this.clock,
      taskId: k.task_id,
      finding,
      action,
    };
    if (this.options.enforceRolePermissions) {
      const denial = await roleDenial(ctx, impl.permissions);
      if (denial) return { status: 'FAILED', errorCode: 'INSUFFICIENT_PERMISSIONS', message: `Mitigation action ${action.name}: ${denial}` };
    }
    return impl.apply(ctx);
  }

  /** The task's actions snapshot, cached: it never changes. */
  private async snapshot(db: Db, k: FindingKey): Promise<ActionDefinition[]> {
    const key = `${k.account_id}/${k.region}/${k.task_id}`;
    let s = this.snapshots.get(key);
    if (!s) {
      const task = await db
        .selectFrom('mitigation_tasks')
        .select('actions_definition')
        .where('account_id', '=', k.account_id)
        .where('region', '=', k.region)
        .where('task_id', '=', k.task_id)
        .executeTakeFirstOrThrow();
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
