// `ddlocal import` / `ddlocal export` (docs/fleet-format.md) end to end: the built executable as a child process
// against a real server on both stores, the result checked through the official AWS SDK. Covers loading every section
// from YAML with PEM files, all-or-nothing on a bad entry in the middle (and the error naming it), existing resources,
// the export → reset → import → export round trip, the example fleet, usage errors and strict mode's signatures.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DescribeAccountAuditConfigurationCommand,
  DescribeCACertificateCommand,
  DescribeCertificateCommand,
  DescribeMitigationActionCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  GetPolicyCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListCertificatesCommand,
  ListPoliciesCommand,
  ListPrincipalThingsCommand,
  ListThingGroupsForThingCommand,
  ListThingsCommand,
  ListThingTypesCommand,
} from '@aws-sdk/client-iot';
import { forEachStore, iotClient, startTestServer, type TestServer } from './helpers/server.js';
import { cleanAwsEnv, runCommand, type CommandResult } from './helpers/ddlocal-command.js';
import { freePort } from './helpers/cli-runner.js';
import { makeCa, makeCertificate, makeDeviceCertificate, type TestCertificate } from './helpers/certs.js';
import { tempDir } from './helpers/temp-dir.js';

const EXAMPLE_FLEET = fileURLToPath(new URL('../../examples/fleet/fleet.yaml', import.meta.url));

const env = (accountId: string, extra: Record<string, string> = {}) =>
  cleanAwsEnv({ AWS_ACCESS_KEY_ID: accountId, AWS_SECRET_ACCESS_KEY: 'secret', AWS_DEFAULT_REGION: 'us-east-1', ...extra });

function json(result: CommandResult): any {
  assert.equal(result.rc, 0, `expected success, got rc ${result.rc}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

interface FleetFiles {
  dir: string;
  ca: TestCertificate;
  sensors: TestCertificate[];
  loner: TestCertificate;
}

/** A CA, two device certificates it issued and one self-signed certificate, as PEM files in a new folder. */
async function fleetFiles(): Promise<FleetFiles> {
  const dir = tempDir('ddlocal-fleet-');
  const ca = await makeCa();
  const sensors = [await makeDeviceCertificate(ca, { subject: 'CN=sensor-1' }), await makeDeviceCertificate(ca, { subject: 'CN=sensor-2' })];
  const loner = await makeCertificate({ subject: 'CN=loner' });
  writeFileSync(join(dir, 'ca.pem'), ca.pem);
  sensors.forEach((s, i) => writeFileSync(join(dir, `sensor-${i + 1}.pem`), s.pem));
  return { dir, ca, sensors, loner };
}

/** A fleet with every section; the loner's PEM is inline, the others are files. */
function fleetYaml(files: FleetFiles): string {
  const inline = files.loner.pem.trim().split('\n').map((line) => `      ${line}`).join('\n');
  return `
thingTypes:
  - thingTypeName: sensor
    thingTypeDescription: "temperature sensor, v2"
    tags: [{Key: team, Value: iot}]
thingGroups:
  - thingGroupName: floor-1
    parentGroupName: building
    attributes: {level: "1"}
  - thingGroupName: building
    thingGroupDescription: "HQ | main"
  - thingGroupName: maintenance
things:
  - thingName: sensor-1
    thingTypeName: sensor
    attributes: {serial: "0001"}
    thingGroups: [floor-1]
  - thingName: sensor-2
    thingTypeName: sensor
    thingGroups: [floor-1, maintenance]
  - thingName: loner
policies:
  - policyName: connect-only
    policyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "iot:Connect", Resource: "*"}]}
  - policyName: as-text
    policyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Publish","Resource":"*"}]}'
caCertificates:
  - caCertificatePemFile: ca.pem
    allowAutoRegistration: true
certificates:
  - certificatePemFile: sensor-1.pem
    caCertificatePemFile: ca.pem
    things: [sensor-1]
    policies: [connect-only, as-text]
  - certificatePemFile: sensor-2.pem
    caCertificateId: ${files.ca.id}
    status: INACTIVE
    things: [sensor-2]
  - certificatePem: |
${inline}
    things: [loner]
    policies: [connect-only]
auditConfiguration:
  roleArn: arn:aws:iam::123456789012:role/Audit
  auditCheckConfigurations:
    LOGGING_DISABLED_CHECK: {enabled: true}
    IOT_POLICY_OVERLY_PERMISSIVE_CHECK: {enabled: true}
mitigationActions:
  - actionName: deactivate
    roleArn: arn:aws:iam::123456789012:role/Mitigate
    actionParams: {updateDeviceCertificateParams: {action: DEACTIVATE}}
`;
}

async function thingNames(iot: IoTClient): Promise<string[]> {
  return ((await iot.send(new ListThingsCommand({}))).things ?? []).map((t) => t.thingName!).sort();
}

async function registrySnapshot(iot: IoTClient) {
  return {
    things: await thingNames(iot),
    types: ((await iot.send(new ListThingTypesCommand({}))).thingTypes ?? []).map((t) => t.thingTypeName),
    policies: ((await iot.send(new ListPoliciesCommand({}))).policies ?? []).map((p) => p.policyName),
    certificates: ((await iot.send(new ListCertificatesCommand({}))).certificates ?? []).map((c) => c.certificateId),
  };
}

forEachStore('ddlocal import and export', (suite) => {
  let server: TestServer;
  let files: FleetFiles;
  before(async () => {
    server = suite.server;
    files = await fleetFiles();
  });
  const run = (accountId: string, args: string[]) => runCommand([...args, '--endpoint-url', server.url], env(accountId));
  const write = (name: string, text: string) => {
    const path = join(files.dir, name);
    writeFileSync(path, text);
    return path;
  };

  test('a YAML fleet with PEM files loads every section, checked through the SDK', async () => {
    const account = '111100000001';
    const iot = iotClient(server.url, account);
    const summary = json(await run(account, ['import', write('full.yaml', fleetYaml(files))]));
    assert.deepEqual(summary.created, {
      policies: 2,
      thingTypes: 1,
      thingGroups: 3,
      caCertificates: 1,
      things: 3,
      certificates: 3,
      auditConfiguration: 1,
      mitigationActions: 1,
    });
    const sensor1 = await iot.send(new DescribeThingCommand({ thingName: 'sensor-1' }));
    assert.equal(sensor1.thingTypeName, 'sensor');
    assert.deepEqual(sensor1.attributes, { serial: '0001' });
    const groups2 = (await iot.send(new ListThingGroupsForThingCommand({ thingName: 'sensor-2' }))).thingGroups!.map((g) => g.groupName).sort();
    assert.deepEqual(groups2, ['floor-1', 'maintenance']);
    const floor = await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'floor-1' }));
    assert.equal(floor.thingGroupMetadata?.parentGroupName, 'building', 'the child listed first was created after its parent');
    assert.deepEqual(floor.thingGroupProperties?.attributePayload?.attributes, { level: '1' });

    const sensor1Cert = await iot.send(new DescribeCertificateCommand({ certificateId: files.sensors[0]!.id }));
    assert.equal(sensor1Cert.certificateDescription?.status, 'ACTIVE');
    assert.equal(sensor1Cert.certificateDescription?.caCertificateId, files.ca.id);
    const arn1 = sensor1Cert.certificateDescription!.certificateArn!;
    assert.deepEqual((await iot.send(new ListPrincipalThingsCommand({ principal: arn1 }))).things, ['sensor-1']);
    assert.deepEqual(((await iot.send(new ListAttachedPoliciesCommand({ target: arn1 }))).policies ?? []).map((p) => p.policyName).sort(), ['as-text', 'connect-only']);
    const sensor2Cert = await iot.send(new DescribeCertificateCommand({ certificateId: files.sensors[1]!.id }));
    assert.equal(sensor2Cert.certificateDescription?.status, 'INACTIVE');
    assert.equal(sensor2Cert.certificateDescription?.caCertificateId, files.ca.id, 'caCertificateId names a CA of the same fleet');
    const loner = await iot.send(new DescribeCertificateCommand({ certificateId: files.loner.id }));
    assert.equal(loner.certificateDescription?.caCertificateId, undefined);
    assert.equal(loner.certificateDescription?.certificateMode, 'SNI_ONLY');

    const ca = await iot.send(new DescribeCACertificateCommand({ certificateId: files.ca.id }));
    assert.equal(ca.certificateDescription?.status, 'ACTIVE');
    assert.equal(ca.certificateDescription?.autoRegistrationStatus, 'ENABLE');
    assert.equal(JSON.parse((await iot.send(new GetPolicyCommand({ policyName: 'connect-only' }))).policyDocument!).Statement[0].Action, 'iot:Connect');
    const audit = await iot.send(new DescribeAccountAuditConfigurationCommand({}));
    assert.equal(audit.roleArn, 'arn:aws:iam::123456789012:role/Audit');
    assert.equal(audit.auditCheckConfigurations?.LOGGING_DISABLED_CHECK?.enabled, true);
    assert.equal(audit.auditCheckConfigurations?.CA_CERTIFICATE_EXPIRING_CHECK?.enabled, false);
    const action = await iot.send(new DescribeMitigationActionCommand({ actionName: 'deactivate' }));
    assert.equal(action.actionType, 'UPDATE_DEVICE_CERTIFICATE');
    assert.equal(action.roleArn, 'arn:aws:iam::123456789012:role/Mitigate');
  });

  test('a bad entry in the middle leaves the registry unchanged, and the error names the entry', async () => {
    const account = '111100000002';
    const iot = iotClient(server.url, account);
    json(await run(account, ['import', write('base.json', JSON.stringify({ things: [{ thingName: 'already-here' }] }))]));
    const before = await registrySnapshot(iot);
    const broken = {
      policies: [{ policyName: 'fine', policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] } }],
      things: [{ thingName: 'ok-1' }, { thingName: 'ok-2' }, { thingName: 'sensor-7', thingTypeName: 'no-such-type' }, { thingName: 'ok-4' }],
      certificates: [{ certificatePem: files.loner.pem, things: ['ok-1'] }],
    };
    const result = await run(account, ['import', write('broken.json', JSON.stringify(broken))]);
    assert.equal(result.rc, 254, result.stderr);
    assert.match(result.stderr, /^\nAn error occurred \(ResourceNotFoundException\) when calling the ImportFleet operation: things\[2\] \(thingName sensor-7\): .*no-such-type/);
    assert.deepEqual(await registrySnapshot(iot), before, 'nothing of the fleet was written');

    // A model violation is reported with the API's own validation text, under the entry's name.
    const badName = await run(account, ['import', write('bad-name.json', JSON.stringify({ things: [{ thingName: 'ok' }, { thingName: 'has space' }] }))]);
    assert.equal(badName.rc, 254);
    assert.match(badName.stderr, /\(InvalidRequestException\) when calling the ImportFleet operation: things\[1\] \(thingName has space\): .*thingName/);
    // A misspelt field is refused before anything is written.
    const typo = await run(account, ['import', write('typo.json', JSON.stringify({ things: [{ thingName: 'x', thingType: 'sensor' }] }))]);
    assert.equal(typo.rc, 254);
    assert.match(typo.stderr, /things\[0\] \(thingName x\): unknown field thingType; known fields: thingName, thingTypeName/);
    assert.deepEqual(await registrySnapshot(iot), before);
  });

  test('existing resources fail the import by name, unless --skip-existing', async () => {
    const account = '111100000003';
    const iot = iotClient(server.url, account);
    const path = write('small.yaml', 'things:\n  - thingName: a\n  - thingName: b\npolicies:\n  - policyName: p\n    policyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "iot:*", Resource: "*"}]}\n');
    json(await run(account, ['import', path]));
    const again = await run(account, ['import', path]);
    assert.equal(again.rc, 254);
    assert.match(again.stderr, /\(ResourceAlreadyExistsException\) when calling the ImportFleet operation: policies\[0\] \(policyName p\): Policy p already exists/);
    const bigger = write('bigger.yaml', 'things:\n  - thingName: a\n  - thingName: c\n');
    const skipped = json(await run(account, ['import', bigger, '--skip-existing']));
    assert.deepEqual(skipped, { created: { things: 1 }, skipped: { things: 1 } });
    assert.deepEqual(await thingNames(iot), ['a', 'b', 'c']);
  });

  test('export → reset → import → export gives the same document (YAML and JSON)', async () => {
    const account = '111100000004';
    json(await run(account, ['import', write('round.yaml', fleetYaml(files))]));
    const firstYaml = await run(account, ['export']);
    assert.equal(firstYaml.rc, 0, firstYaml.stderr);
    const exported = join(files.dir, 'exported.json');
    assert.equal((await run(account, ['export', '--format', 'json', '-o', exported])).rc, 0);
    const first = JSON.parse((await import('node:fs')).readFileSync(exported, 'utf8'));
    assert.equal(first.certificates.length, 3);
    assert.match(first.certificates[0].certificatePem, /^-----BEGIN CERTIFICATE-----/, 'PEMs are inline');
    assert.equal((await run(account, ['reset', '--account', account])).rc, 0);
    assert.deepEqual(await thingNames(iotClient(server.url, account)), []);
    json(await run(account, ['import', exported]));
    const second = json(await run(account, ['export', '--format', 'json']));
    assert.deepEqual(second, first);
    assert.equal((await run(account, ['export'])).stdout, firstYaml.stdout, 'the YAML export is byte for byte the same');
  });

  test('the example fleet imports', async () => {
    const account = '111100000005';
    const summary = json(await runCommand(['import', EXAMPLE_FLEET, '--endpoint-url', server.url], env(account)));
    assert.equal(summary.created.things, 4);
    assert.equal(summary.created.certificates, 4);
    assert.deepEqual(await thingNames(iotClient(server.url, account)), ['gateway-01', 'legacy-sensor-9', 'thermostat-001', 'thermostat-002']);
  });
});

describe('ddlocal import/export usage and connection errors', () => {
  test('usage errors exit 252, unreadable files and unreachable servers 255', async () => {
    const dir = tempDir('ddlocal-fleet-usage-');
    const port = await freePort();
    const endpoint = ['--endpoint-url', `http://127.0.0.1:${port}`];
    const noFile = await runCommand(['import', ...endpoint], env('111100000009'));
    assert.equal(noFile.rc, 252);
    assert.match(noFile.stderr, /ddlocal: error: name the fleet file to import/);
    const missing = await runCommand(['import', join(dir, 'nope.yaml'), ...endpoint], env('111100000009'));
    assert.equal(missing.rc, 255);
    assert.match(missing.stderr, /Cannot read the fleet file .*nope\.yaml: ENOENT/);
    writeFileSync(join(dir, 'bad.yaml'), 'things: [unclosed\n');
    const badYaml = await runCommand(['import', join(dir, 'bad.yaml'), ...endpoint], env('111100000009'));
    assert.equal(badYaml.rc, 255);
    assert.match(badYaml.stderr, /is not valid YAML/);
    const badFormat = await runCommand(['export', '--format', 'xml', ...endpoint], env('111100000009'));
    assert.equal(badFormat.rc, 252);
    assert.match(badFormat.stderr, /argument --format: invalid choice: 'xml'/);
    writeFileSync(join(dir, 'ok.yaml'), 'things: [{thingName: a}]\n');
    const refused = await runCommand(['import', join(dir, 'ok.yaml'), ...endpoint], env('111100000009'));
    assert.equal(refused.rc, 255);
    assert.equal(refused.stderr, `\nCould not connect to the endpoint URL: "http://127.0.0.1:${port}/_ddlocal/fleet"\n`);
  });
});

describe('ddlocal import/export in strict mode', () => {
  const ADMIN = { accessKeyId: 'fleet-admin', secretAccessKey: 'admin/secret+1' };
  const ROLE = { accessKeyId: 'AKIAFLEETIOTONLY', secretAccessKey: 'role-secret' };
  const ACCOUNT = '222200000001';
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', {
      authMode: 'strict',
      credentials: [
        { ...ADMIN, accountId: ACCOUNT, admin: true },
        {
          ...ROLE,
          accountId: ACCOUNT,
          principalArn: `arn:aws:iam::${ACCOUNT}:role/IotOnly`,
          policies: [{ name: 'iot-only', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] } }],
        },
      ],
    });
  });
  after(() => server?.close());
  const run = (key: { accessKeyId: string; secretAccessKey: string }, args: string[]) =>
    runCommand([...args, '--endpoint-url', server.url], env(key.accessKeyId, { AWS_SECRET_ACCESS_KEY: key.secretAccessKey }));

  test('signed requests import and export; a caller without ddlocal:ImportFleet is denied; a bad signature is refused', async () => {
    const dir = tempDir('ddlocal-fleet-strict-');
    const path = join(dir, 'fleet.yaml');
    writeFileSync(path, 'things:\n  - thingName: strict-thing\n');
    json(await run(ADMIN, ['import', path]));
    const iot = new IoTClient({ endpoint: server.url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 });
    assert.deepEqual(await thingNames(iot), ['strict-thing']);
    assert.deepEqual(json(await run(ADMIN, ['export', '--format', 'json'])), { things: [{ thingName: 'strict-thing' }] });
    const denied = await run(ROLE, ['import', path]);
    assert.equal(denied.rc, 254);
    assert.match(denied.stderr, /\(AccessDeniedException\) when calling the ImportFleet operation: .*ddlocal:ImportFleet/);
    const deniedExport = await run(ROLE, ['export']);
    assert.match(deniedExport.stderr, /\(AccessDeniedException\) when calling the ExportFleet operation: .*ddlocal:ExportFleet/);
    const forged = await run({ ...ADMIN, secretAccessKey: 'wrong' }, ['import', path]);
    assert.equal(forged.rc, 254);
    assert.match(forged.stderr, /\(InvalidSignatureException\) when calling the ImportFleet operation/);
  });
});
