// `ddlocal serve` as a child process (the real CLI from the build), for tests that must kill, signal or run several
// servers on one database: spawn, wait for the ready line, stop with a signal. Every child this module starts is
// killed when the test process exits, so a failed assertion never leaves a server behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/ddlocal.js', import.meta.url));
const READY = /^ddlocal \S+ listening on (http:\/\/\S+) \(store: .+\)$/m;

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface ServeExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** stderr so far (the server logs at level error, so this explains an unexpected failure). */
  stderr(): string;
  /** stdout so far: the ready line, then the server's JSON log lines (level error: internal failures with their stack). */
  stdout(): string;
  exited: Promise<ServeExit>;
  stop(signal?: NodeJS.Signals): Promise<ServeExit>;
}

/** The environment without the caller's DDLOCAL_* settings: the test says exactly what it configures. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('DDLOCAL_')) env[k] = v;
  return env;
}

/** Starts `ddlocal serve --port 0` on a SQLite file (`{ data }`) or a PostgreSQL database (`{ databaseUrl }`). */
export async function startServeProcess(
  store: { data: string } | { databaseUrl: string },
  timeoutMs = 30_000,
  extraEnv: Record<string, string> = {},
): Promise<ServeProcess> {
  const storeArgs = 'data' in store ? ['--data', store.data] : ['--database-url', store.databaseUrl];
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--log-level', 'error', ...storeArgs], {
    env: { ...cleanEnv(), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<ServeExit>((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (!(url = READY.exec(stdout)?.[1])) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`ddlocal serve exited before its ready line: ${stderr}${stdout}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`ddlocal serve printed no ready line within ${timeoutMs} ms: ${stderr}${stdout}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    url,
    stderr: () => stderr,
    stdout: () => stdout,
    exited,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
