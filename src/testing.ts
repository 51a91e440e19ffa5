// `ddlocal/testing`: ddlocal as a test fixture — the moto `mock_aws` of AWS IoT Device Defender, but a real server.
//
//   import { startDdlocal } from 'ddlocal/testing';
//   const ddlocal = await startDdlocal();           // random port, in-memory SQLite, silent
//   const iot = ddlocal.iotClient();                // an @aws-sdk/client-iot IoTClient pointed at it
//   await ddlocal.reset();                          // between tests
//   await ddlocal.clock.advance(86_400);            // move time instead of sleeping
//   await ddlocal.stop();
//
// `connectDdlocal(endpoint)` gives the same controls for a ddlocal started elsewhere (a test runner's global setup,
// `ddlocal serve`), which is how tests in vitest and jest workers reach the server their global setup started.
// Reset and clock go through ddlocal's HTTP endpoints (/_ddlocal/reset, /_ddlocal/clock), signed with SigV4, so they
// behave exactly as for any client and also work against a strict-mode server given admin credentials.
// docs/testing.md documents every option and method.
import { createHash, createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { IoTClient, type IoTClientConfig } from '@aws-sdk/client-iot';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import { startDdlocal as startServer, type DdlocalOptions } from './index.js';

/** Credentials as every AWS SDK for JavaScript v3 client takes them. */
export interface DdlocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Who the helpers act as: the account (an access key id of twelve digits picks it in open mode) and region. */
export interface DdlocalIdentity {
  /** Default `us-east-1`. */
  region?: string;
  /**
   * The credentials clients and helpers sign with; default `{ accessKeyId: '123456789012', secretAccessKey: 'ddlocal' }`,
   * account 123456789012 in open mode. (Not `credentials`: that option of the server lists strict mode's keys.)
   */
  clientCredentials?: DdlocalCredentials;
}

/** `startDdlocal` of ddlocal/testing: every option of the main entry (with test defaults) and the identity to use. */
export interface DdlocalTestOptions extends DdlocalOptions, DdlocalIdentity {}

/** What `clientConfig()` returns: enough for any AWS SDK v3 client (`new SNSClient(ddlocal.clientConfig())`). */
export interface DdlocalClientConfig {
  endpoint: string;
  region: string;
  credentials: DdlocalCredentials;
}

/** What `reset()` deletes; without options, every account, region and the clock. */
export interface DdlocalResetOptions {
  /** Only this account (12 digits). */
  accountId?: string;
  /** Only this region of `accountId`. */
  region?: string;
}

/** ddlocal's clock, through POST /_ddlocal/clock. Every method resolves to the clock's time after it. */
export interface DdlocalClockControls {
  /** Moves the clock forward (or back, when negative) by this many seconds. */
  advance(seconds: number): Promise<Date>;
  /** Moves the clock to this instant (an ISO-8601 string with Z or an offset, or a Date). */
  set(time: string | Date): Promise<Date>;
  /** Stops the clock where it is: only advance() and set() move it until reset(). */
  freeze(): Promise<Date>;
  /** Back to the system time. */
  reset(): Promise<Date>;
  /** ddlocal's current time. */
  now(): Promise<Date>;
}

/** The controls of a running ddlocal, wherever it runs. */
export interface DdlocalConnection {
  /** The endpoint URL, such as http://127.0.0.1:43117. */
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: DdlocalCredentials;
  /** The account the credentials pick (open mode: a 12-digit access key id, otherwise 000000000000). */
  readonly accountId: string;
  /** A new IoTClient pointed at ddlocal; `overrides` win over the defaults. */
  iotClient(overrides?: Partial<IoTClientConfig>): IoTClient;
  /** Endpoint, region and credentials as a plain object for any AWS SDK v3 client. */
  clientConfig(): DdlocalClientConfig;
  /** The same as environment variables (AWS_ENDPOINT_URL, AWS_REGION, …), for boto3, the aws CLI or subprocesses. */
  env(): Record<string, string>;
  /** Deletes state through POST /_ddlocal/reset. */
  reset(options?: DdlocalResetOptions): Promise<void>;
  readonly clock: DdlocalClockControls;
}

/** A ddlocal this process started: the connection's controls, and stopping it. */
export interface DdlocalTestServer extends DdlocalConnection {
  /** The port it listens on. */
  readonly port: number;
  /** Stops the server and closes its store. Safe to call twice. */
  stop(): Promise<void>;
  /** `await using ddlocal = await startDdlocal()` stops it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void>;
}

const DEFAULT_CREDENTIALS: DdlocalCredentials = { accessKeyId: '123456789012', secretAccessKey: 'ddlocal' };
const DEFAULT_REGION = 'us-east-1';

/**
 * Starts ddlocal in this process for tests: port 0 (a free port), in-memory SQLite and a silent logger unless the
 * options say otherwise. Any option of `startDdlocal` from 'ddlocal' is accepted.
 */
export async function startDdlocal(options: DdlocalTestOptions = {}): Promise<DdlocalTestServer> {
  const { region, clientCredentials, ...serverOptions } = options;
  const running = await startServer({ port: 0, dataFile: ':memory:', ...serverOptions });
  const connection = connectDdlocal(running.url, { region, clientCredentials });
  const stop = () => running.close();
  return { ...connection, clock: connection.clock, port: running.port, stop, [Symbol.asyncDispose]: stop };
}

/** The test controls of a ddlocal already running at `endpoint` (started by a global setup or `ddlocal serve`). */
export function connectDdlocal(endpoint: string | URL, identity: DdlocalIdentity = {}): DdlocalConnection {
  const base = new URL(endpoint);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError(`ddlocal endpoint must be an http(s) URL, not ${base.href}`);
  const url = base.href.replace(/\/+$/, '');
  const region = identity.region ?? DEFAULT_REGION;
  const credentials = { ...(identity.clientCredentials ?? DEFAULT_CREDENTIALS) };
  const call = (method: 'GET' | 'POST', path: string, body?: unknown) => signedCall(base, region, credentials, method, path, body);
  const clockCall = async (body?: unknown): Promise<Date> => {
    const state = (await call(body === undefined ? 'GET' : 'POST', '/_ddlocal/clock', body)) as { now: string };
    return new Date(state.now);
  };
  const clientConfig = (): DdlocalClientConfig => ({ endpoint: url, region, credentials: { ...credentials } });
  return {
    endpoint: url,
    region,
    credentials,
    accountId: /^\d{12}$/.test(credentials.accessKeyId) ? credentials.accessKeyId : '000000000000',
    iotClient: (overrides = {}) => new IoTClient({ ...clientConfig(), ...overrides }),
    clientConfig,
    env: () => ({
      AWS_ENDPOINT_URL: url,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
    }),
    async reset(options = {}) {
      await call('POST', '/_ddlocal/reset', options);
    },
    clock: {
      advance: (seconds) => clockCall({ advanceSeconds: seconds }),
      set: (time) => clockCall({ set: time instanceof Date ? time.toISOString() : time }),
      freeze: () => clockCall({ freeze: true }),
      reset: () => clockCall({ reset: true }),
      now: () => clockCall(),
    },
  };
}

/** An error ddlocal answered with, carrying its AWS exception name (`name`) and HTTP status. */
export class DdlocalRequestError extends Error {
  constructor(
    override readonly name: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The SigV4 signer's hash from node:crypto: SHA-256, or HMAC-SHA256 when given a secret. */
class NodeSha256 implements Checksum {
  private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh() {
    if (this.secret === undefined) return createHash('sha256');
    const s = this.secret;
    const key = typeof s === 'string' ? s : ArrayBuffer.isView(s) ? Buffer.from(s.buffer, s.byteOffset, s.byteLength) : Buffer.from(s);
    return createHmac('sha256', key);
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/** One signed JSON request to ddlocal's own endpoints; a non-2xx answer becomes a DdlocalRequestError. */
async function signedCall(base: URL, region: string, credentials: DdlocalCredentials, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const basePath = base.pathname.replace(/\/+$/, '');
  const text = body === undefined ? undefined : JSON.stringify(body);
  const signer = new SignatureV4({ service: 'iot', region, sha256: NodeSha256, credentials });
  const signed = await signer.sign({
    method,
    protocol: base.protocol,
    hostname: base.hostname,
    port: base.port ? Number(base.port) : undefined,
    path: `${basePath}${path}`,
    query: {},
    headers: { host: base.host, ...(text === undefined ? {} : { 'content-type': 'application/json' }) },
    body: text,
  });
  const response = await new Promise<{ status: number; text: string; errorType?: string }>((resolve, reject) => {
    const send = base.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(`${base.protocol}//${base.host}${basePath}${path}`, { method, headers: signed.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const errorType = res.headers['x-amzn-errortype'];
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), errorType: Array.isArray(errorType) ? errorType[0] : errorType });
      });
    });
    req.on('error', (err) => reject(new Error(`cannot reach ddlocal at ${base.href}: ${err.message}`, { cause: err })));
    req.end(text);
  });
  let parsed: unknown = {};
  try {
    parsed = response.text.trim() === '' ? {} : JSON.parse(response.text);
  } catch {
    // Not JSON: the status below still tells what went wrong.
  }
  if (response.status >= 300) {
    const message = (parsed as { message?: unknown }).message;
    throw new DdlocalRequestError(
      (response.errorType ?? `HTTP${response.status}`).split(':')[0]!,
      response.status,
      `${method} ${path}: ${typeof message === 'string' ? message : `HTTP ${response.status}`}`,
    );
  }
  return parsed;
}
