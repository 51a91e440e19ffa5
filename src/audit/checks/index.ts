// The check catalogue: every check ddlocal evaluates, by canonical name (audit.md §3). One file per check in this
// folder; each exports one AuditCheck and is listed here.
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

const CHECKS: AuditCheck[] = [
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
];

export const AUDIT_CHECKS: ReadonlyMap<string, AuditCheck> = new Map(CHECKS.map((c) => [c.name, c]));
