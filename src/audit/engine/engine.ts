// The audit engine: creates audit tasks, evaluates their checks outside the request that started
// them, stores findings, runs scheduled audits on ddlocal's clock and purges expired history.
//
// Tasks live only in the database: the runner polls for unfinished work, so a task left IN_PROGRESS by a crash or
// a restart is resumed (not failed) when the next runner starts — its checks evaluate at the stored taskStartTime,
// so the result is the same as if it had never been interrupted. Each check's findings and status commit in one
// transaction guarded by "still IN_PROGRESS", so a cancel or a second runner can never produce half a check.
import { randomBytes } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Logger } from 'pino';
import type { Store, Db } from '../../store/store.js';
import type { AuditTaskRow, Database } from '../../store/schema.js';
import type { Clock } from '../../kernel/clock.js';
import type { CheckFinding, CheckResult, CheckSettings } from '../checks/check.js';
import { AUDIT_CHECKS } from '../checks/index.js';
import { canonicalCheckName, CHECK_IDENTIFIERS, resourceKey } from './catalogue.js';
import { fromJson, toJson } from '../../kernel/json.js';
import { findingIdSequence } from './finding-ids.js';
import { insertRows, INSERT_ROWS_BATCH, type ColumnTypes } from '../../store/insert-rows.js';
import { dueInstant, type Schedule } from './schedule.js';
import { notifyAuditTaskEnded } from './notification.js';
import { BackgroundLoop, wakeSignal } from '../../kernel/background-loop.js';
import { isServiceUnavailable } from '../../kernel/errors.js';
import { DAY_MS } from '../../kernel/clock.js';
import type { Telemetry } from '../../kernel/telemetry.js';
import { refreshPlannerStatisticsBefore } from '../../store/refresh-statistics.js';

/** Audit tasks and findings are kept 90 days after taskStartTime (docs/decisions.md#m20). */
export const RETENTION_MS = 90 * DAY_MS;
/** The SQL types of a finding row's columns, for bulk inserts on PostgreSQL. */
const FINDING_COLUMNS: ColumnTypes<'audit_findings'> = {
  account_id: 'text',
  region: 'text',
  finding_id: 'text',
  task_id: 'text',
  check_name: 'text',
  task_start_time: 'bigint',
  finding_time: 'bigint',
  severity: 'text',
  resource_type: 'text',
  resource_key: 'text',
  resource_identifier: 'text',
  additional_info: 'text',
  related_resources: 'text',
  reason: 'text',
  reason_code: 'text',
};
const POLL_MS = 200;

export type TaskType = 'ON_DEMAND_AUDIT_TASK' | 'SCHEDULED_AUDIT_TASK';

export interface NewTask {
  accountId: string;
  region: string;
  taskType: TaskType;
  taskStartTime: number;
  scheduledAuditName?: string;
  /** Canonical names, in the caller's order. */
  checks: string[];
  /** Configuration map per enabled check; a check missing here is FAILED with AUDIT_CHECK_DISABLED. */
  configurations: Record<string, Record<string, string>>;
}

/** 32 lowercase hex characters (docs/decisions.md#a37). */
function newTaskId(): string {
  return randomBytes(16).toString('hex');
}

/** Writes a task IN_PROGRESS with one row per check; returns its id. The runner picks it up after commit. */
export async function createAuditTask(db: Db, task: NewTask): Promise<string> {
  const taskId = newTaskId();
  const scope = { account_id: task.accountId, region: task.region };
  await db
    .insertInto('audit_tasks')
    .values({
      ...scope,
      task_id: taskId,
      task_type: task.taskType,
      task_status: 'IN_PROGRESS',
      task_start_time: task.taskStartTime,
      scheduled_audit_name: task.scheduledAuditName ?? null,
      check_configurations: toJson(task.configurations),
    })
    .execute();
  await db
    .insertInto('audit_task_checks')
    .values(
      task.checks.map((name, position) => {
        const enabled = Object.hasOwn(task.configurations, name);
        return {
          ...scope,
          task_id: taskId,
          check_name: name,
          position,
          status: enabled ? 'IN_PROGRESS' : 'FAILED',
          total_resources: null,
          non_compliant_resources: null,
          error_code: enabled ? null : 'AUDIT_CHECK_DISABLED',
          message: enabled ? null : `${name} is not enabled in the account audit configuration`,
        };
      }),
    )
    .execute();
  wakeAuditRunners();
  return taskId;
}

/** The suppression key of a finding's resource; a malformed identifier from a check still gets a stable key. */
function findingKey(checkName: string, identifier: Record<string, unknown>): string {
  try {
    return resourceKey(checkName, identifier);
  } catch {
    return toJson(identifier);
  }
}

/**
 * Stores one check's findings for a task (ids from findingIdSequence, docs/decisions.md#a37, all with `findingTime`),
 * converting and inserting them a batch at a time as it iterates them, so a check that hands its findings over
 * lazily never has them all in memory. Returns how many it stored and the number of distinct non-compliant resources.
 */
export async function storeFindings(
  db: Db,
  task: Pick<AuditTaskRow, 'account_id' | 'region' | 'task_id' | 'task_start_time'>,
  checkName: string,
  severity: string,
  findings: Iterable<CheckFinding>,
  findingTime: number,
): Promise<{ stored: number; nonCompliant: number }> {
  const nextId = findingIdSequence();
  let batch: Insertable<Database['audit_findings']>[] = [];
  let stored = 0;
  const flush = async () => {
    await insertRows(db, 'audit_findings', FINDING_COLUMNS, batch);
    stored += batch.length;
    batch = [];
  };
  for (const f of findings) {
    batch.push({
      account_id: task.account_id,
      region: task.region,
      finding_id: nextId(),
      task_id: task.task_id,
      check_name: checkName,
      task_start_time: task.task_start_time,
      finding_time: findingTime,
      severity,
      resource_type: f.nonCompliantResource.resourceType,
      resource_key: findingKey(checkName, f.nonCompliantResource.resourceIdentifier),
      resource_identifier: toJson(f.nonCompliantResource.resourceIdentifier),
      additional_info: f.nonCompliantResource.additionalInfo ? toJson(f.nonCompliantResource.additionalInfo) : null,
      related_resources: f.relatedResources?.length ? toJson(f.relatedResources) : null,
      reason: f.reasonForNonCompliance,
      reason_code: f.reasonForNonComplianceCode,
    });
    if (batch.length === INSERT_ROWS_BATCH) await flush();
  }
  await flush();
  if (stored === 0) return { stored, nonCompliant: 0 };
  // Counted by the database (through the by-task index) rather than in a set of every key held in memory.
  const distinct = await db
    .selectFrom('audit_findings')
    .select((eb) => eb.fn.count<number | string>('resource_key').distinct().as('n'))
    .where('account_id', '=', task.account_id)
    .where('region', '=', task.region)
    .where('task_id', '=', task.task_id)
    .where('check_name', '=', checkName)
    .executeTakeFirstOrThrow();
  return { stored, nonCompliant: Number(distinct.n) };
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}

/** The start of the previous run of the same scheduled audit, if this task is a scheduled run and not its first. */
async function previousRunStart(db: Db, task: AuditTaskRow): Promise<number | undefined> {
  if (task.scheduled_audit_name === null) return undefined;
  // Runs of an earlier schedule that had the same name (deleted, then created again) are not this schedule's.
  const schedule = await db
    .selectFrom('scheduled_audits')
    .select('created_at')
    .where('account_id', '=', task.account_id)
    .where('region', '=', task.region)
    .where('scheduled_audit_name', '=', task.scheduled_audit_name)
    .executeTakeFirst();
  if (!schedule) return undefined;
  const row = await db
    .selectFrom('audit_tasks')
    .select((eb) => eb.fn.max('task_start_time').as('t'))
    .where('account_id', '=', task.account_id)
    .where('region', '=', task.region)
    .where('scheduled_audit_name', '=', task.scheduled_audit_name)
    .where('task_start_time', '<', task.task_start_time)
    .where('task_start_time', '>=', schedule.created_at)
    .executeTakeFirst();
  return row?.t === null || row?.t === undefined ? undefined : Number(row.t);
}

/** With role enforcement on, the account's audit role must be in the IAM store (docs/decisions.md#m32). */
async function missingAuditRole(db: Db, task: AuditTaskRow): Promise<string | undefined> {
  const config = await db
    .selectFrom('audit_configurations')
    .select('role_arn')
    .where('account_id', '=', task.account_id)
    .where('region', '=', task.region)
    .executeTakeFirst();
  const roleArn = config?.role_arn;
  if (!roleArn) return 'The account audit configuration has no roleArn';
  const role = await db
    .selectFrom('iam_roles')
    .select('role_arn')
    .where('account_id', '=', task.account_id)
    .where('region', '=', task.region)
    .where('role_arn', '=', roleArn)
    .executeTakeFirst();
  const name = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  return role ? undefined : `The audit role ${roleArn} is not in ddlocal's IAM store (register it with PUT /_ddlocal/iam/roles/${name})`;
}

/** A planner-statistics refresh this long is logged at info level, shorter ones at debug. */

type Outcome =
  | { kind: 'done'; severity: string; result: CheckResult }
  | { kind: 'failed'; errorCode: string; message: string; severity?: string; partial?: CheckResult };

/** The server settings the audit runner works with; each is off or empty when not given. */
export interface AuditRunnerOptions extends CheckSettings {
  /** Whether an audit needs the account's audit role in ddlocal's IAM store. */
  enforceRolePermissions?: boolean;
  /** Told of tasks started and ended and of findings stored, for metrics; default: nobody. */
  telemetry?: Telemetry;
}

/** What one check left behind: the findings it stored (a check whose results were dropped stores none). */
interface StoredCheck {
  status: string;
  findings: number;
}

/** Evaluates one check in its own read transaction; a throwing check is a FAILED check, never a crashed runner. */
async function evaluate(store: Store, task: AuditTaskRow, checkName: string, options: AuditRunnerOptions): Promise<Outcome> {
  const check = AUDIT_CHECKS.get(checkName);
  // Start requests are validated against AUDIT_CHECKS, so only a task stored by another build of ddlocal gets here.
  if (!check)
    return { kind: 'failed', errorCode: 'NOT_IMPLEMENTED', message: `ddlocal does not implement ${checkName} yet` };
  if (options.enforceRolePermissions) {
    const missing = await store.transaction((tx) => missingAuditRole(tx, task));
    if (missing) return { kind: 'failed', errorCode: 'INSUFFICIENT_PERMISSIONS', message: missing };
  }
  const configuration = fromJson<Record<string, Record<string, string>>>(task.check_configurations, {})[checkName] ?? {};
  try {
    const result = await store.transaction(async (tx) =>
      check.run({
        db: tx,
        accountId: task.account_id,
        region: task.region,
        now: task.task_start_time,
        configuration,
        previousRunStart: await previousRunStart(tx, task),
        weakKeyBlocklists: options.weakKeyBlocklists,
        crlFileUrls: options.crlFileUrls,
      }),
    );
    return { kind: 'done', severity: check.severity, result };
  } catch (err) {
    // The database failed, not the check: the check stays IN_PROGRESS and runs again when the database is back.
    if (isServiceUnavailable(err)) throw err;
    // Checks signal missing external data with an error carrying errorCode (e.g. DATA_UNAVAILABLE,
    // docs/decisions.md#a33).
    // Such an error may carry `partial`: the findings proven from the data that was available, still reported.
    const e = err as { errorCode?: unknown; message?: unknown; partial?: Partial<CheckResult> };
    const partial = isIterable(e.partial?.findings) ? (e.partial as CheckResult) : undefined;
    return {
      kind: 'failed',
      severity: check.severity,
      partial,
      errorCode: typeof e.errorCode === 'string' ? e.errorCode : 'INTERNAL_FAILURE',
      message: `${checkName} failed: ${typeof e.message === 'string' ? e.message : String(err)}`,
    };
  }
}

async function runCheck(
  store: Store,
  clock: Clock,
  task: AuditTaskRow,
  checkName: string,
  options: AuditRunnerOptions,
): Promise<StoredCheck | undefined> {
  const outcome = await evaluate(store, task, checkName, options);
  let stored: StoredCheck | undefined;
  try {
    stored = await storeOutcome(store, clock, task, checkName, outcome);
  } catch (err) {
    if (isServiceUnavailable(err)) throw err;
    // Results the database refuses must not leave the check IN_PROGRESS for ever (and block every later task):
    // the check FAILS, naming the cause, without its findings.
    const message = `ddlocal could not store the results of ${checkName}: ${(err as Error).message ?? String(err)}`;
    stored = await storeOutcome(store, clock, task, checkName, { kind: 'failed', errorCode: 'INTERNAL_FAILURE', message });
  }
  // Counted after the commit: a transaction that ran twice stored its findings once.
  if (stored && outcome.severity) options.telemetry?.auditFindingsStored(checkName, outcome.severity, stored.findings);
  return stored;
}

async function storeOutcome(
  store: Store,
  clock: Clock,
  task: AuditTaskRow,
  checkName: string,
  outcome: Outcome,
): Promise<StoredCheck | undefined> {
  return store.transaction(async (tx): Promise<StoredCheck | undefined> => {
    const where = (q: any) =>
      q
        .where('account_id', '=', task.account_id)
        .where('region', '=', task.region)
        .where('task_id', '=', task.task_id)
        .where('check_name', '=', checkName);
    const row = await where(tx.selectFrom('audit_task_checks').select('status')).executeTakeFirst();
    // Canceled (or finished by another runner) meanwhile: the results are dropped.
    if (!row || row.status !== 'IN_PROGRESS') return undefined;
    // findingTime is never before the task's start, even if the clock was moved back meanwhile
    // (docs/decisions.md#a18).
    const findingTime = Math.max(clock.now(), task.task_start_time);
    if (outcome.kind === 'failed') {
      const partial = outcome.partial;
      const saved = partial
        ? await storeFindings(tx, task, checkName, outcome.severity!, partial.findings, findingTime)
        : undefined;
      await where(tx.updateTable('audit_task_checks'))
        .set({
          status: 'FAILED',
          error_code: outcome.errorCode,
          message: outcome.message.slice(0, 2048),
          total_resources: partial?.checked ?? null,
          non_compliant_resources: saved?.nonCompliant ?? null,
        })
        .execute();
      return { status: 'FAILED', findings: saved?.stored ?? 0 };
    }
    const saved = await storeFindings(tx, task, checkName, outcome.severity, outcome.result.findings, findingTime);
    const status = saved.nonCompliant > 0 ? 'COMPLETED_NON_COMPLIANT' : 'COMPLETED_COMPLIANT';
    await where(tx.updateTable('audit_task_checks'))
      .set({ status, total_resources: outcome.result.checked, non_compliant_resources: saved.nonCompliant })
      .execute();
    return { status, findings: saved.stored };
  });
}

/** Ends a task whose checks are all terminal: FAILED only if every check failed (docs/decisions.md#a28). */
async function finishTask(db: Db, task: AuditTaskRow, now: number): Promise<'COMPLETED' | 'FAILED' | undefined> {
  const checks = await db
    .selectFrom('audit_task_checks')
    .select('status')
    .where('account_id', '=', task.account_id)
    .where('region', '=', task.region)
    .where('task_id', '=', task.task_id)
    .execute();
  if (checks.some((c) => c.status === 'IN_PROGRESS')) return undefined;
  const status = checks.every((c) => c.status === 'FAILED') ? 'FAILED' : 'COMPLETED';
  const ended = await db
    .updateTable('audit_tasks')
    .set({ task_status: status })
    .where('account_id', '=', task.account_id)
    .where('region', '=', task.region)
    .where('task_id', '=', task.task_id)
    .where('task_status', '=', 'IN_PROGRESS')
    .executeTakeFirst();
  // Only the transaction that ended the task notifies, so a second runner cannot send it twice.
  if (Number(ended.numUpdatedRows) !== 1) return undefined;
  await notifyAuditTaskEnded(db, task, status, now);
  return status;
}

/** Reads the account's enabled checks and their configuration maps, for a task snapshot. */
export async function enabledCheckConfigurations(
  db: Db,
  accountId: string,
  region: string,
): Promise<Record<string, Record<string, string>>> {
  const row = await db
    .selectFrom('audit_configurations')
    .select('check_configurations')
    .where('account_id', '=', accountId)
    .where('region', '=', region)
    .executeTakeFirst();
  const stored = fromJson<Record<string, { enabled?: boolean; configuration?: Record<string, string> }>>(
    row?.check_configurations,
    {},
  );
  const enabled: Record<string, Record<string, string>> = {};
  for (const [name, c] of Object.entries(stored)) if (c.enabled && CHECK_IDENTIFIERS[name]) enabled[name] = c.configuration ?? {};
  return enabled;
}

// Request handlers nudge this process's runners after creating work, instead of waiting for a poll.
const auditWork = wakeSignal();

function wakeAuditRunners(): void {
  auditWork.raise();
}

export class AuditRunner {
  private lastPurge = 0;
  private readonly loop: BackgroundLoop;
  /** Tasks whose start this process has logged, with the findings it stored for them (for the end line). */
  private readonly running = new Map<string, { startedMs: number; findings: Record<string, number> }>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: AuditRunnerOptions = {},
  ) {
    this.loop = new BackgroundLoop({
      pass: () => this.pass(),
      logger,
      failureMessage: 'audit runner pass failed',
      pollMs: POLL_MS,
      wakeDelayMs: 20,
      signal: auditWork,
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Stops polling and waits for the work in hand (at most the current check) to finish. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Holds evaluation (tasks stay IN_PROGRESS) until resume(); used to observe and cancel running tasks. */
  pause(): void {
    this.loop.pause();
  }

  resume(): void {
    this.loop.resume();
  }

  wake(): void {
    this.loop.wake();
  }

  /** Runs one full pass now (due schedules, unfinished tasks, purge) and waits for it. */
  runOnce(): Promise<void> {
    return this.loop.runOnce();
  }

  private async pass(): Promise<void> {
    await this.startDueScheduledAudits();
    const tasks = await this.store.transaction((tx) =>
      tx.selectFrom('audit_tasks').selectAll().where('task_status', '=', 'IN_PROGRESS').orderBy('task_start_time').execute(),
    );
    for (const task of tasks) {
      if (this.loop.halted) return;
      try {
        await this.runTask(task);
      } catch (err) {
        // An unavailable database ends the pass (every task would fail alike); the loop backs off and retries.
        if (isServiceUnavailable(err)) throw err;
        // One task's trouble must not hold up the tasks queued after it.
        this.logger.error({ err, taskId: task.task_id }, 'audit task could not progress; it will be retried');
      }
    }
    if (this.clock.now() - this.lastPurge > 60_000 || this.clock.now() < this.lastPurge) await this.purge();
  }

  private async runTask(task: AuditTaskRow): Promise<void> {
    const checks = await this.store.transaction((tx) =>
      tx
        .selectFrom('audit_task_checks')
        .select(['check_name', 'status'])
        .where('account_id', '=', task.account_id)
        .where('region', '=', task.region)
        .where('task_id', '=', task.task_id)
        .orderBy('position')
        .execute(),
    );
    const pending = checks.filter((c) => c.status === 'IN_PROGRESS');
    const progress = this.announceStart(task, checks.map((c) => c.check_name), pending.length < checks.length);
    // The checks read whole tables with joins, which PostgreSQL plans from its statistics.
    await refreshPlannerStatisticsBefore(this.store, this.logger, `audit task ${task.task_id}`, 'audit.statistics.refreshed', { taskId: task.task_id });
    for (const { check_name } of pending) {
      if (this.loop.halted) return;
      const stored = await runCheck(this.store, this.clock, task, check_name, this.options);
      if (stored) progress.findings[check_name] = stored.findings;
    }
    const status = await this.store.transaction((tx) => finishTask(tx, task, this.clock.now()));
    if (status) await this.announceEnd(task, status);
    // Ended elsewhere (canceled, or by another process): nothing more to report from here.
    else this.running.delete(task.task_id);
  }

  /** Logs (once per process) that a task's evaluation begins; a task resumed after a restart says so. */
  private announceStart(task: AuditTaskRow, checks: string[], resumed: boolean) {
    let progress = this.running.get(task.task_id);
    if (!progress) {
      progress = { startedMs: Date.now(), findings: {} };
      this.running.set(task.task_id, progress);
      this.options.telemetry?.auditTaskStarted(task.task_type);
      this.logger.info(
        { event: 'audit.task.started', taskId: task.task_id, taskType: task.task_type, accountId: task.account_id, region: task.region, checks, resumed },
        `audit task ${task.task_id} ${resumed ? 'resumed' : 'started'}: ${checks.length} check${checks.length === 1 ? '' : 's'}`,
      );
    }
    return progress;
  }

  /** Logs how a task ended, with the per-check counts describe-audit-task reports. */
  private async announceEnd(task: AuditTaskRow, status: string): Promise<void> {
    const progress = this.running.get(task.task_id);
    this.running.delete(task.task_id);
    this.options.telemetry?.auditTaskFinished(task.task_type, status);
    const rows = await this.store.transaction((tx) =>
      tx
        .selectFrom('audit_task_checks')
        .select(['check_name', 'status', 'total_resources', 'non_compliant_resources'])
        .where('account_id', '=', task.account_id)
        .where('region', '=', task.region)
        .where('task_id', '=', task.task_id)
        .orderBy('position')
        .execute(),
    );
    const checks: Record<string, { status: string; resources: number | null; nonCompliant: number | null; findings?: number }> = {};
    let resources = 0;
    let nonCompliant = 0;
    let findings = 0;
    for (const r of rows) {
      const stored = progress?.findings[r.check_name];
      checks[r.check_name] = { status: r.status, resources: r.total_resources, nonCompliant: r.non_compliant_resources, findings: stored };
      resources += Number(r.total_resources ?? 0);
      nonCompliant += Number(r.non_compliant_resources ?? 0);
      findings += stored ?? 0;
    }
    const failed = rows.filter((r) => r.status === 'FAILED').length;
    this.logger.info(
      {
        event: 'audit.task.ended',
        taskId: task.task_id,
        taskType: task.task_type,
        accountId: task.account_id,
        region: task.region,
        status,
        resources,
        nonCompliant,
        findings,
        failedChecks: failed,
        checks,
        seconds: progress ? (Date.now() - progress.startedMs) / 1000 : undefined,
      },
      `audit task ${task.task_id} ${status}: ${resources} resources checked, ${nonCompliant} non-compliant, ` +
        `${findings} findings, ${failed} of ${rows.length} checks failed`,
    );
  }

  /** Starts one run per schedule whose due instant has passed; missed instants collapse into one run
   *  (docs/decisions.md#a27). */
  private async startDueScheduledAudits(): Promise<void> {
    const now = this.clock.now();
    const schedules = await this.store.transaction((tx) => tx.selectFrom('scheduled_audits').selectAll().execute());
    for (const s of schedules) {
      const due = dueInstant(s as Schedule, now);
      if (due === undefined || due <= s.last_due) continue;
      await this.store.transaction(async (tx) => {
        const scope = (q: any) => q.where('account_id', '=', s.account_id).where('region', '=', s.region);
        const current = await scope(tx.selectFrom('scheduled_audits').select('last_due'))
          .where('scheduled_audit_name', '=', s.scheduled_audit_name)
          .executeTakeFirst();
        if (!current || current.last_due >= due) return;
        // One run per schedule at a time: a due run waits for the previous one to end (docs/decisions.md#a27).
        const running = await scope(tx.selectFrom('audit_tasks').select('task_id'))
          .where('scheduled_audit_name', '=', s.scheduled_audit_name)
          .where('task_status', '=', 'IN_PROGRESS')
          .executeTakeFirst();
        if (running) return;
        const configurations = await enabledCheckConfigurations(tx, s.account_id, s.region);
        const checks = fromJson<string[]>(s.target_check_names, []).map((n) => canonicalCheckName(n) ?? n);
        await createAuditTask(tx, {
          accountId: s.account_id,
          region: s.region,
          taskType: 'SCHEDULED_AUDIT_TASK',
          taskStartTime: due,
          scheduledAuditName: s.scheduled_audit_name,
          checks,
          configurations: pick(configurations, checks),
        });
        await scope(tx.updateTable('scheduled_audits').set({ last_due: due }))
          .where('scheduled_audit_name', '=', s.scheduled_audit_name)
          .execute();
      });
    }
  }

  /** Deletes tasks and findings older than the retention period (reads also ignore them, so this is only space). */
  private async purge(): Promise<void> {
    const now = this.clock.now();
    this.lastPurge = now;
    const cutoff = now - RETENTION_MS;
    await this.store.transaction(async (tx) => {
      await tx.deleteFrom('audit_findings').where('task_start_time', '<', cutoff).execute();
      const old = tx.selectFrom('audit_tasks').select('task_id').where('task_start_time', '<', cutoff);
      await tx.deleteFrom('audit_task_checks').where('task_id', 'in', old).execute();
      await tx.deleteFrom('audit_tasks').where('task_start_time', '<', cutoff).execute();
    });
  }
}

function pick<V>(map: Record<string, V>, keys: string[]): Record<string, V> {
  return Object.fromEntries(keys.filter((k) => Object.hasOwn(map, k)).map((k) => [k, map[k]!]));
}
