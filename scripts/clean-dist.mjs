// Before `npm pack` builds: removes the compiled server and CLI and tsc's incremental state, so the tarball holds
// only what the current sources compile to (tsc never deletes the output of a removed source file, and with its
// .tsbuildinfo left behind it would not re-emit the deleted files at all).
import { rmSync } from 'node:fs';

rmSync('dist/src', { recursive: true, force: true });
rmSync('dist/.tsbuildinfo', { force: true });
