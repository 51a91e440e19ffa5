// PostgreSQL going away under a running ddlocal: backends terminated by an administrator while 8 clients are busy,
// and the whole cluster stopped for 10 s in the middle of a mitigation task. ddlocal used to exit ("Connection
// terminated unexpectedly", 57P01) every time. Now the process stays up, requests in flight either complete (a
// transaction that lost its connection before COMMIT runs again) or answer 503 ServiceUnavailableException — never a
// 500, never a hang — the background runners wait and resume, the task completes with every execution applied exactly
// once, and the outage is logged once with its cause. A dedicated cluster (initdb + pg_ctl) is stopped and started.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { CreateThingCommand, DescribeThingCommand, ListThingsCommand, type IoTClient } from '@aws-sdk/client-iot';
import { iotClient } from './helpers/server.js';
import { startPgCluster, type PgCluster } from './helpers/postgres.js';
import { startServeProcess, type ServeProcess } from './helpers/serve-process.js';
import {
  ACCOUNT,
  POLICY_CHECK,
  assertAllSucceeded,
  assertExecutionsAppliedOnce,
  assertPoliciesResetOnce,
  createBroadPolicies,
  describeTask,
  elapsed,
  executionRows,
  sleep,
  startMitigation,
  waitForEnd,
  waitForProgress,
} from './helpers/mitigation-load.js';

const POLICIES = 1_500;
/** A request may wait out the store's retry budget (10 s) before it answers 503; anything longer is a hang. */
const REQUEST_TIMEOUT_MS = 20_000;

interface Outcome {
  ok: number;
  unavailable: number;
  other: string[];
  slowestMs: number;
}

/** Sends `fn` repeatedly until `until()` is true; every answer must be a success or a 503, within the timeout. */
async function busyClient(fn: () => Promise<unknown>, until: () => boolean, outcome: Outcome): Promise<void> {
  while (!until()) {
    const started = Date.now();
    try {
      await Promise.race([fn(), sleep(REQUEST_TIMEOUT_MS).then(() => Promise.reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)))]);
      outcome.ok++;
    } catch (err) {
      const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'ServiceUnavailableException' && e.$metadata?.httpStatusCode === 503) outcome.unavailable++;
      else if (e.name !== 'ResourceNotFoundException' && e.name !== 'ResourceAlreadyExistsException') outcome.other.push(`${e.name}: ${e.message}`);
    }
    outcome.slowestMs = Math.max(outcome.slowestMs, Date.now() - started);
  }
}

function assertAlive(server: ServeProcess): void {
  assert.equal(server.child.exitCode, null, `ddlocal exited: ${server.stderr()}${server.stdout().slice(-2000)}`);
  assert.equal(server.child.signalCode, null);
}

/** Log lines at level error that start a database outage (the store logs each outage once). */
const outageLines = (server: ServeProcess) =>
  server
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>)
    .filter((l) => l.level >= 50);

describe('PostgreSQL outages under a running ddlocal', () => {
  let cluster: PgCluster;
  let databaseUrl: string;
  let server: ServeProcess;
  let iot: IoTClient;

  before(async () => {
    cluster = await startPgCluster();
    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE ddlocal_outage');
    await admin.end();
    const url = new URL(cluster.adminUrl);
    url.pathname = '/ddlocal_outage';
    databaseUrl = url.toString();
    server = await startServeProcess({ databaseUrl }, undefined, { DDLOCAL_MITIGATION_LEASE_SECONDS: '3' });
    iot = iotClient(server.url, ACCOUNT);
  });

  after(async () => {
    iot?.destroy();
    await server?.stop('SIGKILL');
    cluster?.stop();
  });

  test('backends terminated while 8 clients are busy: the process survives, answers are 200 or 503, nothing hangs', async () => {
    let stop = false;
    const outcome: Outcome = { ok: 0, unavailable: 0, other: [], slowestMs: 0 };
    let n = 0;
    const clients = Array.from({ length: 8 }, (_, c) =>
      busyClient(
        async () => {
          const i = n++;
          if (i % 3 === 0) await iot.send(new CreateThingCommand({ thingName: `busy-${c}-${i}` }));
          else if (i % 3 === 1) await iot.send(new DescribeThingCommand({ thingName: `busy-${c}-${i - 1}` }));
          else await iot.send(new ListThingsCommand({ maxResults: 10 }));
        },
        () => stop,
        outcome,
      ),
    );
    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    let terminated = 0;
    try {
      for (let round = 0; round < 5; round++) {
        await sleep(700);
        const { rows } = await admin.query(
          "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = 'ddlocal_outage' AND pid <> pg_backend_pid()",
        );
        terminated += Number(rows[0].n);
      }
      await sleep(500);
    } finally {
      stop = true;
      await admin.end();
      await Promise.all(clients);
    }
    assert.ok(terminated >= 5, `only ${terminated} backends were terminated`);
    assertAlive(server);
    assert.deepEqual(outcome.other, [], 'only successes and 503s');
    assert.ok(outcome.slowestMs < REQUEST_TIMEOUT_MS);
    assert.ok(outcome.ok > 50, `${outcome.ok} requests succeeded`);
    // Serving again right away.
    await iot.send(new CreateThingCommand({ thingName: 'after-terminations' }));
  });

  test(`the cluster stopped for 10 s during a ${POLICIES}-finding mitigation task: the task completes exactly once`, { timeout: 600_000 }, async (t) => {
    let t0 = Date.now();
    await createBroadPolicies(iot, POLICIES);
    t.diagnostic(`created ${POLICIES} policies in ${elapsed(t0)}`);
    await startMitigation(iot, [POLICY_CHECK], 'outage-task');
    const seen = await waitForProgress(iot, 'outage-task', Math.round(POLICIES * 0.1), 300_000);
    t.diagnostic(`${seen} findings finished when PostgreSQL stops`);
    assert.ok(seen < POLICIES * 0.7, `${seen} of ${POLICIES} findings already finished: make the task bigger`);

    t0 = Date.now();
    cluster.pause();
    const outcome: Outcome = { ok: 0, unavailable: 0, other: [], slowestMs: 0 };
    const downUntil = Date.now() + 10_000;
    await busyClient(() => describeTask(iot, 'outage-task'), () => Date.now() > downUntil, outcome);
    assertAlive(server);
    cluster.resume();
    t.diagnostic(`PostgreSQL was down ${elapsed(t0)}: ${outcome.unavailable} answers 503, slowest ${outcome.slowestMs} ms`);
    assert.deepEqual(outcome.other, [], 'only 503s (or successes) while the database is down');
    assert.ok(outcome.unavailable > 0, 'requests during the outage answered 503');
    assert.ok(outcome.slowestMs < REQUEST_TIMEOUT_MS);

    const task = await waitForEnd(iot, 'outage-task', 300_000);
    t.diagnostic(`task ended ${elapsed(t0)} after PostgreSQL stopped`);
    assertAlive(server);
    assertAllSucceeded(task, { [POLICY_CHECK]: POLICIES });
    await assertPoliciesResetOnce(iot, POLICIES, [0, POLICIES - 1]);
    assertExecutionsAppliedOnce(await executionRows({ databaseUrl }, 'outage-task'), 0, POLICIES);

    // Once per outage (five rounds of terminations and one stop), with the cause — not once per failed request or
    // background pass.
    const outages = outageLines(server);
    assert.ok(outages.length >= 1 && outages.length <= 6, `${outages.length} error lines:\n${outages.map((l) => l.msg).join('\n')}`);
    for (const line of outages) assert.equal(line.storeOutage, 'database-unreachable', line.msg);
  });
});
