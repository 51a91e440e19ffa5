// The one "broad data-plane resource" rule (docs/decisions.md#a23) shared by the IoT policy analyser (check 11) and the
// IAM role analysis of the Cognito and role-alias checks (docs/decisions.md#a15): the rule itself, one test per case
// where the two used to disagree (each asserting the verdict through both paths), and a property that the two paths
// always agree.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DATA_PLANE_ACTIONS, broadDataPlaneActions as policyBroadActions, isBroadResource } from '../src/audit/analysis/policy-analyser.js';
import { allowStatements, broadDataPlaneActions as roleBroadActions, iotRoleViolations, type RoleCode } from '../src/audit/analysis/iam-analysis.js';

const A = 'arn:aws:iot:us-east-1:123456789012:';
const CLIENT_ID = '${iot:ClientId}';
const THING_NAME = '${iot:Connection.Thing.ThingName}';
type Stmt = Record<string, unknown>;
const allow = (Action: string | string[], Resource: string | string[], extra: Stmt = {}): Stmt => ({ Effect: 'Allow', Action, Resource, ...extra });
const document = (...Statement: Stmt[]) => ({ Version: '2012-10-17', Statement });

/** The broad data-plane actions of the statements read as an IoT policy (check 11) and as an IAM role policy. */
function bothPaths(...statements: Stmt[]): { policy: string[]; role: string[] } {
  return {
    policy: policyBroadActions(JSON.stringify(document(...statements))),
    role: roleBroadActions(allowStatements([document(...statements)])),
  };
}

/** Asserts both paths list `expected`, so a test fails if either analyser drifts from the shared rule. */
function assertBoth(expected: string[], ...statements: Stmt[]): void {
  const { policy, role } = bothPaths(...statements);
  assert.deepEqual(policy, expected, 'IoT policy analyser');
  assert.deepEqual(role, expected, 'IAM role analysis');
}

const roleCodes = async (which: RoleCode[], ...statements: Stmt[]) =>
  (await iotRoleViolations(allowStatements([document(...statements)]), which)).map((v) => v.code);

describe('the shared rule (§5.3), resource by resource', () => {
  // [resource, resource type of the action, attached-bound statement, broad]
  const TABLE: Array<[string, string, boolean, boolean]> = [
    ['*', 'client', false, true],
    [`${A}*`, 'topic', false, true],
    [`${A}client/*`, 'client', false, true],
    [`${A}client/sensor-1`, 'client', false, false],
    [`${A}client/sensor-*`, 'client', false, false],
    [`${A}client/${CLIENT_ID}`, 'client', false, true],
    [`${A}client/${CLIENT_ID}`, 'client', true, false],
    [`${A}client/${THING_NAME}`, 'client', false, true],
    [`${A}client/\${iot:Certificate.Subject.CommonName}`, 'client', false, false],
    [`${A}topic/$aws/things/*/shadow/update`, 'topic', false, true],
    [`${A}topic/$aws/things/MyThing*`, 'topic', false, false],
    [`${A}topic/$aws/things/${THING_NAME}/shadow/*`, 'topic', false, false],
    [`${A}topic/building/*`, 'topic', false, false],
    [`${A}topicfilter/$aws/things/+/shadow/update`, 'topicfilter', false, true],
    [`${A}topicfilter/building/+`, 'topicfilter', false, false],
    [`${A}thing/*`, 'thing', false, true],
    [`${A}thing/MyThing*`, 'thing', false, false],
    [`${A}thing/\${iot:Connection.Thing.ThingTypeName}`, 'thing', false, true],
    [`${A}topic/*`, 'thing', false, false],
    ['arn:aws:s3:::bucket/*', 'thing', false, false],
  ];
  for (const [resource, type, attached, broad] of TABLE)
    test(`${resource.replace(A, '')} for ${type}${attached ? ' (IsAttached)' : ''}: ${broad ? 'broad' : 'limited'}`, () =>
      assert.equal(isBroadResource(resource, type, attached), broad));
});

describe('cases where the IoT policy and IAM role rules used to differ', () => {
  test('a truncated ARN ending in * covers every IoT resource (the role rule called it limited)', async () => {
    const all = DATA_PLANE_ACTIONS.map((a) => a.action);
    assertBoth(all, allow('iot:*', 'arn:aws:iot:*'));
    assertBoth(['iot:Connect'], allow('iot:Connect', 'arn:aws:iot:us-east-1:*'));
    assert.deepEqual(await roleCodes(['ALLOWS_BROAD_ACCESS_TO_IOT_THING_ADMIN_READ_ACTIONS'], allow('iot:DescribeThing', 'arn:aws:iot:*')), [
      'ALLOWS_BROAD_ACCESS_TO_IOT_THING_ADMIN_READ_ACTIONS',
    ]);
  });

  test('a truncated ARN of another service covers no IoT resource (the policy rule called it broad)', () => {
    assertBoth([], allow('iot:Connect', 'arn:aws:s3:*'));
    assertBoth([], allow('iot:Connect', 'arn:aws:iot:us-east-1:123456789012'));
    assert.ok(!isBroadResource('arn:aws:s3:*', 'client'));
    assert.ok(isBroadResource('arn:aws:i*', 'client'), 'a service pattern matching iot still counts');
  });

  test('a wildcard resource type covers every type, as §5.1 says (the role rule matched the pattern against the type)', () => {
    assertBoth(['iot:Connect'], allow('iot:Connect', `${A}th*/MyThing`));
    assertBoth(['iot:Subscribe'], allow('iot:Subscribe', `${A}cl?ent/x`));
  });

  test('client/<literal>${iot:ClientId} is not broad: it can never name the connecting client (the role rule called it broad)', () => {
    assertBoth([], allow('iot:Connect', `${A}client/dev-${CLIENT_ID}`));
    assertBoth([], allow('iot:Connect', `${A}client/fleet/${THING_NAME}/*`));
    // An empty literal prefix stays broad.
    assertBoth(['iot:Connect'], allow('iot:Connect', `${A}client/${CLIENT_ID}*`));
  });

  test('the IsAttached condition is recognised with any key case, a list value or "TRUE" (the role rule needed the exact form)', () => {
    const connect = (condition: unknown) => allow('iot:Connect', `${A}client/${THING_NAME}`, { Condition: condition });
    assertBoth([], connect({ Bool: { 'iot:connection.thing.isattached': 'true' } }));
    assertBoth([], connect({ Bool: { 'iot:Connection.Thing.IsAttached': ['true'] } }));
    assertBoth([], connect({ Bool: { 'iot:Connection.Thing.IsAttached': 'TRUE' } }));
    assertBoth(['iot:Connect'], connect({ Bool: { 'iot:Connection.Thing.IsAttached': 'false' } }));
  });

  test('a role statement with neither Action nor NotAction grants nothing (the role rule read it as NotAction [])', async () => {
    const bare = { Effect: 'Allow', Resource: '*' };
    assertBoth([], bare);
    assert.deepEqual(
      await roleCodes(['ALLOWS_ACCESS_TO_IOT_THING_ADMIN_WRITE_ACTIONS', 'ALLOWS_ACCESS_TO_IOT_NON_THING_ADMIN_ACTIONS', 'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS'], bare),
      [],
    );
  });

  test('role policies stored as JSON text are read like objects', () => {
    const text = JSON.stringify(document(allow('iot:Publish', `${A}topic/$aws/things/*`)));
    assert.deepEqual(roleBroadActions(allowStatements([text])), ['iot:Publish']);
  });
});

describe('the two paths always agree', () => {
  const segment = fc.constantFrom('a', 'building', '$aws', 'things', 'MyThing', '+', '#', '*', 'dev-*', '?', CLIENT_ID, THING_NAME, '${iot:Certificate.Subject.CommonName}', '${iot:Connection.Thing.ThingTypeName}');
  const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
  const type = fc.constantFrom('client', 'topic', 'topicfilter', 'thing', '*', 't*', 'rolealias');
  const resource = fc.oneof(
    fc.tuple(type, path).map(([t, p]) => `${A}${t}/${p}`),
    fc.constantFrom('*', 'arn:aws:iot:*', 'arn:aws:s3:*', `${A}*`, 'arn:aws:s3:::bucket/*'),
  );
  const action = fc.constantFrom('iot:*', 'iot:Connect', 'iot:Publish', 'iot:Subscribe', 'iot:GetThingShadow', 'iot:Receive', 'iot:Get*');
  const condition = fc.constantFrom(undefined, { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } });

  test('an IoT policy and an IAM role with the same Allow statements list the same broad data-plane actions', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(action, fc.array(resource, { minLength: 1, maxLength: 3 }), condition, fc.boolean()), { minLength: 1, maxLength: 3 }), (raw) => {
        const statements = raw.map(([a, r, c, not]) => ({ Effect: 'Allow', [not ? 'NotResource' : 'Resource']: r, Action: a, ...(c ? { Condition: c } : {}) }));
        const { policy, role } = bothPaths(...statements);
        assert.deepEqual(role, policy);
      }),
      { numRuns: 500 },
    );
  });
});
