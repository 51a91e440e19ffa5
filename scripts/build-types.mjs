// Emits the .d.ts files of ddlocal's public entries (src/index.ts, src/testing.ts) and of the modules their types
// name, and nothing else. The public entries declare their own types, so the declarations do not drag in the
// internals (the store, the runners) — and a declaration problem inside an internal module cannot break the build.
// A public entry that starts naming an internal type fails here, with the file to add or the type to declare.
import ts from 'typescript';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRIES = ['src/index.ts', 'src/testing.ts'];
// Modules whose own declarations the entries' declarations import (each must itself import nothing internal).
const DECLARED_WITH_THE_ENTRIES = ['src/kernel/clock.ts'];

const configFile = ts.readConfigFile(resolve(root, 'tsconfig.json'), ts.sys.readFile);
const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
const options = { ...parsed.options, declaration: true, emitDeclarationOnly: true, noEmit: false, incremental: false, sourceMap: false, declarationMap: false };
delete options.tsBuildInfoFile;
const program = ts.createProgram({ rootNames: ENTRIES.map((f) => resolve(root, f)), options });

const emitted = new Set();
const problems = [];
for (const file of [...ENTRIES, ...DECLARED_WITH_THE_ENTRIES]) {
  const source = program.getSourceFile(resolve(root, file));
  if (!source) {
    problems.push(`${file}: not found`);
    continue;
  }
  for (const d of [...program.getSyntacticDiagnostics(source), ...program.getDeclarationDiagnostics(source)])
    problems.push(`${file}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  const result = program.emit(source, (name, text) => {
    ts.sys.writeFile(name, text);
    emitted.add(name);
    // A relative import in a declaration must point at a module declared here too, or users get an unresolved type.
    for (const m of text.matchAll(/from '(\.[^']+)\.js'/g)) {
      const target = relative(root, resolve(dirname(source.fileName), `${m[1]}.ts`));
      if (![...ENTRIES, ...DECLARED_WITH_THE_ENTRIES].includes(target))
        problems.push(`${file}: its declarations import ${target}, which is not a public module (declare the type in the entry)`);
    }
  }, undefined, true);
  for (const d of result.diagnostics) problems.push(`${file}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}
if (problems.length > 0) {
  console.error(`build-types: ${problems.join('\n')}`);
  process.exit(1);
}
console.error(`build-types: ${emitted.size} declaration files`);
