// `start-audit-mitigation-actions-task … --wait` (docs/decisions.md#c16): follow the task to its end — a progress bar
// with per-check counts on a terminal, one line per change otherwise — then print the final description and exit 0
// for COMPLETED, 1 for FAILED or CANCELED.
import type { Sender } from './send.js';
import type { CliIo } from './iot.js';
import { renderResult, type OutputOptions } from './output.js';

const POLL_MS = 500;
const BAR_WIDTH = 24;

interface CheckStatistics {
  totalFindingsCount?: number;
  succeededFindingsCount?: number;
  failedFindingsCount?: number;
  skippedFindingsCount?: number;
  canceledFindingsCount?: number;
}

function counts(statistics: Record<string, CheckStatistics>) {
  let total = 0;
  let done = 0;
  const perCheck = Object.entries(statistics).map(([check, s]) => {
    const finished = (s.succeededFindingsCount ?? 0) + (s.failedFindingsCount ?? 0) + (s.skippedFindingsCount ?? 0) + (s.canceledFindingsCount ?? 0);
    total += s.totalFindingsCount ?? 0;
    done += finished;
    return `${check} ${finished}/${s.totalFindingsCount ?? 0} (${s.succeededFindingsCount ?? 0} ok, ${s.failedFindingsCount ?? 0} failed, ${s.skippedFindingsCount ?? 0} skipped, ${s.canceledFindingsCount ?? 0} canceled)`;
  });
  return { total, done, perCheck };
}

function bar(done: number, total: number): string {
  const fraction = total === 0 ? 1 : done / total;
  const filled = Math.round(fraction * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
}

export async function followTask(taskId: string, sender: Sender, io: CliIo, options: OutputOptions): Promise<number> {
  let last = '';
  for (;;) {
    const task = await sender.send('DescribeAuditMitigationActionsTask', { taskId });
    const status = String(task.taskStatus);
    const { total, done, perCheck } = counts((task.taskStatistics ?? {}) as Record<string, CheckStatistics>);
    const line = `${taskId} ${status} ${done}/${total} findings: ${perCheck.join('; ')}`;
    if (io.isTty) {
      // Progress goes to stderr so that stdout carries only the final description, as without --wait.
      io.stderr(`\r\x1b[2K${bar(done, total)} ${status} ${done}/${total} findings`);
    } else if (line !== last) {
      io.stderr(`${line}\n`);
    }
    last = line;
    if (status !== 'IN_PROGRESS') {
      if (io.isTty) io.stderr(`\n${perCheck.map((c) => `  ${c}`).join('\n')}\n`);
      io.stdout(renderResult('DescribeAuditMitigationActionsTask', [task], task, options));
      return status === 'COMPLETED' ? 0 : 1;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
