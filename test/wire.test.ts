// The wire layer over real HTTP (wire.md, Dec W1–W17, X1, X2, A18): body and query parsing, routing, validation
// messages, errors, request ids, caller resolution, the /_ddlocal/ core endpoints, and the HTTP front door's
// behaviour on malformed traffic. Three kinds of server are used:
//  * the real ddlocal (startTestServer) on SQLite and PostgreSQL, for everything end to end;
//  * a "probe" server — the real wire layer (createHttpServer) whose handler table records the validated input —
//    for operations whose domain module is not the subject here (audit tasks, logging options, principals…);
//  * plain sockets, for traffic node:http refuses to send.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { execFile } from 'node:child_process';
import { pino } from 'pino';
import {
  CreatePolicyCommand,
  CreateThingCommand,
  DescribeThingCommand,
  ListAttachedPoliciesCommand,
  ListThingsCommand,
  SetLoggingOptionsCommand,
} from '@aws-sdk/client-iot';
import { startTestServer, errorOf, iotClient, type TestServer, type StoreChoice } from './helpers/server.js';
import { rawRequest, rawSocket, assertAwsError, sigv4Header, UUID_V4, type RawResponse } from './helpers/raw-http.js';
import { AWS_CLI_V2 } from './helpers/aws-cli.js';
import { startServeProcess } from './helpers/serve-process.js';
import { parseTimestampText } from '../src/kernel/timestamps.js';
import { parseAuthorization, resolveCaller } from '../src/protocol/auth.js';
import { errorStatus } from '../src/protocol/error-status.js';
import { createHttpServer } from '../src/protocol/http-server.js';
import { openStore, type Store } from '../src/store/store.js';
import { Clock } from '../src/kernel/clock.js';
import { coreExtensionRoutes } from '../src/server/core-routes.js';
import { transactionalOperations } from '../src/server/operations.js';
import { VERSION } from '../src/kernel/version.js';
import type { HandlerTable, RequestContext } from '../src/registry/context.js';
import type { OperationName } from '../src/model/types.generated.js';

// ---------------------------------------------------------------------------------------------------------------
// Query-string timestamps (Dec W10), parsed directly.

describe('query timestamps (parseTimestampText)', () => {
  const iso = (text: string) => parseTimestampText(text)?.toISOString();

  test('ISO-8601 with Z, offsets and 1–9 digit fractions', () => {
    assert.equal(iso('2020-01-01T00:00:00Z'), '2020-01-01T00:00:00.000Z');
    assert.equal(iso('2020-01-01T00:00:00.250000Z'), '2020-01-01T00:00:00.250Z');
    assert.equal(iso('2020-01-01T00:00:00.5Z'), '2020-01-01T00:00:00.500Z');
    assert.equal(iso('2020-01-01T00:00:00.123456789Z'), '2020-01-01T00:00:00.123Z');
    assert.equal(iso('2020-01-01T02:00:00+02:00'), '2020-01-01T00:00:00.000Z');
    assert.equal(iso('2019-12-31T19:30:00-04:30'), '2020-01-01T00:00:00.000Z');
    assert.equal(iso('2020-02-29T12:00:00Z'), '2020-02-29T12:00:00.000Z');
  });

  test('numeric epoch seconds, integral and fractional', () => {
    assert.equal(iso('1600000000'), '2020-09-13T12:26:40.000Z');
    assert.equal(iso('1600000000.123'), '2020-09-13T12:26:40.123Z');
    assert.equal(iso('0'), '1970-01-01T00:00:00.000Z');
  });

  test('years below 100 stay in their century (Date.UTC would map 0050 to 1950)', () => {
    assert.equal(parseTimestampText('0050-06-01T00:00:00Z')?.getUTCFullYear(), 50);
  });

  test('rejected forms are undefined', () => {
    for (const bad of [
      '',
      'yesterday',
      '2020-01-01',
      '2020-01-01T00:00:00', // no zone
      '2020-01-01 00:00:00Z',
      '2020-01-01T00:00Z',
      '2020-01-01T00:00:00.Z',
      '2020-01-01T00:00:00.1234567890Z', // 10 fraction digits
      '2020-13-01T00:00:00Z',
      '2020-00-01T00:00:00Z',
      '2020-02-30T00:00:00Z', // no such day: not rolled over into March
      '2021-02-29T00:00:00Z',
      '2020-04-31T00:00:00Z',
      '2020-01-01T24:00:00Z',
      '2020-01-01T00:60:00Z',
      '2020-01-01T00:00:61Z',
      '2020-01-01T00:00:00+25:00',
      '2020-01-01T00:00:00+0200',
      '1e9',
      '0x10',
      '99999999999999999999', // beyond what a Date holds: would be an Invalid Date
    ]) {
      assert.equal(parseTimestampText(bad), undefined, bad);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Authorization parsing (wire.md §10.1, Dec W2, C7).

describe('Authorization header parsing', () => {
  test('the parsed header is kept whole on the caller for a later strict verifier', () => {
    const header =
      'AWS4-HMAC-SHA256 Credential=111122223333/20240102/eu-west-1/execute-api/aws4_request, ' +
      'SignedHeaders=content-type;host;x-amz-date, Signature=' + 'ab'.repeat(32);
    const caller = resolveCaller(header, 'us-east-1');
    assert.equal(caller.accountId, '111122223333');
    assert.equal(caller.region, 'eu-west-1');
    assert.deepEqual(caller.sigv4, {
      accessKeyId: '111122223333',
      date: '20240102',
      region: 'eu-west-1',
      service: 'execute-api',
      signedHeaders: ['content-type', 'host', 'x-amz-date'],
      signature: 'ab'.repeat(32),
    });
    assert.equal(resolveCaller(undefined, 'ap-south-1').sigv4, undefined);
    assert.deepEqual(
      { ...resolveCaller(undefined, 'ap-south-1') },
      { accountId: '000000000000', region: 'ap-south-1' },
    );
  });

  test('unparseable headers are IncompleteSignatureException', () => {
    for (const bad of [
      'Basic dXNlcjpwYXNz',
      'AWS4-HMAC-SHA256',
      'AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc',
      'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/iot, SignedHeaders=host, Signature=abc',
      'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/iot/aws4_request, Signature=abc',
      'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/iot/aws4_request, SignedHeaders=host',
    ]) {
      assert.throws(() => parseAuthorization(bad), (e: any) => e.code === 'IncompleteSignatureException' && errorStatus(e.code) === 403, bad);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The probe server: the real wire layer with recording handlers.

interface ProbeCall {
  operation: string;
  input: Record<string, any>;
  accountId: string;
  region: string;
}

interface ProbeServer {
  url: string;
  port: number;
  server: Server;
  calls: ProbeCall[];
  logs: string[];
  lastAuthorization?: string;
  close(): Promise<void>;
}

const PROBED_OPERATIONS: OperationName[] = [
  'StartAuditMitigationActionsTask',
  'CreateThingGroup',
  'ListAuditTasks',
  'CreateAuditSuppression',
  'SetLoggingOptions',
  'ListAttachedPolicies',
  'AttachThingPrincipal',
  'ListThings',
];

async function startProbeServer(): Promise<ProbeServer> {
  const calls: ProbeCall[] = [];
  const logs: string[] = [];
  const handlers: HandlerTable = {};
  for (const operation of PROBED_OPERATIONS) {
    // Fits every operation: it takes any input and returns no output members.
    const probe = async (input: Record<string, any>, ctx: RequestContext) => {
      calls.push({ operation, input, accountId: ctx.accountId, region: ctx.region });
      return {};
    };
    handlers[operation] = probe;
  }
  const store: Store = await openStore({ dataFile: ':memory:' });
  const clock = new Clock();
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  const server = createHttpServer({
    logger,
    operations: transactionalOperations(store, clock, handlers),
    extensions: coreExtensionRoutes(store, clock, 'open'),
    defaultRegion: 'us-east-1',
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const probe: ProbeServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    calls,
    logs,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await store.close();
    },
  };
  server.on('request', (req) => {
    probe.lastAuthorization = req.headers.authorization;
  });
  return probe;
}

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

/** No request made so far was logged as a ddlocal failure (level 50 = error). */
function assertNoInternalFailure(logs: string[]) {
  const failures = logs.filter((l) => JSON.parse(l).level >= 50);
  assert.deepEqual(failures, []);
}

describe('validation messages and bindings (probe server)', () => {
  let probe: ProbeServer;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => void unhandled.push(e);
  before(async () => {
    probe = await startProbeServer();
    process.on('unhandledRejection', onUnhandled);
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    assertNoInternalFailure(probe.logs);
    assert.deepEqual(unhandled, []);
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
    const repeated = await req('PUT', '/things/t1/principals', undefined, ['x-amzn-principal', 'a', 'x-amzn-principal', 'b']);
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

// ---------------------------------------------------------------------------------------------------------------
// HTTP front door robustness (probe server, so the server log can be checked for internal failures).

describe('HTTP front door on malformed traffic', () => {
  let probe: ProbeServer;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => void unhandled.push(e);
  before(async () => {
    probe = await startProbeServer();
    process.on('unhandledRejection', onUnhandled);
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await probe.close();
  });

  async function stillServing() {
    const health = await rawRequest(probe.url, { path: '/_ddlocal/health' });
    assert.equal(health.status, 200);
  }

  test('a client that disconnects mid-body: no 500, no unhandled rejection, the server keeps serving', async () => {
    const before = probe.logs.length;
    await rawSocket(
      probe.port,
      'POST /audit/suppressions/create HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"checkName":',
      150,
    );
    await rawSocket(probe.port, 'POST /loggingOptions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"rol\r\n', 150);
    await new Promise((r) => setTimeout(r, 100));
    await stillServing();
    const lines = probe.logs.slice(before).map((l) => JSON.parse(l));
    assert.equal(lines.filter((l) => l.status === 'client-aborted').length, 2, JSON.stringify(lines));
    assertNoInternalFailure(probe.logs);
    assert.deepEqual(unhandled, []);
  });

  test('HEAD, OPTIONS and other methods no operation uses are UnknownOperationException', async () => {
    for (const method of ['OPTIONS', 'PROPFIND', 'TRACE', 'PATCH']) {
      const msg = assertAwsError(await rawRequest(probe.url, { method, path: '/things' }), 'UnknownOperationException', 404, method);
      assert.equal(msg, `No AWS IoT operation matches ${method} /things`);
    }
    const head = await rawRequest(probe.url, { method: 'HEAD', path: '/things' });
    assert.equal(head.status, 404);
    assert.equal(head.headers['x-amzn-errortype'], 'UnknownOperationException');
    assert.match(String(head.headers['x-amzn-requestid']), UUID_V4);
    assert.equal(head.text, '');
  });

  test('what Node cannot parse still gets an AWS-shaped 400 with a request id', async () => {
    for (const text of [
      'FOO /things HTTP/1.1\r\nHost: x\r\n\r\n', // a method llhttp does not know
      `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, // request line over 16 KiB
      'POST /things/a HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'hello\r\n\r\n',
    ]) {
      const res = await rawSocket(probe.port, text);
      assertAwsError(res, 'InvalidRequestException', 400, text.slice(0, 40));
    }
    await stillServing();
  });

  test('a broken chunked body of a request already being served is a 400, and the connection closes', async () => {
    const res = await rawSocket(
      probe.port,
      'POST /loggingOptions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"rol\r\nzz\r\n',
    );
    assert.match(assertAwsError(res, 'InvalidRequestException', 400), /^The request body could not be read: /);
    assert.equal(res.headers['connection'], 'close', res.raw);
    await stillServing();
  });

  test('bytes after a "Connection: close" request do not replace its answer', async () => {
    const res = await rawSocket(probe.port, 'GET /_ddlocal/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n{"stray":"body"}');
    assert.equal(res.status, 200, res.raw);
    assert.equal(res.json?.status, 'ok', res.raw);
    // Pipelined garbage after a keep-alive request: the first answer arrives intact, then the connection closes.
    const piped = await rawSocket(probe.port, 'GET /_ddlocal/health HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE / HTTP/1.1\r\n\r\n');
    assert.equal(piped.status, 200, piped.raw);
    assert.match(piped.raw, /"status":"ok"/);
  });

  test('a very long path that still parses is an unknown operation', async () => {
    const path = `/things/${'a'.repeat(8000)}/x`;
    assertAwsError(await rawRequest(probe.url, { path }), 'UnknownOperationException', 404);
  });

  test('HTTP/1.1 without Host and an unknown Expect value are served normally', async () => {
    const noHost = await rawSocket(probe.port, 'GET /_ddlocal/health HTTP/1.1\r\nConnection: close\r\n\r\n');
    assert.equal(noHost.status, 200, noHost.raw);
    assert.equal(noHost.json.status, 'ok');
    const body = '{"roleArn":"arn:aws:iam::1:role/r","x":1}';
    const expect = await rawSocket(
      probe.port,
      `POST /loggingOptions HTTP/1.1\r\nHost: x\r\nExpect: something\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    assertAwsError(expect, 'InvalidRequestException', 400);
    assert.match(expect.json.message, /'loggingOptionsPayload.x' failed to satisfy constraint: Member is not a member of LoggingOptionsPayload/);
  });

  test('invalid percent-encoding in path labels and query values is a 400, not a 500', async () => {
    for (const path of ['/attached-policies/%E0%A4%A', '/attached-policies/%zz', '/attached-policies/%C0%AF', '/attached-policies/t?pageSize=%FF']) {
      const msg = assertAwsError(await rawRequest(probe.url, { method: 'POST', path }), 'InvalidRequestException', 400, path);
      assert.match(msg, /not valid percent-encoded UTF-8/);
    }
  });

  test('no request so far was an internal failure', () => {
    assertNoInternalFailure(probe.logs);
    assert.deepEqual(unhandled, []);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The real server, end to end, on both stores.

for (const storeKind of ['sqlite', 'postgres'] as StoreChoice[]) {
  describe(`wire end to end (${storeKind})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(storeKind);
    });
    after(() => server.close());
    const req = (method: string, path: string, body?: string | object, headers?: Record<string, string>) =>
      rawRequest(server.url, { method, path, headers, body: typeof body === 'object' ? JSON.stringify(body) : body });

    test('body problems are 400 InvalidRequestException (Dec W5)', async () => {
      const cases: [string, string, RegExp][] = [
        ['malformed JSON', '{"attributePayload":', /not valid JSON/],
        ['trailing garbage', '{} x', /not valid JSON/],
        ['array body', '[1,2]', /must be a JSON object/],
        ['string body', '"thing"', /must be a JSON object/],
        ['number body', '42', /must be a JSON object/],
        ['null body', 'null', /must be a JSON object/],
        [
          'wrong JSON type',
          '{"attributePayload":{"merge":"yes"}}',
          /^1 validation error detected: Value 'yes' at 'attributePayload.merge' failed to satisfy constraint: Member must be of type boolean$/,
        ],
        [
          'object where a string is expected',
          '{"thingTypeName":{"a":1}}',
          /^1 validation error detected: Value '\{"a":1\}' at 'thingTypeName' failed to satisfy constraint: Member must be of type string$/,
        ],
      ];
      for (const [what, body, expected] of cases) {
        const msg = assertAwsError(await req('POST', '/things/body-test', body), 'InvalidRequestException', 400, what);
        assert.match(msg, expected, what);
      }
      const fractional = await req('PATCH', '/things/body-test', '{"expectedVersion":1.5}');
      assert.equal(
        assertAwsError(fractional, 'InvalidRequestException', 400),
        "1 validation error detected: Value '1.5' at 'expectedVersion' failed to satisfy constraint: Member must be of type long",
      );
    });

    test('unknown body members are named (Dec W6), also names inherited by every JS object', async () => {
      const msg = assertAwsError(await req('POST', '/things/unknown-1', '{"bogus":1,"thingTypeName":null}'), 'InvalidRequestException', 400);
      assert.equal(msg, "1 validation error detected: Value '1' at 'bogus' failed to satisfy constraint: Member is not a member of CreateThingRequest");
      for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
        const body = `{"${name}":{"thingTypeName":"x"}}`;
        const m = assertAwsError(await req('POST', '/things/unknown-2', body), 'InvalidRequestException', 400, name);
        assert.equal(
          m,
          `1 validation error detected: Value '{"thingTypeName":"x"}' at '${name}' failed to satisfy constraint: Member is not a member of CreateThingRequest`,
        );
      }
      const nested = assertAwsError(await req('POST', '/things/unknown-3', { attributePayload: { attributes: {}, extra: true } }), 'InvalidRequestException', 400);
      assert.match(nested, /Value 'true' at 'attributePayload.extra' failed to satisfy constraint: Member is not a member of AttributePayload/);
    });

    test('a map key named __proto__ is kept as a key', async () => {
      const res = await req('POST', '/things/proto-key', '{"attributePayload":{"attributes":{"__proto__":"v1","b":"v2"}}}');
      assert.equal(res.status, 200, res.text);
      const described = await req('GET', '/things/proto-key');
      assert.equal(described.status, 200, described.text);
      assert.ok(Object.hasOwn(described.json.attributes, '__proto__'), described.text);
      assert.equal(described.json.attributes['__proto__'], 'v1');
      assert.equal(described.json.attributes.b, 'v2');
    });

    test('JSON null is absent (Dec W7)', async () => {
      const res = await req('POST', '/things/null-members', '{"thingTypeName":null,"attributePayload":{"attributes":null,"merge":null},"billingGroupName":null}');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.thingName, 'null-members');
      const described = await req('GET', '/things/null-members');
      assert.equal(described.json.thingTypeName, undefined);
      assert.deepEqual(described.json.attributes, {});
    });

    test('a null inside a map is "must not be null"; labels are decoded before validation', async () => {
      const res = await req('POST', '/things/a%20b', '{"attributePayload":{"attributes":{"k":null}}}');
      assert.equal(
        assertAwsError(res, 'InvalidRequestException', 400),
        '2 validation errors detected: ' +
          "Value 'a b' at 'thingName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+; " +
          "Value null at 'attributePayload.attributes.k' failed to satisfy constraint: Member must not be null",
      );
    });

    test('values over 100 characters are truncated with …; lengths count code points', async () => {
      const long = 'a'.repeat(150);
      const msg = assertAwsError(await req('GET', `/things/${long}`), 'InvalidRequestException', 400);
      assert.equal(
        msg,
        `1 validation error detected: Value '${'a'.repeat(100)}…' at 'thingName' failed to satisfy constraint: Member must have length less than or equal to 128`,
      );
      // 128 emoji are 256 UTF-16 units but 128 code points: long enough for the limit, still the wrong pattern.
      const emoji = assertAwsError(await req('GET', `/things/${encodeURIComponent('😀'.repeat(128))}`), 'InvalidRequestException', 400);
      assert.match(emoji, /^1 validation error detected: Value '(😀){100}…' at 'thingName' failed to satisfy constraint: Member must satisfy regular expression pattern/);
    });

    test('many violations: the count is exact, the list is cut after 100', async () => {
      const attributes: Record<string, string> = {};
      for (let i = 0; i < 300; i++) attributes[`bad key ${i}`] = 'v';
      const msg = assertAwsError(await req('POST', '/things/many', { attributePayload: { attributes } }), 'InvalidRequestException', 400);
      assert.match(msg, /^300 validation errors detected: Value 'bad key 0' at 'attributePayload.attributes' failed/);
      assert.ok(msg.endsWith('; and 200 more'), msg.slice(-200));
      assert.equal(msg.split('; Value ').length, 100);
    });

    test('deeply nested JSON of the wrong type is a validation error, not a stack overflow', async () => {
      const depth = 400_000;
      const body = `{"attributePayload":{"attributes":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
      const msg = assertAwsError(await req('POST', '/things/deep', body), 'InvalidRequestException', 400);
      assert.match(msg, /^1 validation error detected: Value '\[{100}…' at 'attributePayload.attributes' failed to satisfy constraint: Member must be of type map$/);
    });

    test('bodies over 1 MiB are refused, declared or chunked; exactly 1 MiB is read', async () => {
      const sized = (bytes: number) => {
        const head = '{"attributePayload":{"attributes":{"a":"';
        const tail = '"}}}';
        return head + 'x'.repeat(bytes - head.length - tail.length) + tail;
      };
      const declared = await req('POST', '/things/big', sized(1024 * 1024 + 1));
      assert.match(assertAwsError(declared, 'InvalidRequestException', 400), /exceeds the limit of 1048576 bytes/);
      const chunked = await rawRequest(server.url, { method: 'POST', path: '/things/big', body: sized(3 * 1024 * 1024), chunkSize: 64 * 1024 });
      assert.match(assertAwsError(chunked, 'InvalidRequestException', 400), /exceeds the limit of 1048576 bytes/);
      const exact = await req('POST', '/things/big', sized(1024 * 1024));
      assert.match(
        assertAwsError(exact, 'InvalidRequestException', 400),
        /at 'attributePayload.attributes.a' failed to satisfy constraint: Member must have length less than or equal to 800/,
      );
    });

    test('a chunked body within the limit is read like any other', async () => {
      const body = JSON.stringify({ attributePayload: { attributes: { color: 'red' } } });
      const res = await rawRequest(server.url, { method: 'POST', path: '/things/chunked', body, chunkSize: 7 });
      assert.equal(res.status, 200, res.text);
      const described = await req('GET', '/things/chunked');
      assert.deepEqual(described.json.attributes, { color: 'red' });
    });

    test('operations without body members accept an empty body and {}; Content-Type is never required', async () => {
      await req('POST', '/things/nobody');
      for (const body of [undefined, '{}']) {
        const res = await req('GET', '/things/nobody', body);
        assert.equal(res.status, 200, res.text);
      }
      const typed = await req('POST', '/things/typed', '{}', { 'content-type': 'text/plain' });
      assert.equal(typed.status, 200, typed.text);
    });

    test('unknown METHOD + path → 404 UnknownOperationException (Dec W4)', async () => {
      for (const [method, path] of [
        ['GET', '/nothing-here'],
        ['DELETE', '/things'],
        ['GET', '/Things/x'], // literal segments are case-sensitive
        ['GET', '/things/x/'], // a trailing slash is another path
        ['GET', '/'],
        ['POST', '/_ddlocal/nothing'],
      ]) {
        const msg = assertAwsError(await req(method!, path!), 'UnknownOperationException', 404, `${method} ${path}`);
        if (!path!.startsWith('/_ddlocal/')) assert.equal(msg, `No AWS IoT operation matches ${method} ${path}`);
      }
      // Query parameters never take part in routing, and are not echoed in the message.
      assert.equal(
        assertAwsError(await req('GET', '/nothing-here?x=1'), 'UnknownOperationException', 404),
        'No AWS IoT operation matches GET /nothing-here',
      );
    });

    test('model operations ddlocal does not implement → 501 NotImplementedException naming them (Dec W4)', async () => {
      for (const [method, path, op] of [
        ['GET', '/rules', 'ListTopicRules'],
        ['PUT', '/jobs/job-1', 'CreateJob'],
        ['GET', '/destinations/arn:aws:iot:us-east-1:1:ruledestination/http/x', 'GetTopicRuleDestination'],
      ]) {
        const msg = assertAwsError(await req(method!, path!, '{"anything":"goes"}'), 'NotImplementedException', 501, op);
        assert.equal(msg, `ddlocal does not implement the AWS IoT operation ${op}`);
      }
    });

    test('query parameters: repeated scalar → 400; unconvertible values → type errors; + stays literal', async () => {
      assert.match(
        assertAwsError(await req('GET', '/things?maxResults=1&maxResults=2'), 'InvalidRequestException', 400),
        /'maxResults' may appear only once/,
      );
      assert.equal(
        assertAwsError(await req('GET', '/things?maxResults=abc&usePrefixAttributeValue=yes'), 'InvalidRequestException', 400),
        "2 validation errors detected: Value 'abc' at 'maxResults' failed to satisfy constraint: Member must be of type integer; " +
          "Value 'yes' at 'usePrefixAttributeValue' failed to satisfy constraint: Member must be of type boolean",
      );
      const plus = assertAwsError(await req('GET', '/things?attributeName=a&attributeValue=x+y%20z'), 'InvalidRequestException', 400);
      assert.match(plus, /^1 validation error detected: Value 'x\+y z' at 'attributeValue' failed/);
      const unknownParams = await req('GET', '/things?x-id=ListThings&whatever=1');
      assert.equal(unknownParams.status, 200, unknownParams.text);
    });

    test('percent-encoded labels are decoded; an empty label is a validation error', async () => {
      assert.equal(
        assertAwsError(await req('GET', '/things/a%20b%2Fc'), 'InvalidRequestException', 400),
        "1 validation error detected: Value 'a b/c' at 'thingName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+",
      );
      await req('POST', '/things/enc-1');
      const ok = await req('GET', '/things/enc%2D1');
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.json.thingName, 'enc-1');
      assert.equal(
        assertAwsError(await req('DELETE', '/things/'), 'InvalidRequestException', 400),
        "2 validation errors detected: Value '' at 'thingName' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
          "Value '' at 'thingName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+",
      );
    });

    test('x-amzn-RequestId (UUID v4) on every response, distinct per request (Dec W15)', async () => {
      const responses: RawResponse[] = [
        await req('POST', '/things/rid-1'),
        await req('GET', '/things/missing-thing'),
        await req('GET', '/nothing-here'),
        await req('GET', '/rules'),
        await req('POST', '/things/rid-2', '{'),
        await req('GET', '/_ddlocal/health'),
        await req('GET', '/_ddlocal/clock'),
        await req('POST', '/_ddlocal/clock', '{}'),
        await req('GET', '/things', undefined, { authorization: 'Basic abc' }),
      ];
      const ids = responses.map((r) => String(r.headers['x-amzn-requestid']));
      for (const id of ids) assert.match(id, UUID_V4);
      assert.equal(new Set(ids).size, ids.length);
      assert.equal(responses[0]!.status, 200);
      assert.equal(responses[0]!.headers['x-amzn-errortype'], undefined);
      assert.match(String(responses[0]!.headers['content-type']), /^application\/json/);
      assertAwsError(responses[1]!, 'ResourceNotFoundException', 404);
      assertAwsError(responses[7]!, 'InvalidRequestException', 400);
      const sdk = await server.iot().send(new ListThingsCommand({}));
      assert.match(sdk.$metadata.requestId!, UUID_V4);
      const sdkErr = await errorOf(() => server.iot().send(new DescribeThingCommand({ thingName: 'missing-thing' })));
      assert.match((sdkErr.$metadata as { requestId?: string }).requestId!, UUID_V4);
    });

    test('Authorization → account and region (Dec W2)', async () => {
      const create = (name: string, authorization?: string) =>
        req('POST', `/things/${name}`, undefined, authorization ? { authorization } : undefined);
      assert.equal((await create('auth-1', sigv4Header('111122223333', 'eu-west-1'))).json.thingArn, 'arn:aws:iot:eu-west-1:111122223333:thing/auth-1');
      assert.equal((await create('auth-2', sigv4Header('AKIAIOSFODNN7EXAMPLE', 'eu-west-1'))).json.thingArn, 'arn:aws:iot:eu-west-1:000000000000:thing/auth-2');
      assert.equal((await create('auth-3', sigv4Header('1234567890123', 'us-west-2'))).json.thingArn, 'arn:aws:iot:us-west-2:000000000000:thing/auth-3');
      assert.equal((await create('auth-4')).json.thingArn, 'arn:aws:iot:us-east-1:000000000000:thing/auth-4');
      assert.equal(
        (await create('auth-5', sigv4Header('111122223333', 'eu-west-1', 'execute-api'))).json.thingArn,
        'arn:aws:iot:eu-west-1:111122223333:thing/auth-5',
      );
      // Isolation: the thing of 111122223333/eu-west-1 is invisible to the same account elsewhere.
      const other = await req('GET', '/things/auth-1', undefined, { authorization: sigv4Header('111122223333', 'us-east-1') });
      assertAwsError(other, 'ResourceNotFoundException', 404);
      for (const region of ['moon', 'US-EAST-1', 'us-east', '']) {
        const msg = assertAwsError(await create('auth-bad', sigv4Header('111122223333', region)), 'InvalidRequestException', 400, region);
        assert.equal(msg, `'${region}' in the credential scope is not a valid AWS region name`);
      }
      for (const authorization of ['Basic dXNlcjpwYXNz', 'AWS4-HMAC-SHA256 Credential=x', 'Bearer token']) {
        assertAwsError(await create('auth-bad', authorization), 'IncompleteSignatureException', 403, authorization);
        assertAwsError(await req('GET', '/_ddlocal/health', undefined, { authorization }), 'IncompleteSignatureException', 403);
      }
    });

    test('GET /_ddlocal/health (Dec X1)', async () => {
      const res = await req('GET', '/_ddlocal/health');
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, { status: 'ok', version: VERSION, store: storeKind, authMode: 'open' });
      assert.match(String(res.headers['content-type']), /^application\/json/);
    });

    test('/_ddlocal/clock: read, advance, set, freeze, reset (Dec A18)', async () => {
      const clock = async (body?: object | string) => {
        const res = body === undefined ? await req('GET', '/_ddlocal/clock') : await req('POST', '/_ddlocal/clock', body);
        assert.equal(res.status, 200, res.text);
        return res.json as { now: string; mode: string; offsetSeconds: number };
      };
      const near = (iso: string, ms: number, slack = 5000) => assert.ok(Math.abs(Date.parse(iso) - ms) < slack, `${iso} vs ${new Date(ms).toISOString()}`);
      try {
        let s = await clock();
        assert.equal(s.mode, 'system');
        assert.equal(s.offsetSeconds, 0);
        near(s.now, Date.now());
        s = await clock({ advanceSeconds: 3600 });
        assert.deepEqual([s.mode, s.offsetSeconds], ['offset', 3600]);
        near(s.now, Date.now() + 3600_000);
        s = await clock({ set: '2030-01-01T00:00:00Z' });
        assert.equal(s.mode, 'offset');
        near(s.now, Date.UTC(2030, 0, 1));
        s = await clock({ set: '2030-01-01T02:00:00.500+02:00' });
        near(s.now, Date.UTC(2030, 0, 1, 0, 0, 0, 500));
        s = await clock({ freeze: true });
        assert.equal(s.mode, 'fixed');
        await new Promise((r) => setTimeout(r, 30));
        assert.equal((await clock()).now, s.now);
        s = await clock({ advanceSeconds: 86400 });
        assert.equal(s.mode, 'fixed');
        assert.equal(Date.parse(s.now) - Date.parse((await clock()).now), 0);
        s = await clock({ set: '2031-05-05T05:05:05Z' });
        assert.deepEqual([s.now, s.mode], ['2031-05-05T05:05:05.000Z', 'fixed']);
        s = await clock({ reset: true });
        assert.deepEqual([s.mode, s.offsetSeconds], ['system', 0]);
        near(s.now, Date.now());
      } finally {
        await req('POST', '/_ddlocal/clock', { reset: true });
      }
    });

    test('/_ddlocal/clock: bad requests are 400 and change nothing', async () => {
      for (const body of [
        '',
        '{}',
        '{"advanceSeconds":1,"freeze":true}',
        '{"advanceSeconds":"10"}',
        '{"advanceSeconds":null}',
        '{"advanceSeconds":1e300}', // would push the clock past year 9999: every later timestamp would fail to render
        '{"advanceSeconds":-1e12}',
        '{"set":"tomorrow"}',
        '{"set":"2030-02-30T00:00:00Z"}',
        '{"set":"2030-01-01T00:00:00"}',
        '{"set":1893456000}',
        '{"set":"1893456000"}',
        '{"freeze":false}',
        '{"reset":"yes"}',
        '{"rewind":10}',
        '[1]',
        '{"set":',
      ]) {
        assertAwsError(await req('POST', '/_ddlocal/clock', body), 'InvalidRequestException', 400, body);
      }
      const s = (await req('GET', '/_ddlocal/clock')).json;
      assert.deepEqual([s.mode, s.offsetSeconds], ['system', 0]);
      assertAwsError(await req('PUT', '/_ddlocal/clock', '{}'), 'UnknownOperationException', 404);
    });

    test('/_ddlocal/reset: all, one account, one account and region (Dec X2)', async () => {
      const A = '210987654321';
      const B = '310987654321';
      const names = async (account: string, region: string) =>
        ((await server.iot(account, region).send(new ListThingsCommand({}))).things ?? []).map((t) => t.thingName);
      const seed = async () => {
        await server.iot(A, 'us-east-1').send(new CreateThingCommand({ thingName: 'a-east' }));
        await server.iot(A, 'eu-west-1').send(new CreateThingCommand({ thingName: 'a-west' }));
        await server.iot(B, 'us-east-1').send(new CreateThingCommand({ thingName: 'b-east' }));
      };
      await seed();
      let res = await req('POST', '/_ddlocal/reset', { accountId: A, region: 'eu-west-1' });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json, {});
      assert.deepEqual(await names(A, 'eu-west-1'), []);
      assert.deepEqual(await names(A, 'us-east-1'), ['a-east']);
      assert.deepEqual(await names(B, 'us-east-1'), ['b-east']);

      await seed();
      await req('POST', '/_ddlocal/clock', { advanceSeconds: 60 });
      res = await req('POST', '/_ddlocal/reset', { accountId: A });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(await names(A, 'eu-west-1'), []);
      assert.deepEqual(await names(A, 'us-east-1'), []);
      assert.deepEqual(await names(B, 'us-east-1'), ['b-east']);
      assert.equal((await req('GET', '/_ddlocal/clock')).json.mode, 'offset', 'a one-account reset leaves the shared clock alone');

      await seed();
      res = await req('POST', '/_ddlocal/reset');
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(await names(A, 'us-east-1'), []);
      assert.deepEqual(await names(A, 'eu-west-1'), []);
      assert.deepEqual(await names(B, 'us-east-1'), []);
      assert.equal((await req('GET', '/_ddlocal/clock')).json.mode, 'system', 'a full reset resets the clock');

      await seed();
      for (const body of [
        { region: 'us-east-1' },
        { accountId: '123' },
        { accountId: 123456789012 },
        { accountId: A, region: 'moon' },
        { accountId: A, wipe: true },
        [A],
      ]) {
        assertAwsError(await req('POST', '/_ddlocal/reset', body), 'InvalidRequestException', 400, JSON.stringify(body));
      }
      assert.deepEqual(await names(A, 'us-east-1'), ['a-east'], 'a refused reset deletes nothing');
      await req('POST', '/_ddlocal/reset', '{}');
      assert.deepEqual(await names(B, 'us-east-1'), []);
    });
  });
}

// In a process of its own, as users run it: the client is still writing when the server has decided to refuse.
test('a client still sending a body far over the limit reads the 400 (the rest is read and dropped first), not a broken pipe', async () => {
  const serve = await startServeProcess({ data: ':memory:' });
  try {
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      for (const chunkSize of [undefined, 256 * 1024]) {
        const body = Buffer.alloc(16 * 1024 * 1024, 'x');
        outcomes.push(
          await rawRequest(serve.url, { method: 'POST', path: '/things/huge', body, chunkSize }).then(
            (r) => `${r.status} ${r.json?.__type}`,
            (err: NodeJS.ErrnoException) => err.code ?? String(err),
          ),
        );
      }
    }
    assert.deepEqual([...new Set(outcomes)], ['400 InvalidRequestException'], outcomes.join(', '));
  } finally {
    await serve.stop();
  }
});

test('an error message quoting a value of a megabyte is cut at 64 KiB', async () => {
  const server = await startTestServer('sqlite');
  try {
    await server.iot().send(new CreatePolicyCommand({ policyName: 'p', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] }) }));
    const target = `arn:aws:iot:us-east-1:123456789012:cert/${'a'.repeat(900_000)}`;
    const res = await rawRequest(server.url, {
      method: 'PUT',
      path: '/target-policies/p',
      headers: { 'content-type': 'application/json', authorization: sigv4Header('123456789012', 'us-east-1') },
      body: JSON.stringify({ target }),
    });
    const message = assertAwsError(res, 'ResourceNotFoundException', 404);
    assert.ok(message.length < 70_000, `${message.length} characters`);
    assert.match(message, /… \(\d+ more characters\)$/);
  } finally {
    await server.close();
  }
});
