// A worker thread that polls GET /_ddlocal/health every ~100 ms with its own 1-second timeout and reports every
// answer that was late, failed or was not 200. It runs on its own event loop, so a test busy generating and sending
// requests cannot delay a poll and make a healthy server look frozen.
//
// Messages in: { type: 'poll', url, epoch, limitMs? } starts (or re-points) polling, reporting answers slower than
// limitMs (default: the 1-second timeout); { type: 'pause' }; { type: 'stop' }.
// Messages out: { type: 'report', polls, worstMs, problems } in answer to 'stop'. Times are epoch milliseconds.
import { parentPort } from 'node:worker_threads';
import { request } from 'node:http';

export interface PollProblem {
  /** When the poll was sent (epoch ms). */
  at: number;
  ms: number;
  /** The HTTP status, or the error (`timeout` after 1 s). */
  outcome: string;
  /** The server generation (the test restarts a frozen server) the poll went to. */
  epoch: number;
}

export interface PollReport {
  type: 'report';
  polls: number;
  worstMs: number;
  problems: PollProblem[];
}

export const POLL_INTERVAL_MS = 100;
export const POLL_TIMEOUT_MS = 1000;

const now = () => performance.timeOrigin + performance.now();

function poll(url: string): Promise<{ ms: number; outcome: string }> {
  const started = now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ms: now() - started, outcome });
    };
    const req = request(`${url}/_ddlocal/health`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => done(String(res.statusCode)));
      res.on('error', (err) => done(err.message));
    });
    const timer = setTimeout(() => done('timeout'), POLL_TIMEOUT_MS);
    req.on('error', (err) => done((err as NodeJS.ErrnoException).code ?? err.message));
    req.end();
  });
}

if (parentPort) {
  const port = parentPort;
  let target: { url: string; epoch: number; limitMs: number } | undefined;
  let stopped = false;
  let polls = 0;
  let worstMs = 0;
  const problems: PollProblem[] = [];
  let loop: Promise<void> | undefined;

  const run = async () => {
    while (!stopped) {
      const current = target;
      const started = now();
      if (current) {
        const { ms, outcome } = await poll(current.url);
        // A poll that went to a server the test has since replaced (or paused) says nothing about the new one.
        if (target === current && !stopped) {
          polls++;
          worstMs = Math.max(worstMs, ms);
          if (outcome !== '200' || ms > current.limitMs) problems.push({ at: started, ms: Math.round(ms), outcome, epoch: current.epoch });
        }
      }
      await new Promise((r) => setTimeout(r, Math.max(0, started + POLL_INTERVAL_MS - now())));
    }
  };

  port.on('message', (msg: { type: string; url?: string; epoch?: number; limitMs?: number }) => {
    if (msg.type === 'poll') {
      target = { url: msg.url!, epoch: msg.epoch ?? 0, limitMs: msg.limitMs ?? POLL_TIMEOUT_MS };
      loop ??= run();
    } else if (msg.type === 'pause') {
      target = undefined;
    } else if (msg.type === 'stop') {
      stopped = true;
      void (loop ?? Promise.resolve()).then(() => {
        const report: PollReport = { type: 'report', polls, worstMs: Math.round(worstMs), problems };
        port.postMessage(report);
        port.close();
      });
    }
  });
}
