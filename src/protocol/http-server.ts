// The HTTP front door: one request → request id, Host and Origin check, body limit, caller resolution (strict mode:
// SigV4 verification over the raw bytes), routing (extension endpoints first, then the model table), input gathering
// and validation, the handler in one store transaction, and a model-exact response. Every failure becomes an AWS-shaped error; only a ddlocal bug can produce a 500 (docs/decisions.md#w4).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { inputShape, operation as modelOperation, outputShape } from '../model/model.js';
import { ApiError, invalidRequest } from '../kernel/errors.js';
import { resolveCaller } from './auth.js';
import { SignatureMismatchError, verifySigV4, type CredentialLookup, type VerifiedIdentity } from './sigv4.js';
import type { ExtensionRoute } from '../kernel/extension-route.js';
import type { EventStream, Pages } from '../kernel/page-route.js';
import { errorStatus } from './error-status.js';
import { route } from './router.js';
import { gatherInput, MAX_BODY_BYTES, parseQuery } from './request.js';
import { validateInput } from '../model/validate.js';
import { serializeStructure } from './serialize.js';
import { isServiceUnavailable } from '../kernel/errors.js';
import type { AccountScope } from '../kernel/scope.js';
import { checkRequestOrigin, requestOriginPolicy, type RequestOriginPolicy } from './request-origin.js';
import { NO_TELEMETRY, type Telemetry } from '../kernel/telemetry.js';

/** One validated AWS IoT request, for the operations behind the protocol to run. */
export interface OperationCall {
  /** The model's operation name, e.g. CreateThing. */
  operation: string;
  /** The input, validated against the operation's input shape. */
  input: Record<string, unknown>;
  caller: AccountScope;
  requestId: string;
  /** Strict mode: who signed the request (absent in open mode, where nobody is verified). */
  identity?: VerifiedIdentity;
  /** The client's address, for the aws:SourceIp condition key. */
  sourceIp?: string;
  /** The authority the client addressed (`Host`, or the socket's own address without one), for DescribeEndpoint. */
  host?: string;
}

/** What the protocol needs of the operations: whether one exists, and running it. */
export interface Operations {
  implements(operation: string): boolean;
  /** Runs the operation and returns its output members (timestamps as epoch ms or Date). */
  invoke(call: OperationCall): Promise<Record<string, unknown>>;
}

export interface HttpServerOptions {
  logger: Logger;
  operations: Operations;
  extensions: ExtensionRoute[];
  defaultRegion: string;
  /** The hosts and origins requests may come through; default: loopback hosts only, no other origin. */
  requestOrigin?: RequestOriginPolicy;
  /** Told of every answered request (operation, status, duration), for metrics; default: nobody. */
  telemetry?: Telemetry;
  /**
   * Paths outside `/_ddlocal/` served as if they were the extension path given, e.g. `/metrics`, where Prometheus
   * looks by default; only for `GET` and only when that extension route exists.
   */
  pathAliases?: Record<string, string>;
  /** Strict mode: `METHOD /path` of extension routes served without a signature, besides the health probe. */
  unsignedRoutes?: string[];
  /** The dashboard's pages (`/`, `/ui/…`): routed to it unsigned, since they authenticate browsers their own way. */
  pages?: Pages;
  /** Strict mode (docs/strict-mode.md): every request must be signed with a key of this table; absent: open mode. */
  authentication?: {
    lookup: CredentialLookup;
    now(): number;
    /** Throws AccessDeniedException unless the verified caller may use an extension route's `ddlocal:` action. */
    authorizeExtension(identity: VerifiedIdentity, action: string, request: { caller: AccountScope; sourceIp?: string }): void;
  };
}

/** The largest form a dashboard page accepts: forms carry a few fields, never files. */
const PAGE_BODY_BYTES = 64 * 1024;

/** The one endpoint strict mode serves unsigned: a readiness probe that reveals nothing of any account. */
const UNSIGNED_PATHS = new Set(['GET /_ddlocal/health']);

class BodyTooLarge extends Error {}

/** The server each response belongs to, so send() can tell whether it is shutting down. */
const SERVER_OF = new WeakMap<ServerResponse, Server>();

/** The client closed the connection before the whole body arrived; nobody is left to answer. */
class ClientAborted extends Error {}

/** Node's parser rejected the body of a request already handed to ddlocal (e.g. a broken chunk size). */
class UnreadableBody extends Error {}

/**
 * How to fail the body read of a request still receiving its body. Parse errors in a body arrive as the server's
 * 'clientError' event, not on the request, so without this the read would wait forever.
 */
const BODY_READERS = new WeakMap<IncomingMessage, (err: Error) => void>();

/**
 * How much of a too-large body is read and thrown away before the answer goes out. A client that is still sending
 * when the server answers and closes gets EPIPE instead of the answer; reading the rest first (on loopback, a few
 * milliseconds for many megabytes) lets it read the 400. Beyond this, the connection is simply closed.
 */
const MAX_DISCARDED_BYTES = 64 * 1024 * 1024;

/** Reads and drops the rest of a body that is too large, then fails the read; bounded by MAX_DISCARDED_BYTES. */
function discardRest(req: IncomingMessage, alreadyRead: number, reject: (err: Error) => void): void {
  let discarded = alreadyRead;
  req.removeAllListeners('data');
  req.removeAllListeners('end');
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARDED_BYTES) {
      req.removeAllListeners('data');
      reject(new BodyTooLarge());
    }
  });
  req.once('end', () => reject(new BodyTooLarge()));
  req.resume();
}

/** Reads and drops the body of a request refused unread, so the client can read the refusal (as discardRest does). */
function discardBody(req: IncomingMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    // A body Node cannot parse ends the read too; the refusal is answered all the same.
    BODY_READERS.set(req, () => resolve());
    discardRest(req, 0, () => resolve());
    req.on('error', () => reject(new ClientAborted()));
    req.on('close', () => {
      if (!req.complete) reject(new ClientAborted());
    });
  });
}

/** The ddlocal endpoint a request is for: an exact method and path, or a route's path prefix ending in "/". */
export function findExtension(extensions: ExtensionRoute[], method: string, rawPath: string): ExtensionRoute | undefined {
  return extensions.find((e) => e.method === method && (e.path === rawPath || (e.path.endsWith('/') && rawPath.startsWith(e.path))));
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    BODY_READERS.set(req, reject);
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      discardRest(req, 0, reject);
    } else {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          chunks.length = 0;
          discardRest(req, size, reject);
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
    }
    // A client that disconnects mid-body: Node emits 'error' (ECONNRESET "aborted") and/or 'close' without 'end'.
    // Settling here keeps the promise from hanging and the failure from being logged as a ddlocal bug.
    req.on('error', () => reject(new ClientAborted()));
    req.on('close', () => {
      if (!req.complete) reject(new ClientAborted());
    });
  });
}

function send(res: ServerResponse, status: number, headers: Record<string, string | string[]>, body: string | Buffer) {
  const listening = SERVER_OF.get(res)?.listening ?? true;
  if (res.headersSent || res.destroyed) return;
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const all: Record<string, string | string[]> = { ...headers, 'Content-Length': String(payload.length) };
  // Once the server is closing, responses to in-flight requests end their connection, so a graceful shutdown does
  // not wait for keep-alive timeouts.
  if (!listening) all['Connection'] = 'close';
  res.writeHead(status, all);
  res.end(payload);
}

/** How many event streams (live dashboard pages) one server writes at once. */
export const MAX_EVENT_STREAMS = 64;

/** The event streams each server is writing, so that shutdown can end them (they never end on their own). */
const OPEN_STREAMS = new WeakMap<Server, Set<AbortController>>();

/**
 * Writes a Server-Sent Events answer: `event:` and `data:` lines per event (the data is JSON, one line), a comment
 * every 15 s so proxies keep the connection, until the stream returns, the client goes away or the server closes.
 */
async function streamEvents(res: ServerResponse, status: number, headers: Record<string, string | string[]>, events: EventStream) {
  const server = SERVER_OF.get(res);
  const stop = new AbortController();
  const open = server && (OPEN_STREAMS.get(server) ?? OPEN_STREAMS.set(server, new Set()).get(server)!);
  open?.add(stop);
  const onClose = () => stop.abort();
  res.on('close', onClose);
  res.writeHead(status, { ...headers, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
  res.write(':\n\n');
  const keepAlive = setInterval(() => res.write(':\n\n'), 15_000);
  keepAlive.unref();
  try {
    await events.run((event, data) => {
      // Event names are the ui's own words; the data is JSON, which never holds a raw line break.
      if (!stop.signal.aborted) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    }, stop.signal);
  } finally {
    clearInterval(keepAlive);
    res.off('close', onClose);
    open?.delete(stop);
    if (!res.destroyed) res.end();
  }
}

/** Ends every event stream `server` is writing: called when the server shuts down, before it waits for connections. */
export function endEventStreams(server: Server): void {
  for (const stream of OPEN_STREAMS.get(server) ?? []) stream.abort();
}

function errorHeaders(requestId: string, err: ApiError): Record<string, string> {
  return { 'Content-Type': 'application/json', 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': err.code };
}

/**
 * Messages quote the values they are about, and some values may be up to a megabyte long (a policy target, say): a
 * person needs the start of such a value, not all of it. The longest composed message, 100 validation errors, is
 * far below this.
 */
const MAX_MESSAGE_CHARS = 64 * 1024;

function errorBody(err: ApiError): string {
  const message =
    err.message.length > MAX_MESSAGE_CHARS
      ? `${err.message.slice(0, MAX_MESSAGE_CHARS)}… (${err.message.length - MAX_MESSAGE_CHARS} more characters)`
      : err.message;
  return JSON.stringify({ __type: err.code, message, ...err.fields });
}

function sendError(res: ServerResponse, requestId: string, err: ApiError) {
  send(res, errorStatus(err.code), errorHeaders(requestId, err), errorBody(err));
}

/**
 * Requests Node's HTTP parser rejects before ddlocal sees them (unknown method, request line and headers over
 * 16 KiB, malformed framing) still get an AWS-shaped error with a request id instead of Node's bare status line.
 */
function answerClientError(err: NodeJS.ErrnoException & { bytesParsed?: number }, socket: Duplex) {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  // A request on this connection is still being answered (e.g. bytes arrived after a "Connection: close" request,
  // HPE_CLOSED_CONNECTION): writing a raw response now would interleave with it. Let it finish, then close.
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (inFlight && !inFlight.req.complete) {
    // The error is in the in-flight request's own body. The parser is dead either way, so the connection closes
    // after the answer; a client that hung up mid-body (end of stream inside the body) gets none.
    const failBody = BODY_READERS.get(inFlight.req);
    if (err.code === 'HPE_INVALID_EOF_STATE' || !failBody) {
      socket.destroy();
      return;
    }
    inFlight.shouldKeepAlive = false;
    failBody(new UnreadableBody(`it is not valid HTTP/1.1 (${err.code ?? 'parse error'})`));
    return;
  }
  if (inFlight) {
    if (!inFlight.headersSent) inFlight.shouldKeepAlive = false;
    if (inFlight.writableFinished) socket.end();
    else inFlight.once('finish', () => socket.end());
    return;
  }
  if (err.code === 'HPE_CLOSED_CONNECTION') {
    socket.end();
    return;
  }
  const why =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? 'the request line and headers exceed 16 KiB'
      : err.code === 'HPE_INVALID_METHOD'
        ? 'the HTTP method is not supported'
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? 'the request was not received in time'
          : `it is not valid HTTP/1.1 (${err.code ?? 'parse error'})`;
  const apiError = invalidRequest(`The request could not be read: ${why}`);
  const body = Buffer.from(errorBody(apiError), 'utf8');
  const head = Object.entries({
    ...errorHeaders(randomUUID(), apiError),
    'Content-Length': String(body.length),
    Connection: 'close',
  })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 ${errorStatus(apiError.code)} Bad Request\r\n${head}\r\n`, 'latin1'), body]));
}

/** `address:port` of the socket a request arrived on (IPv6 in brackets): the authority of an HTTP/1.0 request without Host. */
function socketAuthority(req: IncomingMessage): string {
  const address = req.socket.localAddress ?? '127.0.0.1';
  return `${address.includes(':') ? `[${address}]` : address}:${req.socket.localPort}`;
}

export function createHttpServer(options: HttpServerOptions): Server {
  const { logger, operations, extensions, defaultRegion } = options;
  const requestOrigin = options.requestOrigin ?? requestOriginPolicy();
  const telemetry = options.telemetry ?? NO_TELEMETRY;
  const unsignedRoutes = new Set([...UNSIGNED_PATHS, ...(options.unsignedRoutes ?? [])]);
  const pathAliases = new Map(
    Object.entries(options.pathAliases ?? {}).filter(([, target]) => extensions.some((e) => e.method === 'GET' && e.path === target)),
  );

  async function dispatch(req: IncomingMessage, res: ServerResponse, requestId: string, log: Record<string, unknown>) {
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const requestedPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const rawPath = (method === 'GET' && pathAliases.get(requestedPath)) || requestedPath;
    const rawQuery = q === -1 ? '' : rawUrl.slice(q + 1);
    log.method = method;
    log.path = requestedPath;
    // Before the body is read or anything routed: a refused request changes nothing (docs/decisions.md#w18).
    const page = options.pages?.serves(method, requestedPath) === true;
    const linkable = page && (method === 'GET' || method === 'HEAD');
    const refusal = checkRequestOrigin(req.headersDistinct, req.httpVersion, requestOrigin, { linkable });
    if (refusal) {
      await discardBody(req);
      throw refusal;
    }

    if (page && options.pages) {
      log.operation = 'ddlocal:ui';
      let body: Buffer;
      try {
        body = await readBody(req, PAGE_BODY_BYTES);
      } catch (err) {
        if (err instanceof BodyTooLarge) throw invalidRequest(`A dashboard form may not exceed ${PAGE_BODY_BYTES} bytes`);
        if (err instanceof UnreadableBody) throw invalidRequest(`The request body could not be read: ${err.message}`);
        throw err;
      }
      const headers: Record<string, string | undefined> = {};
      for (const [name, values] of Object.entries(req.headersDistinct)) headers[name] = values?.join(', ');
      const out = await options.pages.answer({
        method,
        path: requestedPath,
        query: new URLSearchParams(rawQuery),
        headers,
        body,
        requestId,
        sourceIp: req.socket.remoteAddress,
      });
      if (out.events) {
        // Each stream holds a connection and polls once a second: past the limit, a browser's page stays as loaded and
        // falls back to reloading itself (live.js).
        if ((OPEN_STREAMS.get(server)?.size ?? 0) >= MAX_EVENT_STREAMS)
          throw new ApiError('ServiceUnavailableException', `ddlocal already serves ${MAX_EVENT_STREAMS} live views; this page reloads itself instead`);
        await streamEvents(res, out.status, { ...out.headers, 'x-amzn-RequestId': requestId }, out.events);
        return out.status;
      }
      send(res, out.status, { ...out.headers, 'x-amzn-RequestId': requestId }, out.body);
      return out.status;
    }

    const extension = rawPath.startsWith('/_ddlocal/') ? findExtension(extensions, method, rawPath) : undefined;
    const bodyLimit = extension?.maxBodyBytes ?? MAX_BODY_BYTES;
    let body: Buffer;
    try {
      body = await readBody(req, bodyLimit);
    } catch (err) {
      if (err instanceof BodyTooLarge) throw invalidRequest(`The request body exceeds the limit of ${bodyLimit} bytes`);
      if (err instanceof UnreadableBody) throw invalidRequest(`The request body could not be read: ${err.message}`);
      throw err;
    }
    // Strict mode: the signature over the raw bytes is verified before the body is parsed or anything routed.
    let identity: VerifiedIdentity | undefined;
    if (options.authentication && !unsignedRoutes.has(`${method} ${rawPath}`)) {
      try {
        identity = verifySigV4({ method, rawPath: requestedPath, rawQuery, headers: req.rawHeaders, body, now: options.authentication.now() }, options.authentication.lookup);
      } catch (err) {
        // What ddlocal signed, for the operator comparing it with `aws --debug`; never sent to the client.
        if (err instanceof SignatureMismatchError)
          logger.debug({ requestId, canonicalRequest: err.canonicalRequest, stringToSign: err.stringToSign }, 'signature mismatch');
        throw err;
      }
      log.principal = identity.principalArn;
    }
    const caller = identity ? { accountId: identity.accountId, region: identity.region } : resolveCaller(req.headers['authorization'], defaultRegion);
    log.account = caller.accountId;
    log.region = caller.region;
    const query = parseQuery(rawQuery);

    if (rawPath.startsWith('/_ddlocal/')) {
      const ext = extension;
      if (!ext) throw new ApiError('UnknownOperationException', `No ddlocal endpoint matches ${method} ${rawPath}`);
      log.operation = `ddlocal:${ext.path}`;
      if (options.authentication && identity && ext.action !== 'none')
        options.authentication.authorizeExtension(identity, ext.action, { caller, sourceIp: req.socket.remoteAddress });
      // Open mode has no identities: every caller may do what an admin may (docs/decisions.md#w11).
      const admin = options.authentication ? identity?.admin === true : true;
      const principal = identity && { accessKeyId: identity.accessKeyId, principalArn: identity.principalArn };
      const out = await ext.handler({ method, path: rawPath, query, body, caller, requestId, admin, principal });
      const contentType = out.contentType ?? 'application/json';
      const text = contentType === 'application/json' ? JSON.stringify(out.body) : String(out.body);
      send(res, out.status ?? 200, { 'Content-Type': contentType, 'x-amzn-RequestId': requestId }, text);
      return out.status ?? 200;
    }

    const match = route(method, rawPath);
    log.operation = match.operation;
    if (!operations.implements(match.operation)) {
      throw new ApiError('NotImplementedException', `ddlocal does not implement the AWS IoT operation ${match.operation}`);
    }
    const op = modelOperation(match.operation);
    const raw = gatherInput(op, { labels: match.labels, query, headers: req.headersDistinct, body });
    const input = validateInput(op.input?.shape ?? `${match.operation}Request`, inputShape(op), raw);
    const output = await operations.invoke({
      operation: match.operation,
      input,
      caller: { accountId: caller.accountId, region: caller.region },
      requestId,
      identity,
      sourceIp: req.socket.remoteAddress,
      host: req.headers.host || socketAuthority(req),
    });
    const json = serializeStructure(outputShape(op), op.output?.shape ?? `${match.operation}Response`, output);
    send(res, 200, { 'Content-Type': 'application/json', 'x-amzn-RequestId': requestId }, JSON.stringify(json));
    return 200;
  }

  function handle(req: IncomingMessage, res: ServerResponse) {
    const requestId = randomUUID();
    SERVER_OF.set(res, server);
    const started = performance.now();
    const log: Record<string, unknown> = { requestId };
    dispatch(req, res, requestId, log)
      .then((status) => {
        log.status = status;
      })
      .catch((err: unknown) => {
        // Something ddlocal depends on failed, not the request: 503, which every AWS SDK retries.
        if (isServiceUnavailable(err)) err = new ApiError('ServiceUnavailableException', err.message);
        if (err instanceof ApiError) {
          log.status = errorStatus(err.code);
          log.error = err.code;
          sendError(res, requestId, err);
        } else if (err instanceof ClientAborted) {
          log.status = 'client-aborted';
          res.destroy();
        } else {
          log.status = 500;
          logger.error({ requestId, err }, 'internal failure');
          sendError(
            res,
            requestId,
            new ApiError('InternalFailureException', `ddlocal failed to process the request; see the server log for request ${requestId}`),
          );
        }
      })
      .catch((err: unknown) => {
        // Writing the answer itself failed (the socket is gone): nothing to tell the client, never crash the process.
        logger.warn({ requestId, err }, 'could not send the response');
        res.destroy();
      })
      .finally(() => {
        const seconds = (performance.now() - started) / 1000;
        log.ms = Math.round(seconds * 10_000) / 10;
        logger.info(log, 'request');
        // Labels come from the model's operation names and the registered routes only, never from the raw path, so a
        // client cannot grow the number of series.
        telemetry.requestFinished(typeof log.operation === 'string' ? log.operation : 'unknown', String(log.status), seconds);
      });
  }

  // requireHostHeader: a request without Host would otherwise get Node's bare 400 instead of an AWS-shaped answer;
  // ddlocal serves every host name alike.
  const server = createServer({ requireHostHeader: false }, handle);
  // Node closes an idle keep-alive connection after 5 s. The AWS SDKs keep idle connections without a limit of their
  // own, so a client that calls about every 5 s sometimes sends on a connection at the moment the server closes it,
  // and gets ECONNRESET for a request ddlocal never saw. A minute, as load balancers in front of AWS services keep
  // them, makes that rare; shutdown still closes idle connections at once.
  server.keepAliveTimeout = 65_000;
  server.on('clientError', answerClientError);
  // An Expect value other than 100-continue: Node would answer a bare 417. Clients that send one send the body
  // anyway, so the request is served normally.
  server.on('checkExpectation', handle);
  return server;
}
