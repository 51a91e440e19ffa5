// Caller authorization in strict mode (docs/decisions.md#w16): before a verified request's handler runs, the caller's
// identity policies must allow the operation's IAM action on every resource the request names, exactly as AWS's
// Service Authorization Reference lists them (src/model/iot-authorization.json). The decision is the IAM engine's
// (src/iam/): explicit Deny, then Allow, else denied. It runs inside the request's transaction, before the handler,
// so a denied request changes nothing and aws:ResourceTag/<key> sees the tags as the handler would.
//
// A root principal (`arn:aws:iam::<account>:root`, what a credential without principalArn is) is not restricted by
// identity policies, as on AWS; every other principal is allowed only what its policies allow.
//
// Cost (docs/benchmarks.md, strict mode): a root caller's requests are allowed without working out their checks, and
// a resource's tags (one read per resource) are read only when a statement that could apply to the action mentions
// aws:ResourceTag; otherwise no condition or policy variable could see them, so the decision is the same without them.
import { ApiError } from '../kernel/errors.js';
import { accessDeniedMessage, compilePolicy, evaluate, type CompiledPolicy, type DecidingStatement, type Decision, type RequestContextInput } from '../iam/index.js';
import { authorizationFor, requestTagContext, serviceContext, operationAuthorization } from '../model/authorization.js';
import type { RequestContext } from '../registry/context.js';
import { listTags } from '../registry/tag-store.js';
import type { Credential } from '../protocol/credentials.js';

/** Where and when a request is judged: its account and region, and ddlocal's clock at its start. */
export type RequestScope = Pick<RequestContext, 'accountId' | 'region' | 'now'>;

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

/** A certificate or CA certificate ARN; each part up to its delimiter, so matching is linear. */
const CERTIFICATE_ARN = /^(arn:[^:]+:iot:[^:]*:[^:]*:(?:cert|cacert)\/)([0-9a-fA-F]+)$/;

/**
 * The ARN of the resource a request acts on, as policies name it. Certificate ids in requests compare
 * case-insensitively (docs/decisions.md#m19): UpdateCertificate of `AB12…` changes the certificate `ab12…`. Matched
 * as spelled, a Deny on that certificate's ARN would not stop a request that writes its id in capitals.
 */
function canonicalResource(arn: string): string {
  const m = CERTIFICATE_ARN.exec(arn);
  return m ? `${m[1]}${m[2]!.toLowerCase()}` : arn;
}

const denied = (message: string) => new ApiError('AccessDeniedException', message);

/** aws:username for an IAM user (the last segment of its path), absent for roles and others, as AWS sets it. */
function userName(principalArn: string): string | undefined {
  const m = /^arn:aws[a-z-]*:iam::\d{12}:user\/(?:[^/]*\/)*([^/]+)$/.exec(principalArn);
  return m?.[1];
}

/** Whether a policy statement names aws:ResourceTag/<key>, as a condition key or in a policy variable, in any case. */
const mentionsResourceTags = (statement: unknown): boolean => JSON.stringify(statement).toLowerCase().includes('aws:resourcetag/');

/**
 * For each policy with statements that mention aws:ResourceTag, a policy that allows exactly their actions (their
 * Action or NotAction, on any resource, without conditions), so the IAM engine's own action matching says whether a
 * request's action could meet one of them. Each is a subset of a policy that compiled, so it compiles too.
 */
function resourceTagProbes(credential: Credential): CompiledPolicy[] {
  const probes: CompiledPolicy[] = [];
  for (const policy of credential.policies) {
    const statement = policy.document.Statement;
    const reading = (Array.isArray(statement) ? statement : [statement]).filter(mentionsResourceTags) as { Action?: unknown; NotAction?: unknown }[];
    if (reading.length === 0) continue;
    const Statement = reading.map(({ Action, NotAction }) =>
      Action !== undefined ? { Effect: 'Allow', Action, Resource: '*' } : { Effect: 'Allow', NotAction, Resource: '*' },
    );
    probes.push(compilePolicy({ name: `${policy.name} (statements reading aws:ResourceTag)`, document: { Statement } }));
  }
  return probes;
}

export class CallerAuthorization {
  private readonly policies = new Map<string, CompiledPolicy[]>();
  private readonly resourceTagProbes = new Map<string, CompiledPolicy[]>();
  /** `<access key>\0<action>` → whether its checks need the resource's tags; bounded by keys × the table's actions. */
  private readonly readsResourceTags = new Map<string, boolean>();

  /** Compiles every credential's policies once; a policy IAM would refuse is a start-up error naming its key. */
  constructor(credentials: readonly Credential[]) {
    for (const credential of credentials) {
      try {
        this.policies.set(
          credential.accessKeyId,
          credential.policies.map((policy) => compilePolicy({ name: policy.name, document: policy.document as object })),
        );
        const probes = resourceTagProbes(credential);
        if (probes.length > 0) this.resourceTagProbes.set(credential.accessKeyId, probes);
      } catch (err) {
        throw new Error(`Credentials for access key ${credential.accessKeyId}: ${(err as Error).message}`);
      }
    }
  }

  /** Throws AccessDeniedException unless the caller's policies allow `operation` with `input`. */
  async authorize(ctx: RequestContext, operation: string, input: Record<string, unknown>, caller: CallerIdentity, origin: RequestOrigin): Promise<void> {
    // Every check of a root principal is allowed (see decisions), so there is nothing to work out.
    if (ROOT_PRINCIPAL.test(caller.principalArn)) return;
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
    const { action, resources: named } = authorizationFor(operation, input, scope);
    const resources = named.map(canonicalResource);
    const requestTags = requestTagContext(operation, input);
    const checks = resources.map((resource) => ({ action, resource }));
    // Creating a resource with tags also needs iot:TagResource on it, as AWS documents for such operations.
    const tagging = operationAuthorization(operation)?.additionalActions?.some((a) => a.action === 'iot:TagResource');
    if (tagging && Object.keys(requestTags).length > 0) checks.push(...resources.map((resource) => ({ action: 'iot:TagResource', resource })));
    if (ROOT_PRINCIPAL.test(caller.principalArn)) return checks.map((check) => rootDecision(check.action, check.resource));
    const context = { ...this.baseContext(ctx, caller, origin), ...requestTags, ...serviceContext(operation, input, scope) };
    const results: CheckedAction[] = [];
    for (const check of checks) {
      const withTags =
        check.resource === '*' || !this.needsResourceTags(caller.accessKeyId, check.action)
          ? context
          : { ...context, ...(await resourceTags(ctx, check.resource)) };
      results.push(this.decide(caller, check.action, check.resource, withTags));
    }
    return results;
  }

  /** Whether a statement that could apply to `action` mentions aws:ResourceTag (decided once per key and action). */
  private needsResourceTags(accessKeyId: string, action: string): boolean {
    const probes = this.resourceTagProbes.get(accessKeyId);
    if (!probes) return false;
    const key = `${accessKeyId}\0${action}`;
    let needed = this.readsResourceTags.get(key);
    if (needed === undefined) {
      needed = evaluate({ action, resource: '*' }, probes).decision === 'allowed';
      this.readsResourceTags.set(key, needed);
    }
    return needed;
  }

  /** One action on one resource, with a context the caller gives (the simulator's raw form). */
  decideAction(ctx: RequestContext, caller: CallerIdentity, action: string, resource: string, extra: RequestContextInput, origin: RequestOrigin): CheckedAction {
    return this.decide(caller, action, resource, { ...this.baseContext(ctx, caller, origin), ...extra });
  }

  /**
   * Throws AccessDeniedException unless the caller may use one of ddlocal's own endpoints (its `ddlocal:` action, on
   * `*`). An admin credential, like an account's root, needs no policy for them (docs/decisions.md#w21).
   */
  authorizeDdlocalAction(scope: RequestScope, caller: CallerIdentity & { admin: boolean }, action: string, origin: RequestOrigin): void {
    if (caller.admin) return;
    const check = this.decide(caller, action, '*', this.baseContext(scope, caller, origin));
    if (check.decision !== 'allowed') throw denied(check.message!);
  }

  private baseContext(ctx: RequestScope, caller: CallerIdentity, origin: RequestOrigin): RequestContextInput {
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
    if (ROOT_PRINCIPAL.test(caller.principalArn)) return rootDecision(action, resource);
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

const rootDecision = (action: string, resource: string): CheckedAction => ({ action, resource, decision: 'allowed', root: true });

/** aws:ResourceTag/<key> of a resource of the caller's account (none for resources ddlocal does not tag). */
async function resourceTags(ctx: RequestContext, resourceArn: string): Promise<Record<string, string>> {
  const tags = await listTags(ctx, resourceArn);
  return Object.fromEntries(tags.map((t) => [`aws:ResourceTag/${t.Key}`, t.Value]));
}
