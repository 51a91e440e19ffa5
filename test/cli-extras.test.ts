// `ddlocal reset|clock|preview|undo` and `ddlocal iot … --wait` (docs/cli-extras.md) as a user runs them: the built
// executable as a child process against a real server — open mode on both stores, strict mode with a credentials
// table — checking stdout, stderr (the --wait progress lines and bar, with rate and ETA), the server's state afterwards
// (through the official SDK), the aws CLI's error texts and exit codes (252 usage, 253 configuration, 254 service
// error, 255 connection and partial credentials) and that strict mode's signatures and permissions hold, also with
// ddlocal's clock moved days away from the real time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  CancelAuditTaskCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  DeleteThingCommand,
  DescribeAuditMitigationActionsTaskCommand,
  GetPolicyCommand,
  IoTClient,
  ListAuditMitigationActionsTasksCommand,
  ListAuditTasksCommand,
  ListThingsCommand,
  UpdateAccountAuditConfigurationCommand,
} from '@aws-sdk/client-iot';
import { forEachStore, startTestServer, type TestServer } from './helpers/server.js';
import { BROAD, mitigationScenario } from './helpers/mitigation-scenario.js';
import { cleanAwsEnv, runCommand, SCRIPT_BIN, type CommandResult } from './helpers/ddlocal-command.js';
import { freePort } from './helpers/cli-runner.js';
import { tempDir } from './helpers/temp-dir.js';
import { AUDIT_CHECKS } from '../src/audit/checks/index.js';
import { ACTION_IMPLEMENTATIONS } from '../src/mitigation/actions/index.js';

const ACCOUNT_A = '111122223333';
const ACCOUNT_B = '444455556666';

function as(accountId: string, extra: Record<string, string | undefined> = {}): Record<string, string> {
  return cleanAwsEnv({ AWS_ACCESS_KEY_ID: accountId, AWS_SECRET_ACCESS_KEY: 'secret', AWS_DEFAULT_REGION: 'us-east-1', ...extra });
}

function json(result: CommandResult): any {
  assert.equal(result.rc, 0, `exit code 0 expected; stderr: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

function assertFails(result: CommandResult, rc: number, stderr: RegExp | string): void {
  assert.equal(result.rc, rc, `exit code ${rc} expected, got ${result.rc}; stdout: ${result.stdout} stderr: ${result.stderr}`);
  if (typeof stderr === 'string') assert.equal(result.stderr, stderr);
  else assert.match(result.stderr, stderr);
  assert.equal(result.stdout, '');
}

async function thingNames(iot: IoTClient): Promise<string[]> {
  return ((await iot.send(new ListThingsCommand({}))).things ?? []).map((t) => t.thingName!).sort();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** The id of the account's one audit task, once it exists. */
async function auditTaskOf(iot: IoTClient): Promise<string | undefined> {
  const { tasks } = await iot.send(
    new ListAuditTasksCommand({ taskType: 'ON_DEMAND_AUDIT_TASK', startTime: new Date(Date.now() - 3_600_000), endTime: new Date(Date.now() + 3_600_000) }),
  );
  return tasks?.[0]?.taskId;
}

/** Whether the account has the mitigation task yet (without a Describe call, which pacedWait counts). */
async function mitigationTaskExists(iot: IoTClient, auditTaskId: string, taskId: string): Promise<boolean> {
  const { tasks } = await iot.send(
    new ListAuditMitigationActionsTasksCommand({ auditTaskId, startTime: new Date(Date.now() - 3_600_000), endTime: new Date(Date.now() + 3_600_000) }),
  );
  return (tasks ?? []).some((t) => t.taskId === taskId);
}

/** How many requests of an operation the server has answered, from its Prometheus counter. */
async function answered(server: TestServer, operation: string): Promise<number> {
  const text = await (await fetch(`${server.url}/_ddlocal/metrics`)).text();
  let count = 0;
  for (const m of text.matchAll(/^ddlocal_http_requests_total\{([^}]*)\} (\d+)$/gm))
    if (m[1]!.includes(`operation="${operation}"`)) count += Number(m[2]);
  return count;
}

/** A task runner of the in-process server (AuditRunner, MitigationRunner): only what pacing needs. */
interface Runner {
  pause(): void;
  resume(): void;
  /** Waits for the pass in progress; while paused, the pass it then runs does no task work. */
  runOnce(): Promise<void>;
}

/**
 * Runs a `--wait` command while pacing the server's runner, so that the progress display sees what a long task
 * shows — work finished between two polls, hence a rate and an ETA — in a few seconds and whatever this machine's
 * speed. The runner is paused while the task starts, so the command's first poll (a `describe` request, counted by the
 * server's metrics) sees nothing finished. Then it works until the hook that `holdAfterFirstItem` installs pauses it
 * part-way, and stays held until two more polls have seen that partial progress; then the task finishes.
 */
async function pacedWait(
  server: TestServer,
  describe: string,
  runner: Runner,
  holdAfterFirstItem: (pause: () => void) => () => void,
  taskStarted: () => Promise<boolean>,
  command: () => Promise<CommandResult>,
): Promise<CommandResult> {
  const polls = async (atLeast: number) => until(async () => (await answered(server, describe)) >= atLeast, `${describe} request ${atLeast}`);
  runner.pause();
  let held!: () => void;
  const holding = new Promise<void>((resolve) => (held = resolve));
  const unhook = holdAfterFirstItem(() => {
    runner.pause();
    held();
  });
  try {
    const before = await answered(server, describe);
    const result = command();
    await until(taskStarted, 'the task to start');
    await polls(before + 1);
    runner.resume();
    await holding;
    // The held item's results are committed once the runner's pass in progress has returned.
    await runner.runOnce();
    await polls((await answered(server, describe)) + 2);
    unhook();
    runner.resume();
    return await result;
  } finally {
    unhook();
    runner.resume();
  }
}

/** Makes the first run of one audit check pause the runner: the checks after it wait until the runner resumes. */
function holdAuditAfter(checkName: string): (pause: () => void) => () => void {
  return (pause) => {
    const check = AUDIT_CHECKS.get(checkName)!;
    const original = check.run;
    check.run = (ctx) => {
      pause();
      return original.call(check, ctx);
    };
    return () => {
      check.run = original;
    };
  };
}

/** Makes the first execution of one mitigation action type pause the runner: the findings after it wait. */
function holdMitigationAfter(actionType: Parameters<typeof ACTION_IMPLEMENTATIONS.get>[0]): (pause: () => void) => () => void {
  return (pause) => {
    const module = ACTION_IMPLEMENTATIONS.get(actionType)!;
    const original = module.apply;
    module.apply = (ctx) => {
      pause();
      return original.call(module, ctx);
    };
    return () => {
      module.apply = original;
    };
  };
}

/** A rate as the progress display writes it: `– findings/s` before any progress, `1.7 findings/s`, `12 findings/s`. */
const RATE = (unit: string) => String.raw`(?:\d+(?:\.\d)?|–) ${unit}\/s`;
const MEASURED_RATE = (unit: string) => String.raw`\d+(?:\.\d)? ${unit}\/s`;
/** A finite ETA: `ETA 2s`, `ETA 1m05s`. */
const ETA = String.raw`ETA (?:\d+s|\d+m\d{2}s|\d+h\d{2}m)`;

forEachStore('ddlocal reset, clock, preview, undo in open mode', (suite) => {
  let server: TestServer;
  let endpoint: string[];
  before(() => {
    server = suite.server;
    endpoint = ['--endpoint-url', server.url];
  });
  const ddlocal = (args: string[], accountId = ACCOUNT_A) => runCommand([...args, ...endpoint], as(accountId));

  test('clock: show, advance by a human duration, set, freeze, reset', async () => {
    const shown = json(await ddlocal(['clock']));
    assert.equal(shown.mode, 'system');
    assert.ok(Math.abs(Date.parse(shown.now) - Date.now()) < 60_000);
    assert.equal(json(await ddlocal(['clock', 'advance', '1h30m'])).offsetSeconds, 5400);
    assert.equal(json(await ddlocal(['clock', 'advance', '20d'])).offsetSeconds, 5400 + 20 * 86_400);
    assert.equal(json(await ddlocal(['clock', 'advance', '-90'])).offsetSeconds, 5400 + 20 * 86_400 - 90);
    const set = json(await ddlocal(['clock', 'set', '2030-01-01T00:00:00Z']));
    assert.equal(set.now.slice(0, 16), '2030-01-01T00:00');
    const frozen = json(await ddlocal(['clock', 'freeze']));
    assert.equal(frozen.mode, 'fixed');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(json(await ddlocal(['clock'])).now, frozen.now);
    assert.equal(json(await ddlocal(['clock', 'reset'])).mode, 'system');
  });

  test('clock: usage errors (252) and service errors (254) as the aws CLI words them', async () => {
    assertFails(await ddlocal(['clock', 'advance', '1x']), 252, /ddlocal: error: 1x is not a duration/);
    assertFails(await ddlocal(['clock', 'advance']), 252, /clock advance needs a duration/);
    assertFails(await ddlocal(['clock', 'rewind']), 252, /unknown clock command rewind/);
    assertFails(await ddlocal(['clock', 'freeze', 'now']), 252, /unexpected argument now/);
    assertFails(await ddlocal(['clock', '--frozen']), 252, /unknown option --frozen/);
    // A long run of digits and units must be refused at once, not explored.
    assertFails(await ddlocal(['clock', 'advance', '1d'.repeat(50_000)]), 252, /is not a duration/);
    assertFails(
      await ddlocal(['clock', 'set', 'tomorrow']),
      254,
      '\nAn error occurred (InvalidRequestException) when calling the SetClock operation: set must be an ISO-8601 date-time with Z or an offset, such as 2030-01-01T00:00:00Z\n',
    );
    assertFails(await ddlocal(['clock', 'set', '99999-01-01T00:00:00Z']), 254, /InvalidRequestException\) when calling the SetClock operation/);
    assert.equal(json(await ddlocal(['clock'])).mode, 'system');
  });

  test('reset --account deletes one account (or one region of it); --all deletes every account', async () => {
    const a = server.iot(ACCOUNT_A);
    const b = server.iot(ACCOUNT_B);
    const aWest = server.iot(ACCOUNT_A, 'us-west-2');
    await a.send(new CreateThingCommand({ thingName: 'a-east' }));
    await aWest.send(new CreateThingCommand({ thingName: 'a-west' }));
    await b.send(new CreateThingCommand({ thingName: 'b-east' }));

    const regional = await ddlocal(['reset', '--account', ACCOUNT_A, '--region', 'us-west-2']);
    assert.deepEqual([regional.rc, regional.stdout, regional.stderr], [0, '', '']);
    assert.deepEqual(await thingNames(aWest), []);
    assert.deepEqual(await thingNames(a), ['a-east']);

    assert.equal((await ddlocal(['reset', '--account', ACCOUNT_A])).rc, 0);
    assert.deepEqual(await thingNames(a), []);
    assert.deepEqual(await thingNames(b), ['b-east']);

    await a.send(new CreateThingCommand({ thingName: 'a-again' }));
    await ddlocal(['clock', 'advance', '1h']);
    assert.equal((await ddlocal(['reset', '--all'])).rc, 0);
    assert.deepEqual(await thingNames(a), []);
    assert.deepEqual(await thingNames(b), []);
    assert.equal(json(await ddlocal(['clock'])).mode, 'system', '--all resets the clock too');
  });

  test('reset: the dangerous variant is never the default; bad flags are usage errors', async () => {
    await server.iot(ACCOUNT_B).send(new CreateThingCommand({ thingName: 'survivor' }));
    assertFails(await ddlocal(['reset']), 252, /name the account to reset with --account <12 digits>, or reset everything with --all/);
    assertFails(await ddlocal(['reset', '--all', '--account', ACCOUNT_A]), 252, /--all and --account cannot be combined/);
    assertFails(await ddlocal(['reset', '--all', '--region', 'us-east-1']), 252, /--all resets every region/);
    assertFails(await ddlocal(['reset', '--account', '1234']), 252, /1234 is not a 12-digit account id/);
    assertFails(await ddlocal(['reset', '--account']), 252, /argument --account: expected one argument/);
    assertFails(await ddlocal(['reset', '--all=yes']), 252, /argument --all: takes no value/);
    // --region is also the region the request is signed for, so the server refuses a bad one at the door.
    assertFails(await ddlocal(['reset', '--account', ACCOUNT_B, '--region', 'mars']), 254, /\(InvalidRequestException\) when calling the Reset operation: 'mars' in the credential scope is not a valid AWS region name/);
    assert.deepEqual(await thingNames(server.iot(ACCOUNT_B)), ['survivor']);
  });

  test('preview takes the arguments of start-audit-mitigation-actions-task; undo restores what the task changed', async () => {
    const accountId = suite.store === 'sqlite' ? '222233334444' : '222233335555';
    const s = await mitigationScenario(server, accountId);
    const mitigationArgs = [
      '--target', `auditTaskId=${s.auditTaskId}`,
      '--audit-check-to-actions-mapping', 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK=[ResetPolicyVersionAction]',
    ];
    const preview = json(await ddlocal(['preview', ...mitigationArgs], accountId));
    assert.deepEqual(preview.plannedExecutions.map((e: any) => e.outcome), ['WOULD_CHANGE', 'WOULD_CHANGE']);
    assert.equal(preview.taskStatistics.IOT_POLICY_OVERLY_PERMISSIVE_CHECK.totalFindingsCount, 2);
    // Paging, and the JSON form of the same input through --cli-input-json.
    const page = json(await ddlocal(['preview', ...mitigationArgs, '--max-results', '1'], accountId));
    assert.equal(page.plannedExecutions.length, 1);
    assert.equal(typeof page.nextToken, 'string');
    const rest = json(await ddlocal(['preview', ...mitigationArgs, '--max-results=1', '--next-token', page.nextToken], accountId));
    assert.deepEqual([...page.plannedExecutions, ...rest.plannedExecutions], preview.plannedExecutions);
    const document = JSON.stringify({ target: { auditTaskId: s.auditTaskId }, auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicyVersionAction'] } });
    assert.deepEqual(json(await ddlocal(['preview', '--cli-input-json', document], accountId)).plannedExecutions, preview.plannedExecutions);
    // The preview changed nothing; the task replaces the policy with BLANK_POLICY (a Deny), undo brings it back.
    const allows = async () => /"Effect":\s*"Allow"/.test((await s.iot.send(new GetPolicyCommand({ policyName: 'broad-a' }))).policyDocument!);
    assert.equal(await allows(), true);

    const run = await runCommand(['iot', 'start-audit-mitigation-actions-task', '--task-id', 'cli-extras-task', ...mitigationArgs, '--wait', ...endpoint], as(accountId));
    assert.equal(run.rc, 0, run.stderr);
    assert.equal(await allows(), false);
    const undone = json(await ddlocal(['undo', '--task-id', 'cli-extras-task'], accountId));
    assert.deepEqual(undone.results.map((r: any) => r.outcome), ['RESTORED', 'RESTORED']);
    assert.equal(await allows(), true);
    const again = json(await ddlocal(['undo', '--task-id=cli-extras-task'], accountId));
    assert.deepEqual(again.results.map((r: any) => r.outcome), ['ALREADY_UNDONE', 'ALREADY_UNDONE']);
    assert.equal((await s.iot.send(new DescribeAuditMitigationActionsTaskCommand({ taskId: 'cli-extras-task' }))).taskStatus, 'COMPLETED');
  });

  test('start-on-demand-audit-task --wait: a progress line per change naming every check, the final description, exit 0', async () => {
    const accountId = suite.store === 'sqlite' ? '555566667777' : '555566668888';
    const iot = server.iot(accountId);
    const checks = ['LOGGING_DISABLED_CHECK', 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK'];
    await iot.send(
      new UpdateAccountAuditConfigurationCommand({
        roleArn: `arn:aws:iam::${accountId}:role/audit`,
        auditCheckConfigurations: Object.fromEntries(checks.map((c) => [c, { enabled: true }])),
      }),
    );
    await iot.send(new CreatePolicyCommand({ policyName: 'broad', policyDocument: BROAD }));

    const run = await ddlocal(['iot', 'start-on-demand-audit-task', '--target-check-names', ...checks, '--wait'], accountId);
    const task = json(run);
    // stdout: describe-audit-task's output, led by the id of the task it waited for.
    assert.match(task.taskId, /^[0-9a-f]{32}$/);
    assert.equal(Object.keys(task)[0], 'taskId');
    assert.equal(task.taskStatus, 'COMPLETED');
    assert.equal(task.taskType, 'ON_DEMAND_AUDIT_TASK');
    assert.deepEqual(
      [task.taskStatistics.totalChecks, task.taskStatistics.nonCompliantChecks, task.taskStatistics.inProgressChecks],
      [2, 2, 0],
    );
    for (const check of checks) {
      assert.equal(task.auditDetails[check].checkRunStatus, 'COMPLETED_NON_COMPLIANT', check);
      assert.equal(task.auditDetails[check].nonCompliantResourcesCount, 1, check);
    }
    // stderr: one plain line per change, each with the counts, rate, ETA and every check's state; the last one final.
    const lines = run.stderr.trimEnd().split('\n');
    assert.doesNotMatch(run.stderr, /\r|\x1b\[/, 'no terminal control codes when stdout is not a terminal');
    for (const line of lines) {
      assert.match(line, new RegExp(String.raw`^${task.taskId} (IN_PROGRESS|COMPLETED) \d\/2 checks \(${RATE('checks')}, ETA (?:\S+)\): `), line);
      for (const check of checks) assert.match(line, new RegExp(String.raw`\b${check} [A-Z_]+`), `${check} in ${line}`);
    }
    assert.match(
      lines.at(-1)!,
      new RegExp(
        String.raw`^${task.taskId} COMPLETED 2\/2 checks \(${RATE('checks')}, ETA 0s\): ` +
          String.raw`IOT_POLICY_OVERLY_PERMISSIVE_CHECK COMPLETED_NON_COMPLIANT \(1\/1 resources non-compliant\); ` +
          String.raw`LOGGING_DISABLED_CHECK COMPLETED_NON_COMPLIANT \(1\/1 resources non-compliant\)$`,
      ),
    );
    assert.equal(new Set(lines).size, lines.length, 'a line is printed only when the state changes');
  });

  test('preview and undo: usage errors from the iot parser, service errors from the endpoint', async () => {
    assertFails(await ddlocal(['preview']), 252, /the following arguments are required: --target, --audit-check-to-actions-mapping/);
    assertFails(await ddlocal(['preview', '--target', 'auditTaskId=x', '--audit-check-to-actions-mapping', 'A=[b]', '--wait']), 252, /--wait has no meaning for a preview/);
    assertFails(await ddlocal(['preview', '--target', 'auditTaskId=x', '--audit-check-to-actions-mapping', 'A=[b]', '--max-results', 'ten']), 252, /invalid int value: 'ten'/);
    assertFails(await ddlocal(['preview', '--target', 'auditTaskId=x', '--audit-check-to-actions-mapping', 'A=[b]', '--bogus', '1']), 252, /Unknown options: --bogus, 1/);
    assertFails(
      await ddlocal(['preview', '--target', 'auditTaskId=nope', '--audit-check-to-actions-mapping', 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK=[b]']),
      254,
      /^\nAn error occurred \(\w+Exception\) when calling the PreviewAuditMitigationActionsTask operation: .+\n$/,
    );
    assertFails(await ddlocal(['undo']), 252, /the following arguments are required: --task-id/);
    assertFails(await ddlocal(['undo', '--task-id', 'a', 'b']), 252, /unexpected argument b/);
    assertFails(
      await ddlocal(['undo', '--task-id', 'no-such-task']),
      254,
      /^\nAn error occurred \(ResourceNotFoundException\) when calling the UndoAuditMitigationActionsTask operation: .*no-such-task.*\n$/,
    );
    // A task id with characters that need encoding reaches the endpoint as one path segment.
    assertFails(await ddlocal(['undo', '--task-id', 'a/b?c']), 254, /when calling the UndoAuditMitigationActionsTask operation/);
  });

  test('--help prints the synopsis and exits 0', async () => {
    for (const command of ['reset', 'clock', 'preview', 'undo']) {
      const help = await ddlocal([command, '--help']);
      assert.equal(help.rc, 0);
      assert.match(help.stdout, new RegExp(`^usage: ddlocal ${command} `));
    }
  });
});

describe('--wait on a task that takes a while: progress with a rate and an ETA, and how a task that does not complete ends', () => {
  let server: TestServer;
  before(async () => {
    // One finding per mitigation batch: a pause after the first execution then leaves the others for later.
    server = await startTestServer('sqlite', { mitigationBatchSize: 1 });
  });
  after(() => server?.close());
  const AUDIT_CHECK_NAMES = ['LOGGING_DISABLED_CHECK', 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 'CA_CERTIFICATE_EXPIRING_CHECK', 'DEVICE_CERTIFICATE_EXPIRING_CHECK'];
  const wait = (args: string[], accountId: string, tty = false) =>
    runCommand([...args, '--wait', '--endpoint-url', server.url], as(accountId), { tty });

  async function auditAccount(accountId: string): Promise<IoTClient> {
    const iot = server.iot(accountId);
    await iot.send(
      new UpdateAccountAuditConfigurationCommand({
        roleArn: `arn:aws:iam::${accountId}:role/audit`,
        auditCheckConfigurations: Object.fromEntries(AUDIT_CHECK_NAMES.map((c) => [c, { enabled: true }])),
      }),
    );
    return iot;
  }

  /** The audit of AUDIT_CHECK_NAMES, held after its second check for a few polls. */
  async function pacedAudit(accountId: string, tty: boolean): Promise<CommandResult> {
    const iot = await auditAccount(accountId);
    return pacedWait(
      server,
      'DescribeAuditTask',
      server.auditRunner,
      holdAuditAfter('IOT_POLICY_OVERLY_PERMISSIVE_CHECK'),
      async () => (await auditTaskOf(iot)) !== undefined,
      () => wait(['iot', 'start-on-demand-audit-task', '--target-check-names', ...AUDIT_CHECK_NAMES], accountId, tty),
    );
  }

  /** A mitigation task of three findings (two policies, logging), held after the first policy's reset for a few polls. */
  async function pacedMitigation(accountId: string, taskId: string, tty: boolean): Promise<CommandResult> {
    const s = await mitigationScenario(server, accountId);
    return pacedWait(
      server,
      'DescribeAuditMitigationActionsTask',
      server.mitigationRunner,
      holdMitigationAfter('REPLACE_DEFAULT_POLICY_VERSION'),
      () => mitigationTaskExists(s.iot, s.auditTaskId, taskId),
      () =>
        wait(
          [
            'iot', 'start-audit-mitigation-actions-task', '--task-id', taskId, '--target', `auditTaskId=${s.auditTaskId}`,
            '--audit-check-to-actions-mapping', 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK=[ResetPolicyVersionAction],LOGGING_DISABLED_CHECK=[EnableLogging]',
          ],
          accountId,
          tty,
        ),
    );
  }

  test('audit, plain lines: none finished (no rate yet), part finished with a measured rate and ETA, then COMPLETED', async () => {
    const run = await pacedAudit('777700000001', false);
    const task = json(run);
    assert.equal(task.taskStatus, 'COMPLETED');
    const lines = run.stderr.trimEnd().split('\n');
    assert.match(lines[0]!, new RegExp(String.raw`^${task.taskId} IN_PROGRESS 0\/4 checks \(– checks\/s, ETA –\): `));
    const partial = lines.filter((line) => / IN_PROGRESS [123]\/4 checks /.test(line));
    assert.ok(partial.length > 0, `a line with part of the checks finished:\n${run.stderr}`);
    for (const line of partial) assert.match(line, new RegExp(String.raw` IN_PROGRESS [123]\/4 checks \(${MEASURED_RATE('checks')}, ${ETA}\): `));
    assert.match(lines.at(-1)!, new RegExp(String.raw`^${task.taskId} COMPLETED 4\/4 checks \(${MEASURED_RATE('checks')}, ETA 0s\): `));
  });

  test('mitigation, plain lines: the same in findings', async () => {
    const run = await pacedMitigation('777700000002', 'paced-plain', false);
    const task = json(run);
    assert.equal(task.taskStatus, 'COMPLETED');
    const lines = run.stderr.trimEnd().split('\n');
    assert.match(lines[0]!, /^paced-plain IN_PROGRESS 0\/3 findings \(– findings\/s, ETA –\): /);
    const partial = lines.filter((line) => / IN_PROGRESS [12]\/3 findings /.test(line));
    assert.ok(partial.length > 0, `a line with part of the findings done:\n${run.stderr}`);
    for (const line of partial) assert.match(line, new RegExp(String.raw` IN_PROGRESS [12]\/3 findings \(${MEASURED_RATE('findings')}, ${ETA}\): `));
    assert.match(lines.at(-1)!, new RegExp(String.raw`^paced-plain COMPLETED 3\/3 findings \(${MEASURED_RATE('findings')}, ETA 0s\): `));
  });

  test('on a terminal: a bar redrawn in place with the rate and the ETA, for audits and mitigation tasks', { skip: SCRIPT_BIN ? false : 'no script(1) to run the command on a terminal' }, async () => {
    const audit = await pacedAudit('777700000003', true);
    assert.equal(audit.rc, 0, audit.stdout);
    // On a terminal stdout and stderr are one stream: the bar, then the final state per check, then the description.
    assert.match(audit.stdout, new RegExp(String.raw`\r\x1b\[2K\[\.{24}\]\s+0% IN_PROGRESS 0\/4 checks – checks\/s, ETA –`));
    assert.match(audit.stdout, new RegExp(String.raw`\r\x1b\[2K\[#+\.+\]\s+\d+% IN_PROGRESS [123]\/4 checks ${MEASURED_RATE('checks')}, ${ETA}`));
    assert.match(audit.stdout, new RegExp(String.raw`\r\x1b\[2K\[#{24}\] 100% COMPLETED 4\/4 checks ${MEASURED_RATE('checks')}, ETA 0s`));
    assert.match(audit.stdout, /^ {2}LOGGING_DISABLED_CHECK COMPLETED_NON_COMPLIANT \(1\/1 resources non-compliant\)\r?$/m);

    const mitigation = await pacedMitigation('777700000004', 'paced-tty', true);
    assert.equal(mitigation.rc, 0, mitigation.stdout);
    assert.match(mitigation.stdout, new RegExp(String.raw`\r\x1b\[2K\[\.{24}\]\s+0% IN_PROGRESS 0\/3 findings – findings\/s, ETA –`));
    assert.match(mitigation.stdout, new RegExp(String.raw`\r\x1b\[2K\[#+\.+\]\s+\d+% IN_PROGRESS [12]\/3 findings ${MEASURED_RATE('findings')}, ${ETA}`));
    assert.match(mitigation.stdout, new RegExp(String.raw`\r\x1b\[2K\[#{24}\] 100% COMPLETED 3\/3 findings ${MEASURED_RATE('findings')}, ETA 0s`));
    assert.match(mitigation.stdout, /^ {2}IOT_POLICY_OVERLY_PERMISSIVE_CHECK 2\/2 \(2 ok, 0 failed, 0 skipped, 0 canceled\)\r?$/m);
  });

  test('an audit canceled while waiting: exit 1, CANCELED on stderr and in the description', async () => {
    const accountId = '777700000005';
    const iot = await auditAccount(accountId);
    server.auditRunner.pause();
    try {
      const running = wait(['iot', 'start-on-demand-audit-task', '--target-check-names', ...AUDIT_CHECK_NAMES, '--query', 'taskStatus', '--output', 'text'], accountId);
      let taskId: string | undefined;
      await until(async () => (taskId = await auditTaskOf(iot)) !== undefined, 'the audit task to start');
      await iot.send(new CancelAuditTaskCommand({ taskId }));
      const run = await running;
      assert.equal(run.rc, 1, run.stderr);
      assert.equal(run.stdout, 'CANCELED\n', '--query and --output apply to the final description');
      assert.match(run.stderr.trimEnd().split('\n').at(-1)!, new RegExp(String.raw`^${taskId} CANCELED \d\/4 checks \(`));
    } finally {
      server.auditRunner.resume();
    }
  });
});

describe('ddlocal extension commands: endpoint resolution and connection failures', () => {
  test('an endpoint nobody listens on: exit 255 with the URL', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await runCommand(['reset', '--all', '--endpoint-url', url], as(ACCOUNT_A));
    assertFails(result, 255, `\nCould not connect to the endpoint URL: "${url}/_ddlocal/reset"\n`);
  });

  // Regression: a read timeout was reported as "Could not connect", which tells a user the request never arrived —
  // wrong for a slow import that the server may still be committing.
  test('a server that accepts but does not answer: a read timeout, named as aws names it', async () => {
    const silent = createServer(() => {}); // accepts connections, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const result = await runCommand(['clock', '--cli-read-timeout', '1', '--endpoint-url', url], as(ACCOUNT_A));
      assertFails(result, 255, `\nRead timeout on endpoint URL: "${url}/_ddlocal/clock"\n`);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('AWS_ENDPOINT_URL and the endpoint without a scheme are handled as ddlocal iot handles them', async () => {
    const server = await startTestServer('sqlite');
    try {
      const viaEnv = await runCommand(['clock'], as(ACCOUNT_A, { AWS_ENDPOINT_URL: server.url }));
      assert.equal(json(viaEnv).mode, 'system');
      assertFails(await runCommand(['clock', '--endpoint-url', '127.0.0.1:4580'], as(ACCOUNT_A)), 252, /scheme is missing/);
      // An explicit endpoint without credentials: aws's "Unable to locate credentials", 253.
      const anonymous = await runCommand(['clock', '--endpoint-url', server.url], as(ACCOUNT_A, { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }));
      assertFails(anonymous, 253, '\nUnable to locate credentials. You can configure credentials by running "aws configure".\n');
      assertFails(await runCommand(['clock', '--profile', 'nobody', '--endpoint-url', server.url], as(ACCOUNT_A)), 253, '\nThe config profile (nobody) could not be found\n');
    } finally {
      await server.close();
    }
  });
  test("AWS_ACCESS_KEY_ID without AWS_SECRET_ACCESS_KEY: aws's partial-credentials error and exit 255, nothing sent", async () => {
    const server = await startTestServer('sqlite');
    try {
      await server.iot(ACCOUNT_A).send(new CreateThingCommand({ thingName: 'kept' }));
      const partial = as(ACCOUNT_A, { AWS_SECRET_ACCESS_KEY: undefined });
      const message = '\nPartial credentials found in env, missing: AWS_SECRET_ACCESS_KEY\n';
      for (const args of [['iot', 'list-things'], ['reset', '--all'], ['clock']])
        assertFails(await runCommand([...args, '--endpoint-url', server.url], partial), 255, message);
      // Towards the default local endpoint too: no silent fall-back to the default account.
      assertFails(await runCommand(['iot', 'list-things'], partial), 255, message);
      assertFails(await runCommand(['clock'], partial), 255, message);
      assert.deepEqual(await thingNames(server.iot(ACCOUNT_A)), ['kept'], 'the reset was never sent');

      // --profile on the command line makes aws ignore the environment's keys; AWS_PROFILE does not.
      const home = tempDir('ddlocal-cli-extras-profile-');
      const credentials = join(home, 'credentials');
      writeFileSync(credentials, `[tester]\naws_access_key_id = ${ACCOUNT_A}\naws_secret_access_key = from-file\n`);
      const withFile = { ...partial, AWS_SHARED_CREDENTIALS_FILE: credentials };
      const viaFlag = await runCommand(['iot', 'list-things', '--profile', 'tester', '--query', 'things[].thingName', '--output', 'text', '--endpoint-url', server.url], withFile);
      assert.deepEqual([viaFlag.rc, viaFlag.stdout, viaFlag.stderr], [0, 'kept\n', '']);
      assert.equal(json(await runCommand(['clock', '--profile', 'tester', '--endpoint-url', server.url], withFile)).mode, 'system');
      assertFails(await runCommand(['iot', 'list-things', '--endpoint-url', server.url], { ...withFile, AWS_PROFILE: 'tester' }), 255, message);
      // A secret without a key id is no environment credential at all: the chain goes on (here to the profile).
      const secretOnly = as(ACCOUNT_A, { AWS_ACCESS_KEY_ID: undefined, AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_PROFILE: 'tester' });
      assert.equal(json(await runCommand(['clock', '--endpoint-url', server.url], secretOnly)).mode, 'system');
      // --no-sign-request signs nothing, so needs no secret.
      assert.equal((await runCommand(['clock', '--no-sign-request', '--endpoint-url', server.url], partial)).rc, 0);
    } finally {
      await server.close();
    }
  });
});

describe('ddlocal extension commands in strict mode', () => {
  const ADMIN = { accessKeyId: 'extras-admin', secretAccessKey: 'admin/secret+1' };
  const TENANT = { accessKeyId: 'AKIAEXTRASTENANT1', secretAccessKey: 'tenant-secret' };
  const RESETTER = { accessKeyId: 'AKIAEXTRASRESET1', secretAccessKey: 'resetter-secret' };
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', {
      authMode: 'strict',
      credentials: [
        { ...ADMIN, accountId: ACCOUNT_A, admin: true },
        { ...TENANT, accountId: ACCOUNT_B },
        {
          ...RESETTER,
          accountId: ACCOUNT_B,
          principalArn: `arn:aws:iam::${ACCOUNT_B}:role/Resetter`,
          policies: [{ name: 'iot-only', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] } }],
        },
      ],
    });
  });
  after(() => server?.close());
  const run = (key: { accessKeyId: string; secretAccessKey: string }, args: string[]) =>
    runCommand([...args, '--endpoint-url', server.url], as(key.accessKeyId, { AWS_SECRET_ACCESS_KEY: key.secretAccessKey }));
  const client = (key: { accessKeyId: string; secretAccessKey: string }) =>
    new IoTClient({ endpoint: server.url, region: 'us-east-1', credentials: { ...key }, maxAttempts: 1 });

  test('signed requests: an admin moves the clock and resets everything', async () => {
    assert.equal(json(await run(ADMIN, ['clock', 'advance', '5m'])).offsetSeconds, 300);
    assert.equal(json(await run(TENANT, ['clock'])).offsetSeconds, 300, 'reading the clock is allowed to an account root');
    await client(TENANT).send(new CreateThingCommand({ thingName: 'tenant-thing' }));
    assert.equal((await run(ADMIN, ['reset', '--all'])).rc, 0);
    assert.deepEqual(await thingNames(client(TENANT)), []);
    assert.equal(json(await run(ADMIN, ['clock'])).mode, 'system');
  });

  test('moving the clock 20 days does not lock out clients that sign with the real time', async () => {
    // Regression: strict mode used to check a signature's X-Amz-Date against ddlocal's moved clock, so after
    // `ddlocal clock advance 20d` (to test certificate expiry) every correctly signed request was "Signature expired".
    try {
      const advanced = json(await run(ADMIN, ['clock', 'advance', '20d']));
      assert.equal(advanced.offsetSeconds, 20 * 86_400);
      await client(TENANT).send(new CreateThingCommand({ thingName: 'after-20-days' }));
      const listed = await run(TENANT, ['iot', 'list-things', '--query', 'things[].thingName', '--output', 'text']);
      assert.deepEqual([listed.rc, listed.stderr], [0, ''], `list-things after the clock moved 20 days: ${listed.stderr}`);
      assert.equal(listed.stdout, 'after-20-days\n');
      assert.deepEqual(await thingNames(client(TENANT)), ['after-20-days'], 'an SDK call signed with the real time');
      // The extension endpoints too: the admin moves the clock back, signing with the real time.
      assert.equal(json(await run(ADMIN, ['clock', 'reset'])).mode, 'system');
      // The skew is still enforced, against the real time: a signature 16 minutes old is refused.
      const stale = new IoTClient({
        endpoint: server.url,
        region: 'us-east-1',
        credentials: { ...TENANT },
        maxAttempts: 1,
        systemClockOffset: -16 * 60_000,
      });
      await assert.rejects(stale.send(new ListThingsCommand({})), (err: Error) => err.name === 'InvalidSignatureException' && /^Signature expired: /.test(err.message));
    } finally {
      server.clock.reset();
      await client(TENANT).send(new DeleteThingCommand({ thingName: 'after-20-days' }));
    }
  });

  test("a non-admin resets its own account only, and may not move the clock", async () => {
    await client(TENANT).send(new CreateThingCommand({ thingName: 'mine' }));
    await client(ADMIN).send(new CreateThingCommand({ thingName: 'admins' }));
    assertFails(await run(TENANT, ['clock', 'advance', '1d']), 254, /^\nAn error occurred \(AccessDeniedException\) when calling the SetClock operation: Moving ddlocal's clock needs an admin credential/);
    assertFails(await run(TENANT, ['reset', '--all']), 254, /\(AccessDeniedException\) when calling the Reset operation: A reset of every account \(and the clock\) needs an admin credential/);
    assertFails(await run(TENANT, ['reset', '--account', ACCOUNT_A]), 254, /\(AccessDeniedException\) when calling the Reset operation: A reset of account 111122223333/);
    assert.deepEqual(await thingNames(client(ADMIN)), ['admins']);
    assert.equal((await run(TENANT, ['reset', '--account', ACCOUNT_B])).rc, 0);
    assert.deepEqual(await thingNames(client(TENANT)), []);
    assert.deepEqual(await thingNames(client(ADMIN)), ['admins']);
  });

  test("an IAM caller needs the endpoint's ddlocal: action", async () => {
    assertFails(await run(RESETTER, ['reset', '--account', ACCOUNT_B]), 254, /^\nAn error occurred \(AccessDeniedException\) when calling the Reset operation: .*ddlocal:Reset/);
    assertFails(await run(RESETTER, ['undo', '--task-id', 'x']), 254, /AccessDeniedException\) when calling the UndoAuditMitigationActionsTask operation: .*ddlocal:UndoAuditMitigationActionsTask/);
  });

  test('a wrong secret, an unknown key and an unsigned request are refused as AWS refuses them', async () => {
    assertFails(await run({ ...ADMIN, secretAccessKey: 'wrong' }, ['clock', 'advance', '1h']), 254, /^\nAn error occurred \(InvalidSignatureException\) when calling the SetClock operation: /);
    assertFails(await run({ accessKeyId: 'AKIANOBODY', secretAccessKey: 'x' }, ['clock']), 254, '\nAn error occurred (UnrecognizedClientException) when calling the GetClock operation: The security token included in the request is invalid.\n');
    const unsigned = await runCommand(['reset', '--all', '--no-sign-request', '--endpoint-url', server.url], as(ADMIN.accessKeyId, { AWS_SECRET_ACCESS_KEY: ADMIN.secretAccessKey }));
    assert.equal(unsigned.rc, 254);
    assert.match(unsigned.stderr, /when calling the Reset operation/);
    assert.equal(json(await run(ADMIN, ['clock'])).mode, 'system');
  });
});
