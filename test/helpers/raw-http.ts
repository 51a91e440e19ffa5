// Raw HTTP access to a ddlocal server for wire-level tests: node:http requests with full control over method, path
// bytes, headers (including repeated ones) and body framing, a plain-socket sender for what node:http refuses to
// send, and the assertions every AWS-shaped response must satisfy (JSON body, AWS error headers, a UUID v4
// x-amzn-RequestId: docs/decisions.md#w15).
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import assert from 'node:assert/strict';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  json: any;
}

export interface RawRequestOptions {
  method?: string;
  path: string;
  /** An object, or a flat [name, value, name, value, …] list to send a header more than once. */
  headers?: OutgoingHttpHeaders | string[];
  body?: string | Buffer;
  /** Send the body with Transfer-Encoding: chunked, in pieces of this many bytes. */
  chunkSize?: number;
  /** Fail with an error whose code is 'ETIMEDOUT' when the whole answer has not arrived within this many ms. */
  timeoutMs?: number;
}

function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function rawRequest(baseUrl: string, options: RawRequestOptions): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers as OutgoingHttpHeaders,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parseJson(text) });
        });
      },
    );
    req.on('error', reject);
    if (options.timeoutMs !== undefined) {
      const timer = setTimeout(() => {
        const err: NodeJS.ErrnoException = new Error(`no answer within ${options.timeoutMs} ms`);
        err.code = 'ETIMEDOUT';
        req.destroy(err);
      }, options.timeoutMs);
      req.on('close', () => clearTimeout(timer));
    }
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    // node:http frames a GET/DELETE body with neither Content-Length nor chunked unless told; say the length.
    if (body && !options.chunkSize && !Array.isArray(options.headers) && !req.hasHeader('content-length')) req.setHeader('Content-Length', body.length);
    if (body && options.chunkSize) {
      for (let i = 0; i < body.length; i += options.chunkSize) req.write(body.subarray(i, i + options.chunkSize));
      req.end();
    } else {
      req.end(body);
    }
  });
}

/**
 * Writes `text` on a fresh TCP connection and returns everything the server sends until it closes the connection
 * or `waitMs` passes, parsed as one HTTP/1.1 response.
 */
export function rawSocket(port: number, text: string | Buffer, waitMs = 1000): Promise<RawResponse & { raw: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks).toString('utf8');
      const split = raw.indexOf('\r\n\r\n');
      const head = split === -1 ? raw : raw.slice(0, split);
      const bodyText = split === -1 ? '' : raw.slice(split + 4);
      const [statusLine, ...lines] = head.split('\r\n');
      const headers: IncomingHttpHeaders = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0);
      resolve({ status, headers, text: bodyText, json: parseJson(bodyText), raw });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('end', finish);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Asserts the AWS error shape (x-amzn-ErrorType and body `__type` name the exception) and returns the message. */
export function assertAwsError(res: RawResponse, code: string, status: number, context = ''): string {
  const where = `${context} → ${res.status} ${res.text.slice(0, 300)}`;
  assert.equal(res.status, status, where);
  assert.equal(res.headers['x-amzn-errortype'], code, where);
  assert.match(String(res.headers['x-amzn-requestid']), UUID_V4, where);
  assert.match(String(res.headers['content-type']), /^application\/json/, where);
  assert.equal(res.json?.__type, code, where);
  assert.equal(typeof res.json?.message, 'string', where);
  return res.json.message as string;
}

/** The fake SigV4 Authorization header a client of `accessKeyId` in `region` would send (open mode reads only the scope). */
export function sigv4Header(accessKeyId: string, region: string, service = 'iot'): string {
  return (
    `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20240101/${region}/${service}/aws4_request, ` +
    `SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`
  );
}
