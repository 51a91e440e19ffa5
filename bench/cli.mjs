// `ddlocal iot` against the real aws CLI v2 (/usr/bin/aws), side by side (issue 5 item 6):
//   1. `describe-audit-mitigation-actions-task --generate-cli-skeleton` (no request: parsing and the skeleton only);
//   2. a real `describe-audit-mitigation-actions-task --task-id …` against a `ddlocal serve` child that holds a
//      completed audit mitigation actions task (audit → finding → mitigation action → task).
// Both CLIs run as child processes with the same clean environment (credentials and region in variables, no
// config files, IMDS off). Runs alternate between the two CLIs so that a change in machine load hits both; the
// figures are medians of the wall time of each run, and each CLI's mean CPU time (user + sys) per run over a
// separate batch, which the other work on a shared machine disturbs much less. Ratios are aws ÷ ddlocal, same run.
//
//   node bench/cli.mjs [--runs N] [--json FILE]        (npm run bench:cli builds first)
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DDLOCAL = join(ROOT, 'bin/ddlocal.js');
const AWS = '/usr/bin/aws';
const ACCOUNT = '123456789012';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const RUNS = Number(option('runs', '21'));
const JSON_OUT = option('json', undefined);
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);

const HOME = mkdtempSync(join(tmpdir(), 'ddlocal-bench-cli-'));
/** The environment of every measured process: nothing from the caller's, so both CLIs see the same settings. */
const ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME,
  LANG: 'C.UTF-8',
  TZ: 'UTC',
  AWS_ACCESS_KEY_ID: ACCOUNT,
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_PAGER: '',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
};

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Runs a command once: wall time (ms), exit code, output. */
function timed(file, args, env = ENV) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    execFile(file, args, { env, encoding: 'utf8', maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      resolve({ ms, rc: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** Mean CPU time (user + sys, ms) per run of `n` sequential runs, from bash's `times` for its children. */
async function cpuPerRun(file, args, n, env = ENV) {
  const script = 'for i in $(seq "$N"); do "$@" >/dev/null 2>&1 || exit 99; done; times';
  const r = await timed('/bin/bash', ['-c', script, 'bash', file, ...args], { ...env, N: String(n) });
  if (r.rc !== 0) throw new Error(`${file} ${args.join(' ')} failed during the CPU batch (rc ${r.rc})`);
  const children = r.stdout.trim().split('\n').at(-1).trim().split(/\s+/);
  const seconds = (t) => {
    const [, m, s] = /^(\d+)m([\d.]+)s$/.exec(t);
    return Number(m) * 60 + Number(s);
  };
  return ((seconds(children[0]) + seconds(children[1])) * 1000) / n;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

// ---------------------------------------------------------------------------------------------------------------
// The server and the task

async function startServe() {
  const port = await freePort();
  const child = spawn(process.execPath, [DDLOCAL, 'serve', '--port', String(port), '--data', ':memory:', '--log-level', 'error'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`ddlocal serve exited with code ${child.exitCode}`);
    try {
      await fetch(`${url}/things`);
      return { child, url };
    } catch {
      await sleep(100);
    }
  }
  throw new Error('ddlocal serve did not start');
}

/** An overly permissive policy, an audit that finds it, a mitigation action and a completed actions task. */
async function createTask(url) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { IoTClient, ...cmd } = await import('@aws-sdk/client-iot');
  const iot = new IoTClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: ACCOUNT, secretAccessKey: 'bench' } });
  const role = `arn:aws:iam::${ACCOUNT}:role/bench`;
  const check = 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK';
  const broad = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] });
  await iot.send(new cmd.CreatePolicyCommand({ policyName: 'bench-broad', policyDocument: broad }));
  await iot.send(new cmd.UpdateAccountAuditConfigurationCommand({ roleArn: role, auditCheckConfigurations: { [check]: { enabled: true } } }));
  const { taskId: auditTaskId } = await iot.send(new cmd.StartOnDemandAuditTaskCommand({ targetCheckNames: [check] }));
  const until = async (describe, done) => {
    for (let i = 0; i < 400; i++) {
      const d = await describe();
      if (done(d)) return d;
      await sleep(25);
    }
    throw new Error('task did not finish');
  };
  await until(() => iot.send(new cmd.DescribeAuditTaskCommand({ taskId: auditTaskId })), (d) => d.taskStatus === 'COMPLETED');
  const actionParams = { replaceDefaultPolicyVersionParams: { templateName: 'BLANK_POLICY' } };
  await iot.send(new cmd.CreateMitigationActionCommand({ actionName: 'bench-reset', roleArn: role, actionParams }));
  const taskId = 'bench-cli-task';
  await iot.send(
    new cmd.StartAuditMitigationActionsTaskCommand({ taskId, target: { auditTaskId }, auditCheckToActionsMapping: { [check]: ['bench-reset'] } }),
  );
  const task = await until(() => iot.send(new cmd.DescribeAuditMitigationActionsTaskCommand({ taskId })), (d) => d.taskStatus !== 'IN_PROGRESS');
  if (task.taskStatus !== 'COMPLETED' || task.taskStatistics?.[check]?.succeededFindingsCount !== 1) throw new Error(`unexpected task ${JSON.stringify(task)}`);
  iot.destroy();
  return taskId;
}

// ---------------------------------------------------------------------------------------------------------------
// Measurements

const commands = (args) => ({
  ddlocal: [process.execPath, [DDLOCAL, 'iot', ...args]],
  aws: [AWS, ['iot', ...args]],
});

/** Checks that both CLIs succeed and print the same bytes, then alternates RUNS runs of each. */
async function compare(name, args) {
  const cmds = commands(args);
  const first = { ddlocal: await timed(...cmds.ddlocal), aws: await timed(...cmds.aws) };
  for (const [cli, r] of Object.entries(first)) if (r.rc !== 0) throw new Error(`${name}: ${cli} failed (rc ${r.rc}): ${r.stderr}`);
  const identical = first.ddlocal.stdout === first.aws.stdout;
  if (!identical) log(`${name}: the two outputs differ (measuring anyway)\n--- ddlocal\n${first.ddlocal.stdout}\n--- aws\n${first.aws.stdout}`);
  const wall = { ddlocal: [], aws: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const cli of i % 2 ? ['aws', 'ddlocal'] : ['ddlocal', 'aws']) {
      const r = await timed(...cmds[cli]);
      if (r.rc !== 0) throw new Error(`${name}: ${cli} failed (rc ${r.rc}): ${r.stderr}`);
      wall[cli].push(r.ms);
    }
  }
  const cpuRuns = Math.max(5, Math.ceil(RUNS / 2));
  const cpu = { ddlocal: await cpuPerRun(...cmds.ddlocal, cpuRuns), aws: await cpuPerRun(...cmds.aws, cpuRuns) };
  const result = {
    name,
    command: args.join(' '),
    identicalOutput: identical,
    wallMedianMs: { ddlocal: round(median(wall.ddlocal)), aws: round(median(wall.aws)) },
    wallMinMs: { ddlocal: round(Math.min(...wall.ddlocal)), aws: round(Math.min(...wall.aws)) },
    cpuMeanMs: { ddlocal: round(cpu.ddlocal), aws: round(cpu.aws) },
  };
  result.ratioWall = round(result.wallMedianMs.aws / result.wallMedianMs.ddlocal, 2);
  result.ratioCpu = round(result.cpuMeanMs.aws / result.cpuMeanMs.ddlocal, 2);
  log(`${name}: wall median ddlocal ${result.wallMedianMs.ddlocal} ms, aws ${result.wallMedianMs.aws} ms (×${result.ratioWall}); CPU ddlocal ${result.cpuMeanMs.ddlocal} ms, aws ${result.cpuMeanMs.aws} ms (×${result.ratioCpu})`);
  return result;
}

/** The start-up floors of the two runtimes: an empty Node.js program and an empty Python program. */
async function floors() {
  const out = {};
  for (const [name, file, args] of [
    ['node -e ""', process.execPath, ['-e', '']],
    ['python3 -c ""', '/usr/bin/python3', ['-c', '']],
  ]) {
    const wall = [];
    for (let i = 0; i < RUNS; i++) wall.push((await timed(file, args)).ms);
    out[name] = { wallMedianMs: round(median(wall)), cpuMeanMs: round(await cpuPerRun(file, args, Math.max(5, Math.ceil(RUNS / 2)))) };
  }
  return out;
}

const awsVersion = (await timed(AWS, ['--version'])).stdout.trim();
const loadBefore = loadavg();
log(`${RUNS} runs per CLI and measurement; ${awsVersion}; node ${process.version}; load ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);
const server = await startServe();
let results;
try {
  const taskId = await createTask(server.url);
  const skeleton = await compare('skeleton', ['describe-audit-mitigation-actions-task', '--generate-cli-skeleton']);
  const call = await compare('real call', ['describe-audit-mitigation-actions-task', '--task-id', taskId, '--endpoint-url', server.url]);
  const floor = await floors();
  // NODE_EXTRA_CA_CERTS makes Node.js read and parse the extra certificates (and its own root store) before any
  // JavaScript runs; some sandboxes set it. Reported separately, with the caller's value, when the caller has it.
  let extraCa;
  if (process.env.NODE_EXTRA_CA_CERTS) {
    const env = { ...ENV, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS };
    const wall = [];
    for (let i = 0; i < RUNS; i++) wall.push((await timed(process.execPath, ['-e', ''], env)).ms);
    extraCa = { 'node -e "" with the caller\'s NODE_EXTRA_CA_CERTS': { wallMedianMs: round(median(wall)), cpuMeanMs: round(await cpuPerRun(process.execPath, ['-e', ''], Math.max(5, Math.ceil(RUNS / 2)), env)) } };
  }
  results = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, loadBefore, loadAfter: loadavg() },
    node: process.version,
    aws: awsVersion,
    runs: RUNS,
    skeleton,
    call,
    floors: floor,
    ...(extraCa ? { extraCa } : {}),
  };
} finally {
  server.child.kill('SIGTERM');
}
console.log(JSON.stringify(results, null, 2));
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
const target = (r, x) => (r.ratioWall >= x ? 'met' : 'NOT met');
log(`skeleton ×${results.skeleton.ratioWall} (target ×8: ${target(results.skeleton, 8)}), real call ×${results.call.ratioWall} (target ×3: ${target(results.call, 3)})`);
