// Helpers shared by the six action types: running registry code with the execution's transaction, reading the
// resources a finding names, and turning per-resource results into one outcome (mitigation.md §7.2).
import type { RequestContext } from '../../registry/context.js';
import { ApiError } from '../../kernel/errors.js';
import type { ActionContext, ActionOutcome } from '../action.js';

/**
 * The registry's domain functions and handlers take a RequestContext; an execution is one, with a request id that
 * points back at the task in logs.
 */
export function requestContext(ctx: ActionContext): RequestContext {
  return {
    accountId: ctx.accountId,
    region: ctx.region,
    requestId: `mitigation-${ctx.taskId}`,
    db: ctx.db,
    clock: ctx.clock,
    now: ctx.now,
  };
}

/**
 * Runs a registry change and returns the ApiError it refused with, if any. Only ApiErrors are refusals by a registry
 * rule; anything else (a database failure) propagates so the engine rolls the execution back and retries it.
 */
export async function refusal(change: () => Promise<unknown>): Promise<ApiError | undefined> {
  try {
    await change();
    return undefined;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
}

/**
 * The device certificates a finding is about: its non-compliant DEVICE_CERTIFICATE, or — for the intermediate-CA
 * check, whose resource is the issuer — every related device certificate [Dec M11]. Deduplicated, lower case.
 */
export function deviceCertificateIds(ctx: ActionContext): string[] {
  const { nonCompliantResource, relatedResources } = ctx.finding;
  const resources = nonCompliantResource.resourceType === 'DEVICE_CERTIFICATE' ? [nonCompliantResource] : relatedResources;
  const ids = resources
    .filter((r) => r.resourceType === 'DEVICE_CERTIFICATE')
    .map((r) => String(r.resourceIdentifier.deviceCertificateId ?? '').toLowerCase())
    .filter((id) => id !== '');
  return [...new Set(ids)];
}

/** The finding names nothing this action type can act on: only possible for a check/action pair start refused. */
export function nothingToActOn(ctx: ActionContext, what: string): ActionOutcome {
  return {
    status: 'FAILED',
    errorCode: 'INVALID_STATE_OF_RESOURCE',
    message: `Finding ${ctx.finding.findingId} (${ctx.finding.checkName}) names no ${what} for action ${ctx.action.name} (${ctx.action.actionType})`,
  };
}

/** The model's ErrorMessage shape allows at most 2048 characters for an execution's message. */
export const MAX_MESSAGE_LENGTH = 2048;

/**
 * Joins message parts with "; ", leaving out the parts that would overflow the limit and saying how many were left
 * out — an intermediate-CA finding can name hundreds of certificates.
 */
export function joinWithin(parts: string[], limit = MAX_MESSAGE_LENGTH): string {
  const all = parts.join('; ');
  if (all.length <= limit) return all;
  const reserve = ` (and ${parts.length} more)`.length;
  let text = '';
  let kept = 0;
  for (; kept < parts.length; kept++) {
    const next = kept === 0 ? parts[0]! : `${text}; ${parts[kept]}`;
    if (next.length + reserve > limit) break;
    text = next;
  }
  return `${text} (and ${parts.length - kept} more)`;
}

/**
 * One outcome for an execution that touched several resources: every change that could be made was made, and the
 * execution FAILS naming each resource that could not be changed [§7.2]. `undo` is kept either way. Failures come
 * first in the message so that they are the parts kept when the message has to be shortened.
 */
export function settle(done: string[], failures: string[], undo: unknown): ActionOutcome {
  if (failures.length === 0) return { status: 'COMPLETED', message: joinWithin(done), undo };
  return { status: 'FAILED', errorCode: 'INVALID_STATE_OF_RESOURCE', message: joinWithin([...failures, ...done]), undo };
}

/** ApiError messages end with a period or not; outcome messages join them with "; ". */
export const withoutFinalPeriod = (message: string) => message.replace(/\.+$/, '');
