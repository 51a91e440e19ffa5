// Runs the compiled node:test files against one shared, real PostgreSQL cluster (started here, stopped at the end).
// Arguments narrow the run to test files whose name contains one of them:  npm test -- things policies
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { startPgCluster } from '../dist/test/helpers/postgres.js';

const filters = process.argv.slice(2);
const files = readdirSync('dist/test')
  .filter((f) => f.endsWith('.test.js'))
  // tsc never deletes output: a test file renamed or removed in test/ would otherwise keep running from dist/.
  .filter((f) => existsSync(`test/${f.replace(/\.js$/, '.ts')}`))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()
  .map((f) => `dist/test/${f}`);
if (files.length === 0) {
  console.error(`no test files match ${filters.join(', ')}`);
  process.exit(1);
}

// Every temporary folder the tests make (data files, clusters, CLI homes) goes under one folder that is removed at
// the end, even when a test forgets its own or is killed. Readable by the postgres user, which runs test clusters.
const runTmp = mkdtempSync(join(tmpdir(), 'ddlocal-test-run-'));
chmodSync(runTmp, 0o755);
// The shared PostgreSQL cluster too: tmpdir() reads TMPDIR, so it is made inside runTmp and removed with it even if
// the run dies before cluster.stop().
process.env.TMPDIR = runTmp;
const cluster = await startPgCluster();
const child = spawn(process.execPath, ['--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  env: { ...process.env, DDLOCAL_TEST_PG_URL: cluster.adminUrl, TMPDIR: runTmp },
});
const stop = () => child.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
cluster.stop();
rmSync(runTmp, { recursive: true, force: true });
process.exit(code);
