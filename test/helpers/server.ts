// Starts a real ddlocal server (in-process, real HTTP on a random port) over a real SQLite file or a real
// PostgreSQL database, and builds official AWS SDK clients pointed at it; forEachStore runs a block of tests on
// each store.
import { after, before, describe } from 'node:test';
import { join } from 'node:path';
import { IoTClient } from '@aws-sdk/client-iot';
import { startDdlocal, type DdlocalOptions, type RunningDdlocal } from '../../src/server/app.js';
import { createTestDatabase } from './postgres.js';
import { tempDir } from './temp-dir.js';

export type StoreChoice = 'sqlite' | 'postgres';

/** Every store ddlocal supports: what runs "on both stores" runs on these. */
export const STORES: readonly StoreChoice[] = ['sqlite', 'postgres'];

export interface TestServer extends RunningDdlocal {
  /** An IoT client for the given account (access key id) and region. */
  iot(accountId?: string, region?: string): IoTClient;
  dataFile?: string;
  databaseUrl?: string;
}

/** A SQLite file path in a new temporary folder (removed when the test process exits). */
export function tempDataFile(): string {
  return join(tempDir('ddlocal-test-'), 'ddlocal.db');
}

export async function startTestServer(store: StoreChoice = 'sqlite', options: DdlocalOptions = {}): Promise<TestServer> {
  const dataFile = store === 'sqlite' ? tempDataFile() : undefined;
  const databaseUrl = store === 'postgres' ? await createTestDatabase() : undefined;
  const running = await startDdlocal({ port: 0, dataFile, databaseUrl, ...options });
  return Object.assign(running, {
    dataFile,
    databaseUrl,
    iot: (accountId = '123456789012', region = 'us-east-1') => iotClient(running.url, accountId, region),
  });
}

/** What the body of a forEachStore block gets: its store and, once its tests run, its server. */
export interface StoreSuite {
  readonly store: StoreChoice;
  /** The block's server: started by the block's first `before` hook, closed by its first `after` hook. */
  readonly server: TestServer;
  /** A client of that server for the default account and region. */
  readonly iot: IoTClient;
}

export interface ForEachStoreOptions {
  /**
   * Options of the block's server. A function is called as the server starts, for values that exist only then (the
   * endpoint of a moto server that an enclosing block starts). `false`: the block starts no server, for tests that
   * start their own (child processes, restarts, servers that depend on the block's own hooks).
   */
  server?: DdlocalOptions | (() => DdlocalOptions | Promise<DdlocalOptions>) | false;
}

type SuiteTitle = string | ((store: StoreChoice) => string);

/**
 * Declares a block of tests once per store: `describe(`${title} (sqlite)`)`, then `(postgres)` (a title function
 * names the blocks itself). Unless told otherwise, each block starts a test server on its store before its tests
 * and closes it after them; the body binds the names its tests use, e.g. `before(() => ({ server, iot } = suite))`
 * (hooks run in the order they are declared, so the server is up by then).
 */
export function forEachStore(title: SuiteTitle, body: (suite: StoreSuite) => void): void;
export function forEachStore(title: SuiteTitle, options: ForEachStoreOptions, body: (suite: StoreSuite) => void): void;
export function forEachStore(
  title: SuiteTitle,
  optionsOrBody: ForEachStoreOptions | ((suite: StoreSuite) => void),
  maybeBody?: (suite: StoreSuite) => void,
): void {
  const [options, body] = typeof optionsOrBody === 'function' ? [{}, optionsOrBody] : [optionsOrBody, maybeBody!];
  for (const store of STORES) {
    describe(typeof title === 'function' ? title(store) : `${title} (${store})`, () => {
      let running: { server: TestServer; iot: IoTClient } | undefined;
      const started = () => {
        if (running) return running;
        throw new Error(options.server === false ? 'this block starts no server of its own' : 'the server is not started yet: use it in hooks and tests');
      };
      if (options.server !== false) {
        const serverOptions = options.server;
        before(async () => {
          const server = await startTestServer(store, typeof serverOptions === 'function' ? await serverOptions() : serverOptions);
          running = { server, iot: server.iot() };
        });
        after(() => running?.server.close());
      }
      body({
        store,
        get server() {
          return started().server;
        },
        get iot() {
          return started().iot;
        },
      });
    });
  }
}

export function iotClient(endpoint: string, accountId = '123456789012', region = 'us-east-1'): IoTClient {
  return new IoTClient({
    endpoint,
    region,
    credentials: { accessKeyId: accountId, secretAccessKey: 'ddlocal-test-secret' },
    maxAttempts: 1,
  });
}

/** Runs fn and returns the error it throws; fails if it does not throw. */
export async function errorOf(fn: () => Promise<unknown>): Promise<{ name: string; message: string; $metadata?: { httpStatusCode?: number } } & Record<string, any>> {
  try {
    await fn();
  } catch (err) {
    return err as any;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
