// The README's list of supported operations must be exactly the handler table (regenerate it with
// `npm run build && node scripts/supported-operations.mjs --write`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { HANDLERS } from '../src/server/operations.js';
import { IMPLEMENTED_OPERATIONS } from '../src/cli/implemented-operations.js';

test('README lists exactly the implemented operations', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = /<!-- operations:start -->([\s\S]*?)<!-- operations:end -->/.exec(readme);
  assert.ok(section, 'README has the operations markers');
  const listed = [...section[1]!.matchAll(/^- `(\w+)`/gm)].map((m) => m[1]).sort();
  assert.deepEqual(listed, Object.keys(HANDLERS).sort());
});

test('the CLI offers exactly the implemented operations', () => {
  assert.deepEqual([...IMPLEMENTED_OPERATIONS], Object.keys(HANDLERS).sort());
});
