// Helpers shared by the action types: running registry code with the execution's transaction, reading the
// resources a finding names, turning per-resource results into one outcome, and the role ARN rule their parameters
// share with the action's own roleArn.
import type { RequestContext } from '../../registry/context.js';
import { ApiError, invalidRequest } from '../../kernel/errors.js';
import type { ActionContext, ActionOutcome } from '../action.js';
import type { AuditCheckName } from '../../audit/checks/index.js';

// The model types role ARNs as plain strings; this catches a wrong ARN kind when the action is created rather than
// when it runs. Role names (with an optional path) use IAM's name characters.
const IAM_ROLE_ARN = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

/** Refuses anything but an IAM role ARN; `what` names the member, e.g. "Mitigation action a: roleArn". */
export function checkRoleArn(what: string, arn: string): void {
  if (!IAM_ROLE_ARN.test(arn))
    throw invalidRequest(`${what} ${arn} is not an IAM role ARN (expected arn:aws:iam::<12-digit account>:role/<name>)`);
}

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
 * check, whose resource is the issuer — every related device certificate (docs/decisions.md#m11). Deduplicated,
 * lower case.
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

/**
 * The checks whose findings name device certificates, as deviceCertificateIds reads them: the device certificate
 * checks, and the intermediate-CA check through its related resources.
 */
export const DEVICE_CERTIFICATE_CHECKS = [
  'INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK',
  'DEVICE_CERTIFICATE_SHARED_CHECK',
  'DEVICE_CERTIFICATE_EXPIRING_CHECK',
  'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK',
  'DEVICE_CERTIFICATE_KEY_QUALITY_CHECK',
  'DEVICE_CERTIFICATE_AGE_CHECK',
] as const satisfies readonly AuditCheckName[];

/** The finding names nothing this action type can act on: only possible for a check/action pair start refused. */
export function nothingToActOn(ctx: ActionContext, what: string): ActionOutcome<never> {
  return {
    status: 'FAILED',
    errorCode: 'INVALID_STATE_OF_RESOURCE',
    message: `Finding ${ctx.finding.findingId} (${ctx.finding.checkName}) names no ${what} for action ${ctx.action.name} (${ctx.action.actionType})`,
  };
}

/** The model's ErrorMessage shape allows at most 2048 characters for an execution's message. */
const MAX_MESSAGE_LENGTH = 2048;

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
 * execution FAILS naming each resource that could not be changed (docs/decisions.md#m8). `undo` is kept either way.
 * Failures come first in the message so that they are the parts kept when the message has to be shortened.
 */
export function settle<Undo>(done: string[], failures: string[], undo: Undo): ActionOutcome<Undo> {
  if (failures.length === 0) return { status: 'COMPLETED', message: joinWithin(done), undo };
  return { status: 'FAILED', errorCode: 'INVALID_STATE_OF_RESOURCE', message: joinWithin([...failures, ...done]), undo };
}

/** ApiError messages end with a period or not; outcome messages join them with "; ". */
export const withoutFinalPeriod = (message: string) => message.replace(/\.+$/, '');
