// The contract between the audit engine and the 17 checks (audit.md §3–§5). A check reads registry state (and the
// ingested data of §9) through the audit's transaction and returns its findings; the engine owns everything else —
// task state, finding ids and times, storage, statistics, suppressions. Checks never write.
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

/** A `ResourceIdentifier` of the model: exactly the member(s) the resource type uses (audit.md §7.1). */
export type ResourceIdentifier = Record<string, unknown>;

export interface AuditResource {
  resourceType: AuditResourceType;
  resourceIdentifier: ResourceIdentifier;
  /** String → string map (the model's StringMap). */
  additionalInfo?: Record<string, string>;
}

/** What a check reports for one (resource, reason code) [Dec A40]. */
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
  /** The task's start time (epoch ms, ddlocal clock): every check of a task evaluates at this instant (§3.1). */
  now: number;
  /** The account's check configuration (`configuration` map of the check's AuditCheckConfiguration), e.g.
   *  `{ CERT_EXPIRATION_THRESHOLD_IN_DAYS: '30' }`; empty when none is set. */
  configuration: Record<string, string>;
  /** For a scheduled audit, the start of the same schedule's previous run: the connection checks read only the
   *  events since then (§4.4). Undefined for on-demand audits and a schedule's first run. */
  previousRunStart?: number;
}

export interface CheckResult {
  /** `totalResourcesCount` (§3.1): the resources examined. */
  checked: number;
  findings: CheckFinding[];
}

export interface AuditCheck {
  /** Canonical wire name, e.g. 'DEVICE_CERTIFICATE_EXPIRING_CHECK'. */
  name: string;
  severity: AuditSeverity;
  run(ctx: CheckContext): Promise<CheckResult>;
}
