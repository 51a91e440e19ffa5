// Fleet-wide counts for the dashboard's overview: certificates by status and by how soon they expire. Aggregates in
// the database (one GROUP BY each, answered from the certificates_in_scope index), so the overview of a
// million-device fleet reads no certificate row into memory.
import type { AccountScope } from '../kernel/scope.js';
import type { Db } from '../store/store.js';
import { scoped } from '../store/scoped.js';
import { DAY_MS } from '../kernel/clock.js';

export interface CertificateSummary {
  /** Certificates per status (ACTIVE, INACTIVE, REVOKED, …); statuses without certificates are absent. */
  byStatus: Record<string, number>;
  /** ACTIVE certificates by expiry: already expired, then within each bucket's upper bound in days. */
  expiry: { label: string; count: number }[];
}

/** Upper bounds (days from now) of the expiry histogram's buckets; the last bucket is open-ended. */
const EXPIRY_BUCKETS = [30, 90, 180, 365, 730];

export async function certificateSummary(db: Db, scope: AccountScope, now: number): Promise<CertificateSummary> {
  const statuses = await scoped({ db, ...scope })
    .selectFrom('certificates')
    .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy('status')
    .execute();
  const byStatus: Record<string, number> = {};
  for (const row of statuses) byStatus[row.status] = Number(row.n);

  // One CASE expression puts each certificate in its bucket: a single pass whatever the number of buckets.
  const bounds = EXPIRY_BUCKETS.map((days) => now + days * DAY_MS);
  const rows = await scoped({ db, ...scope })
    .selectFrom('certificates')
    .where('status', '=', 'ACTIVE')
    .select((eb) => {
      let bucket = eb.case().when('not_after', '<=', now).then(0);
      bounds.forEach((bound, i) => {
        bucket = bucket.when('not_after', '<=', bound).then(i + 1);
      });
      return [bucket.else(bounds.length + 1).end().as('bucket'), eb.fn.countAll<number | string>().as('n')];
    })
    .groupBy('bucket')
    .execute();
  const counts = new Map(rows.map((r) => [Number(r.bucket), Number(r.n)]));
  const labels = ['expired', ...EXPIRY_BUCKETS.map((d, i) => `${i === 0 ? 0 : EXPIRY_BUCKETS[i - 1]}–${d} days`), `over ${EXPIRY_BUCKETS.at(-1)} days`];
  return { byStatus, expiry: labels.map((label, i) => ({ label, count: counts.get(i) ?? 0 })) };
}
