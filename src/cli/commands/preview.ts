// `ddlocal preview`: the dry run of `ddlocal iot start-audit-mitigation-actions-task` (POST
// /_ddlocal/audit/mitigationactions/preview). It takes exactly that command's arguments — shorthand, JSON, file://,
// --cli-input-json|yaml — through the same parser, so a command line can be previewed and then run unchanged; the
// task id is optional here (a preview starts no task) and --max-results / --next-token page the planned executions.
import type { Command } from 'commander';
import { exitWith, extensionUsageError, printJson, processIo, runExtensionCommand, type ExtensionCommandSpec, type ExtensionIo } from '../extension-command.js';

const OPERATION_COMMAND = 'start-audit-mitigation-actions-task';
/** Stands in for the optional --task-id, which the parser requires and the preview ignores. */
const PLACEHOLDER_TASK_ID = 'ddlocal-preview';

const SPEC: ExtensionCommandSpec = {
  synopsis: 'ddlocal preview [--task-id <id>] --target <value> --audit-check-to-actions-mapping <value> [--max-results <n>] [--next-token <t>] [options]',
  help: [
    'What `ddlocal iot start-audit-mitigation-actions-task` would do with the same arguments, changing nothing:',
    'taskStatistics and plannedExecutions with a predicted outcome each. Takes that command\'s arguments (shorthand,',
    'JSON, file://, --cli-input-json|yaml); --task-id may be left out.',
    '  --max-results <n>   planned executions per answer (1–1000)',
    '  --next-token <t>    the nextToken of the previous answer',
  ].join('\n'),
  // Everything but the global options goes to the iot parser (after paging is taken out), which reports its own errors.
  options: 'pass-through',
};

/** Takes --max-results and --next-token out of argv (they are not options of the iot command). */
function takePaging(argv: string[]): { rest: string[]; paging: Record<string, unknown> } {
  const rest: string[] = [];
  const paging: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const match = /^--(max-results|next-token)(?:=(.*))?$/s.exec(token);
    if (!match) {
      rest.push(token);
      continue;
    }
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw extensionUsageError(SPEC.synopsis, `argument --${match[1]}: expected one argument`);
    if (match[1] === 'next-token') paging.nextToken = value;
    else if (/^\d{1,9}$/.test(value)) paging.maxResults = Number(value);
    else throw extensionUsageError(SPEC.synopsis, `argument --max-results: invalid int value: '${value}'`);
  }
  return { rest, paging };
}

export async function runPreview(argv: string[], io: ExtensionIo, cwd = process.cwd()): Promise<number> {
  return runExtensionCommand(
    argv,
    SPEC,
    async (client, { positionals }) => {
      const { rest, paging } = takePaging(positionals);
      const { parseIotCommand } = await import('../arguments.js');
      const parsed = parseIotCommand([OPERATION_COMMAND, '--task-id', PLACEHOLDER_TASK_ID, ...rest], { cwd, env: io.env });
      if (parsed.wait) throw extensionUsageError(SPEC.synopsis, '--wait has no meaning for a preview, which starts no task');
      if (parsed.skeleton !== undefined)
        throw extensionUsageError(SPEC.synopsis, '--generate-cli-skeleton belongs to ddlocal iot start-audit-mitigation-actions-task');
      // The body is the operation's input without its URI member; the endpoint ignores the idempotency token.
      const { taskId: _taskId, ...body } = parsed.params;
      const path = '/_ddlocal/audit/mitigationactions/preview';
      printJson(io, await client.call({ operation: 'PreviewAuditMitigationActionsTask', method: 'POST', path, body: { ...body, ...paging } }));
    },
    io,
  );
}

export function registerPreview(program: Command): void {
  program
    .command('preview')
    .description('dry run of `ddlocal iot start-audit-mitigation-actions-task` with the same arguments: what it would change')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[arguments...]')
    .action(async (args: string[]) => exitWith(await runPreview(args, processIo())));
}
