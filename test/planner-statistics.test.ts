// PostgreSQL plans the audit's joins from statistics that only ANALYZE gathers, and autovacuum runs it a minute or
// more after a bulk load. ddlocal analyses grown tables itself before an audit (Store.refreshPlannerStatistics).
// These tests load rows behind ddlocal's back, as a restore or a bulk insert would, and read pg_class afterwards.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { DescribeAuditTaskCommand, StartOnDemandAuditTaskCommand, UpdateAccountAuditConfigurationCommand } from '@aws-sdk/client-iot';
import { openStore, type Store } from '../src/store/store.js';
import { createTestDatabase } from './helpers/postgres.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Inserts `count` things straight into the table: about 2.5 MB for 20,000, well over the 1 MiB threshold. Autovacuum
 * is turned off for the table first, so that only ddlocal analyses it: otherwise its next round (every minute, at any
 * moment) could gather the statistics itself and make the outcome a race.
 */
async function bulkLoadThings(url: string, count: number, accountId = '123456789012'): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('alter table things set (autovacuum_enabled = false)');
    await client.query(
      `insert into things (account_id, region, thing_name, thing_id, thing_type_name, attributes, version, created_at, updated_at)
       select $1, 'us-east-1', 'bulk-' || g, md5(g::text), null, '{}', 1, 0, 0 from generate_series(1, $2::int) g`,
      [accountId, count],
    );
  } finally {
    await client.end();
  }
}

async function statisticsOf(url: string, table: string): Promise<{ relpages: number; reltuples: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('select relpages, reltuples from pg_class where relname = $1 and relkind = $2', [table, 'r']);
    return { relpages: Number(rows[0].relpages), reltuples: Number(rows[0].reltuples) };
  } finally {
    await client.end();
  }
}

describe('planner statistics (postgres)', () => {
  let store: Store;
  let url = '';
  before(async () => {
    url = await createTestDatabase();
    store = await openStore({ databaseUrl: url });
  });
  after(() => store?.close());

  test('a table with rows but no statistics is analysed once; one that doubled past 1 MiB again; others are left alone', async () => {
    // A freshly migrated schema: only the migration bookkeeping has rows.
    assert.deepEqual(await store.refreshPlannerStatistics!(), ['ddlocal_migrations', 'ddlocal_migrations_lock']);
    assert.deepEqual(await store.refreshPlannerStatistics!(), [], 'nothing changed since');
    await bulkLoadThings(url, 20_000);
    assert.equal((await statisticsOf(url, 'things')).reltuples, -1, 'never analysed: PostgreSQL knows no row count');
    assert.deepEqual(await store.refreshPlannerStatistics!(), ['things']);
    const analysed = await statisticsOf(url, 'things');
    assert.ok(analysed.reltuples > 15_000 && analysed.reltuples < 25_000, `reltuples ${analysed.reltuples}`);
    assert.deepEqual(await store.refreshPlannerStatistics!(), [], 'up to date now');
    // Growing by less than its size again does not trigger another ANALYZE; doubling does.
    await bulkLoadThings(url, 5_000, '210987654321');
    assert.deepEqual(await store.refreshPlannerStatistics!(), []);
    await bulkLoadThings(url, 40_000, '310987654321');
    assert.deepEqual(await store.refreshPlannerStatistics!(), ['things']);
  });
});

describe('an audit after a bulk load (postgres)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('postgres');
  });
  after(() => server?.close());

  test('analyses the grown tables before its checks run', async () => {
    await bulkLoadThings(server.databaseUrl!, 20_000);
    const iot = server.iot();
    await iot.send(new UpdateAccountAuditConfigurationCommand({ roleArn: 'arn:aws:iam::123456789012:role/Audit', auditCheckConfigurations: { LOGGING_DISABLED_CHECK: { enabled: true } } }));
    const { taskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: ['LOGGING_DISABLED_CHECK'] }));
    for (let i = 0; (await iot.send(new DescribeAuditTaskCommand({ taskId }))).taskStatus === 'IN_PROGRESS'; i++) {
      assert.ok(i < 200, 'the audit ends');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { reltuples } = await statisticsOf(server.databaseUrl!, 'things');
    assert.ok(reltuples > 15_000, `things analysed before the audit (reltuples ${reltuples})`);
  });
});
