// Request handlers nudge this process's mitigation runners after creating work, instead of waiting for a poll.
import { wakeSignal } from '../../kernel/background-loop.js';

export const mitigationWork = wakeSignal();

export function wakeMitigationRunners(): void {
  mitigationWork.raise();
}
