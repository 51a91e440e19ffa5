// Runs `ddlocal iot …` (bin/ddlocal.js) and the real aws CLI v2 (`/usr/bin/aws iot …`) side by side for the
// end-to-end differential tests of issue 5. Both are spawned asynchronously: the server under test usually lives in
// this very process, and a synchronous spawn would block the event loop that has to answer the CLI.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './temp-dir.js';
import { freePort } from './ports.js';

export const AWS_BIN = '/usr/bin/aws';
export const PYTHON = '/usr/bin/python3';
// dist/test/helpers/cli-runner.js -> <repo>/bin/ddlocal.js and <repo>/test/tools
export const DDLOCAL_BIN = fileURLToPath(new URL('../../../bin/ddlocal.js', import.meta.url));
export const CAPTURE_LISTENER = fileURLToPath(new URL('../../../test/tools/capture_listener.py', import.meta.url));

export type CliName = 'aws' | 'ddlocal';

export interface RunResult {
  rc: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Variables added to (or, when undefined, removed from) the base environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** A HOME without ~/.aws, so neither CLI picks up the developer's configuration. */
const HOME = tempDir('ddlocal-cli-home-');

export function baseEnv(accountId: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME,
    TZ: 'UTC',
    LANG: 'C.UTF-8',
    AWS_ACCESS_KEY_ID: accountId,
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** At most `limit` CLI processes at a time (the machine is small and shared). */
class Pool {
  private running = 0;
  private queue: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((r) => this.queue.push(r));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}
const pool = new Pool(4);

export async function runCli(cli: CliName, args: string[], accountId: string, options: RunOptions = {}): Promise<RunResult> {
  const env: Record<string, string> = { ...baseEnv(accountId) };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const [file, argv] = cli === 'aws' ? [AWS_BIN, ['iot', ...args]] : [process.execPath, [DDLOCAL_BIN, 'iot', ...args]];
  return pool.run(
    () =>
      new Promise<RunResult>((resolve) => {
        execFile(file, argv, { env, cwd: options.cwd, encoding: 'utf8', timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
          const rc = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
          resolve({ rc, stdout, stderr });
        });
      }),
  );
}

/** aws's usage block names its program; ddlocal's names itself (docs/decisions.md#c1). Only those lines are rewritten. */
export function asDdlocal(stderr: string): string {
  return stderr
    .replace(/^usage: aws /gm, 'usage: ddlocal ')
    .replace(/^ {2}aws (help|<command>)/gm, '  ddlocal $1')
    .replace(/^aws: error:/gm, 'ddlocal: error:');
}

/** Runs both CLIs with the same arguments (each on its own account when given two) and returns both results. */
export async function runBoth(args: string[], accounts: [string, string], options: RunOptions = {}): Promise<{ aws: RunResult; ddlocal: RunResult }> {
  const [aws, ddlocal] = await Promise.all([runCli('aws', args, accounts[0], options), runCli('ddlocal', args, accounts[1], options)]);
  return { aws: { ...aws, stderr: asDdlocal(aws.stderr) }, ddlocal };
}

export { freePort };

export interface CapturedRequest {
  method: string;
  path: string;
  headers: [string, string][];
  body: string;
}

/** test/tools/capture_listener.py on a free port: records every request, answers from an optional rules file. */
export class CaptureListener {
  private constructor(
    readonly url: string,
    private readonly log: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(rulesFile?: string): Promise<CaptureListener> {
    const port = await freePort();
    const log = join(tempDir('ddlocal-capture-'), 'requests.jsonl');
    const child = spawn(PYTHON, [CAPTURE_LISTENER, String(port), log, ...(rulesFile ? [rulesFile] : [])], { stdio: 'ignore' });
    const listener = new CaptureListener(`http://127.0.0.1:${port}`, log, child);
    for (let i = 0; i < 200; i++) {
      if (await listener.answers()) return listener;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill();
    throw new Error(`capture listener did not start on port ${port}`);
  }

  private async answers(): Promise<boolean> {
    const { connect } = await import('node:net');
    const port = Number(new URL(this.url).port);
    return new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }

  requests(): CapturedRequest[] {
    if (!existsSync(this.log)) return [];
    return readFileSync(this.log, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as CapturedRequest);
  }

  stop(): void {
    this.child.kill();
  }
}
