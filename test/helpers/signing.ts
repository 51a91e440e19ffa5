// Signing requests in tests with the official signer (@smithy/signature-v4), whose hash is supplied by the caller:
// node:crypto's SHA-256, so no extra package is needed.
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';

const toBytes = (data: SourceData): Buffer =>
  typeof data === 'string' ? Buffer.from(data, 'utf8') : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

/** The signer's hash: SHA-256, or HMAC-SHA256 when constructed with a secret, from node:crypto. */
export class NodeSha256 implements Checksum {
  private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh() {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(this.secret));
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
