// Jest global setup: one ddlocal for the whole run, started before any test file. Test files run in other
// contexts (and worker processes), so they get the endpoint through an environment variable, which jest's workers
// inherit, and connect to it with connectDdlocal (see audit.test.mjs). global-teardown.mjs stops it.
import { startDdlocal } from 'ddlocal/testing';

export default async function globalSetup() {
  const ddlocal = await startDdlocal(); // a free port, in-memory SQLite, no logs
  process.env.DDLOCAL_ENDPOINT = ddlocal.endpoint;
  // The global setup and teardown run in the same context, so the server is handed over through globalThis.
  globalThis.__DDLOCAL__ = ddlocal;
}
