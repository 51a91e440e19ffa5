// Sending one AWS IoT request the way the aws CLI does (docs/decisions.md#c6, #c10), through the official SDK: SigV4,
// the default credential chain (or the profile), standard retries, timeouts and TLS options. Loaded only by commands
// that really send something, so that skeletons and usage errors never pay for the SDK.
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import { createRequire } from 'node:module';
import type * as IotSdk from '@aws-sdk/client-iot';
import type * as NodeHttpHandlerModule from '@smithy/node-http-handler';
import { CliError, type GlobalOptions } from './arguments.js';
import type { ResolvedConfig } from './client-config.js';
import { credentialsProvider } from './credentials.js';
import { MODEL } from '../model/model.js';

// The SDK packages are CommonJS bundles (no "exports" map). Importing them from ESM runs Node's CommonJS export
// lexer over every file of the dependency graph; requiring them skips that and loads the same code ~60 ms faster
// (measured in bench/cli.mjs), which is most of a one-shot command's own time.
const require = createRequire(import.meta.url);
const iot = require('@aws-sdk/client-iot') as typeof IotSdk;
const { NodeHttpHandler } = require('@smithy/node-http-handler') as typeof NodeHttpHandlerModule;

export interface Sender {
  send(operation: string, params: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** The URL of the last request sent (for "Could not connect to the endpoint URL"). */
  lastUrl(): string | undefined;
  maxAttempts: number;
  destroy(): void;
}

/** Query-string names of an operation's timestamp members. */
function timestampQueryNames(operation: string): string[] {
  const input = MODEL.operations[operation]?.input;
  const members = input ? (MODEL.shapes[input.shape]?.members ?? {}) : {};
  return Object.values(members)
    .filter((m) => m.location === 'querystring' && MODEL.shapes[m.shape]?.type === 'timestamp')
    .map((m) => m.locationName!);
}

/** aws writes a query timestamp's fraction with six digits (`…00.250000Z`); the SDK writes three. */
function sixDigitFractions(query: Record<string, unknown> | undefined, names: string[]): void {
  for (const name of names) {
    const value = query?.[name];
    if (typeof value === 'string') query![name] = value.replace(/\.(\d{1,6})Z$/, (_, digits: string) => `.${digits.padEnd(6, '0')}Z`);
  }
}

function seconds(value: number | undefined): number | undefined {
  if (value === undefined) return 60_000;
  return value === 0 ? 0 : value * 1000;
}

export function createSender(config: ResolvedConfig, globals: GlobalOptions, debug: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Sender {
  // The SDK's notice about future Node.js versions would otherwise appear on stderr after every command, where the
  // aws CLI's users expect only the command's own errors.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (!config.region) throw new CliError(253, '\nYou must specify a region. You can also configure your region by running "aws configure".\n');
  const tls = { rejectUnauthorized: !globals.noVerifySsl, ca: config.caBundle ? readFileSync(config.caBundle) : undefined };
  const maxAttempts = config.maxAttempts ?? 3;
  const client = new iot.IoTClient({
    endpoint: config.endpoint,
    region: config.region,
    credentials: credentialsProvider(config, globals, env),
    maxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: seconds(globals.cliConnectTimeout),
      requestTimeout: seconds(globals.cliReadTimeout),
      httpAgent: new HttpAgent({ keepAlive: true }),
      httpsAgent: new HttpsAgent({ keepAlive: true, ...tls }),
    }),
  });
  let url: string | undefined;
  let queryTimestamps: string[] = [];
  // Before signing, so that the signature covers the query as sent.
  client.middlewareStack.add(
    (next) => async (args) => {
      sixDigitFractions((args.request as { query?: Record<string, unknown> }).query, queryTimestamps);
      return next(args);
    },
    { step: 'build', name: 'ddlocalCliQueryTimestamps', override: true },
  );
  // Runs after signing, for every attempt: remembers the URL, strips the signature for --no-sign-request, logs.
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { method: string; protocol: string; hostname: string; port?: number; path: string; query?: Record<string, unknown>; headers: Record<string, string>; body?: unknown };
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(request.query ?? {})) for (const item of [v].flat()) if (item !== undefined && item !== null) query.append(k, String(item));
      const q = query.toString();
      url = `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}${request.path}${q ? `?${q}` : ''}`;
      if (globals.noSignRequest) {
        for (const h of Object.keys(request.headers))
          if (/^(authorization|x-amz-date|x-amz-security-token|x-amz-content-sha256)$/i.test(h)) delete request.headers[h];
      }
      if (globals.debug) {
        debug(`request: ${request.method} ${url}`);
        for (const [h, v] of Object.entries(request.headers)) debug(`request header: ${h}: ${/^authorization$/i.test(h) ? v.replace(/Signature=\w+/, 'Signature=…') : v}`);
        if (typeof request.body === 'string' && request.body) debug(`request body: ${request.body}`);
      }
      const result = await next(args);
      if (globals.debug) {
        const response = result.response as { statusCode?: number; headers?: Record<string, string> };
        debug(`response: HTTP ${response.statusCode}`);
        for (const [h, v] of Object.entries(response.headers ?? {})) debug(`response header: ${h}: ${v}`);
      }
      return result;
    },
    { step: 'finalizeRequest', priority: 'low', name: 'ddlocalCliRequestLog', override: true },
  );
  return {
    maxAttempts,
    lastUrl: () => url,
    destroy: () => client.destroy(),
    async send(operation, params) {
      const Command = (iot as unknown as Record<string, new (input: unknown) => unknown>)[`${operation}Command`];
      if (!Command) throw new CliError(255, `\nddlocal has no AWS SDK command for ${operation}\n`);
      queryTimestamps = timestampQueryNames(operation);
      const output = (await client.send(new Command(params) as any)) as unknown as Record<string, unknown>;
      const { $metadata: _metadata, ...rest } = output;
      return rest;
    },
  };
}
