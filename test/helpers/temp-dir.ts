// Temporary folders for tests, removed when the test process exits, so a test file run on its own leaves nothing
// behind (scripts/run-tests.mjs additionally puts a whole run under one folder it removes, which also covers a
// process that is killed before its exit handlers run). Removal waits for exit rather than a test's end because
// several tests stop a server and start the next one on the same data file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A new empty folder in the system's temporary folder, named `${prefix}XXXXXX`. */
export function tempDir(prefix = 'ddlocal-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
