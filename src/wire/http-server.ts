// The HTTP front door: one request → request id, body limit, caller resolution, routing (extension endpoints first,
// then the model table), input gathering and validation, the handler in one store transaction, and a model-exact
// response. Every failure becomes an AWS-shaped error; only a ddlocal bug can produce a 500 (wire.md §7).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { inputShape, operation as modelOperation, outputShape } from '../model/model.js';
import { ApiError, invalidRequest } from './errors.js';
import { resolveCaller, type Caller } from './auth.js';
import { route } from './router.js';
import { gatherInput, MAX_BODY_BYTES, parseQuery } from './request.js';
import { validateInput } from './validate.js';
import { serializeStructure } from './serialize.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../clock.js';
import type { HandlerTable } from '../domain/context.js';

export interface ExtensionRequest {
  method: string;
  path: string;
  query: Map<string, string[]>;
  body: Buffer;
  caller: Caller;
  requestId: string;
}

export interface ExtensionResponse {
  status?: number;
  contentType?: string;
  body: unknown;
}

export type ExtensionHandler = (req: ExtensionRequest) => Promise<ExtensionResponse>;

/** ddlocal's own endpoints under /_ddlocal/ (Dec W3): exact method + path, or a path prefix ending in "/". */
export interface ExtensionRoute {
  method: string;
  path: string;
  handler: ExtensionHandler;
}

export interface HttpServerOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  handlers: HandlerTable;
  extensions: ExtensionRoute[];
  defaultRegion: string;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      req.resume();
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer) {
  if (res.headersSent) return;
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...headers, 'Content-Length': String(payload.length) });
  res.end(payload);
}

function sendError(res: ServerResponse, requestId: string, err: ApiError) {
  send(
    res,
    err.status,
    { 'Content-Type': 'application/json', 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': err.code },
    JSON.stringify({ __type: err.code, message: err.message, ...err.fields }),
  );
}

export function createHttpServer(options: HttpServerOptions): Server {
  const { store, clock, logger, handlers, extensions, defaultRegion } = options;

  async function dispatch(req: IncomingMessage, res: ServerResponse, requestId: string, log: Record<string, unknown>) {
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const rawQuery = q === -1 ? '' : rawUrl.slice(q + 1);
    log.method = method;
    log.path = rawPath;

    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (err) {
      if (err instanceof BodyTooLarge) throw invalidRequest(`The request body exceeds the limit of ${MAX_BODY_BYTES} bytes`);
      throw err;
    }
    const authorization = req.headers['authorization'];
    const caller = resolveCaller(Array.isArray(authorization) ? authorization[0] : authorization, defaultRegion);
    log.account = caller.accountId;
    log.region = caller.region;
    const query = parseQuery(rawQuery);

    if (rawPath.startsWith('/_ddlocal/')) {
      const ext = extensions.find(
        (e) => e.method === method && (e.path === rawPath || (e.path.endsWith('/') && rawPath.startsWith(e.path))),
      );
      if (!ext) throw new ApiError('UnknownOperationException', `No ddlocal endpoint matches ${method} ${rawPath}`);
      log.operation = `ddlocal:${ext.path}`;
      const out = await ext.handler({ method, path: rawPath, query, body, caller, requestId });
      const contentType = out.contentType ?? 'application/json';
      const text = contentType === 'application/json' ? JSON.stringify(out.body) : String(out.body);
      send(res, out.status ?? 200, { 'Content-Type': contentType, 'x-amzn-RequestId': requestId }, text);
      return out.status ?? 200;
    }

    const match = route(method, rawPath);
    log.operation = match.operation;
    const handler = handlers[match.operation];
    if (!handler) {
      throw new ApiError('NotImplementedException', `ddlocal does not implement the AWS IoT operation ${match.operation}`);
    }
    const op = modelOperation(match.operation);
    const raw = gatherInput(op, { labels: match.labels, query, headers: req.headers, body });
    const input = validateInput(op.input?.shape ?? `${match.operation}Request`, inputShape(op), raw);
    const output = await store.transaction((db) =>
      handler(input, { accountId: caller.accountId, region: caller.region, requestId, db, clock, now: clock.now() }),
    );
    const json = serializeStructure(outputShape(op), op.output?.shape ?? `${match.operation}Response`, output);
    send(res, 200, { 'Content-Type': 'application/json', 'x-amzn-RequestId': requestId }, JSON.stringify(json));
    return 200;
  }

  return createServer((req, res) => {
    const requestId = randomUUID();
    const started = performance.now();
    const log: Record<string, unknown> = { requestId };
    dispatch(req, res, requestId, log)
      .then((status) => {
        log.status = status;
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError) {
          log.status = err.status;
          log.error = err.code;
          sendError(res, requestId, err);
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
      .finally(() => {
        log.ms = Math.round((performance.now() - started) * 10) / 10;
        logger.info(log, 'request');
      });
  });
}
