// `ddlocal clock`: show or move ddlocal's clock (GET and POST /_ddlocal/clock) — `advance <duration>`, `set <ISO
// time>`, `freeze`, `reset`. Durations are written as people write them (90s, 20d, 1h30m) and converted here to the
// endpoint's advanceSeconds (docs/cli-extras.md).
import type { Command } from 'commander';
import { exitWith, extensionUsageError, printJson, processIo, runExtensionCommand, type ExtensionCommandSpec, type ExtensionIo } from '../extension-command.js';

const SPEC: ExtensionCommandSpec = {
  synopsis: 'ddlocal clock [advance <duration> | set <ISO-8601> | freeze | reset] [--endpoint-url <url>] [--profile <p>] [--debug]',
  help: [
    "Shows ddlocal's clock, or moves it (strict mode: moving needs an admin credential).",
    '  (nothing)            show the clock',
    '  advance <duration>   move it forward (a leading - moves it back): 90s, 45m, 1h30m, 20d, 1d12h, or plain seconds (2.5)',
    '  set <ISO-8601>       jump to a date-time with Z or an offset, e.g. 2030-01-01T00:00:00Z',
    '  freeze               stop it where it is',
    '  reset                follow the real time again',
  ].join('\n'),
  options: {},
};

const UNIT_SECONDS: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1 };
/** Whole units, largest first, each at most once: `1d2h3m4s`; anchored and without nested repetition (linear time). */
const UNITS = /^(?:(\d{1,9})d)?(?:(\d{1,9})h)?(?:(\d{1,9})m)?(?:(\d{1,9})s)?$/;
const PLAIN_SECONDS = /^\d{1,12}(?:\.\d{1,9})?$/;

/** `90s`, `1h30m`, `20d` or plain seconds → seconds; a leading `-` goes backwards. Undefined when unreadable. */
export function parseDuration(text: string): number | undefined {
  if (text.length > 64) return undefined;
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  let seconds: number | undefined;
  if (PLAIN_SECONDS.test(body)) seconds = Number(body);
  else if (body !== '') {
    const match = UNITS.exec(body);
    if (match) seconds = ['d', 'h', 'm', 's'].reduce((sum, unit, i) => sum + Number(match[i + 1] ?? 0) * UNIT_SECONDS[unit]!, 0);
  }
  return seconds === undefined ? undefined : negative ? -seconds : seconds;
}

function clockBody(words: string[]): Record<string, unknown> | undefined {
  const [verb, value, ...extra] = words;
  const tooMany = (n: number) => {
    if (extra.length > 0 || (n === 0 && value !== undefined)) throw extensionUsageError(SPEC.synopsis, `unexpected argument ${n === 0 ? value : extra[0]}`);
  };
  switch (verb) {
    case undefined:
      return undefined;
    case 'advance': {
      tooMany(1);
      if (value === undefined) throw extensionUsageError(SPEC.synopsis, 'clock advance needs a duration such as 90s, 1h30m or 20d');
      const seconds = parseDuration(value);
      if (seconds === undefined)
        throw extensionUsageError(SPEC.synopsis, `${value} is not a duration; write it like 90s, 45m, 1h30m, 20d or as seconds`);
      return { advanceSeconds: seconds };
    }
    case 'set':
      tooMany(1);
      if (value === undefined) throw extensionUsageError(SPEC.synopsis, 'clock set needs a date-time such as 2030-01-01T00:00:00Z');
      return { set: value };
    case 'freeze':
      tooMany(0);
      return { freeze: true };
    case 'reset':
      tooMany(0);
      return { reset: true };
    default:
      throw extensionUsageError(SPEC.synopsis, `unknown clock command ${verb}; use advance, set, freeze or reset`);
  }
}

export async function runClock(argv: string[], io: ExtensionIo): Promise<number> {
  return runExtensionCommand(
    argv,
    SPEC,
    async (client, { positionals }) => {
      const body = clockBody(positionals);
      const answer =
        body === undefined
          ? await client.call({ operation: 'GetClock', method: 'GET', path: '/_ddlocal/clock' })
          : await client.call({ operation: 'SetClock', method: 'POST', path: '/_ddlocal/clock', body });
      printJson(io, answer);
    },
    io,
  );
}

export function registerClock(program: Command): void {
  program
    .command('clock')
    .description("show ddlocal's clock, or move it: clock advance <duration> | set <ISO-8601> | freeze | reset")
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[arguments...]')
    .action(async (args: string[]) => exitWith(await runClock(args, processIo())));
}
