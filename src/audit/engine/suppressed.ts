// "Is this finding's resource suppressed right now?" as a SQL condition (docs/decisions.md#a6, #a7, #a21):
// suppressions are matched when findings are read, never copied into them, so creating or removing one takes
// effect at once.
import type { ExpressionBuilder, Expression, SqlBool } from 'kysely';

/**
 * EXISTS(active suppression for the finding's (check, resource)). `f` is the alias of audit_findings in the outer
 * query; a suppression is active while indefinite or before its expirationDate
 * (docs/decisions.md#a8).
 */
export function activeSuppression(eb: ExpressionBuilder<any, any>, now: number): Expression<SqlBool> {
  return eb.exists(
    eb
      .selectFrom('audit_suppressions as s')
      .select('s.check_name')
      .whereRef('s.account_id', '=', 'f.account_id')
      .whereRef('s.region', '=', 'f.region')
      .whereRef('s.check_name', '=', 'f.check_name')
      .whereRef('s.resource_key', '=', 'f.resource_key')
      .where((w: ExpressionBuilder<any, any>) =>
        w.or([w('s.suppress_indefinitely', '=', 1), w('s.expiration_date', '>', now)]),
      ),
  );
}
