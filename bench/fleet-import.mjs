// How long seeding a fleet takes: N things (each in one of 10 groups, with a thing type and an attribute) and N
// device certificates (each attached to its thing and to one policy).
//  - ddlocal: `ddlocal import fleet.json` — the real CLI over HTTP, one request, one transaction; then `ddlocal export`.
//  - the same fleet built with the API calls it replaces (CreatePolicy, CreateThingType, CreateThingGroup,
//    CreateThing, AddThingToThingGroup, RegisterCertificateWithoutCA, AttachThingPrincipal, AttachPolicy), through
//    the AWS SDK one request at a time, against ddlocal and against moto_server (the peer; with requests in flight
//    at once, moto_server 5.2 answered some with 500 errors from a Python exception at 10,000 things).
//
//   npm run build && node bench/fleet-import.mjs [--things N] [--store sqlite|postgres] [--no-peer] [--json FILE]
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  AddThingToThingGroupCommand,
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  CreateThingTypeCommand,
  RegisterCertificateWithoutCACommand,
} from '@aws-sdk/client-iot';
import { ROOT, ACCOUNT, log, pool, startServer, startMoto, stopProcess, iotClient } from './harness.mjs';
import { startPostgres } from './postgres.mjs';
import { makeCa, makeCertificate, makeKey } from '../dist/test/helpers/certs.js';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const count = Number(option('--things', 10_000));
const storeKind = option('--store', 'sqlite');
const withPeer = !args.includes('--no-peer');
const jsonOut = option('--json');
const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'ddlocal-bench-fleet-'));
const seconds = (since) => Number(process.hrtime.bigint() - since) / 1e9;

const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] };

/** The fleet as the API calls that build it, one at a time. */
async function buildWithApi(iot, certificates) {
  await iot.send(new CreatePolicyCommand({ policyName: 'device-policy', policyDocument: JSON.stringify(POLICY) }));
  await iot.send(new CreateThingTypeCommand({ thingTypeName: 'sensor' }));
  for (let g = 0; g < 10; g++) await iot.send(new CreateThingGroupCommand({ thingGroupName: `site-${g}` }));
  await pool(
    certificates,
    async (cert, i) => {
      const thingName = `device-${i}`;
      await iot.send(new CreateThingCommand({ thingName, thingTypeName: 'sensor', attributePayload: { attributes: { serial: String(i) } } }));
      await iot.send(new AddThingToThingGroupCommand({ thingName, thingGroupName: `site-${i % 10}` }));
      const { certificateArn } = await iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: cert.pem, status: 'ACTIVE' }));
      await iot.send(new AttachThingPrincipalCommand({ thingName, principal: certificateArn }));
      await iot.send(new AttachPolicyCommand({ policyName: 'device-policy', target: certificateArn }));
    },
    1,
  );
}

const env = { ...process.env, AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'bench', AWS_DEFAULT_REGION: 'us-east-1' };
let postgres;
const children = [];
try {
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAtStart: loadavg().map((l) => l.toFixed(2)).join(' ') };
  log(`generating ${count} device certificates`);
  const ca = await makeCa();
  const key = await makeKey();
  const certificates = [];
  for (let i = 0; i < count; i++) certificates.push(await makeCertificate({ issuer: ca, key, subject: `CN=device-${i}` }));
  const fleet = {
    policies: [{ policyName: 'device-policy', policyDocument: POLICY }],
    thingTypes: [{ thingTypeName: 'sensor' }],
    thingGroups: Array.from({ length: 10 }, (_, g) => ({ thingGroupName: `site-${g}` })),
    things: Array.from({ length: count }, (_, i) => ({ thingName: `device-${i}`, thingTypeName: 'sensor', attributes: { serial: String(i) }, thingGroups: [`site-${i % 10}`] })),
    certificates: certificates.map((c, i) => ({ certificatePem: c.pem, status: 'ACTIVE', things: [`device-${i}`], policies: ['device-policy'] })),
  };
  const fleetFile = join(work, 'fleet.json');
  writeFileSync(fleetFile, JSON.stringify(fleet));

  if (storeKind === 'postgres') postgres = await startPostgres();
  const store = postgres ? { url: postgres.url } : { file: join(work, 'ddlocal.db') };
  const ddlocal = await startServer(store);
  children.push(ddlocal.child);
  const cli = (argv) => run(process.execPath, [join(ROOT, 'bin/ddlocal.js'), ...argv, '--endpoint-url', ddlocal.url], { env, maxBuffer: 256 * 1024 * 1024 });

  log('ddlocal import');
  let started = process.hrtime.bigint();
  const imported = JSON.parse((await cli(['import', fleetFile])).stdout);
  const importSeconds = seconds(started);
  log(`import ${importSeconds.toFixed(1)} s: ${JSON.stringify(imported.created)}`);
  started = process.hrtime.bigint();
  const exported = (await cli(['export', '--format', 'json'])).stdout;
  const exportSeconds = seconds(started);
  log(`export ${exportSeconds.toFixed(1)} s (${exported.length} bytes)`);

  log('the same fleet through the API, ddlocal (another account)');
  started = process.hrtime.bigint();
  await buildWithApi(iotClient(ddlocal.url, '210987654321'), certificates);
  const ddlocalApiSeconds = seconds(started);
  log(`API calls against ddlocal ${ddlocalApiSeconds.toFixed(1)} s`);
  await stopProcess(ddlocal.child);

  let motoApiSeconds;
  if (withPeer) {
    const moto = await startMoto();
    children.push(moto.child);
    log('the same fleet through the API, moto_server');
    started = process.hrtime.bigint();
    await buildWithApi(moto.iot, certificates);
    motoApiSeconds = seconds(started);
    log(`API calls against moto_server ${motoApiSeconds.toFixed(1)} s`);
    await stopProcess(moto.child);
  }

  const result = {
    date: new Date().toISOString(),
    machine,
    store: storeKind,
    things: count,
    fleetFileBytes: JSON.stringify(fleet).length,
    ddlocalImportSeconds: importSeconds,
    ddlocalExportSeconds: exportSeconds,
    apiCallsSeconds: { ddlocal: ddlocalApiSeconds, motoServer: motoApiSeconds },
    ratios: motoApiSeconds && { motoApiOverDdlocalImport: motoApiSeconds / importSeconds, motoApiOverDdlocalApi: motoApiSeconds / ddlocalApiSeconds },
    loadAtEnd: loadavg().map((l) => l.toFixed(2)).join(' '),
  };
  console.log(JSON.stringify(result, null, 2));
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(result, null, 2));
} finally {
  for (const child of children) await stopProcess(child);
  postgres?.stop();
  rmSync(work, { recursive: true, force: true });
}
