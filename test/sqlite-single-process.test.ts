// One SQLite file serves one ddlocal process. A second `ddlocal serve` on the same file used to start and then answer
// thousands of SQLITE_BUSY 500s under load; now it refuses to start, says who holds the file and points to
// PostgreSQL, while the first keeps serving. The lock is the operating system's: a killed owner (kill -9) frees it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateThingCommand, DescribeThingCommand } from '@aws-sdk/client-iot';
import { iotClient } from './helpers/server.js';
import { startServeProcess } from './helpers/serve-process.js';
import { openStore } from '../src/store/store.js';
import { DataFileInUseError } from '../src/store/sqlite.js';

test('a second ddlocal serve on the same SQLite file refuses to start; the first keeps serving; kill -9 frees the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ddlocal-single-'));
  const data = join(dir, 'shared.db');
  const first = await startServeProcess({ data });
  try {
    const iot = iotClient(first.url);
    await iot.send(new CreateThingCommand({ thingName: 'before' }));

    const second = await startServeProcess({ data }).then(
      async (started) => {
        await started.stop('SIGKILL');
        return assert.fail('the second process started');
      },
      (err: Error) => err.message,
    );
    assert.match(second, /ddlocal serve: the SQLite file .*shared\.db is already in use by another process \(process \d+ on /);
    assert.match(second, /--database-url/);
    assert.doesNotMatch(second, /\n\s+at /, 'no stack trace');

    // The first one is unaffected and still writes.
    await iot.send(new CreateThingCommand({ thingName: 'after-refusal' }));
    iot.destroy();

    first.child.kill('SIGKILL');
    await first.exited;
    const third = await startServeProcess({ data });
    const iot3 = iotClient(third.url);
    try {
      for (const thingName of ['before', 'after-refusal']) assert.equal((await iot3.send(new DescribeThingCommand({ thingName }))).thingName, thingName);
    } finally {
      iot3.destroy();
      assert.deepEqual(await third.stop(), { code: 0, signal: null }, third.stderr());
    }
  } finally {
    await first.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('openStore on a SQLite file another store holds fails at once with DataFileInUseError', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ddlocal-single-'));
  const dataFile = join(dir, 'held.db');
  const holder = await openStore({ dataFile });
  try {
    const started = Date.now();
    await assert.rejects(openStore({ dataFile }), (err: Error) => err instanceof DataFileInUseError && /already in use/.test(err.message));
    assert.ok(Date.now() - started < 2000, 'no busy wait before refusing');
    await holder.close();
    const reopened = await openStore({ dataFile });
    await reopened.close();
  } finally {
    await holder.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});
