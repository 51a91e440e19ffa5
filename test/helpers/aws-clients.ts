// Finding the Python-based AWS clients on this machine (boto3, the AWS CLI v1) and a clean environment to run them
// in, for tests that drive ddlocal with them.
import { spawnSync } from 'node:child_process';

/** The first python3 on PATH (or Debian's) that can import boto3, as test/boto3.test.ts looks for it. */
export function pythonWithBoto3(): string {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    if (spawnSync(candidate, ['-c', 'import boto3'], { encoding: 'utf8' }).status === 0) return candidate;
  }
  throw new Error('no python3 with boto3 found; install python3-boto3');
}

/**
 * The AWS CLI v1 as `python3 -m awscli` — the python3 on PATH or Debian's. Debian's `awscli` package is the v2
 * (its module answers `aws-cli/2…`), and no Debian package carries v1, so .ci/run cannot install it: on a machine
 * without it the v1 test is skipped with this reason rather than failed.
 */
export function findAwsCliV1(): { command: string[] } | { missing: string } {
  const seen: string[] = [];
  for (const python of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(python, ['-m', 'awscli', '--version'], { encoding: 'utf8' });
    const version = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').pop() ?? '';
    if (r.status === 0 && /^aws-cli\/1\./.test(version)) return { command: [python, '-m', 'awscli'] };
    seen.push(`${python} -m awscli --version: ${r.error ? r.error.message : version.slice(0, 120)}`);
  }
  return {
    missing:
      `the AWS CLI v1 is not installed (${seen.join('; ')}). Debian packages only the v2; install the v1 with ` +
      '`python3 -m pip install awscli` (PyPI) for the python3 on PATH',
  };
}

/** The machine's environment without any AWS_* setting or config file that could change keys or retry settings. */
export function clientEnvironment(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AWS_') && value !== undefined) env[name] = value;
  return { ...env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', PYTHONIOENCODING: 'utf-8', ...extra };
}
