// `ddlocal reset|clock|preview|undo` (docs/cli-extras.md) as a user runs them: the built executable as a child
// process against a real server — open mode on both stores, strict mode with a credentials table — checking stdout,
// the server's state afterwards (through the official SDK), the aws CLI's error texts and exit codes (252 usage, 253
// configuration, 254 service error, 255 connection) and that strict mode's signatures and permissions hold.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateThingCommand, DescribeAuditMitigationActionsTaskCommand, GetPolicyCommand, IoTClient, ListThingsCommand } from '@aws-sdk/client-iot';
import { forEachStore, startTestServer, type TestServer } from './helpers/server.js';
import { mitigationScenario } from './helpers/mitigation-scenario.js';
import { cleanAwsEnv, runCommand, type CommandResult } from './helpers/ddlocal-command.js';
import { freePort } from './helpers/cli-runner.js';

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

describe('ddlocal extension commands: endpoint resolution and connection failures', () => {
  test('an endpoint nobody listens on: exit 255 with the URL', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await runCommand(['reset', '--all', '--endpoint-url', url], as(ACCOUNT_A));
    assertFails(result, 255, `\nCould not connect to the endpoint URL: "${url}/_ddlocal/reset"\n`);
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
    // Less than the 15 minutes of allowed clock skew: strict mode checks signatures against ddlocal's clock.
    assert.equal(json(await run(ADMIN, ['clock', 'advance', '5m'])).offsetSeconds, 300);
    assert.equal(json(await run(TENANT, ['clock'])).offsetSeconds, 300, 'reading the clock is allowed to an account root');
    await client(TENANT).send(new CreateThingCommand({ thingName: 'tenant-thing' }));
    assert.equal((await run(ADMIN, ['reset', '--all'])).rc, 0);
    assert.deepEqual(await thingNames(client(TENANT)), []);
    assert.equal(json(await run(ADMIN, ['clock'])).mode, 'system');
  });

  test(
    'moving the clock further than the signature skew does not lock every client out',
    { todo: "server: strict mode checks a signature's date against ddlocal's moved clock (src/protocol/sigv4.ts)" },
    async () => {
      try {
        assert.equal((await run(ADMIN, ['clock', 'advance', '1h'])).rc, 0);
        const shown = await run(ADMIN, ['clock']);
        assert.equal(shown.rc, 0, shown.stderr);
      } finally {
        server.clock.reset();
      }
    },
  );

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
