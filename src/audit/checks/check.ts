// The contract between the audit engine and the checks. A check reads registry state (and ingested data) through the
// audit's transaction and returns its findings; the engine owns everything else — task state, finding ids and times,
// storage, statistics, suppressions. Checks never write.
//
// Each check is one module in this folder that declares everything ddlocal needs to know about it (an AuditCheck);
// ./index.ts lists the modules, and the catalogue (../engine/catalogue.ts) derives the check names, resource
// identifiers, reason codes and configuration rules from that list. docs/recipes/add-an-audit-check.md walks through
// adding one.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../store/schema.js';

/** The wire `ResourceType` enum of the model. */
export type AuditResourceType =
  | 'DEVICE_CERTIFICATE'
  | 'CA_CERTIFICATE'
  | 'IOT_POLICY'
  | 'COGNITO_IDENTITY_POOL'
  | 'CLIENT_ID'
  | 'ACCOUNT_SETTINGS'
  | 'ROLE_ALIAS'
  | 'IAM_ROLE'
  | 'ISSUER_CERTIFICATE';

export type AuditSeverity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';

/** A `ResourceIdentifier` of the model: exactly the member(s) the resource type uses. */
export type ResourceIdentifier = Record<string, unknown>;

export interface AuditResource {
  resourceType: AuditResourceType;
  resourceIdentifier: ResourceIdentifier;
  /** String → string map (the model's StringMap). */
  additionalInfo?: Record<string, string>;
}

/** What a check reports for one (resource, reason code) (docs/decisions.md#a40). */
export interface CheckFinding {
  nonCompliantResource: AuditResource;
  /** At most 10. */
  relatedResources?: AuditResource[];
  reasonForNonComplianceCode: string;
  reasonForNonCompliance: string;
}

/** Server settings some checks depend on; a check run without them gets the defaults noted here. */
export interface CheckSettings {
  /** openssl-blacklist files for the CVE-2008-0166 key test; none (the default): that test is inactive. */
  weakKeyBlocklists?: readonly string[];
  /** Whether CRL distribution points with file: URLs are read; default true. */
  crlFileUrls?: boolean;
}

export interface CheckContext extends CheckSettings {
  /** The audit's database handle: read-only use. */
  db: Kysely<Database> | Transaction<Database>;
  accountId: string;
  region: string;
  /** The task's start time (epoch ms, ddlocal clock): every check of a task evaluates at this instant
   *  (docs/decisions.md#a18). */
  now: number;
  /** The account's check configuration (`configuration` map of the check's AuditCheckConfiguration), e.g.
   *  `{ CERT_EXPIRATION_THRESHOLD_IN_DAYS: '30' }`; empty when none is set. */
  configuration: Record<string, string>;
  /** For a scheduled audit, the start of the same schedule's previous run: the connection checks read only the
   *  events since then. Undefined for on-demand audits and a schedule's first run. */
  previousRunStart?: number;
}

export interface CheckResult {
  /** `totalResourcesCount`: the resources examined. */
  checked: number;
  /**
   * Iterated once, after run() has resolved and outside its transaction, while the engine stores the findings in
   * bounded batches: an array, or — for a check with a finding per row of a large table — findingsOf(rows, …), which
   * makes each finding only when it is stored. Iterating must not read the database.
   */
  findings: Iterable<CheckFinding>;
}

/**
 * The findings of `rows`, one per row, made one at a time as they are iterated. A million findings of a large fleet
 * then never exist in memory together, only the rows the check read (docs/benchmarks.md, "Audit of 1,000,000
 * certificates"). It can be iterated more than once.
 */
export function findingsOf<Row>(rows: readonly Row[], toFinding: (row: Row) => CheckFinding): Iterable<CheckFinding> {
  return {
    *[Symbol.iterator]() {
      for (const row of rows) yield toFinding(row);
    },
  };
}

/** The ResourceIdentifier member a check's non-compliant resources use. */
export type IdentifierMember =
  | 'deviceCertificateId'
  | 'caCertificateId'
  | 'policyVersionIdentifier'
  | 'cognitoIdentityPoolId'
  | 'clientId'
  | 'roleAliasArn'
  | 'account'
  | 'issuerCertificateIdentifier';

/** A key of a check's `configuration` map (UpdateAccountAuditConfiguration), with its rule for values. */
export interface ConfigurationKey {
  /** The key as sent, e.g. 'CERT_AGE_THRESHOLD_IN_DAYS'; the model's ConfigName enum must list it. */
  name: string;
  /** Why `value` is refused, completing "<key> of <check> …"; undefined when it is accepted. */
  problem(value: string): string | undefined;
}

export interface AuditCheck<Name extends string = string> {
  /** Canonical wire name, e.g. 'DEVICE_CERTIFICATE_EXPIRING_CHECK'. */
  name: Name;
  /** Other spellings callers may use for the name (AWS accepts them too); they mean this check wherever a check name
   *  is accepted, and responses use the canonical name. */
  aliases?: readonly string[];
  severity: AuditSeverity;
  /**
   * The one ResourceIdentifier member of the findings' nonCompliantResource: suppressions and finding filters must
   * name a resource of the check by exactly this member.
   */
  resourceIdentifier: IdentifierMember;
  /** Every reasonForNonComplianceCode the check can report, in the order error messages list them. */
  reasonCodes: readonly string[];
  /** The configuration keys the check reads; any other key is refused for it. Absent: the check takes none. */
  configuration?: readonly ConfigurationKey[];
  run(ctx: CheckContext): Promise<CheckResult>;
}

/** Identity, but keeps the check name as a literal type, so the list of checks can derive the union of names. */
export function defineAuditCheck<const Name extends string>(check: AuditCheck<Name>): AuditCheck<Name> {
  return check;
}
