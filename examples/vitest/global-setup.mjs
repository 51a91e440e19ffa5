// Vitest global setup: one ddlocal for the whole run, started before any test file and stopped after the last.
// Test files run in worker processes, so they cannot share this object; they get the endpoint through
// `provide`/`inject` and connect to it with connectDdlocal (see audit.test.mjs).
import { startDdlocal } from 'ddlocal/testing';

/** @param {import('vitest/node').TestProject} project */
export default async function setup(project) {
  const ddlocal = await startDdlocal(); // a free port, in-memory SQLite, no logs
  project.provide('ddlocalEndpoint', ddlocal.endpoint);
  // What setup returns runs as the global teardown.
  return () => ddlocal.stop();
}
