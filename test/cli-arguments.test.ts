// argv → ParsedCommand against the aws-cli 2.9.19 recordings of test/vectors (every `param` and `argv` case; the
// deliberate differences of docs/decisions.md#c3 asserted as deviations), plus unit tests of the argparse rules, paging
// options, global options and the generated command list.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseIotCommand, CliError, type ParsedCommand } from '../src/cli/arguments.js';
import { IMPLEMENTED_OPERATIONS } from '../src/cli/implemented-operations.js';
import { operation } from '../src/model/model.js';
import { parsePyJson } from '../src/cli/args/pyjson.js';
import { closeMatches } from '../src/cli/args/errors.js';
import { parseCliTimestamp } from '../src/cli/args/timestamp.js';

// dist/test/cli-arguments.test.js -> <repo>/test/vectors
const VECTORS = new URL('../../test/vectors/', import.meta.url);
const VECTORS_DIR = fileURLToPath(VECTORS);
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Recorded {
  input: string;
  mode: 'raw' | 'param' | 'argv';
  ok: boolean;
  operation?: string;
  argv?: string[];
  value?: unknown;
  value_absent?: boolean;
  params?: Record<string, unknown>;
  request?: { method: string; path: string; body: string };
  error?: { rc: number; class: string; message: string; stderr: string };
}

function records(): Recorded[] {
  return readFileSync(new URL('shorthand_expected.jsonl', VECTORS), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Recorded)
    .filter((r) => r.mode !== 'raw');
}

function parse(argv: string[], cwd = VECTORS_DIR): ParsedCommand {
  return parseIotCommand(argv, { cwd, env: { HOME: '/nonexistent' } });
}

function failure(argv: string[], cwd = VECTORS_DIR): CliError {
  try {
    parse(argv, cwd);
  } catch (err) {
    assert.ok(err instanceof CliError, `expected a CliError, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected ${argv.join(' ')} to fail`);
}

/** aws's stderr with ddlocal's program name (docs/decisions.md#c1). */
function asDdlocal(stderr: string): string {
  return stderr
    .replace('usage: aws [options]', 'usage: ddlocal [options]')
    .replace(/^ {2}aws (help|<command>)/gm, '  ddlocal $1')
    .replace(/^aws: error:/m, 'ddlocal: error:');
}

const USAGE_PREFIX = asDdlocal(
  '\nusage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\nTo see help text, you can run:\n\n' +
    '  aws help\n  aws <command> help\n  aws <command> <subcommand> help\n\n',
);

/** Recorded JSON encodings (`$bytes_b64`, `$datetime`) turned into what ddlocal hands on. */
function decodeRecorded(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeRecorded);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.$bytes_b64 === 'string') return new Uint8Array(Buffer.from(o.$bytes_b64, 'base64'));
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, decodeRecorded(v)]));
  }
  return value;
}

/** The SDK input aws built, minus what the lead's pagination adds from the paging options (docs/decisions.md#c5). */
function expectedParams(r: Recorded, parsed: ParsedCommand): Record<string, unknown> {
  const expected = { ...(decodeRecorded(r.params) as Record<string, unknown>) };
  const paginator = operation(parsed.operation).paginator;
  if (paginator) {
    const token = paginator.input_token as string;
    if (parsed.globals.startingToken !== undefined && expected[token] === parsed.globals.startingToken) delete expected[token];
    if (paginator.limit_key && parsed.globals.pageSize !== undefined && expected[paginator.limit_key] === parsed.globals.pageSize) {
      delete expected[paginator.limit_key];
    }
  }
  return expected;
}

/** `start-audit-mitigation-actions-task` → `StartAuditMitigationActionsTask` (enough for the vector commands). */
function operationNameOf(command: string): string {
  return command.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

/** argv after `aws iot`. */
function argvOf(r: Recorded): string[] {
  assert.deepEqual(r.argv!.slice(0, 2), ['aws', 'iot']);
  return r.argv!.slice(2);
}

// docs/decisions.md#c3: what ddlocal does instead of aws for these cases.
type Deviation = { rc: number; stderr: string } | { ok: true; params: Record<string, unknown> };
function deviation(r: Recorded): Deviation | undefined {
  const [head, ...values] = r.input.startsWith('@json ') ? (JSON.parse(r.input.slice(6)) as string[]) : r.input.split('\t');
  if (head === 'start-on-demand-audit-task:target-check-names' && values[0] === 'file://fixtures/names.txt') {
    return { rc: 252, stderr: "\nError parsing parameter '--target-check-names': file content must be a JSON list\n" };
  }
  if (head === 'list-audit-mitigation-actions-tasks:max-results' && ['1_0', ' 5 ', '５', 'abc', '5.0'].includes(values[0]!)) {
    return { rc: 252, stderr: `${USAGE_PREFIX}ddlocal: error: argument --max-results: invalid int value: '${values[0]}'\n\n` };
  }
  if (r.mode === 'argv') {
    const argv = argvOf(r);
    if (argv.includes('--task') && argv.includes('--audit-check')) {
      return { rc: 252, stderr: `${USAGE_PREFIX}ddlocal: error: the following arguments are required: --task-id, --audit-check-to-actions-mapping\n\n` };
    }
    for (const abbreviation of ['--client', '--out', '--cli']) {
      const at = argv.indexOf(abbreviation);
      if (at >= 0) return { rc: 252, stderr: `${USAGE_PREFIX}Unknown options: ${abbreviation}, ${argv[at + 1]}\n\n` };
    }
  }
  return undefined;
}

describe('recorded aws-cli 2.9.19 cases (param and argv)', () => {
  const all = records();
  test('the vectors hold the expected number of cases', () => {
    assert.equal(all.filter((r) => r.mode === 'param').length, 100);
    assert.equal(all.filter((r) => r.mode === 'argv').length, 39);
  });
  let deviations = 0;
  for (const r of all) {
    test(`${r.mode}: ${JSON.stringify(r.input)}`, () => {
      const argv = argvOf(r);
      const dev = deviation(r);
      if (dev) {
        deviations++;
        assert.ok('rc' in dev);
        const err = failure(argv);
        assert.equal(err.rc, dev.rc);
        assert.equal(err.stderr, dev.stderr);
        return;
      }
      if (!r.ok) {
        const err = failure(argv);
        assert.equal(err.rc, r.error!.rc, err.stderr);
        assert.equal(err.stderr, asDdlocal(r.error!.stderr));
        return;
      }
      const parsed = parse(argv);
      assert.equal(parsed.operation, operationNameOf(r.operation!));
      const member = r.mode === 'param' ? memberOf(r) : undefined;
      if (r.mode === 'param') {
        if (r.value_absent) assert.ok(!Object.hasOwn(parsed.params, member!));
        else assert.deepEqual(parsed.params[member!], decodeRecorded(r.value));
      } else {
        const expected = expectedParams(r, parsed);
        const actual = { ...parsed.params };
        // aws fills the idempotency token after building params; it shows in the body as <UUID4>.
        if (!Object.hasOwn(expected, 'clientRequestToken') && r.request?.body.includes('"clientRequestToken": "<UUID4>"')) {
          assert.match(String(actual.clientRequestToken), UUID4);
          delete actual.clientRequestToken;
        }
        assert.deepEqual(actual, expected);
      }
    });
  }
  test('every §19 deviation was met', () => assert.equal(deviations, 10));
});

/** The member a param-mode case sets: the option after the operation name whose value is the case's value. */
function memberOf(r: Recorded): string {
  const [head] = r.input.startsWith('@json ') ? (JSON.parse(r.input.slice(6)) as string[]) : r.input.split('\t');
  const option = head!.includes(':') ? head!.split(':')[1]! : head!;
  return option.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

describe('option parsing rules (§3)', () => {
  const START = ['start-audit-mitigation-actions-task', '--task-id', 't1', '--target', 'auditTaskId=a', '--audit-check-to-actions-mapping', 'C=x'];

  test('negative numbers are values; other dash values need the = form', () => {
    assert.equal(parse(['cancel-audit-mitigation-actions-task', '--task-id', '-5']).params.taskId, '-5');
    assert.equal(parse(['cancel-audit-mitigation-actions-task', '--task-id', '-5.5']).params.taskId, '-5.5');
    assert.equal(parse(['cancel-audit-mitigation-actions-task', '--task-id=-x']).params.taskId, '-x');
    const err = failure(['cancel-audit-mitigation-actions-task', '--task-id', '-x']);
    assert.match(err.stderr, /ddlocal: error: argument --task-id: expected one argument\n\n$/);
  });

  test('a value with a space is a value even when it starts with a dash', () => {
    assert.equal(parse(['cancel-audit-mitigation-actions-task', '--task-id', '-a b']).params.taskId, '-a b');
  });

  test('the last occurrence wins, also for structures, without merging', () => {
    const parsed = parse([...START, '--target', 'findingIds=f1', '--task-id', 't2']);
    assert.deepEqual(parsed.params.target, { findingIds: ['f1'] });
    assert.equal(parsed.params.taskId, 't2');
  });

  test('boolean flag pairs take no value; the last of the pair wins', () => {
    assert.equal(parse(['list-audit-findings', '--no-list-suppressed-findings', '--list-suppressed-findings']).params.listSuppressedFindings, true);
    const err = failure(['list-audit-findings', '--list-suppressed-findings=yes']);
    assert.match(err.stderr, /argument --list-suppressed-findings: ignored explicit argument 'yes'/);
  });

  test('no prefix abbreviations, for operation and global options alike', () => {
    assert.equal(failure([...START, '--client-request', 'x']).stderr, `${USAGE_PREFIX}Unknown options: --client-request, x\n\n`);
    assert.equal(failure([...START, '--reg', 'us-east-1']).stderr, `${USAGE_PREFIX}Unknown options: --reg, us-east-1\n\n`);
  });

  test('missing required options are listed in argument-table order; the = form of --cli-input-json keeps the check', () => {
    const err = failure(['start-audit-mitigation-actions-task', '--target', 'auditTaskId=a']);
    assert.match(err.stderr, /required: --task-id, --audit-check-to-actions-mapping\n\n$/);
    assert.match(failure(['start-audit-mitigation-actions-task', '--cli-input-json={}']).stderr, /required: --task-id, --target/);
  });

  test('required checks are off for exact --cli-input-*/input skeleton tokens; validation reports instead', () => {
    const err = failure(['start-audit-mitigation-actions-task', '--cli-input-yaml', 'taskId: t']);
    assert.equal(err.stderr, '\nParameter validation failed:\nMissing required parameter in input: "target"\nMissing required parameter in input: "auditCheckToActionsMapping"\n');
  });

  test('unknown options come after required checks; required checks after "expected one argument"', () => {
    assert.match(failure(['start-audit-mitigation-actions-task', '--bogus']).stderr, /required: --task-id/);
    assert.match(failure(['start-audit-mitigation-actions-task', '--bogus', '--task-id']).stderr, /argument --task-id: expected one argument/);
  });

  test('integers are strict; the int error names the option', () => {
    assert.equal(parse(['list-audit-tasks', '--start-time', '1', '--end-time', '2', '--max-results', '+7']).params.maxResults, 7);
    assert.match(failure(['list-audit-tasks', '--start-time', '1', '--end-time', '2', '--max-results', '1e3']).stderr, /argument --max-results: invalid int value: '1e3'/);
    assert.match(failure(['list-audit-tasks', '--start-time', '1', '--end-time', '2', '--max-items', '2x']).stderr, /argument --max-items: invalid int value: '2x'/);
    assert.match(failure(['list-audit-tasks', '--start-time', '1', '--end-time', '2', '--max-results', '9007199254740993']).stderr, /invalid int value/);
  });

  test('a list option given no tokens is an empty list', () => {
    assert.deepEqual(parse(['start-on-demand-audit-task', '--target-check-names', 'A', '--target-check-names']).params.targetCheckNames, []);
  });

  test('the operation name may follow global options and operation options', () => {
    assert.equal(parse(['--region', 'eu-west-1', 'describe-audit-task', '--task-id', 'a']).operation, 'DescribeAuditTask');
    // as in aws, an unknown option's value before the command is taken for the command name
    assert.match(failure(['--task-id', 'a', 'describe-audit-task']).stderr, /Invalid choice/);
  });

  test('--wait only exists on start-audit-mitigation-actions-task', () => {
    assert.equal(parse([...START, '--wait']).wait, true);
    assert.equal(parse(START).wait, false);
    assert.match(failure(['describe-audit-task', '--task-id', 'a', '--wait']).stderr, /Unknown options: --wait/);
  });

  test('the IoT outfile customisations are options of their two commands', () => {
    const parsed = parse(['create-keys-and-certificate', '--set-as-active', '--private-key-outfile', 'k.pem']);
    assert.deepEqual(parsed.outfiles, { 'private-key-outfile': 'k.pem' });
    assert.match(failure(['create-thing', '--thing-name', 't', '--private-key-outfile', 'k.pem']).stderr, /Unknown options/);
  });
});

describe('--generate-cli-skeleton modes (§3, §9)', () => {
  test('no value and input/yaml-input switch required checks off and validate nothing', () => {
    for (const extra of [[], ['input'], ['yaml-input']]) {
      const parsed = parse(['start-audit-mitigation-actions-task', '--generate-cli-skeleton', ...extra, '--target', 'auditTaskId=']);
      assert.equal(parsed.skeleton, extra[0] ?? 'input');
      assert.deepEqual(parsed.params, {});
    }
  });
  test('output keeps required checks and validation on', () => {
    assert.match(failure(['describe-audit-task', '--generate-cli-skeleton', 'output']).stderr, /required: --task-id/);
    assert.match(failure(['describe-audit-task', '--task-id', '', '--generate-cli-skeleton', 'output']).stderr, /Invalid length for parameter taskId/);
    const parsed = parse(['describe-audit-task', '--task-id', 'a', '--generate-cli-skeleton', 'output']);
    assert.equal(parsed.skeleton, 'output');
    assert.deepEqual(parsed.params, { taskId: 'a' });
  });
  test('other values are an argparse invalid choice', () => {
    const err = failure(['describe-audit-task', '--generate-cli-skeleton', 'bogus']);
    assert.equal(
      err.stderr,
      `${USAGE_PREFIX}ddlocal: error: argument --generate-cli-skeleton: Invalid choice, valid choices are:\n\n` +
        `${'input'.padEnd(40)} | ${'output'.padEnd(40)}\n${'yaml-input'.padEnd(40)}\n\n`,
    );
  });
  test('shorthand errors are still reported with an input skeleton', () => {
    assert.match(failure(['start-audit-mitigation-actions-task', '--generate-cli-skeleton', '--target', '{bad']).stderr, /Invalid JSON: Expecting property name/);
  });
});

describe('paging options (§16)', () => {
  const LIST = ['list-audit-tasks', '--start-time', '1', '--end-time', '2'];
  test('--max-items, --page-size, --starting-token go to globals', () => {
    const parsed = parse([...LIST, '--max-items', '5', '--page-size', '2', '--starting-token', 'x']);
    assert.deepEqual([parsed.globals.maxItems, parsed.globals.pageSize, parsed.globals.startingToken], [5, 2, 'x']);
    assert.deepEqual(parsed.paginationGiven, []);
    assert.ok(!Object.hasOwn(parsed.params, 'maxResults'));
  });
  test('--no-paginate conflicts with paging options, in aws order', () => {
    assert.equal(
      failure([...LIST, '--max-items', '2', '--page-size', '3', '--no-paginate', '--starting-token', 'x']).stderr,
      '\nCannot specify --no-paginate along with pagination arguments: --starting-token, --page-size, --max-items\n',
    );
  });
  test("the operation's own token or limit turns paging off (and then conflicts with --max-items)", () => {
    assert.deepEqual(parse([...LIST, '--next-token', 'n']).paginationGiven, ['nextToken']);
    assert.match(failure([...LIST, '--max-results', '3', '--max-items', '2']).stderr, /pagination arguments: --max-items/);
    assert.deepEqual(parse(['list-audit-tasks', '--cli-input-json', '{"startTime":1,"endTime":2,"maxResults":3}']).paginationGiven, ['maxResults']);
  });
  test('a member shadowed by --page-size comes back as the member when paging is off', () => {
    const parsed = parse(['list-ca-certificates', '--page-size', '3']);
    assert.deepEqual(parsed.params, { pageSize: 3 });
    assert.equal(parsed.globals.pageSize, undefined);
    assert.deepEqual(parsed.paginationGiven, ['pageSize']);
    assert.deepEqual(parse(['list-ca-certificates', '--max-items', '3']).globals.maxItems, 3);
  });
});

describe('global options (§12)', () => {
  const CMD = ['describe-audit-task', '--task-id', 'a'];
  test('are accepted anywhere and keep raw values', () => {
    const g = parse(['--debug', ...CMD, '--region', 'r1', '--output=yaml', '--query', 'x', '--no-sign-request', '--cli-read-timeout', '0', '--color', 'off', '--no-cli-pager', '--cli-binary-format', 'base64', '--endpoint-url', 'http://h:1', '--profile', 'p', '--ca-bundle', 'c.pem', '--no-verify-ssl', '--cli-connect-timeout', '5']).globals;
    assert.deepEqual(g, {
      debug: true, region: 'r1', output: 'yaml', query: 'x', noSignRequest: true, cliReadTimeout: 0, color: 'off',
      endpointUrl: 'http://h:1', profile: 'p', caBundle: 'c.pem', noVerifySsl: true, cliConnectTimeout: 5,
      noPaginate: false, version: false,
    });
  });
  test('--output invalid choice in two 40-character columns', () => {
    assert.equal(
      failure([...CMD, '--output', 'xml']).stderr,
      `${USAGE_PREFIX}ddlocal: error: argument --output: Invalid choice, valid choices are:\n\n` +
        `${'json'.padEnd(40)} | ${'text'.padEnd(40)}\n${'table'.padEnd(40)} | ${'yaml'.padEnd(40)}\n${'yaml-stream'.padEnd(40)}\n\n`,
    );
    assert.match(failure([...CMD, '--output', 'yamll']).stderr, /Invalid choice: 'yamll', maybe you meant:\n\n {2}\* yaml\n\n$/);
  });
  test('global errors come before the operation options are looked at', () => {
    assert.match(failure(['describe-audit-task', '--bogus', '--output']).stderr, /argument --output: expected one argument/);
    assert.equal(
      failure([...CMD, '--bogus', '--endpoint-url', 'localhost']).stderr,
      '\nBad value for --endpoint-url "localhost": scheme is missing.  Must be of the form http://<hostname>/ or https://<hostname>/\n',
    );
  });
  test('--cli-auto-prompt is refused, --no-cli-auto-prompt accepted', () => {
    const err = failure([...CMD, '--cli-auto-prompt']);
    assert.equal(err.rc, 252);
    assert.match(err.stderr, /does not support --cli-auto-prompt/);
    assert.equal(parse([...CMD, '--no-cli-auto-prompt']).operation, 'DescribeAuditTask');
  });
  test('timeouts are strict integers; --version short-circuits', () => {
    assert.match(failure([...CMD, '--cli-read-timeout', '1x']).stderr, /argument --cli-read-timeout: invalid int value: '1x'/);
    assert.equal(parse(['--version']).globals.version, true);
  });
});

describe('commands and files (§1, §7, §8)', () => {
  test('unknown commands list the implemented ones with close matches', () => {
    const err = failure(['list-audit-task']);
    assert.match(err.stderr, /argument operation: Invalid choice, valid choices are:\n\nadd-thing-to-thing-group {17}\| attach-policy/);
    assert.match(err.stderr, /Invalid choice: 'list-audit-task', maybe you meant:\n\n {2}\* list-audit-tasks\n\n$/);
    assert.match(failure([]).stderr, /the following arguments are required: operation/);
    // a model operation ddlocal does not implement is not a command
    assert.match(failure(['create-job', '--job-id', 'j']).stderr, /Invalid choice/);
  });
  test('IMPLEMENTED_OPERATIONS equals the server handler table', async () => {
    const { HANDLERS } = await import('../src/server/operations.js');
    assert.deepEqual([...IMPLEMENTED_OPERATIONS].sort(), Object.keys(HANDLERS).sort());
  });
  test('file:// paths expand ~ and $VARS and are relative to cwd', () => {
    const env = { HOME: VECTORS_DIR, FIX: 'fixtures' };
    const viaHome = parseIotCommand(['cancel-audit-mitigation-actions-task', '--task-id', 'file://~/fixtures/taskid_nonl.txt'], { cwd: '/', env });
    assert.equal(viaHome.params.taskId, 't-from-file');
    const viaVar = parseIotCommand(['cancel-audit-mitigation-actions-task', '--task-id', 'file://${FIX}/taskid.txt'], { cwd: VECTORS_DIR, env });
    assert.equal(viaVar.params.taskId, 't-from-file\n');
  });
  test('cli-input key order: command line members in model order, then document keys, then the token', () => {
    const parsed = parse(['start-audit-mitigation-actions-task', '--cli-input-json', '{"clientRequestToken":"t","auditCheckToActionsMapping":{"C":["x"]}}', '--target', 'auditTaskId=a', '--task-id', 'k']);
    assert.deepEqual(Object.keys(parsed.params), ['taskId', 'target', 'clientRequestToken', 'auditCheckToActionsMapping']);
  });
  test('YAML cli input: date-times are accepted, yes/no are booleans, scalars are not a map', () => {
    const parsed = parse(['list-audit-findings', '--cli-input-yaml', 'startTime: 2020-01-02 10:00:00\nendTime: 2020-01-03T00:00:00Z\nlistSuppressedFindings: yes']);
    assert.ok(parsed.params.startTime instanceof Date);
    assert.equal(parsed.params.listSuppressedFindings, true);
    assert.equal(failure(['list-audit-findings', '--cli-input-yaml', 'abc']).stderr, "\nError parsing parameter '--cli-input-yaml': Invalid type: expecting map, received <class 'str'>\n");
    assert.equal(failure(['list-audit-findings', '--cli-input-yaml', '{a: [']).stderr, "\nError parsing parameter 'cli-input-yaml': Invalid YAML received.\n");
    assert.equal(
      failure(['list-audit-findings', '--cli-input-json', 'file://nope.json']).stderr,
      "\nError parsing parameter '--cli-input-json': Unable to load paramfile file://nope.json: [Errno 2] No such file or directory: 'nope.json'\n",
    );
  });
  test('an explicit idempotency token is never replaced; an absent one is a fresh UUID v4', () => {
    const base = ['start-on-demand-audit-task', '--target-check-names', 'A'];
    const a = parse(['start-audit-mitigation-actions-task', '--task-id', 't', '--target', 'auditTaskId=a', '--audit-check-to-actions-mapping', 'C=x', '--client-request-token', 'abc def']);
    assert.equal(a.params.clientRequestToken, 'abc def');
    assert.equal(parse(base).params.clientRequestToken, undefined); // StartOnDemandAuditTask has no token member
  });
});

describe('helpers', () => {
  test("Python's json messages", () => {
    const msg = (t: string): string => {
      try {
        parsePyJson(t);
      } catch (err) {
        return (err as Error).message;
      }
      return 'ok';
    };
    assert.equal(msg('{bad'), 'Expecting property name enclosed in double quotes: line 1 column 2 (char 1)');
    assert.equal(msg('{"a" 1}'), "Expecting ':' delimiter: line 1 column 6 (char 5)");
    assert.equal(msg('[1,\n 2'), "Expecting ',' delimiter: line 2 column 3 (char 6)");
    assert.equal(msg('{} x'), 'Extra data: line 1 column 4 (char 3)');
    assert.equal(msg('"abc'), 'Unterminated string starting at: line 1 column 1 (char 0)');
    assert.equal(msg(''), 'Expecting value: line 1 column 1 (char 0)');
    assert.deepEqual(Object.keys(parsePyJson('{"b":1,"a":2,"b":3}') as object), ['b', 'a']);
    assert.equal((parsePyJson('{"__proto__":1}') as Record<string, unknown>)['__proto__'], 1);
  });
  test("difflib's close matches", () => {
    assert.deepEqual(closeMatches('appel', ['ape', 'apple', 'peach', 'puppy'], 3, 0.6), ['apple', 'ape']);
  });
  test('timestamps of Dec C17', () => {
    const iso = (t: string): string | undefined => parseCliTimestamp(t)?.toISOString();
    assert.equal(iso('1577836800'), '2020-01-01T00:00:00.000Z');
    assert.equal(iso('2020-01-01T10:00:00+02:00'), '2020-01-01T08:00:00.000Z');
    assert.equal(iso('2020-01-01 10:00'), '2020-01-01T10:00:00.000Z');
    assert.equal(iso('Jan 1 2020'), '2020-01-01T00:00:00.000Z');
    assert.equal(iso('Wed, 01 Jan 2020 10:00:00 +0100'), '2020-01-01T09:00:00.000Z');
    assert.equal(iso('2020-02-30'), undefined);
    assert.equal(iso('not-a-date'), undefined);
  });
});
