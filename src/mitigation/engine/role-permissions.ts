// Role-permission enforcement (docs/decisions.md#m32), off by default: with it on, a mitigation action's role — and
// the account's audit role — must be in ddlocal's IAM store (PUT /_ddlocal/iam/roles/{name}, docs/decisions.md#x3)
// and allow what the work needs, or the work FAILS with INSUFFICIENT_PERMISSIONS. Policies are judged by their
// actions: an explicit Deny of the action wins over any Allow, as in IAM; resources and conditions are not evaluated.
import type { Db } from '../../store/store.js';
import { fromJson } from '../../kernel/json.js';
import { parsePolicyDocument, statementCoversAction, type Statement } from '../../audit/analysis/policy-analyser.js';

async function roleStatements(db: Db, accountId: string, region: string, roleArn: string): Promise<Statement[] | undefined> {
  const row = await db
    .selectFrom('iam_roles')
    .select('policies')
    .where('account_id', '=', accountId)
    .where('region', '=', region)
    .where('role_arn', '=', roleArn)
    .executeTakeFirst();
  if (!row) return undefined;
  return fromJson<unknown[]>(row.policies, []).flatMap((document) => {
    try {
      return parsePolicyDocument(document);
    } catch {
      return []; // a document the store accepted but the analyser cannot read grants nothing
    }
  });
}

/** Why `roleArn` may not perform `permissions`, or undefined when it may. */
export async function roleDenial(db: Db, accountId: string, region: string, roleArn: string, permissions: string[]): Promise<string | undefined> {
  const statements = await roleStatements(db, accountId, region, roleArn);
  if (!statements) {
    const name = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    return `Role ${roleArn} is not in ddlocal's IAM store (register it with PUT /_ddlocal/iam/roles/${name})`;
  }
  const missing = permissions.filter((action) => {
    const covering = statements.filter((s) => statementCoversAction(s, action));
    return covering.some((s) => s.effect === 'Deny') || !covering.some((s) => s.effect === 'Allow');
  });
  return missing.length === 0 ? undefined : `Role ${roleArn} does not allow ${missing.join(', ')}`;
}
