// The check catalogue: the names and their aliases, resource identifiers, reason codes and configuration rules of
// every check, derived from the check modules listed in ../checks/index.ts. Configuration, suppressions, finding
// filters and mitigation validate against it. What is not a property of one check stays here: how each kind of
// resource identifier becomes a suppression key.
import { invalidRequest } from '../../kernel/errors.js';
import { AUDIT_CHECK_LIST } from '../checks/index.js';
import type { IdentifierMember } from '../checks/check.js';

export type { IdentifierMember } from '../checks/check.js';

const BY_NAME = new Map(AUDIT_CHECK_LIST.map((check) => [check.name as string, check]));

export const CHECK_IDENTIFIERS: Readonly<Record<string, IdentifierMember>> = Object.fromEntries(
  AUDIT_CHECK_LIST.map((check) => [check.name, check.resourceIdentifier]),
);

/** Canonical names in alphabetical (code-point) order, as DescribeAccountAuditConfiguration lists them
 *  (docs/decisions.md#a2). */
export const CHECK_NAMES: readonly string[] = Object.keys(CHECK_IDENTIFIERS).sort();

/** The reason codes each check can report; a mitigation reason-code filter may only name these
 *  (docs/decisions.md#m22). */
export const CHECK_REASON_CODES: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  AUDIT_CHECK_LIST.map((check) => [check.name, check.reasonCodes]),
);

/** Alternative spelling → canonical name. A Map, so that a name such as "constructor" finds nothing inherited. */
const ALIASES = new Map<string, string>(AUDIT_CHECK_LIST.flatMap((check) => (check.aliases ?? []).map((alias) => [alias, check.name])));

/** The canonical name of a check name or alias; undefined for anything else. */
export function canonicalCheckName(name: string): string | undefined {
  if (Object.hasOwn(CHECK_IDENTIFIERS, name)) return name;
  return ALIASES.get(name);
}

/** Like canonicalCheckName, but an unknown name is InvalidRequestException naming it. */
export function requireCheckName(name: string, where = 'checkName'): string {
  const canonical = canonicalCheckName(name);
  if (!canonical) throw invalidRequest(`${where} ${name} is not an audit check known to ddlocal`);
  return canonical;
}

/** Validates a targetCheckNames list (docs/decisions.md#a1, #a31); returns canonical names in the caller's order. */
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

/** Certificate ids match case-insensitively and without a 0x prefix (docs/decisions.md#a30). */
function normaliseCertificateId(id: string): string {
  const lower = id.toLowerCase();
  return lower.startsWith('0x') ? lower.slice(2) : lower;
}

/**
 * The suppression key of a resource identifier for a check (docs/decisions.md#a30): exactly the check's identifier
 * member must be present (anything else → InvalidRequestException when `strict`). `accountId` is the caller's
 * account, which an `account` identifier must name.
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

/**
 * Refuses a check's configuration map unless every key is one the check reads, with a value its rule accepts
 * (UpdateAccountAuditConfiguration; `checkName` canonical).
 */
export function validateCheckConfiguration(checkName: string, configuration: Record<string, string>): void {
  const keys = BY_NAME.get(checkName)?.configuration ?? [];
  for (const [key, value] of Object.entries(configuration)) {
    const rule = keys.find((k) => k.name === key);
    if (!rule) throw invalidRequest(`Configuration ${key} does not apply to ${checkName}`);
    const problem = rule.problem(value);
    if (problem !== undefined) throw invalidRequest(`${key} of ${checkName} ${problem}`);
  }
}
