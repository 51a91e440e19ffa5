// Runs the built `ddlocal` executable (bin/ddlocal.js) as a child process with a clean AWS environment — no ~/.aws, no
// AWS_* variables but those a test gives — optionally on a pseudo-terminal (util-linux `script`), so tests see exactly
// what a user sees: stdout, stderr and the exit code. Asynchronous, because the server under test often lives in the
// test process itself.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { DDLOCAL_BIN } from './cli-runner.js';
import { tempDir } from './temp-dir.js';

export interface CommandResult {
  rc: number;
  stdout: string;
  stderr: string;
}

const HOME = tempDir('ddlocal-command-home-');
export const SCRIPT_BIN = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));

/** A shell word: single-quoted. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function cleanAwsEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME,
    TZ: 'UTC',
    LANG: 'C.UTF-8',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/**
 * `ddlocal <args…>` (or another program given as `program`). With `tty`, it runs under `script -qec`, whose output —
 * stdout and stderr merged, as a terminal shows them — is returned as stdout.
 */
export function runCommand(args: string[], env: Record<string, string>, options: { tty?: boolean; program?: string } = {}): Promise<CommandResult> {
  const argv = options.program ? [options.program, ...args] : [process.execPath, DDLOCAL_BIN, ...args];
  const [file, fileArgs] = options.tty
    ? [SCRIPT_BIN!, ['-qec', argv.map(shellQuote).join(' '), '/dev/null']]
    : [argv[0]!, argv.slice(1)];
  return new Promise((resolve) => {
    execFile(file, fileArgs, { env: { ...env, COLUMNS: '120' }, encoding: 'utf8', timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const rc = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ rc, stdout, stderr });
    });
  });
}
