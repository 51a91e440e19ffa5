// The real AWS CLI v2 (Debian's awscli, /usr/bin/aws) against the real server: a registry walkthrough, its
// paginators, its error handling, and the README's own walkthrough run verbatim.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from './helpers/server.js';
import { AWS_CLI_V2, awsCli } from './helpers/aws-cli.js';

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

    const dir = mkdtempSync(join(tmpdir(), 'ddlocal-cli-'));
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

  test('runs as written with the AWS CLI v2', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## A 60-second walkthrough'));
    const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!.replaceAll('http://127.0.0.1:4580', server.url);
    // Put the v2 CLI first on PATH under the name `aws`, as a user of the README would have it.
    const bin = mkdtempSync(join(tmpdir(), 'ddlocal-bin-'));
    symlinkSync(AWS_CLI_V2!, join(bin, 'aws'));
    const env = { PATH: `${bin}:${process.env.PATH}`, HOME: process.env.HOME, AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    // --norc: bash sources ~/.bashrc when its stdin is a socket (it takes that for rshd), which would let a user's
    // PATH setup (pyenv, …) shadow the CLI chosen here.
    const r = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile('bash', ['--norc', '-c', block], { encoding: 'utf8', env, timeout: 120_000 }, (err, stdout, stderr) => {
        resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      });
    });
    assert.match(r.stdout, /"thingArn": "arn:aws:iot:us-east-1:123456789012:thing\/sensor-1"/);
    assert.match(r.stdout, /"targets": \[\s*"arn:aws:iot:us-east-1:123456789012:cert\/[0-9a-f]{64}"\s*\]/);
    // The audit finds both problems; the mitigation task (the AWS CLI reference example) blanks the policy.
    assert.match(r.stdout, /IOT_POLICY_OVERLY_PERMISSIVE_CHECK\s*\|\s*CRITICAL\s*\|\s*ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS/);
    assert.match(r.stdout, /LOGGING_DISABLED_CHECK\s*\|\s*LOW\s*\|\s*LOGGING_DISABLED/);
    assert.match(r.stdout, /"taskId": "myActionsTaskId"/);
    assert.match(r.stdout, /"COMPLETED",\s*\{\s*"IOT_POLICY_OVERLY_PERMISSIVE_CHECK": \{[^}]*"succeededFindingsCount": 1/);
    assert.match(r.stdout, /"2",\s*"\{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":\[\{\\"Effect\\":\\"Deny\\"/);
    // The only failing command is the last one, which shows the not-implemented error.
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /NotImplementedException.*ListTopicRules/);
    assert.equal(r.status, 254);
  });
});
