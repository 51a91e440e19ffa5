// Cognito and role-alias checks (docs/decisions.md#a15): the classification table C1–C9 below as unit tests (rows
// C1–C7 are the examples of AWS's Cognito check pages; C8 is docs/decisions.md#a25), then the four checks over data
// ingested through the real server (IAM store, lifecycle events, role-alias usage) on both stores.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleAliasCommand } from '@aws-sdk/client-iot';
import { forEachStore, type TestServer } from './helpers/server.js';
import { allowStatements, iotRoleViolations, broadDataPlaneActions, type RoleCode } from '../src/audit/analysis/iam-analysis.js';
import { authenticatedCognitoRoleOverlyPermissiveCheck as authCheck } from '../src/audit/checks/authenticated-cognito-role-overly-permissive.js';
import { unauthenticatedCognitoRoleOverlyPermissiveCheck as unauthCheck } from '../src/audit/checks/unauthenticated-cognito-role-overly-permissive.js';
import { iotRoleAliasOverlyPermissiveCheck as aliasCheck } from '../src/audit/checks/iot-role-alias-overly-permissive.js';
import { iotRoleAliasAllowsAccessToUnusedServicesCheck as unusedCheck } from '../src/audit/checks/iot-role-alias-allows-access-to-unused-services.js';
import { AUDIT_CHECKS } from '../src/audit/checks/index.js';
import type { AuditCheck } from '../src/audit/checks/check.js';
import { evaluated } from './helpers/check-results.js';

const R = 'arn:aws:iot:us-east-1:123456789012:';
const AUTH_CODES: RoleCode[] = [
  'ALLOWS_BROAD_ACCESS_TO_IOT_THING_ADMIN_READ_ACTIONS',
  'ALLOWS_ACCESS_TO_IOT_NON_THING_ADMIN_ACTIONS',
  'ALLOWS_ACCESS_TO_IOT_THING_ADMIN_WRITE_ACTIONS',
  'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS',
];
const UNAUTH_CODES: RoleCode[] = ['ALLOWS_ACCESS_TO_IOT_ADMIN_ACTIONS', 'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS'];
const allow = (Action: string | string[], Resource: string | string[]) => [{ Statement: [{ Effect: 'Allow', Action, Resource }] }];
const codes = async (policies: unknown[], which: RoleCode[]) => (await iotRoleViolations(allowStatements(policies), which)).map((v) => v.code).sort();

const TABLE: [string, RoleCode[], unknown[], RoleCode[]][] = [
  ['C1', AUTH_CODES, allow('iot:DescribeThing', `${R}thing/MyThing`), []],
  ['C2', AUTH_CODES, allow('iot:DescribeThing', `${R}thing/MyThing*`), []],
  ['C3', AUTH_CODES, allow('iot:DescribeThing', `${R}thing/*`), ['ALLOWS_BROAD_ACCESS_TO_IOT_THING_ADMIN_READ_ACTIONS']],
  ['C4', AUTH_CODES, allow('iot:CreateThing', `${R}thing/MyThing`), ['ALLOWS_ACCESS_TO_IOT_THING_ADMIN_WRITE_ACTIONS']],
  ['C5', AUTH_CODES, allow('iot:CreatePolicy', '*'), ['ALLOWS_ACCESS_TO_IOT_NON_THING_ADMIN_ACTIONS']],
  ['C6', UNAUTH_CODES, allow('iot:DescribeThing', `${R}thing/MyThing`), ['ALLOWS_ACCESS_TO_IOT_ADMIN_ACTIONS']],
  ['C7', UNAUTH_CODES, allow('iot:Subscribe', `${R}topicfilter/$aws/things/*`), ['ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS']],
  ['C8', AUTH_CODES, allow('iot:Publish', `${R}topic/$aws/things/*/shadow/update`), ['ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS']],
  ['C9', AUTH_CODES, allow('iot:*', '*'), [...AUTH_CODES].sort()],
];

for (const [row, which, policies, expected] of TABLE)
  test(`§4.5 ${row}`, async () => assert.deepEqual(await codes(policies, which), [...expected].sort()));

test('data-plane breadth: device-bound variables, attached-bound connect, case-insensitive actions, NotResource', () => {
  const V = '${iot:Connection.Thing.ThingName}';
  assert.deepEqual(broadDataPlaneActions(allowStatements(allow('iot:publish', `${R}topic/$aws/things/${V}/shadow/*`))), []);
  assert.deepEqual(broadDataPlaneActions(allowStatements(allow('iot:Connect', `${R}client/${V}`))), ['iot:Connect']);
  const attached = [{ Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: `${R}client/${V}`, Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } } }] }];
  assert.deepEqual(broadDataPlaneActions(allowStatements(attached)), []);
  assert.deepEqual(broadDataPlaneActions(allowStatements([{ Statement: { Effect: 'Allow', Action: 'iot:Connect', NotResource: `${R}client/a` } }])), ['iot:Connect']);
  assert.deepEqual(broadDataPlaneActions(allowStatements(allow('iot:Subscribe', `${R}topicfilter/building/+`))), []);
  // Deny never cancels an Allow.
  const denied = [{ Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }, { Effect: 'Deny', Action: 'iot:Connect', Resource: '*' }] }];
  assert.deepEqual(broadDataPlaneActions(allowStatements(denied)), ['iot:Connect']);
});

const ACCOUNT = '123456789012';
const POOL = 'us-east-1:11111111-2222-4333-8444-555555555555';
const POOL2 = 'us-east-1:aaaaaaaa-2222-4333-8444-555555555555';
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

forEachStore('Cognito and role-alias checks', (suite) => {
  let server: TestServer;
  const call = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `AWS4-HMAC-SHA256 Credential=${ACCOUNT}/20300101/us-east-1/iot/aws4_request, SignedHeaders=host, Signature=x` },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, await res.text());
  };
  const run = (check: AuditCheck) =>
    server.store.transaction((db) => check.run({ db, accountId: ACCOUNT, region: 'us-east-1', now: server.clock.now(), configuration: {} })).then(evaluated);
  before(() => ({ server } = suite));

  test('catalogued with their severities', () => {
    assert.equal(AUDIT_CHECKS.get(authCheck.name)?.severity, 'CRITICAL');
    assert.equal(AUDIT_CHECKS.get(unauthCheck.name)?.severity, 'CRITICAL');
    assert.equal(AUDIT_CHECKS.get(aliasCheck.name)?.severity, 'CRITICAL');
    assert.equal(AUDIT_CHECKS.get(unusedCheck.name)?.severity, 'MEDIUM');
  });

  test('Cognito: no connected pools → 0 examined; a connected pool missing from the IAM store → DATA_UNAVAILABLE', async () => {
    assert.deepEqual(await run(authCheck), { checked: 0, findings: [] });
    const now = server.clock.now();
    await call('POST', '/_ddlocal/lifecycle-events', [
      { clientId: 'app-1', timestamp: now - 1000, eventType: 'connected', sessionIdentifier: 'c1', principalIdentifier: 'us-east-1:identity-1', identityPoolId: POOL, authenticated: true },
      { clientId: 'app-2', timestamp: now - 1000, eventType: 'connected', sessionIdentifier: 'c2', principalIdentifier: 'us-east-1:identity-2', identityPoolId: POOL2, authenticated: false },
    ]);
    await assert.rejects(run(authCheck), (err: any) => err.errorCode === 'DATA_UNAVAILABLE' && err.message.includes(POOL));
    await call('PUT', `/_ddlocal/iam/identity-pools/${POOL}`, { authenticatedRoleArn: roleArn('cog-auth'), unauthenticatedRoleArn: roleArn('cog-unauth') });
    await call('PUT', `/_ddlocal/iam/identity-pools/${POOL2}`, { authenticatedRoleArn: roleArn('cog-auth'), unauthenticatedRoleArn: roleArn('cog-unauth') });
    await assert.rejects(run(authCheck), (err: any) => err.errorCode === 'DATA_UNAVAILABLE' && err.message.includes(roleArn('cog-auth')));
  });

  test('Cognito: authenticated role C3 + C4 → two findings on the pool; unauthenticated C6 → one', async () => {
    await call('PUT', '/_ddlocal/iam/roles/cog-auth', {
      policies: [{ Statement: [{ Effect: 'Allow', Action: ['iot:DescribeThing', 'iot:CreateThing'], Resource: `${R}thing/*` }] }],
    });
    await call('PUT', '/_ddlocal/iam/roles/cog-unauth', { policies: allow('iot:DescribeThing', `${R}thing/MyThing`) });
    const auth = await run(authCheck);
    // Only POOL had an authenticated identity connect.
    assert.equal(auth.checked, 1);
    assert.deepEqual(auth.findings.map((f) => f.reasonForNonComplianceCode).sort(), [
      'ALLOWS_ACCESS_TO_IOT_THING_ADMIN_WRITE_ACTIONS',
      'ALLOWS_BROAD_ACCESS_TO_IOT_THING_ADMIN_READ_ACTIONS',
    ]);
    const f = auth.findings[0]!;
    assert.deepEqual(f.nonCompliantResource, { resourceType: 'COGNITO_IDENTITY_POOL', resourceIdentifier: { cognitoIdentityPoolId: POOL } });
    assert.deepEqual(f.relatedResources, [{ resourceType: 'IAM_ROLE', resourceIdentifier: { iamRoleArn: roleArn('cog-auth') } }]);
    assert.match(f.reasonForNonCompliance, new RegExp(`^Role ${roleArn('cog-auth')} allows .*: \\[iot:`));
    const unauth = await run(unauthCheck);
    assert.equal(unauth.checked, 1);
    assert.deepEqual(unauth.findings.map((x) => [x.nonCompliantResource.resourceIdentifier, x.reasonForNonComplianceCode]), [
      [{ cognitoIdentityPoolId: POOL2 }, 'ALLOWS_ACCESS_TO_IOT_ADMIN_ACTIONS'],
    ]);
  });

  test('role aliases: missing role → DATA_UNAVAILABLE; broad, auditing, IoT and unused-service findings', async () => {
    const iot = server.iot();
    await iot.send(new CreateRoleAliasCommand({ roleAlias: 'cam', roleArn: roleArn('cam-role') }));
    await assert.rejects(run(aliasCheck), (err: any) => err.errorCode === 'DATA_UNAVAILABLE' && err.message.includes('cam-role'));
    await assert.rejects(run(unusedCheck), (err: any) => err.errorCode === 'DATA_UNAVAILABLE');
    await call('PUT', '/_ddlocal/iam/roles/cam-role', {
      policies: [{ Statement: [
        { Effect: 'Allow', Action: ['s3:*', 'kinesisvideo:PutMedia', 'iam:PassRole'], Resource: '*' },
        { Effect: 'Allow', Action: 'iot:Connect', Resource: `${R}client/*` },
      ] }],
    });
    // No recorded use: nothing is "used", so no broad-used finding, and every granted service is unused.
    let result = await run(aliasCheck);
    assert.equal(result.checked, 1);
    assert.deepEqual(result.findings.map((f) => f.reasonForNonComplianceCode), [
      'ALLOWS_ACCESS_TO_SECURITY_AUDITING_SERVICES',
      'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS',
    ]);
    assert.equal(result.findings[0]!.reasonForNonCompliance, `Role ${roleArn('cam-role')} allows access to security auditing services: [iam].`);
    assert.deepEqual(result.findings[0]!.nonCompliantResource.resourceIdentifier, { roleAliasArn: `${R}rolealias/cam` });
    let unused = await run(unusedCheck);
    assert.deepEqual(unused.findings.map((f) => f.reasonForNonCompliance), [
      `Role ${roleArn('cam-role')} allows access to services not used through the role alias in the last year: [iam, iot, kinesisvideo, s3].`,
    ]);
    // s3 and kinesisvideo used recently, iam long ago.
    const now = server.clock.now();
    await call('POST', '/_ddlocal/role-alias-usage', [
      { roleAlias: 'cam', service: 's3' },
      { roleAlias: 'cam', service: 'kinesisvideo' },
      { roleAlias: 'cam', service: 'iam', time: new Date(now - 400 * 86_400_000).toISOString() },
    ]);
    result = await run(aliasCheck);
    const broad = result.findings.find((f) => f.reasonForNonComplianceCode === 'ALLOWS_BROAD_ACCESS_TO_USED_SERVICES');
    assert.equal(broad?.reasonForNonCompliance, `Role ${roleArn('cam-role')} allows broad access to services used through the role alias: [s3:*].`);
    unused = await run(unusedCheck);
    assert.match(unused.findings[0]!.reasonForNonCompliance, /: \[iam, iot\]\.$/);
  });
});
