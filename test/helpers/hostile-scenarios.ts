// Hostile request sequences that need more than one model operation's shapes: dynamic thing group queries followed
// by the things that are the worst case for them, wildcard-heavy IoT policies that are then audited, IAM roles with
// wildcard-heavy or deeply nested policies behind role aliases and identity pools that are then audited, hostile
// bodies for ddlocal's own /_ddlocal/ endpoints, and hostile PEM/DER for the certificate operations.
//
// Every sequence is an fc arbitrary of Steps for one account (its own, so what a sequence stores only meets its own
// later steps). A step is a request, or a function of the answers so far (to use an id the server chose).
import fc from 'fast-check';
import { shape as lookupShape } from '../../src/model/model.js';
import { sigv4Header, type RawResponse } from './raw-http.js';
import {
  deepJsonArb,
  hostileStructureArb,
  jsonText,
  NASTY_STRINGS,
  pct,
  RAW_LABELS,
  RawJson,
  HOSTILE_AUTHORIZATIONS,
  type FuzzRequest,
} from './model-requests.js';

export type Step = FuzzRequest | ((answers: RawResponse[]) => FuzzRequest | undefined);

export interface Scenario {
  kind: string;
  steps: Step[];
}

/** A JSON request as account `account` in us-east-1; a RawJson body is sent as it is. */
export function call(account: string, method: string, path: string, body?: unknown): FuzzRequest {
  return {
    method,
    path,
    headers: { authorization: sigv4Header(account, 'us-east-1') },
    body: body === undefined ? undefined : jsonText(body),
  };
}

const REGION = 'us-east-1';

// ---------------------------------------------------------------------------------------------------------------
// Dynamic thing group queries

const QUERY_FIELDS = ['thingName', 'attributes.x', 'attributes.k', 'thingGroupNames', 'thingTypeName', 'thingId'];

/** Wildcard runs that make a backtracking matcher try every split of a long run of one letter. */
const wildValueArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.tuple(fc.integer({ min: 3, max: 30 }), fc.constantFrom('a', 'aa', 'a?', '?a'), fc.constantFrom('b', 'z', '?b')).map(([k, lit, end]) => `*${lit}`.repeat(k) + `*${end}`), weight: 4 },
  { arbitrary: fc.integer({ min: 5, max: 300 }).map((k) => '*'.repeat(k) + 'b'), weight: 1 },
  { arbitrary: fc.integer({ min: 5, max: 300 }).map((k) => '?'.repeat(k) + '*b'), weight: 1 },
  { arbitrary: fc.integer({ min: 3, max: 100 }).map((k) => '?*'.repeat(k) + 'b'), weight: 1 },
  { arbitrary: fc.integer({ min: 3, max: 100 }).map((k) => 'a*'.repeat(k) + 'b'), weight: 1 },
  { arbitrary: fc.integer({ min: 1000, max: 100_000 }).map((k) => '*a'.repeat(k)), weight: 1 },
);

const wildTermArb = fc.tuple(fc.constantFrom(...QUERY_FIELDS), wildValueArb).map(([f, v]) => `${f}:${v}`);

const smallTermArb = fc.oneof(
  fc.constantFrom('thingName:a*', 'attributes.x:*', 'thingName:*', 'thingGroupNames:a?*', 'attributes.k:a', 'thingTypeName:*a*a*b', 'thingId:?'),
  fc.tuple(fc.constantFrom(...QUERY_FIELDS), fc.integer({ min: 2, max: 8 })).map(([f, k]) => `${f}:${'*a'.repeat(k)}*b`),
);

const termArb = fc.oneof(wildTermArb, smallTermArb);

const nestingArb = fc.constantFrom(50, 500, 5_000, 50_000, 200_000);

/** Quoted values, escapes and where they end. */
const QUOTED_QUERIES = [
  'thingName:"a\\"b"',
  'thingName:"*a*a*a*a*b"',
  'thingName:"abc',
  'thingName:"\\',
  'thingName:a\\',
  'attributes.x\\:y:"v"',
  'thingName:""',
  'thingName:"a"b',
  `attributes.x:"${'\\\\'.repeat(5000)}"`,
  `thingName:"${'\\"'.repeat(20_000)}"`,
  `thingName:${'\\*'.repeat(20_000)}`,
  '"thingName":a',
  'thingName:"(" OR thingName:")"',
];

/** Field names and values outside ASCII, control characters, a lone surrogate (escaped in the JSON body). */
const UNICODE_QUERIES = [
  'attributes.😀:x',
  'attributes.é:*',
  'attributes.\u0000:x',
  'attributes.\u202E:*a*',
  'thingName:😀*',
  'thingName:\uD800*',
  'attributes.ǅ:ǅ*',
  'thingName:e\u0301*',
  `attributes.x:${'\u0301'.repeat(1000)}`,
  'thingName:a\u3000OR\u3000thingName:b',
  'thingName:a\u00a0AND thingName:b',
  'attributes.' + '😀'.repeat(10_000) + ':*',
  '\uFEFFthingName:a',
];

/** Not the grammar at all, or only nearly. */
const GRAMMAR_JUNK = ['AND', 'OR OR', '()', '(', ')', 'NOT', 'thingName:', ':', 'thingName:a OR', 'thingName:[a TO b]', 'thingName:>1', 'and', ' ', '*', 'thingName:a AND AND thingName:b', 'NOT NOT NOT', ')('];

const queryTreeArb: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    smallTermArb,
    fc.tuple(tie('node'), fc.constantFrom('AND', 'OR', ''), tie('node')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    tie('node').map((n) => `NOT ${n}`),
  ),
})).node;

export const queryStringArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: wildTermArb, weight: 6 },
  { arbitrary: fc.tuple(nestingArb, termArb).map(([n, t]) => '('.repeat(n) + t + ')'.repeat(n)), weight: 2 },
  { arbitrary: fc.tuple(nestingArb, termArb).map(([n, t]) => 'NOT '.repeat(n) + t), weight: 2 },
  { arbitrary: fc.tuple(nestingArb, termArb).map(([n, t]) => '(NOT '.repeat(n) + t + ')'.repeat(n)), weight: 1 },
  { arbitrary: fc.tuple(nestingArb, termArb).map(([n, t]) => '(thingName:a AND '.repeat(Math.min(n, 50_000)) + t + ')'.repeat(Math.min(n, 50_000))), weight: 1 },
  { arbitrary: fc.tuple(nestingArb, termArb, fc.boolean()).map(([n, t, open]) => (open ? '('.repeat(n) + t : t + ')'.repeat(n))), weight: 1 },
  {
    arbitrary: fc.tuple(fc.constantFrom(100, 5_000, 30_000), fc.constantFrom(' OR ', ' AND ', ' '), smallTermArb).map(([n, op, t]) => Array(n).fill(t).join(op)),
    weight: 2,
  },
  { arbitrary: fc.constantFrom('thingName:' + 'a'.repeat(100_000), 'attributes.' + 'a'.repeat(100_000) + ':x', 'thingName:' + 'a'.repeat(500_000)), weight: 1 },
  { arbitrary: fc.constantFrom(...QUOTED_QUERIES), weight: 1 },
  { arbitrary: fc.constantFrom(...UNICODE_QUERIES), weight: 1 },
  { arbitrary: fc.constantFrom(...GRAMMAR_JUNK), weight: 1 },
  { arbitrary: queryTreeArb, weight: 2 },
);

/** 64–128-character thing names made of the letters the wildcard queries look for, never ending as they want. */
const worstNameArb = fc.tuple(fc.integer({ min: 64, max: 128 }), fc.constantFrom('a', 'ab', 'a-', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac')).map(([n, unit]) =>
  unit.repeat(Math.ceil(n / unit.length)).slice(0, n),
);

/**
 * Create a dynamic group with a hostile query, and things (before or after it) whose names, attributes, type and
 * static groups are the worst case for such queries; change a thing and the query; read the group; delete it.
 */
export function dynamicGroupScenarioArb(account: string): fc.Arbitrary<Scenario> {
  return fc
    .record({
      query: queryStringArb,
      query2: queryStringArb,
      names: fc.uniqueArray(worstNameArb, { minLength: 1, maxLength: 3 }),
      attrLen: fc.integer({ min: 64, max: 800 }),
      groupFirst: fc.boolean(),
      withType: fc.boolean(),
      withStatic: fc.boolean(),
    })
    .map(({ query, query2, names, attrLen, groupFirst, withType, withStatic }) => {
      const c = (method: string, path: string, body?: unknown) => call(account, method, path, body);
      const group = 'hostile-dynamic';
      const longName = 'a'.repeat(128);
      const attributes = { x: 'a'.repeat(attrLen), k: 'a'.repeat(800) };
      const createThing = (name: string) =>
        c('POST', `/things/${name}`, { attributePayload: { attributes }, ...(withType ? { thingTypeName: longName } : {}) });
      const createGroup = c('POST', `/dynamic-thing-groups/${group}`, { queryString: query });
      const steps: Step[] = [];
      if (withType) steps.push(c('POST', `/thing-types/${longName}`, {}));
      if (withStatic) steps.push(c('POST', `/thing-groups/${longName}`, {}));
      if (groupFirst) steps.push(createGroup);
      steps.push(...names.map(createThing));
      if (!groupFirst) steps.push(createGroup);
      if (withStatic) steps.push(c('PUT', '/thing-groups/addThingToThingGroup', { thingGroupName: longName, thingName: names[0] }));
      steps.push(
        c('PATCH', `/things/${names[0]}`, { attributePayload: { attributes: { x: 'a'.repeat(800), k: 'a'.repeat(attrLen) }, merge: true } }),
        c('PATCH', `/dynamic-thing-groups/${group}`, { thingGroupProperties: {}, queryString: query2 }),
        c('GET', `/thing-groups/${group}/things?maxResults=250`),
        c('GET', `/things/${names[0]}/thing-groups`),
        c('DELETE', `/dynamic-thing-groups/${group}`),
      );
      return { kind: 'dynamic-group query', steps };
    });
}

// ---------------------------------------------------------------------------------------------------------------
// IoT policies, audited

const wildActionArb = (maxK: number) =>
  fc.oneof(
    fc.tuple(fc.integer({ min: 3, max: maxK }), fc.constantFrom('a', 'e', 'i', 'a?'), fc.constantFrom('b', 'z', 'Q')).map(([k, lit, end]) => `iot:${`*${lit}`.repeat(k)}*${end}`),
    fc.integer({ min: 3, max: maxK }).map((k) => `iot:${'*?'.repeat(k)}`),
    fc.integer({ min: 3, max: maxK }).map((k) => `iot:${'?'.repeat(k)}*`),
    fc.integer({ min: 3, max: maxK }).map((k) => `iot:${'*'.repeat(k)}z`),
    fc.constantFrom('*', 'iot:*', 'iot:Publish', 'iot:*ubl*', 'iot:?onnect', 'iot:Subscribe', 'iot:Receive', 'iot:Connect'),
  );

const wildPathArb = (maxK: number) =>
  fc.oneof(
    fc.tuple(fc.integer({ min: 3, max: maxK }), fc.constantFrom('a', 'a/', 'a?'), fc.constantFrom('z', 'b/#', '?z')).map(([k, lit, end]) => `${`*${lit}`.repeat(k)}*${end}`),
    fc.integer({ min: 3, max: maxK }).map((k) => '${iot:ClientId}'.repeat(k)),
    fc.integer({ min: 3, max: maxK }).map((k) => '${iot:Connection.Thing.ThingName}/*a'.repeat(k) + 'z'),
    fc.integer({ min: 3, max: maxK }).map((k) => '${'.repeat(k)),
    fc.integer({ min: 3, max: maxK }).map((k) => '*'.repeat(k) + 'z'),
    fc.integer({ min: 3, max: maxK }).map((k) => 'a/'.repeat(k) + '#'),
    fc.integer({ min: 3, max: maxK }).map((k) => '+/'.repeat(k) + '#'),
    fc.constantFrom('*', 'a', '#', '+'),
  );

const resourceArb = (account: string, maxK: number) =>
  fc.oneof(
    { arbitrary: fc.constantFrom('*', 'arn:aws:iot:*', `arn:aws:iot:${REGION}:*`, 'arn:*:iot:*:*:*'), weight: 1 },
    { arbitrary: fc.integer({ min: 3, max: maxK }).map((k) => `arn:${'*:'.repeat(k)}`), weight: 1 },
    {
      arbitrary: fc
        .tuple(
          fc.constantFrom('arn:aws:iot:*:*:', `arn:aws:iot:${REGION}:${account}:`, 'arn:*:iot:*:*:', 'arn:aws:*o?:*:*:'),
          fc.constantFrom('topic', 'topicfilter', 'client', 'thing', '*', 't*', 'to?ic', '*a*a*a*z'),
          wildPathArb(maxK),
        )
        .map(([prefix, type, path]) => `${prefix}${type}/${path}`),
      weight: 6,
    },
  );

const oneOrMany = <T>(arb: fc.Arbitrary<T>, max: number) => fc.oneof(arb, fc.array(arb, { minLength: 1, maxLength: max }));

const statementArb = (account: string, maxK: number) =>
  fc.record(
    {
      Effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
      Action: oneOrMany(wildActionArb(maxK), 6),
      Resource: oneOrMany(resourceArb(account, maxK), 6),
      Condition: fc.constantFrom({ StringLike: { 'iot:ClientId': '*a*a*a*a*b' } }, { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } }),
    },
    { requiredKeys: ['Effect', 'Action', 'Resource'] },
  );

/**
 * A Subscribe Deny on a long literal topic filter, and Allows whose wildcard patterns the analyser must test against
 * that filter's parents (the misconfiguration check), each parent a long run of one letter.
 */
const circumventedDenyArb = (account: string) =>
  fc
    .tuple(fc.integer({ min: 100, max: 1200 }), fc.constantFrom('a', 'a/'), fc.integer({ min: 3, max: 40 }))
    .map(([len, unit, k]) => ({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Deny', Action: 'iot:Subscribe', Resource: `arn:aws:iot:${REGION}:${account}:topicfilter/${unit.repeat(Math.ceil(len / unit.length))}x` },
        {
          Effect: 'Allow',
          Action: ['iot:Receive', 'iot:Subscribe'],
          Resource: [`arn:aws:iot:${REGION}:${account}:topic/*`, `arn:aws:iot:${REGION}:${account}:topicfilter/${'*a'.repeat(k)}*z`],
        },
      ],
    }));

export const policyDocumentArb = (account: string) =>
  fc.oneof(
    { arbitrary: fc.array(statementArb(account, 60), { minLength: 1, maxLength: 4 }).map((Statement) => ({ Version: '2012-10-17', Statement })), weight: 4 },
    { arbitrary: circumventedDenyArb(account), weight: 2 },
    { arbitrary: statementArb(account, 400).map((s) => ({ Version: '2012-10-17', Statement: s })), weight: 1 },
  );

const POLICY_CHECKS = ['IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 'IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK'];

function auditSteps(account: string, checks: string[]): Step[] {
  const c = (method: string, path: string, body?: unknown) => call(account, method, path, body);
  const taskId = (answers: RawResponse[]) => {
    const start = answers.find((a) => typeof a.json?.taskId === 'string' && a.json?.taskStatus === undefined && a.json?.findings === undefined);
    return start?.json?.taskId as string | undefined;
  };
  const describe: Step = (answers) => {
    const id = taskId(answers);
    return id ? c('GET', `/audit/tasks/${id}`) : undefined;
  };
  return [
    c('PATCH', '/audit/configuration', {
      roleArn: `arn:aws:iam::${account}:role/HostileAudit`,
      auditCheckConfigurations: Object.fromEntries(checks.map((name) => [name, { enabled: true }])),
    }),
    c('POST', '/audit/tasks', { targetCheckNames: checks }),
    describe,
    describe,
    describe,
    (answers) => {
      const id = taskId(answers);
      return id ? c('POST', '/audit/findings', { taskId: id, maxResults: 250 }) : undefined;
    },
  ];
}

/** Wildcard-heavy policies attached to a thing group, a new default version, then an on-demand audit of them. */
export function policyAuditScenarioArb(account: string): fc.Arbitrary<Scenario> {
  return fc
    .record({ docs: fc.array(policyDocumentArb(account), { minLength: 1, maxLength: 3 }), version: fc.option(policyDocumentArb(account), { nil: undefined }) })
    .map(({ docs, version }) => {
      const c = (method: string, path: string, body?: unknown) => call(account, method, path, body);
      const group = 'hostile-policies';
      const steps: Step[] = [c('POST', `/thing-groups/${group}`, {})];
      docs.forEach((doc, i) => {
        steps.push(
          c('POST', `/policies/hostile-${i}`, { policyDocument: JSON.stringify(doc) }),
          c('PUT', `/target-policies/hostile-${i}`, { target: `arn:aws:iot:${REGION}:${account}:thinggroup/${group}` }),
        );
      });
      if (version) steps.push(c('POST', '/policies/hostile-0/version?setAsDefault=true', { policyDocument: JSON.stringify(version) }));
      steps.push(...auditSteps(account, POLICY_CHECKS));
      return { kind: 'policy audit', steps };
    });
}

// ---------------------------------------------------------------------------------------------------------------
// IAM roles behind role aliases and identity pools, audited

const IAM_CHECKS = [
  'IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK',
  'IOT_ROLE_ALIAS_ALLOWS_ACCESS_TO_UNUSED_SERVICES_CHECK',
  'AUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK',
  'UNAUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK',
];

const iamActionArb = fc.oneof(
  wildActionArb(2000),
  fc.integer({ min: 3, max: 2000 }).map((k) => `${'*?'.repeat(k)}:*`),
  fc.integer({ min: 3, max: 2000 }).map((k) => `${'?'.repeat(k)}*`),
  fc.constantFrom('s3:*', 'i*:*', 'iam:*', '*:*', 'cloudtrail:Get*', 'iot:*', '*'),
);

/** An IAM policy document: wildcard-heavy, very many statements, or deeply nested where a statement or value goes. */
export const iamPolicyArb = (account: string): fc.Arbitrary<unknown> =>
  fc.oneof(
    {
      arbitrary: fc
        .array(fc.record({ Effect: fc.constantFrom('Allow', 'Allow', 'Deny'), Action: oneOrMany(iamActionArb, 4), Resource: oneOrMany(resourceArb(account, 2000), 3) }), { minLength: 1, maxLength: 4 })
        .map((Statement) => ({ Version: '2012-10-17', Statement })),
      weight: 6,
    },
    { arbitrary: fc.constant({ Version: '2012-10-17', Statement: Array.from({ length: 5000 }, (_, i) => ({ Effect: 'Allow', Action: `s${i}:*a*`, Resource: '*' })) }), weight: 1 },
    { arbitrary: fc.tuple(deepJsonArb, fc.constantFrom('doc', 'statement', 'action', 'condition', 'string')).map(([deep, where]) => nestedPolicy(deep, where)), weight: 2 },
  );

function nestedPolicy(deep: RawJson, where: string): unknown {
  switch (where) {
    case 'doc':
      return deep;
    case 'statement':
      return { Version: '2012-10-17', Statement: deep };
    case 'action':
      return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*', Extra: deep }] };
    case 'condition':
      return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*', Condition: deep }] };
    default:
      // The document as JSON text inside a string: the store parses it a second time.
      return JSON.stringify(deep.text).length < 1_000_000 ? new RawJson(JSON.stringify(deep.text)) : deep;
  }
}

/** A role with hostile policies behind a role alias and an identity pool, with usage and connections, audited. */
export function iamAuditScenarioArb(account: string): fc.Arbitrary<Scenario> {
  return fc
    .record({ policies: fc.array(iamPolicyArb(account), { minLength: 1, maxLength: 2 }), authenticated: fc.boolean(), services: fc.subarray(['s3', 'iot', 'iam', 'dynamodb', 'cloudtrail']) })
    .map(({ policies, authenticated, services }) => {
      const c = (method: string, path: string, body?: unknown) => call(account, method, path, body);
      const role = 'hostile-role';
      const roleArn = `arn:aws:iam::${account}:role/${role}`;
      const pool = `${REGION}:00000000-0000-4000-8000-${account}`;
      const now = Date.now();
      const steps: Step[] = [
        c('PUT', `/_ddlocal/iam/roles/${role}`, { policies }),
        c('POST', '/role-aliases/hostile-alias', { roleArn }),
        c('PUT', `/_ddlocal/iam/identity-pools/${pool}`, { authenticatedRoleArn: roleArn, unauthenticatedRoleArn: roleArn }),
        c('POST', '/_ddlocal/lifecycle-events', {
          events: [
            { clientId: 'hostile-client', eventType: 'connected', timestamp: now - 1000, principalIdentifier: 'cognito-principal', sessionIdentifier: `s-${account}`, identityPoolId: pool, authenticated },
          ],
        }),
      ];
      if (services.length) steps.push(c('POST', '/_ddlocal/role-alias-usage', { records: services.map((service) => ({ roleAlias: 'hostile-alias', service })) }));
      steps.push(...auditSteps(account, IAM_CHECKS));
      return { kind: 'iam audit', steps };
    });
}

// ---------------------------------------------------------------------------------------------------------------
// ddlocal's own endpoints

const nastyOrLong = fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.constantFrom('a'.repeat(100_000), '😀'.repeat(50_000), 'x'.repeat(1000)));
const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  nastyOrLong,
  deepJsonArb,
  fc.constantFrom<unknown>(null, true, 0, -1, 1e308, [], {}, [null], new RawJson('1e999'), new RawJson('-0'), 2 ** 53 + 1),
);

/** A path name for /_ddlocal/…/{name}: valid, long, percent-encoded unicode, or raw traversal and broken escapes. */
const extensionNameArb = (valid: string) =>
  fc.oneof(
    { arbitrary: fc.constant(valid), weight: 3 },
    { arbitrary: fc.constantFrom(...RAW_LABELS), weight: 2 },
    { arbitrary: fc.constantFrom(...NASTY_STRINGS).map(pct), weight: 2 },
    { arbitrary: fc.constantFrom('a'.repeat(64), 'a'.repeat(65), 'a'.repeat(5000), `${valid}/x`, `${valid}%2Fx`, '', 'A'.repeat(64)), weight: 1 },
  );

const lifecycleEvent = (over: Record<string, unknown> = {}) => ({
  clientId: 'c',
  eventType: 'connected',
  timestamp: Date.now(),
  principalIdentifier: 'p',
  sessionIdentifier: 's',
  ...over,
});

/** Bodies for one extension endpoint: deep or huge JSON in every place, wrong types, many records. */
function extensionBodyArb(kind: string, account: string): fc.Arbitrary<unknown> {
  const generic: fc.Arbitrary<unknown> = fc.oneof(
    deepJsonArb,
    fc.constantFrom<unknown>(new RawJson(''), new RawJson('null'), new RawJson('[]'), new RawJson('"x"'), new RawJson('{'), new RawJson('\uFEFF{}'), {}),
    fc.tuple(fc.constantFrom(...NASTY_STRINGS), hostileScalar).map(([k, v]) => ({ [k]: v })),
  );
  const specific: Record<string, fc.Arbitrary<unknown>> = {
    role: fc.oneof(
      iamPolicyArb(account).map((p) => ({ policies: [p] })),
      hostileScalar.map((v) => ({ policies: v })),
      hostileScalar.map((v) => ({ arn: v, policies: [] })),
      fc.constant({ policies: Array.from({ length: 15_000 }, () => ({ Statement: { Effect: 'Allow', Action: '*', Resource: '*' } })) }),
      deepJsonArb.map((d) => ({ policies: [{ Statement: [{ Effect: 'Allow', Action: d, Resource: '*' }] }] })),
    ),
    pool: hostileScalar.map((v) => ({ authenticatedRoleArn: v, unauthenticatedRoleArn: `arn:aws:iam::${account}:role/x` })),
    events: fc.oneof(
      fc.constant({ events: Array.from({ length: 10_000 }, (_, i) => lifecycleEvent({ sessionIdentifier: `s${i}` })) }),
      fc.tuple(fc.constantFrom('clientId', 'eventType', 'timestamp', 'principalIdentifier', 'sessionIdentifier', 'identityPoolId', 'authenticated', 'ipAddress'), hostileScalar).map(([k, v]) => [lifecycleEvent({ [k]: v })]),
      fc.constantFrom(-1, 1e300, 2 ** 53, 8.64e15 + 1, 0).map((timestamp) => lifecycleEvent({ timestamp })),
      deepJsonArb.map((d) => ({ events: d })),
    ),
    usage: fc.oneof(
      fc.tuple(fc.constantFrom('roleAlias', 'service', 'time'), hostileScalar).map(([k, v]) => ({ records: [{ roleAlias: 'hostile-alias', service: 's3', [k]: v }] })),
      fc.constant({ records: Array.from({ length: 10_000 }, () => ({ roleAlias: 'hostile-alias', service: 's3' })) }),
      fc.constantFrom('9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '2024-02-30T00:00:00Z', '2024-01-01T00:00:00+99:99').map((time) => ({ records: [{ roleAlias: 'hostile-alias', service: 's3', time }] })),
    ),
    crl: fc.oneof(hostilePemArb('X509 CRL').map((crl) => ({ crl })), hostileDerArb.map((d) => ({ crl: d.toString('base64') })), hostileScalar.map((crl) => ({ crl }))),
    preview: fc.oneof(
      hostileStructureArb(lookupShape('StartAuditMitigationActionsTaskRequest'), 0, false),
      hostileStructureArb(lookupShape('StartAuditMitigationActionsTaskRequest'), 0, true),
      hostileScalar.map((v) => ({ target: { auditTaskId: 'x' }, auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['a'] }, maxResults: v })),
      hostileScalar.map((v) => ({ target: { findingIds: ['x'] }, auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['a'] }, nextToken: v })),
    ),
    clock: fc.oneof(
      hostileScalar.map((v) => ({ advanceSeconds: v })),
      hostileScalar.map((v) => ({ set: v })),
      fc.constantFrom<unknown>({ set: '10000-01-01T00:00:00Z' }, { advanceSeconds: 1e20 }, { advanceSeconds: -1e20 }, { set: '2024-13-01T00:00:00Z' }, { freeze: false }, { reset: 'yes' }, { advanceSeconds: 1, set: 'x' }),
    ),
    reset: fc.oneof(hostileScalar.map((v) => ({ accountId: v })), hostileScalar.map((v) => ({ accountId: '999999999999', region: v })), fc.constant({ accountId: '999999999999' })),
    none: fc.constant(undefined),
  };
  return fc.oneof({ arbitrary: specific[kind] ?? generic, weight: 3 }, { arbitrary: generic, weight: 1 });
}

/** One hostile request to a /_ddlocal/ endpoint. */
export function extensionRequestArb(account: string): fc.Arbitrary<Scenario> {
  const poolId = `${REGION}:00000000-0000-4000-8000-000000000000`;
  const caId = 'a'.repeat(64);
  const endpoints: Array<{ method: string; path: fc.Arbitrary<string>; body: string }> = [
    { method: 'PUT', path: extensionNameArb('hostile-role').map((n) => `/_ddlocal/iam/roles/${n}`), body: 'role' },
    { method: 'GET', path: extensionNameArb('hostile-role').map((n) => `/_ddlocal/iam/roles/${n}`), body: 'none' },
    { method: 'DELETE', path: extensionNameArb('hostile-role').map((n) => `/_ddlocal/iam/roles/${n}`), body: 'none' },
    { method: 'PUT', path: extensionNameArb(poolId).map((n) => `/_ddlocal/iam/identity-pools/${n}`), body: 'pool' },
    { method: 'GET', path: extensionNameArb(poolId).map((n) => `/_ddlocal/iam/identity-pools/${n}`), body: 'none' },
    { method: 'DELETE', path: extensionNameArb(poolId).map((n) => `/_ddlocal/iam/identity-pools/${n}`), body: 'none' },
    { method: 'POST', path: fc.constant('/_ddlocal/lifecycle-events'), body: 'events' },
    { method: 'POST', path: fc.constant('/_ddlocal/role-alias-usage'), body: 'usage' },
    { method: 'PUT', path: extensionNameArb(caId).map((n) => `/_ddlocal/crls/${n}`), body: 'crl' },
    { method: 'GET', path: extensionNameArb(caId).map((n) => `/_ddlocal/crls/${n}`), body: 'none' },
    { method: 'DELETE', path: extensionNameArb(caId).map((n) => `/_ddlocal/crls/${n}`), body: 'none' },
    { method: 'POST', path: fc.constant('/_ddlocal/audit/mitigationactions/preview'), body: 'preview' },
    { method: 'POST', path: extensionNameArb('hostile-task').map((n) => `/_ddlocal/audit/mitigationactions/tasks/${n}/undo`), body: 'generic' },
    { method: 'POST', path: fc.constant('/_ddlocal/clock'), body: 'clock' },
    { method: 'GET', path: fc.constantFrom('/_ddlocal/clock', '/_ddlocal/clock?x=' + 'a'.repeat(5000)), body: 'none' },
    { method: 'POST', path: fc.constant('/_ddlocal/reset'), body: 'reset' },
    { method: 'GET', path: fc.constantFrom('/_ddlocal/health', '/_ddlocal/health?%FF', '/_ddlocal/health/'), body: 'generic' },
    { method: 'GET', path: fc.constant('/_ddlocal/ca'), body: 'none' },
    { method: 'POST', path: fc.constantFrom('/_ddlocal/', '/_ddlocal/x', '/_ddlocal/..%2Fhealth', '/_ddlocal/iam/roles', '/_ddlocal/%00'), body: 'generic' },
  ];
  return fc
    .record({
      endpoint: fc.constantFrom(...endpoints),
      authorization: fc.oneof({ arbitrary: fc.constant(sigv4Header(account, REGION)), weight: 6 }, { arbitrary: fc.constantFrom(...HOSTILE_AUTHORIZATIONS), weight: 1 }),
    })
    .chain(({ endpoint, authorization }) =>
      fc.tuple(endpoint.path, extensionBodyArb(endpoint.body, account)).map(([path, body]): Scenario => ({
        kind: `extension ${endpoint.method} ${endpoint.body}`,
        steps: [{ method: endpoint.method, path, headers: { authorization }, body: body === undefined ? undefined : jsonText(body) }],
      })),
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Certificates: hostile PEM and DER

function pem(label: string, der: Buffer, lineLength = 64): string {
  const b64 = der.toString('base64');
  const lines = b64.match(new RegExp(`.{1,${lineLength}}`, 'g')) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** BER/DER that breaks parsers: deep indefinite-length nesting, lengths far beyond the data, huge tag numbers. */
const hostileDerArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(1000, 10_000, 20_000).map((n) => Buffer.concat([Buffer.alloc(2 * n, Buffer.from([0x30, 0x80])), Buffer.alloc(2 * n, 0)])),
  fc.constantFrom(1000, 10_000).map((n) => Buffer.alloc(2 * n, Buffer.from([0x30, 0x80]))),
  fc.constant(Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x02, 0x01, 0x00])),
  fc.constant(Buffer.from([0x30, 0x89, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])),
  fc.constant(Buffer.concat([Buffer.from([0x1f]), Buffer.alloc(5000, 0xff), Buffer.from([0x01, 0x00])])),
  fc.constant(Buffer.concat([Buffer.from([0x30, 0x82, 0xc3, 0x50]), Buffer.alloc(50_000, 0x00)])),
  fc.uint8Array({ minLength: 1, maxLength: 2000 }).map((b) => Buffer.from(b)),
);

function hostilePemArb(label: string): fc.Arbitrary<string> {
  return fc.oneof(
    hostileDerArb.map((der) => pem(label, der)),
    hostileDerArb.map((der) => pem(label, der, 1)),
    fc.constant(`-----BEGIN ${label}-----\n` + '\n'.repeat(60_000) + `-----END ${label}-----\n`),
    fc.constant(`-----BEGIN ${label}-----\n${'A'.repeat(60_000)}\n-----END ${label}-----\n`),
    fc.constant(pem(label, Buffer.from([0x30, 0x00])).repeat(500)),
    fc.constant(`-----BEGIN ${label}-----\n` + '😀'.repeat(1000) + `\n-----END ${label}-----\n`),
    fc.constant(`-----BEGIN ${'A'.repeat(30_000)}-----\nMA==\n-----END ${'A'.repeat(30_000)}-----\n`),
    fc.constant(`-----BEGIN ${label}-----\nMA==\n`),
  );
}

/** Certificate operations fed hostile PEM/DER. */
export function certificateRequestArb(account: string): fc.Arbitrary<Scenario> {
  const c = (method: string, path: string, body?: unknown) => call(account, method, path, body);
  return fc
    .tuple(fc.constantFrom('ca', 'cert', 'cert-no-ca', 'csr'), hostilePemArb('CERTIFICATE'), hostilePemArb('CERTIFICATE REQUEST'))
    .map(([op, cert, csr]): Scenario => {
      const step =
        op === 'ca'
          ? c('POST', '/cacertificate', { caCertificate: cert, verificationCertificate: cert })
          : op === 'cert'
            ? c('POST', '/certificate/register', { certificatePem: cert, caCertificatePem: cert })
            : op === 'cert-no-ca'
              ? c('POST', '/certificate/register-no-ca', { certificatePem: cert })
              : c('POST', '/certificates?setAsActive=true', { certificateSigningRequest: csr });
      return { kind: `certificate PEM ${op}`, steps: [step] };
    });
}

// ---------------------------------------------------------------------------------------------------------------
// Requests too big for Node's HTTP parser (a 16 KiB head): ddlocal must still answer, not hang.

export const oversizedHeadArb: fc.Arbitrary<Scenario> = fc
  .constantFrom<FuzzRequest>(
    { method: 'GET', path: `/things?nextToken=${'A'.repeat(20_000)}`, headers: {} },
    { method: 'GET', path: `/things/${'a'.repeat(20_000)}`, headers: {} },
    { method: 'GET', path: '/_ddlocal/health', headers: { 'x-hostile': 'a'.repeat(20_000) } },
    { method: 'GET', path: '/things', headers: { authorization: sigv4Header('123456789012', 'a'.repeat(20_000)) } },
  )
  .map((req): Scenario => ({ kind: 'oversized head', steps: [req] }));

