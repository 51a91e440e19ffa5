// Renders the input skeletons of every implemented `ddlocal iot` command into dist/src/cli/skeletons.json, with
// the compiled skeleton generator and the model table (so the model stays the only source), for the start-up fast
// path of src/cli/fast-skeleton.ts. Run by copy-assets.mjs after tsc; `node scripts/generate-cli-skeletons.mjs`
// alone also works. The table is fingerprinted with the files it was made from, and ignored once they change.
import { rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const dir = new URL('../dist/src/cli/', import.meta.url);

export async function generateCliSkeletons() {
  const table = new URL('skeletons.json', dir);
  // A table from an earlier build must not outlive a failed generation.
  rmSync(table, { force: true });
  const { SKELETON_SOURCES, fingerprint } = await import(new URL('fast-skeleton.js', dir).href);
  const { inputSkeletonJson, inputSkeletonYaml } = await import(new URL('skeleton.js', dir).href);
  const { commandName } = await import(new URL('names.js', dir).href);
  const { IMPLEMENTED_OPERATIONS } = await import(new URL('implemented-operations.js', dir).href);
  const out = { sources: {}, input: {}, yaml: {} };
  for (const source of SKELETON_SOURCES) out.sources[source] = fingerprint(new URL(source, dir));
  for (const op of IMPLEMENTED_OPERATIONS) {
    const command = commandName(op);
    out.input[command] = inputSkeletonJson(op);
    out.yaml[command] = inputSkeletonYaml(op);
  }
  writeFileSync(table, JSON.stringify(out));
  return Object.keys(out.input).length;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = await generateCliSkeletons();
  console.error(`dist/src/cli/skeletons.json: input skeletons of ${n} commands`);
}
