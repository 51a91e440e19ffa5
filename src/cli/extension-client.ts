// Requests to ddlocal's own endpoints (/_ddlocal/…) for the extension commands (reset, clock, preview, undo): the
// same endpoint, region and credentials as `ddlocal iot` (client-config.ts, credentials.ts), a SigV4 signature for
// service `iot` (so they work in strict mode), and failures reported like `ddlocal iot` reports them — AWS-shaped
// service errors with exit code 254, connection failures with 255 (docs/cli-extras.md).
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../kernel/node-sha256.js';
import { CliError, type GlobalOptions } from './arguments.js';
import type { ResolvedConfig } from './client-config.js';
import { credentialsProvider } from './credentials.js';

export interface ExtensionCall {
  /** The name in "when calling the <operation> operation". */
  operation: string;
  method: 'GET' | 'POST';
  /** Path under the endpoint, already percent-encoded. */
  path: string;
  body?: unknown;
  /**
   * The read timeout when the command line gives no --cli-read-timeout; default 60 s, as aws. 0 waits as long as it
   * takes: a fleet import or export is one transaction whose length grows with the fleet (minutes for 10^4 devices on
   * PostgreSQL), and giving up on it would only hide its outcome.
   */
  defaultReadTimeoutSeconds?: number;
}

export interface ExtensionClient {
  call(request: ExtensionCall): Promise<unknown>;
}

/** The aws CLI's service-error text, as `ddlocal iot` prints it. */
function serviceError(operation: string, status: number, headers: Record<string, string | string[] | undefined>, text: string): CliError {
  let parsed: { message?: unknown; Message?: unknown; __type?: unknown } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // A body that is not JSON: the status alone names the error, as the SDK does.
  }
  const typeHeader = headers['x-amzn-errortype'];
  const rawType = String((Array.isArray(typeHeader) ? typeHeader[0] : typeHeader) ?? parsed.__type ?? status);
  // `x-amzn-ErrorType` may carry `:url` and a `#`-prefixed namespace; the code is the bare name.
  const code = rawType.split(':')[0]!.split('#').pop()!;
  const message = String(parsed.message ?? parsed.Message ?? '');
  return new CliError(254, `\nAn error occurred (${code}) when calling the ${operation} operation: ${message}\n`);
}

export function createExtensionClient(
  config: ResolvedConfig,
  globals: GlobalOptions,
  env: NodeJS.ProcessEnv,
  debug: (line: string) => void,
): ExtensionClient {
  if (!config.region) throw new CliError(253, '\nYou must specify a region. You can also configure your region by running "aws configure".\n');
  const region = config.region;
  const credentials = credentialsProvider(config, globals, env);
  const base = new URL(config.endpoint);
  const basePath = base.pathname.replace(/\/+$/, '');
  const ca = config.caBundle ? readFileSync(config.caBundle) : undefined;
  return {
    async call({ operation, method, path, body, defaultReadTimeoutSeconds = 60 }) {
      const timeoutMs = (globals.cliReadTimeout ?? defaultReadTimeoutSeconds) * 1000;
      const text = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = { host: base.host, ...(text === undefined ? {} : { 'content-type': 'application/json' }) };
      const unsigned = { method, protocol: base.protocol, hostname: base.hostname, port: base.port ? Number(base.port) : undefined, path: `${basePath}${path}`, query: {}, headers, body: text };
      const signed = globals.noSignRequest
        ? unsigned
        : await new SignatureV4({ service: 'iot', region, sha256: NodeSha256, credentials: await credentials() }).sign(unsigned);
      const url = `${base.protocol}//${base.host}${basePath}${path}`;
      if (globals.debug) {
        debug(`request: ${method} ${url}`);
        for (const [h, v] of Object.entries(signed.headers)) debug(`request header: ${h}: ${/^authorization$/i.test(h) ? v.replace(/Signature=\w+/, 'Signature=…') : v}`);
        if (text) debug(`request body: ${text}`);
      }
      const response = await new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>((resolve, reject) => {
        const send = base.protocol === 'https:' ? httpsRequest : httpRequest;
        // timeout 0: none (Node's own meaning, and aws's for --cli-read-timeout 0).
        const req = send(url, { method, headers: signed.headers, timeout: timeoutMs, ...(base.protocol === 'https:' ? { ca, rejectUnauthorized: !globals.noVerifySsl } : {}) }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        let timedOut = false;
        req.on('timeout', () => {
          timedOut = true;
          req.destroy(new Error('read timeout'));
        });
        req.on('error', (err) => {
          if (globals.debug) debug(String(err.stack ?? err));
          // aws's two words for these: the request may have been received and acted on after a read timeout.
          const message = timedOut ? `Read timeout on endpoint URL: "${url}"` : `Could not connect to the endpoint URL: "${url}"`;
          reject(new CliError(255, `\n${message}\n`));
        });
        req.end(text);
      });
      if (globals.debug) debug(`response: HTTP ${response.status} ${response.text}`);
      if (response.status >= 300) throw serviceError(operation, response.status, response.headers, response.text);
      if (response.text.trim() === '') return {};
      try {
        return JSON.parse(response.text) as unknown;
      } catch {
        throw new CliError(255, `\nThe response of ${operation} from "${url}" is not JSON\n`);
      }
    },
  };
}
