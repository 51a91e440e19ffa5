// `ddlocal import <fleet.yaml|fleet.json> [--skip-existing]`: reads a fleet file and its PEM files and sends the whole
// fleet in one request to POST /_ddlocal/fleet, which applies it in one transaction — all of it or, on the first bad
// entry, nothing (docs/fleet-format.md).
import type { Command } from 'commander';
import { exitWith, extensionUsageError, printJson, processIo, runExtensionCommand, type ExtensionCommandSpec, type ExtensionIo } from '../extension-command.js';

const SPEC: ExtensionCommandSpec = {
  synopsis: 'ddlocal import <fleet.yaml|fleet.json> [--skip-existing] [--endpoint-url <url>] [--region <r>] [--profile <p>] [--debug]',
  help: [
    'Loads a fleet file (docs/fleet-format.md) into the account and region of the caller, all or nothing.',
    '  --skip-existing  leave resources that already exist as they are (default: fail, naming the first one)',
  ].join('\n'),
  options: { 'skip-existing': 'flag' },
};

export async function runImport(argv: string[], io: ExtensionIo, cwd = process.cwd()): Promise<number> {
  return runExtensionCommand(
    argv,
    SPEC,
    async (client, { options, positionals }) => {
      if (positionals.length !== 1)
        throw extensionUsageError(SPEC.synopsis, positionals.length === 0 ? 'name the fleet file to import' : `unexpected argument ${positionals[1]}`);
      const { readFleetFile } = await import('../fleet/read-fleet.js');
      const fleet = await readFleetFile(positionals[0]!, cwd);
      const onExisting = options.get('skip-existing') === true ? 'skip' : 'fail';
      printJson(io, await client.call({ operation: 'ImportFleet', method: 'POST', path: '/_ddlocal/fleet', body: { fleet, onExisting }, defaultReadTimeoutSeconds: 0 }));
    },
    io,
  );
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('load a fleet file (things, groups, certificates, policies, audit configuration, …) into a ddlocal server')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[arguments...]')
    .action(async (args: string[]) => exitWith(await runImport(args, processIo())));
}
