// Starts a real ddlocal server (in-process, real HTTP on a random port) over a real SQLite file or a real
// PostgreSQL database, and builds official AWS SDK clients pointed at it.
import { join } from 'node:path';
import { IoTClient } from '@aws-sdk/client-iot';
import { startDdlocal, type DdlocalOptions, type RunningDdlocal } from '../../src/server/app.js';
import { createTestDatabase } from './postgres.js';
import { tempDir } from './temp-dir.js';

export type StoreChoice = 'sqlite' | 'postgres';

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
