// What the extension commands (`ddlocal reset|clock|preview|undo`, docs/cli-extras.md) share: reading their own
// options next to aws's global options (--endpoint-url, --region, --profile, --debug, …, parsed exactly as for
// `ddlocal iot`), resolving endpoint and credentials the same way, printing the endpoint's JSON answer, and turning
// every failure into the aws CLI's text and exit code (252 usage, 253 configuration, 254 service error, 255
// connection). The commands themselves only say which options they take and which request they send.
import { CliError } from './args/errors.js';
import type { GlobalOptions } from './args/globals.js';
import { extractGlobals, checkEndpointUrl } from './args/globals.js';
import type { ExtensionClient } from './extension-client.js';

export const RC_USAGE = 252;

/**
 * How each command-specific option is read: a flag, or an option with one value. `pass-through`: every token that is
 * not a global option is handed on as a positional, for a command that parses its arguments with another parser.
 */
export type OptionKinds = Record<string, 'flag' | 'value'> | 'pass-through';

export interface ExtensionArguments {
  globals: GlobalOptions;
  /** Command-specific option name (without --) → its value (true for a flag); the last occurrence wins. */
  options: Map<string, string | true>;
  positionals: string[];
}

export interface ExtensionIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** A usage error of an extension command: its synopsis, then the problem, exit code 252. */
export function extensionUsageError(synopsis: string, message: string): CliError {
  return new CliError(RC_USAGE, `\nusage: ${synopsis}\nddlocal: error: ${message}\n\n`);
}

/** Splits argv into aws's global options, this command's options and positional words. */
export function parseExtensionArguments(argv: string[], kinds: OptionKinds, synopsis: string): ExtensionArguments {
  const { globals, rest } = extractGlobals(argv);
  const endpointError = checkEndpointUrl(globals.endpointUrl);
  if (endpointError) throw endpointError;
  const options = new Map<string, string | true>();
  if (kinds === 'pass-through') return { globals, options, positionals: rest };
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!;
    if (token === '--') {
      positionals.push(...rest.slice(i + 1));
      break;
    }
    if (!token.startsWith('--')) {
      positionals.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = eq < 0 ? token.slice(2) : token.slice(2, eq);
    const kind = Object.hasOwn(kinds, name) ? kinds[name] : undefined;
    if (kind === undefined) throw extensionUsageError(synopsis, `unknown option --${name}`);
    if (kind === 'flag') {
      if (eq >= 0) throw extensionUsageError(synopsis, `argument --${name}: takes no value`);
      options.set(name, true);
      continue;
    }
    const value = eq >= 0 ? token.slice(eq + 1) : rest[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw extensionUsageError(synopsis, `argument --${name}: expected one argument`);
    options.set(name, value);
  }
  return { globals, options, positionals };
}

/** aws's `--output json`: four-space indentation, a final newline; an empty answer prints nothing. */
export function printJson(io: ExtensionIo, value: unknown): void {
  if (value !== null && typeof value === 'object' && Object.keys(value).length === 0) return;
  io.stdout(`${JSON.stringify(value, null, 4)}\n`);
}

/**
 * Runs one extension command: `work` gets a client for the resolved endpoint and credentials. Returns the exit code;
 * nothing it throws escapes as a crash.
 */
export interface ExtensionCommandSpec {
  /** One line: `ddlocal reset (--account <id> [--region <r>] | --all) [options]`. */
  synopsis: string;
  /** What `--help` prints after the synopsis. */
  help: string;
  options: OptionKinds;
}

export async function runExtensionCommand(
  argv: string[],
  spec: ExtensionCommandSpec,
  work: (client: ExtensionClient, args: ExtensionArguments) => Promise<void>,
  io: ExtensionIo,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(`usage: ${spec.synopsis}\n\n${spec.help}\n`);
    return 0;
  }
  try {
    const args = parseExtensionArguments(argv, spec.options, spec.synopsis);
    const { resolveConfig } = await import('./client-config.js');
    const config = await resolveConfig(args.globals, io.env);
    const debug = (line: string) => io.stderr(`${new Date().toISOString()} ddlocal debug: ${line}\n`);
    if (args.globals.debug) debug(`endpoint=${config.endpoint} region=${config.region ?? '(none)'}`);
    const { createExtensionClient } = await import('./extension-client.js');
    await work(createExtensionClient(config, args.globals, io.env, debug), args);
    return 0;
  } catch (err) {
    return reportFailure(io, err);
  }
}

/**
 * Prints a failed command's error and returns its exit code: a CliError (or an error carrying `rc` and `stderr`, as
 * the iot pipeline's are) as it says; anything else as its message, exit 255 like aws's unexpected errors.
 */
export function reportFailure(io: Pick<ExtensionIo, 'stderr'>, err: unknown): number {
  const e = err as { rc?: unknown; stderr?: unknown };
  if (err instanceof CliError || (typeof e?.rc === 'number' && typeof e?.stderr === 'string')) {
    io.stderr(String(e.stderr));
    return Number(e.rc);
  }
  io.stderr(`\n${(err as Error)?.message ?? String(err)}\n`);
  return 255;
}

/** The process-level io for a command run from main.ts. */
export function processIo(): ExtensionIo {
  return { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), env: process.env };
}

/** Exits with `rc` once stdout and stderr have drained into a pipe. */
export function exitWith(rc: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(rc)));
}
