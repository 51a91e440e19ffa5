// Signing requests in tests with the official signer (@smithy/signature-v4), whose hash is supplied by the caller:
// node:crypto's SHA-256, so no extra package is needed.
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../src/kernel/node-sha256.js';

export { NodeSha256 };

export interface SigningKey {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** fetch() of a JSON request signed as `key` for service iot, as the AWS SDK would sign it. */
export async function signedFetch(key: SigningKey, method: string, url: string, body?: unknown, region = 'us-east-1'): Promise<Response> {
  const target = new URL(url);
  const text = body === undefined ? undefined : JSON.stringify(body);
  const signer = new SignatureV4({ service: 'iot', region, sha256: NodeSha256, credentials: key });
  const signed = await signer.sign({
    method,
    protocol: target.protocol,
    hostname: target.hostname,
    port: Number(target.port),
    path: target.pathname,
    query: Object.fromEntries(target.searchParams),
    headers: { host: target.host, ...(text === undefined ? {} : { 'content-type': 'application/json' }) },
    body: text,
  });
  return fetch(target, { method, headers: signed.headers as Record<string, string>, body: text });
}
