// The IAM identity-policy engine (src/iam, docs/iam.md) decides requests as AWS documents it: a table of cases, each
// with its policies, request, expected decision and the statement expected to decide; property tests over generated
// statements (a Deny twin always wins, statement order never changes the outcome, NotAction is Action's complement);
// and the AccessDenied message shape.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { accessDeniedMessage, compilePolicy, evaluate, type Decision, type PolicySource, type RequestContextInput } from '../src/iam/index.js';

const ACCOUNT = '123456789012';
const thing = (name: string, region = 'us-east-1') => `arn:aws:iot:${region}:${ACCOUNT}:thing/${name}`;
const USER = `arn:aws:iam::${ACCOUNT}:user/alice`;

type Statement = Record<string, unknown>;
const allow = (extra: Statement = {}): Statement => ({ Effect: 'Allow', Action: 'iot:DescribeThing', Resource: '*', ...extra });
const deny = (extra: Statement = {}): Statement => ({ Effect: 'Deny', Action: 'iot:DescribeThing', Resource: '*', ...extra });
const doc = (...statements: Statement[]) => ({ Version: '2012-10-17', Statement: statements });
/** Allow iot:DescribeThing on everything when the Condition holds. */
const allowIf = (condition: Record<string, unknown>) => [doc(allow({ Condition: condition }))];
const denyIf = (condition: Record<string, unknown>) => [doc(allow(), deny({ Condition: condition }))];

interface Case {
  name: string;
  /** Documents (named p0, p1, … in order) or named sources. */
  policies: Array<object | PolicySource>;
  request?: { action?: string; resource?: string; context?: RequestContextInput };
  /** The decision, and for allowed / explicitDeny the deciding statement as [policy, index, sid?]. */
  expected: Decision['decision'];
  by?: [string, number, string?];
}

const decidedBy = (expected: Decision['decision'], by?: [string, number, string?]): Decision =>
  by === undefined
    ? { decision: expected }
    : { decision: expected, statement: by[2] === undefined ? { policyName: by[0], index: by[1] } : { policyName: by[0], index: by[1], sid: by[2] } };

const ctx = (extra: RequestContextInput = {}): RequestContextInput => ({ 'aws:PrincipalArn': USER, ...extra });
const FIRST: [string, number] = ['p0', 0];
const SECOND: [string, number] = ['p0', 1];

const CASES: Case[] = [
  // ---- the evaluation logic -----------------------------------------------------------------------------------
  { name: 'an Allow of the action on * allows', policies: [doc(allow())], expected: 'allowed', by: FIRST },
  { name: 'no policies: implicit deny', policies: [], expected: 'implicitDeny' },
  { name: 'an Allow of another action does not allow', policies: [doc(allow({ Action: 'iot:CreateThing' }))], expected: 'implicitDeny' },
  { name: 'Deny beats Allow in the same policy', policies: [doc(allow(), deny({ Sid: 'NoDescribe' }))], expected: 'explicitDeny', by: ['p0', 1, 'NoDescribe'] },
  { name: 'a Deny in a later policy beats an Allow in an earlier one', policies: [doc(allow()), doc(deny())], expected: 'explicitDeny', by: ['p1', 0] },
  { name: 'a Deny before the Allow decides', policies: [doc(deny(), allow())], expected: 'explicitDeny', by: FIRST },
  { name: 'of two matching Allows the first decides', policies: [doc(allow({ Sid: 'A' }), allow({ Sid: 'B' }))], expected: 'allowed', by: ['p0', 0, 'A'] },
  { name: 'of two matching Denies the first decides', policies: [doc(allow()), doc(deny({ Sid: 'D1' }), deny({ Sid: 'D2' }))], expected: 'explicitDeny', by: ['p1', 0, 'D1'] },
  { name: 'a Deny of another action does not deny', policies: [doc(deny({ Action: 'iot:DeleteThing' }), allow())], expected: 'allowed', by: SECOND },
  { name: 'a Deny alone is an explicit deny', policies: [doc(deny())], expected: 'explicitDeny', by: FIRST },
  {
    name: 'the first matching Allow decides, across policies',
    policies: [doc(allow({ Action: 'iot:ListThings' })), { name: 'arn:aws:iam::123456789012:policy/Readers', document: doc(allow({ Sid: 'Read' })) }],
    expected: 'allowed',
    by: ['arn:aws:iam::123456789012:policy/Readers', 0, 'Read'],
  },
  {
    name: 'a policy given as JSON text',
    policies: [{ name: 'text', document: JSON.stringify(doc(allow({ Action: ['iot:ListThings', 'iot:DescribeThing'] }))) }],
    expected: 'allowed',
    by: ['text', 0],
  },
  { name: 'an empty Sid is not reported', policies: [doc(allow({ Sid: '' }))], expected: 'allowed', by: FIRST },
  { name: 'a lone statement object (not a list)', policies: [{ Version: '2012-10-17', Statement: allow() }], expected: 'allowed', by: FIRST },
  { name: 'a Deny whose resource does not match does not deny', policies: [doc(allow(), deny({ Resource: thing('other') }))], request: { resource: thing('sensor-1') }, expected: 'allowed', by: FIRST },

  // ---- NotAction / NotResource --------------------------------------------------------------------------------
  { name: 'NotAction allows the actions it does not list', policies: [doc(allow({ Action: undefined, NotAction: 'iot:Delete*' }))], expected: 'allowed', by: FIRST },
  { name: 'NotAction does not allow the actions it lists', policies: [doc(allow({ Action: undefined, NotAction: ['iot:Describe*'] }))], expected: 'implicitDeny' },
  { name: 'a Deny with NotAction denies everything else', policies: [doc(allow(), deny({ Action: undefined, NotAction: 'iot:List*' }))], expected: 'explicitDeny', by: SECOND },
  { name: 'a Deny with NotAction spares what it lists', policies: [doc(allow(), deny({ Action: undefined, NotAction: 'iot:Describe*' }))], expected: 'allowed', by: FIRST },
  { name: 'NotResource allows resources it does not list', policies: [doc(allow({ Resource: undefined, NotResource: thing('secret-*') }))], request: { resource: thing('sensor-1') }, expected: 'allowed', by: FIRST },
  { name: 'NotResource does not allow resources it lists', policies: [doc(allow({ Resource: undefined, NotResource: [thing('secret-*')] }))], request: { resource: thing('secret-7') }, expected: 'implicitDeny' },
  { name: 'a Deny with NotResource denies other resources', policies: [doc(allow(), deny({ Resource: undefined, NotResource: thing('public') }))], request: { resource: thing('private') }, expected: 'explicitDeny', by: SECOND },
  { name: 'a Deny with NotResource spares the listed resource', policies: [doc(allow(), deny({ Resource: undefined, NotResource: thing('public') }))], request: { resource: thing('public') }, expected: 'allowed', by: FIRST },

  // ---- wildcards and case ---------------------------------------------------------------------------------------
  { name: 'iot:Describe* covers iot:DescribeThing', policies: [doc(allow({ Action: 'iot:Describe*' }))], expected: 'allowed', by: FIRST },
  { name: 'iot:Describe* does not cover iot:ListThings', policies: [doc(allow({ Action: 'iot:Describe*' }))], request: { action: 'iot:ListThings' }, expected: 'implicitDeny' },
  { name: 'actions compare without regard to case (pattern)', policies: [doc(allow({ Action: 'IOT:describething' }))], expected: 'allowed', by: FIRST },
  { name: 'actions compare without regard to case (request and wildcard)', policies: [doc(allow({ Action: 'iot:describe*' }))], request: { action: 'IoT:DESCRIBETHING' }, expected: 'allowed', by: FIRST },
  { name: '? stands for exactly one character of an action', policies: [doc(allow({ Action: 'iot:?escribeThing' }))], expected: 'allowed', by: FIRST },
  { name: '? does not stand for several characters', policies: [doc(allow({ Action: 'iot:Describe?' }))], expected: 'implicitDeny' },
  { name: 'Action * covers every action', policies: [doc(allow({ Action: '*' }))], request: { action: 'iot:DeleteThing' }, expected: 'allowed', by: FIRST },
  { name: 'a resource wildcard in the region', policies: [doc(allow({ Resource: `arn:aws:iot:*:${ACCOUNT}:thing/*` }))], request: { resource: thing('x', 'eu-west-1') }, expected: 'allowed', by: FIRST },
  { name: 'a resource * spans colons and slashes', policies: [doc(allow({ Resource: 'arn:aws:*:topic/a:b:*' }))], request: { resource: `arn:aws:iot:us-east-1:${ACCOUNT}:topic/a:b:c/d` }, expected: 'allowed', by: FIRST },
  { name: 'resources are case-sensitive', policies: [doc(allow({ Resource: thing('Sensor-1') }))], request: { resource: thing('sensor-1') }, expected: 'implicitDeny' },
  { name: 'a resource ? matches one character', policies: [doc(allow({ Resource: thing('s?') }))], request: { resource: thing('s1') }, expected: 'allowed', by: FIRST },
  { name: 'a resource ? does not match two', policies: [doc(allow({ Resource: thing('s?') }))], request: { resource: thing('s12') }, expected: 'implicitDeny' },
  { name: 'an exact resource ARN', policies: [doc(allow({ Resource: [thing('a'), thing('sensor-1')] }))], request: { resource: thing('sensor-1') }, expected: 'allowed', by: FIRST },
  { name: 'a resource in another account does not match', policies: [doc(allow({ Resource: `arn:aws:iot:us-east-1:111111111111:thing/*` }))], expected: 'implicitDeny' },

  // ---- String operators ---------------------------------------------------------------------------------------
  { name: 'StringEquals: equal', policies: allowIf({ StringEquals: { 'aws:RequestTag/env': 'prod' } }), request: { context: ctx({ 'aws:RequestTag/env': 'prod' }) }, expected: 'allowed', by: FIRST },
  { name: 'StringEquals: values are case-sensitive', policies: allowIf({ StringEquals: { 'aws:RequestTag/env': 'prod' } }), request: { context: ctx({ 'aws:RequestTag/env': 'Prod' }) }, expected: 'implicitDeny' },
  { name: 'StringEquals: a missing key is false', policies: allowIf({ StringEquals: { 'aws:RequestTag/env': 'prod' } }), expected: 'implicitDeny' },
  { name: 'StringEquals: * is no wildcard', policies: allowIf({ StringEquals: { 'aws:RequestTag/env': 'p*' } }), request: { context: ctx({ 'aws:RequestTag/env': 'prod' }) }, expected: 'implicitDeny' },
  { name: 'StringNotEquals: a different value holds', policies: allowIf({ StringNotEquals: { 'aws:RequestTag/env': 'prod' } }), request: { context: ctx({ 'aws:RequestTag/env': 'dev' }) }, expected: 'allowed', by: FIRST },
  { name: 'StringNotEquals: the same value does not', policies: allowIf({ StringNotEquals: { 'aws:RequestTag/env': 'prod' } }), request: { context: ctx({ 'aws:RequestTag/env': 'prod' }) }, expected: 'implicitDeny' },
  { name: 'StringNotEquals: a missing key is true', policies: allowIf({ StringNotEquals: { 'aws:RequestTag/env': 'prod' } }), expected: 'allowed', by: FIRST },
  { name: 'StringEqualsIgnoreCase: other case matches', policies: allowIf({ StringEqualsIgnoreCase: { 'aws:RequestTag/env': 'PROD' } }), request: { context: ctx({ 'aws:RequestTag/env': 'prod' }) }, expected: 'allowed', by: FIRST },
  { name: 'StringNotEqualsIgnoreCase: other case is still equal', policies: allowIf({ StringNotEqualsIgnoreCase: { 'aws:RequestTag/env': 'PROD' } }), request: { context: ctx({ 'aws:RequestTag/env': 'prod' }) }, expected: 'implicitDeny' },
  { name: 'StringLike: wildcards', policies: allowIf({ StringLike: { 'iot:ThingName': 'sensor-??-*' } }), request: { context: ctx({ 'iot:ThingName': 'sensor-07-kitchen' }) }, expected: 'allowed', by: FIRST },
  { name: 'StringLike: no match', policies: allowIf({ StringLike: { 'iot:ThingName': 'sensor-??-*' } }), request: { context: ctx({ 'iot:ThingName': 'sensor-7-kitchen' }) }, expected: 'implicitDeny' },
  { name: 'StringNotLike: a matching value fails', policies: allowIf({ StringNotLike: { 'iot:ThingName': 'admin-*' } }), request: { context: ctx({ 'iot:ThingName': 'admin-1' }) }, expected: 'implicitDeny' },
  { name: 'StringNotLike: another value holds', policies: allowIf({ StringNotLike: { 'iot:ThingName': 'admin-*' } }), request: { context: ctx({ 'iot:ThingName': 'sensor-1' }) }, expected: 'allowed', by: FIRST },
  { name: 'several values of a key: OR', policies: allowIf({ StringEquals: { 'aws:RequestTag/env': ['dev', 'test'] } }), request: { context: ctx({ 'aws:RequestTag/env': 'test' }) }, expected: 'allowed', by: FIRST },
  { name: 'several values of a negated key: NOR (one equal)', policies: allowIf({ StringNotEquals: { 'aws:RequestTag/env': ['dev', 'test'] } }), request: { context: ctx({ 'aws:RequestTag/env': 'test' }) }, expected: 'implicitDeny' },
  { name: 'several values of a negated key: NOR (none equal)', policies: allowIf({ StringNotEquals: { 'aws:RequestTag/env': ['dev', 'test'] } }), request: { context: ctx({ 'aws:RequestTag/env': 'prod' }) }, expected: 'allowed', by: FIRST },
  {
    name: 'several keys of an operator: AND (one fails)',
    policies: allowIf({ StringEquals: { 'aws:RequestTag/env': 'prod', 'aws:RequestTag/team': 'red' } }),
    request: { context: ctx({ 'aws:RequestTag/env': 'prod', 'aws:RequestTag/team': 'blue' }) },
    expected: 'implicitDeny',
  },
  {
    name: 'several operators: AND (all hold)',
    policies: allowIf({ StringEquals: { 'aws:RequestTag/env': 'prod' }, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }),
    request: { context: ctx({ 'aws:RequestTag/env': 'prod', 'aws:SourceIp': '10.1.2.3' }) },
    expected: 'allowed',
    by: FIRST,
  },
  {
    name: 'several operators: AND (one fails)',
    policies: allowIf({ StringEquals: { 'aws:RequestTag/env': 'prod' }, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }),
    request: { context: ctx({ 'aws:RequestTag/env': 'prod', 'aws:SourceIp': '192.0.2.1' }) },
    expected: 'implicitDeny',
  },
  { name: 'condition keys compare without regard to case', policies: allowIf({ StringEquals: { 'AWS:REQUESTTAG/Env': 'prod' } }), request: { context: ctx({ 'aws:requesttag/env': 'prod' }) }, expected: 'allowed', by: FIRST },

  // ---- Numeric ----------------------------------------------------------------------------------------------------
  { name: 'NumericLessThan: below', policies: allowIf({ NumericLessThan: { 'iot:maxResults': '10' } }), request: { context: ctx({ 'iot:maxResults': 9 }) }, expected: 'allowed', by: FIRST },
  { name: 'NumericLessThan: equal is not less', policies: allowIf({ NumericLessThan: { 'iot:maxResults': 10 } }), request: { context: ctx({ 'iot:maxResults': 10 }) }, expected: 'implicitDeny' },
  { name: 'NumericLessThanEquals: equal', policies: allowIf({ NumericLessThanEquals: { 'iot:maxResults': 10 } }), request: { context: ctx({ 'iot:maxResults': '10' }) }, expected: 'allowed', by: FIRST },
  { name: 'NumericGreaterThan: above', policies: allowIf({ NumericGreaterThan: { 'iot:maxResults': '2.5' } }), request: { context: ctx({ 'iot:maxResults': 3 }) }, expected: 'allowed', by: FIRST },
  { name: 'NumericGreaterThanEquals: below fails', policies: allowIf({ NumericGreaterThanEquals: { 'iot:maxResults': 5 } }), request: { context: ctx({ 'iot:maxResults': 4 }) }, expected: 'implicitDeny' },
  { name: 'NumericEquals: 10 equals 10.0', policies: allowIf({ NumericEquals: { 'iot:maxResults': '10.0' } }), request: { context: ctx({ 'iot:maxResults': '10' }) }, expected: 'allowed', by: FIRST },
  { name: 'NumericNotEquals: a different number', policies: allowIf({ NumericNotEquals: { 'iot:maxResults': [1, 2] } }), request: { context: ctx({ 'iot:maxResults': 3 }) }, expected: 'allowed', by: FIRST },
  { name: 'Numeric against a value that is no number: neither holds', policies: allowIf({ NumericNotEquals: { 'iot:maxResults': 1 } }), request: { context: ctx({ 'iot:maxResults': 'many' }) }, expected: 'implicitDeny' },

  // ---- Date -------------------------------------------------------------------------------------------------------
  { name: 'DateLessThan: aws:CurrentTime before the bound', policies: allowIf({ DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } }), request: { context: ctx({ 'aws:CurrentTime': new Date('2025-06-01T12:00:00Z') }) }, expected: 'allowed', by: FIRST },
  { name: 'DateLessThan: after the bound', policies: allowIf({ DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } }), request: { context: ctx({ 'aws:CurrentTime': new Date('2025-06-01T12:00:00Z') }) }, expected: 'implicitDeny' },
  { name: 'DateGreaterThan: a bound in epoch seconds', policies: allowIf({ DateGreaterThan: { 'aws:CurrentTime': 1700000000 } }), request: { context: ctx({ 'aws:CurrentTime': new Date('2025-06-01T12:00:00Z') }) }, expected: 'allowed', by: FIRST },
  { name: 'DateEquals: the same instant with an offset', policies: allowIf({ DateEquals: { 'aws:CurrentTime': '2025-06-01T14:00:00+02:00' } }), request: { context: ctx({ 'aws:CurrentTime': new Date('2025-06-01T12:00:00Z') }) }, expected: 'allowed', by: FIRST },
  { name: 'DateNotEquals: another instant', policies: allowIf({ DateNotEquals: { 'aws:CurrentTime': '2025-06-01T12:00:01Z' } }), request: { context: ctx({ 'aws:CurrentTime': new Date('2025-06-01T12:00:00Z') }) }, expected: 'allowed', by: FIRST },
  { name: 'DateGreaterThanEquals: aws:EpochTime as a number', policies: allowIf({ DateGreaterThanEquals: { 'aws:EpochTime': '2025-06-01T12:00:00Z' } }), request: { context: ctx({ 'aws:EpochTime': 1748779200 }) }, expected: 'allowed', by: FIRST },
  { name: 'DateLessThanEquals: a date without a time is midnight UTC', policies: allowIf({ DateLessThanEquals: { 'aws:CurrentTime': '2025-06-01' } }), request: { context: ctx({ 'aws:CurrentTime': '2025-06-01T00:00:01Z' }) }, expected: 'implicitDeny' },

  // ---- Bool, Binary -------------------------------------------------------------------------------------------
  { name: 'Bool: true', policies: allowIf({ Bool: { 'aws:SecureTransport': 'true' } }), request: { context: ctx({ 'aws:SecureTransport': true }) }, expected: 'allowed', by: FIRST },
  { name: 'Bool: false does not match true', policies: allowIf({ Bool: { 'aws:SecureTransport': false } }), request: { context: ctx({ 'aws:SecureTransport': true }) }, expected: 'implicitDeny' },
  { name: 'Bool: a Deny on plain HTTP', policies: denyIf({ Bool: { 'aws:SecureTransport': 'false' } }), request: { context: ctx({ 'aws:SecureTransport': 'FALSE' }) }, expected: 'explicitDeny', by: SECOND },
  { name: 'BinaryEquals: the same bytes', policies: allowIf({ BinaryEquals: { 'iot:blob': 'QmluYXJ5VmFsdWU=' } }), request: { context: ctx({ 'iot:blob': 'QmluYXJ5VmFsdWU=' }) }, expected: 'allowed', by: FIRST },
  { name: 'BinaryEquals: other bytes', policies: allowIf({ BinaryEquals: { 'iot:blob': 'QmluYXJ5VmFsdWU=' } }), request: { context: ctx({ 'iot:blob': 'QmluYXJ5VmFsdWY=' }) }, expected: 'implicitDeny' },

  // ---- IP addresses ---------------------------------------------------------------------------------------------
  { name: 'IpAddress: inside an IPv4 range', policies: allowIf({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }), request: { context: ctx({ 'aws:SourceIp': '203.0.113.77' }) }, expected: 'allowed', by: FIRST },
  { name: 'IpAddress: outside an IPv4 range', policies: allowIf({ IpAddress: { 'aws:SourceIp': '203.0.113.0/25' } }), request: { context: ctx({ 'aws:SourceIp': '203.0.113.200' }) }, expected: 'implicitDeny' },
  { name: 'IpAddress: a bare address is /32', policies: allowIf({ IpAddress: { 'aws:SourceIp': '192.0.2.1' } }), request: { context: ctx({ 'aws:SourceIp': '192.0.2.2' }) }, expected: 'implicitDeny' },
  { name: 'IpAddress: inside an IPv6 range', policies: allowIf({ IpAddress: { 'aws:SourceIp': '2001:DB8:1234:5678::/64' } }), request: { context: ctx({ 'aws:SourceIp': '2001:db8:1234:5678:abcd::1' }) }, expected: 'allowed', by: FIRST },
  { name: 'IpAddress: outside an IPv6 range', policies: allowIf({ IpAddress: { 'aws:SourceIp': '2001:db8:1234:5678::/64' } }), request: { context: ctx({ 'aws:SourceIp': '2001:db8:1234:5679::1' }) }, expected: 'implicitDeny' },
  { name: 'IpAddress: an IPv6 address is not in an IPv4 range', policies: allowIf({ IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } }), request: { context: ctx({ 'aws:SourceIp': '::1' }) }, expected: 'implicitDeny' },
  { name: 'IpAddress: an IPv4-mapped IPv6 address counts as IPv4', policies: allowIf({ IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } }), request: { context: ctx({ 'aws:SourceIp': '::ffff:127.0.0.1' }) }, expected: 'allowed', by: FIRST },
  { name: 'IpAddress: IPv4 and IPv6 ranges together (OR)', policies: allowIf({ IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '::1/128'] } }), request: { context: ctx({ 'aws:SourceIp': '::1' }) }, expected: 'allowed', by: FIRST },
  { name: 'NotIpAddress: outside holds', policies: allowIf({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }), request: { context: ctx({ 'aws:SourceIp': '192.0.2.1' }) }, expected: 'allowed', by: FIRST },
  { name: 'NotIpAddress: inside fails', policies: allowIf({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }), request: { context: ctx({ 'aws:SourceIp': '10.9.9.9' }) }, expected: 'implicitDeny' },
  { name: 'NotIpAddress in a Deny: a missing key is true', policies: denyIf({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }), expected: 'explicitDeny', by: SECOND },

  // ---- ARN operators --------------------------------------------------------------------------------------------
  { name: 'ArnLike: the principal is a role of the account', policies: allowIf({ ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/*` } }), request: { context: ctx({ 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/ops/automation` }) }, expected: 'allowed', by: FIRST },
  { name: 'ArnLike: a user is not a role', policies: allowIf({ ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/*` } }), request: { context: ctx() }, expected: 'implicitDeny' },
  {
    name: 'ArnLike: a * stays inside its component',
    policies: allowIf({ ArnLike: { 'aws:SourceArn': 'arn:aws:someservice:*:111122223333:finance/*' } }),
    request: { context: ctx({ 'aws:SourceArn': 'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt' }) },
    expected: 'implicitDeny',
  },
  {
    name: 'StringLike on the same ARN: a * spans colons',
    policies: allowIf({ StringLike: { 'aws:SourceArn': 'arn:aws:someservice:*:111122223333:finance/*' } }),
    request: { context: ctx({ 'aws:SourceArn': 'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt' }) },
    expected: 'allowed',
    by: FIRST,
  },
  {
    name: 'ArnLike: the resource component keeps its colons',
    policies: allowIf({ ArnLike: { 'aws:SourceArn': `arn:aws:iot:us-east-1:${ACCOUNT}:topic/*` } }),
    request: { context: ctx({ 'aws:SourceArn': `arn:aws:iot:us-east-1:${ACCOUNT}:topic/a:b` }) },
    expected: 'allowed',
    by: FIRST,
  },
  { name: 'ArnLike *: any ARN', policies: allowIf({ ArnLike: { 'aws:SourceArn': '*' } }), request: { context: ctx({ 'aws:SourceArn': thing('a') }) }, expected: 'allowed', by: FIRST },
  { name: 'ArnLike *: but nothing that is no ARN', policies: allowIf({ ArnLike: { 'aws:SourceArn': '*' } }), request: { context: ctx({ 'aws:SourceArn': 'thing/a' }) }, expected: 'implicitDeny' },
  { name: 'ArnEquals: the same ARN', policies: allowIf({ ArnEquals: { 'aws:PrincipalArn': USER } }), request: { context: ctx() }, expected: 'allowed', by: FIRST },
  { name: 'ArnNotLike: another account holds', policies: allowIf({ ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:*' } }), request: { context: ctx() }, expected: 'allowed', by: FIRST },
  { name: 'ArnLike: a value that is no ARN matches nothing', policies: allowIf({ ArnLike: { 'aws:SourceArn': 'arn:*:*:*:*:*' } }), request: { context: ctx({ 'aws:SourceArn': 'thing/a' }) }, expected: 'implicitDeny' },

  // ---- IfExists and Null ------------------------------------------------------------------------------------------
  { name: 'IfExists: a missing key is true', policies: allowIf({ StringEqualsIfExists: { 'aws:RequestTag/env': 'prod' } }), expected: 'allowed', by: FIRST },
  { name: 'IfExists: a present key is compared', policies: allowIf({ StringEqualsIfExists: { 'aws:RequestTag/env': 'prod' } }), request: { context: ctx({ 'aws:RequestTag/env': 'dev' }) }, expected: 'implicitDeny' },
  { name: 'IfExists: a Numeric key present and matching', policies: allowIf({ NumericLessThanIfExists: { 'iot:maxResults': 50 } }), request: { context: ctx({ 'iot:maxResults': 25 }) }, expected: 'allowed', by: FIRST },
  { name: 'IfExists on a negated operator in a Deny: a missing tag still denies', policies: denyIf({ StringNotEqualsIfExists: { 'aws:ResourceTag/owner': 'alice' } }), expected: 'explicitDeny', by: SECOND },
  { name: 'Null true: the key is missing', policies: allowIf({ Null: { 'aws:TokenIssueTime': 'true' } }), expected: 'allowed', by: FIRST },
  { name: 'Null true: the key is present', policies: allowIf({ Null: { 'aws:TokenIssueTime': true } }), request: { context: ctx({ 'aws:TokenIssueTime': new Date() }) }, expected: 'implicitDeny' },
  { name: 'Null false: the key is present', policies: allowIf({ Null: { 'aws:RequestTag/env': 'false' } }), request: { context: ctx({ 'aws:RequestTag/env': '' }) }, expected: 'allowed', by: FIRST },

  // ---- ForAllValues / ForAnyValue -----------------------------------------------------------------------------
  { name: 'ForAllValues: every tag key listed', policies: allowIf({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team', 'cost'] } }), request: { context: ctx({ 'aws:TagKeys': ['env', 'team'] }) }, expected: 'allowed', by: FIRST },
  { name: 'ForAllValues: one tag key not listed', policies: allowIf({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] } }), request: { context: ctx({ 'aws:TagKeys': ['env', 'owner'] }) }, expected: 'implicitDeny' },
  { name: 'ForAllValues: a missing key is true', policies: allowIf({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } }), expected: 'allowed', by: FIRST },
  { name: 'ForAllValues: an empty set is true', policies: allowIf({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } }), request: { context: ctx({ 'aws:TagKeys': [] }) }, expected: 'allowed', by: FIRST },
  { name: 'ForAnyValue: one tag key listed', policies: allowIf({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env', 'team'] } }), request: { context: ctx({ 'aws:TagKeys': ['owner', 'team'] }) }, expected: 'allowed', by: FIRST },
  { name: 'ForAnyValue: a missing key is false', policies: allowIf({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env'] } }), expected: 'implicitDeny' },
  { name: 'ForAnyValue: an empty set is false', policies: allowIf({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env'] } }), request: { context: ctx({ 'aws:TagKeys': [] }) }, expected: 'implicitDeny' },
  { name: 'ForAnyValue:StringNotEquals: some key not listed', policies: allowIf({ 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['env'] } }), request: { context: ctx({ 'aws:TagKeys': ['env', 'team'] }) }, expected: 'allowed', by: FIRST },
  { name: 'ForAnyValue:StringNotEquals: every key listed', policies: allowIf({ 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['env', 'team'] } }), request: { context: ctx({ 'aws:TagKeys': ['env', 'team'] }) }, expected: 'implicitDeny' },
  { name: 'ForAllValues:StringNotEquals: no key listed', policies: allowIf({ 'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['secret'] } }), request: { context: ctx({ 'aws:TagKeys': ['env', 'team'] }) }, expected: 'allowed', by: FIRST },
  { name: 'ForAllValues:StringNotEquals: one key listed', policies: allowIf({ 'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['secret'] } }), request: { context: ctx({ 'aws:TagKeys': ['env', 'secret'] }) }, expected: 'implicitDeny' },
  { name: 'ForAnyValue:StringLike with a wildcard', policies: allowIf({ 'ForAnyValue:StringLike': { 'aws:TagKeys': 'cost-*' } }), request: { context: ctx({ 'aws:TagKeys': ['env', 'cost-center'] }) }, expected: 'allowed', by: FIRST },
  { name: 'a Deny with ForAnyValue over forbidden tag keys', policies: denyIf({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['owner'] } }), request: { context: ctx({ 'aws:TagKeys': ['env', 'owner'] }) }, expected: 'explicitDeny', by: SECOND },
  { name: 'without a qualifier a list matches when any value does', policies: allowIf({ StringEquals: { 'aws:TagKeys': 'team' } }), request: { context: ctx({ 'aws:TagKeys': ['env', 'team'] }) }, expected: 'allowed', by: FIRST },
  { name: 'without a qualifier a negated operator fails when any value matches', policies: allowIf({ StringNotEquals: { 'aws:TagKeys': 'team' } }), request: { context: ctx({ 'aws:TagKeys': ['env', 'team'] }) }, expected: 'implicitDeny' },

  // ---- policy variables -----------------------------------------------------------------------------------------
  { name: '${aws:username} in a Resource', policies: [doc(allow({ Resource: thing('${aws:username}-*') }))], request: { resource: thing('alice-1'), context: ctx({ 'aws:username': 'alice' }) }, expected: 'allowed', by: FIRST },
  { name: '${aws:username} missing: the Resource matches nothing', policies: [doc(allow({ Resource: thing('${aws:username}-*') }))], request: { resource: thing('alice-1') }, expected: 'implicitDeny' },
  { name: '${aws:username} is substituted as text, not as a pattern', policies: [doc(allow({ Resource: thing('${aws:username}') }))], request: { resource: thing('alice'), context: ctx({ 'aws:username': 'a*' }) }, expected: 'implicitDeny' },
  { name: 'variable keys compare without regard to case', policies: [doc(allow({ Resource: thing('${AWS:UserName}') }))], request: { resource: thing('alice'), context: ctx({ 'aws:username': 'alice' }) }, expected: 'allowed', by: FIRST },
  { name: '${aws:userid} in a condition value', policies: allowIf({ StringEquals: { 'aws:ResourceTag/owner': '${aws:userid}' } }), request: { context: ctx({ 'aws:userid': 'AIDAEXAMPLE', 'aws:ResourceTag/owner': 'AIDAEXAMPLE' }) }, expected: 'allowed', by: FIRST },
  { name: '${aws:PrincipalArn} inside a StringLike value', policies: allowIf({ StringLike: { 'iot:Owner': 'owner=${aws:PrincipalArn};*' } }), request: { context: ctx({ 'iot:Owner': `owner=${USER};since=2024` }) }, expected: 'allowed', by: FIRST },
  { name: 'any context key as a variable (a principal tag)', policies: [doc(allow({ Resource: thing('${aws:PrincipalTag/team}/*') }))], request: { resource: thing('red/t1'), context: ctx({ 'aws:PrincipalTag/team': 'red' }) }, expected: 'allowed', by: FIRST },
  { name: 'a multivalued key is no variable', policies: [doc(allow({ Resource: thing('${aws:TagKeys}') }))], request: { resource: thing('env'), context: ctx({ 'aws:TagKeys': ['env'] }) }, expected: 'implicitDeny' },
  { name: '${*} is a literal asterisk (it matches *)', policies: [doc(allow({ Resource: thing('all${*}') }))], request: { resource: thing('all*') }, expected: 'allowed', by: FIRST },
  { name: '${*} is no wildcard', policies: [doc(allow({ Resource: thing('all${*}') }))], request: { resource: thing('all-things') }, expected: 'implicitDeny' },
  { name: '${?} and ${$} are literal characters', policies: [doc(allow({ Resource: thing('why${?}-${$}5') }))], request: { resource: thing('why?-$5') }, expected: 'allowed', by: FIRST },
  { name: 'a default value for a missing key', policies: [doc(allow({ Resource: thing("${aws:username, 'anonymous'}") }))], request: { resource: thing('anonymous') }, expected: 'allowed', by: FIRST },
  { name: 'the value wins over the default', policies: [doc(allow({ Resource: thing("${aws:username, 'anonymous'}") }))], request: { resource: thing('anonymous'), context: ctx({ 'aws:username': 'alice' }) }, expected: 'implicitDeny' },
  {
    name: 'version 2008-10-17 has no variables: ${…} is literal text',
    policies: [{ Version: '2008-10-17', Statement: [allow({ Resource: thing('${aws:username}') })] }],
    request: { resource: thing('${aws:username}'), context: ctx({ 'aws:username': 'alice' }) },
    expected: 'allowed',
    by: FIRST,
  },
  {
    name: 'version 2008-10-17: the variable is not substituted',
    policies: [{ Statement: [allow({ Resource: thing('${aws:username}') })] }],
    request: { resource: thing('alice'), context: ctx({ 'aws:username': 'alice' }) },
    expected: 'implicitDeny',
  },
  { name: 'NotResource with an unresolvable variable does not apply', policies: [doc(allow({ Resource: undefined, NotResource: thing('${aws:username}') }))], request: { resource: thing('bob') }, expected: 'implicitDeny' },
  { name: 'StringNotEquals with an unresolvable variable does not hold', policies: allowIf({ StringNotEquals: { 'aws:ResourceTag/owner': '${aws:username}' } }), request: { context: ctx({ 'aws:ResourceTag/owner': 'bob' }) }, expected: 'implicitDeny' },
  { name: 'StringNotEquals with a resolved variable holds', policies: allowIf({ StringNotEquals: { 'aws:ResourceTag/owner': '${aws:username}' } }), request: { context: ctx({ 'aws:ResourceTag/owner': 'bob', 'aws:username': 'alice' }) }, expected: 'allowed', by: FIRST },

  // ---- an IoT-flavoured whole -----------------------------------------------------------------------------------
  {
    name: 'audit automation: allowed to start a mitigation task from the office network',
    policies: [
      {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Audit', Effect: 'Allow', Action: ['iot:*Audit*', 'iot:StartAuditMitigationActionsTask'], Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.20.0.0/16' } } },
          { Sid: 'NoDeletes', Effect: 'Deny', Action: 'iot:Delete*', Resource: '*' },
        ],
      },
    ],
    request: { action: 'iot:StartAuditMitigationActionsTask', resource: `arn:aws:iot:us-east-1:${ACCOUNT}:mitigationaction/*`, context: ctx({ 'aws:SourceIp': '10.20.3.4' }) },
    expected: 'allowed',
    by: ['p0', 0, 'Audit'],
  },
];

/** Sources named p0, p1, … for bare documents. */
function sources(policies: Case['policies']): PolicySource[] {
  return policies.map((p, i) => ('document' in p && 'name' in p ? (p as PolicySource) : { name: `p${i}`, document: p }));
}

/** Statements without their `undefined` members, as a JSON author would have written them. */
const clean = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('IAM evaluation: the table', () => {
  test('has at least 70 cases with distinct names', () => {
    assert.ok(CASES.length >= 70, `${CASES.length} cases`);
    assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length);
  });
  for (const c of CASES) {
    test(c.name, () => {
      const request = {
        action: c.request?.action ?? 'iot:DescribeThing',
        resource: c.request?.resource ?? thing('sensor-1'),
        context: c.request?.context ?? ctx(),
      };
      const named = sources(c.policies).map((s) => ({ name: s.name, document: typeof s.document === 'string' ? s.document : (clean(s.document) as object) }));
      const expected = decidedBy(c.expected, c.by);
      assert.deepEqual(evaluate(request, named), expected);
      // Compiled once and reused: the same answer, twice.
      const compiled = named.map(compilePolicy);
      assert.deepEqual(evaluate(request, compiled), expected);
      assert.deepEqual(evaluate(request, compiled), expected);
    });
  }
});

// ---- properties ------------------------------------------------------------------------------------------------

const ACTIONS = ['iot:CreateThing', 'iot:DescribeThing', 'iot:ListThings', 'iot:DeleteThing', 'iot:UpdateCertificate'];
const ACTION_PATTERNS = ['*', 'iot:*', 'iot:Describe*', 'iot:?reateThing', 'iot:CreateThing', 'IOT:listthings', 'iot:*Thing*', 'iot:Update?ertificate'];
const RESOURCES = [thing('a'), thing('b-1'), thing('b-22'), `arn:aws:iot:us-east-1:${ACCOUNT}:cert/abc`, '*'];
const RESOURCE_PATTERNS = ['*', thing('*'), thing('b-?'), thing('a'), 'arn:aws:iot:*:*:cert/*', thing('${aws:username}')];
const CONDITIONS: Array<Record<string, unknown> | undefined> = [
  undefined,
  { StringEquals: { 'aws:RequestTag/env': 'prod' } },
  { StringNotLike: { 'aws:username': 'adm*' } },
  { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
  { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] } },
  { 'ForAnyValue:StringLike': { 'aws:TagKeys': 't*' } },
  { NumericLessThanIfExists: { 'iot:maxResults': 10 } },
  { Null: { 'aws:RequestTag/env': 'false' } },
  { DateLessThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } },
];
const CONTEXTS: RequestContextInput[] = [
  {},
  { 'aws:username': 'alice', 'aws:SourceIp': '10.1.1.1', 'aws:RequestTag/env': 'prod', 'aws:TagKeys': ['env'], 'aws:CurrentTime': new Date('2025-01-01T00:00:00Z') },
  { 'aws:username': 'admin', 'aws:SourceIp': '192.0.2.1', 'aws:TagKeys': ['team', 'owner'], 'iot:maxResults': 50 },
  { 'aws:username': 'b-1', 'aws:RequestTag/env': 'dev', 'aws:TagKeys': [], 'iot:maxResults': '5', 'aws:CurrentTime': new Date('2027-01-01T00:00:00Z') },
];

const statementArb = fc.record({
  negatedAction: fc.boolean(),
  actions: fc.uniqueArray(fc.constantFrom(...ACTION_PATTERNS), { minLength: 1, maxLength: 3 }),
  negatedResource: fc.boolean(),
  resources: fc.uniqueArray(fc.constantFrom(...RESOURCE_PATTERNS), { minLength: 1, maxLength: 3 }),
  condition: fc.constantFrom(...CONDITIONS),
});
interface StatementShape {
  negatedAction: boolean;
  actions: string[];
  negatedResource: boolean;
  resources: string[];
  condition: Record<string, unknown> | undefined;
}

function statementOf(s: StatementShape, effect: 'Allow' | 'Deny', sid: string): Statement {
  return clean({
    Sid: sid,
    Effect: effect,
    [s.negatedAction ? 'NotAction' : 'Action']: s.actions,
    [s.negatedResource ? 'NotResource' : 'Resource']: s.resources,
    Condition: s.condition,
  }) as Statement;
}

const requestArb = fc.record({
  action: fc.constantFrom(...ACTIONS),
  resource: fc.constantFrom(...RESOURCES),
  context: fc.constantFrom(...CONTEXTS),
});

describe('IAM evaluation: properties', () => {
  test('an Allow and the same statement as a Deny never allow; the Deny decides exactly when the Allow would', () => {
    fc.assert(
      fc.property(statementArb, requestArb, fc.boolean(), (s, request, denyFirst) => {
        const alone = evaluate(request, [{ name: 'a', document: doc(statementOf(s, 'Allow', 'A')) }]);
        const allowS = statementOf(s, 'Allow', 'A');
        const denyS = statementOf(s, 'Deny', 'D');
        const both = evaluate(request, [{ name: 'p', document: doc(...(denyFirst ? [denyS, allowS] : [allowS, denyS])) }]);
        assert.notEqual(both.decision, 'allowed');
        assert.equal(both.decision, alone.decision === 'allowed' ? 'explicitDeny' : 'implicitDeny');
        if (both.decision === 'explicitDeny') assert.equal(both.statement?.sid, 'D');
        // Split across two policies, in either order: the same.
        const split = evaluate(request, [{ name: 'x', document: doc(allowS) }, { name: 'y', document: doc(denyS) }]);
        assert.equal(split.decision, both.decision);
      }),
      { numRuns: 500 },
    );
  });

  test('statement order changes nothing but which statement is reported', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(statementArb, fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Deny')), { minLength: 1, maxLength: 6 }),
        requestArb,
        fc.func(fc.integer()),
        (shapes, request, order) => {
          const statements = shapes.map(([s, effect], i) => statementOf(s, effect, `S${i}`));
          const shuffled = statements
            .map((st, i) => ({ st, key: order(i) }))
            .sort((a, b) => a.key - b.key)
            .map((x) => x.st);
          const a = evaluate(request, [{ name: 'p', document: doc(...statements) }]);
          const b = evaluate(request, [{ name: 'p', document: doc(...shuffled) }]);
          assert.equal(a.decision, b.decision);
          // Whatever decided is a statement of the deciding effect that matches on its own.
          for (const [d, list] of [
            [a, statements],
            [b, shuffled],
          ] as const) {
            if (d.decision === 'implicitDeny') continue;
            const st = list[d.statement!.index]!;
            assert.equal(st.Effect, d.decision === 'allowed' ? 'Allow' : 'Deny');
            const alone = evaluate(request, [{ name: 'p', document: doc({ ...st, Effect: 'Allow' }) }]);
            assert.equal(alone.decision, 'allowed');
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('NotAction and NotResource are the complements of Action and Resource', () => {
    fc.assert(
      fc.property(statementArb, requestArb, (s, request) => {
        const allowed = (shape: StatementShape) => evaluate(request, [{ name: 'p', document: doc(statementOf(shape, 'Allow', 'A')) }]).decision === 'allowed';
        const plain: StatementShape = { ...s, condition: undefined, negatedAction: false, negatedResource: false };
        const actionOnly = allowed({ ...plain, resources: ['*'] });
        assert.equal(allowed({ ...plain, resources: ['*'], negatedAction: true }), !actionOnly);
        const resourceOnly = allowed({ ...plain, actions: ['*'] });
        const notResource = allowed({ ...plain, actions: ['*'], negatedResource: true });
        const unresolvable = s.resources.some((r) => r.includes('${')) && request.context['aws:username'] === undefined;
        // A pattern whose variable the request cannot resolve proves nothing, so NotResource then never applies.
        if (unresolvable) assert.equal(notResource, false);
        else assert.equal(notResource, !resourceOnly);
        assert.equal(allowed(plain), actionOnly && resourceOnly);
      }),
      { numRuns: 500 },
    );
  });
});

// ---- the AccessDenied message ----------------------------------------------------------------------------------

describe('IAM evaluation: the AccessDenied message', () => {
  const action = 'iot:StartAuditMitigationActionsTask';
  const resource = `arn:aws:iot:us-east-1:${ACCOUNT}:mitigationaction/quarantine`;
  const role = `arn:aws:iam::${ACCOUNT}:role/automation`;

  test('an implicit deny names the action twice, as AWS does', () => {
    const decision = evaluate({ action, resource, context: { 'aws:PrincipalArn': role } }, [{ name: 'p', document: doc(allow()) }]);
    assert.equal(decision.decision, 'implicitDeny');
    assert.equal(
      accessDeniedMessage({ principalArn: role, action, resource, decision }),
      `User: ${role} is not authorized to perform: iot:StartAuditMitigationActionsTask on resource: ${resource} because no identity-based policy allows the iot:StartAuditMitigationActionsTask action`,
    );
  });

  test('an explicit deny names the denying policy', () => {
    const policy = `arn:aws:iam::${ACCOUNT}:policy/NoMitigation`;
    const decision = evaluate({ action, resource }, [{ name: 'p', document: doc(allow({ Action: '*' })) }, { name: policy, document: doc(deny({ Action: 'iot:Start*' })) }]);
    assert.equal(decision.decision, 'explicitDeny');
    assert.equal(
      accessDeniedMessage({ principalArn: role, action, resource, decision }),
      `User: ${role} is not authorized to perform: iot:StartAuditMitigationActionsTask on resource: ${resource} with an explicit deny in an identity-based policy: ${policy}`,
    );
  });

  test('an action without a resource leaves "on resource" out', () => {
    const decision = evaluate({ action: 'iot:ListThings', resource: '*' }, []);
    assert.equal(
      accessDeniedMessage({ principalArn: role, action: 'iot:ListThings', resource: '*', decision }),
      `User: ${role} is not authorized to perform: iot:ListThings because no identity-based policy allows the iot:ListThings action`,
    );
  });

  test('an allowed request has no denial message', () => {
    const decision = evaluate({ action: 'iot:DescribeThing', resource: '*' }, [{ name: 'p', document: doc(allow()) }]);
    assert.throws(() => accessDeniedMessage({ principalArn: role, action: 'iot:DescribeThing', decision }), /allowed request/);
  });
});
