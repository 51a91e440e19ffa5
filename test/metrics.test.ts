// Prometheus metrics (docs/observability.md) over real HTTP: a real server on SQLite and PostgreSQL is driven with the
// AWS SDK, /metrics is scraped with fetch and read with a real Prometheus text parser. A mitigation task over a few
// hundred findings is held IN_PROGRESS (the runner paused) between scrapes to show the executions counter moving
// while it runs; strict mode's access rules for /metrics are checked with signed and unsigned scrapers.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { CreateThingCommand, DescribeThingCommand } from '@aws-sdk/client-iot';
import { forEachStore, startTestServer, type TestServer } from './helpers/server.js';
import { ACTION_IMPLEMENTATIONS } from '../src/mitigation/actions/index.js';
import { createBroadPolicies, startMitigation, waitForEnd, waitForProgress, describeTask, finished, POLICY_CHECK, sleep } from './helpers/mitigation-load.js';
import { signedFetch, type SigningKey } from './helpers/signing.js';
import { rawRequest } from './helpers/raw-http.js';

interface ParsedFamily {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string> }[];
}
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => ParsedFamily[];

async function scrape(url: string, path = '/metrics'): Promise<Map<string, ParsedFamily>> {
  const res = await fetch(`${url}${path}`);
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return new Map(parsePrometheus(await res.text()).map((f) => [f.name, f]));
}

/** The sample of `name` whose labels include `labels`, as a number (0 when absent). */
function sample(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}): number {
  const family = families.get(name);
  const found = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return found?.value === undefined ? 0 : Number(found.value);
}

const FINDINGS = 300;

// Batches of 20 findings: a pause lets the batch in hand commit, which must leave most of the task still to run.
forEachStore('metrics', { server: { mitigationProgressLogMs: 60_000, mitigationBatchSize: 20 } }, (suite) => {
  let server: TestServer;
  before(() => ({ server } = suite));

  test('/metrics and /_ddlocal/metrics serve the same registry, with the process metrics and every ddlocal family', async () => {
    const families = await scrape(server.url);
    const again = await scrape(server.url, '/_ddlocal/metrics');
    assert.deepEqual([...families.keys()].sort(), [...again.keys()].sort());
    const expected: Record<string, string> = {
      ddlocal_http_requests_total: 'COUNTER',
      ddlocal_http_request_duration_seconds: 'HISTOGRAM',
      ddlocal_audit_tasks_started_total: 'COUNTER',
      ddlocal_audit_tasks_finished_total: 'COUNTER',
      ddlocal_audit_findings_total: 'COUNTER',
      ddlocal_mitigation_executions_total: 'COUNTER',
      ddlocal_mitigation_executions_in_progress: 'GAUGE',
      ddlocal_outbox_deliveries_total: 'COUNTER',
      ddlocal_outbox_backlog_messages: 'GAUGE',
      ddlocal_store_transaction_retries_total: 'COUNTER',
      ddlocal_process_cpu_seconds_total: 'COUNTER',
      ddlocal_nodejs_eventloop_lag_seconds: 'GAUGE',
    };
    for (const [name, type] of Object.entries(expected)) assert.equal(families.get(name)?.type, type, `${name} should be a ${type}`);
    assert.equal(sample(families, 'ddlocal_outbox_backlog_messages'), 0);
    assert.ok(families.get('ddlocal_store_transaction_retries_total')!.metrics.some((m) => m.labels?.cause === 'conflict'));
  });

  test('request counters move by operation and status, and the latency histogram counts them', async () => {
    const iot = suite.iot;
    const before = await scrape(server.url);
    await iot.send(new CreateThingCommand({ thingName: 'metrics-thing' }));
    await iot.send(new DescribeThingCommand({ thingName: 'metrics-thing' }));
    await assert.rejects(iot.send(new DescribeThingCommand({ thingName: 'no-such-thing' })), { name: 'ResourceNotFoundException' });
    const after = await scrape(server.url);
    const delta = (labels: Record<string, string>) =>
      sample(after, 'ddlocal_http_requests_total', labels) - sample(before, 'ddlocal_http_requests_total', labels);
    assert.equal(delta({ operation: 'CreateThing', status: '200' }), 1);
    assert.equal(delta({ operation: 'DescribeThing', status: '200' }), 1);
    assert.equal(delta({ operation: 'DescribeThing', status: '404' }), 1);
    // The first scrape itself was counted under its route.
    assert.ok(sample(after, 'ddlocal_http_requests_total', { operation: 'ddlocal:/_ddlocal/metrics', status: '200' }) >= 1);
    // The parser keeps a histogram's buckets but not its labels, so the per-operation count is read from the text.
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const count = /^ddlocal_http_request_duration_seconds_count\{operation="DescribeThing"\} (\d+)$/m.exec(text);
    assert.ok(count && Number(count[1]) >= 2, `the histogram should count both DescribeThing calls: ${count?.[0]}`);
    assert.match(text, /^ddlocal_http_request_duration_seconds_bucket\{le="0\.001",operation="CreateThing"\} \d+$/m);
  });

  test('a path no operation matches is counted as `unknown`, never by its raw path', async () => {
    const res = await rawRequest(server.url, { method: 'GET', path: '/no-such-path/with-a-unique-name-42' });
    assert.equal(res.status, 404);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    assert.doesNotMatch(text, /with-a-unique-name-42/);
    assert.ok(sample(await scrape(server.url), 'ddlocal_http_requests_total', { operation: 'unknown', status: '404' }) >= 1);
  });

  test('audit and mitigation counters: executions move between two scrapes while the task is IN_PROGRESS', async () => {
    const iot = suite.iot;
    await createBroadPolicies(iot, FINDINGS);
    const start = await scrape(server.url);
    await startMitigation(iot, [POLICY_CHECK], 'metrics-task');
    const audited = await scrape(server.url);
    assert.equal(
      sample(audited, 'ddlocal_audit_tasks_started_total', { type: 'ON_DEMAND_AUDIT_TASK' }) - sample(start, 'ddlocal_audit_tasks_started_total', { type: 'ON_DEMAND_AUDIT_TASK' }),
      1,
    );
    assert.equal(
      sample(audited, 'ddlocal_audit_tasks_finished_total', { type: 'ON_DEMAND_AUDIT_TASK', status: 'COMPLETED' }) -
        sample(start, 'ddlocal_audit_tasks_finished_total', { type: 'ON_DEMAND_AUDIT_TASK', status: 'COMPLETED' }),
      1,
    );
    assert.ok(sample(audited, 'ddlocal_audit_findings_total', { check: POLICY_CHECK }) >= FINDINGS);

    const executions = (families: Map<string, ParsedFamily>) =>
      sample(families, 'ddlocal_mitigation_executions_total', { action_type: 'REPLACE_DEFAULT_POLICY_VERSION', status: 'COMPLETED' });
    const runner = server.mitigationRunner;
    try {
      await waitForProgress(iot, 'metrics-task', 10, 60_000);
      runner.pause();
      await sleep(100); // the execution in hand commits
      const first = await scrape(server.url);
      assert.equal((await describeTask(iot, 'metrics-task')).taskStatus, 'IN_PROGRESS');
      runner.resume();
      await waitForProgress(iot, 'metrics-task', executions(first) + 10, 60_000);
      runner.pause();
      await sleep(100);
      const second = await scrape(server.url);
      const task = await describeTask(iot, 'metrics-task');
      assert.equal(task.taskStatus, 'IN_PROGRESS', 'the task must still run at the second scrape');
      assert.ok(executions(first) >= 10, `first scrape: ${executions(first)}`);
      assert.ok(executions(second) > executions(first), `the counter did not move: ${executions(first)} → ${executions(second)}`);
      assert.ok(executions(second) <= finished(task.taskStatistics), 'never more executions than finished findings');
    } finally {
      runner.resume();
    }
    const ended = await waitForEnd(iot, 'metrics-task', 120_000);
    assert.equal(ended.taskStatus, 'COMPLETED');
    const last = await scrape(server.url);
    assert.equal(executions(last), finished(ended.taskStatistics));
    assert.equal(sample(last, 'ddlocal_mitigation_executions_in_progress', { action_type: 'REPLACE_DEFAULT_POLICY_VERSION' }), 0);
  });
  test('an execution being applied counts in ddlocal_mitigation_executions_in_progress until its batch commits', async () => {
    // Another account: the test above created this account's actions. The action is held inside its batch.
    const iot = server.iot('210987654321');
    await createBroadPolicies(iot, 2);
    const module = ACTION_IMPLEMENTATIONS.get('REPLACE_DEFAULT_POLICY_VERSION')!;
    const { apply } = module;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const applying = new Promise<void>((resolve) => (entered = resolve));
    module.apply = async (ctx) => {
      entered();
      await released;
      return apply.call(module, ctx);
    };
    const inProgress = (families: Map<string, ParsedFamily>) =>
      sample(families, 'ddlocal_mitigation_executions_in_progress', { action_type: 'REPLACE_DEFAULT_POLICY_VERSION' });
    try {
      await startMitigation(iot, [POLICY_CHECK], 'gauge-task');
      await applying;
      assert.ok(inProgress(await scrape(server.url)) >= 1, 'the held execution is in progress');
      release();
      assert.equal((await waitForEnd(iot, 'gauge-task', 60_000)).taskStatus, 'COMPLETED');
      assert.equal(inProgress(await scrape(server.url)), 0);
    } finally {
      release();
      module.apply = apply;
    }
  });
});

describe('metrics off', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', { metrics: 'off' });
  });
  after(() => server.close());

  test('/metrics and /_ddlocal/metrics are 404 UnknownOperationException', async () => {
    for (const path of ['/metrics', '/_ddlocal/metrics']) {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, 404, path);
      assert.equal(res.headers.get('x-amzn-errortype'), 'UnknownOperationException');
    }
  });
});

const ACCOUNT = '123456789012';
const ADMIN: SigningKey = { accessKeyId: 'AKIAMETRICSADMIN1', secretAccessKey: 'admin-secret' };
const ROOT: SigningKey = { accessKeyId: 'AKIAMETRICSROOT01', secretAccessKey: 'root-secret' };
const SCRAPER: SigningKey = { accessKeyId: 'AKIAMETRICSSCRAPE', secretAccessKey: 'scraper-secret' };
const DEVELOPER: SigningKey = { accessKeyId: 'AKIAMETRICSDEV001', secretAccessKey: 'developer-secret' };
const allow = (action: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
const STRICT_CREDENTIALS = [
  { ...ADMIN, accountId: ACCOUNT, admin: true },
  { ...ROOT, accountId: ACCOUNT },
  { ...SCRAPER, accountId: ACCOUNT, principalArn: `arn:aws:iam::${ACCOUNT}:user/prometheus`, policies: [{ name: 'metrics', document: allow('ddlocal:GetMetrics') }] },
  { ...DEVELOPER, accountId: ACCOUNT, principalArn: `arn:aws:iam::${ACCOUNT}:user/developer`, policies: [{ name: 'iot', document: allow('iot:*') }] },
];

describe('strict mode, metrics on (the default): signed callers allowed ddlocal:GetMetrics only', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', { authMode: 'strict', credentials: STRICT_CREDENTIALS });
  });
  after(() => server.close());

  test('an unsigned scrape is refused, at both paths', async () => {
    for (const path of ['/metrics', '/_ddlocal/metrics']) {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, 403, path);
      assert.equal(res.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
      assert.doesNotMatch(await res.text(), /ddlocal_/);
    }
  });

  test('an admin and a key whose policy allows ddlocal:GetMetrics may scrape (the signature covers /metrics itself)', async () => {
    for (const key of [ADMIN, SCRAPER])
      for (const path of ['/metrics', '/_ddlocal/metrics']) {
        const res = await signedFetch(key, 'GET', `${server.url}${path}`);
        assert.equal(res.status, 200, `${key.accessKeyId} ${path}: ${await res.clone().text()}`);
        assert.match(await res.text(), /^# HELP ddlocal_http_requests_total/m);
      }
  });

  test('a key without the action, and an account root (metrics cover every account), are denied', async () => {
    for (const key of [DEVELOPER, ROOT]) {
      const res = await signedFetch(key, 'GET', `${server.url}/metrics`);
      assert.equal(res.status, 403, key.accessKeyId);
      assert.equal(res.headers.get('x-amzn-errortype'), 'AccessDeniedException');
      assert.match(await res.text(), key === ROOT ? /cover every account/ : /ddlocal:GetMetrics/);
    }
  });
});

describe('strict mode, metrics unsigned: a plain scraper is served, nothing else is opened', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', { authMode: 'strict', credentials: STRICT_CREDENTIALS, metrics: 'unsigned' });
  });
  after(() => server.close());

  test('unsigned GET /metrics and /_ddlocal/metrics answer 200; other routes still need a signature', async () => {
    for (const path of ['/metrics', '/_ddlocal/metrics']) {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.status, 200, path);
    }
    const clock = await fetch(`${server.url}/_ddlocal/clock`);
    assert.equal(clock.status, 403);
    const things = await fetch(`${server.url}/things`);
    assert.equal(things.status, 403);
  });
});
