// A "probe" server for tests of the HTTP layer: the real wire layer (createHttpServer, routing, validation) whose
// handlers only record the validated input, over an in-memory store. Tests use it for operations whose domain
// module is not their subject, and read its log to check that no request was an internal failure.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pino } from 'pino';
import { createHttpServer } from '../../src/protocol/http-server.js';
import { openStore, type Store } from '../../src/store/store.js';
import { Clock } from '../../src/kernel/clock.js';
import { coreExtensionRoutes } from '../../src/server/core-routes.js';
import { transactionalOperations } from '../../src/server/operations.js';
import type { HandlerTable, RequestContext } from '../../src/registry/context.js';
import type { OperationName } from '../../src/model/types.generated.js';

export interface ProbeCall {
  operation: string;
  input: Record<string, any>;
  accountId: string;
  region: string;
}

export interface ProbeServer {
  url: string;
  port: number;
  server: Server;
  calls: ProbeCall[];
  logs: string[];
  /** Promise rejections nobody handled while the server ran: a request path that forgot to await or catch. */
  unhandled: unknown[];
  lastAuthorization?: string;
  close(): Promise<void>;
}

const PROBED_OPERATIONS: OperationName[] = [
  'StartAuditMitigationActionsTask',
  'CreateThingGroup',
  'ListAuditTasks',
  'CreateAuditSuppression',
  'SetLoggingOptions',
  'ListAttachedPolicies',
  'AttachThingPrincipal',
  'ListThings',
];

export async function startProbeServer(): Promise<ProbeServer> {
  const calls: ProbeCall[] = [];
  const logs: string[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => void unhandled.push(e);
  const handlers: HandlerTable = {};
  for (const operation of PROBED_OPERATIONS) {
    // Fits every operation: it takes any input and returns no output members.
    const probe = async (input: Record<string, any>, ctx: RequestContext) => {
      calls.push({ operation, input, accountId: ctx.accountId, region: ctx.region });
      return {};
    };
    handlers[operation] = probe;
  }
  const store: Store = await openStore({ dataFile: ':memory:' });
  const clock = new Clock();
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  const server = createHttpServer({
    logger,
    operations: transactionalOperations(store, clock, handlers),
    extensions: coreExtensionRoutes(store, clock, 'open'),
    defaultRegion: 'us-east-1',
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.on('unhandledRejection', onUnhandled);
  const port = (server.address() as AddressInfo).port;
  const probe: ProbeServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    calls,
    logs,
    unhandled,
    async close() {
      process.off('unhandledRejection', onUnhandled);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await store.close();
    },
  };
  server.on('request', (req) => {
    probe.lastAuthorization = req.headers.authorization;
  });
  return probe;
}

/** No request made so far was logged as a ddlocal failure (level 50 = error). */
export function assertNoInternalFailure(logs: string[]) {
  const failures = logs.filter((l) => JSON.parse(l).level >= 50);
  assert.deepEqual(failures, []);
}
