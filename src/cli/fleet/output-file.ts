// Where `ddlocal export` and `ddlocal report` write: stdout, or the file of `-o <file>` / `--outfile <file>`. `-o` is
// the short form people expect; it is turned into --outfile before the shared option parser (which reads only long
// options, as aws does) sees it.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError } from '../arguments.js';
import type { ExtensionIo } from '../extension-command.js';

export function withLongOutfile(argv: string[]): string[] {
  return argv.map((token) => (token === '-o' ? '--outfile' : token));
}

export function writeOutput(io: ExtensionIo, text: string, outfile: string | true | undefined, cwd: string): void {
  if (outfile === undefined || outfile === true) {
    io.stdout(text);
    return;
  }
  try {
    writeFileSync(resolve(cwd, outfile), text);
  } catch (err) {
    throw new CliError(255, `\nCannot write ${outfile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
  }
}
