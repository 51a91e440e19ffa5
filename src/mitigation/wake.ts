// Request handlers nudge this process's mitigation runners after creating work, instead of waiting for a poll.
const listeners = new Set<() => void>();

export function onMitigationWork(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function wakeMitigationRunners(): void {
  for (const l of listeners) l();
}
