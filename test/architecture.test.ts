// The tree is the architecture: features on a small kernel, imports in one direction only (docs/architecture.md).
// The rules live in test/helpers/import-graph.ts; this test reads every import of src/ and fails on an import that
// crosses layers the wrong way or on a cycle between folders — and shows, on a made-up tree, that it would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { folderCycles, forbiddenImports, importEdges, readSources } from './helpers/import-graph.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

test('src/ imports only in the allowed directions', () => {
  assert.deepEqual(forbiddenImports(importEdges(readSources(SRC))), []);
});

test('no two folders of src/ import each other, directly or through others', () => {
  assert.deepEqual(folderCycles(importEdges(readSources(SRC))), []);
});

test('the checks catch a forbidden import and a cycle', () => {
  const files = new Map([
    ['kernel/clock.ts', "import { thing } from '../registry/things.js';"],
    ['registry/things.ts', "import type { Clock } from '../kernel/clock.js';\nexport const thing = 1;"],
    ['audit/api/tasks.ts', "import { run } from '../engine/engine.js';"],
    ['audit/engine/engine.ts', "export const run = () => import('../api/tasks.js');"],
    ['cli/iot.ts', "export { startDdlocal } from '../server/app.js';"],
  ]);
  const edges = importEdges(files);
  assert.deepEqual(forbiddenImports(edges), [
    'kernel/clock.ts → registry/things.ts (kernel may not import registry)',
    'cli/iot.ts → server/app.ts (cli may not import server)',
  ]);
  assert.deepEqual(folderCycles(edges), ['audit/api ⇄ audit/engine', 'kernel ⇄ registry']);
});
