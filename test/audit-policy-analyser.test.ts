// The IoT policy analyser (docs/decisions.md#a23, #a24): a table of policies per check, the building blocks, and
// property tests of the breadth and matching rules. In both tables, rows D… are the example policies of AWS's check
// pages and rows X… are ddlocal's own cases.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DATA_PLANE_ACTIONS,
  actionMatches,
  broadDataPlaneActions,
  circumventedSubscribeDeny,
  parseResource,
  statementCoversAction,
  type Statement,
  isBroadResource,
  misconfigurationVerdicts,
  overlyPermissiveVerdict,
  parentFilters,
  parsePolicyDocument,
  resourcePathMatches,
} from '../src/audit/analysis/policy-analyser.js';

const A = 'arn:aws:iot:us-east-1:123456789012:';
const V = '${iot:Connection.Thing.ThingName}';
const IS_ATTACHED = { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } };
type Stmt = Record<string, unknown>;
const allow = (action: string | string[], resource: string | string[], extra: Stmt = {}): Stmt => ({
  Effect: 'Allow',
  Action: action,
  Resource: Array.isArray(resource) ? resource.map((r) => A + r) : A + resource,
  ...extra,
});
const deny = (action: string | string[], resource: string | string[]): Stmt => ({ ...allow(action, resource), Effect: 'Deny' });
const doc = (...statements: Stmt[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const ALL = DATA_PLANE_ACTIONS.map((a) => a.action);
const SHADOW_AND_JOBS = [
  'iot:GetThingShadow',
  'iot:UpdateThingShadow',
  'iot:DeleteThingShadow',
  'iot:DescribeJobExecution',
  'iot:GetPendingJobExecutions',
  'iot:StartNextPendingJobExecution',
  'iot:UpdateJobExecution',
];

// IOT_POLICY_OVERLY_PERMISSIVE_CHECK: [row, document, broad actions listed (empty = compliant)]
const OVERLY_PERMISSIVE: Array<[string, string, string[]]> = [
  ['D1', doc(allow('iot:Connect', 'client/*')), ['iot:Connect']],
  ['D2', doc(allow('iot:Connect', 'client/${iot:ClientId}')), ['iot:Connect']],
  ['D3', doc(allow('iot:Connect', `client/${V}`, { Condition: IS_ATTACHED })), []],
  ['D4', doc(allow('iot:Publish', 'topic/$aws/things/*/shadow/update')), ['iot:Publish']],
  ['D5', doc(allow('iot:Publish', 'topic/$aws/things/*')), ['iot:Publish']],
  ['D6', doc(allow('iot:Publish', `topic/$aws/things/${V}/shadow/*`)), []],
  ['D7', doc(allow('iot:Subscribe', 'topicfilter/$aws/things/*')), ['iot:Subscribe']],
  ['D8', doc(allow('iot:Subscribe', 'topicfilter/$aws/things/#')), ['iot:Subscribe']],
  ['D9', doc(allow('iot:Subscribe', 'topicfilter/$aws/things/+/shadow/update')), ['iot:Subscribe']],
  ['D10', doc(allow('iot:Subscribe', [`topicfilter/$aws/things/${V}/shadow/*`, `topicfilter/$aws/things/${V}/jobs/*`])), []],
  ['D11', doc(allow('iot:Receive', 'topic/$aws/things/*')), []],
  ['D12', doc(allow('iot:GetThingShadow', 'thing/*')), ['iot:GetThingShadow']],
  ['D13', doc(allow(SHADOW_AND_JOBS, ['thing/MyThing1', 'thing/MyThing2'])), []],
  ['D14', doc(allow('iot:GetThingShadow', 'thing/MyThing*')), []],
  ['X1', doc({ Effect: 'Allow', Action: 'iot:*', Resource: '*' }), ALL],
  ['X2', doc({ Effect: 'Allow', Action: 'iot:Connect', NotResource: `${A}client/dev1` }), ['iot:Connect']],
  ['X3', doc({ Effect: 'Allow', NotAction: 'iot:Receive', Resource: '*' }), ALL],
  ['X4', doc(allow('iot:Publish', 'topic/building/*')), []],
  ['X5', doc(allow('iot:Connect', 'client/*'), deny('iot:Connect', 'client/*')), ['iot:Connect']],
  ['X6', doc(allow('iot:Connect', `client/${V}`)), ['iot:Connect']],
  ['X7', doc(allow('iot:Publish', 'topic/${iot:ClientId}/telemetry')), []],
  ['X8', doc(allow('iot:RetainPublish', 'topic/$aws/things/*/shadow/update')), ['iot:RetainPublish']],
  ['X9', doc({ Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:us-east-1:123456789012:*' }), ['iot:Connect']],
  ['X10', doc({ Effect: 'Allow', Action: 'iot:Get*', Resource: '*' }), ['iot:GetThingShadow', 'iot:GetPendingJobExecutions']],
  ['X11', doc(allow('iot:Subscribe', 'topicfilter/building/+')), []],
  ['X12', doc(allow('iot:Publish', 'topic/*')), ['iot:Publish']],
];

describe('IOT_POLICY_OVERLY_PERMISSIVE_CHECK table (§5.4)', () => {
  for (const [row, document, expected] of OVERLY_PERMISSIVE) {
    test(`${row}: ${expected.length ? expected.join(', ') : 'compliant'}`, () => {
      assert.deepEqual(broadDataPlaneActions(document), expected);
      const verdict = overlyPermissiveVerdict(document);
      if (expected.length === 0) assert.equal(verdict, undefined);
      else
        assert.deepEqual(verdict, {
          code: 'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS',
          text: `Policy allows broad access to IoT data plane actions: [${expected.join(', ')}].`,
        });
    });
  }
  test('X1 lists the 12 actions in the canonical order of §5.2', () => {
    assert.equal(
      overlyPermissiveVerdict(OVERLY_PERMISSIVE.find((r) => r[0] === 'X1')![1])!.text,
      'Policy allows broad access to IoT data plane actions: [iot:Connect, iot:Publish, iot:RetainPublish, ' +
        'iot:Subscribe, iot:GetThingShadow, iot:UpdateThingShadow, iot:DeleteThingShadow, iot:ListNamedShadowsForThing, ' +
        'iot:DescribeJobExecution, iot:GetPendingJobExecutions, iot:StartNextPendingJobExecution, iot:UpdateJobExecution].',
    );
  });
});

const MISCONFIG_WILDCARD = 'POLICY_CONTAINS_MQTT_WILDCARDS_IN_DENY_STATEMENT';
const MISCONFIG_PARENT = 'TOPIC_FILTERS_INTENDED_TO_DENY_ALLOWED_USING_WILDCARDS';
const D2_STATEMENTS = [
  allow('iot:Subscribe', 'topicfilter/building/*'),
  deny('iot:Subscribe', 'topicfilter/building/control_room/*'),
  allow('iot:Receive', 'topic/building/*'),
];

// IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK: [row, document, codes reported]
const MISCONFIGURATION: Array<[string, string, string[]]> = [
  [
    'D1',
    doc(allow('iot:Subscribe', 'topicfilter/building/*'), deny('iot:Subscribe', 'topicfilter/building/control_room/#'), allow('iot:Receive', 'topic/building/*')),
    [MISCONFIG_WILDCARD, MISCONFIG_PARENT],
  ],
  ['D2', doc(...D2_STATEMENTS), [MISCONFIG_PARENT]],
  ['D3', doc(...D2_STATEMENTS, deny('iot:Receive', 'topic/building/control_room/*')), []],
  ['X1', doc(allow('iot:Subscribe', 'topicfilter/building/#'), allow('iot:Receive', 'topic/building/*')), []],
  ['X2', doc(deny('iot:Publish', 'topic/a/+/b')), [MISCONFIG_WILDCARD]],
  [
    'X3',
    doc(allow('iot:Subscribe', 'topicfilter/building/status'), deny('iot:Subscribe', 'topicfilter/building/control_room/*'), allow('iot:Receive', 'topic/building/*')),
    [],
  ],
  [
    'X4',
    doc(
      allow('iot:Subscribe', 'topicfilter/*'),
      deny('iot:Subscribe', 'topicfilter/building/control_room/*'),
      deny('iot:Subscribe', 'topicfilter/#'),
      deny('iot:Subscribe', 'topicfilter/building/#'),
      allow('iot:Receive', 'topic/*'),
    ),
    [MISCONFIG_WILDCARD],
  ],
  ['X5', doc(allow('iot:Subscribe', 'topicfilter/*'), deny('iot:Subscribe', 'topicfilter/secret/*'), allow('iot:Receive', 'topic/*')), [MISCONFIG_PARENT]],
];

describe('IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK table (§5.6)', () => {
  for (const [row, document, expected] of MISCONFIGURATION) {
    test(`${row}: ${expected.length ? expected.join(' + ') : 'none'}`, () => {
      assert.deepEqual(
        misconfigurationVerdicts(document).map((v) => v.code),
        expected,
      );
    });
  }
  test('reason texts (§4.7) name the resources, the denied filter, the parent filter and the prefix', () => {
    const [wildcard, parent] = misconfigurationVerdicts(MISCONFIGURATION[0]![1]);
    assert.equal(
      wildcard!.text,
      `Deny statement uses MQTT wildcard characters, which IoT policies match literally: [${A}topicfilter/building/control_room/#].`,
    );
    assert.equal(
      parent!.text,
      'Subscribing to building/control_room/# is denied, but the allowed filter building/# still delivers messages ' +
        'published under building/control_room/.',
    );
    const x5 = misconfigurationVerdicts(MISCONFIGURATION.find((r) => r[0] === 'X5')![1]);
    assert.match(x5[0]!.text, /allowed filter # still delivers messages published under secret\/\.$/);
  });
  test('a Deny of a non-MQTT action with + in a topic resource is not reported', () => {
    assert.deepEqual(misconfigurationVerdicts(doc(deny('iot:Connect', 'topic/a/+'))), []);
  });
  test('a Deny through NotAction that still covers an MQTT action is reported', () => {
    const d = doc({ Effect: 'Deny', NotAction: 'iot:Connect', Resource: `${A}topic/a/#` });
    assert.deepEqual(misconfigurationVerdicts(d).map((v) => v.code), [MISCONFIG_WILDCARD]);
  });
});

describe('analyser building blocks', () => {
  test('statements are normalised: single objects and strings become lists; Condition IsAttached recognised', () => {
    const [s] = parsePolicyDocument({ Statement: { Effect: 'Allow', Action: 'iot:Connect', Resource: '*', Condition: { Bool: { 'iot:Connection.Thing.IsAttached': true } } } });
    assert.deepEqual(s, { effect: 'Allow', actions: ['iot:Connect'], notAction: false, resources: ['*'], notResource: false, attachedBound: true });
    assert.equal(parsePolicyDocument(doc(allow('iot:Connect', 'client/*', { Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'false' } } })))[0]!.attachedBound, false);
  });
  test('unreadable documents and statements yield nothing rather than throwing', () => {
    assert.deepEqual(parsePolicyDocument('not json'), []);
    assert.deepEqual(parsePolicyDocument('[1]'), []);
    assert.deepEqual(parsePolicyDocument({ Statement: [{ Effect: 'Maybe', Action: '*', Resource: '*' }, 3] }), []);
  });
  test('action patterns are case-insensitive globs', () => {
    assert.ok(actionMatches('IOT:connect', 'iot:Connect'));
    assert.ok(actionMatches('iot:?onnect', 'iot:Connect'));
    assert.ok(actionMatches('*', 'iot:Publish'));
    assert.ok(!actionMatches('iot:Pub', 'iot:Publish'));
    assert.ok(!actionMatches('iot:Connect?', 'iot:Connect'));
  });
  test('a non-IoT ARN, another resource type or a wildcard type', () => {
    assert.ok(!isBroadResource('arn:aws:s3:::bucket/*', 'topic'));
    assert.ok(!isBroadResource(`${A}topic/*`, 'topicfilter'));
    assert.ok(isBroadResource(`${A}top*/foo`, 'client'));
    assert.ok(isBroadResource('arn:aws:iot:*:*:*', 'thing'));
  });
  test('non-device-bound variables count as wildcards; certificate variables bind the device', () => {
    assert.ok(isBroadResource(`${A}thing/\${iot:Connection.Thing.ThingTypeName}`, 'thing'));
    assert.ok(!isBroadResource(`${A}client/\${iot:Certificate.Subject.CommonName}`, 'client'));
    assert.ok(!isBroadResource(`${A}thing/${V}`, 'thing'));
  });
  test('topic prefixes: $aws/things/ followed by a name is limited; a prefix of $aws/things/ is broad', () => {
    assert.ok(isBroadResource(`${A}topic/$aws/*`, 'topic'));
    assert.ok(isBroadResource(`${A}topic/$aws/thi?gs/x`, 'topic'));
    assert.ok(!isBroadResource(`${A}topic/$aws/things/MyThing*`, 'topic'));
    assert.ok(!isBroadResource(`${A}topic/sensors/a*`, 'topic'));
    // `+` and `#` are literal in a topic (not topicfilter) resource: this names one topic.
    assert.ok(!isBroadResource(`${A}topic/$aws/things/+/shadow/update`, 'topic'));
    assert.ok(isBroadResource(`${A}topicfilter/#`, 'topicfilter'));
  });
  test('parent filters of a denied filter', () => {
    assert.deepEqual(parentFilters('building/control_room/#'), { prefix: 'building/control_room/', filters: ['#', 'building/#', 'building/control_room/#'] });
    assert.deepEqual(parentFilters('a/b'), { prefix: 'a/b', filters: ['#', 'a/#'] });
  });
  test('resource matching treats + and # literally and * across levels', () => {
    assert.ok(resourcePathMatches('building/*', 'building/#'));
    assert.ok(resourcePathMatches('*', 'a/b/c'));
    assert.ok(!resourcePathMatches('building/+', 'building/x'));
    assert.ok(resourcePathMatches('building/+', 'building/+'));
    assert.ok(resourcePathMatches(`things/${V}/x`, 'things/dev1/x'));
    assert.ok(!resourcePathMatches(`things/${V}/x`, 'things/a/b/x'));
  });
});

describe('analyser properties', () => {
  const segment = fc.stringMatching(/^[a-z0-9_]{1,8}$/);
  const topicPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));

  test('a resource without wildcards or variables is never broad', () => {
    fc.assert(
      fc.property(fc.constantFrom('client', 'topic', 'topicfilter', 'thing'), topicPath, (type, path) => !isBroadResource(`${A}${type}/${path}`, type)),
    );
  });
  test('a Deny statement never changes the overly-permissive verdict [Dec A11]', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL), fc.constantFrom('*', 'client/*', 'topic/*', 'thing/x'), (action, resource) => {
        const allowAll = allow('iot:*', '*');
        const withDeny = doc(allowAll, deny(action, resource === '*' ? '*' : resource));
        return broadDataPlaneActions(withDeny).length === ALL.length;
      }),
    );
  });
  test('broad actions always come in canonical order and never include iot:Receive', () => {
    fc.assert(
      fc.property(fc.subarray([...ALL, 'iot:Receive']), (actions) => {
        const listed = broadDataPlaneActions(doc({ Effect: 'Allow', Action: actions.length ? actions : 'iot:Receive', Resource: '*' }));
        return JSON.stringify(listed) === JSON.stringify(ALL.filter((a) => actions.includes(a)));
      }),
    );
  });
  test('a literal path always matches itself; * matches every path', () => {
    fc.assert(fc.property(topicPath, (p) => resourcePathMatches(p, p) && resourcePathMatches('*', p)));
  });
  test('a denied topic filter under an allowed `*` filter with receivable messages is always circumventable', () => {
    fc.assert(
      fc.property(topicPath, (p) => {
        const d = doc(allow('iot:Subscribe', 'topicfilter/*'), deny('iot:Subscribe', `topicfilter/${p}/*`), allow('iot:Receive', 'topic/*'));
        return misconfigurationVerdicts(d).some((v) => v.code === MISCONFIG_PARENT);
      }),
    );
  });
});

describe('parent-filter search of check 12', () => {
  /** The search as it reads in the rules: one full permission decision per parent filter, filter by filter. */
  function oneFilterAtATime(statements: Statement[]) {
    const covers = (s: Statement, action: string, type: string, path: string) => {
      const listed = s.resources.some((r) => {
        const scope = parseResource(r);
        return scope.kind === 'any' || (scope.kind === 'typed' && scope.type === type && resourcePathMatches(scope.path, path));
      });
      return statementCoversAction(s, action) && (s.notResource ? !listed : listed);
    };
    const permits = (action: string, type: string, path: string) =>
      statements.some((s) => s.effect === 'Allow' && covers(s, action, type, path)) &&
      !statements.some((s) => s.effect === 'Deny' && covers(s, action, type, path));
    for (const s of statements) {
      if (s.effect !== 'Deny' || !statementCoversAction(s, 'iot:Subscribe') || s.notResource) continue;
      for (const resource of s.resources) {
        const scope = parseResource(resource);
        if (scope.kind !== 'typed' || scope.type !== 'topicfilter') continue;
        const { prefix, filters } = parentFilters(scope.path);
        if (!permits('iot:Receive', 'topic', `${prefix}ddlocal-probe`)) continue;
        const parent = filters.find((f) => permits('iot:Subscribe', 'topicfilter', f));
        if (parent !== undefined) return { deniedFilter: scope.path, parentFilter: parent, prefix };
      }
    }
    return undefined;
  }

  test('answers exactly as one permission decision per parent filter would', () => {
    const segment = fc.constantFrom('a', 'b', 'a*', '*', '?', '+', '#', V, '${iot:ClientId}x', '');
    const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
    const resource = fc.oneof(
      fc.tuple(fc.constantFrom('topic', 'topicfilter'), path).map(([type, p]) => A + `${type}/${p}`),
      fc.constant('*'),
    );
    const statement = fc.record({
      Effect: fc.constantFrom('Allow', 'Deny'),
      Action: fc.constantFrom('iot:Subscribe', 'iot:Receive', 'iot:*', ['iot:Subscribe', 'iot:Receive']),
      resources: fc.array(resource, { minLength: 1, maxLength: 3 }),
      not: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 5 }), (raw) => {
        const d = doc(...raw.map(({ resources, not, ...rest }) => ({ ...rest, [not ? 'NotResource' : 'Resource']: resources })));
        const statements = parsePolicyDocument(d);
        assert.deepEqual(circumventedSubscribeDeny(statements), oneFilterAtATime(statements), d);
      }),
      { numRuns: 2000 },
    );
  });

  test('a 2 KB policy with hundreds of parent filters and a wildcard-heavy Allow costs one pass per pattern', () => {
    // Every parent filter of a 600-level denied prefix against a 100-wildcard pattern: one match per filter reads
    // the prefix 600 times over (about 60 million steps, as many for the second policy); the search reads it once
    // per pattern.
    const policies: Array<[string, number, number]> = [
      ['600 levels, 100 wildcards', 600, 100],
      ['450 levels, 350 wildcards', 450, 350],
    ];
    for (const [name, levels, wildcards] of policies) {
      const d = doc(
        { Effect: 'Deny', Action: 'iot:Subscribe', Resource: `${A}topicfilter/${'a/'.repeat(levels)}#` },
        { Effect: 'Allow', Action: 'iot:Receive', Resource: `${A}topic/*` },
        { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${A}topicfilter/${'*a'.repeat(wildcards)}*b` },
      );
      assert.ok(d.length <= 2048, `${d.length} characters`);
      const counter = { steps: 0 };
      assert.equal(circumventedSubscribeDeny(parsePolicyDocument(d), counter), undefined);
      assert.ok(counter.steps < 2_000_000, `${name}: ${counter.steps} steps`);
      console.log(`check 12 parent-filter search, ${name} (${d.length} characters): ${counter.steps} steps`);
    }
  });
});
