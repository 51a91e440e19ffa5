// The help pages of `ddlocal iot help` and `ddlocal iot <command> help`, laid out like the aws CLI's man pages (NAME,
// DESCRIPTION, SYNOPSIS, OPTIONS, GLOBAL OPTIONS, OUTPUT) but rendered straight to plain text: everything comes from
// the model table (options, types, enums, syntax examples) and the generated documentation (docs.ts), so a page is
// right for every operation of the model, implemented by ddlocal or not.
import { operation, shape as modelShape, type MemberRef } from '../../model/model.js';
import { argumentTable } from '../args/options.js';
import { IMPLEMENTED_OPERATIONS } from '../implemented-operations.js';
import { commandName, commandTable, type OperationOption } from '../names.js';
import { firstSentence, memberDoc, operationDoc, serviceDoc, shapeDoc } from './docs.js';
import { GLOBAL_OPTION_HELP, globalSynopsis } from './globals-help.js';
import { optionSyntax } from './syntax.js';
import { renderDoc, wrapWords } from './text.js';

const SECTION = ' '.repeat(7);
const BODY = ' '.repeat(10);
const NESTED_STEP = '    ';

/** One entry of a command's OPTIONS section, in aws's order. */
export interface HelpOption {
  /** The names as shown: `--flag | --no-flag` pairs, `--cli-input-json | --cli-input-yaml`. */
  names: string[];
  type: string;
  required: boolean;
  /** Set for options that fill an input member. */
  member?: OperationOption;
  doc: string;
}

const PAGING_DOCS: Record<string, { type: string; doc: string }> = {
  'starting-token': {
    type: 'string',
    doc: 'A token to specify where to start paginating: the NextToken of a previously truncated response.',
  },
  'page-size': {
    type: 'integer',
    doc: "The size of each page to get in the service call. This does not affect the number of items returned in the command's output.",
  },
  'max-items': {
    type: 'integer',
    doc: "The total number of items to return in the command's output. If more are available, a NextToken is provided in the output; give it to --starting-token to resume.",
  },
};

const OUTFILE_DOCS: Record<string, string> = {
  'certificate-pem-outfile': 'Saves the command output contents of certificatePem to the given filename',
  'public-key-outfile': 'Saves the command output contents of keyPair.PublicKey to the given filename',
  'private-key-outfile': 'Saves the command output contents of keyPair.PrivateKey to the given filename',
};

const CLI_INPUT_DOC =
  'Reads arguments from the JSON (--cli-input-json) or YAML (--cli-input-yaml) string provided; file:// reads it from a file. The document follows the format printed by --generate-cli-skeleton. Values given on the command line override the document. Only one of the two may be specified.';
const SKELETON_DOC =
  'Prints a skeleton to standard output without sending a request. Without a value or with input, prints a sample input JSON for --cli-input-json; with yaml-input, a sample input YAML for --cli-input-yaml; with output, validates the command inputs and prints a sample output for the command.';
const WAIT_DOC =
  'ddlocal only: after starting the task, follow it to its end (a progress bar on a terminal, a line per change otherwise), print its final description and exit 1 if it FAILED or was CANCELED.';

/** The options of one command, in the order of aws's SYNOPSIS. */
export function commandOptions(operationName: string): HelpOption[] {
  const table = argumentTable(operationName);
  const options: HelpOption[] = [];
  const placed = new Set<string>();
  const paging = (name: string): HelpOption => ({ names: [`--${name}`], type: PAGING_DOCS[name]!.type, required: false, doc: PAGING_DOCS[name]!.doc });
  const input = operation(operationName).input?.shape ?? '';
  for (const member of table.members) {
    // The paginator's own token and limit members stay accepted but undocumented, as in aws: --starting-token,
    // --page-size and --max-items are the documented way to page.
    if (table.pagingMembers.includes(member.member) && !member.shadowedByPaging) continue;
    if (member.shadowedByPaging) {
      // aws replaces the member with its own paging option of the same name, in the member's place.
      options.push(paging(member.name));
      placed.add(member.name);
      continue;
    }
    const s = modelShape(member.ref.shape);
    options.push({
      names: member.negation ? [`--${member.name}`, `--${member.negation}`] : [`--${member.name}`],
      type: s.type,
      required: member.required,
      member,
      doc: memberDoc(input, member.member, member.ref.shape),
    });
  }
  for (const name of Object.keys(OUTFILE_DOCS)) {
    if (table.options.has(name)) options.push({ names: [`--${name}`], type: 'string', required: false, doc: OUTFILE_DOCS[name]! });
  }
  options.push({ names: ['--cli-input-json', '--cli-input-yaml'], type: 'string', required: false, doc: CLI_INPUT_DOC });
  for (const name of ['starting-token', 'page-size', 'max-items']) {
    if (table.options.has(name) && !placed.has(name)) options.push(paging(name));
  }
  options.push({ names: ['--generate-cli-skeleton'], type: 'string', required: false, doc: SKELETON_DOC });
  if (table.options.has('wait')) options.push({ names: ['--wait'], type: 'boolean', required: false, doc: WAIT_DOC });
  return options;
}

function synopsisEntry(option: HelpOption): string {
  const flag = option.type === 'boolean' && option.member === undefined;
  const pair = option.names.length > 1;
  const text = pair ? option.names.join(' | ') : flag ? option.names[0]! : `${option.names[0]} <value>`;
  return option.required ? text : `[${text}]`;
}

export function isImplemented(operationName: string): boolean {
  return IMPLEMENTED_OPERATIONS.includes(operationName);
}

const NOT_IMPLEMENTED_NOTE =
  'ddlocal does not implement this operation: its server answers it with a NotImplementedException (HTTP 501), and ddlocal iot refuses the command as an invalid choice. Point aws at AWS for it.';

export function renderCommandHelp(operationName: string, width: number): string {
  const command = commandName(operationName);
  const lines: string[] = [];
  const push = (...more: string[]) => lines.push(...more);
  push('NAME', `${SECTION}${command} -`, '', 'DESCRIPTION');
  push(...renderDoc(operationDoc(operationName) || 'No description.', SECTION, width));
  if (!isImplemented(operationName)) push('', ...renderDoc(NOT_IMPLEMENTED_NOTE, SECTION, width));
  const options = commandOptions(operationName);
  push('', 'SYNOPSIS', `${SECTION}    ${command}`);
  for (const option of options) push(`${SECTION}  ${synopsisEntry(option)}`);
  for (const global of GLOBAL_OPTION_HELP) push(`${SECTION}  ${globalSynopsis(global)}`);
  push('', 'OPTIONS');
  options.forEach((option, i) => {
    if (i > 0) push('');
    push(...renderOption(option, width));
  });
  push('', 'GLOBAL OPTIONS');
  GLOBAL_OPTION_HELP.forEach((global, i) => {
    if (i > 0) push('');
    push(`${SECTION}--${global.name} (${global.type})`, ...renderDoc(global.doc, BODY, width));
    if (global.choices) push('', `${BODY}Possible values:`, ...global.choices.map((c) => `${BODY}* ${c}`));
  });
  push('', 'OUTPUT');
  push(...renderOutput(operationName, width));
  return lines.join('\n') + '\n';
}

function renderOption(option: HelpOption, width: number): string[] {
  const lines = [`${SECTION}${option.names.join(' | ')} (${option.type})${option.required ? ' [required]' : ''}`];
  if (option.doc) lines.push(...renderDoc(option.doc, BODY, width));
  const member = option.member;
  if (!member) return lines;
  const s = modelShape(member.ref.shape);
  if (s.enum) lines.push('', `${BODY}Possible values:`, ...s.enum.map((v) => `${BODY}* ${v}`));
  lines.push(...nestedMembers(member.ref.shape, BODY, width, [member.ref.shape]));
  const syntax = optionSyntax(member.ref.shape);
  if (syntax.shorthand) lines.push('', `${SECTION}Shorthand Syntax:`, '', ...syntax.shorthand.split('\n').map((l) => (l === '' ? '' : BODY + l)));
  if (syntax.list) {
    lines.push('', `${SECTION}Syntax:`, '', `${BODY}${syntax.list.example}`);
    if (syntax.list.enum) lines.push('', `${BODY}Where valid values are:`, ...syntax.list.enum.map((v) => `${BODY}    ${v}`));
  }
  if (syntax.json) lines.push('', `${SECTION}JSON Syntax:`, '', ...syntax.json.split('\n').map((l) => BODY + l));
  return lines;
}

/** The members under a structure, the key and value of a map, the element of a list (aws's _doc_member walk). */
function nestedMembers(shapeName: string, indent: string, width: number, stack: string[]): string[] {
  const s = modelShape(shapeName);
  const lines: string[] = [];
  const child = (label: string, ref: MemberRef, doc: string) => lines.push(...memberEntry(label, ref.shape, doc, indent, width, stack));
  if (s.type === 'structure') {
    for (const [name, ref] of Object.entries(s.members ?? {})) child(name, ref, memberDoc(shapeName, name, ref.shape));
  } else if (s.type === 'map') {
    child(s.key!.locationName ?? 'key', s.key!, shapeDoc(s.key!.shape));
    child(s.value!.locationName ?? 'value', s.value!, shapeDoc(s.value!.shape));
  } else if (s.type === 'list') {
    child('', s.member!, shapeDoc(s.member!.shape));
  }
  return lines;
}

function memberEntry(label: string, shapeName: string, doc: string, indent: string, width: number, stack: string[]): string[] {
  const s = modelShape(shapeName);
  // A shape may appear twice on the path; a third time is a recursion, shown once as such (aws's rule).
  if (stack.filter((n) => n === shapeName).length > 1) return s.type === 'structure' ? ['', `${indent}( ... recursive ... )`] : [];
  const lines = ['', `${indent}${label ? `${label} -> ` : ''}(${s.type})`];
  const inner = indent + NESTED_STEP;
  if (doc) lines.push(...renderDoc(doc, inner, width));
  stack.push(shapeName);
  try {
    const children = nestedMembers(shapeName, inner, width, stack);
    // Children follow their parent's header directly when it has no text in between (aws's layout).
    lines.push(...(doc ? children : children.slice(1)));
  } finally {
    stack.pop();
  }
  return lines;
}

function renderOutput(operationName: string, width: number): string[] {
  const output = operation(operationName).output?.shape;
  const members = output ? Object.entries(modelShape(output).members ?? {}) : [];
  if (!output || members.length === 0) return [`${SECTION}None`];
  const lines: string[] = [];
  for (const [name, ref] of members) {
    const entry = memberEntry(name, ref.shape, memberDoc(output, name, ref.shape), SECTION, width, [output]);
    lines.push(...(lines.length === 0 ? entry.slice(1) : entry));
  }
  return lines;
}

/** `ddlocal iot help`: the service description and every command of the model with its first sentence. */
export function renderServiceHelp(width: number): string {
  const commands = [...commandTable()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const implemented = commands.filter(([, op]) => isImplemented(op)).length;
  const lines = ['NAME', `${SECTION}iot -`, '', 'DESCRIPTION', ...renderDoc(serviceDoc(), SECTION, width), ''];
  lines.push(
    ...renderDoc(
      `ddlocal implements ${implemented} of these ${commands.length} commands, marked [implemented] below. The others are listed for reference: ddlocal's server answers them with a NotImplementedException (HTTP 501). ddlocal iot <command> help describes one command.`,
      SECTION,
      width,
    ),
  );
  lines.push('', 'AVAILABLE COMMANDS');
  for (const [command, op] of commands) {
    lines.push(`${SECTION}o ${command}${isImplemented(op) ? ' [implemented]' : ''}`);
    const summary = firstSentence(operationDoc(op));
    if (summary) lines.push(...wrapWords(summary.split(' ').filter((w) => w !== ''), width, `${SECTION}    `));
  }
  return lines.join('\n') + '\n';
}

