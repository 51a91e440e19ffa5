// `ddlocal export [--format yaml|json] [-o <file>]`: the caller's registry as a fleet file (GET /_ddlocal/fleet), the
// format `ddlocal import` reads, with certificate PEMs inline (docs/fleet-format.md).
import type { Command } from 'commander';
import { exitWith, extensionUsageError, processIo, runExtensionCommand, type ExtensionCommandSpec, type ExtensionIo } from '../extension-command.js';
import { withLongOutfile, writeOutput } from '../fleet/output-file.js';

const SPEC: ExtensionCommandSpec = {
  synopsis: 'ddlocal export [--format yaml|json] [-o <file>] [--endpoint-url <url>] [--region <r>] [--profile <p>] [--debug]',
  help: [
    'Writes the registry of the caller\'s account and region as a fleet file (docs/fleet-format.md).',
    '  --format yaml|json   default yaml',
    '  -o, --outfile <file> write to the file instead of stdout',
  ].join('\n'),
  options: { format: 'value', outfile: 'value' },
};

export async function runExport(argv: string[], io: ExtensionIo, cwd = process.cwd()): Promise<number> {
  return runExtensionCommand(
    withLongOutfile(argv),
    SPEC,
    async (client, { options, positionals }) => {
      if (positionals.length > 0) throw extensionUsageError(SPEC.synopsis, `unexpected argument ${positionals[0]}`);
      const format = options.get('format') ?? 'yaml';
      if (format !== 'yaml' && format !== 'json') throw extensionUsageError(SPEC.synopsis, `argument --format: invalid choice: '${String(format)}' (choose from 'yaml', 'json')`);
      const fleet = await client.call({ operation: 'ExportFleet', method: 'GET', path: '/_ddlocal/fleet', defaultReadTimeoutSeconds: 0 });
      const text = format === 'json' ? `${JSON.stringify(fleet, null, 2)}\n` : (await import('yaml')).stringify(fleet, { lineWidth: 0 });
      writeOutput(io, text, options.get('outfile'), cwd);
    },
    io,
  );
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write the registry of a ddlocal account and region as a fleet file')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[arguments...]')
    .action(async (args: string[]) => exitWith(await runExport(args, processIo())));
}
