// The IoT registry tables (registry.md). Written with Kysely's schema builder so one migration serves SQLite and
// PostgreSQL alike.
import type { Kysely, CreateTableBuilder } from 'kysely';

type Table = CreateTableBuilder<string, string>;

const scoped = (t: Table) =>
  t.addColumn('account_id', 'varchar(12)', (c) => c.notNull()).addColumn('region', 'varchar(64)', (c) => c.notNull());

const certificateFacts = (t: Table) =>
  t
    .addColumn('certificate_pem', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('serial_number', 'text', (c) => c.notNull())
    .addColumn('not_before', 'bigint', (c) => c.notNull())
    .addColumn('not_after', 'bigint', (c) => c.notNull())
    .addColumn('key_algorithm', 'text', (c) => c.notNull())
    .addColumn('key_size', 'integer', (c) => c.notNull())
    .addColumn('key_curve', 'text')
    .addColumn('rsa_modulus', 'text')
    .addColumn('crl_urls', 'text', (c) => c.notNull())
    .addColumn('is_ca', 'integer', (c) => c.notNull())
    .addColumn('subject_key_id', 'text')
    .addColumn('authority_key_id', 'text');

export async function up(db: Kysely<any>): Promise<void> {
  await scoped(db.schema.createTable('things'))
    .addColumn('thing_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('thing_id', 'text', (c) => c.notNull())
    .addColumn('thing_type_name', 'varchar(128)')
    .addColumn('attributes', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('things_pk', ['account_id', 'region', 'thing_name'])
    .execute();

  await scoped(db.schema.createTable('thing_types'))
    .addColumn('thing_type_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('thing_type_id', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('searchable_attributes', 'text')
    .addColumn('deprecated', 'integer', (c) => c.notNull())
    .addColumn('deprecation_date', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('thing_types_pk', ['account_id', 'region', 'thing_type_name'])
    .execute();

  await scoped(db.schema.createTable('thing_groups'))
    .addColumn('group_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('parent_name', 'varchar(128)')
    .addColumn('root_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('attributes', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('is_dynamic', 'integer', (c) => c.notNull())
    .addColumn('index_name', 'text')
    .addColumn('query_string', 'text')
    .addColumn('query_version', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('thing_groups_pk', ['account_id', 'region', 'group_name'])
    .execute();

  await scoped(db.schema.createTable('thing_group_members'))
    .addColumn('group_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('thing_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('thing_group_members_pk', ['account_id', 'region', 'group_name', 'thing_name'])
    .execute();
  await db.schema
    .createIndex('thing_group_members_by_thing')
    .on('thing_group_members')
    .columns(['account_id', 'region', 'thing_name'])
    .execute();

  await certificateFacts(scoped(db.schema.createTable('certificates')))
    .addColumn('certificate_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('ca_certificate_id', 'varchar(64)')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('certificate_mode', 'text', (c) => c.notNull())
    .addColumn('customer_version', 'bigint', (c) => c.notNull())
    .addColumn('generation_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('certificates_pk', ['account_id', 'region', 'certificate_id'])
    .execute();
  await db.schema
    .createIndex('certificates_by_creation')
    .on('certificates')
    .columns(['account_id', 'region', 'created_at', 'certificate_id'])
    .execute();
  await db.schema
    .createIndex('certificates_by_ca')
    .on('certificates')
    .columns(['account_id', 'region', 'ca_certificate_id', 'created_at'])
    .execute();

  await certificateFacts(scoped(db.schema.createTable('ca_certificates')))
    .addColumn('certificate_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('certificate_mode', 'text', (c) => c.notNull())
    .addColumn('auto_registration_status', 'text', (c) => c.notNull())
    .addColumn('registration_config', 'text')
    .addColumn('customer_version', 'bigint', (c) => c.notNull())
    .addColumn('generation_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ca_certificates_pk', ['account_id', 'region', 'certificate_id'])
    .execute();

  await scoped(db.schema.createTable('registration_codes'))
    .addColumn('registration_code', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('registration_codes_pk', ['account_id', 'region'])
    .execute();

  await scoped(db.schema.createTable('issuing_cas'))
    .addColumn('certificate_pem', 'text', (c) => c.notNull())
    .addColumn('private_key_pem', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('issuing_cas_pk', ['account_id', 'region'])
    .execute();

  await scoped(db.schema.createTable('thing_principals'))
    .addColumn('thing_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('principal', 'text', (c) => c.notNull())
    .addColumn('principal_type', 'text', (c) => c.notNull())
    .addColumn('attached_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('thing_principals_pk', ['account_id', 'region', 'thing_name', 'principal'])
    .execute();
  await db.schema
    .createIndex('thing_principals_by_principal')
    .on('thing_principals')
    .columns(['account_id', 'region', 'principal'])
    .execute();

  await scoped(db.schema.createTable('policies'))
    .addColumn('policy_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('default_version_id', 'integer', (c) => c.notNull())
    .addColumn('last_version_id', 'integer', (c) => c.notNull())
    .addColumn('generation_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('policies_pk', ['account_id', 'region', 'policy_name'])
    .execute();

  await scoped(db.schema.createTable('policy_versions'))
    .addColumn('policy_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('version_id', 'integer', (c) => c.notNull())
    .addColumn('policy_document', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('policy_versions_pk', ['account_id', 'region', 'policy_name', 'version_id'])
    .execute();

  await scoped(db.schema.createTable('policy_targets'))
    .addColumn('policy_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('attached_at', 'bigint', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('policy_targets_pk', ['account_id', 'region', 'policy_name', 'target'])
    .execute();
  await db.schema.createIndex('policy_targets_by_target').on('policy_targets').columns(['account_id', 'region', 'target']).execute();

  await scoped(db.schema.createTable('logging_options'))
    .addColumn('v1_role_arn', 'text')
    .addColumn('v1_log_level', 'text')
    .addColumn('v2_options', 'text')
    .addPrimaryKeyConstraint('logging_options_pk', ['account_id', 'region'])
    .execute();

  await scoped(db.schema.createTable('role_aliases'))
    .addColumn('role_alias', 'varchar(128)', (c) => c.notNull())
    .addColumn('role_arn', 'text', (c) => c.notNull())
    .addColumn('credential_duration_seconds', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('role_aliases_pk', ['account_id', 'region', 'role_alias'])
    .execute();

  await scoped(db.schema.createTable('tags'))
    .addColumn('resource_arn', 'text', (c) => c.notNull())
    .addColumn('tag_key', 'text', (c) => c.notNull())
    .addColumn('tag_value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('tags_pk', ['account_id', 'region', 'resource_arn', 'tag_key'])
    .execute();
}
