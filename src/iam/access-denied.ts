// The message of an AccessDeniedException in the shape AWS writes for identity-based policies, so tools and people
// that read AWS's denials read ddlocal's the same way:
//   User: <principal> is not authorized to perform: <action> on resource: <arn> because no identity-based policy
//   allows the <action> action
//   User: <principal> is not authorized to perform: <action> on resource: <arn> with an explicit deny in an
//   identity-based policy: <policy>
// AWS leaves out "on resource: …" for actions without a resource, and names the denying policy (its ARN) only where it
// may disclose it; ddlocal always names it, as it only ever answers the account that owns the policy.
import type { Decision } from './evaluate.js';

export interface DeniedRequest {
  /** The caller: aws:PrincipalArn. */
  readonly principalArn: string;
  readonly action: string;
  /** The resource ARN; undefined or `*` for an action that has no resource. */
  readonly resource?: string;
  /** A denial from evaluate(). */
  readonly decision: Decision;
}

export function accessDeniedMessage(request: DeniedRequest): string {
  const { principalArn, action, resource, decision } = request;
  const onResource = resource === undefined || resource === '*' ? '' : ` on resource: ${resource}`;
  const head = `User: ${principalArn} is not authorized to perform: ${action}${onResource}`;
  switch (decision.decision) {
    case 'implicitDeny':
      return `${head} because no identity-based policy allows the ${action} action`;
    case 'explicitDeny':
      return `${head} with an explicit deny in an identity-based policy${decision.statement ? `: ${decision.statement.policyName}` : ''}`;
    case 'allowed':
      throw new Error('accessDeniedMessage called for an allowed request');
  }
}
