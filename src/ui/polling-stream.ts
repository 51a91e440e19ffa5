// What the dashboard's event streams share: ask the API about something once a second and send what changed, until
// it ends, the client goes away, or STREAM_MS has passed (the browser's EventSource then reconnects, so no stream
// holds a connection for ever).
import { ApiError } from '../kernel/errors.js';

const TICK_MS = 1000;
const STREAM_MS = 5 * 60_000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Runs `tick` once a second until it answers false (what it watches has ended), `signal` aborts, or time is up. When
 * the API refuses a tick's question mid-stream (the task was purged, the caller lost its permission), the stream says
 * so with an `end` event and stops; the page's next load shows the API's error.
 */
export async function pollEverySecond(signal: AbortSignal, send: (event: string, data: unknown) => void, tick: () => Promise<boolean>): Promise<void> {
  const started = performance.now();
  while (!signal.aborted && performance.now() - started < STREAM_MS) {
    try {
      if (!(await tick())) return;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      send('end', { status: 'UNKNOWN', error: err.code });
      return;
    }
    await sleep(TICK_MS, signal);
  }
}
