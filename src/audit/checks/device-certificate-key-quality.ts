// DEVICE_CERTIFICATE_KEY_QUALITY_CHECK: RSA keys of in-scope device certificates tested for ROCA
// (CVE-2017-15361) and against the configured Debian weak-key blocklists (CVE-2008-0166); EC keys cannot be affected.
// One finding per code that applies (docs/decisions.md#a40). The shared rule also serves
// CA_CERTIFICATE_KEY_QUALITY_CHECK.
import { defineAuditCheck, type AuditResource, type CheckContext, type CheckFinding, type CheckResult } from './check.js';
import { isRocaVulnerable } from '../analysis/roca.js';
import { loadWeakKeyBlocklist, weakKeyFingerprint } from '../analysis/weak-keys.js';
import { certificatePages } from './pages.js';
import { countInScopeDeviceCertificates, deviceResource, inScopeDeviceCertificates } from './device-certificate-expiring.js';

/** The reason codes of the key-quality rule, shared with CA_CERTIFICATE_KEY_QUALITY_CHECK. */
export const KEY_QUALITY_CODES = ['CERTIFICATE_KEY_VULNERABILITY_CVE-2017-15361', 'CERTIFICATE_KEY_VULNERABILITY_CVE-2008-0166'] as const;

export function keyQualityFindings(
  rows: { certificate_id: string; rsa_modulus: string | null }[],
  resource: (id: string) => AuditResource,
  blocklistPaths: readonly string[] = [],
): CheckFinding[] {
  const blocklist = loadWeakKeyBlocklist(blocklistPaths);
  const findings: CheckFinding[] = [];
  for (const r of rows) {
    if (!r.rsa_modulus) continue;
    if (isRocaVulnerable(r.rsa_modulus))
      findings.push({
        nonCompliantResource: resource(r.certificate_id),
        reasonForNonComplianceCode: 'CERTIFICATE_KEY_VULNERABILITY_CVE-2017-15361',
        reasonForNonCompliance: 'Certificate key is vulnerable to CVE-2017-15361 (ROCA).',
      });
    if (blocklist.size > 0 && blocklist.has(weakKeyFingerprint(r.rsa_modulus)))
      findings.push({
        nonCompliantResource: resource(r.certificate_id),
        reasonForNonComplianceCode: 'CERTIFICATE_KEY_VULNERABILITY_CVE-2008-0166',
        reasonForNonCompliance: 'Certificate key is a known Debian weak key (CVE-2008-0166).',
      });
  }
  return findings;
}

export const deviceCertificateKeyQualityCheck = defineAuditCheck({
  name: 'DEVICE_CERTIFICATE_KEY_QUALITY_CHECK',
  severity: 'CRITICAL',
  resourceIdentifier: 'deviceCertificateId',
  reasonCodes: KEY_QUALITY_CODES,
  async run(ctx: CheckContext): Promise<CheckResult> {
    // A page at a time: the RSA moduli of a million certificates are half a gigabyte of text.
    const findings: CheckFinding[] = [];
    const pages = certificatePages(inScopeDeviceCertificates(ctx).select(['certificate_id', 'rsa_modulus']).where('key_algorithm', '=', 'RSA'));
    for await (const page of pages) findings.push(...keyQualityFindings(page, deviceResource, ctx.weakKeyBlocklists));
    return { checked: await countInScopeDeviceCertificates(ctx), findings };
  },
});
