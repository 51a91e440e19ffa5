// The testing examples (docs/testing.md) run as a user runs them, from the repository root, each in its own test
// runner: node:test, vitest, jest and pytest. Each must exit 0 with every one of its tests passed, and leave no
// process and no file behind.
//
// pytest needs a python3 with pytest and boto3 (CI: Debian's python3-pytest and python3-boto3); without one the pytest
// example fails here, saying so, rather than being skipped.
import { test, describe, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers/temp-dir.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TIMEOUT_MS = 240_000;

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  ms: number;
}

/**
 * The environment a user's shell would give: without npm's variables (set under `npm test`), DDLOCAL_* settings,
 * NODE_OPTIONS and NODE_TEST_CONTEXT (which would make a nested `node --test` talk the parent runner's protocol);
 * no AWS configuration files; a temporary folder of its own; no colours to strip.
 */
function cleanEnv(tmp: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(npm_|DDLOCAL_|AWS_|NODE_OPTIONS$|NODE_TEST_CONTEXT$|INIT_CWD$|FORCE_COLOR$)/i.test(k)) env[k] = v;
  return {
    ...env,
    TMPDIR: tmp,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    NO_COLOR: '1',
    // No __pycache__ folders next to the pytest example.
    PYTHONDONTWRITEBYTECODE: '1',
  };
}

// Every example runs in a process group of its own, so that it and whatever it started (the pytest example's ddlocal,
// vitest's workers) can be killed together if the test is cut short.
const running = new Set<ChildProcess>();
function killAll(): void {
  for (const child of running) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  running.clear();
}
process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });

function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function run(command: string, args: string[]): Promise<Run> {
  const tmp = tempDir('ddlocal-example-');
  const started = Date.now();
  const child = spawn(command, args, { cwd: ROOT, env: cleanEnv(tmp), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const timer = setTimeout(() => {
    output += `\n[killed after ${TIMEOUT_MS} ms]`;
    process.kill(-child.pid!, 'SIGKILL');
  }, TIMEOUT_MS);
  const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, sig) => resolve([code, sig]));
  });
  clearTimeout(timer);
  const ms = Date.now() - started;
  // Whatever the example started must be gone once it has exited (a moment's grace for a server still closing).
  for (let i = 0; i < 50 && isGroupAlive(child.pid!); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  const leftover = isGroupAlive(child.pid!);
  if (leftover) process.kill(-child.pid!, 'SIGKILL');
  running.delete(child);
  assert.ok(!leftover, `${command} ${args.join(' ')} left processes running:\n${output}`);
  return { status, signal, output, ms };
}

/** The example folder's entries: an example must not leave caches (node_modules/.vite, .pytest_cache, …) in it. */
function entries(example: string): string[] {
  return readdirSync(join(ROOT, 'examples', example)).sort();
}

/** Runs one example; asserts exit 0, no files left in its folder, and returns its output without colour codes. */
async function runExample(t: TestContext, example: string, command: string, args: string[]): Promise<string> {
  const before = entries(example);
  const r = await run(command, args);
  const output = r.output.replace(/\u001b\[[0-9;]*m/g, '');
  t.diagnostic(`examples/${example} ran in ${r.ms} ms`);
  assert.equal(r.status, 0, `examples/${example} failed (exit ${r.status ?? r.signal}):\n${output}`);
  assert.deepEqual(entries(example), before, `examples/${example} left files in its folder`);
  return output;
}

/** The first python3 that imports pytest and boto3, or why there is none. */
function pythonWithPytest(): string {
  const problems: string[] = [];
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(candidate, ['-c', 'import pytest, boto3'], { encoding: 'utf8' });
    if (r.status === 0) return candidate;
    problems.push(`${candidate}: ${r.error?.message ?? r.stderr.trim().split('\n').pop()}`);
  }
  assert.fail(
    `The pytest example needs a python3 with pytest (7 or later) and boto3; install them (Debian: apt-get install python3-pytest python3-boto3).\n${problems.join('\n')}`,
  );
}

// Each example has these two tests: the 400-day certificate age audit, and the empty registry after a reset.
const EXPECTED_TESTS = 2;

describe('the testing examples', () => {
  after(killAll);

  test('node:test: node --test examples/node-test/', async (t) => {
    const out = await runExample(t, 'node-test', process.execPath, ['--test', '--test-reporter=tap', 'examples/node-test/']);
    assert.match(out, new RegExp(`^# pass ${EXPECTED_TESTS}$`, 'm'), out);
    assert.match(out, /^# fail 0$/m, out);
  });

  test('vitest: vitest run --config examples/vitest/vitest.config.mjs', async (t) => {
    const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
    const out = await runExample(t, 'vitest', process.execPath, [vitest, 'run', '--config', 'examples/vitest/vitest.config.mjs']);
    assert.match(out, /Test Files\s+1 passed \(1\)/, out);
    assert.match(out, new RegExp(`Tests\\s+${EXPECTED_TESTS} passed \\(${EXPECTED_TESTS}\\)`), out);
  });

  test('jest: node --experimental-vm-modules node_modules/jest/bin/jest.js --config examples/jest/jest.config.mjs', async (t) => {
    const jest = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
    const out = await runExample(t, 'jest', process.execPath, ['--experimental-vm-modules', jest, '--config', 'examples/jest/jest.config.mjs']);
    assert.match(out, /Test Suites:\s+1 passed, 1 total/, out);
    assert.match(out, new RegExp(`Tests:\\s+${EXPECTED_TESTS} passed, ${EXPECTED_TESTS} total`), out);
  });

  test('pytest: python3 -m pytest -q examples/pytest', async (t) => {
    const python = pythonWithPytest();
    const out = await runExample(t, 'pytest', python, ['-m', 'pytest', '-q', 'examples/pytest']);
    // The summary line: anything failed, skipped or in error would come first or between (`1 failed, 1 passed in …`).
    assert.match(out, new RegExp(`^${EXPECTED_TESTS} passed(, \\d+ warnings?)? in `, 'm'), out);
  });
});
