// Finding ids: UUID v4 in form; one run of a check gets ids in increasing order (so a large audit appends to the
// findings' indexes instead of scattering over them), and separate runs start at unrelated places.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findingIdSequence } from '../src/audit/engine/finding-ids.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('a run of a check gets distinct UUID v4 ids in increasing order', () => {
  const next = findingIdSequence();
  const ids = Array.from({ length: 5000 }, next);
  for (const id of ids) assert.match(id, UUID_V4);
  assert.equal(new Set(ids).size, ids.length);
  // Increasing across many draws of random tails (512 per draw), which is what keeps inserts in one place.
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]! || ids[i]!.startsWith('00000000-0000'), `${ids[i - 1]} then ${ids[i]}`);
});

test('two runs start at unrelated places and share no id', () => {
  const a = Array.from({ length: 1000 }, findingIdSequence());
  const b = Array.from({ length: 1000 }, findingIdSequence());
  assert.notEqual(a[0]!.slice(0, 13), b[0]!.slice(0, 13));
  const all = new Set([...a, ...b]);
  assert.equal(all.size, 2000);
});
