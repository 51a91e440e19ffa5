// Runs the installed AWS CLI's own shorthand parser (test/tools/awscli_shorthand_oracle.py, raw mode) on a
// batch of values in one Python process, for differential tests of src/cli/shorthand.ts.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const PYTHON = '/usr/bin/python3';
// dist/test/helpers/oracle.js -> <repo>/test/tools (a copy of the project's shared oracle, kept in the repo).
const ORACLE = fileURLToPath(new URL('../../../test/tools/awscli_shorthand_oracle.py', import.meta.url));
export const REFERENCE_AWSCLI_VERSION = '2.9.19';

export interface OracleRawResult {
  ok: boolean;
  parsed?: unknown;
  error?: { class: string; message: string };
}

/** Why the oracle cannot run here (missing interpreter, script or awscli, or another awscli version), or undefined. */
export async function oracleUnavailableReason(): Promise<string | undefined> {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  if (!existsSync(ORACLE)) return `${ORACLE} not found`;
  try {
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', 'import awscli; print(awscli.__version__)']);
    const version = stdout.trim();
    if (version !== REFERENCE_AWSCLI_VERSION) {
      return `awscli ${version} is installed, the reference is ${REFERENCE_AWSCLI_VERSION}`;
    }
  } catch (err) {
    return `awscli is not importable by ${PYTHON}: ${(err as Error).message}`;
  }
  return undefined;
}

/** Parses every value with aws's ShorthandParser; results are in input order. */
export async function runRawOracle(values: readonly string[]): Promise<OracleRawResult[]> {
  // The @json form carries newlines, tabs and '#' safely; one case per line.
  const stdin = values.map((v) => `@json ${JSON.stringify(['raw', v])}\n`).join('');
  const child = spawn(PYTHON, [ORACLE], {
    env: { ...process.env, PYTHONIOENCODING: 'utf-8', PYTHONUTF8: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(stdin, 'utf8');
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`oracle exited with ${code}: ${stderr}`);
  const results = stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as OracleRawResult & { oracle_error?: string });
  if (results.length !== values.length) {
    throw new Error(`oracle answered ${results.length} cases for ${values.length}: ${stderr}`);
  }
  for (const [i, r] of results.entries()) {
    if (r.oracle_error) throw new Error(`oracle failed on ${JSON.stringify(values[i])}: ${r.oracle_error}`);
  }
  return results;
}
