// The real AWS CLI v2 (Debian's awscli, /usr/bin/aws) against the real server: a registry walkthrough, its
// paginators, its error handling, and the README's own walkthrough run verbatim.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from './helpers/server.js';
import { AWS_CLI_V2, awsCli } from './helpers/aws-cli.js';
import { tempDir } from './helpers/temp-dir.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('aws CLI v2 registry walkthrough', () => {
  let server: TestServer;
  const aws = (...args: string[]) => awsCli(server.url, args, '123456789012');
  before(async () => {
    server = await startTestServer('sqlite');
  });
  after(() => server.close());

  test('the CLI is v2', async () => {
    assert.ok(AWS_CLI_V2, 'aws CLI v2 is installed');
  });

  test('create-thing with any dummy credentials', async () => {
    const r = await awsCli(server.url, ['iot', 'create-thing', '--thing-name', 't1'], 'AKIAEXAMPLE');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.json.thingArn, 'arn:aws:iot:us-east-1:000000000000:thing/t1');
  });

  test('things, shorthand attributes, pagination with --page-size, --max-items and --starting-token', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await aws('iot', 'create-thing', '--thing-name', `cli-${i}`, '--attribute-payload', `attributes={color=c${i}},merge=false`);
      assert.equal(r.status, 0, r.stderr);
    }
    const all = await aws('iot', 'list-things', '--page-size', '2');
    assert.equal(all.status, 0, all.stderr);
    assert.deepEqual(all.json.things.map((t: any) => t.thingName), ['cli-0', 'cli-1', 'cli-2', 'cli-3', 'cli-4']);
    const first = await aws('iot', 'list-things', '--max-items', '3', '--page-size', '2');
    assert.deepEqual(first.json.things.map((t: any) => t.thingName), ['cli-0', 'cli-1', 'cli-2']);
    assert.ok(first.json.NextToken);
    const rest = await aws('iot', 'list-things', '--starting-token', first.json.NextToken, '--page-size', '2');
    assert.deepEqual(rest.json.things.map((t: any) => t.thingName), ['cli-3', 'cli-4']);
    const described = await aws('iot', 'describe-thing', '--thing-name', 'cli-3');
    assert.deepEqual(described.json.attributes, { color: 'c3' });
  });

  test('certificates (marker pagination), principals, policies from file://', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await aws('iot', 'create-keys-and-certificate', '--set-as-active');
      assert.equal(r.status, 0, r.stderr);
      ids.push(r.json.certificateId);
    }
    const listed = await aws('iot', 'list-certificates');
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual(listed.json.certificates.map((c: any) => c.certificateId).sort(), [...ids].sort());
    // ListCertificates models its own `pageSize`, which shadows the CLI's --page-size: the CLI then pages manually
    // (as against AWS), so follow nextMarker by hand.
    const paged: string[] = [];
    let marker: string | undefined;
    do {
      const page = await aws('iot', 'list-certificates', '--page-size', '1', ...(marker ? ['--marker', marker] : []));
      assert.equal(page.status, 0, page.stderr);
      paged.push(...page.json.certificates.map((c: any) => c.certificateId));
      marker = page.json.nextMarker;
    } while (marker);
    assert.deepEqual([...paged].sort(), [...ids].sort());
    const arn = `arn:aws:iot:us-east-1:123456789012:cert/${ids[0]}`;
    assert.equal((await aws('iot', 'attach-thing-principal', '--thing-name', 'cli-0', '--principal', arn)).status, 0);
    assert.deepEqual((await aws('iot', 'list-thing-principals', '--thing-name', 'cli-0')).json.principals, [arn]);

    const dir = tempDir('ddlocal-cli-');
    const doc = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"*"}]}';
    writeFileSync(join(dir, 'policy.json'), doc);
    const created = await aws('iot', 'create-policy', '--policy-name', 'AllowAll', '--policy-document', `file://${join(dir, 'policy.json')}`);
    assert.equal(created.status, 0, created.stderr);
    assert.equal(created.json.policyVersionId, '1');
    assert.equal((await aws('iot', 'attach-policy', '--policy-name', 'AllowAll', '--target', arn)).status, 0);
    assert.deepEqual((await aws('iot', 'list-targets-for-policy', '--policy-name', 'AllowAll')).json.targets, [arn]);
    assert.equal((await aws('iot', 'get-policy', '--policy-name', 'AllowAll')).json.policyDocument, doc);
    const attached = await aws('iot', 'list-attached-policies', '--target', arn);
    assert.deepEqual(attached.json.policies.map((p: any) => p.policyName), ['AllowAll']);
  });

  test('service errors exit 254 and name the exception', async () => {
    const missing = await aws('iot', 'describe-thing', '--thing-name', 'nope');
    assert.equal(missing.status, 254);
    assert.match(missing.stderr, /ResourceNotFoundException/);
    const notConfigured = await aws('iot', 'get-v2-logging-options');
    assert.equal(notConfigured.status, 254);
    assert.match(notConfigured.stderr, /NotConfiguredException/);
    const notImplemented = await aws('iot', 'list-topic-rules');
    assert.equal(notImplemented.status, 254);
    assert.match(notImplemented.stderr, /NotImplementedException.*ListTopicRules/);
    const invalid = await aws('iot', 'create-thing', '--thing-name', 'bad name!');
    assert.equal(invalid.status, 254);
    assert.match(invalid.stderr, /InvalidRequestException.*regular expression pattern/);
  });

  test('logging, role aliases, thing groups and tags', async () => {
    assert.equal((await aws('iot', 'set-v2-logging-options', '--role-arn', 'arn:aws:iam::123456789012:role/log', '--default-log-level', 'WARN')).status, 0);
    assert.equal((await aws('iot', 'get-v2-logging-options')).json.defaultLogLevel, 'WARN');
    const alias = await aws('iot', 'create-role-alias', '--role-alias', 'edge', '--role-arn', 'arn:aws:iam::123456789012:role/edge', '--tags', 'Key=team,Value=iot');
    assert.equal(alias.status, 0, alias.stderr);
    assert.deepEqual((await aws('iot', 'list-tags-for-resource', '--resource-arn', alias.json.roleAliasArn)).json.tags, [{ Key: 'team', Value: 'iot' }]);
    const group = await aws('iot', 'create-thing-group', '--thing-group-name', 'fleet');
    assert.equal(group.status, 0, group.stderr);
    assert.equal((await aws('iot', 'add-thing-to-thing-group', '--thing-group-name', 'fleet', '--thing-name', 'cli-1')).status, 0);
    assert.deepEqual((await aws('iot', 'list-things-in-thing-group', '--thing-group-name', 'fleet')).json.things, ['cli-1']);
    assert.deepEqual(
      (await aws('iot', 'list-thing-groups-for-thing', '--thing-name', 'cli-1')).json.thingGroups.map((g: any) => g.groupName),
      ['fleet'],
    );
  });
});

describe('the README walkthrough, verbatim', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite');
  });
  after(() => server.close());

  test('runs as written with the AWS CLI v2, and again: its reset makes it repeatable', { timeout: 240_000 }, async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## A 60-second walkthrough'));
    const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!.replaceAll('http://127.0.0.1:4580', server.url);
    // Put the v2 CLI first on PATH under the name `aws`, as a user of the README would have it.
    const bin = tempDir('ddlocal-bin-');
    symlinkSync(AWS_CLI_V2!, join(bin, 'aws'));
    const env = { PATH: `${bin}:${process.env.PATH}`, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    // --norc: bash sources ~/.bashrc when its stdin is a socket (it takes that for rshd), which would let a user's
    // PATH setup (pyenv, …) shadow the CLI chosen here. The clone is the working directory, where `npx ddlocal` runs.
    const runBlock = () =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        execFile('bash', ['--norc', '-c', block], { cwd: ROOT, encoding: 'utf8', env, timeout: 120_000 }, (err, stdout, stderr) => {
          resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
        });
      });
    for (const round of ['first', 'second']) {
      const r = await runBlock();
      const why = `${round} run:\n${r.stderr}`;
      assert.match(r.stdout, /"thingArn": "arn:aws:iot:us-east-1:123456789012:thing\/sensor-1"/, why);
      assert.match(r.stdout, /"targets": \[\s*"arn:aws:iot:us-east-1:123456789012:cert\/[0-9a-f]{64}"\s*\]/, why);
      // The audit finds both problems; the mitigation task (the AWS CLI reference example) blanks the policy.
      assert.match(r.stdout, /IOT_POLICY_OVERLY_PERMISSIVE_CHECK\s*\|\s*CRITICAL\s*\|\s*ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS/, why);
      assert.match(r.stdout, /LOGGING_DISABLED_CHECK\s*\|\s*LOW\s*\|\s*LOGGING_DISABLED/, why);
      assert.match(r.stdout, /"taskId": "myActionsTaskId"/, why);
      assert.match(r.stdout, /"COMPLETED",\s*\{\s*"IOT_POLICY_OVERLY_PERMISSIVE_CHECK": \{[^}]*"succeededFindingsCount": 1/, why);
      assert.match(r.stdout, /"2",\s*"\{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":\[\{\\"Effect\\":\\"Deny\\"/, why);
      // `ddlocal iot … --wait` reports the audit's progress on stderr, a line per change, ending COMPLETED 2/2 checks.
      const lines = r.stderr.split('\n').filter((line) => line.trim() !== '');
      const progress = lines.filter((line) => /^[0-9a-f]{32} (IN_PROGRESS|COMPLETED) \d\/2 checks /.test(line));
      assert.match(progress.at(-1) ?? '', /COMPLETED 2\/2 checks/, why);
      // Otherwise the only failing command is the last one, which shows the not-implemented error.
      const others = lines.filter((line) => !progress.includes(line));
      assert.equal(others.length, 1, why);
      assert.match(others[0]!, /NotImplementedException.*ListTopicRules/, why);
      assert.equal(r.status, 254, why);
    }
  });
});

// Issue 4 acceptance: the AWS CLI reference example of start-audit-mitigation-actions-task, after a real audit produced
// the finding. The argv below is exactly what a shell makes of the documented command.
describe('aws CLI v2 mitigation: the start-audit-mitigation-actions-task reference example', () => {
  let server: TestServer;
  const aws = (...args: string[]) => awsCli(server.url, ['iot', ...args], '123456789012');
  const BLANK = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iot:*', Resource: '*' }] };
  let auditTaskId = '';
  let findingId = '';
  before(async () => {
    server = await startTestServer('sqlite');
  });
  after(() => server.close());

  async function ok(...args: string[]) {
    const r = await aws(...args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  }

  async function waitForStatus(describeArgs: string[]): Promise<any> {
    for (let i = 0; i < 200; i++) {
      const r = await ok(...describeArgs);
      if (r.json.taskStatus !== 'IN_PROGRESS') return r.json;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`${describeArgs.join(' ')} stayed IN_PROGRESS`);
  }

  const seedExample = (token: string) => [
    'start-audit-mitigation-actions-task',
    '--task-id', 'myActionsTaskId',
    '--target', `findingIds=["${findingId}"]`,
    '--audit-check-to-actions-mapping', 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK=["ResetPolicyVersionAction"]',
    '--client-request-token', token,
  ];

  test('a real audit finds the overly permissive policy', async () => {
    const cert = await ok('create-keys-and-certificate', '--set-as-active');
    await ok('create-policy', '--policy-name', 'AllowAll', '--policy-document', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"*"}]}');
    await ok('attach-policy', '--policy-name', 'AllowAll', '--target', cert.json.certificateArn);
    await ok(
      'update-account-audit-configuration', '--role-arn', 'arn:aws:iam::123456789012:role/Audit',
      '--audit-check-configurations', '{"IOT_POLICY_OVERLY_PERMISSIVE_CHECK":{"enabled":true},"LOGGING_DISABLED_CHECK":{"enabled":true}}',
    );
    const started = await ok('start-on-demand-audit-task', '--target-check-names', 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 'LOGGING_DISABLED_CHECK');
    auditTaskId = started.json.taskId;
    assert.equal((await waitForStatus(['describe-audit-task', '--task-id', auditTaskId])).taskStatus, 'COMPLETED');
    const findings = await ok('list-audit-findings', '--task-id', auditTaskId, '--check-name', 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK');
    assert.equal(findings.json.findings.length, 1);
    findingId = findings.json.findings[0].findingId;
    await ok(
      'create-mitigation-action', '--action-name', 'ResetPolicyVersionAction', '--role-arn', 'arn:aws:iam::123456789012:role/Mitigation',
      '--action-params', '{"replaceDefaultPolicyVersionParams":{"templateName":"BLANK_POLICY"}}',
    );
  });

  test('the example prints {"taskId": "myActionsTaskId"}, completes, and blanks the policy', async () => {
    assert.ok(findingId, 'the audit test ran first');
    const r = await ok(...seedExample('adhadhahda'));
    assert.deepEqual(r.json, { taskId: 'myActionsTaskId' });
    const task = await waitForStatus(['describe-audit-mitigation-actions-task', '--task-id', 'myActionsTaskId']);
    assert.equal(task.taskStatus, 'COMPLETED');
    assert.deepEqual(task.taskStatistics, {
      IOT_POLICY_OVERLY_PERMISSIVE_CHECK: {
        totalFindingsCount: 1,
        failedFindingsCount: 0,
        succeededFindingsCount: 1,
        skippedFindingsCount: 0,
        canceledFindingsCount: 0,
      },
    });
    assert.deepEqual(task.target, { findingIds: [findingId] });
    assert.deepEqual(task.auditCheckToActionsMapping, { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicyVersionAction'] });
    const policy = await ok('get-policy', '--policy-name', 'AllowAll');
    assert.equal(policy.json.defaultVersionId, '2');
    assert.deepEqual(JSON.parse(policy.json.policyDocument), BLANK);
  });

  test('the same command again prints the same; another token → exit 254, TaskAlreadyExistsException', async () => {
    const again = await ok(...seedExample('adhadhahda'));
    assert.deepEqual(again.json, { taskId: 'myActionsTaskId' });
    const versions = await ok('list-policy-versions', '--policy-name', 'AllowAll');
    assert.equal(versions.json.policyVersions.length, 2, 'the retry applied nothing');
    const other = await aws(...seedExample('another-token'));
    assert.equal(other.status, 254);
    assert.match(other.stderr, /\(TaskAlreadyExistsException\) when calling the StartAuditMitigationActionsTask operation/);
    const cancel = await aws('cancel-audit-mitigation-actions-task', '--task-id', 'myActionsTaskId');
    assert.equal(cancel.status, 254);
    assert.match(cancel.stderr, /InvalidRequestException/);
  });

  test('list-audit-mitigation-actions-executions and list-audit-mitigation-actions-tasks (paged by the CLI)', async () => {
    const executions = await ok('list-audit-mitigation-actions-executions', '--task-id', 'myActionsTaskId', '--finding-id', findingId);
    assert.equal(executions.json.actionsExecutions.length, 1);
    const [e] = executions.json.actionsExecutions;
    assert.deepEqual([e.taskId, e.findingId, e.actionName, e.status], ['myActionsTaskId', findingId, 'ResetPolicyVersionAction', 'COMPLETED']);
    assert.ok(e.startTime && e.endTime);

    // Two more tasks, over the whole audit (shorthand target), so the CLI's paginator follows several pages.
    await ok(
      'create-mitigation-action', '--action-name', 'EnableLogging', '--role-arn', 'arn:aws:iam::123456789012:role/Mitigation',
      '--action-params', 'enableIoTLoggingParams={roleArnForLogging=arn:aws:iam::123456789012:role/Logs,logLevel=ERROR}',
    );
    for (const taskId of ['cli-audit-1', 'cli-audit-2']) {
      const r = await ok(
        'start-audit-mitigation-actions-task', '--task-id', taskId, '--target', `auditTaskId=${auditTaskId}`,
        '--audit-check-to-actions-mapping', 'LOGGING_DISABLED_CHECK=EnableLogging',
      );
      assert.deepEqual(r.json, { taskId });
      assert.equal((await waitForStatus(['describe-audit-mitigation-actions-task', '--task-id', taskId])).taskStatus, 'COMPLETED');
    }
    assert.equal((await ok('get-v2-logging-options')).json.defaultLogLevel, 'ERROR');
    const hour = 3_600_000;
    const window = ['--start-time', new Date(Date.now() - hour).toISOString(), '--end-time', new Date(Date.now() + hour).toISOString()];
    const all = await ok('list-audit-mitigation-actions-tasks', ...window, '--page-size', '1');
    assert.deepEqual(all.json.tasks.map((t: any) => t.taskId), ['cli-audit-2', 'cli-audit-1', 'myActionsTaskId']);
    assert.ok(all.json.tasks.every((t: any) => t.taskStatus === 'COMPLETED' && t.startTime));
    const first = await ok('list-audit-mitigation-actions-tasks', ...window, '--page-size', '1', '--max-items', '2');
    assert.deepEqual(first.json.tasks.map((t: any) => t.taskId), ['cli-audit-2', 'cli-audit-1']);
    const rest = await ok('list-audit-mitigation-actions-tasks', ...window, '--page-size', '1', '--starting-token', first.json.NextToken);
    assert.deepEqual(rest.json.tasks.map((t: any) => t.taskId), ['myActionsTaskId']);
    const byFinding = await ok('list-audit-mitigation-actions-tasks', ...window, '--finding-id', findingId);
    assert.deepEqual(byFinding.json.tasks.map((t: any) => t.taskId), ['myActionsTaskId']);
  });
});
