// The HTTP front door on malformed traffic: disconnects, unknown methods, what Node cannot parse, broken chunked
// bodies. A probe server (test/helpers/probe-server.ts) is used so its log can be checked for internal failures, and
// plain sockets send what node:http refuses to.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, rawSocket, assertAwsError, UUID_V4 } from './helpers/raw-http.js';
import { assertNoInternalFailure, startProbeServer, type ProbeServer } from './helpers/probe-server.js';

describe('HTTP front door on malformed traffic', () => {
  let probe: ProbeServer;
  before(async () => {
    probe = await startProbeServer();
  });
  after(() => probe.close());

  async function stillServing() {
    const health = await rawRequest(probe.url, { path: '/_ddlocal/health' });
    assert.equal(health.status, 200);
  }

  test('a client that disconnects mid-body: no 500, no unhandled rejection, the server keeps serving', async () => {
    const before = probe.logs.length;
    await rawSocket(
      probe.port,
      'POST /audit/suppressions/create HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{"checkName":',
      150,
    );
    await rawSocket(probe.port, 'POST /loggingOptions HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"rol\r\n', 150);
    await new Promise((r) => setTimeout(r, 100));
    await stillServing();
    const lines = probe.logs.slice(before).map((l) => JSON.parse(l));
    assert.equal(lines.filter((l) => l.status === 'client-aborted').length, 2, JSON.stringify(lines));
    assertNoInternalFailure(probe.logs);
    assert.deepEqual(probe.unhandled, []);
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
      'FOO /things HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', // a method llhttp does not know
      `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, // request line over 16 KiB
      'POST /things/a HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n',
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
      'POST /loggingOptions HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"rol\r\nzz\r\n',
    );
    assert.match(assertAwsError(res, 'InvalidRequestException', 400), /^The request body could not be read: /);
    assert.equal(res.headers['connection'], 'close', res.raw);
    await stillServing();
  });

  test('bytes after a "Connection: close" request do not replace its answer', async () => {
    const res = await rawSocket(probe.port, 'GET /_ddlocal/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n{"stray":"body"}');
    assert.equal(res.status, 200, res.raw);
    assert.equal(res.json?.status, 'ok', res.raw);
    // Pipelined garbage after a keep-alive request: the first answer arrives intact, then the connection closes.
    const piped = await rawSocket(probe.port, 'GET /_ddlocal/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGARBAGE / HTTP/1.1\r\n\r\n');
    assert.equal(piped.status, 200, piped.raw);
    assert.match(piped.raw, /"status":"ok"/);
  });

  test('a very long path that still parses is an unknown operation', async () => {
    const path = `/things/${'a'.repeat(8000)}/x`;
    assertAwsError(await rawRequest(probe.url, { path }), 'UnknownOperationException', 404);
  });

  test('HTTP/1.1 without Host is a 400 (docs/decisions.md#w18); an unknown Expect value is served normally', async () => {
    const noHost = await rawSocket(probe.port, 'GET /_ddlocal/health HTTP/1.1\r\nConnection: close\r\n\r\n');
    assert.match(assertAwsError(noHost, 'InvalidRequestException', 400), /no Host header/);
    const body = '{"roleArn":"arn:aws:iam::1:role/r","x":1}';
    const expect = await rawSocket(
      probe.port,
      `POST /loggingOptions HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: something\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
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
    assert.deepEqual(probe.unhandled, []);
  });
});
