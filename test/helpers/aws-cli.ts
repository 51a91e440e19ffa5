// Runs the real AWS CLI v2 (Debian's awscli, /usr/bin/aws) against a ddlocal endpoint.
import { spawnSync } from 'node:child_process';
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

export function awsCli(endpoint: string, args: string[], accountId = '000000000000', region = 'us-east-1'): CliResult {
  if (!AWS_CLI_V2) throw new Error('AWS CLI v2 not found; .ci/run installs Debian package awscli');
  const r = spawnSync(AWS_CLI_V2, ['--endpoint-url', endpoint, '--output', 'json', ...args], {
    encoding: 'utf8',
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
  });
  let json: any;
  try {
    json = r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json };
}
