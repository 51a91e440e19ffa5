#!/usr/bin/env node
// The mitigation benchmark (issue 4): a registry of N ACTIVE device certificates (default 100,000), all older than the
// 365-day threshold, is audited with DEVICE_CERTIFICATE_AGE_CHECK by a real `ddlocal serve` process, which yields N
// findings; then StartAuditMitigationActionsTask maps the check to one UPDATE_DEVICE_CERTIFICATE (DEACTIVATE) action.
// Measured, per configuration (SQLite with 1 process; PostgreSQL with 1 and with 4 processes on one database):
//   * the StartAuditMitigationActionsTask request itself (it writes N finding rows and N execution rows),
//   * task start → COMPLETED (DescribeAuditMitigationActionsTask polled), as executions per second,
//   * each serve process's peak RSS and CPU time.
// Baselines in the same run: the same change made by a client, UpdateCertificate(INACTIVE) per certificate with the
// same SDK and 8 requests in flight, against moto_server (the peer: it has no audit mitigation) and against ddlocal.
//
//   npm run build && node bench/mitigation.mjs [--findings 100000] [--stores sqlite,postgres] [--processes 1,4]
//                                              [--peer-changes 20000] [--no-peer] [--cpu-prof DIR] [--json out.json]
//
// How the registry is populated, and why it is faithful, is in bench/README.md (as for the audit benchmark).
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateMitigationActionCommand,
  DescribeAuditMitigationActionsTaskCommand,
  DescribeAuditTaskCommand,
  RegisterCertificateWithoutCACommand,
  StartAuditMitigationActionsTaskCommand,
  StartOnDemandAuditTaskCommand,
  UpdateAccountAuditConfigurationCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import pg from 'pg';
import { ecSpki, encodeCertificate, makeCa, pemOf, randomSerial, rsaSpki } from './x509.mjs';
import { startPostgres } from './postgres.mjs';
import {
  ACCOUNT,
  DAY,
  REGION,
  ROOT,
  describeCa,
  factsOf,
  keyFactsOf,
  log,
  memoryOf,
  parseCertificate,
  pool,
  sec,
  secs,
  sha256Hex,
  startMoto,
  startServer,
  stopProcess,
} from './harness.mjs';

const { openStore } = await import(join(ROOT, 'dist/src/store/store.js'));

const { values: opts } = parseArgs({
  options: {
    findings: { type: 'string', default: '100000' },
    stores: { type: 'string', default: 'sqlite,postgres' },
    processes: { type: 'string', default: '1,4' },
    'peer-changes': { type: 'string', default: '20000' },
    'no-peer': { type: 'boolean', default: false },
    'poll-ms': { type: 'string', default: '1000' },
    'cpu-prof': { type: 'string' },
    json: { type: 'string' },
  },
});
const N = Number(opts.findings);
const STORES = opts.stores.split(',');
const PG_PROCESSES = opts.processes.split(',').map(Number);
const PEER_N = Math.min(Number(opts['peer-changes']), N);
const POLL_MS = Number(opts['poll-ms']);
for (const s of STORES) if (!['sqlite', 'postgres'].includes(s)) throw new Error('--stores lists sqlite and/or postgres');

const CHECK = 'DEVICE_CERTIFICATE_AGE_CHECK';
const ACTION = 'DeactivateAgedCertificates';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/ddlocal-bench-mitigation`;
/** Certificates registered through the API; the rest are inserted through the store. */
const API_CERTS = Math.min(500, N);
/** Requests in flight for client-side loops (population, and the UpdateCertificate baselines). */
const CONCURRENCY = 8;
const INSERT_BATCH = 400;

// ---------------------------------------------------------------------------------------------------------------
// The registry: N ACTIVE certificates issued 366 days to 3 years ago, valid for 1–4 more years, 40% RSA 2048 and
// 60% EC P-256 keys, registered without a CA (RegisterCertificateWithoutCA: mode SNI_ONLY).

function certificatePlan(i, now, keys) {
  const notBefore = sec(now - (366 + ((i * 104729) % 729)) * DAY);
  const notAfter = sec(now + (365 + (i % 1095)) * DAY);
  const key = (i * 31) % 1000 < 400 ? keys.rsa[i % keys.rsa.length] : keys.ec[i % keys.ec.length];
  return { notBefore, notAfter, key, subject: [['O', 'Acme Devices'], ['CN', `device-${String(i).padStart(7, '0')}`]] };
}

function buildCertificate(i, ctx) {
  const plan = certificatePlan(i, ctx.now, ctx.keys);
  const serialHex = randomSerial();
  const der = encodeCertificate({ serialHex, issuer: ctx.ca, subject: plan.subject, spki: plan.key, notBefore: plan.notBefore, notAfter: plan.notAfter });
  return { i, plan, serialHex, der, pem: pemOf(der) };
}

/** The account audit configuration, and the first API_CERTS certificates, through the API. */
async function populateThroughApi(server, ctx) {
  const { iot } = server;
  await iot.send(new UpdateAccountAuditConfigurationCommand({ roleArn: ROLE_ARN, auditCheckConfigurations: { [CHECK]: { enabled: true } } }));
  const t = Date.now();
  const sample = Array.from({ length: API_CERTS }, (_, i) => buildCertificate(i, ctx));
  await pool(
    sample,
    async (c) => {
      c.id = (await iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: c.pem, status: 'ACTIVE' }))).certificateId;
    },
    CONCURRENCY,
  );
  log(`${API_CERTS} certificates registered through the API (${Math.round(API_CERTS / ((Date.now() - t) / 1000))}/s)`);
  return sample.map((c) => c.id);
}

/** The other certificates, with exactly the row RegisterCertificateWithoutCA writes (server stopped: one writer). */
async function populateInBulk(store, ctx, ids) {
  const t = Date.now();
  let checked = 0;
  for (let start = API_CERTS; start < N; start += INSERT_BATCH) {
    const rows = [];
    for (let i = start; i < Math.min(N, start + INSERT_BATCH); i++) {
      const c = buildCertificate(i, ctx);
      const facts = factsOf(c.plan, c.serialHex, c.der, ctx.ca, ctx.keyFacts);
      const id = sha256Hex(c.der);
      // Every 1000th certificate is also read by ddlocal's own parser: the derived facts must be what it stores.
      if (i % 1000 === 0) {
        const parsed = parseCertificate(c.pem, 'bench certificate');
        if (parsed.id !== id || !isDeepStrictEqual(parsed.facts, facts)) throw new Error(`bench facts of certificate ${i} differ from ddlocal's parser`);
        checked++;
      }
      ids.push(id);
      rows.push({
        account_id: ACCOUNT,
        region: REGION,
        ...facts,
        certificate_id: id,
        ca_certificate_id: null,
        status: 'ACTIVE',
        certificate_mode: 'SNI_ONLY',
        customer_version: 1,
        generation_id: crypto.randomUUID(),
        created_at: ctx.now + i,
        updated_at: ctx.now + i,
      });
    }
    await store.transaction((tx) => tx.insertInto('certificates').values(rows).execute());
    if ((start - API_CERTS) % 20_000 < INSERT_BATCH) log(`  ${start + rows.length} certificates stored`);
  }
  log(`${N - API_CERTS} certificates inserted directly (${secs(Date.now() - t)} s; ${checked} cross-checked with ddlocal's parser)`);
}

/** Builds the populated registry once per store; each configuration then runs on its own copy of it. */
async function populate(kind, ctx, work) {
  const spec = kind === 'postgres' ? { url: `${work.pg.base}/ddlocal_template` } : { file: join(work.dir, 'template.db') };
  if (kind === 'postgres') await pgAdmin(work.pg.url, ['CREATE DATABASE ddlocal_template']);
  const server = await startServer(spec);
  const ids = await populateThroughApi(server, ctx);
  await stopProcess(server.child);
  const store = await openStore(spec.url ? { databaseUrl: spec.url } : { dataFile: spec.file });
  await populateInBulk(store, ctx, ids);
  await store.close();
  // As in the audit benchmark: ANALYZE stands in for autovacuum's statistics on a registry grown over time.
  if (spec.url) await pgAdmin(spec.url, ['ANALYZE']);
  return { spec, ids };
}

async function pgAdmin(url, statements) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const s of statements) await client.query(s);
  } finally {
    await client.end();
  }
}

let copies = 0;
/** A fresh copy of the populated registry: a file copy (SQLite) or CREATE DATABASE … TEMPLATE (PostgreSQL). */
async function copyOf(template, work) {
  const name = `ddlocal_run_${++copies}`;
  if (template.spec.url) {
    await pgAdmin(work.pg.url, [`CREATE DATABASE ${name} TEMPLATE ddlocal_template`]);
    return { url: `${work.pg.base}/${name}` };
  }
  const file = join(work.dir, `${name}.db`);
  copyFileSync(template.spec.file, file);
  if (existsSync(`${template.spec.file}-wal`)) copyFileSync(`${template.spec.file}-wal`, `${file}-wal`);
  return { file };
}

// ---------------------------------------------------------------------------------------------------------------
// Measurement

/** utime + stime of a process, in seconds. */
function cpuSecondsOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function runAudit(iot) {
  const t0 = performance.now();
  const { taskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: [CHECK] }));
  for (;;) {
    const task = await iot.send(new DescribeAuditTaskCommand({ taskId }));
    if (task.taskStatus !== 'IN_PROGRESS') {
      const d = task.auditDetails[CHECK];
      if (task.taskStatus !== 'COMPLETED' || d.nonCompliantResourcesCount !== N)
        throw new Error(`audit ${taskId} ended ${task.taskStatus} with ${d.nonCompliantResourcesCount} findings, expected ${N}`);
      return { taskId, ms: performance.now() - t0 };
    }
    await sleep(100);
  }
}

/** Counts rows by a column through ddlocal's store (after the servers stopped). */
async function countBy(spec, table, column) {
  const store = await openStore(spec.url ? { databaseUrl: spec.url } : { dataFile: spec.file });
  try {
    const rows = await store.transaction((tx) =>
      tx
        .selectFrom(table)
        .select([column, (eb) => eb.fn.countAll().as('n')])
        .groupBy(column)
        .execute(),
    );
    return Object.fromEntries(rows.map((r) => [r[column], Number(r.n)]));
  } finally {
    await store.close();
  }
}

/**
 * One configuration: a fresh copy of the registry; one server runs the audit (N findings) and is stopped; then
 * `processes` fresh servers start on the same store (so their peak RSS is the mitigation's alone), the task is
 * started through the first, and DescribeAuditMitigationActionsTask is polled through it until the task ends.
 */
async function runConfiguration(kind, processes, template, work) {
  const label = `${kind}, ${processes} process${processes > 1 ? 'es' : ''}`;
  const spec = await copyOf(template, work);
  let server = await startServer(spec);
  const audit = await runAudit(server.iot);
  log(`[${label}] audit ${audit.taskId}: ${N} findings in ${secs(audit.ms)} s`);
  await server.iot.send(
    new CreateMitigationActionCommand({ actionName: ACTION, roleArn: ROLE_ARN, actionParams: { updateDeviceCertificateParams: { action: 'DEACTIVATE' } } }),
  );
  await stopProcess(server.child);

  const xactBefore = await transactionsOf(spec, work);
  const nodeArgs = (i) => (opts['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', join(opts['cpu-prof'], `${kind}-${processes}p-${i}`)] : []);
  const servers = [];
  for (let i = 0; i < processes; i++) servers.push(await startServer(spec, { nodeArgs: nodeArgs(i) }));
  const idle = servers.map((s) => memoryOf(s.child.pid));
  const cpuBefore = servers.map((s) => cpuSecondsOf(s.child.pid));
  const { iot } = servers[0];
  const taskId = `bench-${kind}-${processes}p`;

  const t0 = performance.now();
  await iot.send(
    new StartAuditMitigationActionsTaskCommand({
      taskId,
      target: { auditTaskId: audit.taskId },
      auditCheckToActionsMapping: { [CHECK]: [ACTION] },
      clientRequestToken: crypto.randomUUID(),
    }),
  );
  const startMs = performance.now() - t0;
  log(`[${label}] StartAuditMitigationActionsTask answered in ${secs(startMs)} s`);
  let task;
  let polls = 0;
  let firstPollMs;
  const describeMs = [];
  for (;;) {
    const d0 = performance.now();
    task = await iot.send(new DescribeAuditMitigationActionsTaskCommand({ taskId }));
    describeMs.push(performance.now() - d0);
    polls++;
    firstPollMs ??= performance.now() - t0;
    if (task.taskStatus !== 'IN_PROGRESS') break;
    await sleep(POLL_MS);
  }
  const doneMs = performance.now() - t0;
  const stats = task.taskStatistics[CHECK];
  const mem = servers.map((s) => memoryOf(s.child.pid));
  const cpu = servers.map((s, i) => cpuSecondsOf(s.child.pid) - cpuBefore[i]);
  for (const s of servers) await stopProcess(s.child);
  // The last finding's execution, read once the servers are stopped (a SQLite file has one process at a time).
  const lastExecution = await lastExecutionOf(spec, taskId);
  const xactAfter = await transactionsOf(spec, work);

  const executions = await countBy(spec, 'mitigation_executions', 'status');
  const certificates = await countBy(spec, 'certificates', 'status');
  const result = {
    store: kind,
    processes,
    taskStatus: task.taskStatus,
    statistics: stats,
    executions,
    certificates,
    startRequestSeconds: secs(startMs),
    startToCompletedSeconds: secs(doneMs),
    afterStartSeconds: secs(doneMs - startMs),
    executionsPerSecond: Math.round(N / (doneMs / 1000)),
    executionsPerSecondAfterStart: Math.round(N / ((doneMs - startMs) / 1000)),
    firstDescribeAnsweredAfterSeconds: secs(firstPollMs),
    polls,
    describeMsMean: Math.round(describeMs.reduce((a, b) => a + b, 0) / describeMs.length),
    describeMsMax: Math.round(Math.max(...describeMs)),
    // PostgreSQL: transactions committed and rolled back (serialization failures, retried by the store) in the run.
    pgTransactions: xactAfter && { committed: xactAfter.committed - xactBefore.committed, rolledBack: xactAfter.rolledBack - xactBefore.rolledBack },
    lastExecution,
    auditSeconds: secs(audit.ms),
    perProcess: servers.map((s, i) => ({ idleRssMiB: idle[i].rssMiB, peakRssMiB: mem[i].peakMiB, cpuSeconds: +cpu[i].toFixed(1) })),
  };
  log(`[${label}] ${task.taskStatus} in ${secs(doneMs)} s: ${result.executionsPerSecond} executions/s; ${JSON.stringify(result.perProcess)}`);
  if (task.taskStatus !== 'COMPLETED' || stats.succeededFindingsCount !== N || certificates.INACTIVE !== N)
    throw new Error(`[${label}] expected ${N} succeeded findings and ${N} INACTIVE certificates: ${JSON.stringify({ stats, certificates, executions })}`);
  return result;
}

/** PostgreSQL: the database's committed and rolled-back transaction counters (pg_stat_database). */
async function transactionsOf(spec, work) {
  if (!spec.url) return undefined;
  const client = new pg.Client({ connectionString: work.pg.url });
  await client.connect();
  try {
    // Counters of exited backends may take a moment to be flushed to the cumulative statistics.
    await sleep(1500);
    await client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await client.query('SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = $1', [spec.url.split('/').pop()]);
    return { committed: Number(rows[0].xact_commit), rolledBack: Number(rows[0].xact_rollback) };
  } finally {
    await client.end();
  }
}

async function lastExecutionOf(spec, taskId) {
  const store = await openStore(spec.url ? { databaseUrl: spec.url } : { dataFile: spec.file });
  try {
    return await store.transaction((tx) =>
      tx
        .selectFrom('mitigation_executions as e')
        .innerJoin('mitigation_task_findings as f', (j) => j.onRef('f.task_id', '=', 'e.task_id').onRef('f.finding_id', '=', 'e.finding_id'))
        .select(['e.status', 'e.message'])
        .where('e.task_id', '=', taskId)
        .orderBy('f.finding_time', 'desc')
        .orderBy('f.finding_id', 'desc')
        .executeTakeFirst(),
    );
  } finally {
    await store.close();
  }
}

/** The client-side alternative: UpdateCertificate(INACTIVE) for `count` certificates, CONCURRENCY in flight. */
async function clientLoop(iot, ids, count) {
  const t = performance.now();
  await pool(ids.slice(0, count), (certificateId) => iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' })), CONCURRENCY);
  const ms = performance.now() - t;
  return { changes: count, seconds: secs(ms), changesPerSecond: Math.round(count / (ms / 1000)) };
}

/** ddlocal as a plain registry: the same client loop against a `ddlocal serve` on a fresh copy of the SQLite registry. */
async function ddlocalClientLoop(template, work) {
  const spec = await copyOf(template, work);
  const server = await startServer(spec);
  try {
    const r = await clientLoop(server.iot, template.ids, PEER_N);
    return { ...r, peakRssMiB: memoryOf(server.child.pid).peakMiB };
  } finally {
    await stopProcess(server.child);
  }
}

/** The peer: moto_server with PEER_N of the same certificates (RegisterCertificateWithoutCA), then the loop. */
async function motoClientLoop(ctx) {
  const moto = await startMoto();
  try {
    const t = Date.now();
    const ids = [];
    await pool(
      Array.from({ length: PEER_N }, (_, i) => i),
      async (i) => {
        const c = buildCertificate(i, ctx);
        ids[i] = (await moto.iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: c.pem, status: 'ACTIVE' }))).certificateId;
      },
      CONCURRENCY,
    );
    const registerSeconds = secs(Date.now() - t);
    log(`moto_server: ${PEER_N} certificates registered (${registerSeconds} s)`);
    const r = await clientLoop(moto.iot, ids, PEER_N);
    return { ...r, registerSeconds, peakRssMiB: memoryOf(moto.child.pid).peakMiB };
  } finally {
    await stopProcess(moto.child);
  }
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  const started = new Date();
  const load0 = +loadavg()[0].toFixed(2);
  const now = Date.now();
  const t = Date.now();
  const [rsa, ec] = await Promise.all([Promise.all(Array.from({ length: 100 }, () => rsaSpki())), Promise.all(Array.from({ length: 150 }, () => ecSpki()))]);
  const keys = { rsa, ec, roca: [] };
  log(`key pool: ${rsa.length} RSA 2048, ${ec.length} EC P-256 (${secs(Date.now() - t)} s)`);
  const ca = describeCa(await makeCa('Acme Legacy CA'));
  const ctx = { now, keys, ca, keyFacts: keyFactsOf(keys, ca) };

  const work = { dir: mkdtempSync(join(tmpdir(), 'ddlocal-bench-mitigation-')) };
  const runs = [];
  let ddlocalLoop;
  let peer;
  let pgVersion;
  try {
    for (const kind of STORES) {
      if (kind === 'postgres') {
        work.pg = await startPostgres();
        work.pg.base = work.pg.url.replace(/\/[^/]+$/, '');
        pgVersion = work.pg.version;
        log(`PostgreSQL ${pgVersion} started`);
      }
      const template = await populate(kind, ctx, work);
      for (const processes of kind === 'postgres' ? PG_PROCESSES : [1]) runs.push(await runConfiguration(kind, processes, template, work));
      if (kind === 'sqlite' && !opts['no-peer']) {
        ddlocalLoop = await ddlocalClientLoop(template, work);
        log(`ddlocal (SQLite) client loop: ${ddlocalLoop.changesPerSecond} UpdateCertificate/s`);
      }
    }
    if (!opts['no-peer']) {
      peer = await motoClientLoop(ctx);
      log(`moto_server client loop: ${peer.changesPerSecond} UpdateCertificate/s`);
    }
  } finally {
    work.pg?.stop();
    rmSync(work.dir, { recursive: true, force: true });
  }

  const result = {
    date: started.toISOString(),
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAverage1mAtStart: load0, loadAverage1mAtEnd: +loadavg()[0].toFixed(2) },
    postgres: pgVersion,
    findings: N,
    runs,
    baselines: {
      concurrency: CONCURRENCY,
      changes: PEER_N,
      ddlocalUpdateCertificateLoop: ddlocalLoop,
      motoUpdateCertificateLoop: peer,
    },
  };
  if (peer)
    result.ratios = Object.fromEntries(
      runs.map((r) => [`${r.store}-${r.processes}p executions/s vs moto UpdateCertificate/s`, +(r.executionsPerSecond / peer.changesPerSecond).toFixed(2)]),
    );
  if (peer && ddlocalLoop) result.ratios['ddlocal loop vs moto loop'] = +(ddlocalLoop.changesPerSecond / peer.changesPerSecond).toFixed(2);
  console.log(JSON.stringify(result, null, 2));
  console.table(
    runs.map((r) => ({
      store: r.store,
      processes: r.processes,
      'Start request s': r.startRequestSeconds,
      'start→COMPLETED s': r.startToCompletedSeconds,
      'executions/s': r.executionsPerSecond,
      'peak RSS MiB': r.perProcess.map((p) => p.peakRssMiB).join(' / '),
      'CPU s': r.perProcess.map((p) => p.cpuSeconds).join(' / '),
    })),
  );
  if (opts.json) writeFileSync(opts.json, JSON.stringify(result, null, 2));
}

await main();
