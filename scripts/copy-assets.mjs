// tsc compiles only TypeScript; the model's JSON tables (the API model, the authorization table) are copied next to
// their compiled loaders.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { generateCliSkeletons } from './generate-cli-skeletons.mjs';

mkdirSync('dist/src/model', { recursive: true });
for (const file of readdirSync('src/model').filter((name) => name.endsWith('.json')))
  copyFileSync(`src/model/${file}`, `dist/src/model/${file}`);

// After the copy: the skeleton table fingerprints the copied model. A failure here only costs start-up time
// (`ddlocal iot … --generate-cli-skeleton` then runs the full parser), so it warns instead of failing the build.
try {
  await generateCliSkeletons();
} catch (err) {
  console.error(`copy-assets: CLI skeleton table not generated (${err?.message ?? err}); skeletons take the slow path`);
}
