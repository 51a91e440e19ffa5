// Output rendering (formats, timestamps, --query: docs/decisions.md#c5): text and table examples recorded from the AWS
// CLI v2, a YAML emitter differential against the aws CLI's own YAMLDumper, and an end-to-end differential against the
// real aws CLI v2 — both read the same ddlocal registry, aws prints it, renderResult prints the SDK's view of it, and
// the bytes must match.
process.env.TZ = 'UTC';
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  AddThingToThingGroupCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DescribeAuditMitigationActionsTaskCommand,
  DescribeAuditTaskCommand,
  DescribeThingCommand,
  ListAuditFindingsCommand,
  ListAuditMitigationActionsTasksCommand,
  ListPoliciesCommand,
  ListThingGroupsCommand,
  ListThingsCommand,
  StartAuditMitigationActionsTaskCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { compileQuery, renderResult, type OutputOptions } from '../src/cli/output.js';
import { outputSample } from '../src/cli/skeleton.js';
import { renderYaml } from '../src/cli/output/yaml.js';
import { textWidth } from '../src/cli/output/values.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { AWS_CLI_V2 } from './helpers/aws-cli.js';
import { mitigationScenario, waitForMitigationTask } from './helpers/mitigation-scenario.js';

const options = (format: OutputOptions['format'], extra: Partial<OutputOptions> = {}): OutputOptions => ({
  format,
  timestampFormat: 'iso8601',
  color: false,
  columns: 80,
  ...extra,
});

// The describe-audit-mitigation-actions-task response behind the text and table examples recorded from the AWS CLI v2.
const describeTask = {
  taskStatus: 'COMPLETED',
  startTime: new Date(1600000000123),
  endTime: new Date(1600000600000),
  taskStatistics: {
    DEVICE_CERTIFICATE_EXPIRING_CHECK: {
      totalFindingsCount: 3,
      failedFindingsCount: 1,
      succeededFindingsCount: 2,
      skippedFindingsCount: 0,
      canceledFindingsCount: 0,
    },
  },
  target: { auditTaskId: 'a1' },
  auditCheckToActionsMapping: { DEVICE_CERTIFICATE_EXPIRING_CHECK: ['act1', 'act2'] },
  actionsDefinition: [
    { name: 'act1', id: 'id-1', roleArn: 'arn:aws:iam::123456789012:role/r1', actionParams: { updateDeviceCertificateParams: { action: 'DEACTIVATE' } } },
    {
      name: 'act2',
      id: 'id-2',
      roleArn: 'arn:aws:iam::123456789012:role/r2',
      actionParams: { addThingsToThingGroupParams: { thingGroupNames: ['quarantine'], overrideDynamicGroups: false } },
    },
  ],
};

const render = (op: string, value: Record<string, unknown>, opts: OutputOptions) => renderResult(op, [value], value, opts);

describe('output formats: cli.md §14 recorded examples', () => {
  test('text: describe-audit-mitigation-actions-task', () => {
    assert.equal(
      render('DescribeAuditMitigationActionsTask', describeTask, options('text')),
      [
        '2020-09-13T12:36:40+00:00\t2020-09-13T12:26:40.123000+00:00\tCOMPLETED',
        'ACTIONSDEFINITION\tid-1\tact1\tarn:aws:iam::123456789012:role/r1',
        'UPDATEDEVICECERTIFICATEPARAMS\tDEACTIVATE',
        'ACTIONSDEFINITION\tid-2\tact2\tarn:aws:iam::123456789012:role/r2',
        'ADDTHINGSTOTHINGGROUPPARAMS\tFalse',
        'THINGGROUPNAMES\tquarantine',
        'DEVICE_CERTIFICATE_EXPIRING_CHECK\tact1',
        'DEVICE_CERTIFICATE_EXPIRING_CHECK\tact2',
        'TARGET\ta1',
        'DEVICE_CERTIFICATE_EXPIRING_CHECK\t0\t1\t0\t2\t3',
        '',
      ].join('\n'),
    );
  });

  test('table: start-audit-mitigation-actions-task (single scalar row)', () => {
    assert.equal(
      render('StartAuditMitigationActionsTask', { taskId: 't1' }, options('table')),
      '---------------------------------\n|StartAuditMitigationActionsTask|\n+-------------------+-----------+\n|  taskId           |  t1       |\n+-------------------+-----------+\n',
    );
  });

  test('table: list-audit-mitigation-actions-tasks (list of dicts, centred headers)', () => {
    const tasks = ['COMPLETED', 'FAILED', 'IN_PROGRESS'].map((taskStatus, i) => ({
      taskId: `task-${i + 1}`,
      startTime: new Date((1600000000 + i * 100) * 1000),
      taskStatus,
    }));
    assert.equal(
      render('ListAuditMitigationActionsTasks', { tasks }, options('table')),
      [
        '----------------------------------------------------------',
        '|             ListAuditMitigationActionsTasks            |',
        '+--------------------------------------------------------+',
        '||                         tasks                        ||',
        '|+----------------------------+---------+---------------+|',
        '||          startTime         | taskId  |  taskStatus   ||',
        '|+----------------------------+---------+---------------+|',
        '||  2020-09-13T12:26:40+00:00 |  task-1 |  COMPLETED    ||',
        '||  2020-09-13T12:28:20+00:00 |  task-2 |  FAILED       ||',
        '||  2020-09-13T12:30:00+00:00 |  task-3 |  IN_PROGRESS  ||',
        '|+----------------------------+---------+---------------+|',
        '',
      ].join('\n'),
    );
  });

  test('table: describe-audit-mitigation-actions-task, first part (vertical fallback beyond 80 columns)', () => {
    const expected = [
      '----------------------------------------------------',
      '|        DescribeAuditMitigationActionsTask        |',
      '+-------------+------------------------------------+',
      '|  endTime    |  2020-09-13T12:36:40+00:00         |',
      '|  startTime  |  2020-09-13T12:26:40.123000+00:00  |',
      '|  taskStatus |  COMPLETED                         |',
      '+-------------+------------------------------------+',
      '||                actionsDefinition               ||',
      '|+---------+--------------------------------------+|',
      '||  id     |  id-1                                ||',
      '||  name   |  act1                                ||',
      '||  roleArn|  arn:aws:iam::123456789012:role/r1   ||',
      '|+---------+--------------------------------------+|',
      '|||                 actionParams                 |||',
      '||+----------------------------------------------+||',
      '||||        updateDeviceCertificateParams       ||||',
      '|||+-----------------+--------------------------+|||',
      '||||  action         |  DEACTIVATE              ||||',
      '|||+-----------------+--------------------------+|||',
    ].join('\n');
    const out = render('DescribeAuditMitigationActionsTask', describeTask, options('table'));
    assert.ok(out.startsWith(expected + '\n'), out);
    // Every line has the table's width; with a wide terminal the same sections stay horizontal.
    assert.deepEqual(new Set(out.trimEnd().split('\n').map(textWidth)), new Set([52]));
    const wide = render('DescribeAuditMitigationActionsTask', describeTask, options('table', { columns: 200 }));
    assert.match(wide, /\|\s+endTime\s+\|\s+startTime\s+\|\s+taskStatus\s+\|/);
  });

  test('json: model member order, 4-space indent, non-ASCII as is; wire timestamps are numbers', () => {
    const out = render('DescribeThing', { version: 1, thingName: 'gerät-温度', attributes: { b: '2', a: '1' }, thingArn: 'arn' }, options('json'));
    assert.equal(out, '{\n    "thingName": "gerät-温度",\n    "thingArn": "arn",\n    "attributes": {\n        "b": "2",\n        "a": "1"\n    },\n    "version": 1\n}\n');
    const wire = render('DescribeAuditMitigationActionsTask', { taskStatus: 'COMPLETED', startTime: new Date(1600000000123) }, options('json', { timestampFormat: 'wire' }));
    assert.equal(wire, '{\n    "taskStatus": "COMPLETED",\n    "startTime": 1600000000.123\n}\n');
  });

  test('empty responses print nothing in every format; unmodelled members are dropped', () => {
    for (const format of ['json', 'yaml', 'yaml-stream', 'text', 'table'] as const) {
      assert.equal(render('DeleteThing', {}, options(format)), '', format);
      assert.equal(render('CancelAuditMitigationActionsTask', { unmodelled: 'x' }, options(format)), '', format);
    }
  });

  test('yaml: sorted keys, quoted timestamps, scalar query results as JSON', () => {
    const out = render('DescribeAuditMitigationActionsTask', { taskStatus: 'COMPLETED', startTime: new Date(1600000000000), target: { auditTaskId: 'a1' } }, options('yaml'));
    assert.equal(out, "startTime: '2020-09-13T12:26:40+00:00'\ntarget:\n  auditTaskId: a1\ntaskStatus: COMPLETED\n");
    assert.equal(render('DescribeAuditMitigationActionsTask', describeTask, options('yaml', { query: 'taskStatus' })), '"COMPLETED"\n');
    assert.equal(render('DescribeAuditMitigationActionsTask', describeTask, options('json', { query: 'missing' })), 'null\n');
    assert.equal(render('DescribeAuditMitigationActionsTask', describeTask, options('text', { query: 'missing' })), 'None\n');
  });

  test('text and yaml-stream go page by page; the query applies to each page', () => {
    const pages = [{ tasks: [{ taskId: 'a' }, { taskId: 'b' }], nextToken: 'n1' }, { tasks: [{ taskId: 'c' }] }];
    const merged = { tasks: [{ taskId: 'a' }, { taskId: 'b' }, { taskId: 'c' }] };
    const op = 'ListAuditMitigationActionsTasks';
    assert.equal(renderResult(op, pages, merged, options('text', { query: 'tasks[].taskId' })), 'a\tb\nc\n');
    assert.equal(renderResult(op, pages, merged, options('text')), 'TASKS\ta\nTASKS\tb\nTASKS\tc\n');
    assert.equal(renderResult(op, pages, { ...merged, NextToken: 'tok' }, options('text')), 'TASKS\ta\nTASKS\tb\nTASKS\tc\nNEXTTOKEN\ttok\n');
    assert.equal(renderResult(op, pages, merged, options('yaml-stream')), '- nextToken: n1\n  tasks:\n  - taskId: a\n  - taskId: b\n- tasks:\n  - taskId: c\n');
    // A single request (--no-paginate) shows the service token (a top-level scalar: no key prefix).
    assert.equal(renderResult(op, [pages[0]!], pages[0]!, options('text')), 'n1\nTASKS\ta\nTASKS\tb\n');
  });

  test('skeleton output samples: zone-less timestamps print as aws prints a naive datetime', () => {
    const sample = outputSample('ListAuditMitigationActionsTasks');
    assert.match(render('ListAuditMitigationActionsTasks', sample, options('json')), /"startTime": "1970-01-01T00:00:00"/);
    assert.match(render('ListAuditMitigationActionsTasks', sample, options('text')), /1970-01-01 00:00:00/);
    assert.match(render('ListAuditMitigationActionsTasks', sample, options('yaml')), /startTime: 1970-01-01 00:00:00\n/);
    assert.match(render('ListAuditMitigationActionsTasks', sample, options('table')), /\|  1970-01-01 00:00:00 /);
  });

  test('table: East Asian wide characters count two columns; colour only when asked', () => {
    const out = render('DescribeThing', { thingName: '温度計', thingId: 'x' }, options('table'));
    assert.equal(out.trimEnd().split('\n').map(textWidth).filter((w, _, all) => w !== all[0]).length, 0, out);
    assert.ok(!out.includes('\x1b['));
    assert.ok(render('DescribeThing', { thingName: 't', thingId: 'x' }, options('table', { color: true })).includes('\x1b[34m'));
  });

  test('compileQuery: bad expressions are usage errors (rc 252) with aws wording', () => {
    assert.throws(() => compileQuery('foo['), (err: any) => err.rc === 252 && err.message.startsWith('Bad value for --query foo[: Invalid jmespath expression: '));
    assert.deepEqual(compileQuery('a[].b')({ a: [{ b: 1 }, { b: 2 }] }), [1, 2]);
  });
});

// ---------------------------------------------------------------------------------------------------------------

function run(cmd: string, args: string[], input?: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { encoding: 'utf8', env, timeout: 60_000, maxBuffer: 1 << 26 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

describe('yaml emitter: differential against aws-cli YAMLDumper (ruamel + libyaml)', () => {
  test('random documents with awkward strings render byte-identically', { skip: !AWS_CLI_V2 && 'aws CLI v2 not installed' }, async () => {
    const atoms = ['word', "it's", 'a: b', '#x', 'x #y', 'yes', 'true', 'null', '~', '5', '0x1f', '1e5', '1.5', '2020-01-01',
      '2020-09-13T12:26:40+00:00', '-', '- a', '?', ':x', 'ü漢字', '\n', ' lead', 'trail ', 'tab\there', '"q"', 'back\\slash', '',
      '{a}', '[1]', 'a,b', '@at', '%p', '=', '<<', '...', '---x', '\u2028', '\x07', 'ééé', '😀', '\x85', '\ufeff', 'k'.repeat(70)];
    let seed = 11;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
    const str = () => Array.from({ length: pick([1, 1, 2, 5, 12, 25, 40]) }, () => pick(atoms)).join(pick([' ', ' ', '', '\n', ', ']));
    const value = (depth: number): unknown => {
      const r = rand();
      if (depth < 3 && r < 0.2) return Object.fromEntries(Array.from({ length: Math.floor(rand() * 4) }, () => [[...str()].slice(0, 20 + Math.floor(rand() * 140)).join('') || 'k', value(depth + 1)]));
      if (depth < 3 && r < 0.35) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
      if (r < 0.4) return pick([null, true, false, 0, 7, 0.25, 1e-7, 123456789012]);
      return str();
    };
    const docs = Array.from({ length: 300 }, (_, i) => ({ [`k${i}`]: value(0), list: [value(1), { a: value(1), b: value(1) }] }));
    const script = 'import sys, json, io\nfrom awscli.formatter import YAMLDumper\nd = YAMLDumper()\nfor line in sys.stdin:\n    s = io.StringIO(); d.dump(json.loads(line), s); sys.stdout.write(json.dumps(s.getvalue()) + "\\n")\n';
    const r = await run('/usr/bin/python3', ['-c', script], docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
    assert.equal(r.code, 0, r.stderr);
    const expected = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as string);
    docs.forEach((doc, i) => assert.equal(renderYaml(doc as any), expected[i], JSON.stringify(doc)));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// End to end: the real aws CLI v2 and renderResult print the same registry. sqlite only: rendering does not depend on
// the store, and every aws call costs ~0.5 s.

interface Case {
  args: string[];
  operation: string;
  /** Fetches the response through the SDK: the pages and the merged result as the CLI pipeline will pass them. */
  fetch: (iot: IoTClient) => Promise<{ pages: Record<string, unknown>[]; merged: Record<string, unknown> }>;
  queries?: string[];
}

const strip = (o: { $metadata?: unknown }) => {
  const { $metadata: _, ...rest } = o;
  return rest as Record<string, unknown>;
};
const single = async (p: Promise<{ $metadata?: unknown }>) => {
  const r = strip(await p);
  return { pages: [r], merged: r };
};
/** Follows nextToken like aws's paginator; merged = concatenated result list without the service token. */
async function paginate(resultKey: string, send: (token?: string) => Promise<{ $metadata?: unknown }>) {
  const pages: Record<string, unknown>[] = [];
  let token: string | undefined;
  do {
    const page = strip(await send(token));
    pages.push(page);
    token = (page['nextToken'] ?? page['nextMarker']) as string | undefined;
  } while (token);
  return { pages, merged: { [resultKey]: pages.flatMap((p) => (p[resultKey] as unknown[]) ?? []) } };
}

describe('differential against the real aws CLI v2 (sqlite)', { skip: !AWS_CLI_V2 && 'aws CLI v2 not installed' }, () => {
  let server: TestServer;
  const cases: Case[] = [];
  before(async () => {
    server = await startTestServer('sqlite');
    const scenario = await mitigationScenario(server, '123456789012');
    const iot = scenario.iot;
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'fleet', thingGroupProperties: { thingGroupDescription: 'Fleet of sensors' } }));
    for (const [i, name] of ['sensor-1', 'sensor-2', 'sensor-3', 'sensor-4', 'sensor-5'].entries()) {
      await iot.send(new CreateThingCommand({ thingName: name, attributePayload: { attributes: { floor: String(i), room: `r_${i}`, yes: 'true' } } }));
      if (i < 2) await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'fleet', thingName: name }));
    }
    const { taskId } = await iot.send(
      new StartAuditMitigationActionsTaskCommand({
        taskId: 'mit-1',
        target: { auditTaskId: scenario.auditTaskId },
        auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicyVersionAction'], LOGGING_DISABLED_CHECK: ['EnableLogging'] },
      }),
    );
    await waitForMitigationTask(iot, taskId!);
    const audit = scenario.auditTaskId;
    const window = { startTime: new Date(Date.now() - 3_600_000), endTime: new Date(Date.now() + 3_600_000) };
    const iso = (d: Date) => d.toISOString();
    cases.push(
      { args: ['describe-thing', '--thing-name', 'sensor-3'], operation: 'DescribeThing', fetch: (c) => single(c.send(new DescribeThingCommand({ thingName: 'sensor-3' }))), queries: ['attributes', 'version'] },
      {
        args: ['list-things', '--page-size', '2'],
        operation: 'ListThings',
        fetch: (c) => paginate('things', (nextToken) => c.send(new ListThingsCommand({ maxResults: 2, nextToken }))),
        queries: ['things[].thingName', 'things[?attributes.floor == `"2"`] | [0]'],
      },
      { args: ['list-thing-groups'], operation: 'ListThingGroups', fetch: (c) => paginate('thingGroups', (nextToken) => c.send(new ListThingGroupsCommand({ nextToken }))) },
      { args: ['list-policies'], operation: 'ListPolicies', fetch: (c) => paginate('policies', (marker) => c.send(new ListPoliciesCommand({ marker }))) },
      { args: ['describe-audit-task', '--task-id', audit], operation: 'DescribeAuditTask', fetch: (c) => single(c.send(new DescribeAuditTaskCommand({ taskId: audit }))), queries: ['auditDetails'] },
      {
        args: ['list-audit-findings', '--task-id', audit],
        operation: 'ListAuditFindings',
        fetch: (c) => paginate('findings', (nextToken) => c.send(new ListAuditFindingsCommand({ taskId: audit, nextToken }))),
        queries: ['findings[0]', 'findings[].severity'],
      },
      {
        args: ['describe-audit-mitigation-actions-task', '--task-id', 'mit-1'],
        operation: 'DescribeAuditMitigationActionsTask',
        fetch: (c) => single(c.send(new DescribeAuditMitigationActionsTaskCommand({ taskId: 'mit-1' }))),
        queries: ['taskStatus', 'actionsDefinition[].name'],
      },
      {
        args: ['list-audit-mitigation-actions-tasks', '--start-time', iso(window.startTime), '--end-time', iso(window.endTime)],
        operation: 'ListAuditMitigationActionsTasks',
        fetch: (c) => paginate('tasks', (nextToken) => c.send(new ListAuditMitigationActionsTasksCommand({ ...window, nextToken }))),
      },
    );
  });
  after(() => server?.close());

  const formats = ['json', 'yaml', 'yaml-stream', 'text', 'table'] as const;

  test('every command × format × query prints what aws prints', async () => {
    const iot = server.iot('123456789012');
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TZ: 'UTC',
      AWS_ACCESS_KEY_ID: '123456789012',
      AWS_SECRET_ACCESS_KEY: 'ddlocal-test-secret',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    const jobs: { label: string; argv: string[]; expected: () => string }[] = [];
    for (const c of cases) {
      const response = await c.fetch(iot);
      for (const query of [undefined, ...(c.queries ?? [])]) {
        for (const format of formats) {
          const argv = ['--endpoint-url', server.url, 'iot', ...c.args, '--output', format, ...(query ? ['--query', query] : [])];
          jobs.push({
            label: `${c.args[0]} --output ${format}${query ? ` --query '${query}'` : ''}`,
            argv,
            expected: () => renderResult(c.operation, response.pages, response.merged, options(format, { query })),
          });
        }
      }
    }
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const r = await run(AWS_CLI_V2!, job.argv, undefined, env);
        if (r.code !== 0) failures.push(`${job.label}: aws failed rc=${r.code} ${r.stderr}`);
        else {
          const ours = job.expected();
          if (ours !== r.stdout) failures.push(`${job.label}\n--- aws\n${r.stdout}--- ddlocal\n${ours}`);
        }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    assert.ok(jobs.length >= 80, `only ${jobs.length} cases`);
    assert.deepEqual(failures, [], failures.slice(0, 4).join('\n\n'));
  });
});
