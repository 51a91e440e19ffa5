// IAM identity policy documents (src/iam/policy.ts, docs/iam.md): every rule with a document that breaks it and the
// MalformedPolicyException message that names the policy, the statement (index and Sid) and the rule; the limits; and
// documents at the edges that are accepted.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../src/kernel/errors.js';
import { errorStatus } from '../src/protocol/error-status.js';
import { MAX_NESTING_DEPTH } from '../src/kernel/nesting.js';
import { compilePolicy, evaluate, MAX_CONDITION_VALUES, MAX_ELEMENT_ENTRIES, MAX_POLICY_CHARACTERS, MAX_STATEMENTS } from '../src/iam/index.js';

type Statement = Record<string, unknown>;
const stmt = (extra: Statement = {}): Statement => ({ Effect: 'Allow', Action: 'iot:DescribeThing', Resource: '*', ...extra });
const doc = (...statements: Statement[]) => ({ Version: '2012-10-17', Statement: statements });

/** The document is refused with MalformedPolicyException (a 400), and the message matches every pattern. */
function rejects(document: string | object, ...messages: RegExp[]) {
  assert.throws(
    () => compilePolicy({ name: 'ops', document }),
    (err: unknown) => {
      assert.ok(err instanceof ApiError, `expected ApiError, got ${String(err)}`);
      assert.equal(err.code, 'MalformedPolicyException');
      assert.equal(errorStatus(err.code), 400);
      assert.match(err.message, /^Policy "ops": /);
      for (const m of messages) assert.match(err.message, m);
      return true;
    },
  );
}

const accepts = (document: string | object) => assert.doesNotThrow(() => compilePolicy({ name: 'ops', document }));

describe('IAM policy parsing: the document', () => {
  test('JSON text must parse and be an object', () => {
    rejects('{"Statement": [', /not valid JSON/);
    rejects('', /not valid JSON/);
    rejects('[]', /must be a JSON object/);
    rejects('null', /must be a JSON object/);
    rejects([doc(stmt())], /must be a JSON object/);
  });

  test('only Version, Id and Statement at the top', () => {
    rejects({ ...doc(stmt()), Statements: [] }, /unknown element "Statements"/);
    rejects({ ...doc(stmt()), Id: 7 }, /Id must be a string/);
    accepts({ ...doc(stmt()), Id: 'cd3ad3d9-2776-4ef1-a904-4c229d1642ee' });
  });

  test('Version is 2012-10-17 or 2008-10-17, and defaults to 2008-10-17', () => {
    rejects({ ...doc(stmt()), Version: '2012-10-18' }, /Version must be "2012-10-17" or "2008-10-17", not "2012-10-18"/);
    rejects({ ...doc(stmt()), Version: 2012 }, /not 2012/);
    accepts({ ...doc(stmt()), Version: '2008-10-17' });
    assert.equal(compilePolicy({ name: 'p', document: { Statement: stmt() } }).version, '2008-10-17');
  });

  test('Statement: present, one object or a non-empty list of objects', () => {
    rejects({ Version: '2012-10-17' }, /has no Statement/);
    rejects(doc(), /Statement lists no statements/);
    rejects({ Version: '2012-10-17', Statement: 'Allow everything' }, /Statement\[0\]: a statement must be a JSON object/);
    rejects({ Version: '2012-10-17', Statement: [stmt(), 42] }, /Statement\[1\]: a statement must be a JSON object/);
    accepts({ Version: '2012-10-17', Statement: stmt() });
  });
});

describe('IAM policy parsing: statements', () => {
  test('Principal and NotPrincipal belong in resource policies, not identity policies', () => {
    rejects(doc(stmt(), stmt({ Sid: 'Cross', Principal: { AWS: '*' } })), /Statement\[1\] \(Sid "Cross"\): Principal is not allowed in an identity-based policy/);
    rejects(doc(stmt({ NotPrincipal: { AWS: 'arn:aws:iam::123456789012:root' } })), /Statement\[0\]: NotPrincipal is not allowed/);
  });

  test('unknown elements are refused by name (element names are case-sensitive)', () => {
    rejects(doc(stmt({ Actions: ['iot:*'] })), /Statement\[0\]: unknown element "Actions"/);
    rejects(doc(stmt({ effect: 'Allow' })), /unknown element "effect"/);
  });

  test('Effect is exactly Allow or Deny', () => {
    rejects(doc(stmt({ Effect: 'allow' })), /Statement\[0\]: Effect must be "Allow" or "Deny", not "allow"/);
    rejects(doc({ Action: '*', Resource: '*' }), /Effect must be "Allow" or "Deny", not missing/);
  });

  test('exactly one of Action and NotAction', () => {
    rejects(doc(stmt({ NotAction: 'iot:Delete*' })), /either Action or NotAction, not both/);
    rejects(doc({ Effect: 'Allow', Resource: '*' }), /needs Action or NotAction/);
  });

  test('exactly one of Resource and NotResource', () => {
    rejects(doc(stmt({ NotResource: 'arn:aws:iot:*:*:thing/x' })), /either Resource or NotResource, not both/);
    rejects(doc({ Effect: 'Allow', Action: '*' }), /needs Resource or NotResource/);
  });

  test('Action: strings of the form service:action', () => {
    rejects(doc(stmt({ Action: 7 })), /Action must be a string or a list of strings/);
    rejects(doc(stmt({ Action: ['iot:ListThings', null] })), /Action must be a string or a list of strings/);
    rejects(doc(stmt({ Action: [] })), /Action lists nothing/);
    rejects(doc(stmt({ Action: 'CreateThing' })), /Action "CreateThing" must be "\*" or "<service>:<action>"/);
    rejects(doc(stmt({ Action: undefined, NotAction: 'iot:' })), /NotAction "iot:" must be/);
    rejects(doc(stmt({ Action: 'i ot:Get*' })), /Action "i ot:Get\*" must be/);
    accepts(doc(stmt({ Action: ['*', 'iot:*', 'iot:Describe*', 'IOT:listthings', 'io?:Get*'] })));
  });

  test('Resource: * or an ARN with its six components', () => {
    rejects(doc(stmt({ Resource: 'thing/sensor' })), /Resource "thing\/sensor" must be "\*" or an ARN \(arn:partition:service:region:account:resource\)/);
    rejects(doc(stmt({ Resource: 'arn:aws:iot:us-east-1:thing/x' })), /must be "\*" or an ARN/);
    rejects(doc(stmt({ Resource: undefined, NotResource: [] })), /NotResource lists nothing/);
    accepts(doc(stmt({ Resource: ['*', 'arn:aws:iot:*:*:*', 'arn:aws:s3:::bucket/*', 'arn:aws:iot:us-east-1:123456789012:thing/${aws:username}'] })));
  });

  test('Sid: letters and digits, unique in the policy; messages name statements by it', () => {
    rejects(doc(stmt({ Sid: 'allow all' })), /Statement\[0\] \(Sid "allow all"\): Sid must be a string of letters and digits/);
    rejects(doc(stmt({ Sid: 7 })), /Statement\[0\]: Sid must be a string/);
    rejects(doc(stmt({ Sid: 'One' }), stmt({ Sid: 'Two' }), stmt({ Sid: 'One' })), /Statement\[2\] \(Sid "One"\): Sid "One" is used by an earlier statement/);
    accepts(doc(stmt({ Sid: 'One' }), stmt({ Sid: 'one' }), stmt(), stmt({ Sid: '' }), stmt({ Sid: '' })));
  });
});

describe('IAM policy parsing: conditions', () => {
  const cond = (condition: unknown) => doc(stmt({ Sid: 'Cond', Condition: condition }));

  test('Condition is an object of operators, each an object of keys', () => {
    rejects(cond(['StringEquals']), /Statement\[0\] \(Sid "Cond"\): Condition must be an object of condition operators/);
    rejects(cond({ StringEquals: 'aws:username' }), /Condition operator StringEquals must be an object of condition keys/);
    rejects(cond({ StringEquals: {} }), /Condition operator StringEquals has no condition keys/);
    rejects(cond({ StringEquals: { '': 'x' } }), /has an empty condition key/);
    accepts(cond({}));
  });

  test('values: a scalar or a non-empty list of scalars', () => {
    rejects(cond({ StringEquals: { 'aws:username': { name: 'x' } } }), /Condition StringEquals key "aws:username" must be a string, number, boolean or a list of them/);
    rejects(cond({ StringEquals: { 'aws:username': [] } }), /key "aws:username" lists no values/);
    rejects(cond({ StringEquals: { 'aws:username': ['a', ['b']] } }), /must list only strings, numbers and booleans/);
    rejects(cond({ StringEquals: { 'aws:username': null } }), /must be a string, number, boolean/);
  });

  test('an unknown operator makes the policy invalid, with a hint when only the case is wrong', () => {
    rejects(cond({ StringEqual: { 'aws:username': 'a' } }), /Condition operator "StringEqual" is not an IAM condition operator$/);
    rejects(cond({ stringequals: { 'aws:username': 'a' } }), /"stringequals" is not an IAM condition operator \(did you mean "StringEquals"\?\)/);
    rejects(cond({ 'forallvalues:stringlikeifexists': { 'aws:TagKeys': 'a' } }), /did you mean "ForAllValues:StringLikeIfExists"/);
    rejects(cond({ 'ForEveryValue:StringEquals': { 'aws:TagKeys': 'a' } }), /is not an IAM condition operator/);
    rejects(cond({ IfExists: { 'aws:TagKeys': 'a' } }), /is not an IAM condition operator/);
    rejects(cond({ BinaryNotEquals: { 'iot:blob': 'AA==' } }), /is not an IAM condition operator/);
  });

  test('Null takes no IfExists and no set qualifier, and only true or false', () => {
    rejects(cond({ NullIfExists: { 'aws:username': 'true' } }), /"NullIfExists" is not allowed: Null takes neither IfExists nor ForAnyValue\/ForAllValues/);
    rejects(cond({ 'ForAnyValue:Null': { 'aws:TagKeys': 'true' } }), /"ForAnyValue:Null" is not allowed/);
    rejects(cond({ Null: { 'aws:username': 'maybe' } }), /key "aws:username": Null takes only true or false/);
    accepts(cond({ Null: { 'aws:username': ['TRUE', false] } }));
  });

  test('every operator family checks its values', () => {
    rejects(cond({ NumericLessThan: { 's3:max-keys': 'ten' } }), /Condition NumericLessThan key "s3:max-keys": value "ten" is not a number/);
    rejects(cond({ NumericEquals: { 's3:max-keys': '0x10' } }), /value "0x10" is not a number/);
    rejects(cond({ NumericEquals: { 's3:max-keys': '${aws:username}' } }), /is not a number/);
    rejects(cond({ DateGreaterThan: { 'aws:CurrentTime': 'yesterday' } }), /value "yesterday" is not an ISO-8601 date-time or a number of epoch seconds/);
    rejects(cond({ DateLessThan: { 'aws:CurrentTime': '2025-02-30T00:00:00Z' } }), /is not an ISO-8601 date-time/);
    rejects(cond({ Bool: { 'aws:SecureTransport': 'yes' } }), /value "yes" is not true or false/);
    rejects(cond({ Bool: { 'aws:SecureTransport': 1 } }), /value 1 is not true or false/);
    rejects(cond({ BinaryEquals: { 'iot:blob': 'not base64!' } }), /value "not base64!" is not base64/);
    rejects(cond({ IpAddress: { 'aws:SourceIp': '300.1.1.1/24' } }), /value "300.1.1.1\/24" is not an IPv4 or IPv6 address or CIDR range/);
    rejects(cond({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/33' } }), /"10.0.0.0\/33" is not an IPv4 or IPv6/);
    rejects(cond({ IpAddress: { 'aws:SourceIp': '2001:db8::/129' } }), /is not an IPv4 or IPv6/);
    rejects(cond({ IpAddress: { 'aws:SourceIp': 'fe80::1%eth0' } }), /is not an IPv4 or IPv6/);
    accepts(
      cond({
        NumericLessThanEquals: { 's3:max-keys': ['10', 2.5, '-1e3'] },
        DateGreaterThan: { 'aws:CurrentTime': ['2025-01-01', '2025-01-01T10:00Z', '2025-01-01T10:00:00.123+02:00', 1700000000, '1700000000'] },
        Bool: { 'aws:SecureTransport': [true, 'False', '${aws:MultiFactorAuthPresent}'] },
        BinaryEquals: { 'iot:blob': 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' },
        IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '192.0.2.1', '2001:DB8:1234:5678::/64', '::ffff:10.0.0.0/104'] },
        ArnLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/*', '*'] },
        'ForAnyValue:StringNotLikeIfExists': { 'aws:TagKeys': 'secret-*' },
      }),
    );
  });

  test('policy variables must be well formed (in 2012-10-17 only)', () => {
    rejects(cond({ StringEquals: { 'aws:username': '${aws:username' } }), /value "\$\{aws:username" has an unterminated or malformed policy variable at "\$\{aws:username"/);
    rejects(cond({ StringLike: { 'aws:username': 'x${}' } }), /has a policy variable without a key name/);
    rejects(cond({ StringLike: { 'aws:username': '${aws:username, anonymous}' } }), /whose default is not in single quotes/);
    rejects(cond({ StringLike: { 'aws:username': "${aws:username, 'anon}" } }), /unterminated default/);
    rejects(doc(stmt({ Resource: 'arn:aws:iot:us-east-1:123456789012:thing/${aws:user name}' })), /Resource "arn:aws:iot:us-east-1:123456789012:thing\/\$\{aws:user name\}" has an unterminated or malformed policy variable/);
    // In 2008-10-17 the same text is literal and therefore fine.
    accepts({ Version: '2008-10-17', Statement: stmt({ Condition: { StringEquals: { 'aws:username': '${aws:username' } } }) });
    accepts(cond({ StringLike: { 'aws:username': "${aws:username, 'it''s me'}-${*}${?}${$}" } }));
  });
});

describe('IAM policy parsing: limits', () => {
  test(`a document of at most ${MAX_POLICY_CHARACTERS} characters`, () => {
    const base = JSON.stringify(doc(stmt({ Resource: 'arn:aws:iot:us-east-1:123456789012:thing/' })));
    const fill = (n: number) => base.replace('thing/', `thing/${'x'.repeat(n - base.length)}`);
    assert.equal(fill(MAX_POLICY_CHARACTERS).length, MAX_POLICY_CHARACTERS);
    accepts(fill(MAX_POLICY_CHARACTERS));
    rejects(fill(MAX_POLICY_CHARACTERS + 1), new RegExp(`the document has ${MAX_POLICY_CHARACTERS + 1} characters; at most ${MAX_POLICY_CHARACTERS}`));
    rejects(JSON.parse(fill(MAX_POLICY_CHARACTERS + 1)), /characters as JSON; at most/);
  });

  test(`nesting deeper than ${MAX_NESTING_DEPTH} levels is refused before parsing`, () => {
    const deepText = '{"Statement":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
    rejects(deepText.slice(0, MAX_POLICY_CHARACTERS), /nests JSON \d+ levels deep; at most 64 levels are allowed/);
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    rejects({ Version: '2012-10-17', Statement: deep }, /nests 65 levels deep; at most 64/);
    // A cycle is infinitely deep, not a hang or a stack overflow.
    const cyclic: Record<string, unknown> = { Version: '2012-10-17' };
    cyclic.Statement = [cyclic];
    rejects(cyclic, /levels deep/);
  });

  test(`at most ${MAX_STATEMENTS} statements, ${MAX_ELEMENT_ENTRIES} entries per element, ${MAX_CONDITION_VALUES} values per key`, () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => `iot:Action${i}`);
    accepts({ Version: '2012-10-17', Statement: Array.from({ length: MAX_STATEMENTS }, () => stmt()) });
    rejects({ Version: '2012-10-17', Statement: Array.from({ length: MAX_STATEMENTS + 1 }, () => stmt()) }, /Statement lists 1001 statements; at most 1000/);
    accepts(doc(stmt({ Action: many(MAX_ELEMENT_ENTRIES) })));
    rejects(doc(stmt({ Action: many(MAX_ELEMENT_ENTRIES + 1) })), /Action lists 1001 entries; at most 1000/);
    rejects(doc(stmt({ Condition: { StringEquals: { 'aws:username': many(MAX_CONDITION_VALUES + 1) } } })), /lists 1001 values; at most 1000/);
    const keys = Object.fromEntries(many(MAX_CONDITION_VALUES + 1).map((k) => [k, 'x']));
    rejects(doc(stmt({ Condition: { StringEquals: keys } })), /has 1001 keys; at most 1000/);
  });

  test('a pathological wildcard pattern compiles and matches without backtracking', () => {
    // `*a*a*…*b` against `aaaa…` is the classic exponential case for a RegExp; the glob automaton takes one pass.
    const pattern = `arn:aws:iot:us-east-1:123456789012:thing/${'*a'.repeat(2000)}*b`;
    const policy = compilePolicy({ name: 'p', document: doc(stmt({ Resource: pattern, Condition: { StringLike: { 'iot:ThingName': `${'*a'.repeat(2000)}*b` } } })) });
    const resource = `arn:aws:iot:us-east-1:123456789012:thing/${'a'.repeat(5000)}`;
    assert.equal(evaluate({ action: 'iot:DescribeThing', resource, context: { 'iot:ThingName': 'a'.repeat(5000) } }, [policy]).decision, 'implicitDeny');
  });
});
