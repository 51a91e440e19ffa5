// POST /_ddlocal/iam/simulate (strict mode, docs/strict-mode.md#simulating-a-call): would this credential be allowed
// this call, and which statement decided? The same checks a real request gets (caller-authorization.ts), without
// running the call — the offline counterpart of IAM's policy simulator, for writing and debugging caller policies.
//
//   {"operation": "StartAuditMitigationActionsTask", "input": {"taskId": "t1", …}}   the checks of a whole call
//   {"action": "iot:UpdateCertificate", "resource": "arn:…:cert/ab12", "context": {…}} one action on one resource
//
// `accessKeyId` picks the credential to judge (default: the caller's own; another one needs an admin credential).
import { ApiError, invalidRequest, notFound } from '../kernel/errors.js';
import { readJsonObjectBody } from '../kernel/json-body.js';
import type { ExtensionRoute } from '../kernel/extension-route.js';
import type { Clock } from '../kernel/clock.js';
import { MODEL, inputShape, operation as modelOperation } from '../model/model.js';
import { validateInput } from '../model/validate.js';
import type { Store } from '../store/store.js';
import type { CredentialsTable } from '../protocol/credentials.js';
import type { CallerAuthorization, CheckedAction } from './caller-authorization.js';

const FIELDS = new Set(['accessKeyId', 'operation', 'input', 'action', 'resource', 'context']);
const ACTION = /^[A-Za-z0-9-]{1,64}:[A-Za-z0-9*?]{1,128}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function simulateRoutes(store: Store, clock: Clock, credentials: CredentialsTable, authorization: CallerAuthorization): ExtensionRoute[] {
  return [
    {
      method: 'POST',
      path: '/_ddlocal/iam/simulate',
      // Anyone may ask about their own access; asking about another key needs an admin (checked below).
      action: 'none',
      handler: async ({ body, caller, admin, principal, requestId }) => {
        const request = readJsonObjectBody(body);
        for (const key of Object.keys(request))
          if (!FIELDS.has(key)) throw invalidRequest(`Unknown simulate option ${key}; use ${[...FIELDS].join(', ')}`);
        const { accessKeyId = principal?.accessKeyId, operation, input = {}, action, resource = '*', context = {} } = request;
        if (typeof accessKeyId !== 'string') throw invalidRequest('accessKeyId must be the access key id of a credential');
        if (accessKeyId !== principal?.accessKeyId && !admin)
          throw new ApiError('AccessDeniedException', `Simulating access key ${accessKeyId}, which is not the caller's own, needs an admin credential`);
        const credential = credentials.lookup(accessKeyId);
        if (!credential) throw notFound(`No credential has the access key id ${accessKeyId}`);
        if ((operation === undefined) === (action === undefined)) throw invalidRequest('Give exactly one of operation (with its input) or action (with resource and context)');
        const identity = { accessKeyId, principalArn: credential.principalArn };
        const scope = { accountId: credential.accountId, region: caller.region };
        const checks = await store.transaction(async (db): Promise<CheckedAction[]> => {
          const ctx = { ...scope, requestId, db, clock, now: clock.now() };
          if (operation !== undefined) {
            if (typeof operation !== 'string' || !Object.hasOwn(MODEL.operations, operation))
              throw invalidRequest(`operation must be an AWS IoT operation name such as StartAuditMitigationActionsTask`);
            if (!isObject(input)) throw invalidRequest('input must be a JSON object: the operation\'s input members');
            const op = modelOperation(operation);
            const valid = validateInput(op.input?.shape ?? `${operation}Request`, inputShape(op), input);
            return authorization.decisions(ctx, operation, valid, identity, {});
          }
          if (typeof action !== 'string' || !ACTION.test(action)) throw invalidRequest('action must be an IAM action such as iot:UpdateCertificate');
          if (typeof resource !== 'string' || resource === '') throw invalidRequest('resource must be an ARN or *');
          if (!isObject(context)) throw invalidRequest('context must be a JSON object of condition keys and values');
          return [authorization.decideAction(ctx, identity, action, resource, contextValues(context), {})];
        });
        return { body: { accessKeyId, principalArn: credential.principalArn, allowed: checks.every((c) => c.decision === 'allowed'), checks } };
      },
    },
  ];
}

/** Condition keys as the simulator takes them: strings, numbers, booleans, or lists of strings. */
function contextValues(context: Record<string, unknown>): Record<string, string | number | boolean | string[]> {
  const values: Record<string, string | number | boolean | string[]> = {};
  for (const [key, value] of Object.entries(context)) {
    const ok =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
    if (!ok) throw invalidRequest(`context ${key} must be a string, a number, a boolean or a list of strings`);
    values[key] = value as string | number | boolean | string[];
  }
  return values;
}
