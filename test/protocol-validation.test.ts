// Validation messages and member bindings (path labels, query string, headers, payload members), checked through a
// probe server (test/helpers/probe-server.ts): the real HTTP layer and validator with handlers that record the
// validated input, so operations whose domain module is not the subject here (audit tasks, logging options,
// principals…) can be used. Also: which account and region the JS SDK and the aws CLI v2 resolve to.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { ListAttachedPoliciesCommand, ListThingsCommand, SetLoggingOptionsCommand } from '@aws-sdk/client-iot';
import { iotClient } from './helpers/server.js';
import { rawRequest, assertAwsError } from './helpers/raw-http.js';
import { AWS_CLI_V2 } from './helpers/aws-cli.js';
import { assertNoInternalFailure, startProbeServer, type ProbeServer } from './helpers/probe-server.js';
import { resolveCaller } from '../src/protocol/auth.js';

/**
 * Runs the aws CLI v2 without blocking the event loop: the probe server lives in this process, so a synchronous
 * spawn would leave the CLI waiting for an answer the server can never send.
 */
function runAwsCli(args: string[], env: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
  assert.ok(AWS_CLI_V2, 'aws CLI v2 is installed');
  const fullEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_PAGER: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    ...env,
  };
  return new Promise((resolve) => {
    execFile(AWS_CLI_V2!, args, { env: fullEnv, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

describe('validation messages and bindings (probe server)', () => {
  let probe: ProbeServer;
  before(async () => {
    probe = await startProbeServer();
  });
  after(async () => {
    assertNoInternalFailure(probe.logs);
    assert.deepEqual(probe.unhandled, []);
    await probe.close();
  });
  const req = (method: string, path: string, body?: string | object, headers?: Record<string, string> | string[]) =>
    rawRequest(probe.url, { method, path, headers, body: typeof body === 'object' ? JSON.stringify(body) : body });
  const lastInput = () => probe.calls[probe.calls.length - 1]!.input;
  const PATTERN = 'Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+';

  test('several violations: counted, in model member order, joined with "; "', async () => {
    const msg = assertAwsError(await req('POST', '/audit/mitigationactions/tasks/bad%20id!', {}), 'InvalidRequestException', 400);
    assert.equal(
      msg,
      '4 validation errors detected: ' +
        `Value 'bad id!' at 'taskId' failed to satisfy constraint: ${PATTERN}; ` +
        "Value null at 'target' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'auditCheckToActionsMapping' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'clientRequestToken' failed to satisfy constraint: Member must not be null",
    );
  });

  test('nested paths: list items [i], map values .key', async () => {
    const msg = assertAwsError(
      await req('POST', '/audit/mitigationactions/tasks/task-1', {
        target: { findingIds: ['a', 'b', 'c', 'bad id'] },
        auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ok', 'bad!'] },
        clientRequestToken: 'token-1',
      }),
      'InvalidRequestException',
      400,
    );
    assert.equal(
      msg,
      '2 validation errors detected: ' +
        `Value 'bad id' at 'target.findingIds[3]' failed to satisfy constraint: ${PATTERN}; ` +
        `Value 'bad!' at 'auditCheckToActionsMapping.IOT_POLICY_OVERLY_PERMISSIVE_CHECK[1]' failed to satisfy constraint: ${PATTERN}`,
    );
  });

  test('structures inside lists (tags[0].Key), wrong types, list length', async () => {
    const msg = assertAwsError(
      await req('POST', '/thing-groups/g1', {
        thingGroupProperties: { attributePayload: { attributes: { k: 'v v' }, merge: 'yes' } },
        tags: [{ Value: 'v' }, { Key: 'k', Value: 5 }],
      }),
      'InvalidRequestException',
      400,
    );
    assert.equal(
      msg,
      '4 validation errors detected: ' +
        "Value 'v v' at 'thingGroupProperties.attributePayload.attributes.k' failed to satisfy constraint: " +
        'Member must satisfy regular expression pattern: [a-zA-Z0-9_.,@/:#=\\[\\]-]*; ' +
        "Value 'yes' at 'thingGroupProperties.attributePayload.merge' failed to satisfy constraint: Member must be of type boolean; " +
        "Value null at 'tags[0].Key' failed to satisfy constraint: Member must not be null; " +
        "Value '5' at 'tags[1].Value' failed to satisfy constraint: Member must be of type string",
    );
    const empty = assertAwsError(
      await req('POST', '/audit/mitigationactions/tasks/t', {
        target: { findingIds: [] },
        auditCheckToActionsMapping: { C: ['a', 'b', 'c', 'd', 'e', 'f'] },
        clientRequestToken: 't',
      }),
      'InvalidRequestException',
      400,
    );
    assert.equal(
      empty,
      '2 validation errors detected: ' +
        "Value '[]' at 'target.findingIds' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        `Value '["a","b","c","d","e","f"]' at 'auditCheckToActionsMapping.C' failed to satisfy constraint: Member must have length less than or equal to 5`,
    );
  });

  test('enum and range in the query string', async () => {
    const base = '/audit/tasks?startTime=2020-01-01T00:00:00Z&endTime=2020-01-02T00:00:00Z';
    assert.equal(
      assertAwsError(await req('GET', `${base}&taskType=BAD`), 'InvalidRequestException', 400),
      "1 validation error detected: Value 'BAD' at 'taskType' failed to satisfy constraint: " +
        'Member must satisfy enum value set: [ON_DEMAND_AUDIT_TASK, SCHEDULED_AUDIT_TASK]',
    );
    assert.equal(
      assertAwsError(await req('GET', `${base}&maxResults=251`), 'InvalidRequestException', 400),
      "1 validation error detected: Value '251' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 250",
    );
    assert.equal(
      assertAwsError(await req('GET', `${base}&maxResults=0`), 'InvalidRequestException', 400),
      "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    const ok = await req('GET', `${base}&taskType=ON_DEMAND_AUDIT_TASK&maxResults=250`);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(lastInput().taskType, 'ON_DEMAND_AUDIT_TASK');
    assert.equal(lastInput().maxResults, 250);
  });

  test('query timestamps: ISO-8601 and epoch seconds accepted, other text is a type error', async () => {
    const ok = await req('GET', '/audit/tasks?startTime=2020-01-01T00:00:00.250000Z&endTime=1600000000.5');
    assert.equal(ok.status, 200, ok.text);
    assert.equal((lastInput().startTime as Date).toISOString(), '2020-01-01T00:00:00.250Z');
    assert.equal((lastInput().endTime as Date).getTime(), 1600000000500);
    const offset = await req('GET', '/audit/tasks?startTime=2020-01-01T01:00:00%2B01:00&endTime=2020-01-01T00:00:00Z');
    assert.equal(offset.status, 200, offset.text);
    assert.equal((lastInput().startTime as Date).toISOString(), '2020-01-01T00:00:00.000Z');
    assert.equal(
      assertAwsError(await req('GET', '/audit/tasks?startTime=2020-02-30T00:00:00Z&endTime=yesterday'), 'InvalidRequestException', 400),
      "2 validation errors detected: Value '2020-02-30T00:00:00Z' at 'startTime' failed to satisfy constraint: Member must be of type timestamp; " +
        "Value 'yesterday' at 'endTime' failed to satisfy constraint: Member must be of type timestamp",
    );
  });

  test('body timestamps: integer and fractional epoch seconds; strings and out-of-range numbers are type errors', async () => {
    const base = { checkName: 'DEVICE_CERTIFICATE_EXPIRING_CHECK', resourceIdentifier: {}, clientRequestToken: 't-1' };
    const ok = await req('POST', '/audit/suppressions/create', { ...base, expirationDate: 1600000000.123 });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((lastInput().expirationDate as Date).getTime(), 1600000000123);
    for (const bad of ['2020-01-01T00:00:00Z', 1e300, true]) {
      const msg = assertAwsError(await req('POST', '/audit/suppressions/create', { ...base, expirationDate: bad }), 'InvalidRequestException', 400);
      assert.match(msg, /at 'expirationDate' failed to satisfy constraint: Member must be of type timestamp$/);
    }
  });

  test('a payload member is the whole body (SetLoggingOptions), from raw HTTP and from the SDK', async () => {
    const ok = await req('POST', '/loggingOptions', { roleArn: 'arn:aws:iam::123456789012:role/log', logLevel: 'INFO' });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual({ ...lastInput() }, { loggingOptionsPayload: { roleArn: 'arn:aws:iam::123456789012:role/log', logLevel: 'INFO' } });
    assert.equal(
      assertAwsError(await req('POST', '/loggingOptions', { logLevel: 'LOUD', extra: 1 }), 'InvalidRequestException', 400),
      '3 validation errors detected: ' +
        "Value null at 'loggingOptionsPayload.roleArn' failed to satisfy constraint: Member must not be null; " +
        "Value 'LOUD' at 'loggingOptionsPayload.logLevel' failed to satisfy constraint: Member must satisfy enum value set: [DEBUG, INFO, ERROR, WARN, DISABLED]; " +
        "Value '1' at 'loggingOptionsPayload.extra' failed to satisfy constraint: Member is not a member of LoggingOptionsPayload",
    );
    assert.equal(
      assertAwsError(await req('POST', '/loggingOptions'), 'InvalidRequestException', 400),
      "1 validation error detected: Value null at 'loggingOptionsPayload' failed to satisfy constraint: Member must not be null",
    );
    await iotClient(probe.url).send(
      new SetLoggingOptionsCommand({ loggingOptionsPayload: { roleArn: 'arn:aws:iam::123456789012:role/sdk', logLevel: 'WARN' } }),
    );
    assert.deepEqual({ ...lastInput().loggingOptionsPayload }, { roleArn: 'arn:aws:iam::123456789012:role/sdk', logLevel: 'WARN' });
  });

  test('percent-encoded path labels are decoded after splitting (%2F stays inside the label)', async () => {
    const arn = 'arn:aws:iot:us-east-1:123456789012:cert/abc d';
    const res = await req('POST', `/attached-policies/${encodeURIComponent(arn)}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(lastInput().target, arn);
    await iotClient(probe.url).send(new ListAttachedPoliciesCommand({ target: 'arn:aws:iot:us-east-1:123456789012:cert/é€😀' }));
    assert.equal(lastInput().target, 'arn:aws:iot:us-east-1:123456789012:cert/é€😀');
    // An unencoded "/" splits the path: no template has that many segments.
    assertAwsError(await req('POST', '/attached-policies/arn:aws:iot:us-east-1:123456789012:cert/abc'), 'UnknownOperationException', 404);
  });

  test('boolean query values: true/false only; integers: digits only', async () => {
    const target = '/attached-policies/t';
    assert.equal((await req('POST', `${target}?recursive=true&pageSize=%2B7`)).status, 200);
    assert.equal(lastInput().recursive, true);
    assert.equal(lastInput().pageSize, 7);
    assert.equal(
      assertAwsError(await req('POST', `${target}?recursive=yes&pageSize=1.5`), 'InvalidRequestException', 400),
      "2 validation errors detected: Value 'yes' at 'recursive' failed to satisfy constraint: Member must be of type boolean; " +
        "Value '1.5' at 'pageSize' failed to satisfy constraint: Member must be of type integer",
    );
    assertAwsError(await req('POST', `${target}?recursive=TRUE`), 'InvalidRequestException', 400);
    assertAwsError(await req('POST', `${target}?pageSize=99999999999`), 'InvalidRequestException', 400);
  });

  test('header members: read by name, missing → required error, repeated → 400', async () => {
    const ok = await req('PUT', '/things/t1/principals', undefined, { 'x-amzn-principal': 'arn:aws:iot:us-east-1:123456789012:cert/abc' });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(lastInput().principal, 'arn:aws:iot:us-east-1:123456789012:cert/abc');
    assert.equal(
      assertAwsError(await req('PUT', '/things/t1/principals'), 'InvalidRequestException', 400),
      "1 validation error detected: Value null at 'principal' failed to satisfy constraint: Member must not be null",
    );
    const repeated = await req('PUT', '/things/t1/principals', undefined, ['host', '127.0.0.1', 'x-amzn-principal', 'a', 'x-amzn-principal', 'b']);
    assert.match(assertAwsError(repeated, 'InvalidRequestException', 400), /x-amzn-principal' may appear only once/);
  });

  test('members bound to the path, query or a header are refused in the body', async () => {
    const msg = assertAwsError(await req('POST', '/attached-policies/t', { recursive: true }), 'InvalidRequestException', 400);
    assert.match(msg, /recursive must be sent in the querystring/);
  });

  test('the JS SDK (service iot) and the aws CLI v2 (service execute-api) both resolve to their account and region', async () => {
    await iotClient(probe.url, '111122223333', 'eu-west-1').send(new ListThingsCommand({}));
    let call = probe.calls[probe.calls.length - 1]!;
    assert.deepEqual([call.operation, call.accountId, call.region], ['ListThings', '111122223333', 'eu-west-1']);
    assert.equal(resolveCaller(probe.lastAuthorization, 'us-east-1').sigv4?.service, 'iot');

    const r = await runAwsCli(['--endpoint-url', probe.url, 'iot', 'list-things'], {
      AWS_ACCESS_KEY_ID: '444455556666',
      AWS_SECRET_ACCESS_KEY: 'ddlocal-test-secret',
      AWS_DEFAULT_REGION: 'ap-southeast-2',
    });
    assert.equal(r.status, 0, r.stderr);
    call = probe.calls[probe.calls.length - 1]!;
    assert.deepEqual([call.operation, call.accountId, call.region], ['ListThings', '444455556666', 'ap-southeast-2']);
    const sig = resolveCaller(probe.lastAuthorization, 'us-east-1').sigv4!;
    assert.equal(sig.service, 'execute-api');
    assert.ok(sig.signedHeaders.includes('host') && sig.signedHeaders.includes('x-amz-date'), sig.signedHeaders.join(';'));
    assert.match(sig.signature, /^[0-9a-f]{64}$/);
    assert.match(sig.date, /^\d{8}$/);
  });

  test('the aws CLI with --no-sign-request uses the default account and region', async () => {
    const r = await runAwsCli(['--endpoint-url', probe.url, '--no-sign-request', '--region', 'eu-north-1', 'iot', 'list-things'], {});
    assert.equal(r.status, 0, r.stderr);
    const call = probe.calls[probe.calls.length - 1]!;
    assert.deepEqual([call.accountId, call.region], ['000000000000', 'us-east-1']);
  });
});
