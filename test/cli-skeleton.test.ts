// Command/option names (the aws CLI's, docs/decisions.md#c1) and `--generate-cli-skeleton`
// (docs/decisions.md#c4, #c11), checked against
//   * the recorded aws-cli 2.9.19 skeletons in test/vectors/skeletons (byte for byte);
//   * botocore's own name conversion and the real `aws iot` argument tables, recorded in
//     test/fixtures/aws-cli-iot-names.json by test/fixtures/aws-cli-iot-names.py (re-checked live when possible);
//   * the installed AWS CLI v2 itself, driven by test/fixtures/aws-cli-skeletons.py: the input skeleton of EVERY
//     operation ddlocal implements (HANDLERS) that aws-cli 2.9.19 knows, the yaml-input structure of a subset, and
//     botocore's raw output placeholders. The helper runs the CLI's driver in-process (≈0.2 s per command, two
//     workers), so the whole comparison takes about 15 s instead of a minute of `aws` start-ups; one test also
//     spawns the real /usr/bin/aws for a few commands to tie the in-process path to the binary.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { MODEL, operation, shape } from '../src/model/model.js';
import {
  commandName,
  commandTable,
  dashedName,
  negatedOptionName,
  operationOptions,
  optionName,
} from '../src/cli/names.js';
import {
  DEFAULT_SKELETON_CHOICE,
  SKELETON_CHOICES,
  SampleTimestamp,
  inputSkeletonJson,
  inputSkeletonYaml,
  outputSample,
  type SampleValue,
} from '../src/cli/skeleton.js';
import { HANDLERS } from '../src/server/operations.js';

const SKELETONS_DIR = fileURLToPath(new URL('../../test/vectors/skeletons/', import.meta.url));
const NAMES_FIXTURE = fileURLToPath(new URL('../../test/fixtures/aws-cli-iot-names.json', import.meta.url));
const NAMES_SCRIPT = fileURLToPath(new URL('../../test/fixtures/aws-cli-iot-names.py', import.meta.url));
const SKELETON_HELPER = fileURLToPath(new URL('../../test/fixtures/aws-cli-skeletons.py', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = '/usr/bin/python3';
const REFERENCE_VERSION = '2.9.19';

const IMPLEMENTED = Object.keys(HANDLERS).sort();

// ddlocal's model comes from a newer botocore than aws-cli 2.9.19 ships. These operations are missing from 2.9.19 or
// have different shapes there, so they cannot be compared with it; the tests assert that they really differ, so the
// lists cannot go stale silently.
const NOT_IN_REFERENCE_CLI = ['ListPrincipalThingsV2', 'ListThingPrincipalsV2', 'UpdateThingType'];
const INPUT_DRIFT = [
  'AttachThingPrincipal',
  'CreateThingType',
  'GetV2LoggingOptions',
  'SetV2LoggingOptions',
  'UpdateAccountAuditConfiguration',
];
// Of those, the ones whose top-level input members (hence options) differ; the others differ only in nested shapes.
const OPTION_DRIFT = ['AttachThingPrincipal', 'GetV2LoggingOptions', 'SetV2LoggingOptions'];
const OUTPUT_DRIFT = ['DescribeAccountAuditConfiguration', 'DescribeThingType', 'GetV2LoggingOptions', 'ListThingTypes'];

interface NamesFixture {
  awsCliVersion: string;
  xform: Record<string, string>;
  commands: Record<string, { command: string; arguments: [string, string | null, boolean, string][] }>;
}
const fixture = JSON.parse(readFileSync(NAMES_FIXTURE, 'utf8')) as NamesFixture;

/** The installed awscli's version, or why the differential tests cannot run. */
function referenceCli(): { skip: string | false } {
  const r = spawnSync(PYTHON, ['-c', 'import awscli; print(awscli.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0) return { skip: `${PYTHON} cannot import awscli (install Debian's awscli ${REFERENCE_VERSION})` };
  const version = r.stdout.trim();
  if (version !== REFERENCE_VERSION) return { skip: `installed awscli is ${version}, the reference is ${REFERENCE_VERSION}` };
  return { skip: false };
}
const reference = referenceCli();

function execText(file: string, args: string[], stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 180_000, cwd: REPO_ROOT, env: { ...process.env, AWS_DEFAULT_REGION: 'us-east-1' } },
      (err, stdout, stderr) => (err ? reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout)),
    );
    child.stdin!.end(stdin ?? '');
  });
}

// ---------------------------------------------------------------------------------------------------------------

describe('command and option names', () => {
  test('the examples of cli.md §1', () => {
    const commands: [string, string][] = [
      ['StartAuditMitigationActionsTask', 'start-audit-mitigation-actions-task'],
      ['ListCACertificates', 'list-ca-certificates'],
      ['RegisterCertificateWithoutCA', 'register-certificate-without-ca'],
      ['ListCertificatesByCA', 'list-certificates-by-ca'],
      ['GetV2LoggingOptions', 'get-v2-logging-options'],
      ['ListThingPrincipalsV2', 'list-thing-principals-v2'],
    ];
    for (const [op, name] of commands) assert.equal(commandName(op), name, op);
    const options: [string, string][] = [
      ['auditCheckToActionsMapping', 'audit-check-to-actions-mapping'],
      ['caCertificatePem', 'ca-certificate-pem'],
      ['ascendingOrder', 'ascending-order'],
    ];
    for (const [member, name] of options) assert.equal(optionName(member), name, member);
    assert.equal(negatedOptionName('listSuppressedFindings'), 'no-list-suppressed-findings');
  });

  test("botocore's edge cases: plural acronyms, pre-seeded names, already dashed names", () => {
    // Expected values printed by awscli.botocore.xform_name(name, '-') of aws-cli 2.9.19.
    const cases: [string, string][] = [
      ['GatewayARNs', 'gateway-arns'],
      ['ListWebACLs', 'list-web-acls'],
      ['SomeCNAMEs', 'some-cnames'],
      ['CreateCachediSCSIVolume', 'create-cached-iscsi-volume'],
      ['ListHITsForQualificationType', 'list-hits-for-qualification-type'],
      ['already-dashed', 'already-dashed'],
      ['HTTPHeaders', 'http-headers'],
      ['DescribeDBInstances', 'describe-db-instances'],
      ['X509CertificatePEM', 'x509-certificate-pem'],
      ['enableIoTLoggingParams', 'enable-io-t-logging-params'],
      ['A', 'a'],
    ];
    for (const [name, want] of cases) assert.equal(dashedName(name), want, name);
  });

  test("every operation and top-level input member of the model converts as botocore's xform_name does", () => {
    let checked = 0;
    for (const [op, def] of Object.entries(MODEL.operations)) {
      assert.equal(commandName(op), fixture.xform[op], op);
      checked++;
      const members = def.input ? Object.keys(shape(def.input.shape).members ?? {}) : [];
      for (const member of members) {
        assert.equal(optionName(member), fixture.xform[member], `${op}.${member}`);
        checked++;
      }
    }
    assert.equal(Object.keys(MODEL.operations).length, 272);
    assert.ok(checked > 272, 'members were compared too');
  });

  test('command names are unique and map back to their operation', () => {
    const table = commandTable();
    assert.equal(table.size, Object.keys(MODEL.operations).length);
    assert.equal(table.get('list-ca-certificates'), 'ListCACertificates');
    assert.equal(table.get('start-audit-mitigation-actions-task'), 'StartAuditMitigationActionsTask');
    assert.throws(() => commandTable(['ListThings', 'ListThings']), /ListThings and ListThings both map to the command list-things/);
  });

  test('implemented operations: command names and option tables equal aws-cli 2.9.19', () => {
    assert.equal(fixture.awsCliVersion, REFERENCE_VERSION);
    let compared = 0;
    let shadowed = 0;
    for (const op of IMPLEMENTED) {
      const recorded = fixture.commands[op];
      if (NOT_IN_REFERENCE_CLI.includes(op)) {
        assert.equal(recorded, undefined, `${op} is listed as missing from aws-cli ${REFERENCE_VERSION}`);
        continue;
      }
      assert.ok(recorded, `${op} is missing from the recorded aws command table`);
      assert.equal(commandName(op), recorded.command, op);
      // Rows that fill an input member; options added by CLI customisations (pagination, --cli-input-*, skeleton,
      // outfiles) belong to the command pipeline.
      const theirs = recorded.arguments.filter((a) => a[1] !== null).map(([name, member, required]) => [name, member, required]);
      const options = operationOptions(op);
      for (const o of options.filter((x) => x.shadowedByPaging)) {
        assert.ok(recorded.arguments.some(([name, , , kind]) => name === o.name && kind === 'PageArgument'), `${op} --${o.name}`);
        shadowed++;
      }
      const ours = options.filter((o) => !o.shadowedByPaging).flatMap((o) => [
        [o.name, o.member, o.required],
        ...(o.negation ? [[o.negation, o.member, false]] : []),
      ]);
      if (OPTION_DRIFT.includes(op)) {
        assert.notDeepEqual(ours, theirs, `${op} is listed as drifted but its options equal aws's`);
      } else {
        assert.deepEqual(ours, theirs, op);
        compared++;
      }
    }
    assert.equal(compared, IMPLEMENTED.length - NOT_IN_REFERENCE_CLI.length - OPTION_DRIFT.length);
    assert.equal(shadowed, 9, 'the pageSize members of the marker-paginated list operations');
  });

  test('required options: required members except idempotency tokens; booleans are flag pairs', () => {
    const start = operationOptions('StartAuditMitigationActionsTask');
    assert.deepEqual(
      start.map((o) => [o.name, o.required]),
      [
        ['task-id', true],
        ['target', true],
        ['audit-check-to-actions-mapping', true],
        ['client-request-token', false],
      ],
    );
    const findings = operationOptions('ListAuditFindings').find((o) => o.member === 'listSuppressedFindings');
    assert.equal(findings?.negation, 'no-list-suppressed-findings');
    assert.equal(operationOptions('GetRegistrationCode').length, 0);
    // The CLI's --page-size replaces the pageSize member's option on marker-paginated commands; maxResults stays.
    assert.equal(operationOptions('ListCACertificates').find((o) => o.member === 'pageSize')?.shadowedByPaging, true);
    assert.equal(operationOptions('ListAuditFindings').find((o) => o.member === 'maxResults')?.shadowedByPaging, undefined);
  });

  test('the recorded names fixture is what the installed aws CLI produces', { skip: reference.skip }, async () => {
    const fresh = await execText(PYTHON, [NAMES_SCRIPT]);
    assert.equal(fresh, readFileSync(NAMES_FIXTURE, 'utf8'), `regenerate with: ${PYTHON} test/fixtures/aws-cli-iot-names.py > test/fixtures/aws-cli-iot-names.json`);
  });
});

// ---------------------------------------------------------------------------------------------------------------

const goldenFiles = readdirSync(SKELETONS_DIR).sort();
const operationOf = commandTable();

function golden(file: string): { op: string; kind: string; text: string } {
  const [command, kind] = file.split('.') as [string, string];
  const op = operationOf.get(command);
  assert.ok(op, `${command} (from ${file}) is not a command of the model`);
  return { op, kind, text: readFileSync(SKELETONS_DIR + file, 'utf8') };
}

/** What the default `--output json` formatter prints for a sample (4-space JSON, nothing for an empty object). */
function printedJson(sample: Record<string, SampleValue>): string {
  return Object.keys(sample).length === 0 ? '' : JSON.stringify(sample, null, 4) + '\n';
}

/**
 * The minimum checks aws's response validation applies to its own sample (docs/decisions.md#c11), as "path: problem"
 * lines.
 */
function minimumViolations(value: unknown, shapeName: string, path = ''): string[] {
  const s = shape(shapeName);
  const at = path || '<root>';
  const min = s.min ?? 0;
  switch (s.type) {
    case 'structure':
      return Object.entries(s.members ?? {}).flatMap(([name, ref]) => {
        const v = (value as Record<string, unknown>)[name];
        return v === undefined ? [] : minimumViolations(v, ref.shape, path ? `${path}.${name}` : name);
      });
    case 'list': {
      const items = value as unknown[];
      const own = items.length < min ? [`${at}: ${items.length} items < ${min}`] : [];
      return [...own, ...items.flatMap((v, i) => minimumViolations(v, s.member!.shape, `${path}[${i}]`))];
    }
    case 'map': {
      const entries = Object.entries(value as Record<string, unknown>);
      const own = entries.length < min ? [`${at}: ${entries.length} entries < ${min}`] : [];
      return [...own, ...entries.flatMap(([k, v]) => minimumViolations(v, s.value!.shape, `${path}.${k}`))];
    }
    case 'string':
      return (value as string).length < min ? [`${at}: length ${(value as string).length} < ${min}`] : [];
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      return (value as number) < min ? [`${at}: ${String(value)} < ${min}`] : [];
    default:
      return [];
  }
}

describe('input skeleton: recorded aws-cli 2.9.19 vectors', () => {
  const inputs = goldenFiles.filter((f) => /\.(input|novalue)\.json$/.test(f));
  test('the vectors are there', () => assert.equal(inputs.length, 30));
  for (const file of inputs) {
    test(`${file} byte for byte`, () => {
      const { op, text } = golden(file);
      assert.equal(inputSkeletonJson(op), text);
    });
  }

  test('choices: no value means input', () => {
    assert.deepEqual([...SKELETON_CHOICES], ['input', 'output', 'yaml-input']);
    assert.equal(DEFAULT_SKELETON_CHOICE, 'input');
  });

  test('placeholders: first enum value, 0, true, epoch timestamp, one list element, KeyName maps', () => {
    const findings = JSON.parse(inputSkeletonJson('ListAuditFindings')) as Record<string, unknown>;
    assert.equal(findings.maxResults, 0);
    assert.equal(findings.startTime, '1970-01-01T00:00:00');
    assert.equal(findings.listSuppressedFindings, true);
    const action = JSON.parse(inputSkeletonJson('CreateMitigationAction')) as { actionParams: Record<string, Record<string, unknown>> };
    assert.equal(action.actionParams.enableIoTLoggingParams!.logLevel, 'DEBUG');
    const audit = JSON.parse(inputSkeletonJson('UpdateAccountAuditConfiguration')) as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(audit.auditCheckConfigurations!), ['KeyName']);
    assert.equal(inputSkeletonJson('GetRegistrationCode'), '{}\n');
  });

  test("a structure already on the path becomes {} (the recursion cut-off of botocore)", () => {
    // The IoT model has no recursive shapes, so a synthetic one is added for this test and removed again. Expected
    // text printed by botocore's ArgumentGenerator for the same shapes.
    const shapes = MODEL.shapes as Record<string, unknown>;
    const operations = MODEL.operations as Record<string, unknown>;
    shapes.TestNode = {
      type: 'structure',
      required: ['name'],
      members: { name: { shape: 'TestStr' }, child: { shape: 'TestNode' }, children: { shape: 'TestNodeList' }, byName: { shape: 'TestNodeMap' } },
    };
    shapes.TestStr = { type: 'string' };
    shapes.TestNodeList = { type: 'list', member: { shape: 'TestNode' } };
    shapes.TestNodeMap = { type: 'map', key: { shape: 'TestStr' }, value: { shape: 'TestNode' } };
    operations.TestRecursive = { http: { method: 'POST', requestUri: '/test' }, input: { shape: 'TestNode' }, output: { shape: 'TestNode' } };
    try {
      assert.equal(
        inputSkeletonJson('TestRecursive'),
        '{\n    "name": "",\n    "child": {},\n    "children": [\n        {}\n    ],\n    "byName": {\n        "KeyName": {}\n    }\n}\n',
      );
      assert.deepEqual(JSON.parse(JSON.stringify(outputSample('TestRecursive'))), { name: 'name', child: {}, children: [{}], byName: { KeyName: {} } });
      assert.equal(
        inputSkeletonYaml('TestRecursive'),
        "name: ''  # [REQUIRED] String.\nchild: {}  # Object with 4 members.\nchildren:  # List of objects.\n- {}\nbyName:  # Map from string keys to objects.\n  KeyName: {}\n",
      );
    } finally {
      for (const name of ['TestNode', 'TestStr', 'TestNodeList', 'TestNodeMap']) delete shapes[name];
      delete operations.TestRecursive;
    }
  });
});

describe('output sample', () => {
  // aws failed on its own placeholders for these (empty recordings, vectors README); docs/decisions.md#c11 makes
  // them valid.
  const AWS_REJECTED = ['describe-audit-finding', 'describe-audit-mitigation-actions-task', 'describe-mitigation-action', 'list-audit-findings'];
  const outputs = goldenFiles.filter((f) => f.endsWith('.output.json'));

  for (const file of outputs) {
    const command = file.split('.')[0]!;
    test(`${file}`, () => {
      const { op, text } = golden(file);
      const sample = outputSample(op);
      if (AWS_REJECTED.includes(command)) {
        assert.equal(text, '', 'aws printed nothing here');
        assert.notDeepEqual(sample, {});
        assert.deepEqual(minimumViolations(sample, operation(op).output!.shape), []);
      } else {
        assert.equal(printedJson(sample), text);
      }
    });
  }

  test('no operation of the model produces a sample that violates a minimum', () => {
    let withOutput = 0;
    for (const [op, def] of Object.entries(MODEL.operations)) {
      if (!def.output) continue;
      withOutput++;
      assert.deepEqual(minimumViolations(outputSample(op), def.output.shape), [], op);
    }
    assert.ok(withOutput > 200);
  });

  test('Dec C11 samples: role ARNs, certificate ids, account ids, padded strings, numeric minimums', () => {
    const role = outputSample('DescribeRoleAlias').roleAliasDescription as Record<string, SampleValue>;
    assert.equal(role.roleArn, 'arn:aws:iam::123456789012:role/sample-role');
    assert.equal(role.owner, '123456789012');
    assert.equal(role.credentialDurationSeconds, 900);
    assert.equal(role.roleAlias, 'roleAlias', 'a name that satisfies the minimum stays');
    const cert = outputSample('DescribeCertificate').certificateDescription as Record<string, SampleValue>;
    assert.equal(cert.certificateId, '0'.repeat(64));
    assert.equal(cert.customerVersion, 1);
    assert.equal(outputSample('GetRegistrationCode').registrationCode, 'registrationCode' + 'x'.repeat(48));
    const audit = outputSample('DescribeAccountAuditConfiguration');
    assert.equal(audit.roleArn, 'arn:aws:iam::123456789012:role/sample-role');
  });

  test('list elements are named after their shape, map values are empty strings, timestamps are zone-less', () => {
    const action = outputSample('DescribeMitigationAction') as Record<string, Record<string, Record<string, SampleValue>>>;
    assert.deepEqual(action.actionParams!.addThingsToThingGroupParams!.thingGroupNames, ['ThingGroupName']);
    const thing = outputSample('DescribeThing');
    assert.deepEqual(thing.attributes, { KeyName: '' });
    const created = outputSample('GetPolicy').creationDate;
    assert.ok(created instanceof SampleTimestamp);
    assert.equal(JSON.stringify(created), '"1970-01-01T00:00:00"');
    assert.equal(String(created), '1970-01-01 00:00:00');
  });

  test('operations without output members give an empty sample (printed as nothing)', () => {
    assert.deepEqual(outputSample('DeleteThing'), {});
    assert.deepEqual(outputSample('CancelAuditMitigationActionsTask'), {});
    assert.equal(printedJson(outputSample('DeleteMitigationAction')), '');
  });
});

describe('yaml-input skeleton', () => {
  /** Parsed YAML with date-times as the JSON skeleton writes them. */
  function loadYaml(text: string): unknown {
    return JSON.parse(
      JSON.stringify(YAML.parse(text, { version: '1.1' }), (_k, v: unknown) =>
        typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/.test(v) ? v.slice(0, 19) : v,
      ),
    );
  }

  test('loads (YAML 1.1, as --cli-input-yaml does) to exactly the JSON skeleton, for every implemented operation', () => {
    for (const op of IMPLEMENTED) {
      assert.deepEqual(loadYaml(inputSkeletonYaml(op)), JSON.parse(inputSkeletonJson(op)), op);
    }
  });

  test('layout and ddlocal comments: [REQUIRED], type and bounds, valid values', () => {
    assert.equal(
      inputSkeletonYaml('StartAuditMitigationActionsTask'),
      [
        "taskId: ''  # [REQUIRED] String, 1-128 characters.",
        'target:  # [REQUIRED] Object with 3 members.',
        "  auditTaskId: ''  # String, 1-40 characters.",
        '  findingIds:  # List of strings, 1-25 items.',
        "  - ''",
        '  auditCheckToReasonCodeFilter:  # Map from string keys to lists.',
        '    KeyName:',
        "    - ''",
        'auditCheckToActionsMapping:  # [REQUIRED] Map from string keys to lists.',
        '  KeyName:',
        "  - ''",
        "clientRequestToken: ''  # [REQUIRED] String, 1-64 characters. Filled with a random UUID when absent.",
        '',
      ].join('\n'),
    );
    const action = inputSkeletonYaml('CreateMitigationAction');
    assert.match(action, /^ {4}logLevel: DEBUG {2}# \[REQUIRED\] Valid values are: DEBUG, INFO, ERROR, WARN, DISABLED\.$/m);
    assert.match(action, /^- Key: '' {2}# \[REQUIRED\] String, 1-128 characters\.\n {2}Value: '' {2}# String, 0-256 characters\.$/m);
    assert.match(inputSkeletonYaml('ListAuditFindings'), /^startTime: 1970-01-01 00:00:00 {2}# Timestamp/m);
    assert.equal(inputSkeletonYaml('GetRegistrationCode'), '{}\n');
  });

  test('every member line carries a comment; map keys and bare list items do not', () => {
    let members = 0;
    for (const op of IMPLEMENTED) {
      for (const line of inputSkeletonYaml(op).trimEnd().split('\n')) {
        const key = /^[ -]*([A-Za-z0-9_]+):/.exec(line)?.[1];
        const isMember = key !== undefined && key !== 'KeyName';
        if (isMember) members++;
        assert.equal(line.includes('  # '), isMember, `${op}: ${line}`);
      }
    }
    assert.ok(members > 300);
  });
});

// ---------------------------------------------------------------------------------------------------------------

interface HelperAnswer {
  skeletons: Record<string, { rc: number; stdout: string }>;
  yaml: unknown[];
  outputs: Record<string, unknown>;
}

async function runHelper(request: { skeletons?: [string, string][]; yaml?: string[]; outputs?: string[] }): Promise<HelperAnswer> {
  return JSON.parse(await execText(PYTHON, [SKELETON_HELPER], JSON.stringify(request))) as HelperAnswer;
}

describe(`differential against the installed aws-cli ${REFERENCE_VERSION}`, { skip: reference.skip }, () => {
  const comparable = IMPLEMENTED.filter((op) => !NOT_IN_REFERENCE_CLI.includes(op));
  // yaml-input: the recorded commands plus a few with maps, lists of structures and no input at all.
  const yamlSubset = [
    ...new Set([...goldenFiles.map((f) => operationOf.get(f.split('.')[0]!)!), 'CreateThingGroup', 'CreateThing', 'GetRegistrationCode', 'CreateAuditSuppression', 'CreateScheduledAudit', 'UpdateThingGroupsForThing']),
  ];
  let answer: HelperAnswer;

  before(async () => {
    // Two workers, each with half of the commands.
    const jobs: [string, string][] = comparable.map((op) => [commandName(op), '']);
    const half = Math.ceil(jobs.length / 2);
    const [a, b] = await Promise.all([
      runHelper({ skeletons: jobs.slice(0, half) }),
      runHelper({
        skeletons: [...jobs.slice(half), ...yamlSubset.map((op): [string, string] => [commandName(op), 'yaml-input'])],
        outputs: IMPLEMENTED.filter((op) => !NOT_IN_REFERENCE_CLI.includes(op) && !OUTPUT_DRIFT.includes(op)),
      }),
    ]);
    answer = { skeletons: { ...a.skeletons, ...b.skeletons }, yaml: [], outputs: b.outputs };
  });

  test('input skeleton of every implemented operation is byte-identical (drifted models excepted)', () => {
    let identical = 0;
    for (const op of comparable) {
      const theirs = answer.skeletons[`${commandName(op)} `]!;
      assert.equal(theirs.rc, 0, op);
      if (INPUT_DRIFT.includes(op)) {
        assert.notEqual(inputSkeletonJson(op), theirs.stdout, `${op} is listed as drifted but its skeleton equals aws's`);
      } else {
        assert.equal(inputSkeletonJson(op), theirs.stdout, op);
        identical++;
      }
    }
    assert.equal(identical, IMPLEMENTED.length - NOT_IN_REFERENCE_CLI.length - INPUT_DRIFT.length);
  });

  test('yaml-input loads to the same structure as aws prints', async () => {
    const ops = yamlSubset.filter((op) => !INPUT_DRIFT.includes(op));
    const texts = ops.flatMap((op) => [answer.skeletons[`${commandName(op)} yaml-input`]!.stdout, inputSkeletonYaml(op)]);
    const loaded = (await runHelper({ yaml: texts })).yaml;
    ops.forEach((op, i) => assert.deepEqual(loaded[2 * i + 1], loaded[2 * i], op));
    // ddlocal writes its own comments, never aws's documentation text.
    const theirs = answer.skeletons['create-mitigation-action yaml-input']!.stdout;
    assert.notEqual(inputSkeletonYaml('CreateMitigationAction'), theirs);
  });

  test("output samples equal botocore's placeholders except where those violate a minimum (Dec C11)", () => {
    let replaced = 0;
    for (const [op, theirs] of Object.entries(answer.outputs)) {
      const ours = outputSample(op);
      const def = operation(op);
      if (!def.output) continue;
      // Compare leaf by leaf: a differing leaf is allowed only where aws's placeholder is itself invalid.
      const diffs = leafDiffs(ours, theirs, def.output.shape);
      for (const d of diffs) {
        assert.ok(d.theirsInvalid, `${op} ${d.path}: ${String(d.ours)} differs from aws's valid ${String(d.theirs)}`);
        replaced++;
      }
    }
    assert.ok(replaced >= 10, 'the known invalid placeholders (role ARNs, certificate ids, …) were replaced');
  });

  test('the real /usr/bin/aws binary prints the same skeletons as the in-process driver', async () => {
    const commands = ['start-audit-mitigation-actions-task', 'list-audit-findings', 'create-thing-group'];
    const printed = await Promise.all(commands.map((c) => execText('/usr/bin/aws', ['iot', c, '--generate-cli-skeleton'])));
    commands.forEach((c, i) => {
      assert.equal(printed[i], answer.skeletons[`${c} `]!.stdout, c);
      assert.equal(printed[i], inputSkeletonJson(operationOf.get(c)!), c);
    });
  });
});

interface LeafDiff {
  path: string;
  ours: unknown;
  theirs: unknown;
  theirsInvalid: boolean;
}

/** Differences between ddlocal's sample and botocore's raw one, walking the output shape. */
function leafDiffs(ours: unknown, theirs: unknown, shapeName: string, path = ''): LeafDiff[] {
  const s = shape(shapeName);
  switch (s.type) {
    case 'structure': {
      const o = ours as Record<string, unknown>;
      const t = theirs as Record<string, unknown>;
      assert.deepEqual(Object.keys(o), Object.keys(t), `member order at ${path || '<root>'}`);
      return Object.keys(t).flatMap((k) => leafDiffs(o[k], t[k], s.members![k]!.shape, path ? `${path}.${k}` : k));
    }
    case 'list': {
      const [o, t] = [ours as unknown[], theirs as unknown[]];
      assert.equal(o.length, Math.max(t.length, s.min ?? 0), `list length at ${path}`);
      return t.flatMap((v, i) => leafDiffs(o[i], v, s.member!.shape, `${path}[${i}]`));
    }
    case 'map': {
      const [o, t] = [ours as Record<string, unknown>, theirs as Record<string, unknown>];
      return Object.keys(t).flatMap((k) => leafDiffs(o[k], t[k], s.value!.shape, `${path}.${k}`));
    }
    case 'timestamp':
      assert.ok(ours instanceof SampleTimestamp, `timestamp at ${path}`);
      assert.equal(theirs, '1970-01-01T00:00:00');
      return [];
    default:
      if (ours === theirs) return [];
      return [{ path, ours, theirs, theirsInvalid: minimumViolations(theirs, shapeName).length > 0 }];
  }
}
