// CRLs registered through PUT /_ddlocal/crls/{caCertificateId} (docs/decisions.md#x3): at most one per registered CA
// certificate. The revoked serials are stored parsed (JSON array, lower-case hex) so the revocation checks need not
// re-decode the CRL; the PEM is kept for GET.
import type { Kysely } from 'kysely';
import { textType } from './dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  const T = textType(db);
  await db.schema
    .createTable('registered_crls')
    .addColumn('account_id', T, (c) => c.notNull())
    .addColumn('region', T, (c) => c.notNull())
    .addColumn('ca_certificate_id', T, (c) => c.notNull())
    .addColumn('crl_pem', T, (c) => c.notNull())
    .addColumn('this_update', 'bigint', (c) => c.notNull())
    .addColumn('next_update', 'bigint')
    .addColumn('revoked_serials', T, (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('registered_crls_pk', ['account_id', 'region', 'ca_certificate_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('registered_crls').execute();
}
