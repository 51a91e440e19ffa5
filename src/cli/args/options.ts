// The argument table of one `ddlocal iot <command>`: the model's input members (names.ts) plus the
// options aws adds — paging, --cli-input-json/yaml, --generate-cli-skeleton, the IoT outfile
// customisations — and ddlocal's `--wait` (docs/decisions.md#c16).
import { operation, shape as modelShape } from '../../model/model.js';
import { operationOptions, optionName, type OperationOption } from '../names.js';

export type OptionKind =
  | { kind: 'member'; option: OperationOption; arity: 'one' | 'list' | 'flag'; value: boolean }
  | { kind: 'paging'; key: 'startingToken' | 'pageSize' | 'maxItems'; integer: boolean }
  | { kind: 'cli-input'; format: 'json' | 'yaml' }
  | { kind: 'skeleton' }
  | { kind: 'outfile'; key: string }
  | { kind: 'wait' };

export interface OptionSpec {
  /** Option name without `--`. */
  name: string;
  /** Where the parsed value is kept: one slot per option; the `--flag` / `--no-flag` halves share one. */
  dest: string;
  spec: OptionKind;
}

/** The IoT customisations of aws: files the command writes its secrets to after a successful call. */
const OUTFILES: Record<string, string[]> = {
  CreateKeysAndCertificate: ['certificate-pem-outfile', 'public-key-outfile', 'private-key-outfile'],
  CreateCertificateFromCsr: ['certificate-pem-outfile'],
};

/** ddlocal's only addition to an `iot` command (docs/decisions.md#c16). */
const WAIT_OPERATIONS = new Set(['StartAuditMitigationActionsTask', 'StartOnDemandAuditTask']);

export interface ArgumentTable {
  options: Map<string, OptionSpec>;
  /** Model options in member order (required checks and unpacking follow it). */
  members: OperationOption[];
  /** Model members that a paging option of the same name hides while paging is on (names.ts `shadowedByPaging`). */
  shadowed: Map<string, OperationOption>;
  /** Member names of the paginator's input tokens and limit (giving one turns auto-pagination off). */
  pagingMembers: string[];
}

export function argumentTable(operationName: string): ArgumentTable {
  const options = new Map<string, OptionSpec>();
  const members = operationOptions(operationName);
  const shadowed = new Map<string, OperationOption>();
  for (const option of members) {
    if (option.shadowedByPaging) {
      shadowed.set(option.name, option);
      continue;
    }
    addMember(options, option);
  }
  const paginator = operation(operationName).paginator;
  const pagingMembers: string[] = [];
  if (paginator) {
    const tokens = Array.isArray(paginator.input_token) ? paginator.input_token : [paginator.input_token];
    pagingMembers.push(...tokens);
    if (paginator.limit_key) pagingMembers.push(paginator.limit_key);
    options.set('starting-token', { name: 'starting-token', dest: 'starting-token', spec: { kind: 'paging', key: 'startingToken', integer: false } });
    if (paginator.limit_key) {
      options.set('page-size', { name: 'page-size', dest: 'page-size', spec: { kind: 'paging', key: 'pageSize', integer: true } });
    }
    options.set('max-items', { name: 'max-items', dest: 'max-items', spec: { kind: 'paging', key: 'maxItems', integer: true } });
  }
  options.set('cli-input-json', { name: 'cli-input-json', dest: 'cli-input-json', spec: { kind: 'cli-input', format: 'json' } });
  options.set('cli-input-yaml', { name: 'cli-input-yaml', dest: 'cli-input-yaml', spec: { kind: 'cli-input', format: 'yaml' } });
  options.set('generate-cli-skeleton', { name: 'generate-cli-skeleton', dest: 'generate-cli-skeleton', spec: { kind: 'skeleton' } });
  for (const name of OUTFILES[operationName] ?? []) {
    options.set(name, { name, dest: name, spec: { kind: 'outfile', key: name } });
  }
  if (WAIT_OPERATIONS.has(operationName)) options.set('wait', { name: 'wait', dest: 'wait', spec: { kind: 'wait' } });
  return { options, members, shadowed, pagingMembers };
}

function addMember(options: Map<string, OptionSpec>, option: OperationOption): void {
  const s = modelShape(option.ref.shape);
  if (option.negation) {
    options.set(option.name, { name: option.name, dest: option.member, spec: { kind: 'member', option, arity: 'flag', value: true } });
    options.set(option.negation, { name: option.negation, dest: option.member, spec: { kind: 'member', option, arity: 'flag', value: false } });
    return;
  }
  options.set(option.name, { name: option.name, dest: option.member, spec: { kind: 'member', option, arity: s.type === 'list' ? 'list' : 'one', value: true } });
}

/** A restored shadowed member (paging turned off) is an ordinary option again. */
export function memberSpec(option: OperationOption): OptionSpec {
  const map = new Map<string, OptionSpec>();
  addMember(map, option);
  return map.get(option.name)!;
}

export { optionName };
