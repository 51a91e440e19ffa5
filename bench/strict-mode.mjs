#!/usr/bin/env node
// The strict-mode benchmark (issue 12): what verified SigV4 callers and their IAM policies cost a registry load.
// Three `ddlocal serve` processes, one per configuration, each on its own store with the same population:
//   open  — open mode (the access key id only picks the account; nothing is verified),
//   root  — strict mode, an admin credential of the account's root user: the signature is verified, no policies,
//   role  — strict mode, a role whose 3 identity policies (11 statements: wildcards, NotAction, Deny statements,
//           conditions on aws:CurrentTime, aws:SourceIp, aws:RequestedRegion and aws:ResourceTag) allow the mix.
// The load is the same for all three: C concurrent clients (AWS SDK for JavaScript v3 IoTClient, each signing its own
// requests, spread over W worker processes separate from the servers) run a seeded, identical sequence of
// CreateThing / DescribeThing / UpdateCertificate (default 40/40/20) for a fixed time after a warm-up. Configurations
// alternate within each round (their order rotates from round to round), so a change in the machine's load hits all
// three alike. Measured per configuration: completed requests per second, p50/p99 latency, the server's CPU time per
// request, the clients' CPU; and the ratios root/open and role/open of requests per second.
//
//   npm run build && node bench/strict-mode.mjs [--clients 16] [--workers 2] [--seconds 6] [--warmup 1] [--rounds 5]
//        [--stores sqlite,postgres] [--things 500] [--certificates 64] [--mix 40,40,20] [--cpu-prof DIR]
//        [--entry bin/ddlocal.js] [--json out.json]
//
// --entry runs another build of ddlocal as the server (e.g. a copy compiled elsewhere, to compare two versions).
import { fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, at, log, percentile, pool, round2, seeded, stopProcess, waitHttp } from './harness.mjs';
import { freePort } from './postgres.mjs';
import {
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DeleteThingCommand,
  DescribeThingCommand,
  IoTClient,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';

const { values: opts } = parseArgs({
  options: {
    worker: { type: 'boolean', default: false },
    clients: { type: 'string', default: '16' },
    workers: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '5' },
    stores: { type: 'string', default: 'sqlite' },
    things: { type: 'string', default: '500' },
    certificates: { type: 'string', default: '64' },
    mix: { type: 'string', default: '40,40,20' },
    'cpu-prof': { type: 'string' },
    entry: { type: 'string' },
    json: { type: 'string' },
  },
});

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const OPERATIONS = ['CreateThing', 'DescribeThing', 'UpdateCertificate'];

// ---------------------------------------------------------------------------------------------------------------
// The callers. Secrets are the benchmark's own; the role's policies are what a fleet-operations role could carry.

const ADMIN = { accessKeyId: 'AKIABENCHADMIN000001', secretAccessKey: 'bench-admin-secret-0123456789abcdefghij' };
const OPERATOR = { accessKeyId: 'AKIABENCHFLEETOPS001', secretAccessKey: 'bench-operator-secret-0123456789abcdefg' };
/** Open mode reads the account from the access key id; the secret is signed with but never checked. */
const OPEN = { accessKeyId: ACCOUNT, secretAccessKey: 'bench-open' };

const THING_ARNS = `arn:aws:iot:${REGION}:${ACCOUNT}:thing/bench-*`;
const OPERATOR_POLICIES = [
  {
    name: 'fleet-things',
    document: {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'ManageBenchThings', Effect: 'Allow', Action: ['iot:CreateThing', 'iot:DescribeThing', 'iot:UpdateThing'], Resource: THING_ARNS },
        { Sid: 'ReadEverything', Effect: 'Allow', Action: ['iot:Describe*', 'iot:List*', 'iot:Get*'], Resource: '*' },
        { Sid: 'IssueCertificates', Effect: 'Allow', Action: 'iot:CreateKeysAndCertificate', Resource: '*' },
        {
          Sid: 'RotateCertificatesUntil2099',
          Effect: 'Allow',
          Action: 'iot:UpdateCertificate',
          Resource: `arn:aws:iot:*:${ACCOUNT}:cert/*`,
          Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' }, DateLessThan: { 'aws:CurrentTime': '2099-12-31T23:59:59Z' } },
        },
      ],
    },
  },
  {
    name: 'fleet-operations',
    document: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'EverythingButDeletesInHomeRegion',
          Effect: 'Allow',
          NotAction: ['iot:Delete*', 'iot:*Policy*', 'iam:*', 'sts:*'],
          Resource: `arn:aws:iot:${REGION}:${ACCOUNT}:*`,
          Condition: { StringEquals: { 'aws:RequestedRegion': REGION } },
        },
        { Sid: 'TagOnlyForTheFleetTeam', Effect: 'Allow', Action: 'iot:TagResource', Resource: '*', Condition: { StringEquals: { 'aws:RequestTag/team': 'fleet' } } },
        { Sid: 'AuditReadOnly', Effect: 'Allow', Action: ['iot:Describe*Audit*', 'iot:List*Audit*'], Resource: '*' },
      ],
    },
  },
  {
    name: 'guardrails',
    document: {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'NoDeletes', Effect: 'Deny', Action: ['iot:DeleteThing', 'iot:DeleteCertificate', 'iot:DeleteCACertificate'], Resource: '*' },
        // Attribute-based: nothing tagged locked=true may be changed (UpdateCertificate falls under Update*).
        { Sid: 'LockedResources', Effect: 'Deny', Action: ['iot:Update*', 'iot:Delete*'], Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/locked': 'true' } } },
        { Sid: 'OnlyFromTheLab', Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': ['127.0.0.0/8', '::1/128', '10.0.0.0/8'] } } },
        { Sid: 'NothingOutsideIoT', Effect: 'Deny', NotAction: 'iot:*', Resource: '*' },
      ],
    },
  },
];

const CREDENTIALS_FILE = [
  { ...ADMIN, accountId: ACCOUNT, admin: true },
  { ...OPERATOR, accountId: ACCOUNT, principalArn: `arn:aws:iam::${ACCOUNT}:role/FleetOperator`, policies: OPERATOR_POLICIES },
];

const CONFIGURATIONS = [
  { name: 'open', label: 'open mode', strict: false, client: OPEN },
  { name: 'root', label: 'strict, admin root (signature only)', strict: true, client: ADMIN },
  { name: 'role', label: 'strict, role with 3 policies / 11 statements', strict: true, client: OPERATOR },
];

function iotClient(url, credentials) {
  return new IoTClient({ endpoint: url, region: REGION, credentials, maxAttempts: 1 });
}

/** A small seeded generator (mulberry32), so every configuration gets the same sequence of requests. */


// ---------------------------------------------------------------------------------------------------------------
// Worker processes: the clients. Each runs `concurrency` loops, one IoTClient each, and reports what completed in the
// measuring window (absolute wall-clock times given by the parent, so all workers measure the same interval).

async function workerMain() {
  process.on('message', async (job) => {
    try {
      process.send({ ok: true, result: await runClients(job) });
    } catch (err) {
      process.send({ ok: false, error: String(err?.stack ?? err) });
    }
  });
}

async function runClients(job) {
  const { url, credentials, concurrency, startAt, measureFrom, measureTo, things, certificates, mix, prefix, seedBase } = job;
  const thresholds = [mix[0], mix[0] + mix[1]];
  const latencies = OPERATIONS.map(() => []);
  const errors = {};
  const cpuAtStart = at(measureFrom, () => process.cpuUsage());
  const cpuAtEnd = at(measureTo, () => process.cpuUsage());
  await sleep(Math.max(0, startAt - Date.now()));
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      const iot = iotClient(url, credentials);
      const random = seeded(seedBase + loop);
      for (let n = 0; Date.now() < measureTo; n++) {
        const pick = random() * 100;
        const op = pick < thresholds[0] ? 0 : pick < thresholds[1] ? 1 : 2;
        const command =
          op === 0
            ? new CreateThingCommand({ thingName: `bench-${prefix}-${loop}-${n}`, attributePayload: { attributes: { model: 'sensor-v2', firmware: '1.4.2' } } })
            : op === 1
              ? new DescribeThingCommand({ thingName: things[Math.floor(random() * things.length)] })
              : new UpdateCertificateCommand({ certificateId: certificates[Math.floor(random() * certificates.length)], newStatus: random() < 0.5 ? 'ACTIVE' : 'INACTIVE' });
        const t0 = performance.now();
        try {
          await iot.send(command);
        } catch (err) {
          const name = err?.name ?? 'Error';
          errors[name] = (errors[name] ?? 0) + 1;
          if (errors[name] === 1) errors[`${name} (first message)`] = String(err?.message).slice(0, 300);
          continue;
        }
        const end = Date.now();
        if (end >= measureFrom && end <= measureTo) latencies[op].push(performance.now() - t0);
      }
      iot.destroy();
    }),
  );
  const [from, to] = await Promise.all([cpuAtStart, cpuAtEnd]);
  return { latencies, errors, cpuSeconds: (to.user - from.user + to.system - from.system) / 1e6 };
}

// ---------------------------------------------------------------------------------------------------------------
// The parent: servers, population, rounds, report.

/** utime + stime of a process, in seconds. */
function cpuSecondsOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function startServe(configuration, store, work) {
  const port = await freePort();
  const entry = opts.entry ? resolve(opts.entry) : join(ROOT, 'bin/ddlocal.js');
  const nodeArgs = opts['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', join(opts['cpu-prof'], `${store.kind}-${configuration.name}`)] : [];
  const args = [...nodeArgs, entry, 'serve', '--port', String(port), '--log-level', 'error'];
  args.push(...(store.url ? ['--database-url', store.url] : ['--data', store.file]));
  if (configuration.strict) args.push('--auth-mode', 'strict', '--credentials-file', work.credentialsFile);
  const child = spawn(process.execPath, args, { stdio: ['ignore', process.stderr, 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  // The health endpoint is answered unsigned in strict mode too.
  await waitHttp(`${url}/_ddlocal/health`, child, `ddlocal serve (${configuration.name})`);
  return { child, url };
}

/**
 * The population every configuration starts from: THINGS things and CERTIFICATES certificates (CreateKeysAndCertificate,
 * ACTIVE), made by the configuration's admin (open: the account). Then the configuration's client must be allowed one
 * request of each kind, and in `role` refused a DeleteThing (the guardrail's Deny), so the policies are really in force.
 */
async function populate(configuration, server) {
  const admin = iotClient(server.url, configuration.strict ? ADMIN : OPEN);
  const things = Array.from({ length: Number(opts.things) }, (_, i) => `bench-fleet-${String(i).padStart(5, '0')}`);
  await pool(things, (thingName) => admin.send(new CreateThingCommand({ thingName, attributePayload: { attributes: { model: 'sensor-v1' } } })), 8);
  const certificates = [];
  await pool(
    Array.from({ length: Number(opts.certificates) }),
    async () => certificates.push((await admin.send(new CreateKeysAndCertificateCommand({ setAsActive: true }))).certificateId),
    2,
  );
  const client = iotClient(server.url, configuration.client);
  await client.send(new DescribeThingCommand({ thingName: things[0] }));
  await client.send(new CreateThingCommand({ thingName: 'bench-probe' }));
  await client.send(new UpdateCertificateCommand({ certificateId: certificates[0], newStatus: 'ACTIVE' }));
  if (configuration.name === 'role') {
    const refused = await client.send(new DeleteThingCommand({ thingName: 'bench-probe' })).then(() => undefined, (err) => err.name);
    if (refused !== 'AccessDeniedException') throw new Error(`the role's DeleteThing should be denied by its guardrail, got ${refused ?? 'success'}`);
  }
  admin.destroy();
  client.destroy();
  return { things, certificates };
}



/** One measured interval of one configuration: every worker runs its share of the clients against the server. */
async function measure(configuration, server, population, workers, round, measureMs = Number(opts.seconds) * 1000) {
  const clients = Number(opts.clients);
  const warmupMs = Number(opts.warmup) * 1000;
  const mix = opts.mix.split(',').map(Number);
  const startAt = Date.now() + 300;
  const measureFrom = startAt + warmupMs;
  const measureTo = measureFrom + measureMs;
  const serverCpuFrom = at(measureFrom, () => cpuSecondsOf(server.child.pid));
  const serverCpuTo = at(measureTo, () => cpuSecondsOf(server.child.pid));
  const perWorker = workers.map((_, w) => Math.floor(clients / workers.length) + (w < clients % workers.length ? 1 : 0));
  const results = await Promise.all(
    workers.map(
      (worker, w) =>
        new Promise((resolve, reject) => {
          worker.once('message', (m) => (m.ok ? resolve(m.result) : reject(new Error(m.error))));
          worker.send({
            url: server.url,
            credentials: configuration.client,
            concurrency: perWorker[w],
            startAt,
            measureFrom,
            measureTo,
            things: population.things,
            certificates: population.certificates,
            mix,
            prefix: `r${round}-w${w}`,
            // The same seeds in every configuration and round: the same sequence of operations and targets.
            seedBase: 1000 * (w + 1),
          });
        }),
    ),
  );
  const serverCpuSeconds = (await serverCpuTo) - (await serverCpuFrom);
  const errors = Object.assign({}, ...results.map((r) => r.errors));
  if (Object.keys(errors).length > 0) throw new Error(`[${configuration.name}] requests failed: ${JSON.stringify(errors)}`);
  const latencies = OPERATIONS.map((_, op) => results.flatMap((r) => r.latencies[op]));
  const requests = latencies.reduce((n, l) => n + l.length, 0);
  return {
    round,
    seconds: measureMs / 1000,
    requests,
    requestsPerSecond: requests / (measureMs / 1000),
    latencies,
    serverCpuSeconds,
    clientCpuSeconds: results.reduce((s, r) => s + r.cpuSeconds, 0),
    loadAverage1m: loadavg()[0],
  };
}

const totalCpu = (summary) => summary.serverCpuMsPerRequest + summary.clientCpuMsPerRequest;

function summarize(configuration, rounds) {
  const seconds = rounds.reduce((s, r) => s + r.seconds, 0);
  const requests = rounds.reduce((s, r) => s + r.requests, 0);
  const all = rounds.flatMap((r) => r.latencies.flat()).sort((a, b) => a - b);
  const byOperation = Object.fromEntries(
    OPERATIONS.map((name, op) => {
      const l = rounds.flatMap((r) => r.latencies[op]).sort((a, b) => a - b);
      return [name, { requests: l.length, p50ms: round2(percentile(l, 50)), p99ms: round2(percentile(l, 99)) }];
    }),
  );
  const serverCpu = rounds.reduce((s, r) => s + r.serverCpuSeconds, 0);
  const clientCpu = rounds.reduce((s, r) => s + r.clientCpuSeconds, 0);
  return {
    configuration: configuration.name,
    label: configuration.label,
    requests,
    seconds,
    requestsPerSecond: Math.round(requests / seconds),
    requestsPerSecondByRound: rounds.map((r) => Math.round(r.requestsPerSecond)),
    p50ms: round2(percentile(all, 50)),
    p99ms: round2(percentile(all, 99)),
    byOperation,
    serverCpuCores: round2(serverCpu / seconds),
    serverCpuMsPerRequest: round2((serverCpu * 1000) / requests),
    clientCpuCores: round2(clientCpu / seconds),
    clientCpuMsPerRequest: round2((clientCpu * 1000) / requests),
    loadAverage1mByRound: rounds.map((r) => round2(r.loadAverage1m)),
  };
}

async function storesFor(kind, work) {
  if (kind === 'sqlite') return Object.fromEntries(CONFIGURATIONS.map((c) => [c.name, { kind, file: join(work.dir, `${c.name}.db`) }]));
  const { startPostgres } = await import('./postgres.mjs');
  const pg = (await import('pg')).default;
  work.pg = await startPostgres();
  log(`PostgreSQL ${work.pg.version} started`);
  const admin = new pg.Client({ connectionString: work.pg.url });
  await admin.connect();
  for (const c of CONFIGURATIONS) await admin.query(`CREATE DATABASE bench_${c.name}`);
  await admin.end();
  const base = work.pg.url.replace(/\/[^/]+$/, '');
  return Object.fromEntries(CONFIGURATIONS.map((c) => [c.name, { kind, url: `${base}/bench_${c.name}` }]));
}

async function runStore(kind, work, workers) {
  const stores = await storesFor(kind, work);
  const servers = {};
  const populations = {};
  try {
    for (const c of CONFIGURATIONS) {
      servers[c.name] = await startServe(c, stores[c.name], work);
      const t = Date.now();
      populations[c.name] = await populate(c, servers[c.name]);
      log(`[${kind}/${c.name}] ${opts.things} things and ${opts.certificates} certificates created (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    }
    // A pass through every configuration that is not recorded: the servers' and the clients' code is compiled by the
    // JIT before the first measurement, so the configuration measured first is not the one that pays for it.
    for (const c of CONFIGURATIONS) await measure(c, servers[c.name], populations[c.name], workers, 'priming', 2000);
    const rounds = Object.fromEntries(CONFIGURATIONS.map((c) => [c.name, []]));
    for (let round = 0; round < Number(opts.rounds); round++) {
      // Rotate the order each round, so no configuration always runs first (or right after the same neighbour).
      const order = CONFIGURATIONS.map((_, i) => CONFIGURATIONS[(i + round) % CONFIGURATIONS.length]);
      for (const c of order) {
        const r = await measure(c, servers[c.name], populations[c.name], workers, round);
        rounds[c.name].push(r);
        log(
          `[${kind}/${c.name}] round ${round + 1}: ${Math.round(r.requestsPerSecond)} requests/s, server ${round2(r.serverCpuSeconds / r.seconds)} cores, ` +
            `clients ${round2(r.clientCpuSeconds / r.seconds)} cores, load ${round2(r.loadAverage1m)}`,
        );
      }
    }
    const summaries = CONFIGURATIONS.map((c) => summarize(c, rounds[c.name]));
    const byName = Object.fromEntries(summaries.map((s) => [s.configuration, s]));
    const ratioByRound = (name) => rounds[name].map((r, i) => round2(r.requestsPerSecond / rounds.open[i].requestsPerSecond));
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return {
      store: kind,
      summaries,
      ratios: {
        'root/open requests/s': round2(byName.root.requestsPerSecond / byName.open.requestsPerSecond),
        'role/open requests/s': round2(byName.role.requestsPerSecond / byName.open.requestsPerSecond),
        'root/open by round': ratioByRound('root'),
        'role/open by round': ratioByRound('role'),
        // Each round measures the three configurations within a few seconds of each other: the median of the rounds'
        // ratios is the least disturbed by other work on the machine.
        'root/open median of rounds': median(ratioByRound('root')),
        'role/open median of rounds': median(ratioByRound('role')),
        // What the ratio would be if the server alone were the bottleneck (clients on other machines): its CPU time per
        // request in open mode over that in strict mode.
        'open/root server CPU per request': round2(byName.open.serverCpuMsPerRequest / byName.root.serverCpuMsPerRequest),
        'open/role server CPU per request': round2(byName.open.serverCpuMsPerRequest / byName.role.serverCpuMsPerRequest),
        // And if this machine's CPUs were the bottleneck for clients and server together.
        'open/root server+client CPU per request': round2(totalCpu(byName.open) / totalCpu(byName.root)),
        'open/role server+client CPU per request': round2(totalCpu(byName.open) / totalCpu(byName.role)),
      },
    };
  } finally {
    for (const s of Object.values(servers)) await stopProcess(s.child);
    work.pg?.stop();
    work.pg = undefined;
  }
}

async function main() {
  const started = new Date();
  const load0 = loadavg();
  const stores = opts.stores.split(',');
  for (const s of stores) if (!['sqlite', 'postgres'].includes(s)) throw new Error('--stores lists sqlite and/or postgres');
  const mix = opts.mix.split(',').map(Number);
  if (mix.length !== 3 || mix.some((m) => !(m >= 0)) || mix.reduce((a, b) => a + b, 0) !== 100)
    throw new Error('--mix is three percentages (CreateThing, DescribeThing, UpdateCertificate) adding up to 100');
  if (opts['cpu-prof']) mkdirSync(opts['cpu-prof'], { recursive: true });

  const work = { dir: mkdtempSync(join(tmpdir(), 'ddlocal-bench-strict-')) };
  work.credentialsFile = join(work.dir, 'credentials.json');
  writeFileSync(work.credentialsFile, JSON.stringify(CREDENTIALS_FILE, null, 2));
  const workers = Array.from({ length: Number(opts.workers) }, () => fork(fileURLToPath(import.meta.url), ['--worker'], { stdio: 'inherit' }));
  const results = [];
  try {
    for (const kind of stores) results.push(await runStore(kind, work, workers));
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    rmSync(work.dir, { recursive: true, force: true });
  }

  const result = {
    date: started.toISOString(),
    machine: {
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      loadAverageAtStart: load0.map(round2),
      loadAverageAtEnd: loadavg().map(round2),
    },
    load: {
      clients: Number(opts.clients),
      workerProcesses: workers.length,
      mix: Object.fromEntries(OPERATIONS.map((op, i) => [op, `${mix[i]}%`])),
      secondsPerRound: Number(opts.seconds),
      warmupSeconds: Number(opts.warmup),
      rounds: Number(opts.rounds),
      things: Number(opts.things),
      certificates: Number(opts.certificates),
    },
    results,
  };
  console.log(JSON.stringify(result, null, 2));
  const m = result.machine;
  console.log(
    `\n${result.date}: ${m.cpu}, ${m.cores} cores, Node ${m.node}; load average ${m.loadAverageAtStart.join(' ')} at the start, ` +
      `${m.loadAverageAtEnd.join(' ')} at the end`,
  );
  for (const r of results) {
    console.log(`\n${r.store}: ${result.load.clients} clients in ${workers.length} processes, ${result.load.rounds} rounds of ${result.load.secondsPerRound} s per configuration`);
    console.table(
      r.summaries.map((s) => ({
        configuration: s.label,
        'requests/s': s.requestsPerSecond,
        'by round': s.requestsPerSecondByRound.join(' / '),
        'p50 ms': s.p50ms,
        'p99 ms': s.p99ms,
        'server CPU ms/req': s.serverCpuMsPerRequest,
        'client CPU ms/req': s.clientCpuMsPerRequest,
        'server cores': s.serverCpuCores,
        'client cores': s.clientCpuCores,
      })),
    );
    console.log(r.ratios);
  }
  if (opts.json) writeFileSync(opts.json, JSON.stringify(result, null, 2));
}

if (opts.worker) await workerMain();
else await main();
