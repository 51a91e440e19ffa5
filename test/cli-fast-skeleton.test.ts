// The start-up fast path for `ddlocal iot <command> --generate-cli-skeleton [input|yaml-input]` (src/cli/fast-skeleton.ts):
// the build's table must hold exactly what skeleton.ts renders for every implemented command, only the two plain
// command-line forms may use it, and a stale or missing table must fall back to the parser. The end-to-end tests run
// bin/ddlocal.js both ways and require byte-identical output.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { commandName } from '../src/cli/names.js';
import { inputSkeletonJson, inputSkeletonYaml } from '../src/cli/skeleton.js';
import { IMPLEMENTED_OPERATIONS } from '../src/cli/implemented-operations.js';
import {
  SKELETON_SOURCES,
  SKELETON_TABLE_FILE,
  fingerprint,
  pregeneratedSkeleton,
  type SkeletonTable,
} from '../src/cli/fast-skeleton.js';

// dist/test/cli-fast-skeleton.test.js → dist/src/cli/ (where the build writes the table) and bin/ddlocal.js.
const CLI_DIR = new URL('../src/cli/', import.meta.url);
const DDLOCAL_BIN = fileURLToPath(new URL('../../bin/ddlocal.js', import.meta.url));

function run(args: string[]): Promise<{ rc: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [DDLOCAL_BIN, 'iot', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir() } }, (err, stdout, stderr) =>
      resolve({ rc: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe('CLI skeleton table (build output)', () => {
  const table = JSON.parse(readFileSync(new URL(SKELETON_TABLE_FILE, CLI_DIR), 'utf8')) as SkeletonTable;

  test('holds the input and yaml-input skeleton of every implemented command, as skeleton.ts renders them', () => {
    const commands = IMPLEMENTED_OPERATIONS.map(commandName).sort();
    assert.deepEqual(Object.keys(table.input).sort(), commands);
    assert.deepEqual(Object.keys(table.yaml).sort(), commands);
    for (const op of IMPLEMENTED_OPERATIONS) {
      assert.equal(table.input[commandName(op)], inputSkeletonJson(op), op);
      assert.equal(table.yaml[commandName(op)], inputSkeletonYaml(op), op);
    }
  });

  test('is current: its fingerprints match the compiled sources and the copied model', () => {
    for (const source of SKELETON_SOURCES) assert.equal(table.sources[source], fingerprint(new URL(source, CLI_DIR)), source);
    assert.equal(pregeneratedSkeleton(['describe-thing', '--generate-cli-skeleton'], CLI_DIR), inputSkeletonJson('DescribeThing'));
  });
});

describe('pregeneratedSkeleton: which command lines may use the table', () => {
  const dir = CLI_DIR;
  test('the plain forms: no value, input, yaml-input', () => {
    const op = 'DescribeAuditMitigationActionsTask';
    assert.equal(pregeneratedSkeleton(['describe-audit-mitigation-actions-task', '--generate-cli-skeleton'], dir), inputSkeletonJson(op));
    assert.equal(pregeneratedSkeleton(['describe-audit-mitigation-actions-task', '--generate-cli-skeleton', 'input'], dir), inputSkeletonJson(op));
    assert.equal(pregeneratedSkeleton(['describe-audit-mitigation-actions-task', '--generate-cli-skeleton', 'yaml-input'], dir), inputSkeletonYaml(op));
  });

  test('everything else goes to the parser', () => {
    const cases: string[][] = [
      ['describe-thing', '--generate-cli-skeleton', 'output'],
      ['describe-thing', '--generate-cli-skeleton', 'bogus'],
      ['describe-thing', '--generate-cli-skeleton=input'],
      ['describe-thing', '--generate-cli-skeleton', 'input', '--thing-name', 'x'],
      ['describe-thing', '--thing-name', 'x', '--generate-cli-skeleton'],
      ['--region', 'us-east-1', 'describe-thing', '--generate-cli-skeleton'],
      ['--generate-cli-skeleton', 'describe-thing'],
      ['describe-thing'],
      ['no-such-command', '--generate-cli-skeleton'],
      ['Describe-Thing', '--generate-cli-skeleton'],
      ['constructor', '--generate-cli-skeleton'],
      ['list-things', '--generate-cli-skeleton', 'input', ''],
      [],
    ];
    for (const argv of cases) assert.equal(pregeneratedSkeleton(argv, dir), undefined, JSON.stringify(argv));
  });
});

describe('pregeneratedSkeleton: stale or missing table', () => {
  // A copy of the compiled CLI's table and sources in a temporary tree with the same layout (cli/ and model/).
  function copyTree(): URL {
    const root = mkdtempSync(join(tmpdir(), 'ddlocal-fast-skeleton-'));
    mkdirSync(join(root, 'cli'));
    mkdirSync(join(root, 'model'));
    const cli = pathToFileURL(join(root, 'cli') + '/');
    for (const source of [...SKELETON_SOURCES, SKELETON_TABLE_FILE]) copyFileSync(new URL(source, CLI_DIR), new URL(source, cli));
    return cli;
  }
  const argv = ['describe-thing', '--generate-cli-skeleton'];

  test('used when every fingerprint matches; ignored once a source changes; ignored when absent or unreadable', () => {
    const cli = copyTree();
    try {
      const tableUrl = new URL(SKELETON_TABLE_FILE, cli);
      const table = JSON.parse(readFileSync(tableUrl, 'utf8')) as SkeletonTable;
      // Fresh copies have new modification times: the copied table is stale for them.
      assert.equal(pregeneratedSkeleton(argv, cli), undefined);
      for (const source of SKELETON_SOURCES) table.sources[source] = fingerprint(new URL(source, cli));
      writeFileSync(tableUrl, JSON.stringify(table));
      assert.equal(pregeneratedSkeleton(argv, cli), inputSkeletonJson('DescribeThing'));

      // The model (or the generator) is rebuilt after the table was made.
      utimesSync(new URL('../model/iot-model.json', cli), new Date(), new Date(Date.now() + 5_000));
      assert.equal(pregeneratedSkeleton(argv, cli), undefined);

      writeFileSync(tableUrl, '{ not json');
      assert.equal(pregeneratedSkeleton(argv, cli), undefined);
      rmSync(tableUrl);
      assert.equal(pregeneratedSkeleton(argv, cli), undefined);
    } finally {
      rmSync(fileURLToPath(new URL('..', cli)), { recursive: true, force: true });
    }
  });
});

describe('bin/ddlocal.js: the fast path and the parser print the same bytes', () => {
  for (const [op, choice] of [
    ['DescribeAuditMitigationActionsTask', undefined],
    ['StartAuditMitigationActionsTask', 'input'],
    ['CreateThingGroup', 'yaml-input'],
  ] as const) {
    test(`${commandName(op)} --generate-cli-skeleton ${choice ?? ''}`, async () => {
      const tail = ['--generate-cli-skeleton', ...(choice ? [choice] : [])];
      const expected = choice === 'yaml-input' ? inputSkeletonYaml(op) : inputSkeletonJson(op);
      // Plain form: answered from the table. With a global option first: the full parser.
      const [fast, parsed] = await Promise.all([run([commandName(op), ...tail]), run(['--region', 'eu-west-1', commandName(op), ...tail])]);
      assert.deepEqual(fast, { rc: 0, stdout: expected, stderr: '' });
      assert.deepEqual(parsed, { rc: 0, stdout: expected, stderr: '' });
    });
  }

  test('an unknown command still gets the parser usage error', async () => {
    const r = await run(['no-such-command', '--generate-cli-skeleton']);
    assert.equal(r.rc, 252);
    assert.match(r.stderr, /argument operation: Invalid choice/);
    assert.equal(r.stdout, '');
  });
});
