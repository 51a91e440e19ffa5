// The policy document rules (docs/decisions.md#r13), checked on the validator itself: every rule with a document that
// passes and one that breaks it. The HTTP path (MalformedPolicyException, 400) is in policies.test.ts.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { countedLength, MAX_POLICY_DOCUMENT_CHARS, validatePolicyDocument } from '../src/registry/policy-document.js';
import { ApiError } from '../src/kernel/errors.js';
import { errorStatus } from '../src/protocol/error-status.js';

const stmt = (extra: Record<string, unknown> = {}, base: Record<string, unknown> = { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }) => ({
  ...base,
  ...extra,
});
const doc = (statement: unknown, top: Record<string, unknown> = { Version: '2012-10-17' }) => JSON.stringify({ ...top, Statement: statement });

function rejects(document: string, message: RegExp) {
  assert.throws(
    () => validatePolicyDocument(document),
    (err: unknown) => {
      assert.ok(err instanceof ApiError, `expected ApiError, got ${String(err)}`);
      assert.equal(err.code, 'MalformedPolicyException');
      assert.equal(errorStatus(err.code), 400);
      assert.match(err.message, message);
      return true;
    },
  );
}

const accepts = (document: string) => assert.doesNotThrow(() => validatePolicyDocument(document));

describe('policy document validator', () => {
  test('the BLANK_POLICY document of Dec M9 is valid', () => {
    accepts('{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iot:*","Resource":"*"}]}');
  });

  test('JSON: must parse and be an object', () => {
    rejects('{"Statement": [', /not valid JSON/);
    rejects('[]', /must be a JSON object, not an array/);
    rejects('"text"', /must be a JSON object/);
    rejects('null', /must be a JSON object, not null/);
    rejects('', /empty/);
    rejects(' \n\t ', /empty/);
  });

  test('size: 2048 characters not counting whitespace', () => {
    const prefix = '{"Statement":{"Effect":"Allow","Action":"iot:Connect","Resource":"arn:aws:iot:us-east-1:123456789012:client/';
    const suffix = '"}}';
    const fill = (n: number) => prefix + 'x'.repeat(n - prefix.length - suffix.length) + suffix;
    const exact = fill(MAX_POLICY_DOCUMENT_CHARS);
    assert.equal(countedLength(exact), 2048);
    accepts(exact);
    rejects(fill(MAX_POLICY_DOCUMENT_CHARS + 1), /2049 characters not counting whitespace; at most 2048/);
    // Whitespace (spaces, tabs, newlines) does not count, wherever it is: a 2048-character document stays valid
    // when pretty-printed far beyond 2048 raw characters.
    const pretty = ' '.repeat(200) + JSON.stringify(JSON.parse(exact), null, 10).replace(/,/g, ',\r\n\t  ') + '\n'.repeat(200);
    assert.ok(pretty.length > 2400);
    accepts(pretty);
    assert.equal(countedLength(pretty), 2048);
    // ...but whitespace does not hide an oversize document either.
    rejects(JSON.stringify(JSON.parse(fill(2049)), null, 2), /2049 characters/);
  });

  test('size counts code points, not UTF-16 units', () => {
    assert.equal(countedLength('{"a":"😀"}'), 9);
  });

  test('Version: optional, 2012-10-17 or 2008-10-17', () => {
    accepts(doc(stmt(), {}));
    accepts(doc(stmt(), { Version: '2008-10-17' }));
    rejects(doc(stmt(), { Version: '2020-01-01' }), /Version must be one of 2012-10-17, 2008-10-17/);
    rejects(doc(stmt(), { Version: 2012 }), /Version must be one of/);
  });

  test('Statement: required, an object or a non-empty array of objects', () => {
    accepts(doc(stmt()));
    accepts(doc([stmt(), stmt({ Effect: 'Deny' })]));
    rejects(JSON.stringify({ Version: '2012-10-17' }), /needs a Statement/);
    rejects(doc([]), /Statement must not be an empty array/);
    rejects(doc('Allow everything'), /Statement must be an object or an array of objects/);
    rejects(doc([stmt(), 'x']), /Statement\[1\] must be an object/);
  });

  test('no unsupported top-level keys', () => {
    rejects(doc(stmt(), { Version: '2012-10-17', Id: 'x' }), /unsupported top-level key "Id"/);
  });

  test('Effect: required, Allow or Deny (case-sensitive)', () => {
    accepts(doc(stmt({ Effect: 'Deny' })));
    rejects(doc([stmt(), { Action: 'iot:*', Resource: '*' }]), /Statement\[1\] needs Effect/);
    rejects(doc(stmt({ Effect: 'allow' })), /Statement\[0\]\.Effect must be "Allow" or "Deny"/);
    rejects(doc(stmt({ Effect: true })), /Statement\[0\]\.Effect/);
  });

  test('Action / NotAction: exactly one, string or non-empty list of * or service:pattern', () => {
    accepts(doc(stmt({ Action: '*' })));
    accepts(doc(stmt({ Action: ['iot:Publish', 'iot:Receive', 'iot:Get*', 'greengrass:?et*'] })));
    accepts(doc({ Effect: 'Deny', NotAction: 'iot:Connect', Resource: '*' }));
    rejects(doc(stmt({ NotAction: 'iot:Publish' })), /Statement\[0\] has both Action and NotAction/);
    rejects(doc({ Effect: 'Allow', Resource: '*' }), /Statement\[0\] needs Action or NotAction/);
    rejects(doc(stmt({ Action: [] })), /Statement\[0\]\.Action must not be an empty array/);
    rejects(doc(stmt({ Action: 'Connect' })), /Statement\[0\]\.Action "Connect" is not/);
    rejects(doc(stmt({ Action: ['iot:Publish', 'iot:Pub-lish'] })), /Statement\[0\]\.Action\[1\] "iot:Pub-lish"/);
    rejects(doc(stmt({ Action: 'iot:' })), /Statement\[0\]\.Action "iot:"/);
    rejects(doc(stmt({ Action: ['iot:Publish', 7] })), /Statement\[0\]\.Action\[1\] must be a string/);
    rejects(doc(stmt({ Action: { iot: 'Publish' } })), /Statement\[0\]\.Action must be a string/);
  });

  test('Resource / NotResource: exactly one, string or non-empty list of * or arn:…', () => {
    accepts(doc(stmt({ Resource: ['arn:aws:iot:us-east-1:123456789012:topic/a', 'arn:aws:iot:*:*:client/*'] })));
    accepts(doc({ Effect: 'Allow', Action: 'iot:*', NotResource: 'arn:aws:iot:us-east-1:123456789012:topic/admin' }));
    rejects(doc(stmt({ NotResource: '*' })), /Statement\[0\] has both Resource and NotResource/);
    rejects(doc({ Effect: 'Allow', Action: 'iot:*' }), /Statement\[0\] needs Resource or NotResource/);
    rejects(doc(stmt({ Resource: [] })), /Statement\[0\]\.Resource must not be an empty array/);
    rejects(doc(stmt({ Resource: 'topic/a' })), /Statement\[0\]\.Resource "topic\/a" is not "\*" or an ARN/);
    rejects(doc([stmt(), stmt({ Resource: ['*', null] })]), /Statement\[1\]\.Resource\[1\] must be a string, not null/);
  });

  test('policy variables are allowed in resources and condition values', () => {
    accepts(
      doc([
        stmt({ Action: 'iot:Connect', Resource: 'arn:aws:iot:us-east-1:123456789012:client/${iot:ClientId}' }),
        stmt({
          Action: 'iot:Publish',
          Resource: 'arn:aws:iot:us-east-1:123456789012:topic/${iot:Connection.Thing.ThingName}/*',
          Condition: { StringEquals: { 'iot:ClientId': '${iot:Connection.Thing.ThingName}' } },
        }),
      ]),
    );
  });

  test('Condition: object of operator → object of key → scalar or list of scalars', () => {
    accepts(
      doc(
        stmt({
          Condition: {
            StringEquals: { 'iot:ClientId': ['a', 'b'] },
            Bool: { 'iot:Connection.Thing.IsAttached': true },
            NumericLessThan: { 'aws:EpochTime': 1700000000 },
          },
        }),
      ),
    );
    accepts(doc(stmt({ Condition: {} })));
    rejects(doc(stmt({ Condition: 'StringEquals' })), /Statement\[0\]\.Condition must be an object/);
    rejects(doc(stmt({ Condition: { StringEquals: ['a'] } })), /Statement\[0\]\.Condition\.StringEquals must be an object/);
    rejects(doc(stmt({ Condition: { StringEquals: { k: { nested: 1 } } } })), /Condition\.StringEquals\.k must be a string, number, boolean/);
    rejects(doc(stmt({ Condition: { StringEquals: { k: [['x']] } } })), /Condition\.StringEquals\.k/);
    rejects(doc(stmt({ Condition: { StringEquals: { k: null } } })), /Condition\.StringEquals\.k/);
  });

  test('Sid: optional string', () => {
    accepts(doc(stmt({ Sid: 'AllowConnect' })));
    rejects(doc([stmt(), stmt(), stmt({ Sid: 3 })]), /Statement\[2\]\.Sid must be a string/);
  });

  test('statements have no other keys (e.g. Principal)', () => {
    rejects(doc([stmt(), stmt({ Principal: '*' })]), /Statement\[1\] has the unsupported key "Principal"/);
    rejects(doc(stmt({ effect: 'Allow' })), /Statement\[0\] has the unsupported key "effect"/);
  });
});
