// Run from the repository root:  npx vitest run --config examples/vitest/vitest.config.mjs
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Only this folder: the repository's own test/ and dist/ are not vitest tests.
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['**/*.test.mjs'],
    globalSetup: ['./global-setup.mjs'],
    // Every file talks to the one ddlocal and resets it before each test, so files run one after another.
    // (To run them in parallel, give each worker its own account instead: see docs/testing.md.)
    fileParallelism: false,
    // No results cache (it would be written to node_modules/.vite inside this folder).
    cache: false,
    // Only needed inside the ddlocal repository, where 'ddlocal/testing' resolves to the repository's own dist/
    // rather than to node_modules: load it with Node as is, instead of vitest transforming every file of it (five
    // times slower). In a project that installed ddlocal, it is in node_modules and already loaded that way.
    server: { deps: { external: [/\/dist\/src\/.*\.js$/] } },
  },
});
