// Row types of ddlocal's database, shared by the SQLite and PostgreSQL stores. Every table is scoped by
// (account_id, region); timestamps are epoch milliseconds; booleans are 0/1 integers; JSON values are text.
// The tables themselves are created by the versioned migrations in ./migrations.

interface Scoped {
  account_id: string;
  region: string;
}

export interface ThingRow extends Scoped {
  thing_name: string;
  thing_id: string;
  thing_type_name: string | null;
  attributes: string; // JSON object of string → string
  version: number;
  created_at: number;
  updated_at: number;
}

export interface ThingTypeRow extends Scoped {
  thing_type_name: string;
  thing_type_id: string;
  description: string | null;
  searchable_attributes: string | null; // JSON array
  mqtt5_configuration: string | null; // JSON Mqtt5Configuration
  deprecated: number;
  deprecation_date: number | null;
  created_at: number;
}

export interface ThingGroupRow extends Scoped {
  group_name: string;
  group_id: string;
  parent_name: string | null;
  root_name: string; // the top of the group's hierarchy (itself for root groups)
  description: string | null;
  attributes: string; // JSON object
  version: number;
  is_dynamic: number;
  index_name: string | null;
  query_string: string | null;
  query_version: string | null;
  created_at: number;
}

export interface ThingGroupMemberRow extends Scoped {
  group_name: string;
  thing_name: string;
  added_at: number;
}

/** Facts parsed from an X.509 certificate at registration, shared by device and CA certificates. */
export interface CertificateFacts {
  certificate_pem: string;
  subject: string;
  issuer: string;
  serial_number: string; // lowercase hex
  not_before: number;
  not_after: number;
  key_algorithm: string; // RSA | EC
  key_size: number; // RSA modulus bits or EC field bits
  key_curve: string | null; // P-256 | P-384 | P-521
  rsa_modulus: string | null; // lowercase hex
  crl_urls: string; // JSON array of CRL distribution point URIs
  is_ca: number;
  subject_key_id: string | null;
  authority_key_id: string | null;
}

export interface CertificateRow extends Scoped, CertificateFacts {
  certificate_id: string;
  ca_certificate_id: string | null;
  status: string;
  certificate_mode: string;
  customer_version: number;
  generation_id: string;
  created_at: number;
  updated_at: number;
}

export interface CaCertificateRow extends Scoped, CertificateFacts {
  certificate_id: string;
  status: string;
  certificate_mode: string;
  auto_registration_status: string;
  registration_config: string | null; // JSON
  template_name: string | null; // registration_config.templateName, for ListCACertificates' filter
  customer_version: number;
  generation_id: string;
  created_at: number;
  updated_at: number;
}

export interface RegistrationCodeRow extends Scoped {
  registration_code: string;
}

/** The per-(account, region) ddlocal CA that signs certificates made by CreateKeysAndCertificate
 *  (docs/decisions.md#r1). */
export interface IssuingCaRow extends Scoped {
  certificate_pem: string;
  private_key_pem: string;
}

export interface ThingPrincipalRow extends Scoped {
  thing_name: string;
  principal: string;
  principal_type: string; // EXCLUSIVE_THING | NON_EXCLUSIVE_THING
  attached_at: number;
}

export interface PolicyRow extends Scoped {
  policy_name: string;
  default_version_id: number;
  last_version_id: number; // the highest version id ever used; ids are never reused
  generation_id: string;
  created_at: number;
  updated_at: number;
}

export interface PolicyVersionRow extends Scoped {
  policy_name: string;
  version_id: number;
  policy_document: string;
  created_at: number;
}

export interface PolicyTargetRow extends Scoped {
  policy_name: string;
  target: string;
  attached_at: number;
  seq: number;
}

export interface LoggingOptionsRow extends Scoped {
  v1_role_arn: string | null;
  v1_log_level: string | null;
  v2_options: string | null; // JSON of SetV2LoggingOptions input, null until first set
}

export interface RoleAliasRow extends Scoped {
  role_alias: string;
  role_arn: string;
  credential_duration_seconds: number;
  created_at: number;
  updated_at: number;
}

export interface TagRow extends Scoped {
  resource_arn: string;
  tag_key: string;
  tag_value: string;
}

export interface AuditConfigurationRow extends Scoped {
  role_arn: string | null;
  notification_targets: string; // JSON {SNS?: {targetArn?, roleArn?, enabled?}}
  check_configurations: string; // JSON {canonical check name: {enabled, configuration?}}
}

export interface AuditTaskRow extends Scoped {
  task_id: string;
  task_type: string;
  task_status: string;
  task_start_time: number;
  scheduled_audit_name: string | null;
  check_configurations: string; // JSON snapshot {canonical check name: configuration map}
}

export interface AuditTaskCheckRow extends Scoped {
  task_id: string;
  check_name: string;
  position: number;
  status: string;
  total_resources: number | null;
  non_compliant_resources: number | null;
  error_code: string | null;
  message: string | null;
}

export interface AuditFindingRow extends Scoped {
  finding_id: string;
  task_id: string;
  check_name: string;
  task_start_time: number;
  finding_time: number;
  severity: string;
  resource_type: string;
  resource_key: string;
  resource_identifier: string;
  additional_info: string | null;
  related_resources: string | null;
  reason: string;
  reason_code: string;
}

export interface AuditSuppressionRow extends Scoped {
  check_name: string;
  resource_key: string;
  given_check_name: string;
  resource_identifier: string;
  expiration_date: number | null;
  suppress_indefinitely: number;
  description: string | null;
  client_request_token: string | null;
  request_hash: string | null;
}

export interface ScheduledAuditRow extends Scoped {
  scheduled_audit_name: string;
  frequency: string;
  day_of_month: string | null;
  day_of_week: string | null;
  target_check_names: string;
  created_at: number;
  last_due: number;
}

/** An ingested AWS IoT lifecycle event (docs/decisions.md#a14). */
export interface LifecycleEventRow extends Scoped {
  session_id: string;
  event_type: string; // connected | disconnected
  event_time: number;
  client_id: string;
  principal_id: string;
  identity_pool_id: string | null;
  authenticated: number | null;
  ip_address: string | null;
  disconnect_reason: string | null;
  client_initiated_disconnect: number | null;
}

/** An IAM role of ddlocal's IAM store (docs/decisions.md#a15). */
export interface IamRoleRow extends Scoped {
  role_name: string;
  role_arn: string;
  policies: string; // JSON array of IAM policy documents (objects)
  updated_at: number;
}

export interface IamIdentityPoolRow extends Scoped {
  identity_pool_id: string;
  authenticated_role_arn: string | null;
  unauthenticated_role_arn: string | null;
  updated_at: number;
}

/** One recorded use of a service through a role alias (docs/decisions.md#a34). */
export interface RoleAliasUsageRow extends Scoped {
  role_alias: string;
  service: string;
  used_at: number;
}

/** A CRL registered for a CA certificate through the extension API (docs/decisions.md#x3). */
export interface RegisteredCrlRow extends Scoped {
  ca_certificate_id: string;
  crl_pem: string;
  this_update: number;
  next_update: number | null;
  revoked_serials: string; // JSON array of lower-case hex serials
  updated_at: number;
}

/** A message to an external system, delivered at least once after its transaction commits (docs/decisions.md#m28). */
export interface OutboxRow {
  account_id: string;
  region: string;
  message_id: string;
  origin: string;
  origin_ref: string;
  topic_arn: string;
  subject: string;
  body: string;
  deduplication_id: string;
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  attempts: number;
  next_attempt_at: number;
  enqueued_at: number;
  created_at: number;
  delivered_at: number | null;
  sns_message_id: string | null;
  error_code: string | null;
  last_error: string | null;
}

/** A mitigation action. */
export interface MitigationActionRow extends Scoped {
  action_name: string;
  action_id: string;
  action_type: string;
  role_arn: string;
  /** JSON: the ActionParams object with exactly its one member set. */
  action_params: string;
  created_at: number;
  last_modified_at: number;
}

/** An audit mitigation actions task. */
export interface MitigationTaskRow extends Scoped {
  task_id: string;
  client_request_token: string;
  /** Canonical JSON of {target, auditCheckToActionsMapping}, compared for idempotent retries. */
  request: string;
  target: string;
  target_audit_task_id: string | null;
  actions_mapping: string;
  /** JSON [{name, id, roleArn, actionParams}]: the actions as they were when the task started. */
  actions_definition: string;
  task_status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELED';
  start_time: number;
  end_time: number | null;
}

/** A finding a mitigation task counted (docs/decisions.md#m6); the unit a worker claims. */
export interface MitigationTaskFindingRow extends Scoped {
  task_id: string;
  finding_id: string;
  audit_task_id: string;
  /** The check as the caller spelled it in auditCheckToActionsMapping. */
  check_name: string;
  finding_time: number;
  state: 'READY' | 'WAITING' | 'DONE';
  outcome: 'SUCCEEDED' | 'FAILED' | 'SKIPPED' | 'CANCELED' | null;
  next_position: number;
  lease_until: number;
}

/** One (finding, action) execution of a mitigation task. */
export interface MitigationExecutionRow extends Scoped {
  task_id: string;
  finding_id: string;
  position: number;
  action_name: string;
  action_id: string;
  status: 'PENDING' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'SKIPPED' | 'CANCELED';
  start_time: number | null;
  end_time: number | null;
  error_code: string | null;
  message: string | null;
  /** JSON before-values recorded by the action, for undo (docs/decisions.md#m31). */
  undo: string | null;
  /** ddlocal time at which the undo extension restored this execution's changes (migration 007). */
  undone_at?: number | null;
}

/** A strict-mode dashboard session (src/ui/sessions.ts); the cookie's id is stored only as its SHA-256. */
export interface DashboardSessionRow {
  session_hash: string;
  access_key_id: string;
  account_id: string;
  principal_arn: string;
  created_at: number;
  expires_at: number;
}

export interface Database {
  things: ThingRow;
  thing_types: ThingTypeRow;
  thing_groups: ThingGroupRow;
  thing_group_members: ThingGroupMemberRow;
  certificates: CertificateRow;
  ca_certificates: CaCertificateRow;
  registration_codes: RegistrationCodeRow;
  issuing_cas: IssuingCaRow;
  thing_principals: ThingPrincipalRow;
  policies: PolicyRow;
  policy_versions: PolicyVersionRow;
  policy_targets: PolicyTargetRow;
  logging_options: LoggingOptionsRow;
  role_aliases: RoleAliasRow;
  tags: TagRow;
  lifecycle_events: LifecycleEventRow;
  iam_roles: IamRoleRow;
  iam_identity_pools: IamIdentityPoolRow;
  role_alias_usage: RoleAliasUsageRow;
  registered_crls: RegisteredCrlRow;
  audit_configurations: AuditConfigurationRow;
  audit_tasks: AuditTaskRow;
  audit_task_checks: AuditTaskCheckRow;
  audit_findings: AuditFindingRow;
  audit_suppressions: AuditSuppressionRow;
  scheduled_audits: ScheduledAuditRow;
  outbox: OutboxRow;
  mitigation_actions: MitigationActionRow;
  mitigation_tasks: MitigationTaskRow;
  mitigation_task_findings: MitigationTaskFindingRow;
  mitigation_executions: MitigationExecutionRow;
  dashboard_sessions: DashboardSessionRow;
}

/** Every table holding account data, for /_ddlocal/reset. */
export const ACCOUNT_TABLES: (keyof Database)[] = [
  'things',
  'thing_types',
  'thing_groups',
  'thing_group_members',
  'certificates',
  'ca_certificates',
  'registration_codes',
  'issuing_cas',
  'thing_principals',
  'policies',
  'policy_versions',
  'policy_targets',
  'logging_options',
  'role_aliases',
  'tags',
  'lifecycle_events',
  'iam_roles',
  'iam_identity_pools',
  'role_alias_usage',
  'registered_crls',
  'audit_configurations',
  'audit_tasks',
  'audit_task_checks',
  'audit_findings',
  'audit_suppressions',
  'scheduled_audits',
  'outbox',
  'mitigation_actions',
  'mitigation_tasks',
  'mitigation_task_findings',
  'mitigation_executions',
];
