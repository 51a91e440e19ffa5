// Long computations share the event loop with the HTTP server. ddlocal runs on one thread: an audit that analyses a
// role with thousands of statements, or a check that runs query after query on SQLite (whose driver is synchronous),
// would keep every request — the health check included — waiting until it ends. Such loops ask `sliceOver()` now and
// then and, when it says so, `await nextTurn()`: the loop turns (timers, sockets, other requests) and the work goes
// on. One clock for the whole process, so work in several places still yields about every SLICE_MS.
const SLICE_MS = 10;

let sliceStart = performance.now();

/** True once the current stretch of synchronous work has lasted a slice. Cheap enough to ask in a hot loop. */
export function sliceOver(): boolean {
  return performance.now() - sliceStart > SLICE_MS;
}

/** Lets the event loop run everything that is ready, then continues; starts a new slice. */
export async function nextTurn(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  sliceStart = performance.now();
}
