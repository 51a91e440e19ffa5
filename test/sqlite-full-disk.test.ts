// A full disk under the SQLite file: writes answer 503 ServiceUnavailableException saying storage is full (never a
// 500), reads keep working, the log names the real cause once per outage (SQLite's "database or disk is full", not
// the "cannot rollback" that followed it), and writes work again as soon as space is freed. The disk is a real,
// deliberately small tmpfs mounted for the test (the tests run as root in CI); the server is the real one over HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreatePolicyCommand,
  CreateThingCommand,
  DeletePolicyCommand,
  DescribeThingCommand,
  ListThingsCommand,
  UpdateThingCommand,
} from '@aws-sdk/client-iot';
import { startDdlocal } from '../src/server/app.js';
import { errorOf, iotClient } from './helpers/server.js';
import { memoryLogger } from './helpers/memory-logger.js';

/** Mounts a tmpfs of `size` on a new temporary folder; undefined where mounting is not permitted. */
function smallDisk(size: string): { dir: string; cleanup(): void } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'ddlocal-full-disk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return {
    dir,
    cleanup() {
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Takes every free byte of the file system holding `dir`. */
function fill(dir: string): string {
  const filler = join(dir, 'filler');
  const { bavail, bsize } = statfsSync(dir);
  try {
    writeFileSync(filler, Buffer.alloc(Number(bavail) * Number(bsize)));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  return filler;
}

const bigAttributes = (i: number) => ({ attributes: { a: `${i}`.padEnd(800, 'a'), b: 'b'.repeat(800), c: 'c'.repeat(800) } });

test('a full disk under the SQLite file: 503 for writes, reads work, the cause logged once, writes resume when space is freed', async (t) => {
  const disk = smallDisk('3m');
  if (!disk) {
    t.skip('mounting a tmpfs is not permitted here (needs root); CI runs as root');
    return;
  }
  const { logger, lines } = memoryLogger();
  const server = await startDdlocal({ port: 0, dataFile: join(disk.dir, 'ddlocal.db'), logger });
  const iot = iotClient(server.url);
  try {
    await iot.send(new CreateThingCommand({ thingName: 'kept', attributePayload: { attributes: { floor: '2' } } }));
    await iot.send(new CreatePolicyCommand({ policyName: 'p', policyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}' }));
    const filler = fill(disk.dir);

    // Writes until the database needs a page the disk no longer has (the WAL may reuse space it already holds).
    let failure: Awaited<ReturnType<typeof errorOf>> | undefined;
    for (let i = 0; i < 3000 && !failure; i++) {
      try {
        await iot.send(new CreateThingCommand({ thingName: `filler-${i}`, attributePayload: bigAttributes(i) }));
      } catch (err) {
        failure = err as Awaited<ReturnType<typeof errorOf>>;
      }
    }
    assert.ok(failure, 'the disk never filled up');
    assert.equal(failure.name, 'ServiceUnavailableException', failure.message);
    assert.equal(failure.$metadata?.httpStatusCode, 503);
    assert.match(failure.message, /disk holding its database is full/);

    // Every write keeps failing the same way (even a delete needs room in the WAL), …
    for (const write of [
      () => iot.send(new DeletePolicyCommand({ policyName: 'p' })),
      () => iot.send(new UpdateThingCommand({ thingName: 'kept', attributePayload: bigAttributes(-1) })),
      () => iot.send(new CreateThingCommand({ thingName: 'one-more', attributePayload: bigAttributes(-2) })),
    ]) {
      const err = await errorOf(write);
      assert.equal(err.name, 'ServiceUnavailableException', err.message);
      assert.equal(err.$metadata?.httpStatusCode, 503);
    }
    // … reads keep working, …
    const kept = await iot.send(new DescribeThingCommand({ thingName: 'kept' }));
    assert.deepEqual(kept.attributes, { floor: '2' });
    assert.ok((await iot.send(new ListThingsCommand({ maxResults: 5 }))).things!.length > 0);

    // … and the log tells the real cause once for the whole burst, never the rollback that followed it.
    const errors = lines.filter((l) => l.level >= 50);
    assert.equal(errors.length, 1, JSON.stringify(errors, null, 1));
    assert.equal(errors[0]!.storeOutage, 'storage-full');
    assert.match(errors[0]!.msg, /disk is full/);
    assert.match(JSON.stringify(errors[0]!.err), /database or disk is full/);
    assert.doesNotMatch(JSON.stringify(lines), /cannot rollback/);
    const failedRequests = lines.filter((l) => l.msg === 'request' && l.status === 503);
    assert.ok(failedRequests.length >= 4, 'every failed write has its request log line');

    // Space freed: writes work again without a restart, and the end of the outage is logged.
    rmSync(filler);
    await iot.send(new CreateThingCommand({ thingName: 'after-space-freed' }));
    await iot.send(new DeletePolicyCommand({ policyName: 'p' }));
    assert.equal((await iot.send(new DescribeThingCommand({ thingName: 'after-space-freed' }))).thingName, 'after-space-freed');
    // The outage is over once writes have kept working for a quiet period (two seconds).
    const recoveredLines = () => lines.filter((l) => l.level === 30 && l.storeOutage === 'storage-full');
    for (const deadline = Date.now() + 10_000; recoveredLines().length === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
    const recovered = recoveredLines();
    assert.equal(recovered.length, 1, 'one line says the database works again');
    assert.match(recovered[0]!.msg, /works again/);
  } finally {
    iot.destroy();
    await server.close();
    disk.cleanup();
  }
});
