// Every AWS IoT operation ddlocal implements, by model operation name. Operations of the model that are missing
// here answer 501 NotImplementedException (docs/decisions.md#w4).
import type { HandlerTable, RequestContext } from '../registry/context.js';
import type { OperationName } from '../model/types.generated.js';
import type { Operations } from '../protocol/http-server.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../kernel/clock.js';
import type { CallerAuthorization } from './caller-authorization.js';
import { thingHandlers } from '../registry/things.js';
import { policyHandlers } from '../registry/policies.js';
import { policyAttachmentHandlers } from '../registry/policy-attachments.js';
import { loggingHandlers } from '../registry/logging.js';
import { roleAliasHandlers } from '../registry/role-aliases.js';
import { tagHandlers } from '../registry/tags.js';
import { certificateHandlers } from '../registry/certificates.js';
import { caCertificateHandlers } from '../registry/ca-certificates.js';
import { principalHandlers } from '../registry/principals.js';
import { thingGroupHandlers } from '../registry/thing-groups.js';
import { thingGroupMembershipHandlers } from '../registry/thing-group-membership.js';
import { thingTypeHandlers } from '../registry/thing-types.js';
import { auditConfigurationHandlers } from '../audit/api/configuration.js';
import { auditTaskHandlers } from '../audit/api/tasks.js';
import { auditFindingHandlers } from '../audit/api/findings.js';
import { auditSuppressionHandlers } from '../audit/api/suppressions.js';
import { scheduledAuditHandlers } from '../audit/api/scheduled-audits.js';
import { mitigationActionHandlers } from '../mitigation/api/actions.js';
import { mitigationTaskHandlers } from '../mitigation/api/tasks.js';
import { endpointHandlers } from '../registry/endpoint.js';

export const HANDLERS: HandlerTable = {
  ...thingHandlers,
  ...policyHandlers,
  ...policyAttachmentHandlers,
  ...loggingHandlers,
  ...roleAliasHandlers,
  ...tagHandlers,
  ...certificateHandlers,
  ...caCertificateHandlers,
  ...principalHandlers,
  ...thingGroupHandlers,
  ...thingGroupMembershipHandlers,
  ...thingTypeHandlers,
  ...auditConfigurationHandlers,
  ...auditTaskHandlers,
  ...auditFindingHandlers,
  ...auditSuppressionHandlers,
  ...scheduledAuditHandlers,
  ...mitigationActionHandlers,
  ...mitigationTaskHandlers,
  ...endpointHandlers,
};

/** A handler seen through the name-keyed dispatch, with the operation it serves erased. */
type DispatchedHandler = ((input: Record<string, unknown>, ctx: RequestContext) => Promise<Record<string, unknown>>) & {
  readonly readCommitted?: boolean;
};

/**
 * The operations as the protocol layer sees them: each call runs its handler in one store transaction, with one
 * consistent "now" from ddlocal's clock (READ COMMITTED where the handler asks for it). In strict mode the caller's
 * policies are checked first, in the same transaction, so a denied call changes nothing.
 */
export function transactionalOperations(
  store: Store,
  clock: Clock,
  handlers: HandlerTable = HANDLERS,
  authorization?: CallerAuthorization,
): Operations {
  return {
    implements: (operation) => Object.hasOwn(handlers, operation),
    invoke({ operation, input, caller, requestId, identity, sourceIp, host }) {
      // The protocol checked `implements` and validated the input against this operation's input shape, which is
      // what the handler's type promises it; the table cannot say which handler the name picks, so it is erased here.
      const handler = handlers[operation as OperationName] as unknown as DispatchedHandler;
      return store.transaction(async (db) => {
        const ctx = { ...caller, requestId, db, clock, now: clock.now(), requestHost: host };
        if (authorization && identity) await authorization.authorize(ctx, operation, input, identity, { sourceIp });
        return handler(input, ctx);
      }, {
        readCommitted: handler.readCommitted,
      });
    },
  };
}
