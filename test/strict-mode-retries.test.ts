// Strict mode (docs/strict-mode.md) verifies the request a client sends again after a retryable error, not only its
// first attempt. Each client (the AWS SDK for JavaScript v3, boto3, the AWS CLI v2 and v1) calls CreateThing through a
// proxy in front of a strict ddlocal; the proxy answers the first attempt itself with an AWS-shaped 503, which every
// client retries, and forwards the retry unchanged (method, path and query, raw headers, raw body). With valid keys the
// retried request is accepted and creates the thing. When the proxy moves the signed X-Amz-Date of the retry (and
// changes nothing else), ddlocal answers 403 InvalidSignatureException and nothing is created: the retry was checked
// on its own merits, not waved through. The 503 is held until the clock's next second, so each retry carries a
// signature of its own rather than a repeat of the first attempt's.
//
// The proxy keeps the Host header the client sent (127.0.0.1:<proxy port>): that is the host the client signed, and
// a loopback host ddlocal accepts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CreateThingCommand, DescribeThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { errorOf, startTestServer, type TestServer } from './helpers/server.js';
import { AWS_CLI_V2 } from './helpers/aws-cli.js';
import type { SigningKey } from './helpers/signing.js';
import { clientEnvironment, findAwsCliV1, pythonWithBoto3 } from './helpers/aws-clients.js';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
/** An IAM user allowed every IoT action: the key every client signs with. */
const DEVELOPER: SigningKey = { accessKeyId: 'AKIARETRYDEVELOPER1', secretAccessKey: 'retry/developer+secret=1' };

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key ' +
  'and signing method. Consult the service documentation for details.';

// ---------------------------------------------------------------------------------------------------------------
// The proxy: the first request is answered 503, every later one is forwarded unchanged (or, when told, with one
// header of the retry altered)

/** One request as the proxy received it from the client, what it forwarded, and the status the client got back. */
interface SeenRequest {
  method: string;
  /** Path and query, exactly as the client sent them. */
  url: string;
  rawHeaders: string[];
  body: Buffer;
  /** The headers sent on to ddlocal; undefined for the request the proxy answered itself. */
  forwardedHeaders?: string[];
  /** The proxy's own 503, or ddlocal's status. */
  answered?: number;
}

interface RetryProxy {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** Rewrites the raw headers of the retried request (the second one) before it is forwarded. */
type RetryAlteration = (rawHeaders: readonly string[]) => string[];

const SERVICE_UNAVAILABLE_BODY = JSON.stringify({ __type: 'ServiceUnavailableException', message: 'try again' });

/** Headers about the connection and the framing of a response body, which the proxy writes itself. */
const FRAMING_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

async function startRetryProxy(upstreamUrl: string, alterRetry?: RetryAlteration): Promise<RetryProxy> {
  const upstream = new URL(upstreamUrl);
  const seen: SeenRequest[] = [];
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: SeenRequest = { method: req.method!, url: req.url!, rawHeaders: [...req.rawHeaders], body: Buffer.concat(chunks) };
      seen.push(request);
      if (seen.length === 1) {
        // What AWS answers when it is briefly unavailable: every client treats it as retryable. It is sent once the
        // clock has reached the next second, so the retry is signed with a later X-Amz-Date than the first attempt
        // and carries a signature of its own (a retry within the same second would repeat the first's bytes).
        request.answered = 503;
        setTimeout(() => {
          res.writeHead(503, {
            'content-type': 'application/json',
            'x-amzn-ErrorType': 'ServiceUnavailableException',
            'content-length': Buffer.byteLength(SERVICE_UNAVAILABLE_BODY),
          });
          res.end(SERVICE_UNAVAILABLE_BODY);
        }, 1000 - (Date.now() % 1000) + 10);
        return;
      }
      request.forwardedHeaders = alterRetry && seen.length === 2 ? alterRetry(request.rawHeaders) : request.rawHeaders;
      // A raw header list is sent as given: node adds no Host of its own and keeps names, order and repeats.
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.forwardedHeaders, agent: false },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => body.push(chunk));
          answer.on('end', () => {
            const payload = Buffer.concat(body);
            request.answered = answer.statusCode;
            res.writeHead(answer.statusCode ?? 502, { ...endToEndHeaders(answer.headers), 'content-length': payload.length });
            res.end(payload);
          });
        },
      );
      forward.on('error', (err) => {
        request.answered = 502;
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`the proxy could not reach ddlocal: ${err.message}`);
      });
      forward.end(request.body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        // Clients keep their connections open for reuse; the proxy's end is theirs too.
        proxy.closeAllConnections();
      }),
  };
}

function endToEndHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !FRAMING_HEADERS.has(name)));
}

/** The values of a header in a raw header list, compared case-insensitively as HTTP does. */
function headerValues(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === name) values.push(rawHeaders[i + 1]!);
  return values;
}

function oneHeader(rawHeaders: readonly string[], name: string): string {
  const values = headerValues(rawHeaders, name);
  assert.equal(values.length, 1, `exactly one ${name} header in ${JSON.stringify(rawHeaders)}`);
  return values[0]!;
}

const signedHeadersOf = (rawHeaders: readonly string[]) => /SignedHeaders=([^,\s]+)/.exec(oneHeader(rawHeaders, 'authorization'))?.[1]?.split(';') ?? [];

/**
 * Moves X-Amz-Date 30 seconds within its minute. The result is still a valid time, on the same day as the credential
 * scope and well inside the 15-minute window, so the time checks pass and only the signature can notice the change.
 */
const shiftSignedDate: RetryAlteration = (rawHeaders) =>
  rawHeaders.map((value, i) => {
    if (i % 2 === 0 || rawHeaders[i - 1]!.toLowerCase() !== 'x-amz-date') return value;
    const time = /^(\d{8}T\d{4})(\d{2})Z$/.exec(value);
    return time ? `${time[1]}${String((Number(time[2]) + 30) % 60).padStart(2, '0')}Z` : value;
  });

/**
 * The two requests are one CreateThing sent twice, and the client signed the retry anew: a later X-Amz-Date (the
 * proxy's 503 waits for the next second) and so a different signature. What ddlocal accepted or refused was therefore
 * the retry's own signature, not a copy of the first attempt's.
 */
function assertOneCallSignedTwice(seen: readonly SeenRequest[], thingName: string) {
  const [first, retry] = seen as [SeenRequest, SeenRequest];
  assert.equal(first.method, 'POST');
  assert.equal(first.url, `/things/${thingName}`);
  assert.equal(retry.method, first.method);
  assert.equal(retry.url, first.url);
  assert.deepEqual(retry.body, first.body);
  const [firstDate, retryDate] = [oneHeader(first.rawHeaders, 'x-amz-date'), oneHeader(retry.rawHeaders, 'x-amz-date')];
  assert.ok(retryDate > firstDate, `the retry is signed later (${retryDate}) than the first attempt (${firstDate})`);
  assert.notEqual(oneHeader(retry.rawHeaders, 'authorization'), oneHeader(first.rawHeaders, 'authorization'), 'the retry carries a new signature');
}

// ---------------------------------------------------------------------------------------------------------------
// The clients: each calls CreateThing once and reports how the call ended

interface Outcome {
  /** The service error the call ended with; undefined when it succeeded. */
  error?: { code: string; message: string };
  /** The attempts the client reports having made (the SDKs report them; the CLIs do not). */
  attempts?: number;
}

interface RetryingClient {
  name: string;
  /** Why this client's tests are skipped on this machine: only the AWS CLI v1 may be absent (no Debian package). */
  skip?: string;
  /** CreateThing through `endpoint`, with at most `maxAttempts` attempts, or the client's default retry settings. */
  createThing(endpoint: string, thingName: string, maxAttempts?: number): Promise<Outcome>;
}

const jsSdk: RetryingClient = {
  name: 'the AWS SDK for JavaScript v3',
  async createThing(endpoint, thingName, maxAttempts = 3) {
    // A copy of the key: the SDK marks the credentials object it is given.
    const iot = new IoTClient({ endpoint, region: REGION, credentials: { ...DEVELOPER }, maxAttempts });
    try {
      const out = await iot.send(new CreateThingCommand({ thingName }));
      assert.equal(out.thingName, thingName);
      return { attempts: out.$metadata.attempts };
    } catch (err) {
      const e = err as Error & { $metadata?: { attempts?: number } };
      if (!e.$metadata) throw err;
      return { error: { code: e.name, message: e.message }, attempts: e.$metadata.attempts };
    } finally {
      iot.destroy();
    }
  },
};


function run(command: string, args: string[], env: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Asynchronous: ddlocal and the proxy answer on this process's event loop.
    execFile(command, args, { encoding: 'utf8', env, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}


const BOTO3_SCRIPT = fileURLToPath(new URL('../../test/python/strict_mode_retry.py', import.meta.url));

const boto3: RetryingClient = {
  name: 'boto3',
  async createThing(endpoint, thingName, maxAttempts) {
    const args = [BOTO3_SCRIPT, endpoint, DEVELOPER.accessKeyId, DEVELOPER.secretAccessKey, thingName, ...(maxAttempts ? [String(maxAttempts)] : [])];
    const r = await run(pythonWithBoto3(), args, clientEnvironment({}));
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    if (out.error) {
      return { error: { code: out.error.code, message: out.error.message }, attempts: out.error.retryAttempts + 1 };
    }
    assert.equal(out.thingName, thingName);
    return { attempts: out.retryAttempts + 1 };
  },
};


/** An AWS CLI (argv prefix `cli`) that exits with `serviceErrorExit` when the service refuses a call. */
function awsCli(name: string, cli: readonly string[], serviceErrorExit: number, skip?: string): RetryingClient {
  return {
    name,
    ...(skip ? { skip } : {}),
    async createThing(endpoint, thingName, maxAttempts) {
      assert.ok(cli.length > 0, `${name} is installed (.ci/run installs Debian package awscli)`);
      const env = clientEnvironment({
        AWS_ACCESS_KEY_ID: DEVELOPER.accessKeyId,
        AWS_SECRET_ACCESS_KEY: DEVELOPER.secretAccessKey,
        AWS_DEFAULT_REGION: REGION,
        AWS_PAGER: '',
        ...(maxAttempts ? { AWS_MAX_ATTEMPTS: String(maxAttempts) } : {}),
      });
      const r = await run(cli[0]!, [...cli.slice(1), '--endpoint-url', endpoint, '--output', 'json', 'iot', 'create-thing', '--thing-name', thingName], env);
      if (r.status === 0) {
        assert.equal(JSON.parse(r.stdout).thingName, thingName);
        return {};
      }
      assert.equal(r.status, serviceErrorExit, r.stderr);
      // A call that used up its attempts on a retryable error adds "(reached max retries: N)".
      const m = /An error occurred \((\w+)\) when calling the CreateThing operation(?: \(reached max retries: \d+\))?: (.*)/.exec(r.stderr);
      assert.ok(m, `the CLI reports a service error: ${r.stderr}`);
      return { error: { code: m[1]!, message: m[2]!.trim() } };
    },
  };
}

const AWS_CLI_V1 = findAwsCliV1();

const CLIENTS: RetryingClient[] = [
  jsSdk,
  boto3,
  awsCli('the AWS CLI v2', AWS_CLI_V2 ? [AWS_CLI_V2] : [], 254),
  'command' in AWS_CLI_V1 ? awsCli('the AWS CLI v1', AWS_CLI_V1.command, 255) : awsCli('the AWS CLI v1', [], 255, AWS_CLI_V1.missing),
];

// ---------------------------------------------------------------------------------------------------------------

// The clients run side by side (each test has its own proxy and thing): most of the time is spent starting Python.
describe('strict mode verifies the request a client retries', { concurrency: true }, () => {
  let server: TestServer;
  let direct: IoTClient;
  before(async () => {
    server = await startTestServer('sqlite', {
      authMode: 'strict',
      credentials: [
        {
          ...DEVELOPER,
          accountId: ACCOUNT,
          principalArn: `arn:aws:iam::${ACCOUNT}:user/developer`,
          policies: [{ name: 'everything', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] } }],
        },
      ],
    });
    direct = new IoTClient({ endpoint: server.url, region: REGION, credentials: { ...DEVELOPER }, maxAttempts: 1 });
  });
  after(async () => {
    direct?.destroy();
    await server?.close();
  });

  const slug = (name: string) => name.replace(/^the /, '').replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();

  for (const client of CLIENTS) {
    describe(client.name, () => {
      test('after a 503, the retried request is verified and accepted', async (t) => {
        if (client.skip) return t.skip(client.skip);
        const thingName = `retried-${slug(client.name)}`;
        const proxy = await startRetryProxy(server.url);
        try {
          const outcome = await client.createThing(proxy.url, thingName);
          assert.equal(outcome.error, undefined, `the call succeeds, but ended with ${JSON.stringify(outcome.error)}`);
          assert.deepEqual(proxy.seen.map((r) => r.answered), [503, 200], 'one refused attempt, one retry that ddlocal accepted');
          if (outcome.attempts !== undefined) assert.equal(outcome.attempts, 2);
          assertOneCallSignedTwice(proxy.seen, thingName);
          assert.deepEqual(proxy.seen[1]!.forwardedHeaders, proxy.seen[1]!.rawHeaders, 'forwarded unchanged');
        } finally {
          await proxy.close();
        }
        assert.equal((await direct.send(new DescribeThingCommand({ thingName }))).thingName, thingName);
      });

      test('a retried request with a signed header changed on the way: 403 InvalidSignatureException, nothing created', async (t) => {
        if (client.skip) return t.skip(client.skip);
        const thingName = `tampered-${slug(client.name)}`;
        const proxy = await startRetryProxy(server.url, shiftSignedDate);
        try {
          // At most two attempts, the 503 and the altered retry: no third, unaltered attempt can follow the 403.
          const outcome = await client.createThing(proxy.url, thingName, 2);
          assert.deepEqual(outcome.error, { code: 'InvalidSignatureException', message: SIGNATURE_MISMATCH });
          assert.deepEqual(proxy.seen.map((r) => r.answered), [503, 403]);
          if (outcome.attempts !== undefined) assert.equal(outcome.attempts, 2);
          assertOneCallSignedTwice(proxy.seen, thingName);
          const retry = proxy.seen[1]!;
          assert.ok(signedHeadersOf(retry.rawHeaders).includes('x-amz-date'), 'X-Amz-Date is signed');
          const sentDate = oneHeader(retry.rawHeaders, 'x-amz-date');
          const forwardedDate = oneHeader(retry.forwardedHeaders!, 'x-amz-date');
          assert.notEqual(forwardedDate, sentDate, 'the proxy altered X-Amz-Date');
          assert.equal(forwardedDate.slice(0, 13), sentDate.slice(0, 13), 'within the same minute');
          // Nothing else changed: the refusal is the altered date's alone.
          const dateValueAt = retry.rawHeaders.findIndex((name, i) => i % 2 === 0 && name.toLowerCase() === 'x-amz-date') + 1;
          assert.equal(retry.forwardedHeaders!.length, retry.rawHeaders.length);
          assert.deepEqual(retry.forwardedHeaders!.flatMap((value, i) => (value === retry.rawHeaders[i] ? [] : [i])), [dateValueAt], 'only X-Amz-Date differs');
        } finally {
          await proxy.close();
        }
        const missing = await errorOf(() => direct.send(new DescribeThingCommand({ thingName })));
        assert.equal(missing.name, 'ResourceNotFoundException');
      });
    });
  }
});
