// A running audit's progress, as Server-Sent Events: once a second the stream asks DescribeAuditTask (as the page's
// caller) and sends how many of its checks are done, and `end` when the audit ends, which reloads the page to its
// results. Without script, the page reloads itself instead.
import type { EventStream } from '../../kernel/page-route.js';
import type { DashboardContext } from '../context.js';
import { pollEverySecond } from '../polling-stream.js';

/** Checks done of all checks, from DescribeAuditTask's statistics. */
export function checksDone(audit: Record<string, any>): { done: number; total: number } {
  const s = (audit.taskStatistics ?? {}) as Record<string, number>;
  const total = s.totalChecks ?? 0;
  const running = (s.inProgressChecks ?? 0) + (s.waitingForDataCollectionChecks ?? 0);
  return { done: Math.max(0, total - running), total };
}

export async function auditStream(ctx: DashboardContext, taskId: string): Promise<EventStream> {
  // Before the stream's headers: an unknown audit is the API's error page, not an empty stream.
  await ctx.call('DescribeAuditTask', { taskId });
  return {
    async run(send, signal) {
      await pollEverySecond(signal, send, async () => {
        const audit = await ctx.call('DescribeAuditTask', { taskId });
        const { done, total } = checksDone(audit);
        send('update', { text: { 'audit-checks-done': String(done), 'audit-checks-total': String(total) }, progress: { id: 'audit-progress', value: done, max: Math.max(total, 1) } });
        const running = audit.taskStatus === 'IN_PROGRESS';
        if (!running) send('end', { status: audit.taskStatus });
        return running;
      });
    },
  };
}
