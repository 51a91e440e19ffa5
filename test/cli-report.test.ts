// `ddlocal report --task-id <id> --format json|csv|markdown` (docs/fleet-format.md#audit-reports) end to end: a fleet
// loaded with `ddlocal import`, an on-demand audit run to completion, then the built executable as a child process
// against the real server on both stores. Every format is checked against what ListAuditFindings and
// DescribeAuditTask answer through the official AWS SDK: findings per check and per severity, suppressed findings,
// more findings than one ListAuditFindings page, CSV that parses back (quoted fields with commas, CRLF), markdown
// tables, valid JSON, -o. Then the failures: an unknown task id (the aws CLI's error line, exit 254), a malformed one,
// a bad --format, a missing --task-id, no server. The CSV and markdown escaping of values the server cannot produce
// (quotes, pipes, line breaks) is checked on the report functions directly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateAuditSuppressionCommand,
  DescribeAuditTaskCommand,
  ListAuditFindingsCommand,
  StartOnDemandAuditTaskCommand,
  type AuditFinding,
  type DescribeAuditTaskCommandOutput,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { iotClient, startTestServer, type TestServer } from './helpers/server.js';
import { cleanAwsEnv, runCommand, type CommandResult } from './helpers/ddlocal-command.js';
import { freePort } from './helpers/cli-runner.js';
import { awsCli } from './helpers/aws-cli.js';
import { tempDir } from './helpers/temp-dir.js';
import { buildReport, csvField, markdownCell, reportCsv, reportMarkdown } from '../src/cli/fleet/audit-report.js';

const COLUMNS = ['checkName', 'severity', 'resourceType', 'resourceIdentifier', 'reasonForNonComplianceCode', 'reasonForNonCompliance', 'isSuppressed', 'findingId'];
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
const CHECKS = ['IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 'IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK', 'LOGGING_DISABLED_CHECK', 'CA_CERTIFICATE_KEY_QUALITY_CHECK'];
/** More broad policies than one page of ListAuditFindings (250) holds, so the report has to follow nextToken. */
const BULK_POLICIES = 260;

const env = (accountId: string) =>
  cleanAwsEnv({ AWS_ACCESS_KEY_ID: accountId, AWS_SECRET_ACCESS_KEY: 'secret', AWS_DEFAULT_REGION: 'us-east-1' });

/** RFC 4180: fields separated by commas, records by CRLF, a quoted field may hold commas, CRLF and doubled quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
        assert.ok(i === text.length || text[i] === ',' || text[i] === '\r', `a closing quote must end its field (offset ${i})`);
      } else {
        field += c;
        i++;
      }
      continue;
    }
    if (c === '"') {
      assert.equal(field, '', `a quote may only open a field (offset ${i})`);
      quoted = true;
      i++;
    } else if (c === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\r') {
      assert.equal(text[i + 1], '\n', `records end with CRLF (offset ${i})`);
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else {
      assert.notEqual(c, '\n', `a bare LF outside quotes (offset ${i})`);
      field += c;
      i++;
    }
  }
  assert.equal(quoted, false, 'unterminated quoted field');
  assert.ok(field === '' && row.length === 0, 'the last record ends with CRLF');
  return rows;
}

/** A markdown table row's cells: split on `|` that are not escaped, `\|` and `\\` unescaped. */
function markdownCells(line: string): string[] {
  assert.match(line, /^\| .* \|$/);
  const cells: string[] = [];
  let cell = '';
  const inner = line.slice(1, -1);
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '\\' && (inner[i + 1] === '|' || inner[i + 1] === '\\')) cell += inner[++i];
    else if (c === '|') {
      cells.push(cell.trim());
      cell = '';
    } else cell += c;
  }
  cells.push(cell.trim());
  return cells;
}

/** The table that follows the `## <heading>` line: its header cells and its rows' cells. */
function markdownTable(markdown: string, heading: string): { header: string[]; rows: string[][] } {
  const lines = markdown.split('\n');
  const at = lines.indexOf(`## ${heading}`);
  assert.ok(at >= 0, `no ## ${heading} section`);
  assert.equal(lines[at + 1], '');
  const header = markdownCells(lines[at + 2]!);
  assert.equal(lines[at + 3], `|${header.map(() => '---').join('|')}|`, 'the separator row has one --- per column');
  const rows: string[][] = [];
  for (let i = at + 4; i < lines.length && lines[i]!.startsWith('|'); i++) rows.push(markdownCells(lines[i]!));
  for (const row of rows) assert.equal(row.length, header.length, `a ${heading} row has as many cells as the header`);
  return { header, rows };
}

function ok(result: CommandResult): string {
  assert.equal(result.rc, 0, `expected success, got rc ${result.rc}: ${result.stderr}`);
  assert.equal(result.stderr, '');
  return result.stdout;
}

async function waitForTask(iot: IoTClient, taskId: string): Promise<DescribeAuditTaskCommandOutput> {
  for (let i = 0; i < 600; i++) {
    const d = await iot.send(new DescribeAuditTaskCommand({ taskId }));
    if (d.taskStatus !== 'IN_PROGRESS') return d;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`audit task ${taskId} did not finish`);
}

async function allFindings(iot: IoTClient, taskId: string): Promise<AuditFinding[]> {
  const findings: AuditFinding[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListAuditFindingsCommand({ taskId, maxResults: 100, nextToken }));
    findings.push(...(page.findings ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return findings;
}

const countBy = <T>(items: T[], key: (item: T) => string) => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
};

const broad = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] };

/** The fleet: broad policies (one with a comma in its name), a Deny with an MQTT wildcard, and the audit settings. */
function fleet(accountId: string) {
  return {
    policies: [
      { policyName: 'wide,open', policyDocument: broad },
      ...Array.from({ length: BULK_POLICIES }, (_, i) => ({ policyName: `bulk-${String(i).padStart(3, '0')}`, policyDocument: broad })),
      {
        policyName: 'deny-wildcard',
        policyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'iot:Connect', Resource: `arn:aws:iot:us-east-1:${accountId}:client/fixed-client` },
            { Effect: 'Deny', Action: 'iot:Publish', Resource: `arn:aws:iot:us-east-1:${accountId}:topic/admin/#` },
          ],
        },
      },
    ],
    auditConfiguration: {
      roleArn: `arn:aws:iam::${accountId}:role/Audit`,
      auditCheckConfigurations: Object.fromEntries(CHECKS.map((name) => [name, { enabled: true }])),
    },
  };
}

// One store: the report is a client of ListAuditFindings and DescribeAuditTask, whose paging both stores already pass
// in the audit suites; a second store would only repeat the same requests.
describe('ddlocal report (sqlite)', () => {
  const accountId = '320000000001';
  let server: TestServer;
  let iot: IoTClient;
  let taskId: string;
  let task: DescribeAuditTaskCommandOutput;
  let reference: AuditFinding[];
  const report = (args: string[]) => runCommand(['report', ...args, '--endpoint-url', server.url], env(accountId));

  after(() => server?.close());
  before(async () => {
    server = await startTestServer('sqlite');
    iot = iotClient(server.url, accountId);
    const dir = tempDir('ddlocal-report-');
    const fleetFile = join(dir, 'fleet.json');
    writeFileSync(fleetFile, JSON.stringify(fleet(accountId)));
    ok(await runCommand(['import', fleetFile, '--endpoint-url', server.url], env(accountId)));
    await iot.send(
      new CreateAuditSuppressionCommand({
        checkName: 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK',
        resourceIdentifier: { policyVersionIdentifier: { policyName: 'wide,open', policyVersionId: '1' } },
        suppressIndefinitely: true,
      }),
    );
    taskId = (await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: CHECKS }))).taskId!;
    task = await waitForTask(iot, taskId);
    assert.equal(task.taskStatus, 'COMPLETED');
    reference = await allFindings(iot, taskId);
  });

  test('the scenario: findings of three checks and three severities, more than one page of ListAuditFindings', () => {
    assert.deepEqual(countBy(reference, (f) => f.checkName!), {
      IOT_POLICY_OVERLY_PERMISSIVE_CHECK: BULK_POLICIES + 1,
      IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK: 1,
      LOGGING_DISABLED_CHECK: 1,
    });
    assert.ok(reference.length > 250);
  });

  test('--format json: valid JSON whose counts per check and severity are those of ListAuditFindings', async () => {
    const out = JSON.parse(ok(await report(['--task-id', taskId, '--format', 'json'])));
    // json is the default format.
    assert.deepEqual(JSON.parse(ok(await report(['--task-id', taskId]))), out);

    assert.equal(out.taskId, taskId);
    assert.equal(out.taskStatus, 'COMPLETED');
    assert.equal(out.taskType, 'ON_DEMAND_AUDIT_TASK');
    assert.equal(out.taskStartTime, task.taskStartTime!.toISOString());
    const stats = task.taskStatistics!;
    assert.deepEqual(out.summary, {
      checksRun: stats.totalChecks,
      compliantChecks: stats.compliantChecks,
      nonCompliantChecks: stats.nonCompliantChecks,
      failedChecks: stats.failedChecks,
      findings: reference.length,
      findingsBySeverity: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, ...countBy(reference, (f) => f.severity!) },
    });
    assert.deepEqual(out.summary.findingsBySeverity, { CRITICAL: BULK_POLICIES + 1, HIGH: 0, MEDIUM: 1, LOW: 1 });
    assert.deepEqual([out.summary.checksRun, out.summary.compliantChecks, out.summary.nonCompliantChecks, out.summary.failedChecks], [4, 1, 3, 0]);

    // One entry per check the task ran, with DescribeAuditTask's figures and the number of findings listed for it.
    const perCheck = countBy(reference, (f) => f.checkName!);
    assert.deepEqual(
      out.checks,
      [...CHECKS].sort().map((checkName) => {
        const d = task.auditDetails![checkName]!;
        return {
          checkName,
          checkRunStatus: d.checkRunStatus,
          checkCompliant: d.checkCompliant,
          totalResourcesCount: d.totalResourcesCount,
          nonCompliantResourcesCount: d.nonCompliantResourcesCount,
          findings: perCheck[checkName] ?? 0,
        };
      }),
    );

    // Every finding, once, as ListAuditFindings has it; grouped by check.
    assert.equal(out.findings.length, reference.length);
    const byId = new Map(reference.map((f) => [f.findingId!, f]));
    assert.equal(new Set(out.findings.map((f: any) => f.findingId)).size, reference.length);
    for (const f of out.findings) {
      const ref = byId.get(f.findingId);
      assert.ok(ref, `finding ${f.findingId} is one of ListAuditFindings'`);
      assert.equal(f.checkName, ref.checkName);
      assert.equal(f.severity, ref.severity);
      assert.equal(f.resourceType, ref.nonCompliantResource!.resourceType);
      assert.equal(f.reasonForNonComplianceCode, ref.reasonForNonComplianceCode);
      assert.equal(f.reasonForNonCompliance, ref.reasonForNonCompliance);
      assert.equal(f.isSuppressed, ref.isSuppressed === true);
    }
    const checkOrder = out.findings.map((f: any) => f.checkName);
    assert.deepEqual(checkOrder, [...checkOrder].sort(), 'findings are grouped per check');
    const suppressed = out.findings.filter((f: any) => f.isSuppressed);
    assert.deepEqual(
      suppressed.map((f: any) => f.resourceIdentifier),
      ['policyVersionIdentifier.policyName=wide,open; policyVersionIdentifier.policyVersionId=1'],
    );
    assert.deepEqual(
      out.findings.filter((f: any) => f.checkName === 'LOGGING_DISABLED_CHECK').map((f: any) => [f.severity, f.resourceType, f.resourceIdentifier]),
      [['LOW', 'ACCOUNT_SETTINGS', `account=${accountId}`]],
    );
    assert.deepEqual(
      out.findings.filter((f: any) => f.severity === 'MEDIUM').map((f: any) => f.resourceIdentifier),
      ['policyVersionIdentifier.policyName=deny-wildcard; policyVersionIdentifier.policyVersionId=1'],
    );
  });

  test('--format csv: RFC 4180, one row per finding, the same values as the JSON report', async () => {
    const csv = ok(await report(['--task-id', taskId, '--format', 'csv']));
    const json = JSON.parse(ok(await report(['--task-id', taskId, '--format', 'json'])));
    const rows = parseCsv(csv);
    assert.deepEqual(rows[0], COLUMNS);
    assert.equal(rows.length, reference.length + 1);
    assert.deepEqual(
      rows.slice(1),
      json.findings.map((f: any) => COLUMNS.map((c) => String(f[c]))),
    );
    // Fields with commas are quoted: the policy name and the list of actions in the reason.
    assert.match(csv, /,"policyVersionIdentifier\.policyName=wide,open; policyVersionIdentifier\.policyVersionId=1",/);
    assert.match(csv, /,"Policy allows broad access to IoT data plane actions: \[iot:Connect, iot:Publish, [^"]*\]\.",/);
    const perCheck = countBy(rows.slice(1), (r) => r[0]!);
    assert.deepEqual(perCheck, countBy(reference, (f) => f.checkName!));
    const perSeverity = countBy(rows.slice(1), (r) => r[1]!);
    assert.deepEqual(perSeverity, countBy(reference, (f) => f.severity!));
    assert.deepEqual(rows.slice(1).filter((r) => r[6] === 'true').length, 1);
  });

  test('--format markdown: title, summary, checks and findings tables matching ListAuditFindings', async () => {
    const md = ok(await report(['--task-id', taskId, '--format', 'markdown']));
    assert.ok(md.startsWith(`# Audit report: task ${taskId}\n\nStatus COMPLETED, ON_DEMAND_AUDIT_TASK, started ${task.taskStartTime!.toISOString()}.\n`));

    const summary = markdownTable(md, 'Summary');
    assert.deepEqual(summary.header, ['Checks run', 'Compliant', 'Non-compliant', 'Failed', 'Findings', 'Critical', 'High', 'Medium', 'Low']);
    const bySeverity = countBy(reference, (f) => f.severity!);
    assert.deepEqual(summary.rows, [['4', '1', '3', '0', String(reference.length), ...SEVERITIES.map((s) => String(bySeverity[s] ?? 0))]]);

    const checks = markdownTable(md, 'Checks');
    assert.deepEqual(checks.header, ['Check', 'Run status', 'Compliant', 'Resources', 'Non-compliant resources', 'Findings']);
    const perCheck = countBy(reference, (f) => f.checkName!);
    assert.deepEqual(
      checks.rows,
      [...CHECKS].sort().map((name) => {
        const d = task.auditDetails![name]!;
        return [name, d.checkRunStatus!, d.checkCompliant ? 'yes' : 'no', String(d.totalResourcesCount), String(d.nonCompliantResourcesCount), String(perCheck[name] ?? 0)];
      }),
    );

    const findings = markdownTable(md, 'Findings');
    assert.deepEqual(findings.header, ['Check', 'Severity', 'Resource type', 'Resource', 'Reason', 'Suppressed']);
    assert.equal(findings.rows.length, reference.length);
    assert.deepEqual(countBy(findings.rows, (r) => r[0]!), perCheck);
    assert.deepEqual(countBy(findings.rows, (r) => r[1]!), bySeverity);
    assert.deepEqual(
      findings.rows.filter((r) => r[5] === 'yes').map((r) => r[3]),
      ['policyVersionIdentifier.policyName=wide,open; policyVersionIdentifier.policyVersionId=1'],
    );
  });

  test('-o and --outfile write the report to a file and nothing to stdout', async () => {
    const dir = tempDir('ddlocal-report-out-');
    const csv = ok(await report(['--task-id', taskId, '--format', 'csv']));
    const file = join(dir, 'report.csv');
    assert.equal(ok(await report(['--task-id', taskId, '--format', 'csv', '-o', file])), '');
    assert.equal(readFileSync(file, 'utf8'), csv);
    const mdFile = join(dir, 'report.md');
    assert.equal(ok(await report(['--task-id', taskId, '--format', 'markdown', `--outfile=${mdFile}`])), '');
    assert.match(readFileSync(mdFile, 'utf8'), /^# Audit report: task /);
  });

  test('a task without findings: a header-only CSV, "No findings." in markdown, zero counts in JSON', async () => {
    const quiet = (await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: ['CA_CERTIFICATE_KEY_QUALITY_CHECK'] }))).taskId!;
    assert.equal((await waitForTask(iot, quiet)).taskStatus, 'COMPLETED');
    assert.equal(ok(await report(['--task-id', quiet, '--format', 'csv'])), `${COLUMNS.join(',')}\r\n`);
    const md = ok(await report(['--task-id', quiet, '--format', 'markdown']));
    assert.match(md, /\n## Findings\n\nNo findings\.\n$/);
    const json = JSON.parse(ok(await report(['--task-id', quiet])));
    assert.deepEqual(json.findings, []);
    assert.deepEqual(json.summary, {
      checksRun: 1,
      compliantChecks: 1,
      nonCompliantChecks: 0,
      failedChecks: 0,
      findings: 0,
      findingsBySeverity: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0 },
    });
  });

  test('an unknown task id: the aws CLI\'s ResourceNotFoundException line, exit 254, nothing on stdout', async () => {
    const unknown = 'f'.repeat(32);
    for (const format of ['json', 'csv', 'markdown']) {
      const r = await report(['--task-id', unknown, '--format', format]);
      assert.equal(r.rc, 254, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, `\nAn error occurred (ResourceNotFoundException) when calling the DescribeAuditTask operation: Audit task ${unknown} does not exist\n`);
    }
    // The same line the AWS CLI prints for the same request.
    const aws = await awsCli(server.url, ['iot', 'describe-audit-task', '--task-id', unknown], accountId);
    assert.equal(aws.status, 254);
    assert.equal((await report(['--task-id', unknown])).stderr, aws.stderr);
    // A task id of another account is unknown in this one.
    const other = await runCommand(['report', '--task-id', taskId, '--endpoint-url', server.url], env('320000000002'));
    assert.equal(other.rc, 254);
    assert.match(other.stderr, /\(ResourceNotFoundException\) when calling the DescribeAuditTask operation: Audit task [0-9a-f]{32} does not exist/);
  });

  test('a malformed task id is the service\'s InvalidRequestException, exit 254', async () => {
    const r = await report(['--task-id', 'not a task id!']);
    assert.equal(r.rc, 254);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^\nAn error occurred \(InvalidRequestException\) when calling the DescribeAuditTask operation: .*taskId/);
  });
});

describe('ddlocal report usage and connection errors', () => {
  let endpoint: string[];
  before(async () => {
    // Nothing listens here: a usage error must be reported before any request is sent (exit 252, not 255).
    endpoint = ['--endpoint-url', `http://127.0.0.1:${await freePort()}`];
  });
  const run = (args: string[]) => runCommand(['report', ...args, ...endpoint], env('320000000009'));

  test('a bad --format names the valid ones, exit 252', async () => {
    const r = await run(['--task-id', 'abc', '--format', 'xml']);
    assert.equal(r.rc, 252);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^\nusage: ddlocal report --task-id <audit task id> \[--format json\|csv\|markdown\]/);
    assert.match(r.stderr, /\nddlocal: error: argument --format: invalid choice: 'xml' \(choose from 'json', 'csv', 'markdown'\)\n/);
    const upper = await run(['--task-id', 'abc', '--format', 'CSV']);
    assert.equal(upper.rc, 252);
    assert.match(upper.stderr, /invalid choice: 'CSV'/);
    const empty = await run(['--task-id', 'abc', '--format']);
    assert.equal(empty.rc, 252);
    assert.match(empty.stderr, /argument --format: expected one argument/);
  });

  test('--task-id is required; unknown options and extra arguments are refused; --help prints the usage', async () => {
    const missing = await run(['--format', 'csv']);
    assert.equal(missing.rc, 252);
    assert.match(missing.stderr, /ddlocal: error: the following arguments are required: --task-id/);
    const unknown = await run(['--task-id', 'abc', '--colour']);
    assert.equal(unknown.rc, 252);
    assert.match(unknown.stderr, /ddlocal: error: unknown option --colour/);
    const extra = await run(['--task-id', 'abc', 'stray']);
    assert.equal(extra.rc, 252);
    assert.match(extra.stderr, /ddlocal: error: unexpected argument stray/);
    const help = await run(['--help']);
    assert.equal(help.rc, 0);
    assert.match(help.stdout, /^usage: ddlocal report --task-id/);
    assert.match(help.stdout, /--format json\|csv\|markdown/);
  });

  test('no server at the endpoint: exit 255 naming the URL', async () => {
    const r = await run(['--task-id', 'abc']);
    assert.equal(r.rc, 255);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `\nCould not connect to the endpoint URL: "${endpoint[1]}/audit/tasks/abc"\n`);
  });
});

describe('report rendering of values the server does not produce', () => {
  const finding = (overrides: Record<string, unknown>) => ({
    checkName: 'LOGGING_DISABLED_CHECK',
    severity: 'LOW',
    nonCompliantResource: { resourceType: 'ACCOUNT_SETTINGS', resourceIdentifier: { account: '123456789012' } },
    reasonForNonComplianceCode: 'LOGGING_DISABLED',
    reasonForNonCompliance: 'plain',
    findingId: 'f-1',
    ...overrides,
  });

  test('CSV quotes fields with quotes, commas and line breaks, doubling quotes; the result parses back', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(undefined), '');
    const tricky = 'He said "no", then\r\nleft';
    const built = buildReport('t-1', { taskStatus: 'COMPLETED', auditDetails: {} }, [finding({ reasonForNonCompliance: tricky })]);
    const rows = parseCsv(reportCsv(built));
    assert.equal(rows.length, 2);
    assert.equal(rows[1]![5], tricky);
  });

  test('markdown escapes pipes and backslashes and keeps a cell with line breaks on its row', () => {
    assert.equal(markdownCell('a|b'), 'a\\|b');
    assert.equal(markdownCell('back\\slash'), 'back\\\\slash');
    assert.equal(markdownCell('one\ntwo\r\nthree'), 'one<br>two<br>three');
    const built = buildReport('t-1', { auditDetails: {} }, [finding({ reasonForNonCompliance: 'x | y\nz' })]);
    const table = markdownTable(reportMarkdown(built), 'Findings');
    assert.deepEqual(table.rows, [['LOGGING_DISABLED_CHECK', 'LOW', 'ACCOUNT_SETTINGS', 'account=123456789012', 'x | y<br>z', 'no']]);
  });

  test('findings are sorted by check, then worst severity first, then resource', () => {
    const built = buildReport('t-1', { auditDetails: {} }, [
      finding({ checkName: 'B_CHECK', severity: 'LOW', findingId: '1' }),
      finding({ checkName: 'A_CHECK', severity: 'LOW', findingId: '2' }),
      finding({ checkName: 'A_CHECK', severity: 'CRITICAL', findingId: '3' }),
      finding({ checkName: 'A_CHECK', severity: 'CRITICAL', findingId: '4', nonCompliantResource: { resourceType: 'X', resourceIdentifier: { account: '0' } } }),
    ]);
    assert.deepEqual(built.findings.map((f) => f.findingId), ['4', '3', '2', '1']);
    assert.deepEqual(built.summary.findingsBySeverity, { CRITICAL: 2, HIGH: 0, MEDIUM: 0, LOW: 2 });
  });
});
