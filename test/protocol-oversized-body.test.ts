// A body far over the size limit, sent by a client that keeps writing after the server has decided to refuse it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest } from './helpers/raw-http.js';
import { startServeProcess } from './helpers/serve-process.js';

// In a process of its own, as users run it: the client is still writing when the server has decided to refuse.
test('a client still sending a body far over the limit reads the 400 (the rest is read and dropped first), not a broken pipe', async () => {
  const serve = await startServeProcess({ data: ':memory:' });
  try {
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      for (const chunkSize of [undefined, 256 * 1024]) {
        const body = Buffer.alloc(16 * 1024 * 1024, 'x');
        outcomes.push(
          await rawRequest(serve.url, { method: 'POST', path: '/things/huge', body, chunkSize }).then(
            (r) => `${r.status} ${r.json?.__type}`,
            (err: NodeJS.ErrnoException) => err.code ?? String(err),
          ),
        );
      }
    }
    assert.deepEqual([...new Set(outcomes)], ['400 InvalidRequestException'], outcomes.join(', '));
  } finally {
    await serve.stop();
  }
});
