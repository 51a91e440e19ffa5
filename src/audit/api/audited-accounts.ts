// The accounts and regions that have an audit configuration, most recently audited first: the dashboard's account
// chooser in open mode, where one browser looks at every account of the machine (docs/dashboard.md).
import type { Db } from '../../store/store.js';

export interface AuditedAccount {
  accountId: string;
  region: string;
  /** The start of its latest audit task (epoch ms), if it has one. */
  lastAudit?: number;
}

export async function auditedAccounts(db: Db): Promise<AuditedAccount[]> {
  const rows = await db
    .selectFrom('audit_configurations as c')
    .leftJoin('audit_tasks as t', (join) => join.onRef('t.account_id', '=', 'c.account_id').onRef('t.region', '=', 'c.region'))
    .select(['c.account_id', 'c.region', (eb) => eb.fn.max('t.task_start_time').as('last')])
    .groupBy(['c.account_id', 'c.region'])
    .execute();
  return rows
    .map((r) => ({ accountId: r.account_id, region: r.region, lastAudit: r.last === null ? undefined : Number(r.last) }))
    .sort((a, b) => (b.lastAudit ?? -1) - (a.lastAudit ?? -1) || a.accountId.localeCompare(b.accountId) || a.region.localeCompare(b.region));
}
