// `ddlocal undo --task-id <id>`: POST /_ddlocal/audit/mitigationactions/tasks/{taskId}/undo, which restores what an
// ended mitigation task changed where nothing changed it since, and answers one result per execution. The endpoint
// takes no other input; repeating the command is safe (ALREADY_UNDONE).
import type { Command } from 'commander';
import { exitWith, extensionUsageError, printJson, processIo, runExtensionCommand, type ExtensionCommandSpec, type ExtensionIo } from '../extension-command.js';

const SPEC: ExtensionCommandSpec = {
  synopsis: 'ddlocal undo --task-id <mitigation task id> [--endpoint-url <url>] [--profile <p>] [--debug]',
  help: [
    'Restores what an ended audit mitigation actions task changed, where the resource still holds what the action',
    'wrote; prints a result per execution (RESTORED, CHANGED_SINCE, NOT_UNDOABLE, ALREADY_UNDONE, NOTHING_TO_UNDO).',
    '  --task-id <id>   the task of start-audit-mitigation-actions-task',
  ].join('\n'),
  options: { 'task-id': 'value' },
};

export async function runUndo(argv: string[], io: ExtensionIo): Promise<number> {
  return runExtensionCommand(
    argv,
    SPEC,
    async (client, { options, positionals }) => {
      if (positionals.length > 0) throw extensionUsageError(SPEC.synopsis, `unexpected argument ${positionals[0]}`);
      const taskId = options.get('task-id');
      if (typeof taskId !== 'string') throw extensionUsageError(SPEC.synopsis, 'the following arguments are required: --task-id');
      const path = `/_ddlocal/audit/mitigationactions/tasks/${encodeURIComponent(taskId)}/undo`;
      printJson(io, await client.call({ operation: 'UndoAuditMitigationActionsTask', method: 'POST', path }));
    },
    io,
  );
}

export function registerUndo(program: Command): void {
  program
    .command('undo')
    .description('undo what an ended audit mitigation actions task changed: ddlocal undo --task-id <id>')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[arguments...]')
    .action(async (args: string[]) => exitWith(await runUndo(args, processIo())));
}
