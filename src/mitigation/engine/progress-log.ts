// The mitigation runner's lifecycle log lines: a task started (first claimed by this process), its progress every
// few seconds while it runs, and how it ended. Kept apart from the engine so the engine stays about executing.
//
// Progress and end lines come from counting the task's findings in the database, not from what this process did, so
// with several processes sharing a database each one reports the whole task's numbers. Nothing is logged per finding
// at info level: a task over a million findings must not write a million lines.
import type { Logger } from 'pino';
import type { Store } from '../../store/store.js';
import { taskKeyOf, type TaskKey } from './finding-state.js';


interface TrackedTask {
  key: TaskKey;
  startedMs: number;
  lastReportMs: number;
  /** Findings already DONE when this process started on the task, so the rate is this run's. */
  doneAtStart: number;
}

/** A task's findings by outcome: what describe-audit-mitigation-actions-task's statistics add up. */
export interface FindingCounts {
  total: number;
  done: number;
  succeeded: number;
  failed: number;
  skipped: number;
  canceled: number;
}

export class MitigationProgressLog {
  private readonly tracked = new Map<string, TrackedTask>();

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  /** Logs the start of each task among these claims that this process had not worked on yet. */
  async noticeTasks(claims: TaskKey[]): Promise<void> {
    for (const c of claims) {
      const id = taskKeyOf(c);
      if (this.tracked.has(id)) continue;
      const counts = await this.count(c);
      const now = Date.now();
      this.tracked.set(id, { key: { account_id: c.account_id, region: c.region, task_id: c.task_id }, startedMs: now, lastReportMs: now, doneAtStart: counts.done });
      const resumed = counts.done > 0;
      this.logger.info(
        { event: 'mitigation.task.started', taskId: c.task_id, accountId: c.account_id, region: c.region, findings: counts.total, done: counts.done, resumed },
        `mitigation task ${c.task_id} ${resumed ? 'resumed' : 'started'}: ${counts.total} finding${counts.total === 1 ? '' : 's'}` +
          (resumed ? `, ${counts.done} already done` : ''),
      );
    }
  }

  /** Logs the progress of each running task whose last line is at least the interval old. */
  async reportIfDue(): Promise<void> {
    const now = Date.now();
    for (const task of this.tracked.values()) {
      if (now - task.lastReportMs < this.intervalMs) continue;
      task.lastReportMs = now;
      const counts = await this.count(task.key);
      if (counts.done >= counts.total) continue; // the end line says the rest
      const seconds = (now - task.startedMs) / 1000;
      const rate = seconds > 0 ? Math.round(((counts.done - task.doneAtStart) / seconds) * 10) / 10 : 0;
      this.logger.info(
        { event: 'mitigation.task.progress', taskId: task.key.task_id, accountId: task.key.account_id, region: task.key.region, done: counts.done, total: counts.total, findingsPerSecond: rate },
        `mitigation task ${task.key.task_id}: ${counts.done}/${counts.total} findings done (${rate}/s)`,
      );
    }
  }

  /** Logs the end of each tracked task that is no longer IN_PROGRESS (finished here, elsewhere, or canceled). */
  async reportEnded(): Promise<void> {
    for (const [id, task] of this.tracked) {
      const row = await this.store.transaction((tx) =>
        tx
          .selectFrom('mitigation_tasks')
          .select('task_status')
          .where('account_id', '=', task.key.account_id)
          .where('region', '=', task.key.region)
          .where('task_id', '=', task.key.task_id)
          .executeTakeFirst(),
      );
      if (row?.task_status === 'IN_PROGRESS') continue;
      this.tracked.delete(id);
      if (!row) continue; // purged or reset meanwhile
      const counts = await this.count(task.key);
      const seconds = (Date.now() - task.startedMs) / 1000;
      this.logger.info(
        {
          event: 'mitigation.task.ended',
          taskId: task.key.task_id,
          accountId: task.key.account_id,
          region: task.key.region,
          status: row.task_status,
          findings: counts.total,
          succeeded: counts.succeeded,
          failed: counts.failed,
          skipped: counts.skipped,
          canceled: counts.canceled,
          seconds,
        },
        `mitigation task ${task.key.task_id} ${row.task_status}: ${counts.succeeded} succeeded, ${counts.failed} failed, ` +
          `${counts.skipped} skipped, ${counts.canceled} canceled of ${counts.total} findings`,
      );
    }
  }

  private async count(k: TaskKey): Promise<FindingCounts> {
    const rows = await this.store.transaction(
      (tx) =>
        tx
          .selectFrom('mitigation_task_findings')
          .select(['state', 'outcome', (eb) => eb.fn.countAll<number | string>().as('n')])
          .where('account_id', '=', k.account_id)
          .where('region', '=', k.region)
          .where('task_id', '=', k.task_id)
          .groupBy(['state', 'outcome'])
          .execute(),
      { readCommitted: true },
    );
    const counts: FindingCounts = { total: 0, done: 0, succeeded: 0, failed: 0, skipped: 0, canceled: 0 };
    for (const r of rows) {
      const n = Number(r.n);
      counts.total += n;
      if (r.state !== 'DONE') continue;
      counts.done += n;
      if (r.outcome === 'SUCCEEDED') counts.succeeded += n;
      else if (r.outcome === 'FAILED') counts.failed += n;
      else if (r.outcome === 'SKIPPED') counts.skipped += n;
      else if (r.outcome === 'CANCELED') counts.canceled += n;
    }
    return counts;
  }
}
