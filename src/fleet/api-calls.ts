// The fleet import and export act on the registry only through the AWS IoT operations' own handlers, called with the
// request's transaction: every rule, limit and error message of a fleet entry is then exactly the API's, and the
// fleet code cannot drift from what CreateThing, RegisterCertificate, … do. Inputs are validated against the model's
// input shapes first, as the protocol layer does for an HTTP request. The one exception is a CA certificate: the
// import calls RegisterCACertificate's own function with an option that waives the proof of possession
// (docs/decisions.md#x6), after the same input validation.
import type { HandlerTable, RequestContext } from '../registry/context.js';
import { validateInput } from '../model/validate.js';
import { inputShape, operation } from '../model/model.js';
import { ApiError } from '../kernel/errors.js';
import { thingHandlers } from '../registry/things.js';
import { thingGroupHandlers } from '../registry/thing-groups.js';
import { thingTypeHandlers } from '../registry/thing-types.js';
import { thingGroupMembershipHandlers } from '../registry/thing-group-membership.js';
import { certificateHandlers } from '../registry/certificates.js';
import { caCertificateHandlers } from '../registry/ca-certificates.js';
import { policyHandlers } from '../registry/policies.js';
import { policyAttachmentHandlers } from '../registry/policy-attachments.js';
import { principalHandlers } from '../registry/principals.js';
import { tagHandlers } from '../registry/tags.js';
import { auditConfigurationHandlers } from '../audit/api/configuration.js';
import { mitigationActionHandlers } from '../mitigation/api/actions.js';

const HANDLERS: HandlerTable = {
  ...thingHandlers,
  ...thingGroupHandlers,
  ...thingTypeHandlers,
  ...thingGroupMembershipHandlers,
  ...certificateHandlers,
  ...caCertificateHandlers,
  ...policyHandlers,
  ...policyAttachmentHandlers,
  ...principalHandlers,
  ...tagHandlers,
  ...auditConfigurationHandlers,
  ...mitigationActionHandlers,
};

type ErasedHandler = (input: Record<string, unknown>, ctx: RequestContext) => Promise<Record<string, any>>;

/** The input checked against the operation's model input shape, as the protocol layer checks an HTTP request. */
export function validatedInput(name: string, input: Record<string, unknown>): Record<string, unknown> {
  const op = operation(name);
  return validateInput(op.input?.shape ?? `${name}Request`, inputShape(op), input);
}

/** Calls one AWS IoT operation's handler in the caller's transaction, after validating the input like the protocol. */
export async function callOperation(ctx: RequestContext, name: string, input: Record<string, unknown>): Promise<Record<string, any>> {
  const validated = validatedInput(name, input);
  const handler = (HANDLERS as Record<string, unknown>)[name] as ErasedHandler | undefined;
  if (!handler) throw new Error(`the fleet code calls ${name}, which it does not know`);
  return handler(validated, ctx);
}

/** The operation's result, or undefined when it fails with ResourceNotFoundException (an existence probe). */
export async function callIfFound(ctx: RequestContext, name: string, input: Record<string, unknown>): Promise<Record<string, any> | undefined> {
  try {
    return await callOperation(ctx, name, input);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

/**
 * Every item of a paginated List operation, page after page (linear in the number of items). The registry's
 * operations page with nextToken or, for the older ones (ListCertificates, ListPolicies, …), marker/nextMarker.
 */
export async function listAll(ctx: RequestContext, name: string, input: Record<string, unknown>, itemsMember: string): Promise<any[]> {
  const items: any[] = [];
  let paging: Record<string, string> = {};
  for (;;) {
    const page = await callOperation(ctx, name, { ...input, ...paging });
    for (const item of (page[itemsMember] as unknown[] | undefined) ?? []) items.push(item);
    if (page.nextToken) paging = { nextToken: page.nextToken as string };
    else if (page.nextMarker) paging = { marker: page.nextMarker as string };
    else return items;
  }
}
