// `ddlocal completion bash|zsh`: prints a shell completion script (docs/cli-completion.md). The script carries the
// command and option lists, generated here from the commander program and the iot model tables, so it is as current
// as the ddlocal that printed it and TAB never starts a process. The generator is imported only when this runs.
import type { Command } from 'commander';
import { exitWith } from '../extension-command.js';

const SHELL_NAMES = 'bash, zsh';

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script for ddlocal: completion bash | completion zsh')
    .argument('[shell]', `the shell to write the script for (${SHELL_NAMES})`)
    .addHelpText(
      'after',
      [
        '',
        'Load it:',
        '  bash:  source <(ddlocal completion bash)          (e.g. in ~/.bashrc)',
        '  zsh:   ddlocal completion zsh > "${fpath[1]}/_ddlocal"   (then start a new shell; compinit loads it)',
        '         or, after compinit:  source <(ddlocal completion zsh)',
      ].join('\n'),
    )
    .action(async (shell: string | undefined) => {
      const { SHELLS, completionData } = await import('../completion/data.js');
      if (shell === undefined || !(SHELLS as readonly string[]).includes(shell)) {
        const what = shell === undefined ? 'name the shell' : `unsupported shell '${shell}'`;
        process.stderr.write(`ddlocal completion: ${what}; supported shells: ${SHELL_NAMES} (usage: ddlocal completion <shell>)\n`);
        exitWith(2);
        return;
      }
      const { completionScript } = await import('../completion/script.js');
      process.stdout.write(completionScript(shell as 'bash' | 'zsh', completionData(program)));
      exitWith(0);
    });
}
