// tsc compiles only TypeScript; the generated model table is JSON and is copied next to the compiled loader.
import { copyFileSync, mkdirSync } from 'node:fs';
import { generateCliSkeletons } from './generate-cli-skeletons.mjs';

mkdirSync('dist/src/model', { recursive: true });
copyFileSync('src/model/iot-model.json', 'dist/src/model/iot-model.json');

// After the copy: the skeleton table fingerprints the copied model. A failure here only costs start-up time
// (`ddlocal iot … --generate-cli-skeleton` then runs the full parser), so it warns instead of failing the build.
try {
  await generateCliSkeletons();
} catch (err) {
  console.error(`copy-assets: CLI skeleton table not generated (${err?.message ?? err}); skeletons take the slow path`);
}
