// How database outages are logged: once when they start, with the cause, and once when they end — even when, right
// after a restart, failures on connections that died with the old server alternate with successes on new ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StoreHealth } from '../src/store/health.js';
import { memoryLogger } from './helpers/memory-logger.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('failures between successes during an outage log it once; it ends after the database has worked for a while', async () => {
  const { logger, lines } = memoryLogger();
  const health = new StoreHealth({ logger, describe: 'PostgreSQL at db:5432/x' });
  const cause = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  health.failed('database-unreachable', cause);
  for (let i = 0; i < 5; i++) {
    health.succeeded();
    await sleep(100);
    health.failed('database-unreachable', cause);
  }
  health.succeeded();
  await sleep(50);
  assert.deepEqual(lines.map((l) => [l.level, l.storeOutage]), [[50, 'database-unreachable']]);
  assert.match(lines[0]!.msg, /PostgreSQL at db:5432\/x is unreachable/);
  assert.match(JSON.stringify(lines[0]!.err), /administrator command/);
  await sleep(2_500);
  assert.deepEqual(lines.map((l) => [l.level, l.storeOutage]), [[50, 'database-unreachable'], [30, 'database-unreachable']]);
  assert.match(lines[1]!.msg, /works again after .* \(6 transactions failed meanwhile\)/);
  // A later failure is a new outage.
  health.failed('database-unreachable', cause);
  assert.equal(lines.filter((l) => l.level === 50).length, 2);
  health.closing();
  assert.equal(lines.length, 3, 'an outage still failing at close is not reported as over');
});
