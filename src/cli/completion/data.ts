// What `ddlocal completion <shell>` knows, gathered when the script is printed: the top-level commands (from the
// commander program itself), the `ddlocal iot` commands and their options (from the same argument tables the iot
// parser uses), the aws global options, and the values of options that take one of a fixed set of words (enums of
// the model, --output, --generate-cli-skeleton, …). Nothing here is written by hand except the options of ddlocal's
// own extension commands, which commander does not know (they parse their own arguments).
import { shape } from '../../model/model.js';
import { argumentTable, type OptionSpec } from '../args/options.js';
import { globalOptionTakesValue } from '../args/globals.js';
import { GLOBAL_OPTION_HELP } from '../help/globals-help.js';
import { IMPLEMENTED_OPERATIONS } from '../implemented-operations.js';
import { commandTable } from '../names.js';
import { SKELETON_CHOICES } from '../skeleton.js';

/** How many words an option takes after it: none (a flag), one, or a list (until the next option). */
export type Arity = 'none' | 'one' | 'list';

export interface CompletionOption {
  /** With the leading `--`. */
  name: string;
  arity: Arity;
  /** The words its value can be, when they are a fixed set. */
  values?: readonly string[];
  /** Its value is a file name. */
  file?: boolean;
}

export interface CompletionCommand {
  name: string;
  description: string;
  options: CompletionOption[];
  /** Words that may stand first after the command (clock's verbs, completion's shells). */
  words?: readonly string[];
  /** Its first positional word is a file name (`ddlocal import <file>`). */
  fileArgument?: boolean;
  /** It also takes the aws global options (--endpoint-url, --profile, …). */
  globals: boolean;
}

export interface CompletionData {
  /** The top-level commands, `iot` included (its options are per iot command, in `iot`). */
  commands: CompletionCommand[];
  /** Options of `ddlocal` itself, before a command. */
  programOptions: CompletionOption[];
  globals: CompletionOption[];
  /** `ddlocal iot` command name → its options (globals not included), sorted by name. */
  iot: Map<string, CompletionOption[]>;
}

/** The part of a commander Command this module reads (kept structural so that commander is not imported here). */
export interface ProgramLike {
  commands: readonly {
    name(): string;
    description(): string;
    options: readonly { long?: string; short?: string; required?: boolean; optional?: boolean; argChoices?: string[] }[];
  }[];
}

/** The shells `ddlocal completion` writes scripts for. */
export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/**
 * The extension commands parse their own arguments (src/cli/commands/*.ts, each one's SPEC), so commander cannot tell
 * their options; they are listed here. test/cli-completion.test.ts checks that each is named by the command's --help.
 */
const EXTENSION_OPTIONS: Record<string, { options: CompletionOption[]; words?: readonly string[]; fileArgument?: boolean }> = {
  reset: { options: [{ name: '--account', arity: 'one' }, { name: '--all', arity: 'none' }] },
  clock: { options: [], words: ['advance', 'set', 'freeze', 'reset'] },
  undo: { options: [{ name: '--task-id', arity: 'one' }] },
  import: { options: [{ name: '--skip-existing', arity: 'none' }], fileArgument: true },
  export: {
    options: [
      { name: '--format', arity: 'one', values: ['yaml', 'json'] },
      { name: '--outfile', arity: 'one', file: true },
    ],
  },
  report: {
    options: [
      { name: '--task-id', arity: 'one' },
      { name: '--format', arity: 'one', values: ['json', 'csv', 'markdown'] },
      { name: '--outfile', arity: 'one', file: true },
    ],
  },
};

/** `ddlocal preview` takes the arguments of this iot command (without --generate-cli-skeleton and --wait). */
const PREVIEW_COMMAND = 'start-audit-mitigation-actions-task';
const PREVIEW_PAGING: CompletionOption[] = [
  { name: '--max-results', arity: 'one' },
  { name: '--next-token', arity: 'one' },
];

function iotOption(spec: OptionSpec): CompletionOption {
  const name = `--${spec.name}`;
  const s = spec.spec;
  switch (s.kind) {
    case 'member': {
      if (s.arity === 'flag') return { name, arity: 'none' };
      const memberShape = shape(s.option.ref.shape);
      const valueShape = s.arity === 'list' && memberShape.member ? shape(memberShape.member.shape) : memberShape;
      const option: CompletionOption = { name, arity: s.arity === 'list' ? 'list' : 'one' };
      if (valueShape.type === 'string' && valueShape.enum && valueShape.enum.length > 0) option.values = [...valueShape.enum];
      return option;
    }
    case 'skeleton':
      return { name, arity: 'one', values: [...SKELETON_CHOICES] };
    case 'wait':
      return { name, arity: 'none' };
    case 'outfile':
      return { name, arity: 'one', file: true };
    case 'cli-input':
    case 'paging':
      return { name, arity: 'one' };
  }
}

/** The options of one `ddlocal iot` command, in the order of its argument table (members first, as aws lists them). */
export function iotCommandOptions(operationName: string): CompletionOption[] {
  return [...argumentTable(operationName).options.values()].map(iotOption);
}

export function globalOptions(): CompletionOption[] {
  return GLOBAL_OPTION_HELP.flatMap((help) => {
    const takesValue = globalOptionTakesValue(help.name);
    if (takesValue === undefined) return []; // only options the parser really accepts
    const option: CompletionOption = { name: `--${help.name}`, arity: takesValue ? 'one' : 'none' };
    if (help.choices) option.values = [...help.choices];
    if (help.name === 'ca-bundle') option.file = true;
    return [option];
  });
}

function commanderOptions(options: ProgramLike['commands'][number]['options']): CompletionOption[] {
  return options.flatMap((o) => {
    if (!o.long) return [];
    const option: CompletionOption = { name: o.long, arity: o.required || o.optional ? 'one' : 'none' };
    if (o.argChoices && o.argChoices.length > 0) option.values = [...o.argChoices];
    return [option];
  });
}

export function completionData(program: ProgramLike): CompletionData {
  const iot = new Map<string, CompletionOption[]>(
    [...commandTable(IMPLEMENTED_OPERATIONS)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([command, op]) => [command, iotCommandOptions(op)]),
  );
  const help: CompletionOption = { name: '--help', arity: 'none' };
  const commands = program.commands.map((command): CompletionCommand => {
    const name = command.name();
    const base = { name, description: command.description() };
    if (name === 'serve') return { ...base, options: [...commanderOptions(command.options), help], globals: false };
    if (name === 'iot') return { ...base, options: [], globals: true };
    if (name === 'completion') return { ...base, options: [help], words: SHELLS, globals: false };
    if (name === 'preview') {
      const options = (iot.get(PREVIEW_COMMAND) ?? []).filter((o) => o.name !== '--generate-cli-skeleton' && o.name !== '--wait');
      return { ...base, options: [...options, ...PREVIEW_PAGING, help], globals: true };
    }
    const extension = EXTENSION_OPTIONS[name];
    if (extension === undefined) return { ...base, options: [help], globals: false };
    return { ...base, ...extension, options: [...extension.options, help], globals: true };
  });
  // commander's own `help [command]`, which it adds to a program with commands but not to program.commands.
  if (!commands.some((c) => c.name === 'help')) {
    commands.push({ name: 'help', description: 'display help for a command', options: [], words: commands.map((c) => c.name), globals: false });
  }
  return {
    commands,
    programOptions: [
      { name: '--help', arity: 'none' },
      { name: '--version', arity: 'none' },
    ],
    globals: globalOptions(),
    iot,
  };
}

export { EXTENSION_OPTIONS };
