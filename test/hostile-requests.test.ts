// No hostile request can freeze or 500 the server. 10,000 requests built from the AWS IoT model and the dynamic group
// query grammar — boundary and over-long values, unicode hazards, deeply nested JSON, wildcard-heavy queries and
// policies followed by the things and audits that are their worst case, hostile bodies for /_ddlocal/ endpoints and
// hostile PEM/DER — go from a few concurrent senders to a `ddlocal serve` child process on a real SQLite file (and a
// smaller share to one on PostgreSQL), while a worker thread polls GET /_ddlocal/health every ~100 ms with its own
// 1-second timeout. Every poll must answer 200 within the second; no answer may be a 5xx other than 501; every
// request must be answered within 10 s, an error with a well-formed AWS error; the server must still be alive and
// stop cleanly at the end.
//
// A request that gets no answer within 10 s means a frozen server: it is killed and replaced by a fresh one (new
// database), so one run finds more than the first freeze; after HOSTILE_MAX_RESTARTS replacements the run stops.
// Failures are printed with the seed and the offending requests (and, for a late health poll, the requests that were
// in flight when it was sent), ready to become regression tests.
//
// HOSTILE_SEED=<n> explores other inputs; HOSTILE_REQUESTS / HOSTILE_PG_REQUESTS change the amounts;
// HOSTILE_HEALTH_LIMIT_MS=<ms> below 1000 shows what comes close to the limit (each slower poll is then a failure).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { startServeProcess, type ServeProcess } from './helpers/serve-process.js';
import { rawRequest, UUID_V4, type RawResponse } from './helpers/raw-http.js';
import { createTestDatabase } from './helpers/postgres.js';
import {
  hostileOperationRequestArb,
  IMPLEMENTED,
  junkRequestArb,
  operationRequestArb,
  type FuzzRequest,
} from './helpers/model-requests.js';
import {
  certificateRequestArb,
  dynamicGroupScenarioArb,
  extensionRequestArb,
  iamAuditScenarioArb,
  oversizedHeadArb,
  policyAuditScenarioArb,
  type Scenario,
} from './helpers/hostile-scenarios.js';
import { POLL_TIMEOUT_MS, type PollProblem, type PollReport } from './helpers/health-poller.js';

const SEED = process.env.HOSTILE_SEED ? Number(process.env.HOSTILE_SEED) : 20250614;
const REQUESTS = Number(process.env.HOSTILE_REQUESTS ?? 10_000);
const PG_REQUESTS = Number(process.env.HOSTILE_PG_REQUESTS ?? 1_000);
const MAX_RESTARTS = Number(process.env.HOSTILE_MAX_RESTARTS ?? 3);
const HEALTH_LIMIT_MS = Math.min(POLL_TIMEOUT_MS, Number(process.env.HOSTILE_HEALTH_LIMIT_MS ?? POLL_TIMEOUT_MS));
const SENDERS = 4;
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 1024 * 1024;
/** Offending requests printed per kind of failure. */
const SHOW = 8;

const now = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------------------------------
// The traffic: scenario i is drawn from its own seed, so the sequence is the same whatever order the senders take.

type Kind = 'model' | 'model-valid' | 'dynamic' | 'policy' | 'iam' | 'extension' | 'certificate' | 'junk' | 'oversized';

/** Scenario weights; with their lengths (~10 steps for dynamic, policy and iam) about half the requests are `model`. */
const MIX: Array<[Kind, number]> = [
  ['model', 5000],
  ['model-valid', 1000],
  ['dynamic', 140],
  ['policy', 60],
  ['iam', 45],
  ['extension', 1000],
  ['certificate', 300],
  ['junk', 280],
  ['oversized', 20],
];
const MIX_TOTAL = MIX.reduce((n, [, w]) => n + w, 0);

function mix32(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}

function kindOf(seed: number, i: number): Kind {
  let r = mix32(seed, i) % MIX_TOTAL;
  for (const [kind, weight] of MIX) {
    if (r < weight) return kind;
    r -= weight;
  }
  return 'model';
}

const sampleOne = <T>(arb: fc.Arbitrary<T>, seed: number): T => fc.sample(arb, { seed, numRuns: 1 })[0]!;

/** Scenario `i` of the run with `seed`. Model operations take turns, hostile-but-passing and hostile alternately. */
function scenarioAt(seed: number, i: number): Scenario {
  const kind = kindOf(seed, i);
  const s = mix32(seed + 1, i);
  const account = String(200_000_000_000 + i);
  switch (kind) {
    case 'model': {
      const op = IMPLEMENTED[(i >>> 1) % IMPLEMENTED.length]!;
      const passing = i % 2 === 0;
      return { kind: `model ${op}${passing ? ' (passing)' : ''}`, steps: [sampleOne(hostileOperationRequestArb(op, passing), s)] };
    }
    case 'model-valid': {
      const op = IMPLEMENTED[s % IMPLEMENTED.length]!;
      return { kind: `model ${op} (valid)`, steps: [sampleOne(operationRequestArb(op, i % 3 === 0 ? 'chaos' : 'valid'), s)] };
    }
    case 'dynamic':
      return sampleOne(dynamicGroupScenarioArb(account), s);
    case 'policy':
      return sampleOne(policyAuditScenarioArb(account), s);
    case 'iam':
      return sampleOne(iamAuditScenarioArb(account), s);
    case 'extension':
      return sampleOne(extensionRequestArb(s % 4 === 0 ? '123456789012' : account), s);
    case 'certificate':
      return sampleOne(certificateRequestArb(account), s);
    case 'junk': {
      const req = sampleOne(junkRequestArb, s);
      // Junk may carry a reset: only ever of an account no other scenario uses, so it cannot wipe their state.
      if (req.path.startsWith('/_ddlocal/reset')) req.body = '{"accountId":"999999999999"}';
      return { kind: 'junk', steps: [req] };
    }
    case 'oversized':
      return sampleOne(oversizedHeadArb, s);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Running it

/** Method, path, the account and region of the credential scope (or the odd Authorization), other headers, body. */
function brief(req: FuzzRequest): string {
  const { authorization, ...others } = req.headers;
  const scope = authorization === undefined ? 'no auth' : (/Credential=([^/]*)\/[^/]*\/([^/]*)\//.exec(authorization)?.slice(1, 3).join(' ') ?? authorization);
  const extra = Object.keys(others).length ? ` headers=${JSON.stringify(others).slice(0, 200)}` : '';
  const body = req.body === undefined ? '' : ` body(${req.body.length})=${String(req.body).slice(0, 400)}`;
  return `${req.method} ${req.path.slice(0, 300)}${req.path.length > 300 ? `…(${req.path.length})` : ''} [${scope.slice(0, 60)}]${extra}${body}`;
}

interface Sent {
  scenario: number;
  kind: string;
  step: number;
  request: string;
  start: number;
  end?: number;
  status?: number;
  errorType?: string;
  requestId?: string;
  error?: string;
  epoch: number;
}

interface Failure {
  what: 'status 5xx' | 'no answer within 10 s' | 'connection error' | 'malformed answer' | 'server died';
  sent: Sent;
  detail: string;
  context: string[];
}

interface RunResult {
  seed: number;
  store: string;
  sent: number;
  ms: number;
  restarts: number;
  aborted: boolean;
  polls: number;
  worstPollMs: number;
  pollProblems: PollProblem[];
  failures: Failure[];
  log: Sent[];
  serverLogs: string[];
  endProblems: string[];
  outcomes: Map<string, number>;
  /** Requests with a body over the 1 MiB limit whose 400 answer was lost to a connection reset. */
  lostOverLimit: number;
}

/** A well-formed answer: a request id; an error has x-amzn-ErrorType and a JSON body naming it with a message. */
function malformation(req: FuzzRequest, res: RawResponse): string | undefined {
  if (!UUID_V4.test(String(res.headers['x-amzn-requestid']))) return 'no x-amzn-RequestId';
  if (res.status < 400) return undefined;
  const type = res.headers['x-amzn-errortype'];
  if (typeof type !== 'string') return 'an error without x-amzn-ErrorType';
  if (req.method === 'HEAD') return undefined;
  if (res.json?.__type !== type || typeof res.json?.message !== 'string') return 'an error body that is not {"__type", "message"}';
  return undefined;
}

async function startServer(store: 'sqlite' | 'postgres', dir: string, generation: number): Promise<ServeProcess> {
  if (store === 'sqlite') return startServeProcess({ data: join(dir, `ddlocal-${generation}.db`) });
  return startServeProcess({ databaseUrl: await createTestDatabase() });
}

function startPoller(): { worker: Worker; report: Promise<PollReport> } {
  const worker = new Worker(new URL('./helpers/health-poller.js', import.meta.url));
  const report = new Promise<PollReport>((resolve, reject) => {
    worker.on('message', (m: PollReport) => m.type === 'report' && resolve(m));
    worker.on('error', reject);
    worker.on('exit', () => reject(new Error('the health poller exited without a report')));
  });
  report.catch(() => undefined);
  return { worker, report };
}

async function runHostileTraffic(store: 'sqlite' | 'postgres', total: number, seed: number): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ddlocal-hostile-'));
  const started = now();
  const log: Sent[] = [];
  const failures: Failure[] = [];
  const serverLogs: string[] = [];
  const endProblems: string[] = [];
  const outcomes = new Map<string, number>();
  let server: ServeProcess | undefined;
  let poller: ReturnType<typeof startPoller> | undefined;
  let epoch = 0;
  let restarts = 0;
  let aborted = false;
  let stop = false;
  let sent = 0;
  let nextScenario = 0;
  let lostOverLimit = 0;
  let restarting: Promise<void> = Promise.resolve();
  const alive = (s: ServeProcess) => s.child.exitCode === null && s.child.signalCode === null;

  const contextOf = (rec: Sent) =>
    log.filter((r) => r.scenario === rec.scenario && r.step < rec.step).map((r) => `  earlier step ${r.step}: ${r.request} → ${r.status ?? r.error}`);
  const inFlight = (rec: Sent) => log.filter((r) => r !== rec && r.epoch === rec.epoch && r.end === undefined).map((r) => r.request.slice(0, 200));

  /** Replaces a frozen or dead server with a fresh one (new database); at most MAX_RESTARTS times. */
  const replaceServer = (from: number) => {
    if (epoch !== from) return restarting;
    epoch++;
    restarting = (async () => {
      poller!.worker.postMessage({ type: 'pause' });
      const old = server!;
      server = undefined;
      old.child.kill('SIGKILL');
      await old.exited;
      serverLogs.push(old.stdout() + old.stderr());
      if (++restarts > MAX_RESTARTS) {
        aborted = true;
        stop = true;
        return;
      }
      server = await startServer(store, dir, epoch);
      poller!.worker.postMessage({ type: 'poll', url: server.url, epoch, limitMs: HEALTH_LIMIT_MS });
    })();
    return restarting;
  };

  const send = async (req: FuzzRequest, scenario: number, kind: string, step: number): Promise<RawResponse | undefined> => {
    await restarting;
    const target = server;
    if (stop || !target) return undefined;
    const rec: Sent = { scenario, kind, step, request: brief(req), start: now(), epoch };
    log.push(rec);
    const myEpoch = epoch;
    try {
      const res = await rawRequest(target.url, { method: req.method, path: req.path, headers: req.headers, body: req.body, timeoutMs: REQUEST_TIMEOUT_MS });
      rec.end = now();
      rec.status = res.status;
      rec.requestId = res.headers['x-amzn-requestid'] as string | undefined;
      rec.errorType = res.headers['x-amzn-errortype'] as string | undefined;
      const outcome = `${kind.split(' ')[0]} ${res.status}${rec.errorType ? ` ${rec.errorType}` : ''}`;
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      const detail = `→ ${res.status} ${rec.errorType ?? ''} ${res.text.slice(0, 300)}`;
      if (res.status >= 500 && res.status !== 501) failures.push({ what: 'status 5xx', sent: rec, detail, context: contextOf(rec) });
      else {
        const bad = malformation(req, res);
        if (bad) failures.push({ what: 'malformed answer', sent: rec, detail: `${bad} ${detail}`, context: contextOf(rec) });
      }
      return res;
    } catch (err) {
      rec.end = now();
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      rec.error = code;
      // The server was replaced while this request was in flight: its loss is part of that incident.
      if (myEpoch !== epoch) return undefined;
      if (code === 'ETIMEDOUT') {
        failures.push({ what: 'no answer within 10 s', sent: rec, detail: `in flight meanwhile: ${inFlight(rec).join(' | ') || 'nothing else'}`, context: contextOf(rec) });
        await replaceServer(myEpoch);
        return undefined;
      }
      // A reset can arrive before the child's exit is observed: give a crash a moment to show.
      await Promise.race([target.exited, new Promise((r) => setTimeout(r, 300))]);
      if (myEpoch !== epoch) return undefined;
      if (!alive(target)) {
        failures.push({ what: 'server died', sent: rec, detail: `exit ${target.child.exitCode ?? target.child.signalCode}: ${target.stderr().slice(-2000)}`, context: contextOf(rec) });
        await replaceServer(myEpoch);
      } else if (Buffer.byteLength(req.body ?? '') > MAX_BODY_BYTES) {
        // ddlocal answers 400 to a body over the limit and closes the connection without reading the rest, so a
        // client still sending may see EPIPE/ECONNRESET instead of the answer: counted, not a failure here.
        lostOverLimit++;
      } else {
        failures.push({ what: 'connection error', sent: rec, detail: code, context: contextOf(rec) });
      }
      return undefined;
    }
  };

  const sender = async () => {
    while (!stop) {
      const id = nextScenario++;
      const scenario = scenarioAt(seed, id);
      const answers: RawResponse[] = [];
      for (const [step, s] of scenario.steps.entries()) {
        const req = typeof s === 'function' ? s(answers) : s;
        if (!req) continue;
        if (sent >= total) {
          stop = true;
          break;
        }
        sent++;
        const res = await send(req, id, scenario.kind, step);
        if (!res) break;
        answers.push(res);
      }
    }
  };

  let report: PollReport | undefined;
  try {
    server = await startServer(store, dir, epoch);
    poller = startPoller();
    poller.worker.postMessage({ type: 'poll', url: server.url, epoch, limitMs: HEALTH_LIMIT_MS });
    await Promise.all(Array.from({ length: SENDERS }, sender));
    await restarting;
    if (server && !alive(server)) endProblems.push(`the server exited: ${server.stderr().slice(-2000)}`);
    else if (server) {
      // Still serving: the health endpoint answers within the second.
      const t = now();
      const health = await rawRequest(server.url, { path: '/_ddlocal/health', timeoutMs: POLL_TIMEOUT_MS }).catch((err: Error) => err);
      if (health instanceof Error || health.status !== 200) endProblems.push(`the final health check failed: ${health instanceof Error ? health.message : health.status}`);
      else if (now() - t > POLL_TIMEOUT_MS) endProblems.push(`the final health check took ${Math.round(now() - t)} ms`);
    }
  } finally {
    if (poller) {
      poller.worker.postMessage({ type: 'stop' });
      report = await poller.report.catch(() => undefined);
      await poller.worker.terminate();
    }
    if (server) {
      const last = server;
      const kill = setTimeout(() => last.child.kill('SIGKILL'), 10_000);
      const exit = await last.stop('SIGTERM');
      clearTimeout(kill);
      if (exit.code !== 0 || exit.signal !== null) endProblems.push(`the server did not stop cleanly on SIGTERM: ${JSON.stringify(exit)} ${last.stderr().slice(-2000)}`);
      serverLogs.push(last.stdout() + last.stderr());
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    seed,
    store,
    sent,
    ms: Math.round(now() - started),
    restarts,
    aborted,
    polls: report?.polls ?? 0,
    worstPollMs: report?.worstMs ?? 0,
    pollProblems: report?.problems ?? [],
    failures,
    log,
    serverLogs,
    endProblems,
    outcomes,
    lostOverLimit,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Reporting

/** The server's log entry for a request id (level error: the internal failure with its stack). */
function serverError(result: RunResult, requestId: string | undefined): string {
  if (!requestId) return '';
  for (const text of result.serverLogs)
    for (const line of text.split('\n')) {
      if (!line.includes(requestId)) continue;
      try {
        const entry = JSON.parse(line) as { err?: { type?: string; message?: string; stack?: string } };
        const stack = (entry.err?.stack ?? '').split('\n').slice(1, 4).map((l) => l.trim()).join(' < ');
        return `server log: ${entry.err?.type ?? ''}: ${entry.err?.message ?? line.slice(0, 300)} at ${stack}`;
      } catch {
        return `server log: ${line.slice(0, 400)}`;
      }
    }
  return '';
}

/** Late or failed health polls, grouped into incidents, each with the requests in flight when it began. */
function pollIncidents(result: RunResult): string[] {
  const incidents: PollProblem[][] = [];
  for (const p of result.pollProblems) {
    const last = incidents[incidents.length - 1]?.at(-1);
    if (last && last.epoch === p.epoch && p.at - (last.at + last.ms) < 1500) incidents[incidents.length - 1]!.push(p);
    else incidents.push([p]);
  }
  return incidents.map((group) => {
    const from = group[0]!.at;
    const worst = Math.max(...group.map((p) => p.ms));
    const suspects = result.log.filter((r) => r.epoch === group[0]!.epoch && r.start <= from && (r.end === undefined || r.end >= from));
    const audits = result.log.filter((r) => r.epoch === group[0]!.epoch && r.request.startsWith('POST /audit/tasks ') && r.start < from && r.start > from - 5000);
    const lines = [
      `${group.length} poll(s) from +${Math.round(from - (result.log[0]?.start ?? from))} ms: ${[...new Set(group.map((p) => p.outcome))].join(', ')}, worst ${worst} ms; in flight when it began:`,
      ...suspects.slice(0, SHOW).map((r) => `    [${r.kind}] ${r.request} → ${r.status ?? r.error ?? 'no answer'} after ${Math.round((r.end ?? now()) - r.start)} ms`),
      ...audits.slice(-3).map((r) => `    (audit started ${Math.round(from - r.start)} ms before) [${r.kind}] ${r.request.slice(0, 200)}`),
    ];
    return lines.join('\n');
  });
}

function summarize(result: RunResult): { ok: boolean; text: string } {
  const lines: string[] = [];
  const byWhat = new Map<string, Failure[]>();
  for (const f of result.failures) byWhat.set(f.what, [...(byWhat.get(f.what) ?? []), f]);
  for (const [what, list] of byWhat) {
    // One line per distinct cause: same scenario kind, status and server error.
    const distinct = new Map<string, Failure>();
    for (const f of list) {
      const key = `${f.sent.kind.replace(/ \(passing\)$/, '')} ${f.sent.status ?? f.sent.error} ${serverError(result, f.sent.requestId).split(' at ')[0]}`;
      if (!distinct.has(key)) distinct.set(key, f);
    }
    lines.push(`${what}: ${list.length} request(s), ${distinct.size} distinct:`);
    for (const f of [...distinct.values()].slice(0, SHOW)) {
      lines.push(`  [${f.sent.kind}] ${f.sent.request}`, `    ${f.detail.slice(0, 600)}`);
      const log = serverError(result, f.sent.requestId);
      if (log) lines.push(`    ${log.slice(0, 600)}`);
      lines.push(...f.context.slice(-4).map((c) => c.slice(0, 400)));
    }
  }
  const incidents = pollIncidents(result);
  if (incidents.length) lines.push(`health polls late or failed (limit ${HEALTH_LIMIT_MS} ms): ${result.pollProblems.length} in ${incidents.length} incident(s):`, ...incidents.slice(0, SHOW));
  lines.push(...result.endProblems);
  if (result.aborted) lines.push(`stopped after ${result.sent} requests: the server had to be replaced more than ${MAX_RESTARTS} times`);
  const ok = lines.length === 0;
  const slowest = result.log
    .filter((r) => r.end !== undefined)
    .sort((a, b) => b.end! - b.start - (a.end! - a.start))
    .slice(0, 5)
    .map((r) => `  ${Math.round(r.end! - r.start)} ms [${r.kind}] ${r.request.slice(0, 160)} → ${r.status ?? r.error}`);
  const head =
    `${result.store}: ${result.sent} requests in ${result.ms} ms (seed ${result.seed}), ${result.restarts} server replacement(s); ` +
    `${result.polls} health polls, worst ${result.worstPollMs} ms; ${result.lostOverLimit} over-limit bodies answered by a reset`;
  const text = [
    head,
    ...(ok ? [] : [`reproduce with HOSTILE_SEED=${result.seed} node scripts/run-tests.mjs hostile-requests`, ...lines]),
    'slowest requests (as the senders saw them: includes time the test itself spent generating traffic):',
    ...slowest,
  ].join('\n');
  return { ok, text };
}

function assertSurvived(result: RunResult, t: { diagnostic(message: string): void }) {
  const { ok, text } = summarize(result);
  for (const line of (ok ? text : text.split('\n')[0]!).split('\n')) t.diagnostic(line);
  const top = [...result.outcomes].sort((a, b) => b[1] - a[1]).slice(0, 25);
  t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(top))}`);
  assert.ok(ok, text);
  assert.equal(result.sent, result.store === 'sqlite' ? REQUESTS : PG_REQUESTS);
  // The traffic must reach the handlers, not only validation: a run that rarely succeeds tests little.
  const successes = [...result.outcomes].filter(([k]) => / 200$/.test(k)).reduce((n, [, c]) => n + c, 0);
  assert.ok(successes >= result.sent / 10, `only ${successes} of ${result.sent} requests succeeded`);
}

describe('hostile requests against a running server', { concurrency: false }, () => {
  test(`${REQUESTS} hostile requests (sqlite): health answers within 1 s throughout, no 5xx but 501, no hang`, { timeout: 15 * 60_000 }, async (t) => {
    assertSurvived(await runHostileTraffic('sqlite', REQUESTS, SEED), t);
  });

  test(`${PG_REQUESTS} hostile requests (postgres): the same`, { timeout: 10 * 60_000, skip: PG_REQUESTS === 0 }, async (t) => {
    assertSurvived(await runHostileTraffic('postgres', PG_REQUESTS, SEED + 1), t);
  });
});
