#!/usr/bin/env node
// The registry mix against the peer (issue goal: "Registry mix, same client and load, vs moto_server: ≥ 20× moto's
// req/s"). Targets, each a server process on its own store with the same population made through the API
// (THINGS things with CreateThing, CERTIFICATES certificates with CreateKeysAndCertificate setAsActive):
//   sqlite   — `ddlocal serve --data <temp file>`,
//   postgres — `ddlocal serve --database-url …` on a throw-away cluster (bench/postgres.mjs),
//   moto     — `moto_server` (moto 5).
// The load is the same for all: C concurrent clients (AWS SDK for JavaScript v3 IoTClient, one per client loop, spread
// over W worker processes separate from the servers) run a seeded, identical sequence of CreateThing (new names) /
// DescribeThing (a pre-created thing) / ListThings (first page, maxResults 50) / UpdateCertificate (ACTIVE ↔ INACTIVE
// on a pre-created certificate), default 30/40/10/20, for a fixed time after a warm-up. Targets alternate within
// each round (their order rotates from round to round, after one unrecorded priming pass each), so a change in the
// machine's load hits all alike. Measured per target: completed requests per second, p50/p99 latency (all and per
// operation), errors (any failed request; the run fails unless every error is an expected one), the server's CPU
// time per request (/proc/<pid>/stat of the server and its child processes; for PostgreSQL also the cluster's), the
// clients' CPU; and the ratios ddlocal/moto of requests per second from the same run.
//
//   npm run build && node bench/registry-mix.mjs [--clients 32] [--workers 2] [--seconds 6] [--warmup 2] [--rounds 3]
//        [--priming 2] [--targets sqlite,postgres,moto] [--things 500] [--certificates 64] [--mix 30,40,10,20]
//        [--page-size 50] [--expect-errors moto:500] [--json out.json]
//
// Note: CreateThing grows every target's registry during the run, by its share of that target's requests: a faster
// target ends with more things. moto's DescribeThing and ListThings scan all things (O(n) per request),
// so its figures depend on the population; the things each target holds after each round are reported.
import { fork, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DescribeThingCommand,
  ListThingsCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { ROOT, at, iotClient, log, memoryOf, percentile, round2, seeded, startServer, stopProcess, waitHttp } from './harness.mjs';
import { freePort } from './postgres.mjs';

const { values: opts } = parseArgs({
  options: {
    worker: { type: 'boolean', default: false },
    clients: { type: 'string', default: '32' },
    workers: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    priming: { type: 'string', default: '2' },
    targets: { type: 'string', default: 'sqlite,postgres,moto' },
    things: { type: 'string', default: '500' },
    certificates: { type: 'string', default: '64' },
    mix: { type: 'string', default: '30,40,10,20' },
    'page-size': { type: 'string', default: '50' },
    'expect-errors': { type: 'string', default: '' },
    json: { type: 'string' },
  },
});

const OPERATIONS = ['CreateThing', 'DescribeThing', 'ListThings', 'UpdateCertificate'];
const TARGETS = {
  sqlite: { label: 'ddlocal, SQLite file' },
  postgres: { label: 'ddlocal, PostgreSQL' },
  moto: { label: 'moto_server' },
};

/** A small seeded generator (mulberry32), so every target gets the same sequence of requests. */


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
  process.on('disconnect', () => process.exit(0));
}

async function runClients(job) {
  const { url, concurrency, startAt, measureFrom, measureTo, things, certificates, mix, pageSize, prefix, seedBase } = job;
  const thresholds = [mix[0], mix[0] + mix[1], mix[0] + mix[1] + mix[2]];
  const latencies = OPERATIONS.map(() => []);
  /** `${operation} ${error name} ${HTTP status}` → { count (in the window), total, message (the first) }. */
  const errors = {};
  let created = 0;
  const cpuAtStart = at(measureFrom, () => process.cpuUsage());
  const cpuAtEnd = at(measureTo, () => process.cpuUsage());
  await sleep(Math.max(0, startAt - Date.now()));
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      const iot = iotClient(url);
      const random = seeded(seedBase + loop);
      for (let n = 0; Date.now() < measureTo; n++) {
        const pick = random() * 100;
        const op = pick < thresholds[0] ? 0 : pick < thresholds[1] ? 1 : pick < thresholds[2] ? 2 : 3;
        const command =
          op === 0
            ? new CreateThingCommand({ thingName: `bench-${prefix}-${loop}-${n}`, attributePayload: { attributes: { model: 'sensor-v2', firmware: '1.4.2' } } })
            : op === 1
              ? new DescribeThingCommand({ thingName: things[Math.floor(random() * things.length)] })
              : op === 2
                ? new ListThingsCommand({ maxResults: pageSize })
                : new UpdateCertificateCommand({ certificateId: certificates[Math.floor(random() * certificates.length)], newStatus: random() < 0.5 ? 'ACTIVE' : 'INACTIVE' });
        const t0 = performance.now();
        let failure;
        try {
          const out = await iot.send(command);
          if (op === 2 && !(out.things?.length > 0)) failure = { name: 'EmptyListThings', status: out.$metadata?.httpStatusCode, message: JSON.stringify(out).slice(0, 300) };
        } catch (err) {
          failure = { name: err?.name ?? 'Error', status: err?.$metadata?.httpStatusCode ?? err?.$response?.statusCode, message: String(err?.message) };
        }
        const end = Date.now();
        const inWindow = end >= measureFrom && end <= measureTo;
        if (failure) {
          const key = `${OPERATIONS[op]} ${failure.name} ${failure.status ?? '-'}`;
          const e = (errors[key] ??= { operation: OPERATIONS[op], name: failure.name, status: failure.status ?? null, count: 0, total: 0, message: failure.message.slice(0, 300) });
          e.total++;
          if (inWindow) e.count++;
          continue;
        }
        if (op === 0) created++;
        if (inWindow) latencies[op].push(performance.now() - t0);
      }
      iot.destroy();
    }),
  );
  const [from, to] = await Promise.all([cpuAtStart, cpuAtEnd]);
  return { latencies, errors, created, cpuSeconds: (to.user - from.user + to.system - from.system) / 1e6 };
}

// ---------------------------------------------------------------------------------------------------------------
// Server CPU: utime + stime of a process and all its descendants (moto_server's threads are in its own counters;
// PostgreSQL's backends are children of the postmaster), plus the children it has already reaped.

function statOf(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return { comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')), fields: text.slice(text.lastIndexOf(') ') + 2).split(' ') };
}

function treeCpuSeconds(rootPid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(statOf(name).fields[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  let ticks = 0;
  const visit = (pid, root) => {
    try {
      const f = statOf(pid).fields;
      // utime, stime (fields 14, 15 of stat); for the root also cutime, cstime (16, 17): reaped children.
      ticks += Number(f[11]) + Number(f[12]) + (root ? Number(f[13]) + Number(f[14]) : 0);
    } catch {
      return;
    }
    for (const c of children.get(pid) ?? []) visit(c, false);
  };
  visit(rootPid, true);
  return ticks / 100;
}

/** The postmaster of the cluster listening on `port` (bench/postgres.mjs starts it with `-p PORT`). */
function postmasterOf(port) {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (/postgres$/.test(cmdline[0]) && cmdline.includes('-p') && cmdline[cmdline.indexOf('-p') + 1] === String(port)) return Number(name);
      const joined = cmdline.join(' ');
      if (/postgres$/.test(cmdline[0]) && joined.includes(`-p ${port} `)) return Number(name);
    } catch {
      // exited meanwhile
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// The parent: servers, population, rounds, report.

const work = { dir: undefined, servers: [], pg: undefined, workers: [] };
let cleaned = false;
async function cleanUp() {
  if (cleaned) return;
  cleaned = true;
  for (const w of work.workers) if (w.exitCode === null) w.kill('SIGTERM');
  for (const s of work.servers) await stopProcess(s.child).catch(() => {});
  try {
    work.pg?.stop();
  } catch (err) {
    log(`PostgreSQL stop failed: ${err.message}`);
  }
  if (work.dir) rmSync(work.dir, { recursive: true, force: true });
}
function onSignals() {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      log(`${signal}: stopping servers, PostgreSQL and workers`);
      cleanUp().finally(() => process.exit(130));
    });
  }
}

/**
 * harness.mjs's startMoto, with moto_server's stderr (werkzeug's request log and the tracebacks of its 500 answers) in
 * a file, so the errors it answers with can be explained.
 */
async function startMotoLogged() {
  const port = await freePort();
  const logFile = join(work.dir, 'moto.log');
  const fd = openSync(logFile, 'w');
  const child = spawn('moto_server', ['-p', String(port)], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  const server = { child, url, iot: iotClient(url), logFile };
  work.servers.push(server);
  await waitHttp(url, child, 'moto_server');
  return server;
}

/** The exceptions in moto_server's log (the last line of each traceback), counted. */
function motoExceptions(logFile) {
  const counts = {};
  /** The innermost frames of each kind's first traceback. */
  const samples = {};
  const lines = readFileSync(logFile, 'utf8').split('\n');
  let start = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('Traceback (most recent call last)')) start = i;
    else if (start >= 0 && /^[A-Za-z_][\w.]*(Error|Exception)\b/.test(line)) {
      const kind = line.slice(0, 200);
      counts[kind] = (counts[kind] ?? 0) + 1;
      samples[kind] ??= lines.slice(Math.max(start + 1, i - 6), i).map((l) => l.trim());
      start = -1;
    }
  }
  const status500 = lines.filter((l) => /" 500 /.test(l)).length;
  return { tracebacks: counts, innermostFrames: samples, requestsAnswered500: status500 };
}

async function startTarget(name) {
  if (name === 'moto') {
    const server = await startMotoLogged();
    const exe = readlinkSync(`/proc/${server.child.pid}/exe`);
    const r = spawnSync(exe, ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8' });
    server.version = `moto ${r.stdout.trim()} (${statOf(server.child.pid).comm}, ${exe})`;
    return server;
  }
  let store;
  if (name === 'sqlite') store = { file: join(work.dir, 'sqlite.db') };
  else {
    const { startPostgres } = await import('./postgres.mjs');
    work.pg = await startPostgres();
    log(`PostgreSQL ${work.pg.version} started`);
    store = { url: work.pg.url };
  }
  const server = await startServer(store);
  work.servers.push(server);
  server.version = `ddlocal ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}`;
  if (name === 'postgres') {
    const port = new URL(work.pg.url).port;
    const postmaster = postmasterOf(port);
    if (!postmaster) throw new Error(`the postmaster on port ${port} was not found in /proc`);
    server.databasePid = postmaster;
    server.databaseVersion = `PostgreSQL ${work.pg.version}`;
  }
  return server;
}

/** THINGS things and CERTIFICATES ACTIVE certificates, one request at a time (moto's registry is not thread-safe). */
async function populate(server) {
  const things = Array.from({ length: Number(opts.things) }, (_, i) => `bench-fleet-${String(i).padStart(5, '0')}`);
  for (const thingName of things) await server.iot.send(new CreateThingCommand({ thingName, attributePayload: { attributes: { model: 'sensor-v1' } } }));
  const certificates = [];
  for (let i = 0; i < Number(opts.certificates); i++) certificates.push((await server.iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }))).certificateId);
  // One request of each kind must succeed before the load.
  await server.iot.send(new DescribeThingCommand({ thingName: things[0] }));
  const page = await server.iot.send(new ListThingsCommand({ maxResults: Number(opts['page-size']) }));
  if (page.things?.length !== Math.min(Number(opts['page-size']), things.length)) throw new Error(`ListThings returned ${page.things?.length} things`);
  await server.iot.send(new UpdateCertificateCommand({ certificateId: certificates[0], newStatus: 'ACTIVE' }));
  return { things, certificates };
}


/** Expected errors: `target:status` or `target:ErrorName` items of --expect-errors (counted and reported all the same). */
const EXPECTED = opts['expect-errors'].split(',').filter(Boolean).map((item) => item.split(':'));
/**
 * moto's IoT backend keeps things in an OrderedDict that DescribeThing and ListThings iterate over without a lock,
 * while CreateThing in other moto_server threads adds to it: some requests fail inside moto with "RuntimeError:
 * OrderedDict mutated during iteration" (or "dictionary changed size …") and are answered 500 with werkzeug's HTML
 * error page (the SDK reports a SyntaxError deserializing it). Those are expected when moto's log shows that
 * exception, and only it, once for every 500 the clients saw.
 */
const MOTO_RACE = /^RuntimeError: (OrderedDict mutated|dictionary changed size) during iteration$/;
let motoRaceExpected = false;
const isExpected = (target, e) =>
  (target === 'moto' && motoRaceExpected && e.status === 500) || EXPECTED.some(([t, what]) => t === target && (what === String(e.status) || what === e.name));

/** One measured interval of one target: every worker runs its share of the clients against the server. */
async function measure(name, server, population, round, measureMs) {
  const clients = Number(opts.clients);
  const warmupMs = Number(opts.warmup) * 1000;
  const mix = opts.mix.split(',').map(Number);
  const startAt = Date.now() + 300;
  const measureFrom = startAt + warmupMs;
  const measureTo = measureFrom + measureMs;
  const cpuOf = () => ({ server: treeCpuSeconds(server.child.pid), database: server.databasePid ? treeCpuSeconds(server.databasePid) : 0 });
  const cpuFrom = at(measureFrom, cpuOf);
  const cpuTo = at(measureTo, cpuOf);
  const loadFrom = at(measureFrom, () => loadavg()[0]);
  const perWorker = work.workers.map((_, w) => Math.floor(clients / work.workers.length) + (w < clients % work.workers.length ? 1 : 0));
  const results = await Promise.all(
    work.workers.map(
      (worker, w) =>
        new Promise((resolve, reject) => {
          const onExit = (code) => reject(new Error(`worker ${w} exited with code ${code}`));
          worker.once('exit', onExit);
          worker.once('message', (m) => {
            worker.off('exit', onExit);
            if (m.ok) resolve(m.result);
            else reject(new Error(m.error));
          });
          worker.send({
            url: server.url,
            concurrency: perWorker[w],
            startAt,
            measureFrom,
            measureTo,
            things: population.things,
            certificates: population.certificates,
            mix,
            pageSize: Number(opts['page-size']),
            prefix: `r${round}-w${w}`,
            // The same seeds for every target and round: the same sequence of operations and their targets.
            seedBase: 1000 * (w + 1),
          });
        }),
    ),
  );
  const [c0, c1] = await Promise.all([cpuFrom, cpuTo]);
  const errors = {};
  for (const r of results)
    for (const [key, e] of Object.entries(r.errors)) {
      const sum = (errors[key] ??= { ...e, count: 0, total: 0 });
      sum.count += e.count;
      sum.total += e.total;
    }
  const latencies = OPERATIONS.map((_, op) => results.flatMap((r) => r.latencies[op]));
  const requests = latencies.reduce((n, l) => n + l.length, 0);
  population.size += results.reduce((n, r) => n + r.created, 0);
  return {
    round,
    seconds: measureMs / 1000,
    requests,
    requestsPerSecond: requests / (measureMs / 1000),
    latencies,
    errors,
    serverCpuSeconds: c1.server - c0.server,
    databaseCpuSeconds: c1.database - c0.database,
    clientCpuSeconds: results.reduce((s, r) => s + r.cpuSeconds, 0),
    loadAverage1m: [await loadFrom, loadavg()[0]],
    thingsAfter: population.size,
  };
}

function summarize(name, server, rounds) {
  const seconds = rounds.reduce((s, r) => s + r.seconds, 0);
  const requests = rounds.reduce((s, r) => s + r.requests, 0);
  const all = rounds.flatMap((r) => r.latencies.flat()).sort((a, b) => a - b);
  const byOperation = Object.fromEntries(
    OPERATIONS.map((op, i) => {
      const l = rounds.flatMap((r) => r.latencies[i]).sort((a, b) => a - b);
      const byRound = rounds.map((r) => [...r.latencies[i]].sort((a, b) => a - b));
      return [
        op,
        {
          requests: l.length,
          requestsPerSecond: Math.round(l.length / seconds),
          p50ms: round2(percentile(l, 50)),
          p99ms: round2(percentile(l, 99)),
          p50msByRound: byRound.map((x) => round2(percentile(x, 50))),
        },
      ];
    }),
  );
  const errors = {};
  for (const r of rounds)
    for (const [key, e] of Object.entries(r.errors)) {
      const sum = (errors[key] ??= { ...e, count: 0, total: 0, expected: isExpected(name, e) });
      sum.count += e.count;
      sum.total += e.total;
    }
  const errorsInWindow = Object.values(errors).reduce((n, e) => n + e.count, 0);
  const serverCpu = rounds.reduce((s, r) => s + r.serverCpuSeconds, 0);
  const databaseCpu = rounds.reduce((s, r) => s + r.databaseCpuSeconds, 0);
  const clientCpu = rounds.reduce((s, r) => s + r.clientCpuSeconds, 0);
  return {
    target: name,
    label: TARGETS[name].label,
    version: server.version,
    ...(server.databaseVersion && { database: server.databaseVersion }),
    requests,
    seconds,
    requestsPerSecond: Math.round(requests / seconds),
    requestsPerSecondByRound: rounds.map((r) => Math.round(r.requestsPerSecond)),
    p50ms: round2(percentile(all, 50)),
    p99ms: round2(percentile(all, 99)),
    byOperation,
    errorsInWindow,
    errorsPerSecond: round2(errorsInWindow / seconds),
    errors: Object.values(errors),
    serverCpuCores: round2(serverCpu / seconds),
    serverCpuMsPerRequest: round2((serverCpu * 1000) / requests),
    // moto's cost per request grows with the things it holds: see it next to thingsAfterRound.
    serverCpuMsPerRequestByRound: rounds.map((r) => round2((r.serverCpuSeconds * 1000) / r.requests)),
    ...(server.databasePid && {
      databaseCpuCores: round2(databaseCpu / seconds),
      databaseCpuMsPerRequest: round2((databaseCpu * 1000) / requests),
      serverAndDatabaseCpuMsPerRequest: round2(((serverCpu + databaseCpu) * 1000) / requests),
    }),
    clientCpuCores: round2(clientCpu / seconds),
    clientCpuMsPerRequest: round2((clientCpu * 1000) / requests),
    serverPeakRssMiB: server.peakMiB,
    thingsAtStart: Number(opts.things),
    thingsAfterRound: rounds.map((r) => r.thingsAfter),
    loadAverage1mByRound: rounds.map((r) => r.loadAverage1m.map(round2)),
  };
}

async function main() {
  const started = new Date();
  const load0 = loadavg();
  const targets = opts.targets.split(',');
  for (const t of targets) if (!TARGETS[t]) throw new Error(`--targets lists ${Object.keys(TARGETS).join(', ')}`);
  const mix = opts.mix.split(',').map(Number);
  if (mix.length !== 4 || mix.some((m) => !(m >= 0)) || mix.reduce((a, b) => a + b, 0) !== 100)
    throw new Error('--mix is four percentages (CreateThing, DescribeThing, ListThings, UpdateCertificate) adding up to 100');
  for (const o of ['clients', 'workers', 'seconds', 'rounds', 'things', 'certificates', 'page-size'])
    if (!(Number(opts[o]) > 0)) throw new Error(`--${o} must be a positive number`);

  work.dir = mkdtempSync(join(tmpdir(), 'ddlocal-bench-mix-'));
  work.workers = Array.from({ length: Number(opts.workers) }, () => fork(fileURLToPath(import.meta.url), ['--worker'], { stdio: 'inherit' }));
  const servers = {};
  const populations = {};
  const rounds = Object.fromEntries(targets.map((t) => [t, []]));
  const primingErrors = Object.fromEntries(targets.map((t) => [t, []]));
  for (const t of targets) {
    servers[t] = await startTarget(t);
    const t0 = Date.now();
    populations[t] = { ...(await populate(servers[t])), size: Number(opts.things) };
    log(`[${t}] ${servers[t].version}: ${opts.things} things and ${opts.certificates} certificates created (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  // A pass through every target that is not recorded: the servers' and the clients' code is compiled by the JIT
  // before the first measurement, so the target measured first is not the one that pays for it.
  if (Number(opts.priming) > 0)
    for (const t of targets) {
      const r = await measure(t, servers[t], populations[t], 'priming', Number(opts.priming) * 1000);
      primingErrors[t] = Object.values(r.errors);
      log(`[${t}] priming: ${Math.round(r.requestsPerSecond)} requests/s, ${Object.values(r.errors).reduce((n, e) => n + e.total, 0)} errors`);
    }
  for (let round = 0; round < Number(opts.rounds); round++) {
    // Rotate the order each round, so no target always runs first (or right after the same neighbour).
    const order = targets.map((_, i) => targets[(i + round) % targets.length]);
    for (const t of order) {
      const r = await measure(t, servers[t], populations[t], round, Number(opts.seconds) * 1000);
      rounds[t].push(r);
      const errors = Object.values(r.errors).reduce((n, e) => n + e.count, 0);
      log(
        `[${t}] round ${round + 1}: ${Math.round(r.requestsPerSecond)} requests/s, ${errors} errors, server ${round2(r.serverCpuSeconds / r.seconds)} cores` +
          (servers[t].databasePid ? ` + database ${round2(r.databaseCpuSeconds / r.seconds)}` : '') +
          `, clients ${round2(r.clientCpuSeconds / r.seconds)} cores, load ${r.loadAverage1m.map(round2).join(' → ')}, ${r.thingsAfter} things`,
      );
    }
  }
  for (const t of targets) servers[t].peakMiB = memoryOf(servers[t].child.pid).peakMiB;
  let motoLog;
  if (servers.moto) {
    motoLog = motoExceptions(servers.moto.logFile);
    const seen500 = [...primingErrors.moto, ...rounds.moto.flatMap((r) => Object.values(r.errors))].filter((e) => e.status === 500).reduce((n, e) => n + e.total, 0);
    const kinds = Object.keys(motoLog.tracebacks);
    motoLog.clientsSaw500 = seen500;
    const raced = kinds.filter((k) => MOTO_RACE.test(k)).reduce((n, k) => n + motoLog.tracebacks[k], 0);
    motoRaceExpected = seen500 === 0 || (kinds.every((k) => MOTO_RACE.test(k)) && raced === seen500 && motoLog.requestsAnswered500 === seen500);
    motoLog.all500sAreTheKnownRace = motoRaceExpected;
  }

  const summaries = targets.map((t) => ({
    ...summarize(t, servers[t], rounds[t]),
    primingErrors: primingErrors[t].map((e) => ({ ...e, expected: isExpected(t, e) })),
    ...(t === 'moto' && { motoLog }),
  }));
  const byName = Object.fromEntries(summaries.map((s) => [s.target, s]));
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const ratios = {};
  if (byName.moto)
    for (const t of ['sqlite', 'postgres'].filter((x) => byName[x])) {
      const byRound = rounds[t].map((r, i) => round2(r.requestsPerSecond / rounds.moto[i].requestsPerSecond));
      ratios[`${t}/moto requests/s`] = round2(byName[t].requestsPerSecond / byName.moto.requestsPerSecond);
      ratios[`${t}/moto by round`] = byRound;
      ratios[`${t}/moto median of rounds`] = median(byRound);
      // If the server alone were the bottleneck (clients elsewhere): moto's CPU per request over ddlocal's (PostgreSQL:
      // ddlocal's and the cluster's).
      const ddCpu = byName[t].serverAndDatabaseCpuMsPerRequest ?? byName[t].serverCpuMsPerRequest;
      ratios[`moto/${t} server CPU per request`] = round2(byName.moto.serverCpuMsPerRequest / ddCpu);
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
    versions: {
      ddlocal: `${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version} (${spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || 'no git'})`,
      node: process.version,
      ...(servers.moto && { moto: servers.moto.version }),
      ...(servers.postgres && { postgres: servers.postgres.databaseVersion }),
    },
    load: {
      clients: Number(opts.clients),
      workerProcesses: work.workers.length,
      mix: Object.fromEntries(OPERATIONS.map((op, i) => [op, `${mix[i]}%`])),
      listThingsPageSize: Number(opts['page-size']),
      secondsPerRound: Number(opts.seconds),
      warmupSeconds: Number(opts.warmup),
      primingSeconds: Number(opts.priming),
      rounds: Number(opts.rounds),
      things: Number(opts.things),
      certificates: Number(opts.certificates),
      expectedErrors: opts['expect-errors'] || null,
    },
    summaries,
    ratios,
  };
  await cleanUp();

  const m = result.machine;
  console.log(
    `${result.date}: ${m.cpu}, ${m.cores} cores, Node ${m.node}; ${Object.values(result.versions).join('; ')}\n` +
      `load average ${m.loadAverageAtStart.join(' ')} at the start, ${m.loadAverageAtEnd.join(' ')} at the end\n` +
      `${result.load.clients} clients in ${result.load.workerProcesses} processes, mix ${opts.mix} (CreateThing/DescribeThing/ListThings/UpdateCertificate), ` +
      `${result.load.rounds} rounds of ${result.load.secondsPerRound} s per target after ${result.load.warmupSeconds} s warm-up`,
  );
  console.table(
    summaries.map((s) => ({
      target: s.label,
      'requests/s': s.requestsPerSecond,
      'by round': s.requestsPerSecondByRound.join(' / '),
      'p50 ms': s.p50ms,
      'p99 ms': s.p99ms,
      errors: s.errors.length === 0 ? 0 : `${s.errorsInWindow}${s.errors.every((e) => e.expected) ? ' (expected)' : ' UNEXPECTED'}`,
      'server CPU ms/req': s.serverAndDatabaseCpuMsPerRequest !== undefined ? `${s.serverCpuMsPerRequest} + db ${s.databaseCpuMsPerRequest}` : s.serverCpuMsPerRequest,
      'server cores': s.databaseCpuCores !== undefined ? `${s.serverCpuCores} + db ${s.databaseCpuCores}` : s.serverCpuCores,
      'client CPU ms/req': s.clientCpuMsPerRequest,
      'server CPU ms/req by round': s.serverCpuMsPerRequestByRound.join(' / '),
      'things after rounds': s.thingsAfterRound.join(' / '),
    })),
  );
  console.table(
    summaries.flatMap((s) =>
      OPERATIONS.map((op) => ({
        target: s.target,
        operation: op,
        'requests/s': s.byOperation[op].requestsPerSecond,
        'p50 ms': s.byOperation[op].p50ms,
        'p99 ms': s.byOperation[op].p99ms,
        'p50 ms by round': s.byOperation[op].p50msByRound.join(' / '),
      })),
    ),
  );
  console.log(ratios);
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify(result, null, 2)}\n`);

  const unexpected = summaries.flatMap((s) =>
    [...s.errors, ...s.primingErrors.map((e) => ({ ...e, priming: true }))].filter((e) => !e.expected).map((e) => ({ target: s.target, ...e })),
  );
  const expected = summaries.flatMap((s) => s.errors.filter((e) => e.expected).map((e) => ({ target: s.target, ...e })));
  if (motoLog) console.log("moto_server's log:", motoLog);
  if (expected.length > 0) console.log('Expected errors (counted, not in requests/s):', expected);
  if (unexpected.length > 0) {
    console.error('\nFAILED: requests failed with unexpected errors (count: in the measured windows; total: including warm-up and priming):');
    console.error(unexpected);
    process.exitCode = 1;
  }
}

if (opts.worker) await workerMain();
else {
  onSignals();
  try {
    await main();
  } catch (err) {
    console.error(err);
    process.exitCode = 1;
  } finally {
    await cleanUp();
  }
}
