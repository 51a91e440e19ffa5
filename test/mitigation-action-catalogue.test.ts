// The action type modules (src/mitigation/actions) against the API model and the check catalogue: the model's every
// action type has exactly one module, selected by the model's own ActionParams member, and the tables derived from
// the modules — the params member of each type, which checks each type may act on — are the ones ddlocal serves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shape } from '../src/model/model.js';
import { ACTION_IMPLEMENTATIONS, ACTION_TYPES, actionTypeAllowed, PARAMS_MEMBER } from '../src/mitigation/actions/index.js';
import { CHECK_NAMES } from '../src/audit/engine/catalogue.js';

test('one module per MitigationActionType of the model, each selected by its own MitigationActionParams member', () => {
  assert.deepEqual(ACTION_TYPES.map((m) => m.type).sort(), [...shape('MitigationActionType').enum!].sort());
  assert.deepEqual(ACTION_TYPES.map((m) => m.paramsMember).sort(), Object.keys(shape('MitigationActionParams').members!).sort());
  assert.equal(ACTION_IMPLEMENTATIONS.size, ACTION_TYPES.length, 'a type is registered twice');
  for (const m of ACTION_TYPES) assert.equal(PARAMS_MEMBER[m.type], m.paramsMember);
});

test('every check a module names is in the catalogue', () => {
  for (const m of ACTION_TYPES)
    if (m.appliesTo !== 'EVERY_CHECK') for (const check of m.appliesTo) assert.ok(CHECK_NAMES.includes(check), `${m.type}: ${check}`);
});

test('which action types each check accepts', () => {
  const device = ['UPDATE_DEVICE_CERTIFICATE', 'ADD_THINGS_TO_THING_GROUP', 'PUBLISH_FINDING_TO_SNS'];
  const ca = ['UPDATE_CA_CERTIFICATE', 'PUBLISH_FINDING_TO_SNS'];
  const policy = ['REPLACE_DEFAULT_POLICY_VERSION', 'PUBLISH_FINDING_TO_SNS'];
  const snsOnly = ['PUBLISH_FINDING_TO_SNS'];
  const expected: Record<string, string[]> = {
    AUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK: snsOnly,
    CA_CERTIFICATE_EXPIRING_CHECK: ca,
    CA_CERTIFICATE_KEY_QUALITY_CHECK: ca,
    CONFLICTING_CLIENT_IDS_CHECK: snsOnly,
    DEVICE_CERTIFICATE_AGE_CHECK: device,
    DEVICE_CERTIFICATE_EXPIRING_CHECK: device,
    DEVICE_CERTIFICATE_KEY_QUALITY_CHECK: device,
    DEVICE_CERTIFICATE_SHARED_CHECK: device,
    INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK: device,
    IOT_POLICY_OVERLY_PERMISSIVE_CHECK: policy,
    IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK: policy,
    IOT_ROLE_ALIAS_ALLOWS_ACCESS_TO_UNUSED_SERVICES_CHECK: snsOnly,
    IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK: snsOnly,
    LOGGING_DISABLED_CHECK: ['ENABLE_IOT_LOGGING', 'PUBLISH_FINDING_TO_SNS'],
    REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK: ca,
    REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK: device,
    UNAUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK: snsOnly,
  };
  const types = ACTION_TYPES.map((m) => m.type);
  const actual = Object.fromEntries(CHECK_NAMES.map((check) => [check, types.filter((t) => actionTypeAllowed(check, t))]));
  assert.deepEqual(actual, expected);
  assert.equal(actionTypeAllowed('LOGGING_DISABLED_CHECK', 'NO_SUCH_TYPE'), false);
});
