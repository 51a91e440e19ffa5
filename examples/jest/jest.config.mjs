// jest with native ES modules (no transform). Run from the repository root:
//   node --experimental-vm-modules node_modules/jest/bin/jest.js --config examples/jest/jest.config.mjs
import { fileURLToPath } from 'node:url';

export default {
  // Only this folder: the repository's own test/ and dist/ are not jest tests.
  rootDir: fileURLToPath(new URL('.', import.meta.url)),
  roots: ['<rootDir>'],
  testMatch: ['<rootDir>/**/*.test.mjs'],
  testEnvironment: 'node',
  transform: {},
  globalSetup: '<rootDir>/global-setup.mjs',
  globalTeardown: '<rootDir>/global-teardown.mjs',
  // Every file talks to the one ddlocal and resets it before each test, so files run one after another.
  // (To run them in parallel, give each worker its own account instead: see docs/testing.md.)
  maxWorkers: 1,
};
