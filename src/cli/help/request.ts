// Which help page a `ddlocal iot …` command line asks for, following the aws CLI: `help` in the place of the command
// name is the service page (anything after it is ignored); `help` as the first positional word after a command name
// (after options and their values) is that command's page. ddlocal also takes `--help` and `-h` anywhere, which aws
// answers with a bare argparse usage. Command names cover the whole model, so commands ddlocal does not implement
// have pages too.
import { extractGlobals, looksLikeOption } from '../args/globals.js';
import { argumentTable, type ArgumentTable } from '../args/options.js';
import { SKELETON_CHOICES } from '../skeleton.js';
import { commandTable } from '../names.js';

export type HelpRequest = { page: 'service' } | { page: 'command'; operationName: string };

const HELP_FLAGS = new Set(['--help', '-h']);

/** True when argv could ask for help at all: the cheap test that keeps help's modules off every other command. */
export function mentionsHelp(argv: readonly string[]): boolean {
  return argv.some((token) => token === 'help' || HELP_FLAGS.has(token));
}

export function helpRequest(argv: string[]): HelpRequest | undefined {
  let rest: string[];
  try {
    rest = extractGlobals(argv).rest;
  } catch {
    return undefined; // a bad global option: the normal parser reports it
  }
  const end = rest.indexOf('--');
  if (end >= 0) rest = rest.slice(0, end);
  const index = rest.findIndex((t) => !looksLikeOption(t));
  const asksFlag = rest.some((t) => HELP_FLAGS.has(t));
  if (index < 0) return asksFlag ? { page: 'service' } : undefined;
  const name = rest[index]!;
  if (name === 'help') return { page: 'service' };
  const operationName = commandTable().get(name);
  if (operationName === undefined) return undefined; // the parser's "Invalid choice" is the answer
  const tokens = [...rest.slice(0, index), ...rest.slice(index + 1)];
  if (asksFlag || firstPositional(tokens, argumentTable(operationName)) === 'help') return { page: 'command', operationName };
  return undefined;
}

/** The first word no option consumes (argparse's optional `help` positional of aws's operation parser). */
function firstPositional(tokens: string[], table: ArgumentTable): string | undefined {
  const isOption = (t: string) => looksLikeOption(t, (n) => table.options.has(n));
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!isOption(token)) return token;
    if (!token.startsWith('--') || token.includes('=')) continue;
    const option = table.options.get(token.slice(2));
    if (!option) continue;
    const spec = option.spec;
    if (spec.kind === 'wait' || (spec.kind === 'member' && spec.arity === 'flag')) continue;
    if (spec.kind === 'member' && spec.arity === 'list') {
      while (i + 1 < tokens.length && !isOption(tokens[i + 1]!)) i++;
      continue;
    }
    if (spec.kind === 'skeleton') {
      if ((SKELETON_CHOICES as readonly string[]).includes(tokens[i + 1] ?? '')) i++;
      continue;
    }
    i++;
  }
  return undefined;
}
