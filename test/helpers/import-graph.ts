// The import graph of src/, read from the sources (static `import … from`, `export … from` and dynamic `import()`),
// and the layering rules it must follow (docs/architecture.md). A pure function of the files' texts, so a test can
// also show that it catches a forbidden import.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/** A top-level folder of src/ (a file directly in src/, such as main.ts, is in the layer named after it). */
export type Layer = string;

/**
 * Which layers each layer may import. Anything missing is forbidden; a layer may always import itself. Read
 * bottom-up: kernel and model import nothing of ddlocal; features sit on the kernel and the store; the server
 * assembles everything; main.ts only chooses between the server and the CLI.
 */
export const ALLOWED_IMPORTS: Record<Layer, Layer[]> = {
  kernel: [],
  model: ['kernel'],
  store: ['kernel'],
  protocol: ['kernel', 'model'],
  registry: ['kernel', 'model', 'store'],
  outbox: ['kernel', 'store'],
  iam: ['kernel'],
  audit: ['kernel', 'model', 'store', 'registry', 'outbox'],
  mitigation: ['kernel', 'model', 'store', 'registry', 'outbox', 'audit', 'iam'],
  fleet: ['kernel', 'model', 'store', 'registry', 'audit', 'mitigation'],
  // The dashboard's pages: built from the features' operations and domain functions, served by the server.
  ui: ['kernel', 'model', 'store', 'registry', 'audit', 'mitigation'],
  server: ['kernel', 'model', 'store', 'protocol', 'registry', 'outbox', 'audit', 'mitigation', 'iam', 'fleet', 'ui'],
  cli: ['kernel', 'model'],
  main: ['cli', 'server', 'kernel'],
  // The package's public entries (src/index.ts, src/testing.ts): composition-root level, beside main.ts.
  index: ['server', 'kernel'],
  testing: ['index'],
};

export interface ImportEdge {
  from: string;
  to: string;
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

/** Every relative import of every file, as paths relative to src/ (`.js` specifiers name their `.ts` sources). */
export function importEdges(files: Map<string, string>): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const [file, text] of files) {
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (!spec.startsWith('.')) continue;
      const target = normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts');
      edges.push({ from: file, to: target });
    }
  }
  return edges;
}

export const layerOf = (file: string): Layer => (file.includes('/') ? file.slice(0, file.indexOf('/')) : file.replace(/\.ts$/, ''));

/** Imports that cross layers against ALLOWED_IMPORTS, as "from → to" lines. */
export function forbiddenImports(edges: ImportEdge[]): string[] {
  return edges
    .filter(({ from, to }) => {
      const a = layerOf(from);
      const b = layerOf(to);
      return a !== b && !(ALLOWED_IMPORTS[a] ?? []).includes(b);
    })
    .map(({ from, to }) => `${from} → ${to} (${layerOf(from)} may not import ${layerOf(to)})`);
}

/** Cycles between folders (at every depth: src/audit/api ⇄ src/audit/engine counts), one line per cycle. */
export function folderCycles(edges: ImportEdge[]): string[] {
  const graph = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    const a = dirname(from);
    const b = dirname(to);
    if (a === b || b.startsWith(`${a}/`) || a.startsWith(`${b}/`)) continue; // a folder and its own subfolders: one unit
    if (!graph.has(a)) graph.set(a, new Set());
    graph.get(a)!.add(b);
  }
  // Tarjan's strongly connected components; iterative, so a long chain cannot exhaust the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[] = [];
  let counter = 0;
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; next: Iterator<string> }> = [];
    const visit = (node: string) => {
      index.set(node, counter);
      low.set(node, counter++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, next: (graph.get(node) ?? new Set<string>()).values() });
    };
    visit(root);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const step = top.next.next();
      if (!step.done) {
        const w = step.value;
        if (!index.has(w)) visit(w);
        else if (onStack.has(w)) low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) === index.get(top.node)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== top.node);
        if (component.length > 1) cycles.push(component.sort().join(' ⇄ '));
      }
    }
  }
  return cycles.sort();
}

/** The .ts files under `dir`, keyed by their path relative to it. */
export function readSources(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) files.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return files;
}
