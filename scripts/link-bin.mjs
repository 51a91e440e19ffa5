// Makes `npx ddlocal …` work inside a clone of this repository, as the README promises: npm links the `bin` of
// dependencies into node_modules/.bin but not the package's own, so `npm install` (its `prepare` step) adds it here.
import { chmodSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'bin', 'ddlocal.js');
const link = join(root, 'node_modules', '.bin', 'ddlocal');
mkdirSync(dirname(link), { recursive: true });
rmSync(link, { force: true });
symlinkSync(relative(dirname(link), target), link);
chmodSync(target, 0o755);
