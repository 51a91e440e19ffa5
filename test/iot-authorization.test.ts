// The authorization table (src/model/iot-authorization.json) and its request-time lookup (src/model/authorization.ts):
// the table covers the model and every operation ddlocal implements, is in the generator's canonical form, and fills
// every ARN variable of an implemented operation from its input shape; concrete requests resolve to the action and
// resource ARNs AWS's Service Authorization Reference lists; request tags become aws:RequestTag/aws:TagKeys context in
// each form the model gives them; user values never act as template syntax.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  AUTHORIZATION_TABLE,
  authorizationFor,
  operationAuthorization,
  partitionOf,
  type AuthorizationScope,
  requestTagContext,
  serviceContext,
  unresolvedVariables,
} from '../src/model/authorization.js';
import { MODEL, inputShape, operation, shape } from '../src/model/model.js';
import { HANDLERS } from '../src/server/operations.js';

const GENERATOR = new URL('../../scripts/generate-iot-authorization.mjs', import.meta.url);

interface Generator {
  TABLE_FILE: string;
  MODEL_FILE: string;
  normaliseTable(table: unknown): unknown;
  tableProblems(table: unknown, model: unknown): string[];
}

const loadGenerator = async () => (await import(GENERATOR.href)) as Generator;

const SCOPE = { accountId: '123456789012', region: 'us-east-1' };
const ARN = 'arn:aws:iot:us-east-1:123456789012';
const IMPLEMENTED = Object.keys(HANDLERS).sort();

const resourcesOf = (op: string, input: Record<string, unknown>, scope: AuthorizationScope = SCOPE) => authorizationFor(op, input, scope).resources;

/** A value of the right JSON kind for every member of an operation's input, names and ids set to `value`. */
function everyMember(op: string, value: string): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [member, ref] of Object.entries(inputShape(operation(op)).members ?? {})) {
    const kind = shape(ref.shape).type;
    if (kind === 'string') input[member] = value;
    else if (kind === 'list' && shape(shape(ref.shape).member!.shape).type === 'string') input[member] = [value];
  }
  return input;
}

describe('the table', () => {
  test('every operation ddlocal implements has an entry the reference lists', () => {
    const absent = IMPLEMENTED.filter((op) => !operationAuthorization(op) || operationAuthorization(op)!.missing);
    assert.deepEqual(absent, []);
    for (const op of IMPLEMENTED) assert.equal(operationAuthorization(op)!.action, `iot:${op}`);
  });

  test('it has one entry per model operation and is the generator’s canonical form', async () => {
    const { TABLE_FILE, MODEL_FILE, normaliseTable, tableProblems } = await loadGenerator();
    const table = JSON.parse(readFileSync(TABLE_FILE, 'utf8'));
    assert.deepEqual(Object.keys(table.operations).sort(), Object.keys(MODEL.operations).sort());
    assert.deepEqual(tableProblems(table, JSON.parse(readFileSync(MODEL_FILE, 'utf8'))), []);
    assert.ok(
      readFileSync(TABLE_FILE, 'utf8') === `${JSON.stringify(normaliseTable(table), null, 2)}\n`,
      `${TABLE_FILE} is not canonical: run node scripts/generate-iot-authorization.mjs --write`,
    );
  });

  test('the generator’s check reports a missing operation, an unknown resource type and a member not in the input', async () => {
    const { TABLE_FILE, MODEL_FILE, tableProblems } = await loadGenerator();
    const table = JSON.parse(readFileSync(TABLE_FILE, 'utf8'));
    delete table.operations.DescribeThing;
    table.operations.DeleteThing.resources[0].type = 'gadget';
    table.operations.AttachPolicy.inputs.arnMembers = ['targetArn'];
    const problems = tableProblems(table, JSON.parse(readFileSync(MODEL_FILE, 'utf8')));
    assert.ok(problems.some((p) => p.includes('DescribeThing') && p.includes('no entry')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('DeleteThing') && p.includes('gadget')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('AttachPolicy') && p.includes('targetArn')), problems.join('\n'));
  });

  test('every ARN variable of every implemented operation comes from its input shape or an override', () => {
    const unresolved = IMPLEMENTED.flatMap((op) => unresolvedVariables(op).map((v) => `${op} ${v}`));
    assert.deepEqual(unresolved, []);
    // The check can fail: a domain configuration's ${Id} is assigned by AWS and is in no input.
    assert.deepEqual(unresolvedVariables('CreateDomainConfiguration'), ['domainconfiguration: ${Id}']);
  });

  test('every override names a member of the input shape of an operation that uses it', () => {
    for (const [variable, member] of Object.entries(AUTHORIZATION_TABLE.variableMembers)) {
      const users = Object.entries(AUTHORIZATION_TABLE.operations).filter(
        ([op, entry]) =>
          entry.resources.some((row) => row.arn.includes(`\${${variable}}`)) &&
          Object.hasOwn(inputShape(operation(op)).members ?? {}, member),
      );
      assert.ok(users.length > 0, `${variable} → ${member} is used by no operation`);
    }
  });

  test('with every name member filled, no implemented operation falls back to * for a required resource', () => {
    for (const op of IMPLEMENTED) {
      const entry = operationAuthorization(op)!;
      if (!entry.resources.some((row) => row.required)) continue;
      assert.ok(!resourcesOf(op, everyMember(op, 'v1')).includes('*'), op);
    }
  });

  test('the tags members the request-tag context reads have the shapes it handles', () => {
    for (const op of ['CreateThingGroup', 'CreatePolicy', 'CreateMitigationAction', 'TagResource']) {
      const tags = shape(inputShape(operation(op)).members!.tags!.shape);
      assert.equal(tags.type, 'list', op);
      assert.deepEqual(Object.keys(shape(tags.member!.shape).members!).sort(), ['Key', 'Value'], op);
      assert.deepEqual(operationAuthorization(op)!.requestTagKeys, ['aws:RequestTag/${TagKey}', 'aws:TagKeys'], op);
    }
    assert.equal(shape(inputShape(operation('CreatePackage')).members!.tags!.shape).type, 'map');
    assert.equal(shape(inputShape(operation('CreateTopicRule')).members!.tags!.shape).type, 'string');
  });
});

describe('resources of a request', () => {
  test('DescribeThing is iot:DescribeThing on the thing', () => {
    assert.deepEqual(authorizationFor('DescribeThing', { thingName: 't1' }, SCOPE), {
      action: 'iot:DescribeThing',
      resources: [`${ARN}:thing/t1`],
    });
  });

  test('StartAuditMitigationActionsTask lists no resource type, so it is authorized on *', () => {
    assert.deepEqual(operationAuthorization('StartAuditMitigationActionsTask')!.resources, []);
    const input = { taskId: 'myActionsTaskId', target: { findingIds: ['f1'] }, auditCheckToActionsMapping: {}, clientRequestToken: 'x' };
    assert.deepEqual(authorizationFor('StartAuditMitigationActionsTask', input, SCOPE), {
      action: 'iot:StartAuditMitigationActionsTask',
      resources: ['*'],
    });
  });

  test('certificates and CA certificates are named by their certificateId', () => {
    const id = 'a'.repeat(64);
    assert.deepEqual(resourcesOf('UpdateCertificate', { certificateId: id, newStatus: 'INACTIVE' }), [`${ARN}:cert/${id}`]);
    assert.deepEqual(resourcesOf('DescribeCACertificate', { certificateId: id }), [`${ARN}:cacert/${id}`]);
  });

  test('list operations and creates without a name are authorized on *', () => {
    assert.deepEqual(resourcesOf('ListThings', {}), ['*']);
    assert.deepEqual(resourcesOf('ListAuditFindings', { taskId: 't' }), ['*']);
    assert.deepEqual(resourcesOf('CreateKeysAndCertificate', { setAsActive: true }), ['*']);
  });

  test('mitigation actions and scheduled audits are named by actionName and scheduledAuditName', () => {
    assert.deepEqual(authorizationFor('CreateMitigationAction', { actionName: 'Reset', roleArn: 'r', actionParams: {} }, SCOPE), {
      action: 'iot:CreateMitigationAction',
      resources: [`${ARN}:mitigationaction/Reset`],
    });
    assert.deepEqual(resourcesOf('DeleteScheduledAudit', { scheduledAuditName: 'weekly' }), [`${ARN}:scheduledaudit/weekly`]);
  });

  test('AttachPolicy is authorized on its target — the reference lists cert and thinggroup, not the policy', () => {
    assert.deepEqual(
      operationAuthorization('AttachPolicy')!.resources.map((row) => [row.type, row.required]),
      [
        ['cert', false],
        ['thinggroup', false],
      ],
    );
    const cert = `${ARN}:cert/${'b'.repeat(64)}`;
    assert.deepEqual(authorizationFor('AttachPolicy', { policyName: 'p', target: cert }, SCOPE), {
      action: 'iot:AttachPolicy',
      resources: [cert],
    });
    assert.deepEqual(resourcesOf('DetachPolicy', { policyName: 'p', target: `${ARN}:thinggroup/g` }), [`${ARN}:thinggroup/g`]);
    // A Cognito identity is no ARN; it is still what the request acts on.
    assert.deepEqual(resourcesOf('AttachPolicy', { policyName: 'p', target: 'us-east-1:0f3c' }), ['us-east-1:0f3c']);
  });

  test('AddThingToThingGroup takes each side by name or by ARN, and a missing required side is *', () => {
    assert.deepEqual(resourcesOf('AddThingToThingGroup', { thingName: 't1', thingGroupArn: `${ARN}:thinggroup/g1` }), [
      `${ARN}:thing/t1`,
      `${ARN}:thinggroup/g1`,
    ]);
    assert.deepEqual(resourcesOf('AddThingToThingGroup', {}), ['*']);
    // A thing-group ARN passed as the thing does not fill the thing's place.
    assert.deepEqual(resourcesOf('RemoveThingFromThingGroup', { thingGroupName: 'g1', thingArn: `${ARN}:thinggroup/g2` }), [
      '*',
      `${ARN}:thinggroup/g1`,
      `${ARN}:thinggroup/g2`,
    ]);
  });

  test('UpdateThingGroupsForThing names every group it adds and removes', () => {
    const input = { thingName: 't1', thingGroupsToAdd: ['a', 'b'], thingGroupsToRemove: ['c', 'a'] };
    assert.deepEqual(resourcesOf('UpdateThingGroupsForThing', input), [
      `${ARN}:thing/t1`,
      `${ARN}:thinggroup/a`,
      `${ARN}:thinggroup/b`,
      `${ARN}:thinggroup/c`,
    ]);
  });

  test('an optional resource is named only when the input gives it', () => {
    assert.deepEqual(resourcesOf('CreateThing', { thingName: 't1', billingGroupName: 'bg' }), [`${ARN}:billinggroup/bg`, `${ARN}:thing/t1`]);
    assert.deepEqual(resourcesOf('CreateThing', { thingName: 't1' }), [`${ARN}:thing/t1`]);
  });

  test('tagging operations are authorized on the resourceArn they are given', () => {
    const policy = `${ARN}:policy/p1`;
    assert.deepEqual(authorizationFor('TagResource', { resourceArn: policy, tags: [{ Key: 'k', Value: 'v' }] }, SCOPE), {
      action: 'iot:TagResource',
      resources: [policy],
    });
    assert.deepEqual(resourcesOf('UntagResource', { resourceArn: `${ARN}:thing/t1`, tagKeys: ['k'] }), [`${ARN}:thing/t1`]);
    assert.deepEqual(resourcesOf('ListTagsForResource', { resourceArn: `${ARN}:package/p/version/v1` }), [`${ARN}:package/p/version/v1`]);
  });

  test('the partition follows the region', () => {
    assert.equal(partitionOf('eu-west-1'), 'aws');
    assert.equal(partitionOf('cn-north-1'), 'aws-cn');
    assert.equal(partitionOf('us-gov-west-1'), 'aws-us-gov');
    assert.deepEqual(resourcesOf('DescribeThing', { thingName: 't' }, { accountId: '111122223333', region: 'cn-northwest-1' }), [
      'arn:aws-cn:iot:cn-northwest-1:111122223333:thing/t',
    ]);
    assert.deepEqual(resourcesOf('DeleteThing', { thingName: 't' }, { accountId: '111122223333', region: 'us-gov-east-1' }), [
      'arn:aws-us-gov:iot:us-gov-east-1:111122223333:thing/t',
    ]);
    assert.deepEqual(resourcesOf('DeleteThing', { thingName: 't' }, { ...SCOPE, partition: 'aws-iso' }), [
      'arn:aws-iso:iot:us-east-1:123456789012:thing/t',
    ]);
  });

  test('user values are inserted literally, never read as template syntax or patterns', () => {
    assert.deepEqual(resourcesOf('DescribeThing', { thingName: '${Account}' }), [`${ARN}:thing/\${Account}`]);
    assert.deepEqual(resourcesOf('GetPolicy', { policyName: '.*(a+)+$' }), [`${ARN}:policy/.*(a+)+$`]);
    assert.deepEqual(resourcesOf('DescribeThing', { thingName: '' }), ['*']);
  });

  test('an ARN input of half a million segments is classified like any other', () => {
    const value = `${ARN}:thinggroup/${'/'.repeat(500_000)}`;
    assert.deepEqual(resourcesOf('AttachPolicy', { policyName: 'p', target: value }), [value]);
    assert.deepEqual(resourcesOf('AddThingToThingGroup', { thingName: 't', thingGroupArn: value }), [`${ARN}:thing/t`, '*', value]);
  });
});

describe('condition context of a request', () => {
  const tags = [
    { Key: 'env', Value: 'prod' },
    { Key: 'team', Value: 'fleet' },
  ];

  test('tags given as a list become aws:RequestTag/<key> and aws:TagKeys', () => {
    for (const [op, input] of [
      ['CreateThingGroup', { thingGroupName: 'g', tags }],
      ['CreatePolicy', { policyName: 'p', policyDocument: '{}', tags }],
      ['CreateMitigationAction', { actionName: 'a', roleArn: 'r', actionParams: {}, tags }],
      ['TagResource', { resourceArn: `${ARN}:policy/p`, tags }],
    ] as const) {
      assert.deepEqual(
        { ...requestTagContext(op, input) },
        { 'aws:RequestTag/env': ['prod'], 'aws:RequestTag/team': ['fleet'], 'aws:TagKeys': ['env', 'team'] },
        op,
      );
    }
  });

  test('a map and a query string of tags give the same context', () => {
    assert.deepEqual(
      { ...requestTagContext('CreatePackage', { packageName: 'p', tags: { env: 'prod', team: 'fleet' } }) },
      { 'aws:RequestTag/env': ['prod'], 'aws:RequestTag/team': ['fleet'], 'aws:TagKeys': ['env', 'team'] },
    );
    assert.deepEqual(
      { ...requestTagContext('CreateTopicRule', { ruleName: 'r', tags: 'env=prod&team=fleet%20ops&bad=%E0%A4%A' }) },
      {
        'aws:RequestTag/env': ['prod'],
        'aws:RequestTag/team': ['fleet ops'],
        'aws:RequestTag/bad': ['%E0%A4%A'],
        'aws:TagKeys': ['env', 'team', 'bad'],
      },
    );
  });

  test('UntagResource gives only aws:TagKeys, from the keys it removes', () => {
    assert.deepEqual({ ...requestTagContext('UntagResource', { resourceArn: `${ARN}:policy/p`, tagKeys: ['env', 'env', 'x'] }) }, {
      'aws:TagKeys': ['env', 'x'],
    });
  });

  test('a key given twice keeps both values; actions without request-tag keys get no context', () => {
    const twice = [
      { Key: 'env', Value: 'dev' },
      { Key: 'env', Value: 'prod' },
    ];
    assert.deepEqual({ ...requestTagContext('CreateThingGroup', { thingGroupName: 'g', tags: twice }) }, {
      'aws:RequestTag/env': ['dev', 'prod'],
      'aws:TagKeys': ['env'],
    });
    assert.deepEqual({ ...requestTagContext('DescribeThing', { thingName: 't', tags }) }, {});
    assert.deepEqual({ ...requestTagContext('CreateThingGroup', { thingGroupName: 'g' }) }, {});
  });

  test('tag keys that name Object.prototype members are ordinary keys', () => {
    const context = requestTagContext('CreateThingGroup', { thingGroupName: 'g', tags: [{ Key: '__proto__', Value: 'x' }] });
    assert.deepEqual(context['aws:RequestTag/__proto__'], ['x']);
    assert.deepEqual(context['aws:TagKeys'], ['__proto__']);
  });

  test('AttachThingPrincipal carries iot:thingArn of the thing it attaches to', () => {
    const input = { thingName: 't1', principal: `${ARN}:cert/${'c'.repeat(64)}` };
    assert.deepEqual({ ...serviceContext('AttachThingPrincipal', input, SCOPE) }, { 'iot:thingArn': [`${ARN}:thing/t1`] });
    assert.deepEqual(resourcesOf('AttachThingPrincipal', input), [input.principal]);
    assert.deepEqual({ ...serviceContext('DescribeThing', { thingName: 't1' }, SCOPE) }, {});
  });
});
