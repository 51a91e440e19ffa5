// The audit checks: one module each in this folder, registered by one line in AUDIT_CHECK_LIST below. The catalogue
// (../engine/catalogue.ts) derives the check names, resource identifiers, reason codes and configuration rules from
// this list (docs/recipes/add-an-audit-check.md).
import type { AuditCheck } from './check.js';
import { loggingDisabledCheck } from './logging-disabled.js';
import { iotPolicyOverlyPermissiveCheck } from './iot-policy-overly-permissive.js';
import { iotPolicyPotentialMisConfigurationCheck } from './iot-policy-potential-mis-configuration.js';
import { caCertificateExpiringCheck } from './ca-certificate-expiring.js';
import { deviceCertificateExpiringCheck } from './device-certificate-expiring.js';
import { deviceCertificateAgeCheck } from './device-certificate-age.js';
import { caCertificateKeyQualityCheck } from './ca-certificate-key-quality.js';
import { deviceCertificateKeyQualityCheck } from './device-certificate-key-quality.js';
import { revokedDeviceCertificateStillActiveCheck } from './revoked-device-certificate-still-active.js';
import { revokedCaCertificateStillActiveCheck } from './revoked-ca-certificate-still-active.js';
import { intermediateCaRevokedForActiveDeviceCertificatesCheck } from './intermediate-ca-revoked-for-active-device-certificates.js';
import { deviceCertificateSharedCheck } from './device-certificate-shared.js';
import { conflictingClientIdsCheck } from './conflicting-client-ids.js';
import { authenticatedCognitoRoleOverlyPermissiveCheck } from './authenticated-cognito-role-overly-permissive.js';
import { unauthenticatedCognitoRoleOverlyPermissiveCheck } from './unauthenticated-cognito-role-overly-permissive.js';
import { iotRoleAliasOverlyPermissiveCheck } from './iot-role-alias-overly-permissive.js';
import { iotRoleAliasAllowsAccessToUnusedServicesCheck } from './iot-role-alias-allows-access-to-unused-services.js';

export const AUDIT_CHECK_LIST = [
  loggingDisabledCheck,
  iotPolicyOverlyPermissiveCheck,
  iotPolicyPotentialMisConfigurationCheck,
  caCertificateExpiringCheck,
  deviceCertificateExpiringCheck,
  deviceCertificateAgeCheck,
  caCertificateKeyQualityCheck,
  deviceCertificateKeyQualityCheck,
  revokedDeviceCertificateStillActiveCheck,
  revokedCaCertificateStillActiveCheck,
  intermediateCaRevokedForActiveDeviceCertificatesCheck,
  deviceCertificateSharedCheck,
  conflictingClientIdsCheck,
  authenticatedCognitoRoleOverlyPermissiveCheck,
  unauthenticatedCognitoRoleOverlyPermissiveCheck,
  iotRoleAliasOverlyPermissiveCheck,
  iotRoleAliasAllowsAccessToUnusedServicesCheck,
] as const;

/** The canonical name of every check, as a type: lists of check names elsewhere (mitigation) are checked against it. */
export type AuditCheckName = (typeof AUDIT_CHECK_LIST)[number]['name'];

/** The checks by canonical name; the engine looks up the check to run here. */
export const AUDIT_CHECKS: ReadonlyMap<string, AuditCheck> = new Map(AUDIT_CHECK_LIST.map((c) => [c.name, c]));
