#!/usr/bin/env node
// The audit benchmark (issue 3): a registry of N device certificates (default 100,000) and P IoT policies (default
// 10,000) is audited with all 17 checks by a real `ddlocal serve` process over HTTP, driven by the official AWS SDK.
// Measured: wall time StartOnDemandAuditTask → COMPLETED (DescribeAuditTask polled every 50 ms), when each check
// turned terminal, the server's peak RSS, and — as baselines on the same registry in the same run — ddlocal's own
// ListCertificates over all certificates and moto_server's ListCertificates over the same number of certificates.
//
//   npm run build && node bench/audit.mjs [--certificates 100000] [--policies 10000] [--store sqlite|postgres]
//                                         [--peer-certificates N] [--no-peer] [--json out.json]
//
// How the registry is populated, and why it is faithful, is in bench/README.md.
import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  CreateRoleAliasCommand,
  DescribeAuditTaskCommand,
  GetRegistrationCodeCommand,
  ListCertificatesCommand,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
  RegisterCertificateWithoutCACommand,
  StartOnDemandAuditTaskCommand,
  UpdateAccountAuditConfigurationCommand,
} from '@aws-sdk/client-iot';
import { ecSpki, encodeCertificate, makeCa, makeCrl, pemOf, randomSerial, rocaSpki, rsaSpki, verificationCertificate } from './x509.mjs';
import { startPostgres } from './postgres.mjs';
import {
  ACCOUNT,
  DAY,
  REGION,
  ROOT,
  describeCa,
  factsOf,
  ingest,
  keyFactsOf,
  log,
  memoryOf,
  parseCertificate,
  pool as poolOf,
  sec,
  secs,
  sha256Hex as createHashHex,
  startMoto,
  startServer,
  stopProcess,
} from './harness.mjs';
import pg from 'pg';

const { openStore } = await import(join(ROOT, 'dist/src/store/store.js'));
const { AUDIT_CHECKS } = await import(join(ROOT, 'dist/src/audit/checks/index.js'));

const { values: opts } = parseArgs({
  options: {
    certificates: { type: 'string', default: '100000' },
    policies: { type: 'string', default: '10000' },
    store: { type: 'string', default: 'sqlite' },
    'peer-certificates': { type: 'string' },
    'no-peer': { type: 'boolean', default: false },
    'no-analyze': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const N = Number(opts.certificates);
const P = Number(opts.policies);
const PEER_N = Number(opts['peer-certificates'] ?? N);
if (!['sqlite', 'postgres'].includes(opts.store)) throw new Error('--store is sqlite or postgres');

/** Certificates registered through the API (RegisterCertificate / RegisterCertificateWithoutCA); the rest in bulk. */
const API_CERTS = Math.min(500, N);
/** Requests in flight while populating. */
const CONCURRENCY = 8;
const ALL_CHECKS = [...AUDIT_CHECKS.keys()];

/** Runs fn over items with CONCURRENCY requests in flight. */
const pool = (items, fn, concurrency = CONCURRENCY) => poolOf(items, fn, concurrency);

// ---------------------------------------------------------------------------------------------------------------
// The registry: a deterministic mix over certificate index i (percentages of N)

function certificatePlan(i, now, keys) {
  // Validity: issued over the last three years (≈ 1/3 older than the 365-day age threshold); 2% expired,
  // 3% expiring within 30 days, the rest valid for 1–5 more years.
  const r = (i * 7919) % 1000;
  const notBefore = sec(now - ((i * 104729) % (3 * 365)) * DAY - DAY);
  const notAfter = sec(r < 20 ? now - (1 + (i % 200)) * DAY : r < 50 ? now + (1 + (i % 29)) * DAY : now + (365 + (i % 1460)) * DAY);
  // Keys: 0.1% of certificates carry a ROCA-vulnerable RSA key, 40% a normal RSA 2048 key, the rest EC P-256.
  const k = (i * 31) % 1000;
  const key = k === 0 ? keys.roca[i % keys.roca.length] : k < 400 ? keys.rsa[i % keys.rsa.length] : keys.ec[i % keys.ec.length];
  // Status: 90% ACTIVE, 7% INACTIVE, 3% REVOKED. 80% issued by the registered CA, 20% registered without a CA.
  const s = (i * 13) % 100;
  const status = s < 90 ? 'ACTIVE' : s < 97 ? 'INACTIVE' : 'REVOKED';
  const withCa = i % 5 !== 0;
  return { notBefore, notAfter, key, status, withCa, subject: [['O', 'Acme Devices'], ['CN', `device-${String(i).padStart(7, '0')}`]] };
}

function buildCertificate(i, now, keys, cas) {
  const plan = certificatePlan(i, now, keys);
  const issuer = plan.withCa ? cas.registered : cas.external;
  const serialHex = randomSerial();
  const der = encodeCertificate({ serialHex, issuer, subject: plan.subject, spki: plan.key, notBefore: plan.notBefore, notAfter: plan.notAfter });
  return { i, plan, der, serialHex, issuer, pem: pemOf(der) };
}

function policyDocument(j) {
  const r = j % 100;
  // 3% overly permissive (iot:* on *), 2% a deny statement whose topic filter uses MQTT wildcards, the rest scoped
  // to the connecting thing as AWS recommends.
  if (r < 3) return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] };
  const scoped = {
    Effect: 'Allow',
    Action: ['iot:Publish', 'iot:Receive'],
    Resource: [`arn:aws:iot:${REGION}:${ACCOUNT}:topic/fleet-${j}/\${iot:Connection.Thing.ThingName}/*`],
  };
  const connect = {
    Effect: 'Allow',
    Action: 'iot:Connect',
    Resource: `arn:aws:iot:${REGION}:${ACCOUNT}:client/\${iot:Connection.Thing.ThingName}`,
    Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
  };
  if (r < 5)
    return {
      Version: '2012-10-17',
      Statement: [connect, scoped, { Effect: 'Deny', Action: 'iot:Subscribe', Resource: `arn:aws:iot:${REGION}:${ACCOUNT}:topicfilter/admin/#` }],
    };
  return { Version: '2012-10-17', Statement: [connect, scoped] };
}

// ---------------------------------------------------------------------------------------------------------------
// Population

async function makeKeys() {
  const t = Date.now();
  const [rsa, ec] = await Promise.all([Promise.all(Array.from({ length: 100 }, () => rsaSpki())), Promise.all(Array.from({ length: 150 }, () => ecSpki()))]);
  const roca = Array.from({ length: 6 }, () => rocaSpki());
  log(`key pool: ${rsa.length} RSA 2048, ${ec.length} EC P-256, ${roca.length} ROCA RSA 2048 (${secs(Date.now() - t)} s)`);
  return { rsa, ec, roca };
}

/** Through the API: CA registration, audit configuration, a sample of the certificates, all policies, role aliases. */
async function populateThroughApi(server, ctx) {
  const { iot, url } = server;
  const { cas, now, keys } = ctx;
  const { registrationCode } = await iot.send(new GetRegistrationCodeCommand({}));
  const verification = verificationCertificate(cas.registered, registrationCode, keys.ec[0]);
  const caOut = await iot.send(new RegisterCACertificateCommand({ caCertificate: cas.registered.pem, verificationCertificate: verification, setAsActive: true }));
  cas.registered.certificateId = caOut.certificateId;

  await iot.send(
    new UpdateAccountAuditConfigurationCommand({
      roleArn: `arn:aws:iam::${ACCOUNT}:role/ddlocal-bench-audit`,
      auditCheckConfigurations: Object.fromEntries(ALL_CHECKS.map((c) => [c, { enabled: true }])),
    }),
  );

  let t = Date.now();
  const sample = Array.from({ length: API_CERTS }, (_, i) => buildCertificate(i, now, keys, cas));
  await pool(sample, async (c) => {
    const out = c.plan.withCa
      ? await iot.send(new RegisterCertificateCommand({ certificatePem: c.pem, caCertificatePem: cas.registered.pem, status: c.plan.status }))
      : await iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: c.pem, status: c.plan.status }));
    c.id = out.certificateId;
  });
  const certRate = API_CERTS / ((Date.now() - t) / 1000);
  log(`${API_CERTS} certificates registered through the API (${Math.round(certRate)}/s)`);

  t = Date.now();
  const names = Array.from({ length: P }, (_, j) => `fleet-policy-${String(j).padStart(5, '0')}`);
  await pool(names, (policyName, j) => iot.send(new CreatePolicyCommand({ policyName, policyDocument: JSON.stringify(policyDocument(j)) })));
  const policyMs = Date.now() - t;
  log(`${P} policies created through the API (${secs(policyMs)} s, ${Math.round(P / (policyMs / 1000))}/s)`);
  await pool(sample, (c) => iot.send(new AttachPolicyCommand({ policyName: names[c.i % P], target: `arn:aws:iot:${REGION}:${ACCOUNT}:cert/${c.id}` })));

  // Role aliases with their IAM roles: one allows everything (overly permissive), the others one used service.
  for (let k = 0; k < 10; k++) {
    const roleName = `bench-role-${k}`;
    const statement = k === 0 ? { Effect: 'Allow', Action: '*', Resource: '*' } : { Effect: 'Allow', Action: ['s3:GetObject'], Resource: `arn:aws:s3:::fleet-${k}/*` };
    await ingest(url, 'PUT', `/_ddlocal/iam/roles/${roleName}`, { policies: [{ Version: '2012-10-17', Statement: [statement] }] });
    await iot.send(new CreateRoleAliasCommand({ roleAlias: `bench-alias-${k}`, roleArn: `arn:aws:iam::${ACCOUNT}:role/${roleName}` }));
  }
  await ingest(url, 'POST', '/_ddlocal/role-alias-usage', Array.from({ length: 10 }, (_, k) => ({ roleAlias: `bench-alias-${k}`, service: 's3' })));
  return { sample, certRate, policyMs, policyNames: names };
}

const INSERT_BATCH = 400;

/** Directly through the store: the remaining certificates, with exactly the row RegisterCertificate* writes. */
async function populateInBulk(store, ctx, policyNames) {
  const { cas, now, keys, keyFacts } = ctx;
  const t = Date.now();
  const maxSeq = Number((await store.transaction((db) => db.selectFrom('policy_targets').select((eb) => eb.fn.max('seq').as('m')).executeTakeFirst()))?.m ?? 0);
  const revokedSerials = [];
  let checked = 0;
  for (let start = API_CERTS; start < N; start += INSERT_BATCH) {
    const certRows = [];
    const targetRows = [];
    for (let i = start; i < Math.min(N, start + INSERT_BATCH); i++) {
      const c = buildCertificate(i, now, keys, cas);
      const facts = factsOf(c.plan, c.serialHex, c.der, c.issuer, keyFacts);
      const parsedId = createHashHex(c.der);
      // Every 1000th certificate is also read by ddlocal's own parser: the derived facts must be what it stores.
      if (i % 1000 === 0) {
        const parsed = parseCertificate(c.pem, 'bench certificate');
        if (parsed.id !== parsedId || !isDeepStrictEqual(parsed.facts, facts))
          throw new Error(`bench facts of certificate ${i} differ from ddlocal's parser:\n${JSON.stringify({ parsed: { ...parsed.facts, certificate_pem: undefined }, bench: { ...facts, certificate_pem: undefined } }, null, 1)}`);
        checked++;
      }
      // 1 in 2000 certificates issued by the registered CA is on its CRL.
      if (c.plan.withCa && i % 2000 === 1) revokedSerials.push(c.serialHex);
      certRows.push({
        account_id: ACCOUNT,
        region: REGION,
        ...facts,
        certificate_id: parsedId,
        ca_certificate_id: c.plan.withCa ? cas.registered.certificateId : null,
        status: c.plan.status,
        // RegisterCertificate takes the CA's mode (DEFAULT); RegisterCertificateWithoutCA stores SNI_ONLY.
        certificate_mode: c.plan.withCa ? 'DEFAULT' : 'SNI_ONLY',
        customer_version: 1,
        generation_id: crypto.randomUUID(),
        created_at: now + i,
        updated_at: now + i,
      });
      targetRows.push({
        account_id: ACCOUNT,
        region: REGION,
        policy_name: policyNames[i % P],
        target: `arn:aws:iot:${REGION}:${ACCOUNT}:cert/${parsedId}`,
        attached_at: now + i,
        seq: maxSeq + 1 + i - API_CERTS,
      });
    }
    await store.transaction(async (tx) => {
      await tx.insertInto('certificates').values(certRows).execute();
      await tx.insertInto('policy_targets').values(targetRows).execute();
    });
    if ((start - API_CERTS) % 20_000 < INSERT_BATCH) log(`  ${start + certRows.length} certificates stored`);
  }
  log(`${N - API_CERTS} certificates + attachments inserted directly (${secs(Date.now() - t)} s; ${checked} cross-checked with ddlocal's parser)`);
  return revokedSerials;
}

/** Lifecycle events: one session for every 10th certificate, plus shared certificates and conflicting client ids. */
async function ingestConnections(url, sampleIds, now) {
  const events = [];
  const session = (clientId, principal, start, end, n) => {
    const sessionIdentifier = crypto.createHash('md5').update(`${clientId}/${n}`).digest('hex');
    const base = { clientId, sessionIdentifier, principalIdentifier: principal, versionNumber: 0 };
    events.push({ ...base, eventType: 'connected', timestamp: start, ipAddress: '192.0.2.1' });
    events.push({ ...base, eventType: 'disconnected', timestamp: end, clientInitiatedDisconnect: true, disconnectReason: 'CLIENT_INITIATED_DISCONNECT' });
  };
  sampleIds.forEach((id, k) => {
    // Sessions end more than 2 hours before the audit: the shared-certificate window stops at now − 2 h.
    const start = now - (3 + (k % 10)) * 3_600_000;
    session(`thing-${k}`, id, start, start + 600_000, 0);
    // 2% of certificates are used by two different client ids at overlapping times (shared certificate).
    if (k % 50 === 0) session(`thing-${k}-clone`, id, start + 60_000, start + 300_000, 1);
    // 2% of client ids connect twice at overlapping times (conflicting client ids).
    if (k % 50 === 25) session(`thing-${k}`, sampleIds[(k + 1) % sampleIds.length], start + 60_000, start + 300_000, 2);
  });
  for (let i = 0; i < events.length; i += 1000) await ingest(url, 'POST', '/_ddlocal/lifecycle-events', events.slice(i, i + 1000));
  return events.length;
}

// ---------------------------------------------------------------------------------------------------------------
// Measurement

async function runAudit(server) {
  const { iot } = server;
  const t0 = performance.now();
  const { taskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: ALL_CHECKS }));
  const doneAt = {};
  for (;;) {
    const task = await iot.send(new DescribeAuditTaskCommand({ taskId }));
    const elapsed = performance.now() - t0;
    for (const [name, d] of Object.entries(task.auditDetails ?? {})) if (d.checkRunStatus !== 'IN_PROGRESS' && !(name in doneAt)) doneAt[name] = elapsed;
    if (task.taskStatus !== 'IN_PROGRESS') return { taskId, wallMs: elapsed, task, doneAt };
    await sleep(50);
  }
}

async function listAll(iot) {
  const t0 = performance.now();
  let marker;
  let count = 0;
  let pages = 0;
  do {
    const page = await iot.send(new ListCertificatesCommand({ pageSize: 250, marker }));
    count += page.certificates.length;
    marker = page.nextMarker;
    pages++;
  } while (marker);
  return { ms: performance.now() - t0, count, pages };
}

/** Each check's run() timed in-process against the same store (the engine evaluates checks in this same way). */
async function timeChecksInProcess(store, now) {
  const out = {};
  for (const [name, check] of AUDIT_CHECKS) {
    const t = performance.now();
    let n = 0;
    try {
      n = [...(await store.transaction((db) => check.run({ db, accountId: ACCOUNT, region: REGION, now, configuration: {} }))).findings].length;
    } catch (err) {
      n = `failed: ${err.errorCode ?? err.message}`;
    }
    out[name] = { ms: performance.now() - t, findings: n };
  }
  return out;
}

/** The peer: moto_server, populated with the same number of certificates, listed with the same client. */
async function peerBaseline(ctx) {
  const { child, iot } = await startMoto();
  try {
    const t = Date.now();
    const certs = Array.from({ length: PEER_N }, (_, i) => i);
    await pool(certs, async (i) => {
      const c = buildCertificate(i, ctx.now, ctx.keys, ctx.cas);
      await iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: c.pem, status: c.plan.status }));
      if (i % 20_000 === 19_999) log(`  moto: ${i + 1} certificates registered`);
    });
    const registerMs = Date.now() - t;
    log(`moto_server: ${PEER_N} certificates registered (${secs(registerMs)} s)`);
    const list = await listAll(iot);
    const mem = memoryOf(child.pid);
    return { registerMs, list, mem };
  } finally {
    await stopProcess(child);
  }
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  const started = new Date();
  const now = Date.now();
  const keys = await makeKeys();
  const registered = await makeCa('Acme Fleet CA');
  const external = await makeCa('Acme Legacy CA');
  for (const ca of [registered, external]) describeCa(ca);
  const cas = { registered, external };
  const ctx = { now, keys, cas, keyFacts: keyFactsOf(keys, registered) };

  let pgCluster;
  let storeSpec;
  let dir;
  if (opts.store === 'postgres') {
    pgCluster = await startPostgres();
    storeSpec = { url: pgCluster.url };
    log(`PostgreSQL ${pgCluster.version} started`);
  } else {
    dir = mkdtempSync(join(tmpdir(), 'ddlocal-bench-'));
    storeSpec = { file: join(dir, 'ddlocal.db') };
  }
  try {
    // 1. The API part of the registry, on a running server.
    let server = await startServer(storeSpec);
    const api = await populateThroughApi(server, ctx);
    const sampleIds = api.sample.map((c) => c.id);
    await stopProcess(server.child);

    // 2. The bulk of the certificates, directly through the store (server stopped: one writer).
    let store = await openStore(storeSpec.url ? { databaseUrl: storeSpec.url } : { dataFile: storeSpec.file });
    const revokedSerials = await populateInBulk(store, ctx, api.policyNames);
    await store.close();
    // A registry grown through the API over time has planner statistics (autovacuum); a bulk load of 10^5 rows a
    // second ago has none until autovacuum's next round. ANALYZE stands in for that round (--no-analyze: skip).
    if (storeSpec.url && !opts['no-analyze']) {
      const client = new pg.Client({ connectionString: storeSpec.url });
      await client.connect();
      await client.query('ANALYZE');
      await client.end();
    }

    // 3. A fresh server process on the populated store: CRL, connections, then the measurements.
    server = await startServer(storeSpec);
    await ingest(server.url, 'PUT', `/_ddlocal/crls/${cas.registered.certificateId}`, { crl: await makeCrl(cas.registered, revokedSerials) });
    const eventCount = await ingestConnections(server.url, sampleIds, now);
    log(`CRL with ${revokedSerials.length} serials registered; ${eventCount} lifecycle events ingested`);
    const idle = memoryOf(server.child.pid);

    log('audit: all 17 checks…');
    const audit = await runAudit(server);
    const auditMem = memoryOf(server.child.pid);
    log(`audit ${audit.task.taskStatus} in ${secs(audit.wallMs)} s, peak RSS ${auditMem.peakMiB} MiB`);
    const list = await listAll(server.iot);
    log(`ddlocal ListCertificates: ${list.count} certificates in ${list.pages} pages, ${secs(list.ms)} s`);
    await stopProcess(server.child);

    store = await openStore(storeSpec.url ? { databaseUrl: storeSpec.url } : { dataFile: storeSpec.file });
    const inProcess = await timeChecksInProcess(store, now);
    await store.close();

    let peer;
    if (!opts['no-peer']) peer = await peerBaseline(ctx);

    const result = report({ started, audit, auditMem, idle, list, inProcess, peer, api, revokedSerials, eventCount, pgVersion: pgCluster?.version });
    if (opts.json) writeFileSync(opts.json, JSON.stringify(result, null, 2));
  } finally {
    pgCluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

function report(r) {
  const { audit } = r;
  const checks = ALL_CHECKS.map((name, position) => {
    const d = audit.task.auditDetails[name];
    const previous = position === 0 ? 0 : audit.doneAt[ALL_CHECKS[position - 1]];
    return {
      check: name,
      status: d.checkRunStatus,
      resources: d.totalResourcesCount,
      nonCompliant: d.nonCompliantResourcesCount,
      // The engine evaluates the checks one after another in request order; the poll sees each turn terminal.
      observedMs: Math.round(audit.doneAt[name] - previous),
      inProcessMs: Math.round(r.inProcess[name].ms),
    };
  });
  const result = {
    date: r.started.toISOString(),
    store: opts.store,
    postgres: r.pgVersion,
    certificates: N,
    policies: P,
    auditStatus: audit.task.taskStatus,
    auditWallSeconds: secs(audit.wallMs),
    serverPeakRssMiB: r.auditMem.peakMiB,
    serverRssBeforeAuditMiB: r.idle.rssMiB,
    ddlocalListCertificatesSeconds: secs(r.list.ms),
    ddlocalListCertificatesCount: r.list.count,
    apiRegistrationPerSecond: Math.round(r.api.certRate),
    apiCreatePolicySeconds: secs(r.api.policyMs),
    crlSerials: r.revokedSerials.length,
    lifecycleEvents: r.eventCount,
    checks,
    peer: r.peer && {
      name: 'moto_server',
      certificates: PEER_N,
      registerSeconds: secs(r.peer.registerMs),
      listSeconds: secs(r.peer.list.ms),
      listCount: r.peer.list.count,
      listPages: r.peer.list.pages,
      peakRssMiB: r.peer.mem.peakMiB,
    },
  };
  result.ratios = {
    auditVsDdlocalList: +(audit.wallMs / r.list.ms).toFixed(2),
    ...(r.peer && { auditVsMotoList: +((audit.wallMs / r.peer.list.ms) * (PEER_N === N ? 1 : 1)).toFixed(2), motoListVsDdlocalList: +(r.peer.list.ms / r.list.ms).toFixed(2) }),
  };
  console.log(JSON.stringify(result, null, 2));
  console.table(checks);
  return result;
}

await main();
