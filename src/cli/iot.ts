// `ddlocal iot <command> …`: the aws CLI's `aws iot` for the operations ddlocal implements (cli.md). Parsing,
// skeletons and usage errors run without the AWS SDK; only a command that sends a request loads it.
// Start-up time is a feature here (issue 5: skeletons ≥ 8× faster than aws): every module that only some paths need
// — the output formatters and jmespath, profile resolution, paging, --wait, the SDK — is imported where it is used.
import { chmodSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError, parseIotCommand, type ParsedCommand } from './arguments.js';
import type { ResolvedConfig } from './client-config.js';
import { inputSkeletonJson, inputSkeletonYaml, outputSample } from './skeleton.js';
import type { OutputOptions } from './output.js';
import type { Sender } from './send.js';
import { mentionsHelp } from './help/request.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Whether stdout is a terminal, and its width (80 otherwise). */
  isTty: boolean;
  columns: number;
}

const FORMATS = new Set(['json', 'yaml', 'yaml-stream', 'text', 'table']);

function outputOptions(parsed: ParsedCommand, config: Pick<ResolvedConfig, 'output' | 'timestampFormat'>, io: CliIo): OutputOptions {
  const format = FORMATS.has(config.output) ? config.output : 'json';
  const color = parsed.globals.color === 'on' || (parsed.globals.color === 'auto' && io.isTty);
  return {
    format: format as OutputOptions['format'],
    query: parsed.globals.query,
    timestampFormat: config.timestampFormat,
    color,
    columns: io.isTty ? io.columns : 80,
  };
}

/** The aws CLI's service-error line (docs/decisions.md#c1). */
function serviceErrorText(operation: string, err: any, maxAttempts: number): string {
  const code = String(err.name && err.name !== 'Error' ? err.name : err.$metadata?.httpStatusCode ?? 'Unknown');
  const message = err.message === 'UnknownError' || err.message === undefined ? '' : String(err.message);
  const attempts = Number(err.$metadata?.attempts ?? 1);
  const retried = maxAttempts > 1 && attempts >= maxAttempts && (err.$retryable !== undefined || Number(err.$metadata?.httpStatusCode) >= 500);
  const retries = retried ? ` (reached max retries: ${attempts - 1})` : '';
  return `\nAn error occurred (${code}) when calling the ${operation} operation${retries}: ${message}\n`;
}

/** CliError, or an error of the same shape from a module that cannot import it (the output's QueryError). */
function asCliError(err: unknown): { rc: number; stderr: string } | undefined {
  const e = err as { rc?: unknown; stderr?: unknown };
  return err instanceof CliError || (typeof e?.rc === 'number' && typeof e?.stderr === 'string') ? (e as { rc: number; stderr: string }) : undefined;
}

function isServiceError(err: any): boolean {
  return err?.$fault !== undefined && err?.$metadata?.httpStatusCode !== undefined;
}

async function send(parsed: ParsedCommand, sender: Sender) {
  const [{ convertTimestamps }, { paginate, paginatorOf }] = await Promise.all([import('./timestamps.js'), import('./paginate.js')]);
  const params = convertTimestamps(parsed.operation, parsed.params);
  const paginator = paginatorOf(parsed.operation);
  const g = parsed.globals;
  const paginating = paginator !== undefined && !g.noPaginate && parsed.paginationGiven.length === 0;
  if (!paginating) {
    const page = await sender.send(parsed.operation, params);
    return { pages: [page], merged: page };
  }
  return paginate(paginator!, params, { maxItems: g.maxItems, pageSize: g.pageSize, startingToken: g.startingToken }, (p) =>
    sender.send(parsed.operation, p),
  );
}

/** Where each IoT outfile option takes its value from in the response (the aws CLI's IoT customisations). */
const OUTFILE_VALUES: Record<string, (output: Record<string, any>) => unknown> = {
  'certificate-pem-outfile': (o) => o.certificatePem,
  'public-key-outfile': (o) => o.keyPair?.PublicKey,
  'private-key-outfile': (o) => o.keyPair?.PrivateKey,
};

/** Writes the requested key and certificate files, readable by the owner only, after a successful call. */
function writeOutfiles(parsed: ParsedCommand, output: Record<string, unknown>, io: CliIo): void {
  for (const [option, path] of Object.entries(parsed.outfiles ?? {})) {
    const value = OUTFILE_VALUES[option]?.(output);
    if (typeof value !== 'string') continue;
    const file = resolve(io.cwd, path);
    writeFileSync(file, value, { mode: 0o600 });
    chmodSync(file, 0o600); // an existing file keeps its mode on write
  }
}

export async function runIot(argv: string[], io: CliIo): Promise<number> {
  // `help`, `--help`, `-h` (docs/cli-help.md): the help modules and the documentation load only for these lines.
  if (mentionsHelp(argv)) {
    const { runHelp } = await import('./help/run.js');
    const rc = await runHelp(argv, io);
    if (rc !== undefined) return rc;
  }
  let parsed: ParsedCommand;
  try {
    parsed = parseIotCommand(argv, { cwd: io.cwd, env: io.env });
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr(err.stderr);
      return err.rc;
    }
    throw err;
  }
  const g = parsed.globals;
  if (g.version) {
    const { VERSION } = await import('../kernel/version.js');
    io.stdout(`ddlocal/${VERSION} node/${process.versions.node} ${process.platform}/${process.arch}\n`);
    return 0;
  }
  if (parsed.skeleton === 'input') {
    io.stdout(inputSkeletonJson(parsed.operation));
    return 0;
  }
  if (parsed.skeleton === 'yaml-input') {
    io.stdout(inputSkeletonYaml(parsed.operation));
    return 0;
  }
  let sender: Sender | undefined;
  try {
    const { resolveConfig } = await import('./client-config.js');
    const config = await resolveConfig(g, io.env);
    const options = outputOptions(parsed, config, io);
    if (parsed.skeleton === 'output') {
      const sample = outputSample(parsed.operation) as Record<string, unknown>;
      const { renderResult } = await import('./output.js');
      io.stdout(renderResult(parsed.operation, [sample], sample, options));
      return 0;
    }
    const debug = (line: string) => io.stderr(`${new Date().toISOString()} ddlocal debug: ${line}\n`);
    if (g.debug) {
      const { VERSION } = await import('../kernel/version.js');
      debug(`ddlocal/${VERSION} ${parsed.operation} endpoint=${config.endpoint} region=${config.region ?? '(none)'}`);
    }
    // The output formatter is loaded while the SDK is, not after the response arrives.
    const [{ createSender }, { renderResult, compileQuery }] = await Promise.all([import('./send.js'), import('./output.js')]);
    // A bad --query (unparsable, or nested too deeply) fails before the request is sent, as with aws: a command that
    // changes something must not change it and then fail to print the result.
    if (options.query !== undefined) compileQuery(options.query);
    sender = createSender(config, g, debug, io.env);
    const { pages, merged } = await send(parsed, sender);
    writeOutfiles(parsed, merged, io);
    if (parsed.wait) {
      const { followTask } = await import('./wait.js');
      return await followTask(String(merged.taskId ?? parsed.params.taskId), sender, io, options, parsed.operation);
    }
    io.stdout(renderResult(parsed.operation, pages, merged, options));
    return 0;
  } catch (err) {
    const cli = asCliError(err);
    if (cli) {
      io.stderr(cli.stderr);
      return cli.rc;
    }
    if (isServiceError(err)) {
      io.stderr(serviceErrorText(parsed.operation, err, sender?.maxAttempts ?? 1));
      return 254;
    }
    const url = sender?.lastUrl();
    if (url !== undefined) {
      io.stderr(`\nCould not connect to the endpoint URL: "${url}"\n`);
      if (g.debug) io.stderr(`${String((err as Error)?.stack ?? err)}\n`);
      return 255;
    }
    io.stderr(`\n${(err as Error)?.message ?? String(err)}\n`);
    return 255;
  } finally {
    sender?.destroy();
  }
}
