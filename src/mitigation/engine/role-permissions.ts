// Role-permission enforcement (docs/decisions.md#m32), off by default: with it on, a mitigation action's role must be
// in ddlocal's IAM store (PUT /_ddlocal/iam/roles/{name}, docs/decisions.md#x3) and its policies must allow every
// permission the action type declares, on the resources this execution would touch, or the execution FAILS with
// INSUFFICIENT_PERMISSIONS. The policies are judged by the same IAM engine as callers in strict mode (src/iam/):
// actions, resources and conditions, explicit Deny first — so a role policy that works here works in AWS, and the
// reverse.
import type { Db } from '../../store/store.js';
import { fromJson } from '../../kernel/json.js';
import { compilePolicy, evaluate, type CompiledPolicy } from '../../iam/index.js';
import type { ActionContext, Permission } from '../action.js';

async function rolePolicies(db: Db, accountId: string, region: string, roleArn: string): Promise<CompiledPolicy[] | undefined> {
  const row = await db
    .selectFrom('iam_roles')
    .select('policies')
    .where('account_id', '=', accountId)
    .where('region', '=', region)
    .where('role_arn', '=', roleArn)
    .executeTakeFirst();
  if (!row) return undefined;
  return fromJson<unknown[]>(row.policies, []).flatMap((document, i) => {
    try {
      return [compilePolicy({ name: `policies[${i}]`, document: document as object })];
    } catch {
      return []; // a document IAM would refuse grants nothing
    }
  });
}

/** Why the role of `ctx.action` may not perform `permissions` for this execution, or undefined when it may. */
export async function roleDenial(ctx: ActionContext, permissions: readonly Permission[]): Promise<string | undefined> {
  const roleArn = ctx.action.roleArn;
  const policies = await rolePolicies(ctx.db, ctx.accountId, ctx.region, roleArn);
  if (!policies) {
    const name = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    return `Role ${roleArn} is not in ddlocal's IAM store (register it with PUT /_ddlocal/iam/roles/${name})`;
  }
  const context = { 'aws:PrincipalArn': roleArn, 'aws:PrincipalAccount': ctx.accountId, 'aws:CurrentTime': new Date(ctx.now) };
  for (const permission of permissions) {
    const { action, resources } = typeof permission === 'string' ? { action: permission, resources: undefined } : permission;
    for (const resource of resources?.(ctx) ?? ['*']) {
      const decision = evaluate({ action, resource, context }, policies);
      if (decision.decision === 'allowed') continue;
      const on = resource === '*' ? '' : ` on ${resource}`;
      const why =
        decision.decision === 'explicitDeny'
          ? `explicitly denied by ${decision.statement!.policyName} Statement[${decision.statement!.index}]`
          : 'no statement of its policies allows it';
      return `Role ${roleArn} does not allow ${action}${on}: ${why}`;
    }
  }
  return undefined;
}
