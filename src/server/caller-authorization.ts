// Caller authorization in strict mode (docs/decisions.md#w16): before a verified request's handler runs, the caller's
// identity policies must allow the operation's IAM action on every resource the request names, exactly as AWS's
// Service Authorization Reference lists them (src/model/iot-authorization.json). The decision is the IAM engine's
// (src/iam/): explicit Deny, then Allow, else denied. It runs inside the request's transaction, before the handler,
// so a denied request changes nothing and aws:ResourceTag/<key> sees the tags as the handler would.
//
// A root principal (`arn:aws:iam::<account>:root`, what a credential without principalArn is) is not restricted by
// identity policies, as on AWS; every other principal is allowed only what its policies allow.
import { ApiError } from '../kernel/errors.js';
import { accessDeniedMessage, compilePolicy, evaluate, type CompiledPolicy, type DecidingStatement, type Decision, type RequestContextInput } from '../iam/index.js';
import { authorizationFor, requestTagContext, serviceContext, operationAuthorization } from '../model/authorization.js';
import type { RequestContext } from '../registry/context.js';
import { listTags } from '../registry/tag-store.js';
import type { Credential } from '../protocol/credentials.js';

/** Who is calling, as strict mode verified it. */
export interface CallerIdentity {
  accessKeyId: string;
  principalArn: string;
}

/** What the condition keys of a request need besides the input: where it came from. */
export interface RequestOrigin {
  sourceIp?: string;
}

const ROOT_PRINCIPAL = /^arn:aws[a-z-]*:iam::\d{12}:root$/;

const denied = (message: string) => new ApiError('AccessDeniedException', message);

/** aws:username for an IAM user (the last segment of its path), absent for roles and others, as AWS sets it. */
function userName(principalArn: string): string | undefined {
  const m = /^arn:aws[a-z-]*:iam::\d{12}:user\/(?:[^/]*\/)*([^/]+)$/.exec(principalArn);
  return m?.[1];
}

export class CallerAuthorization {
  private readonly policies = new Map<string, CompiledPolicy[]>();

  /** Compiles every credential's policies once; a policy IAM would refuse is a start-up error naming its key. */
  constructor(credentials: readonly Credential[]) {
    for (const credential of credentials) {
      try {
        this.policies.set(
          credential.accessKeyId,
          credential.policies.map((policy) => compilePolicy({ name: policy.name, document: policy.document as object })),
        );
      } catch (err) {
        throw new Error(`Credentials for access key ${credential.accessKeyId}: ${(err as Error).message}`);
      }
    }
  }

  /** Throws AccessDeniedException unless the caller's policies allow `operation` with `input`. */
  async authorize(ctx: RequestContext, operation: string, input: Record<string, unknown>, caller: CallerIdentity, origin: RequestOrigin): Promise<void> {
    for (const check of await this.decisions(ctx, operation, input, caller, origin))
      if (check.decision !== 'allowed') throw denied(check.message!);
  }

  /**
   * Every check a call needs — the operation's action on each resource it names, and iot:TagResource when it creates
   * tags — with its decision, the statement that decided and, for a denial, AWS's message. A root principal is
   * allowed everything without a statement.
   */
  async decisions(ctx: RequestContext, operation: string, input: Record<string, unknown>, caller: CallerIdentity, origin: RequestOrigin): Promise<CheckedAction[]> {
    const scope = { accountId: ctx.accountId, region: ctx.region };
    const { action, resources } = authorizationFor(operation, input, scope);
    const requestTags = requestTagContext(operation, input);
    const checks = resources.map((resource) => ({ action, resource }));
    // Creating a resource with tags also needs iot:TagResource on it, as AWS documents for such operations.
    const tagging = operationAuthorization(operation)?.additionalActions?.some((a) => a.action === 'iot:TagResource');
    if (tagging && Object.keys(requestTags).length > 0) checks.push(...resources.map((resource) => ({ action: 'iot:TagResource', resource })));
    const context = { ...this.baseContext(ctx, caller, origin), ...requestTags, ...serviceContext(operation, input, scope) };
    const results: CheckedAction[] = [];
    for (const check of checks) {
      const withTags = check.resource === '*' ? context : { ...context, ...(await resourceTags(ctx, check.resource)) };
      results.push(this.decide(caller, check.action, check.resource, withTags));
    }
    return results;
  }

  /** One action on one resource, with a context the caller gives (the simulator's raw form). */
  decideAction(ctx: RequestContext, caller: CallerIdentity, action: string, resource: string, extra: RequestContextInput, origin: RequestOrigin): CheckedAction {
    return this.decide(caller, action, resource, { ...this.baseContext(ctx, caller, origin), ...extra });
  }

  private baseContext(ctx: RequestContext, caller: CallerIdentity, origin: RequestOrigin): RequestContextInput {
    return {
      'aws:PrincipalArn': caller.principalArn,
      'aws:PrincipalAccount': ctx.accountId,
      'aws:username': userName(caller.principalArn),
      'aws:SourceIp': origin.sourceIp,
      'aws:CurrentTime': new Date(ctx.now),
      'aws:EpochTime': Math.floor(ctx.now / 1000),
      'aws:SecureTransport': false,
      'aws:RequestedRegion': ctx.region,
    };
  }

  private decide(caller: CallerIdentity, action: string, resource: string, context: RequestContextInput): CheckedAction {
    if (ROOT_PRINCIPAL.test(caller.principalArn)) return { action, resource, decision: 'allowed', root: true };
    const decision = evaluate({ action, resource, context }, this.policies.get(caller.accessKeyId) ?? []);
    const result: CheckedAction = { action, resource, decision: decision.decision };
    if (decision.statement) result.statement = decision.statement;
    if (decision.decision !== 'allowed') result.message = accessDeniedMessage({ principalArn: caller.principalArn, action, resource, decision });
    return result;
  }
}

/** One authorization check and how it was decided. */
export interface CheckedAction {
  action: string;
  resource: string;
  decision: Decision['decision'];
  /** The statement that decided; absent for an implicit deny and for a root principal. */
  statement?: DecidingStatement;
  /** A root principal, which identity policies do not restrict. */
  root?: true;
  /** For a denial: the AccessDeniedException message. */
  message?: string;
}

/** aws:ResourceTag/<key> of a resource of the caller's account (none for resources ddlocal does not tag). */
async function resourceTags(ctx: RequestContext, resourceArn: string): Promise<Record<string, string>> {
  const tags = await listTags(ctx, resourceArn);
  return Object.fromEntries(tags.map((t) => [`aws:ResourceTag/${t.Key}`, t.Value]));
}
