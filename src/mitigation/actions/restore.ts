// Helpers shared by the action types' undo rules: one restorable value of an execution (a certificate, a membership,
// …) and what became of it when the undo extension tried to put it back.
import { refusal, withoutFinalPeriod } from './common.js';

export interface PartResult {
  restored: boolean;
  /** A registry rule refused the restore (not a later change): the value cannot be put back. */
  refused?: boolean;
  message: string;
}

export const restoredPart = (message: string): PartResult => ({ restored: true, message });

/** The resource no longer holds what the action wrote: someone changed it since, and undo leaves it alone. */
export const changedPart = (message: string): PartResult => ({ restored: false, message });

/** Runs a registry restore; an ApiError (a registry rule) becomes a refused part instead of failing the whole undo. */
export async function restore(what: string, change: () => Promise<unknown>, done: string): Promise<PartResult> {
  const refused = await refusal(change);
  if (refused) return { restored: false, refused: true, message: `${what} cannot be restored: ${withoutFinalPeriod(refused.message)}` };
  return restoredPart(done);
}
