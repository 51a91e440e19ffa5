// `--wait` (docs/decisions.md#c16, docs/cli-extras.md): after `start-audit-mitigation-actions-task` or
// `start-on-demand-audit-task`, follow the task to its end — a progress bar with rate and ETA on a terminal, one line
// per change otherwise (wait/progress.ts) — then print the final description and exit 0 for COMPLETED, 1 for FAILED
// or CANCELED. Each task kind says how to describe it and how to count its progress (wait/audit.ts, mitigation.ts).
import type { Sender } from './send.js';
import type { CliIo } from './iot.js';
import { renderResult, type OutputOptions } from './output.js';
import { ProgressDisplay, type ProgressSnapshot } from './wait/progress.js';
import { auditProgress } from './wait/audit.js';
import { mitigationProgress } from './wait/mitigation.js';

const POLL_MS = 500;

interface TaskKind {
  describe: string;
  progress(task: Record<string, unknown>): { snapshot: ProgressSnapshot; perCheck: string[] };
}

/** The operations that accept --wait, by the operation that starts the task. */
export const WAITABLE: Record<string, TaskKind> = {
  StartAuditMitigationActionsTask: { describe: 'DescribeAuditMitigationActionsTask', progress: mitigationProgress },
  StartOnDemandAuditTask: { describe: 'DescribeAuditTask', progress: auditProgress },
};

export async function followTask(
  taskId: string,
  sender: Sender,
  io: CliIo,
  options: OutputOptions,
  startOperation = 'StartAuditMitigationActionsTask',
): Promise<number> {
  const kind = WAITABLE[startOperation];
  if (!kind) throw new Error(`--wait is not defined for ${startOperation}`);
  const display = new ProgressDisplay(io, taskId);
  for (;;) {
    const task = await sender.send(kind.describe, { taskId });
    const { snapshot, perCheck } = kind.progress(task);
    display.show(snapshot);
    if (snapshot.status !== 'IN_PROGRESS') {
      display.finish(perCheck);
      // The description leads with the task's id, which a describe output lacks: `--wait --query taskId --output
      // text` gives a script the id of a task it has waited for, as the start command alone would.
      io.stdout(renderResult(kind.describe, [task], task, options, { taskId }));
      return snapshot.status === 'COMPLETED' ? 0 : 1;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
