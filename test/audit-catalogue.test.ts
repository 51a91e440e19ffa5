// The check modules (src/audit/checks) against the API model, and the catalogue derived from them: names are unique
// and sorted for DescribeAccountAuditConfiguration, every resource identifier and configuration key is one the model
// has, every configuration key of the model is read by a check, and names and aliases lead to their check only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shape } from '../src/model/model.js';
import { AUDIT_CHECK_LIST, AUDIT_CHECKS } from '../src/audit/checks/index.js';
import {
  canonicalCheckName,
  CHECK_IDENTIFIERS,
  CHECK_NAMES,
  CHECK_REASON_CODES,
  validateCheckConfiguration,
} from '../src/audit/engine/catalogue.js';

test('17 checks, each registered once; the catalogue lists their names in code-point order', () => {
  assert.equal(AUDIT_CHECK_LIST.length, 17);
  assert.equal(AUDIT_CHECKS.size, AUDIT_CHECK_LIST.length, 'a check is registered twice');
  assert.deepEqual(CHECK_NAMES, AUDIT_CHECK_LIST.map((c) => c.name).sort());
  for (const check of AUDIT_CHECK_LIST) {
    assert.equal(CHECK_IDENTIFIERS[check.name], check.resourceIdentifier);
    assert.deepEqual(CHECK_REASON_CODES[check.name], check.reasonCodes);
    assert.ok(check.reasonCodes.length > 0, `${check.name} declares no reason code`);
  }
});

test('resource identifiers and configuration keys are the model’s', () => {
  const identifierMembers = Object.keys(shape('ResourceIdentifier').members!);
  const configNames = shape('ConfigName').enum!;
  for (const check of AUDIT_CHECK_LIST) {
    assert.ok(identifierMembers.includes(check.resourceIdentifier), `${check.name}: ${check.resourceIdentifier}`);
    for (const key of check.configuration ?? []) assert.ok(configNames.includes(key.name), `${check.name}: ${key.name}`);
  }
  const read = AUDIT_CHECK_LIST.flatMap((c) => (c.configuration ?? []).map((k) => k.name));
  assert.deepEqual([...read].sort(), [...configNames].sort(), 'every ConfigName of the model is read by exactly one check');
});

test('names and aliases lead to their check; nothing else does', () => {
  assert.equal(canonicalCheckName('IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK'), 'IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK');
  assert.equal(canonicalCheckName('IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK'), 'IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK');
  for (const name of ['NO_SUCH_CHECK', 'constructor', 'toString', '__proto__']) assert.equal(canonicalCheckName(name), undefined, name);
  const aliases = AUDIT_CHECK_LIST.flatMap((c) => c.aliases ?? []);
  for (const alias of aliases) assert.ok(!CHECK_NAMES.includes(alias), `${alias} is an alias and a check name`);
  assert.equal(new Set(aliases).size, aliases.length, 'an alias names two checks');
});

test('configuration keys: only the check’s own, with values its rule accepts', () => {
  validateCheckConfiguration('DEVICE_CERTIFICATE_AGE_CHECK', { CERT_AGE_THRESHOLD_IN_DAYS: '30' });
  validateCheckConfiguration('DEVICE_CERTIFICATE_EXPIRING_CHECK', { CERT_EXPIRATION_THRESHOLD_IN_DAYS: '3652' });
  assert.throws(
    () => validateCheckConfiguration('DEVICE_CERTIFICATE_AGE_CHECK', { CERT_EXPIRATION_THRESHOLD_IN_DAYS: '60' }),
    { name: 'InvalidRequestException', message: 'Configuration CERT_EXPIRATION_THRESHOLD_IN_DAYS does not apply to DEVICE_CERTIFICATE_AGE_CHECK' },
  );
  assert.throws(() => validateCheckConfiguration('LOGGING_DISABLED_CHECK', { CERT_AGE_THRESHOLD_IN_DAYS: '60' }), /does not apply to LOGGING_DISABLED_CHECK/);
  for (const value of ['29', '3653', '60.5', ' 60', '00060'])
    assert.throws(() => validateCheckConfiguration('DEVICE_CERTIFICATE_EXPIRING_CHECK', { CERT_EXPIRATION_THRESHOLD_IN_DAYS: value }), {
      message: `CERT_EXPIRATION_THRESHOLD_IN_DAYS of DEVICE_CERTIFICATE_EXPIRING_CHECK must be a whole number of days from 30 to 3652, not ${value}`,
    });
});
