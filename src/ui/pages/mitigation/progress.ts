// A running mitigation task's live progress, as Server-Sent Events: once a second the stream asks the API for the
// task (DescribeAuditMitigationActionsTask, as the page's caller), and sends the counts, the rate over what it has
// watched, the time left at that rate, and each new failure (ListAuditMitigationActionsExecutions for the finding).
// It ends with an `end` event when the task ends (the stream's lifetime is polling-stream.ts's).
import type { EventStream } from '../../../kernel/page-route.js';
import type { DashboardContext } from '../../context.js';
import { failuresAfter, type FailureKey } from '../../../mitigation/api/task-findings.js';
import type { FindingCounts } from '../../../mitigation/engine/progress-log.js';
import { pollEverySecond } from '../../polling-stream.js';

/** Failures a page lists live; past this, the executions table (filtered by outcome) has them all. */
const LIVE_FAILURES = 200;
const FAILURES_PER_TICK = 20;

/** A task's status and its findings by outcome, as the progress log counts them, from the API's answer. */
export interface Progress extends FindingCounts {
  status: string;
}

/** The counts of a DescribeAuditMitigationActionsTask answer, summed over its checks. */
export function progressOf(task: Record<string, any>): Progress {
  const p: Progress = { status: task.taskStatus ?? 'UNKNOWN', total: 0, done: 0, succeeded: 0, failed: 0, skipped: 0, canceled: 0 };
  for (const s of Object.values((task.taskStatistics ?? {}) as Record<string, Record<string, number>>)) {
    p.total += s.totalFindingsCount ?? 0;
    p.succeeded += s.succeededFindingsCount ?? 0;
    p.failed += s.failedFindingsCount ?? 0;
    p.skipped += s.skippedFindingsCount ?? 0;
    p.canceled += s.canceledFindingsCount ?? 0;
  }
  p.done = p.succeeded + p.failed + p.skipped + p.canceled;
  return p;
}

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.ceil((seconds % 3600) / 60)} min`;
}

export async function progressStream(ctx: DashboardContext, taskId: string): Promise<EventStream> {
  // Before the stream's headers: an unknown task, or one the caller may not describe, is the API's error page.
  await ctx.call('DescribeAuditMitigationActionsTask', { taskId });
  return {
    async run(send, signal) {
      // Real time, not ddlocal's clock: a test may freeze ddlocal's clock, but the rate is about the watcher's seconds.
      let first: { at: number; done: number } | undefined;
      let failureKey: FailureKey | undefined;
      let failuresSent = 0;
      let failedSeen = 0;
      await pollEverySecond(signal, send, async () => {
        const task = await ctx.call('DescribeAuditMitigationActionsTask', { taskId });
        const p = progressOf(task);
        const now = performance.now();
        first ??= { at: now, done: p.done };
        const seconds = (now - first.at) / 1000;
        const rate = seconds > 0 ? (p.done - first.done) / seconds : 0;
        const running = p.status === 'IN_PROGRESS';
        send('update', {
          text: {
            'progress-status': p.status,
            'progress-done': String(p.done),
            'progress-total': String(p.total),
            'count-succeeded': String(p.succeeded),
            'count-failed': String(p.failed),
            'count-skipped': String(p.skipped),
            'count-canceled': String(p.canceled),
            'progress-rate': seconds > 0 ? `${rate.toFixed(rate < 10 ? 1 : 0)} findings/s` : 'measuring…',
            'progress-eta': !running ? 'ended' : rate > 0 ? duration((p.total - p.done) / rate) : 'measuring…',
          },
          progress: { id: 'progress-bar', value: p.done, max: Math.max(p.total, 1) },
        });
        // New failures, oldest first, while the live list has room: only asked for when the failed count grew.
        while (p.failed > failedSeen && failuresSent < LIVE_FAILURES && !signal.aborted) {
          const batch = await ctx.store.transaction((db) => failuresAfter(db, ctx, taskId, failureKey, Math.min(FAILURES_PER_TICK, LIVE_FAILURES - failuresSent)));
          if (batch.length === 0) break;
          const rows: string[][] = [];
          for (const f of batch) {
            const out = await ctx.call('ListAuditMitigationActionsExecutions', { taskId, findingId: f.findingId, actionStatus: 'FAILED' });
            for (const e of (out.actionsExecutions ?? []) as Record<string, any>[]) rows.push([f.findingId, e.actionName ?? '', e.errorCode ?? '', e.message ?? '']);
            failureKey = f.key;
          }
          failuresSent += batch.length;
          failedSeen += batch.length;
          send('rows', { table: 'failures', rows });
          if (batch.length < FAILURES_PER_TICK) break;
        }
        if (!running) send('end', { status: p.status });
        return running;
      });
    },
  };
}
