// `ddlocal report --task-id <id> [--format json|csv|markdown] [-o <file>]`: an audit task's findings per check and
// severity, with a summary (docs/fleet-format.md#audit-reports). Built only on the public API — DescribeAuditTask and
// every page of ListAuditFindings — sent through the AWS SDK exactly as `ddlocal iot` sends, so it works against AWS
// as well; failures are reported with `ddlocal iot`'s texts and exit codes (254 service error, 255 connection).
import type { Command } from 'commander';
import { CliError } from '../arguments.js';
import { exitWith, extensionUsageError, parseExtensionArguments, processIo, reportFailure, type ExtensionCommandSpec, type ExtensionIo } from '../extension-command.js';
import { withLongOutfile, writeOutput } from '../fleet/output-file.js';
import type { Sender } from '../send.js';

const SPEC: ExtensionCommandSpec = {
  synopsis: 'ddlocal report --task-id <audit task id> [--format json|csv|markdown] [-o <file>] [--endpoint-url <url>] [--region <r>] [--profile <p>]',
  help: [
    'Summarises the findings of an audit task (DescribeAuditTask + ListAuditFindings).',
    '  --task-id <id>                  the audit task',
    '  --format json|csv|markdown      default json; csv has one row per finding',
    '  -o, --outfile <file>            write to the file instead of stdout',
  ].join('\n'),
  options: { 'task-id': 'value', format: 'value', outfile: 'value' },
};

const FORMATS = ['json', 'csv', 'markdown'];

/** Sends one request; a service error becomes `ddlocal iot`'s error line (exit 254), no answer at all exit 255. */
async function call(sender: Sender, operation: string, params: Record<string, unknown>): Promise<Record<string, any>> {
  try {
    return await sender.send(operation, params);
  } catch (err) {
    if (err instanceof CliError) throw err;
    const e = err as { name?: string; message?: string; $fault?: unknown; $metadata?: { httpStatusCode?: number } };
    if (e?.$fault !== undefined && e.$metadata?.httpStatusCode !== undefined) {
      const code = e.name && e.name !== 'Error' ? e.name : String(e.$metadata.httpStatusCode);
      throw new CliError(254, `\nAn error occurred (${code}) when calling the ${operation} operation: ${e.message ?? ''}\n`);
    }
    const url = sender.lastUrl();
    throw new CliError(255, url !== undefined ? `\nCould not connect to the endpoint URL: "${url}"\n` : `\n${e?.message ?? String(err)}\n`);
  }
}

export async function runReport(argv: string[], io: ExtensionIo, cwd = process.cwd()): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(`usage: ${SPEC.synopsis}\n\n${SPEC.help}\n`);
    return 0;
  }
  let sender: Sender | undefined;
  try {
    const { globals, options, positionals } = parseExtensionArguments(withLongOutfile(argv), SPEC.options, SPEC.synopsis);
    if (positionals.length > 0) throw extensionUsageError(SPEC.synopsis, `unexpected argument ${positionals[0]}`);
    const taskId = options.get('task-id');
    if (typeof taskId !== 'string') throw extensionUsageError(SPEC.synopsis, 'the following arguments are required: --task-id');
    const format = String(options.get('format') ?? 'json');
    if (!FORMATS.includes(format)) throw extensionUsageError(SPEC.synopsis, `argument --format: invalid choice: '${format}' (choose from 'json', 'csv', 'markdown')`);
    const { resolveConfig } = await import('../client-config.js');
    const config = await resolveConfig(globals, io.env);
    const [{ createSender }, report] = await Promise.all([import('../send.js'), import('../fleet/audit-report.js')]);
    const debug = (line: string) => io.stderr(`${new Date().toISOString()} ddlocal debug: ${line}\n`);
    sender = createSender(config, globals, debug, io.env);
    const task = await call(sender, 'DescribeAuditTask', { taskId });
    const findings: Record<string, any>[] = [];
    let nextToken: string | undefined;
    do {
      const page = await call(sender, 'ListAuditFindings', { taskId, maxResults: 250, ...(nextToken ? { nextToken } : {}) });
      for (const finding of (page.findings as Record<string, any>[] | undefined) ?? []) findings.push(finding);
      nextToken = page.nextToken as string | undefined;
    } while (nextToken);
    const built = report.buildReport(taskId, task, findings);
    const text =
      format === 'csv' ? report.reportCsv(built) : format === 'markdown' ? report.reportMarkdown(built) : `${JSON.stringify(built, null, 2)}\n`;
    writeOutput(io, text, options.get('outfile'), cwd);
    return 0;
  } catch (err) {
    return reportFailure(io, err);
  } finally {
    sender?.destroy();
  }
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('summarise the findings of an audit task as JSON, CSV or markdown')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[arguments...]')
    .action(async (args: string[]) => exitWith(await runReport(args, processIo())));
}
