// Runs the real AWS CLI v2 (Debian's awscli, /usr/bin/aws) against a ddlocal endpoint.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const AWS_CLI_V2 = ['/usr/bin/aws', '/usr/local/bin/aws'].find((p) => existsSync(p) && isV2(p));

function isV2(path: string): boolean {
  const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
  return /aws-cli\/2\./.test(r.stdout + r.stderr);
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
  json: any;
}

/** Runs `aws` asynchronously: the server under test usually lives in this very process, so a synchronous spawn would
 *  block the event loop that has to answer the CLI's request (the CLI then hangs until its own read timeout). */
export async function awsCli(endpoint: string, args: string[], accountId = '000000000000', region = 'us-east-1'): Promise<CliResult> {
  if (!AWS_CLI_V2) throw new Error('AWS CLI v2 not found; .ci/run installs Debian package awscli');
  const cli = AWS_CLI_V2;
  const options = {
    encoding: 'utf8' as const,
    timeout: 60_000,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ACCESS_KEY_ID: accountId,
      AWS_SECRET_ACCESS_KEY: 'ddlocal-test-secret',
      AWS_DEFAULT_REGION: region,
      AWS_PAGER: '',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    },
  };
  const r = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(cli, ['--endpoint-url', endpoint, '--output', 'json', ...args], options, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ status: code, stdout, stderr });
    });
  });
  let json: any;
  try {
    json = r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json };
}
