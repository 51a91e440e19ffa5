// The IoT registry tables. Written with Kysely's schema builder so one migration serves SQLite and
// PostgreSQL alike.
import type { Kysely, CreateTableBuilder } from 'kysely';
import { textType, type TextType } from './dialect.js';

type Table = CreateTableBuilder<string, string>;

// Set at the start of up(): the text type of this database (code-point ordered on both engines).
let T: TextType;

const scoped = (t: Table) =>
  t.addColumn('account_id', T, (c) => c.notNull()).addColumn('region', T, (c) => c.notNull());

const certificateFacts = (t: Table) =>
  t
    .addColumn('certificate_pem', T, (c) => c.notNull())
    .addColumn('subject', T, (c) => c.notNull())
    .addColumn('issuer', T, (c) => c.notNull())
    .addColumn('serial_number', T, (c) => c.notNull())
    .addColumn('not_before', 'bigint', (c) => c.notNull())
    .addColumn('not_after', 'bigint', (c) => c.notNull())
    .addColumn('key_algorithm', T, (c) => c.notNull())
    .addColumn('key_size', 'integer', (c) => c.notNull())
    .addColumn('key_curve', T)
    .addColumn('rsa_modulus', T)
    .addColumn('crl_urls', T, (c) => c.notNull())
    .addColumn('is_ca', 'integer', (c) => c.notNull())
    .addColumn('subject_key_id', T)
    .addColumn('authority_key_id', T);

export async function up(db: Kysely<any>): Promise<void> {
  T = textType(db);
  await scoped(db.schema.createTable('things'))
    .addColumn('thing_name', T, (c) => c.notNull())
    .addColumn('thing_id', T, (c) => c.notNull())
    .addColumn('thing_type_name', T)
    .addColumn('attributes', T, (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('things_pk', ['account_id', 'region', 'thing_name'])
    .execute();

  await scoped(db.schema.createTable('thing_types'))
    .addColumn('thing_type_name', T, (c) => c.notNull())
    .addColumn('thing_type_id', T, (c) => c.notNull())
    .addColumn('description', T)
    .addColumn('searchable_attributes', T)
    .addColumn('mqtt5_configuration', T)
    .addColumn('deprecated', 'integer', (c) => c.notNull())
    .addColumn('deprecation_date', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('thing_types_pk', ['account_id', 'region', 'thing_type_name'])
    .execute();

  await scoped(db.schema.createTable('thing_groups'))
    .addColumn('group_name', T, (c) => c.notNull())
    .addColumn('group_id', T, (c) => c.notNull())
    .addColumn('parent_name', T)
    .addColumn('root_name', T, (c) => c.notNull())
    .addColumn('description', T)
    .addColumn('attributes', T, (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('is_dynamic', 'integer', (c) => c.notNull())
    .addColumn('index_name', T)
    .addColumn('query_string', T)
    .addColumn('query_version', T)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('thing_groups_pk', ['account_id', 'region', 'group_name'])
    .execute();
  // Child listing, the 100-children limit and descendant walks go by parent; hierarchy checks by root.
  await db.schema.createIndex('thing_groups_by_parent').on('thing_groups').columns(['account_id', 'region', 'parent_name', 'group_name']).execute();
  await db.schema.createIndex('thing_groups_by_root').on('thing_groups').columns(['account_id', 'region', 'root_name']).execute();

  await scoped(db.schema.createTable('thing_group_members'))
    .addColumn('group_name', T, (c) => c.notNull())
    .addColumn('thing_name', T, (c) => c.notNull())
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('thing_group_members_pk', ['account_id', 'region', 'group_name', 'thing_name'])
    .execute();
  await db.schema
    .createIndex('thing_group_members_by_thing')
    .on('thing_group_members')
    .columns(['account_id', 'region', 'thing_name'])
    .execute();

  await certificateFacts(scoped(db.schema.createTable('certificates')))
    .addColumn('certificate_id', T, (c) => c.notNull())
    .addColumn('ca_certificate_id', T)
    .addColumn('status', T, (c) => c.notNull())
    .addColumn('certificate_mode', T, (c) => c.notNull())
    .addColumn('customer_version', 'bigint', (c) => c.notNull())
    .addColumn('generation_id', T, (c) => c.notNull())
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
    .addColumn('certificate_id', T, (c) => c.notNull())
    .addColumn('status', T, (c) => c.notNull())
    .addColumn('certificate_mode', T, (c) => c.notNull())
    .addColumn('auto_registration_status', T, (c) => c.notNull())
    .addColumn('registration_config', T)
    .addColumn('template_name', T) // registration_config.templateName, a column so ListCACertificates can filter in SQL
    .addColumn('customer_version', 'bigint', (c) => c.notNull())
    .addColumn('generation_id', T, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ca_certificates_pk', ['account_id', 'region', 'certificate_id'])
    .execute();
  await db.schema
    .createIndex('ca_certificates_by_creation')
    .on('ca_certificates')
    .columns(['account_id', 'region', 'created_at', 'certificate_id'])
    .execute();
  // RegisterCertificate finds candidate issuers by subject; the 10-per-subject limit counts them.
  await db.schema.createIndex('ca_certificates_by_subject').on('ca_certificates').columns(['account_id', 'region', 'subject']).execute();

  await scoped(db.schema.createTable('registration_codes'))
    .addColumn('registration_code', T, (c) => c.notNull())
    .addPrimaryKeyConstraint('registration_codes_pk', ['account_id', 'region'])
    .execute();

  await scoped(db.schema.createTable('issuing_cas'))
    .addColumn('certificate_pem', T, (c) => c.notNull())
    .addColumn('private_key_pem', T, (c) => c.notNull())
    .addPrimaryKeyConstraint('issuing_cas_pk', ['account_id', 'region'])
    .execute();

  await scoped(db.schema.createTable('thing_principals'))
    .addColumn('thing_name', T, (c) => c.notNull())
    .addColumn('principal', T, (c) => c.notNull())
    .addColumn('principal_type', T, (c) => c.notNull())
    .addColumn('attached_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('thing_principals_pk', ['account_id', 'region', 'thing_name', 'principal'])
    .execute();
  await db.schema
    .createIndex('thing_principals_by_principal')
    .on('thing_principals')
    .columns(['account_id', 'region', 'principal', 'thing_name'])
    .execute();

  await scoped(db.schema.createTable('policies'))
    .addColumn('policy_name', T, (c) => c.notNull())
    .addColumn('default_version_id', 'integer', (c) => c.notNull())
    .addColumn('last_version_id', 'integer', (c) => c.notNull())
    .addColumn('generation_id', T, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('policies_pk', ['account_id', 'region', 'policy_name'])
    .execute();
  await db.schema
    .createIndex('policies_by_creation')
    .on('policies')
    .columns(['account_id', 'region', 'created_at', 'policy_name'])
    .execute();

  await scoped(db.schema.createTable('policy_versions'))
    .addColumn('policy_name', T, (c) => c.notNull())
    .addColumn('version_id', 'integer', (c) => c.notNull())
    .addColumn('policy_document', T, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('policy_versions_pk', ['account_id', 'region', 'policy_name', 'version_id'])
    .execute();

  await scoped(db.schema.createTable('policy_targets'))
    .addColumn('policy_name', T, (c) => c.notNull())
    .addColumn('target', T, (c) => c.notNull())
    .addColumn('attached_at', 'bigint', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('policy_targets_pk', ['account_id', 'region', 'policy_name', 'target'])
    .execute();
  await db.schema.createIndex('policy_targets_by_target').on('policy_targets').columns(['account_id', 'region', 'target']).execute();
  // Attach order: ListTargetsForPolicy pages by (policy, seq); a new attachment takes the account's highest seq + 1.
  await db.schema
    .createIndex('policy_targets_by_policy_seq')
    .on('policy_targets')
    .columns(['account_id', 'region', 'policy_name', 'seq'])
    .execute();
  await db.schema.createIndex('policy_targets_by_seq').on('policy_targets').columns(['account_id', 'region', 'seq']).execute();

  await scoped(db.schema.createTable('logging_options'))
    .addColumn('v1_role_arn', T)
    .addColumn('v1_log_level', T)
    .addColumn('v2_options', T)
    .addPrimaryKeyConstraint('logging_options_pk', ['account_id', 'region'])
    .execute();

  await scoped(db.schema.createTable('role_aliases'))
    .addColumn('role_alias', T, (c) => c.notNull())
    .addColumn('role_arn', T, (c) => c.notNull())
    .addColumn('credential_duration_seconds', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('role_aliases_pk', ['account_id', 'region', 'role_alias'])
    .execute();
  // ListRoleAliases pages in creation order (docs/decisions.md#r14).
  await db.schema
    .createIndex('role_aliases_by_creation')
    .on('role_aliases')
    .columns(['account_id', 'region', 'created_at', 'role_alias'])
    .execute();

  await scoped(db.schema.createTable('tags'))
    .addColumn('resource_arn', T, (c) => c.notNull())
    .addColumn('tag_key', T, (c) => c.notNull())
    .addColumn('tag_value', T, (c) => c.notNull())
    .addPrimaryKeyConstraint('tags_pk', ['account_id', 'region', 'resource_arn', 'tag_key'])
    .execute();
}
