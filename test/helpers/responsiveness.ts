// For tests that a request cannot freeze the server: `ddlocal serve` as a child process (so the test's own event loop
// stays free to time things and give up), and a health probe that runs while the request under test is in flight.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from './postgres.js';
import { startServeProcess, type ServeProcess } from './serve-process.js';
import type { StoreChoice } from './server.js';

/** A health probe slower than this means the event loop is blocked (an idle server answers in a few ms). */
export const PROBE_TIMEOUT_MS = 2_000;

export interface ChildServer {
  url: string;
  /** Stops the server (SIGKILL if a blocked one cannot run its SIGTERM handler) and removes its temp folder. */
  close(): Promise<void>;
}

export async function startChildServer(storeKind: StoreChoice): Promise<ChildServer> {
  let server: ServeProcess;
  let dir: string | undefined;
  if (storeKind === 'sqlite') {
    dir = mkdtempSync(join(tmpdir(), 'ddlocal-responsive-'));
    server = await startServeProcess({ data: join(dir, 'ddlocal.db') });
  } else server = await startServeProcess({ databaseUrl: await createTestDatabase() });
  return {
    url: server.url,
    async close() {
      const stopped = server.stop();
      const timer = setTimeout(() => server.child.kill('SIGKILL'), 5_000);
      await stopped;
      clearTimeout(timer);
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One GET /_ddlocal/health; fails unless it answers 200 within PROBE_TIMEOUT_MS. */
export async function probeHealth(url: string): Promise<void> {
  const res = await fetch(`${url}/_ddlocal/health`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }).catch((err: Error) => {
    throw new Error(`GET /_ddlocal/health did not answer within ${PROBE_TIMEOUT_MS} ms (${err.name}): the server is blocked`);
  });
  assert.equal(res.status, 200);
  await res.text();
}

/** Awaits `work` while probing the server's health every few ms; every probe must answer promptly. */
export async function whileProbingHealth<T>(url: string, work: Promise<T>): Promise<T> {
  let settled = false;
  work.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    await probeHealth(url);
    await sleep(20);
  }
  return work;
}
