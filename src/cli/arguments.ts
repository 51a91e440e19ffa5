// argv → ParsedCommand for `ddlocal iot <command> …` (docs/decisions.md#c1, #c2). Everything is derived from the
// model table the server uses; there is no per-command code. The steps and their error order follow aws-cli 2.9.19:
// global options, the operation name, the operation's options (argparse rules, required checks), unknown leftovers,
// paging conflicts, unpacking each option (file://, shorthand / JSON / scalars), --cli-input-* merge, the
// idempotency token, client-side validation. Pure module: no SDK (the CLI must start fast), no network.
import { createRequire } from 'node:module';
import { MODEL, operation } from '../model/model.js';
import { commandTable, type OperationOption } from './names.js';
import { SKELETON_CHOICES, DEFAULT_SKELETON_CHOICE, type SkeletonChoice } from './skeleton.js';
import { IMPLEMENTED_OPERATIONS } from './implemented-operations.js';
import { invalidChoiceMessage, plainError, unknownOptionsError, usageError } from './args/errors.js';
import { checkEndpointUrl, extractGlobals, looksLikeOption, strictInt, type GlobalOptions } from './args/globals.js';
import { argumentTable, memberSpec, type ArgumentTable, type OptionSpec } from './args/options.js';
import { unpackMember, loadCliInput, type RawValue } from './args/unpack.js';
import { validateParams } from './args/validate.js';

export { CliError } from './args/errors.js';
export type { GlobalOptions } from './args/globals.js';

export interface ParsedCommand {
  /** Model operation name, e.g. 'StartAuditMitigationActionsTask' ('' only when --version was given). */
  operation: string;
  /** API member names → values, after file://, shorthand+coercion, JSON, --cli-input-* merge, token fill, validation. */
  params: Record<string, unknown>;
  globals: GlobalOptions;
  skeleton?: 'input' | 'yaml-input' | 'output';
  wait: boolean;
  /** Member names of the operation's own paging token/limit that were given (command line or --cli-input-*). */
  paginationGiven: string[];
  /** IoT outfile customisations given (`certificate-pem-outfile` → path); written after a successful call. */
  outfiles?: Record<string, string>;
}

export interface ParseOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Command names of the operations ddlocal implements, sorted (the `Invalid choice` list). */
let commands: Map<string, string> | undefined;
function implementedCommands(): Map<string, string> {
  commands ??= new Map([...commandTable(IMPLEMENTED_OPERATIONS)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return commands;
}

export function parseIotCommand(argv: string[], options: ParseOptions): ParsedCommand {
  const { globals, rest } = extractGlobals(argv);
  if (globals.version) return { operation: '', params: {}, globals, wait: false, paginationGiven: [] };
  const endpointError = checkEndpointUrl(globals.endpointUrl);
  if (endpointError) throw endpointError;

  const { operationName, tokens } = takeOperation(rest);
  const table = argumentTable(operationName);
  const parsed = parseOperationTokens(tokens, table);
  checkRequired(tokens, table, parsed.values);
  if (parsed.extras.length > 0) throw unknownOptionsError(parsed.extras);

  const paging = applyPaging(table, parsed.values, globals);
  const fromCommandLine = unpackAll(table, parsed.values, paging.restored, options);
  const document = cliInputDocument(parsed.values, options);
  const skeleton = parsed.values.get('generate-cli-skeleton') as SkeletonChoice | undefined;
  const result: ParsedCommand = {
    operation: operationName,
    params: {},
    globals,
    wait: parsed.values.get('wait') === true,
    paginationGiven: [],
  };
  if (skeleton !== undefined) result.skeleton = skeleton;
  const outfiles = collectOutfiles(table, parsed.values);
  if (outfiles) result.outfiles = outfiles;
  // The input skeletons describe the operation, not this call: nothing is merged or validated for them.
  if (skeleton === 'input' || skeleton === 'yaml-input') return result;

  const params = merge(fromCommandLine, document);
  fillIdempotencyTokens(operationName, params);
  const problems = validateParams(params, operation(operationName).input?.shape);
  if (problems.length > 0) throw plainError(`Parameter validation failed:\n${problems.join('\n')}`);
  result.params = params;
  result.paginationGiven = table.pagingMembers.filter((m) => Object.hasOwn(params, m));
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// The operation name: the first token that is not an option (aws's service parser positional).

function takeOperation(rest: string[]): { operationName: string; tokens: string[] } {
  const index = rest.findIndex((t) => t !== '--' && !looksLikeOption(t));
  if (index < 0) throw usageError('the following arguments are required: operation');
  const name = rest[index]!;
  const table = implementedCommands();
  const operationName = table.get(name);
  if (operationName === undefined) {
    throw usageError(`argument operation: ${invalidChoiceMessage(name, [...table.keys()])}`);
  }
  return { operationName, tokens: [...rest.slice(0, index), ...rest.slice(index + 1)] };
}

// ---------------------------------------------------------------------------------------------------------------
// argparse over the operation's options: exact names only (no prefix abbreviations, docs/decisions.md#c2), last
// occurrence wins.

type ParsedValue = string | string[] | boolean | number;

interface ParsedTokens {
  /** dest → value of the last occurrence. */
  values: Map<string, ParsedValue>;
  /** Tokens no option consumed, in argv order. */
  extras: string[];
}

function parseOperationTokens(tokens: string[], table: ArgumentTable): ParsedTokens {
  const values = new Map<string, ParsedValue>();
  const extras: string[] = [];
  const known = (name: string): boolean => table.options.has(name);
  const isOption = (t: string): boolean => looksLikeOption(t, known);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === '--') {
      extras.push(...tokens.slice(i));
      break;
    }
    if (!isOption(token)) {
      extras.push(token);
      continue;
    }
    const eq = token.startsWith('--') ? token.indexOf('=') : -1;
    const name = token.slice(2, eq < 0 ? undefined : eq);
    const option = token.startsWith('--') ? table.options.get(name) : undefined;
    if (!option) {
      extras.push(token);
      continue;
    }
    const explicit = eq < 0 ? undefined : token.slice(eq + 1);
    // Values that follow the option: argparse stops at the next option-like token.
    let end = i + 1;
    while (end < tokens.length && tokens[end] !== '--' && !isOption(tokens[end]!)) end++;
    const following = tokens.slice(i + 1, end);
    const consumed = takeValue(option, explicit, following, values);
    i += consumed;
  }
  return { values, extras };
}

/** Stores the option's value; returns how many following tokens it consumed. */
function takeValue(option: OptionSpec, explicit: string | undefined, following: string[], values: Map<string, ParsedValue>): number {
  const spec = option.spec;
  const flag = (value: boolean): number => {
    if (explicit !== undefined) throw usageError(`argument --${option.name}: ignored explicit argument ${quote(explicit)}`);
    values.set(option.dest, value);
    return 0;
  };
  switch (spec.kind) {
    case 'wait':
      return flag(true);
    case 'member':
      if (spec.arity === 'flag') return flag(spec.value);
      if (spec.arity === 'list') {
        if (explicit !== undefined) {
          values.set(option.dest, [explicit]);
          return 0;
        }
        values.set(option.dest, following);
        return following.length;
      }
      break;
    case 'skeleton': {
      // nargs='?': an optional value, `input` when absent.
      const value = explicit ?? following[0];
      if (value === undefined) {
        values.set(option.dest, DEFAULT_SKELETON_CHOICE);
        return 0;
      }
      if (!(SKELETON_CHOICES as readonly string[]).includes(value)) {
        throw usageError(`argument --${option.name}: ${invalidChoiceMessage(value, SKELETON_CHOICES)}`);
      }
      values.set(option.dest, value);
      return explicit === undefined ? 1 : 0;
    }
    default:
      break;
  }
  const value = explicit ?? following[0];
  if (value === undefined) throw usageError(`argument --${option.name}: expected one argument`);
  values.set(option.dest, spec.kind === 'paging' && spec.integer ? strictInt(option.name, value) : value);
  return explicit === undefined ? 1 : 0;
}

function quote(text: string): string {
  return text.includes("'") && !text.includes('"') ? `"${text}"` : `'${text}'`;
}

/**
 * Required options, unless --cli-input-json/yaml or an input-mode --generate-cli-skeleton appears as an exact token
 * (aws looks at the raw tokens, so the `=` form does not count; only `output` right after the first
 * --generate-cli-skeleton keeps the checks on).
 */
function checkRequired(tokens: string[], table: ArgumentTable, values: Map<string, ParsedValue>): void {
  if (tokens.includes('--cli-input-json') || tokens.includes('--cli-input-yaml')) return;
  const skeletonAt = tokens.indexOf('--generate-cli-skeleton');
  if (skeletonAt >= 0 && tokens[skeletonAt + 1] !== 'output') return;
  const missing = table.members.filter((o) => o.required && !values.has(o.member)).map((o) => `--${o.name}`);
  if (missing.length > 0) throw usageError(`the following arguments are required: ${missing.join(', ')}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Paging (docs/decisions.md#c5): the operation's own token/limit options turn auto-pagination off; --no-paginate then
// conflicts with the CLI's paging options, and members they were shadowing come back with the value given.

function applyPaging(
  table: ArgumentTable,
  values: Map<string, ParsedValue>,
  globals: GlobalOptions,
): { restored: Map<string, ParsedValue> } {
  const restored = new Map<string, ParsedValue>();
  const pagingOptionNames = table.pagingMembers.map((m) => table.members.find((o) => o.member === m)?.name);
  const manual = pagingOptionNames.some(
    (name) => name !== undefined && name !== 'starting-token' && name !== 'max-items' && (values.has(name) || hasMemberValue(table, values, name)),
  );
  const paginate = !globals.noPaginate && !manual;
  if (!paginate) {
    const used = ['starting-token', 'page-size', 'max-items'].filter((n) => !table.shadowed.has(n) && truthy(values.get(n)));
    if (used.length > 0 && table.options.has('starting-token')) {
      throw plainError(`Cannot specify --no-paginate along with pagination arguments: ${used.map((n) => `--${n}`).join(', ')}`);
    }
    for (const [name, option] of table.shadowed) {
      const value = values.get(name);
      if (value !== undefined) restored.set(option.member, value);
      values.delete(name);
    }
  }
  for (const [name, key] of [['starting-token', 'startingToken'], ['page-size', 'pageSize'], ['max-items', 'maxItems']] as const) {
    const value = values.get(name);
    if (value !== undefined) (globals as unknown as Record<string, unknown>)[key] = value;
  }
  return { restored };
}

function hasMemberValue(table: ArgumentTable, values: Map<string, ParsedValue>, name: string): boolean {
  const option = table.members.find((o) => o.name === name);
  return option !== undefined && !option.shadowedByPaging && values.has(option.member);
}

/** Python truthiness of a parsed paging value (aws tests `getattr(parsed_args, p)`, so `--max-items 0` passes). */
function truthy(value: ParsedValue | undefined): boolean {
  if (value === undefined || value === false || value === 0 || value === '') return false;
  return !(Array.isArray(value) && value.length === 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Unpacking, --cli-input-*, merge, token.

function unpackAll(
  table: ArgumentTable,
  values: Map<string, ParsedValue>,
  restored: Map<string, ParsedValue>,
  options: ParseOptions,
): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const option of table.members) {
    const raw = restored.get(option.member) ?? (option.shadowedByPaging ? undefined : values.get(option.member));
    if (raw === undefined) continue;
    const spec = option.shadowedByPaging ? memberSpec(option) : table.options.get(option.name)!;
    setKey(params, option.member, unpackMember(option, spec, raw as RawValue, options));
  }
  return params;
}

function cliInputDocument(values: Map<string, ParsedValue>, options: ParseOptions): Record<string, unknown> | undefined {
  const json = values.get('cli-input-json') as string | undefined;
  const yaml = values.get('cli-input-yaml') as string | undefined;
  if (json !== undefined && yaml !== undefined) throw plainError('Only one --cli-input- parameter may be specified.');
  if (json !== undefined) return loadCliInput('json', json, options);
  if (yaml !== undefined) return loadCliInput('yaml', yaml, options);
  return undefined;
}

/** Command line first (model order), then the document's other keys in document order; no deep merge. */
function merge(fromCommandLine: Record<string, unknown>, document: Record<string, unknown> | undefined): Record<string, unknown> {
  const params: Record<string, unknown> = { ...fromCommandLine };
  for (const [key, value] of Object.entries(document ?? {})) {
    if (!Object.hasOwn(params, key)) setKey(params, key, value);
  }
  return params;
}

function fillIdempotencyTokens(operationName: string, params: Record<string, unknown>): void {
  const input = operation(operationName).input;
  if (!input) return;
  for (const [member, ref] of Object.entries(MODEL.shapes[input.shape]?.members ?? {})) {
    // node:crypto costs a few ms to load; only the commands with a token to fill pay for it.
    if (ref.idempotencyToken && !Object.hasOwn(params, member)) params[member] = nodeCrypto().randomUUID();
  }
}

function nodeCrypto(): typeof import('node:crypto') {
  return createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
}

function collectOutfiles(table: ArgumentTable, values: Map<string, ParsedValue>): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const option of table.options.values()) {
    if (option.spec.kind === 'outfile' && typeof values.get(option.dest) === 'string') out[option.name] = values.get(option.dest) as string;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export type { OperationOption };
