// The start-up fast path of `ddlocal iot <command> --generate-cli-skeleton [input|yaml-input]` (issue 5: skeletons
// ≥ 8× faster than aws). The build (scripts/generate-cli-skeletons.mjs, run by scripts/copy-assets.mjs) renders every
// implemented operation's input skeletons with skeleton.ts from the model table into skeletons.json; for exactly
// these command lines main.ts prints the stored text instead of loading the argument parser and the model (~25 ms of
// a ~45 ms command). Anything else — other options, globals, unknown commands, a missing or stale table — returns
// undefined and takes the normal path, so the output is always what the full parser would print.
// Imports nothing but node:fs: the point is to load as little as possible.
import { readFileSync, statSync } from 'node:fs';

export const SKELETON_TABLE_FILE = 'skeletons.json';

/** What the generator writes. `sources` fingerprints the compiled inputs so a stale table is never used. */
export interface SkeletonTable {
  /** Path relative to the table's directory → `${size}:${mtimeMs}` of that file when the table was generated. */
  sources: Record<string, string>;
  /** Command name → `--generate-cli-skeleton` / `input` output. */
  input: Record<string, string>;
  /** Command name → `--generate-cli-skeleton yaml-input` output. */
  yaml: Record<string, string>;
}

/** The compiled files (relative to dist/src/cli) whose change makes the table stale. */
export const SKELETON_SOURCES = ['skeleton.js', 'names.js', 'implemented-operations.js', '../model/iot-model.json'] as const;

export function fingerprint(file: URL): string {
  const st = statSync(file);
  return `${st.size}:${st.mtimeMs}`;
}

/** The kind of skeleton an argv asks for, when it is one of the two plain forms; undefined otherwise. */
function plainSkeletonRequest(argv: string[]): { command: string; kind: 'input' | 'yaml' } | undefined {
  const [command, option, value, ...more] = argv;
  if (command === undefined || option !== '--generate-cli-skeleton' || more.length > 0) return undefined;
  // Only what can be a command name; an option-looking first token is handled (and diagnosed) by the parser.
  if (!/^[a-z][a-z0-9-]*$/.test(command)) return undefined;
  if (value === undefined || value === 'input') return { command, kind: 'input' };
  if (value === 'yaml-input') return { command, kind: 'yaml' };
  return undefined;
}

/**
 * The stored skeleton for `argv` (the words after `iot`), or undefined when the normal path must run. `dir` is the
 * directory of the compiled CLI (where the table and SKELETON_SOURCES are resolved).
 */
export function pregeneratedSkeleton(argv: string[], dir: URL): string | undefined {
  const request = plainSkeletonRequest(argv);
  if (!request) return undefined;
  try {
    const table = JSON.parse(readFileSync(new URL(SKELETON_TABLE_FILE, dir), 'utf8')) as SkeletonTable;
    for (const source of SKELETON_SOURCES) {
      if (table.sources[source] !== fingerprint(new URL(source, dir))) return undefined;
    }
    const text = (request.kind === 'input' ? table.input : table.yaml)[request.command];
    return typeof text === 'string' ? text : undefined;
  } catch {
    // No table (a build without the generation step) or an unreadable one: the parser produces the same output.
    return undefined;
  }
}
