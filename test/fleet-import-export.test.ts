// `ddlocal import` / `ddlocal export` (docs/fleet-format.md) end to end: the built executable as a child process
// against a real server on both stores, the result checked through the official AWS SDK. Covers loading every section
// from YAML with PEM files, all-or-nothing on a bad entry in the middle (and the error naming it), existing resources,
// the export → reset → import → export round trip, the example fleet, usage errors and strict mode's signatures.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateThingGroupCommand,
  DeletePolicyVersionCommand,
  DescribeAccountAuditConfigurationCommand,
  DescribeAuditTaskCommand,
  DescribeCACertificateCommand,
  DescribeCertificateCommand,
  DescribeMitigationActionCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRegistrationCodeCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListAuditFindingsCommand,
  ListCertificatesCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  ListPrincipalThingsCommand,
  ListThingGroupsForThingCommand,
  ListThingsCommand,
  ListTargetsForPolicyCommand,
  ListThingTypesCommand,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
  StartOnDemandAuditTaskCommand,
} from '@aws-sdk/client-iot';
import { forEachStore, iotClient, startTestServer, type TestServer } from './helpers/server.js';
import { cleanAwsEnv, runCommand, type CommandResult } from './helpers/ddlocal-command.js';
import { freePort } from './helpers/cli-runner.js';
import { makeCa, makeCertificate, makeDeviceCertificate, makeVerificationCertificate, type TestCertificate } from './helpers/certs.js';
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

  /** export (JSON, to a file) → reset → import → export again: returns the first export and the second. */
  async function roundTrip(account: string, name: string): Promise<{ first: any; second: any; imported: any }> {
    const path = join(files.dir, name);
    const exported = await run(account, ['export', '--format', 'json', '-o', path]);
    assert.equal(exported.rc, 0, exported.stderr);
    const first = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal((await run(account, ['reset', '--account', account])).rc, 0);
    assert.deepEqual(await thingNames(iotClient(server.url, account)), []);
    const imported = json(await run(account, ['import', path]));
    const second = json(await run(account, ['export', '--format', 'json']));
    return { first, second, imported };
  }

  test('a CA registered through the API in DEFAULT mode is restored by export → reset → import', async () => {
    const account = '111100000006';
    const iot = iotClient(server.url, account);
    const ca = await makeCa();
    const { registrationCode } = await iot.send(new GetRegistrationCodeCommand({}));
    const verification = await makeVerificationCertificate(ca, registrationCode!);
    // No certificateMode: the API's default, DEFAULT, with the proof of possession it requires.
    await iot.send(new RegisterCACertificateCommand({ caCertificate: ca.pem, verificationCertificate: verification.pem, setAsActive: true }));
    const device = await makeDeviceCertificate(ca, { subject: 'CN=default-mode-device' });
    await iot.send(new RegisterCertificateCommand({ certificatePem: device.pem, caCertificatePem: ca.pem, status: 'ACTIVE' }));
    const describeCa = async () => (await iot.send(new DescribeCACertificateCommand({ certificateId: ca.id }))).certificateDescription!;
    const describeDevice = async (id: string) => (await iot.send(new DescribeCertificateCommand({ certificateId: id }))).certificateDescription!;
    const caBefore = await describeCa();
    assert.equal(caBefore.certificateMode, 'DEFAULT');
    assert.equal((await describeDevice(device.id)).certificateMode, 'DEFAULT');

    const { first, second, imported } = await roundTrip(account, 'default-ca.json');
    assert.equal(first.caCertificates[0].certificateMode, 'DEFAULT');
    assert.equal(first.caCertificates[0].verificationCertificatePem, undefined, 'an export carries no proof of possession');
    assert.deepEqual(imported.created, { caCertificates: 1, certificates: 1 });
    const caAfter = await describeCa();
    for (const field of ['certificateId', 'status', 'certificateMode', 'autoRegistrationStatus', 'certificatePem'] as const)
      assert.equal(caAfter[field], caBefore[field], field);
    const deviceAfter = await describeDevice(device.id);
    assert.equal(deviceAfter.caCertificateId, ca.id);
    assert.equal(deviceAfter.status, 'ACTIVE');
    assert.equal(deviceAfter.certificateMode, 'DEFAULT');
    // The restored CA works for new devices through the API as before.
    const another = await makeDeviceCertificate(ca, { subject: 'CN=registered-after-import' });
    await iot.send(new RegisterCertificateCommand({ certificatePem: another.pem, caCertificatePem: ca.pem, status: 'ACTIVE' }));
    assert.equal((await describeDevice(another.id)).caCertificateId, ca.id);
    assert.equal((await describeDevice(another.id)).certificateMode, 'DEFAULT');
    assert.deepEqual({ ...second, certificates: second.certificates.filter((c: any) => c.certificateId !== another.id) }, first);

    // The API itself still requires the proof of possession for DEFAULT mode.
    const other = await makeCa();
    await assert.rejects(
      iot.send(new RegisterCACertificateCommand({ caCertificate: other.pem, certificateMode: 'DEFAULT', setAsActive: true })),
      (err: Error) => err.name === 'InvalidRequestException' && /verificationCertificate is required/.test(err.message),
    );
    // And a verification certificate that a fleet entry does bring is still checked.
    const wrongProof = await makeVerificationCertificate(other, 'not-the-registration-code');
    const fleet = { caCertificates: [{ caCertificatePem: other.pem, certificateMode: 'DEFAULT', verificationCertificatePem: wrongProof.pem }] };
    const refused = await run(account, ['import', write('wrong-proof.json', JSON.stringify(fleet))]);
    assert.equal(refused.rc, 254, refused.stderr);
    assert.match(refused.stderr, /\(RegistrationCodeValidationException\) when calling the ImportFleet operation: caCertificates\[0\]/);
  });

  test('policies attached to thing groups and every policy version round-trip exactly', async () => {
    const account = '111100000007';
    const iot = iotClient(server.url, account);
    const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
    await iot.send(new CreatePolicyCommand({ policyName: 'versioned', policyDocument: doc('iot:Connect') }));
    await iot.send(new CreatePolicyVersionCommand({ policyName: 'versioned', policyDocument: doc('iot:Publish'), setAsDefault: true }));
    await iot.send(new CreatePolicyVersionCommand({ policyName: 'versioned', policyDocument: doc('iot:Subscribe') }));
    // Versions 1 and 3, default 3 (2 was deleted): the import must use up id 2 to give the last version id 3 again.
    await iot.send(new CreatePolicyCommand({ policyName: 'gappy', policyDocument: doc('iot:Receive') }));
    await iot.send(new CreatePolicyVersionCommand({ policyName: 'gappy', policyDocument: doc('iot:GetThingShadow') }));
    await iot.send(new CreatePolicyVersionCommand({ policyName: 'gappy', policyDocument: doc('iot:UpdateThingShadow'), setAsDefault: true }));
    await iot.send(new DeletePolicyVersionCommand({ policyName: 'gappy', policyVersionId: '2' }));
    await iot.send(new CreatePolicyCommand({ policyName: 'group-policy', policyDocument: doc('iot:Connect') }));
    const parent = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'parent' }));
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'child', parentGroupName: 'parent' }));
    await iot.send(new AttachPolicyCommand({ policyName: 'group-policy', target: parent.thingGroupArn }));
    await iot.send(new AttachPolicyCommand({ policyName: 'versioned', target: parent.thingGroupArn }));
    const childArn = (await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'child' }))).thingGroupArn!;
    await iot.send(new AttachPolicyCommand({ policyName: 'group-policy', target: childArn }));

    const versionsOf = async (policyName: string) => {
      const listed = (await iot.send(new ListPolicyVersionsCommand({ policyName }))).policyVersions ?? [];
      const out = [];
      for (const v of listed) {
        const got = await iot.send(new GetPolicyVersionCommand({ policyName, policyVersionId: v.versionId }));
        out.push({ id: v.versionId, default: v.isDefaultVersion, document: got.policyDocument });
      }
      return out;
    };
    const groupState = async () => ({
      parent: ((await iot.send(new ListAttachedPoliciesCommand({ target: parent.thingGroupArn }))).policies ?? []).map((p) => p.policyName).sort(),
      child: ((await iot.send(new ListAttachedPoliciesCommand({ target: childArn }))).policies ?? []).map((p) => p.policyName),
      targets: ((await iot.send(new ListTargetsForPolicyCommand({ policyName: 'group-policy' }))).targets ?? []).sort(),
    });
    const before = { versioned: await versionsOf('versioned'), gappy: await versionsOf('gappy'), groups: await groupState() };
    assert.deepEqual(before.versioned.map((v) => [v.id, v.default]), [['3', false], ['2', true], ['1', false]]);
    assert.deepEqual(before.gappy.map((v) => [v.id, v.default]), [['3', true], ['1', false]]);

    const { first, second } = await roundTrip(account, 'versions-and-groups.json');
    const versioned = first.policies.find((p: any) => p.policyName === 'versioned');
    assert.deepEqual(versioned, {
      policyName: 'versioned',
      versions: [
        { versionId: '1', policyDocument: doc('iot:Connect') },
        { versionId: '2', policyDocument: doc('iot:Publish'), isDefaultVersion: true },
        { versionId: '3', policyDocument: doc('iot:Subscribe') },
      ],
    });
    assert.deepEqual(first.policies.find((p: any) => p.policyName === 'group-policy'), { policyName: 'group-policy', policyDocument: doc('iot:Connect') }, 'one version: the old form');
    assert.deepEqual(first.thingGroups.find((g: any) => g.thingGroupName === 'parent').policies, ['group-policy', 'versioned']);
    assert.deepEqual(first.thingGroups.find((g: any) => g.thingGroupName === 'child').policies, ['group-policy']);

    assert.deepEqual({ versioned: await versionsOf('versioned'), gappy: await versionsOf('gappy'), groups: await groupState() }, before);
    assert.equal((await iot.send(new GetPolicyCommand({ policyName: 'versioned' }))).defaultVersionId, '2');
    assert.deepEqual(second, first);
  });

  test('policy versions written by hand: ids in order, one default, and mistakes named', async () => {
    const account = '111100000008';
    const iot = iotClient(server.url, account);
    const connect = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] };
    const publish = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: '*' }] };
    const fleet = {
      policies: [
        { policyName: 'in-order', versions: [{ policyDocument: connect }, { policyDocument: publish, isDefaultVersion: true }] },
        { policyName: 'from-five', versions: [{ versionId: '5', policyDocument: connect, isDefaultVersion: true }] },
      ],
      thingGroups: [{ thingGroupName: 'g', policies: ['in-order'] }],
    };
    json(await run(account, ['import', write('versions.json', JSON.stringify(fleet))]));
    const ids = async (policyName: string) =>
      ((await iot.send(new ListPolicyVersionsCommand({ policyName }))).policyVersions ?? []).map((v) => `${v.versionId}${v.isDefaultVersion ? '*' : ''}`);
    assert.deepEqual(await ids('in-order'), ['2*', '1']);
    assert.deepEqual(await ids('from-five'), ['5*']);

    const bad = async (policy: Record<string, unknown>, message: RegExp) => {
      const result = await run(account, ['import', write('bad-versions.json', JSON.stringify({ policies: [policy] })), '--skip-existing']);
      assert.equal(result.rc, 254, result.stderr);
      assert.match(result.stderr, message);
    };
    await bad({ policyName: 'x', policyDocument: connect, versions: [{ policyDocument: connect }] }, /policies\[0\] \(policyName x\): give policyDocument or versions, not both/);
    await bad({ policyName: 'x' }, /policies\[0\] \(policyName x\): policyDocument or versions is required/);
    await bad({ policyName: 'x', versions: [{ policyDocument: connect }, { policyDocument: publish }] }, /policies\[0\] \(policyName x\): exactly one of versions must have isDefaultVersion: true/);
    await bad({ policyName: 'x', versions: [{ versionId: '2', policyDocument: connect, isDefaultVersion: true }, { versionId: '2', policyDocument: publish }] }, /policies\[0\] \(policyName x\): versions\[1\]: versionId 2 must be greater than 2/);
    await bad({ policyName: 'x', versions: [{ policyDocument: connect, isDefault: true }] }, /policies\[0\] \(policyName x\): versions\[0\]: unknown field isDefault; known fields: versionId, policyDocument, isDefaultVersion/);
    await bad({ policyName: 'x', versions: [{ versionId: '1002', policyDocument: connect }] }, /policies\[0\] \(policyName x\): the versionIds of the fleet's policies skip more than 1000 ids/);
    assert.deepEqual(((await iot.send(new ListPoliciesCommand({}))).policies ?? []).map((p) => p.policyName).sort(), ['from-five', 'in-order']);
  });

  test('the example fleet imports', async () => {
    const account = '111100000005';
    const summary = json(await runCommand(['import', EXAMPLE_FLEET, '--endpoint-url', server.url], env(account)));
    assert.equal(summary.created.things, 4);
    assert.equal(summary.created.certificates, 4);
    assert.deepEqual(await thingNames(iotClient(server.url, account)), ['gateway-01', 'legacy-sensor-9', 'thermostat-001', 'thermostat-002']);
    // As its comments say: of its policies, the audit reports legacy-everything alone (device-telemetry is bound to
    // the attached thing by its IsAttached condition).
    const iot = iotClient(server.url, account);
    const { taskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: ['IOT_POLICY_OVERLY_PERMISSIVE_CHECK'] }));
    for (let i = 0; (await iot.send(new DescribeAuditTaskCommand({ taskId }))).taskStatus === 'IN_PROGRESS'; i++) {
      assert.ok(i < 100, 'the audit finishes');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const findings = (await iot.send(new ListAuditFindingsCommand({ taskId }))).findings ?? [];
    assert.deepEqual(findings.map((f) => f.nonCompliantResource?.resourceIdentifier?.policyVersionIdentifier?.policyName), ['legacy-everything']);
  });

  // Regression: the import endpoint took the 1 MiB body limit of every request, so `ddlocal import` of a fleet with
  // more than a few hundred devices failed with "The request body exceeds the limit of 1048576 bytes".
  test('a fleet file larger than 1 MiB imports', async () => {
    const account = '111100000006';
    const value = 'x'.repeat(800); // the longest attribute value AWS allows
    const things = Array.from({ length: 600 }, (_, i) => ({ thingName: `big-${i}`, attributes: { a: value, b: value, c: value } }));
    const path = write('big-fleet.json', JSON.stringify({ things }));
    assert.ok(readFileSync(path).length > 1024 * 1024, 'the file is over 1 MiB');
    const summary = json(await run(account, ['import', path]));
    assert.equal(summary.created.things, 600);
    const listed = await iotClient(server.url, account).send(new ListThingsCommand({ maxResults: 250, attributeName: 'a', attributeValue: value }));
    assert.equal(listed.things?.length, 250, 'things carry their attributes');
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
