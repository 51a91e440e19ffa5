// The 17 check names of audit.md §3, independent of which checks are implemented in ./checks: configuration,
// suppressions and finding filters must know every check even while its evaluator is missing.
import { invalidRequest } from '../../kernel/errors.js';

/** The ResourceIdentifier member a check's non-compliant resources use (audit.md §8.1). */
export type IdentifierMember =
  | 'deviceCertificateId'
  | 'caCertificateId'
  | 'policyVersionIdentifier'
  | 'cognitoIdentityPoolId'
  | 'clientId'
  | 'roleAliasArn'
  | 'account'
  | 'issuerCertificateIdentifier';

export const CHECK_IDENTIFIERS: Readonly<Record<string, IdentifierMember>> = {
  AUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK: 'cognitoIdentityPoolId',
  CA_CERTIFICATE_EXPIRING_CHECK: 'caCertificateId',
  CA_CERTIFICATE_KEY_QUALITY_CHECK: 'caCertificateId',
  CONFLICTING_CLIENT_IDS_CHECK: 'clientId',
  DEVICE_CERTIFICATE_AGE_CHECK: 'deviceCertificateId',
  DEVICE_CERTIFICATE_EXPIRING_CHECK: 'deviceCertificateId',
  DEVICE_CERTIFICATE_KEY_QUALITY_CHECK: 'deviceCertificateId',
  DEVICE_CERTIFICATE_SHARED_CHECK: 'deviceCertificateId',
  INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK: 'issuerCertificateIdentifier',
  IOT_POLICY_OVERLY_PERMISSIVE_CHECK: 'policyVersionIdentifier',
  IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK: 'policyVersionIdentifier',
  IOT_ROLE_ALIAS_ALLOWS_ACCESS_TO_UNUSED_SERVICES_CHECK: 'roleAliasArn',
  IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK: 'roleAliasArn',
  LOGGING_DISABLED_CHECK: 'account',
  REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK: 'caCertificateId',
  REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK: 'deviceCertificateId',
  UNAUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK: 'cognitoIdentityPoolId',
};

/** Canonical names in alphabetical (code-point) order, as DescribeAccountAuditConfiguration lists them [Dec A2]. */
export const CHECK_NAMES: readonly string[] = Object.keys(CHECK_IDENTIFIERS).sort();

/** The one accepted alternative spelling [Dec A1]. */
const ALIASES: Readonly<Record<string, string>> = {
  IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK: 'IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK',
};

/** The canonical name of a check name or alias; undefined for anything else. */
export function canonicalCheckName(name: string): string | undefined {
  if (Object.hasOwn(CHECK_IDENTIFIERS, name)) return name;
  return ALIASES[name];
}

/** Like canonicalCheckName, but an unknown name is InvalidRequestException naming it. */
export function requireCheckName(name: string, where = 'checkName'): string {
  const canonical = canonicalCheckName(name);
  if (!canonical) throw invalidRequest(`${where} ${name} is not an audit check known to ddlocal`);
  return canonical;
}

/** Validates a targetCheckNames list [Dec A1, A31] and returns the canonical names in the caller's order. */
export function canonicalTargetChecks(names: string[]): string[] {
  if (names.length === 0) throw invalidRequest('targetCheckNames must name at least one audit check');
  const seen = new Set<string>();
  return names.map((name) => {
    const canonical = requireCheckName(name, 'Target check');
    if (seen.has(canonical)) throw invalidRequest(`targetCheckNames lists ${name} more than once`);
    seen.add(canonical);
    return canonical;
  });
}

/** Certificate ids match case-insensitively and without a 0x prefix [Dec A30]. */
function normaliseCertificateId(id: string): string {
  const lower = id.toLowerCase();
  return lower.startsWith('0x') ? lower.slice(2) : lower;
}

/**
 * The suppression key of a resource identifier for a check [Dec A30]: exactly the check's identifier member must be
 * present (anything else → InvalidRequestException when `strict`). `accountId` is the caller's account, which an
 * `account` identifier must name.
 */
export function resourceKey(checkName: string, identifier: object, accountId?: string): string {
  const member = CHECK_IDENTIFIERS[checkName]!;
  const extra = Object.keys(identifier).filter((k) => k !== member);
  const value: unknown = (identifier as Record<string, unknown>)[member];
  if (value === undefined || extra.length > 0)
    throw invalidRequest(
      `resourceIdentifier for ${checkName} must contain exactly ${member}${extra.length ? `, not ${extra.join(', ')}` : ''}`,
    );
  switch (member) {
    case 'deviceCertificateId':
    case 'caCertificateId':
      return normaliseCertificateId(String(value));
    case 'policyVersionIdentifier': {
      const v = value as { policyName?: string; policyVersionId?: string };
      if (v.policyName === undefined || v.policyVersionId === undefined)
        throw invalidRequest('policyVersionIdentifier needs both policyName and policyVersionId');
      // '/' cannot occur in a policy name ([\w+=,.@-]+) or a version id, so the key is unambiguous; a NUL separator
      // would be refused by PostgreSQL text columns.
      return `${v.policyName}/${v.policyVersionId}`;
    }
    case 'issuerCertificateIdentifier': {
      const v = value as { issuerId?: string };
      if (v.issuerId === undefined) throw invalidRequest('issuerCertificateIdentifier needs issuerId');
      return normaliseCertificateId(v.issuerId);
    }
    case 'account':
      if (accountId !== undefined && value !== accountId)
        throw invalidRequest(`resourceIdentifier account ${String(value)} is not the caller's account ${accountId}`);
      return String(value);
    default:
      return String(value);
  }
}

const ADMIN_CODES = [
  'ALLOWS_BROAD_ACCESS_TO_IOT_THING_ADMIN_READ_ACTIONS',
  'ALLOWS_ACCESS_TO_IOT_NON_THING_ADMIN_ACTIONS',
  'ALLOWS_ACCESS_TO_IOT_THING_ADMIN_WRITE_ACTIONS',
];
const EXPIRATION_CODES = ['CERTIFICATE_APPROACHING_EXPIRATION', 'CERTIFICATE_PAST_EXPIRATION'];
const KEY_QUALITY_CODES = ['CERTIFICATE_KEY_VULNERABILITY_CVE-2017-15361', 'CERTIFICATE_KEY_VULNERABILITY_CVE-2008-0166'];
const DATA_PLANE = 'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS';

/** The reason codes each check can report (audit.md §3); a mitigation reason-code filter may only name these [Dec M22]. */
export const CHECK_REASON_CODES: Readonly<Record<string, readonly string[]>> = {
  AUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK: [...ADMIN_CODES, DATA_PLANE],
  UNAUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK: ['ALLOWS_ACCESS_TO_IOT_ADMIN_ACTIONS', DATA_PLANE],
  CA_CERTIFICATE_EXPIRING_CHECK: EXPIRATION_CODES,
  CA_CERTIFICATE_KEY_QUALITY_CHECK: KEY_QUALITY_CODES,
  CONFLICTING_CLIENT_IDS_CHECK: ['DUPLICATE_CLIENT_ID_ACROSS_CONNECTIONS'],
  DEVICE_CERTIFICATE_EXPIRING_CHECK: EXPIRATION_CODES,
  DEVICE_CERTIFICATE_KEY_QUALITY_CHECK: KEY_QUALITY_CODES,
  DEVICE_CERTIFICATE_SHARED_CHECK: ['CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES'],
  DEVICE_CERTIFICATE_AGE_CHECK: ['CERTIFICATE_PAST_AGE_THRESHOLD'],
  INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK: ['INTERMEDIATE_CA_REVOKED_BY_ISSUER'],
  IOT_POLICY_OVERLY_PERMISSIVE_CHECK: [DATA_PLANE],
  IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK: [
    'POLICY_CONTAINS_MQTT_WILDCARDS_IN_DENY_STATEMENT',
    'TOPIC_FILTERS_INTENDED_TO_DENY_ALLOWED_USING_WILDCARDS',
  ],
  IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK: [
    'ALLOWS_BROAD_ACCESS_TO_USED_SERVICES',
    'ALLOWS_ACCESS_TO_SECURITY_AUDITING_SERVICES',
    ...ADMIN_CODES,
    DATA_PLANE,
  ],
  IOT_ROLE_ALIAS_ALLOWS_ACCESS_TO_UNUSED_SERVICES_CHECK: ['ALLOWS_ACCESS_TO_UNUSED_SERVICES'],
  LOGGING_DISABLED_CHECK: ['LOGGING_DISABLED'],
  REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK: ['CERTIFICATE_REVOKED_BY_ISSUER'],
  REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK: ['CERTIFICATE_REVOKED_BY_ISSUER'],
};

const DEVICE_ACTIONS = ['UPDATE_DEVICE_CERTIFICATE', 'ADD_THINGS_TO_THING_GROUP'];
const CA_ACTIONS = ['UPDATE_CA_CERTIFICATE'];
const POLICY_ACTIONS = ['REPLACE_DEFAULT_POLICY_VERSION'];

/**
 * The mitigation action types each check accepts besides PUBLISH_FINDING_TO_SNS, which every check accepts
 * (mitigation.md §4, Dec M1, M12).
 */
export const CHECK_ACTION_TYPES: Readonly<Record<string, readonly string[]>> = {
  REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK: CA_ACTIONS,
  CA_CERTIFICATE_EXPIRING_CHECK: CA_ACTIONS,
  CA_CERTIFICATE_KEY_QUALITY_CHECK: CA_ACTIONS,
  INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK: DEVICE_ACTIONS,
  DEVICE_CERTIFICATE_SHARED_CHECK: DEVICE_ACTIONS,
  DEVICE_CERTIFICATE_EXPIRING_CHECK: DEVICE_ACTIONS,
  REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK: DEVICE_ACTIONS,
  DEVICE_CERTIFICATE_KEY_QUALITY_CHECK: DEVICE_ACTIONS,
  DEVICE_CERTIFICATE_AGE_CHECK: DEVICE_ACTIONS,
  IOT_POLICY_OVERLY_PERMISSIVE_CHECK: POLICY_ACTIONS,
  IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK: POLICY_ACTIONS,
  LOGGING_DISABLED_CHECK: ['ENABLE_IOT_LOGGING'],
};

export function actionTypeAllowed(checkName: string, actionType: string): boolean {
  return actionType === 'PUBLISH_FINDING_TO_SNS' || (CHECK_ACTION_TYPES[checkName] ?? []).includes(actionType);
}
