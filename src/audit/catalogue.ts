// The 17 check names of audit.md §3, independent of which checks are implemented in ./checks: configuration,
// suppressions and finding filters must know every check even while its evaluator is missing.
import { invalidRequest } from '../wire/errors.js';

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
export function resourceKey(checkName: string, identifier: Record<string, unknown>, accountId?: string): string {
  const member = CHECK_IDENTIFIERS[checkName]!;
  const extra = Object.keys(identifier).filter((k) => k !== member);
  const value = identifier[member];
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
      return `${v.policyName}\u0000${v.policyVersionId}`;
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
