// Dynamic thing group membership (registry.md §3.2, Dec R10). Recomputed in the caller's transaction whenever a
// thing, its type, its attributes or its static memberships change.
import type { RequestContext } from './context.js';

/** Re-evaluates every dynamic group of the account and region for one thing. */
export async function refreshDynamicMembership(_ctx: RequestContext, _thingName: string): Promise<void> {
  // Filled in with the dynamic-group query evaluator.
}
