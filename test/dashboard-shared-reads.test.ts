// The live views' shared reads (src/ui/shared-reads.ts): one answer per caller and question per second, however many
// streams ask; a refusal is asked again; expired answers are dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SharedReads } from '../src/ui/shared-reads.js';

test('streams asking the same within the time to live share one read; after it, the next asks again', async () => {
  let now = 0;
  const shared = new SharedReads(900, () => now);
  let reads = 0;
  const read = async () => ++reads;
  const answers = await Promise.all(Array.from({ length: 64 }, () => shared.get('operator|task-1', read)));
  assert.deepEqual(new Set(answers), new Set([1]));
  assert.equal(reads, 1);
  // Another caller, or another question, is its own read.
  assert.equal(await shared.get('auditor|task-1', read), 2);
  assert.equal(await shared.get('operator|task-2', read), 3);
  now = 899;
  assert.equal(await shared.get('operator|task-1', read), 1);
  now = 900;
  assert.equal(await shared.get('operator|task-1', read), 4);
});

test('a refused read is not kept: the next call asks again', async () => {
  const shared = new SharedReads(900, () => 0);
  let calls = 0;
  await assert.rejects(
    shared.get('k', async () => {
      calls++;
      throw new Error('AccessDenied');
    }),
    /AccessDenied/,
  );
  await new Promise((r) => setImmediate(r));
  assert.equal(await shared.get('k', async () => ++calls), 2);
});

test('expired answers are dropped as new questions come: the map holds only live ones', async () => {
  let now = 0;
  const shared = new SharedReads(900, () => now);
  for (let i = 0; i < 1000; i++) {
    await shared.get(`task-${i}`, async () => i);
    now += 1000;
  }
  assert.equal((shared as unknown as { entries: Map<string, unknown> }).entries.size, 1);
});
