// One conformance suite for the store interface, run against SQLite and a real PostgreSQL: both engines must give
// the domain the same guarantees (atomic transactions, serialized read-modify-write, code-point ordering, exact
// integers, scoped reset, idempotent migrations).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type Store, type StoreOptions } from '../src/store/store.js';
import { ACCOUNT_TABLES } from '../src/store/schema.js';
import { StoreUnavailableError } from '../src/store/errors.js';
import { createTestDatabase } from './helpers/postgres.js';
import { tempDataFile } from './helpers/server.js';

const thing = (account: string, region: string, name: string, extra: Partial<{ version: number; created_at: number }> = {}) => ({
  account_id: account,
  region,
  thing_name: name,
  thing_id: `id-${name}`,
  thing_type_name: null,
  attributes: '{}',
  version: extra.version ?? 1,
  created_at: extra.created_at ?? 1,
  updated_at: 1,
});

async function countThings(store: Store, account?: string): Promise<number> {
  return store.transaction(async (tx) => {
    let q = tx.selectFrom('things').select((eb) => eb.fn.countAll<number>().as('n'));
    if (account) q = q.where('account_id', '=', account);
    return Number((await q.executeTakeFirstOrThrow()).n);
  });
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`store conformance (${kind})`, () => {
    let options: StoreOptions;
    let store: Store;
    before(async () => {
      options = kind === 'sqlite' ? { dataFile: tempDataFile() } : { databaseUrl: await createTestDatabase() };
      store = await openStore(options);
    });
    after(() => store.close());

    test('reports its kind and has every account table', async () => {
      assert.equal(store.kind, kind);
      for (const table of ACCOUNT_TABLES) {
        await store.transaction((tx) => tx.selectFrom(table).selectAll().limit(1).execute());
      }
    });

    test('a transaction commits all its writes together', async () => {
      await store.transaction(async (tx) => {
        await tx.insertInto('things').values(thing('111111111111', 'us-east-1', 'c1')).execute();
        await tx.insertInto('things').values(thing('111111111111', 'us-east-1', 'c2')).execute();
      });
      assert.equal(await countThings(store, '111111111111'), 2);
    });

    test('a failing transaction leaves nothing behind', async () => {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertInto('things').values(thing('222222222222', 'us-east-1', 'r1')).execute();
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await countThings(store, '222222222222'), 0);
      // A constraint violation mid-transaction also undoes the earlier insert.
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertInto('things').values(thing('222222222222', 'us-east-1', 'r2')).execute();
          await tx.insertInto('things').values(thing('222222222222', 'us-east-1', 'r2')).execute();
        }),
      );
      assert.equal(await countThings(store, '222222222222'), 0);
    });

    test('concurrent read-modify-write transactions never lose an update', async () => {
      await store.transaction((tx) => tx.insertInto('things').values(thing('333333333333', 'us-east-1', 'counter', { version: 0 })).execute());
      const increment = () =>
        store.transaction(async (tx) => {
          const row = await tx
            .selectFrom('things')
            .select('version')
            .where('account_id', '=', '333333333333')
            .where('thing_name', '=', 'counter')
            .executeTakeFirstOrThrow();
          await new Promise((r) => setTimeout(r, 1));
          await tx
            .updateTable('things')
            .set({ version: row.version + 1 })
            .where('account_id', '=', '333333333333')
            .where('thing_name', '=', 'counter')
            .execute();
        });
      await Promise.all(Array.from({ length: 20 }, increment));
      const final = await store.transaction((tx) =>
        tx.selectFrom('things').select('version').where('account_id', '=', '333333333333').where('thing_name', '=', 'counter').executeTakeFirstOrThrow(),
      );
      assert.equal(final.version, 20);
    });

    test('text orders by code point and round-trips unicode exactly', async () => {
      const names = ['b', 'B', 'a', '_', 'Z', 'é', '~', '0', 'a-b', 'a_b', 'ä', '日本'];
      await store.transaction(async (tx) => {
        for (const name of names) await tx.insertInto('things').values(thing('444444444444', 'us-east-1', name)).execute();
      });
      const rows = await store.transaction((tx) =>
        tx.selectFrom('things').select('thing_name').where('account_id', '=', '444444444444').orderBy('thing_name').execute(),
      );
      const codePointOrder = [...names].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      assert.deepEqual(rows.map((r) => r.thing_name), codePointOrder);
    });

    test('epoch-millisecond integers come back as exact numbers', async () => {
      const ms = 4102444799999; // 2099-12-31T23:59:59.999Z, beyond 32 bits
      await store.transaction((tx) => tx.insertInto('things').values(thing('555555555555', 'us-east-1', 't', { created_at: ms })).execute());
      const row = await store.transaction((tx) =>
        tx.selectFrom('things').select('created_at').where('account_id', '=', '555555555555').executeTakeFirstOrThrow(),
      );
      assert.equal(typeof row.created_at, 'number');
      assert.equal(row.created_at, ms);
    });

    test('reset is scoped to an account, or an account and region, or everything', async () => {
      await store.transaction(async (tx) => {
        await tx.insertInto('things').values(thing('666666666666', 'us-east-1', 'x')).execute();
        await tx.insertInto('things').values(thing('666666666666', 'eu-west-1', 'x')).execute();
        await tx.insertInto('things').values(thing('777777777777', 'us-east-1', 'x')).execute();
      });
      await store.reset({ accountId: '666666666666', region: 'eu-west-1' });
      assert.equal(await countThings(store, '666666666666'), 1);
      await store.reset({ accountId: '666666666666' });
      assert.equal(await countThings(store, '666666666666'), 0);
      assert.equal(await countThings(store, '777777777777'), 1);
      await store.reset();
      assert.equal(await countThings(store), 0);
    });

    if (kind === 'postgres')
      test('a transaction still conflicting when the retry budget is spent fails as retryable contention, not as the raw 40001', async () => {
        const impatient = await openStore({ ...options, retryBudgetMs: 0 });
        try {
          // Write skew: each reads the row the other inserts. SERIALIZABLE lets only one of them commit.
          let arrived = 0;
          let release!: () => void;
          const bothRead = new Promise<void>((resolve) => (release = resolve));
          const skewed = (mine: string, other: string) =>
            impatient.transaction(async (tx) => {
              await tx.selectFrom('things').select('thing_name').where('account_id', '=', '999999999999').where('thing_name', '=', other).execute();
              if (++arrived === 2) release();
              await bothRead;
              await tx.insertInto('things').values(thing('999999999999', 'us-east-1', mine)).execute();
            });
          const results = await Promise.allSettled([skewed('skew-a', 'skew-b'), skewed('skew-b', 'skew-a')]);
          const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
          assert.equal(failed.length, 1, 'exactly one of the two commits');
          assert.ok(failed[0] instanceof StoreUnavailableError, String(failed[0]));
          assert.equal(failed[0].reason, 'contention');
          assert.match(failed[0].message, /concurrent requests kept changing the same data/);
        } finally {
          await impatient.close();
        }
      });

    test('reopening runs no migration twice and keeps the data', async () => {
      await store.transaction((tx) => tx.insertInto('things').values(thing('888888888888', 'us-east-1', 'kept')).execute());
      // A SQLite file belongs to one open store at a time, so the first one closes before the reopen.
      await store.close();
      store = await openStore(options);
      assert.equal(await countThings(store, '888888888888'), 1);
    });
  });
}
