// `ddlocal reset`: POST /_ddlocal/reset. Deleting one account's state (or one account and region's) is the common
// case and must be named with --account; deleting every account and resetting the clock is `--all`, so that the
// dangerous variant is never what a forgotten flag does (docs/cli-extras.md).
import type { Command } from 'commander';
import { exitWith, extensionUsageError, printJson, processIo, runExtensionCommand, type ExtensionCommandSpec, type ExtensionIo } from '../extension-command.js';

const SPEC: ExtensionCommandSpec = {
  synopsis: 'ddlocal reset (--account <12 digits> [--region <region>] | --all) [--endpoint-url <url>] [--profile <p>] [--debug]',
  help: [
    'Deletes ddlocal state through POST /_ddlocal/reset.',
    '  --account <id>   delete the state of this account (every region, unless --region is given)',
    '  --region <r>     with --account: only this region (it is also the region the request is signed for)',
    '  --all            delete the state of every account and reset the clock (strict mode: an admin credential)',
  ].join('\n'),
  options: { account: 'value', all: 'flag' },
};

export async function runReset(argv: string[], io: ExtensionIo): Promise<number> {
  return runExtensionCommand(
    argv,
    SPEC,
    async (client, { globals, options, positionals }) => {
      if (positionals.length > 0) throw extensionUsageError(SPEC.synopsis, `unexpected argument ${positionals[0]}`);
      const account = options.get('account');
      const all = options.get('all') === true;
      if (all && account !== undefined) throw extensionUsageError(SPEC.synopsis, '--all and --account cannot be combined');
      if (all && globals.region !== undefined)
        throw extensionUsageError(SPEC.synopsis, '--all resets every region; --region limits a reset of one --account');
      if (!all && account === undefined)
        throw extensionUsageError(SPEC.synopsis, 'name the account to reset with --account <12 digits>, or reset everything with --all');
      if (account !== undefined && !/^\d{12}$/.test(String(account)))
        throw extensionUsageError(SPEC.synopsis, `argument --account: ${String(account)} is not a 12-digit account id`);
      const body = all ? {} : { accountId: account, ...(globals.region !== undefined ? { region: globals.region } : {}) };
      printJson(io, await client.call({ operation: 'Reset', method: 'POST', path: '/_ddlocal/reset', body }));
    },
    io,
  );
}

export function registerReset(program: Command): void {
  program
    .command('reset')
    .description('delete the state of one account (--account) or of everything (--all) on a ddlocal server')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[arguments...]')
    .action(async (args: string[]) => exitWith(await runReset(args, processIo())));
}
