// The decision for one request under a principal's identity policies, in one account, as IAM documents it: a matching
// Deny anywhere wins (explicit deny); otherwise a matching Allow allows; otherwise the request is denied by default
// (implicit deny). A statement matches when its action part, its resource part and every condition match.
//
// Cost: the policies were compiled beforehand (compilePolicy), so a request only matches — each statement's sets,
// globs and conditions once, and once an Allow has been found only Deny statements are still looked at.
import { RequestContext, type RequestContextInput } from './context.js';
import { conditionsHold } from './conditions.js';
import { actionPartMatches, resourcePartMatches } from './elements.js';
import { compilePolicy, type CompiledPolicy, type CompiledStatement, type PolicySource } from './policy.js';

export interface AuthorizationRequest {
  /** The action, such as `iot:CreateThing`. */
  readonly action: string;
  /** The ARN of the resource (or `*` for actions without resource types); evaluate once per resource. */
  readonly resource: string;
  /** Condition keys and values: aws:PrincipalArn, aws:SourceIp, aws:CurrentTime, aws:RequestTag/…, iot:…. */
  readonly context?: RequestContextInput | RequestContext;
}

/** The statement that decided: the first matching Deny, else the first matching Allow (policy order, then statement order). */
export interface DecidingStatement {
  readonly policyName: string;
  readonly index: number;
  readonly sid?: string;
}

export interface Decision {
  readonly decision: 'allowed' | 'explicitDeny' | 'implicitDeny';
  /** Absent for an implicit deny, which no statement decides. */
  readonly statement?: DecidingStatement;
}

/** Whether one statement applies to the request. */
function statementMatches(s: CompiledStatement, request: AuthorizationRequest, lowerAction: string, context: RequestContext): boolean {
  return (
    actionPartMatches(s.actions, request.action, lowerAction) &&
    resourcePartMatches(s.resources, request.resource, context) &&
    conditionsHold(s.conditions, context)
  );
}

function decided(policy: CompiledPolicy, s: CompiledStatement): DecidingStatement {
  return s.sid === undefined ? { policyName: policy.name, index: s.index } : { policyName: policy.name, index: s.index, sid: s.sid };
}

/**
 * Decides a request under the given policies. Compiled policies cost only matching; sources are compiled on the way
 * (and may throw MalformedPolicyException), so callers that evaluate often should compile once and keep the result.
 */
export function evaluate(request: AuthorizationRequest, policies: readonly (CompiledPolicy | PolicySource)[]): Decision {
  const context = request.context instanceof RequestContext ? request.context : new RequestContext(request.context);
  const lowerAction = request.action.toLowerCase();
  let allow: DecidingStatement | undefined;
  for (const entry of policies) {
    const policy = 'statements' in entry ? entry : compilePolicy(entry);
    for (const s of policy.statements) {
      if (s.effect === 'Allow' && allow) continue; // only a Deny can still change the outcome
      if (!statementMatches(s, request, lowerAction, context)) continue;
      if (s.effect === 'Deny') return { decision: 'explicitDeny', statement: decided(policy, s) };
      allow = decided(policy, s);
    }
  }
  return allow ? { decision: 'allowed', statement: allow } : { decision: 'implicitDeny' };
}
