// Command and option names of `ddlocal iot` (docs/decisions.md#c1). The aws CLI derives both from the model with
// botocore's `xform_name(name, '-')`; ddlocal applies the same rule to the same model so that every command line in AWS
// documentation names the same command and options here. Pure module: no SDK, no I/O beyond the model table.
import { MODEL, inputShape, operation, shape, type MemberRef } from '../model/model.js';

// botocore's three regular expressions, transcribed. JavaScript's global replace walks non-overlapping matches left
// to right exactly like Python's re.sub, so the results agree character for character.
const PLURAL_ACRONYM = /[A-Z]{2,}s$/; // "GatewayARNs", "ListWebACLs": the trailing "s" belongs to the acronym
const FIRST_CAP = /(.)([A-Z][a-z]+)/g; // a capitalised word starts a part: "CACertificates" → "CA-Certificates"
const END_CAP = /([a-z0-9])([A-Z])/g; // so does a capital after a lower-case letter or digit: "GetV2" → "Get-V2"

// Names the regular rule gets wrong; botocore pre-seeds its cache with them. None is an IoT name today, but keeping
// the table makes the function botocore's rather than an approximation of it.
const SPECIAL_CASES: Record<string, string> = {
  CreateCachediSCSIVolume: 'create-cached-iscsi-volume',
  DescribeCachediSCSIVolumes: 'describe-cached-iscsi-volumes',
  DescribeStorediSCSIVolumes: 'describe-stored-iscsi-volumes',
  CreateStorediSCSIVolume: 'create-stored-iscsi-volume',
  ListHITsForQualificationType: 'list-hits-for-qualification-type',
  ExecutePartiQLStatement: 'execute-partiql-statement',
  ExecutePartiQLTransaction: 'execute-partiql-transaction',
  ExecutePartiQLBatch: 'execute-partiql-batch',
};

/** botocore's `xform_name(name, '-')`: CamelCase → lower-case words joined by `-`, acronyms kept together. */
export function dashedName(name: string): string {
  // A name that already contains the separator is taken as converted (botocore's rule; keeps `no-…` names intact).
  if (name.includes('-')) return name;
  const special = SPECIAL_CASES[name];
  if (special !== undefined) return special;
  let text = name;
  const plural = PLURAL_ACRONYM.exec(text);
  if (plural) text = text.slice(0, -plural[0].length) + '-' + plural[0].toLowerCase();
  return text.replace(FIRST_CAP, '$1-$2').replace(END_CAP, '$1-$2').toLowerCase();
}

/** `ListCACertificates` → `list-ca-certificates`. */
export function commandName(operationName: string): string {
  return dashedName(operationName);
}

/** Top-level input member → option name without the leading `--` (`caCertificatePem` → `ca-certificate-pem`). */
export function optionName(memberName: string): string {
  return dashedName(memberName);
}

/** The `--no-…` half of a boolean flag pair. */
export function negatedOptionName(memberName: string): string {
  return `no-${optionName(memberName)}`;
}

export interface OperationOption {
  /** Option name without `--`. */
  name: string;
  /** The input member it fills (the member name, never the wire name). */
  member: string;
  ref: MemberRef;
  /** Required members are required options, except idempotency tokens, which are filled automatically. */
  required: boolean;
  /** `no-…` for boolean members, which are `--flag` / `--no-flag` pairs taking no value. */
  negation?: string;
  /**
   * The aws CLI's own paging option of the same name replaces this one on a paginated command (e.g. the `pageSize`
   * member of ListCACertificates and the CLI's `--page-size`); it comes back only when paging is turned off.
   */
  shadowedByPaging?: true;
}

/**
 * Options the aws CLI adds to every paginated command (docs/decisions.md#c5); `page-size` only when the paginator
 * has a limit.
 */
function pagingOptionNames(operationName: string): Set<string> {
  const paginator = operation(operationName).paginator;
  if (!paginator) return new Set();
  return new Set(paginator.limit_key ? ['starting-token', 'page-size', 'max-items'] : ['starting-token', 'max-items']);
}

/** The model-derived options of one operation, in input member order (the order of aws's argument table). */
export function operationOptions(operationName: string): OperationOption[] {
  const input = inputShape(operation(operationName));
  const required = new Set(input.required ?? []);
  const paging = pagingOptionNames(operationName);
  return Object.entries(input.members ?? {}).map(([member, ref]) => {
    const option: OperationOption = {
      name: optionName(member),
      member,
      ref,
      required: required.has(member) && !ref.idempotencyToken,
    };
    if (shape(ref.shape).type === 'boolean') option.negation = negatedOptionName(member);
    if (paging.has(option.name)) option.shadowedByPaging = true;
    return option;
  });
}

/**
 * Command name → operation name for the given operations (by default every operation of the model). Throws when two
 * operations would share a command name, which would make one of them unreachable.
 */
export function commandTable(operationNames: Iterable<string> = Object.keys(MODEL.operations)): Map<string, string> {
  const table = new Map<string, string>();
  for (const op of operationNames) {
    const name = commandName(op);
    const clash = table.get(name);
    if (clash !== undefined) throw new Error(`operations ${clash} and ${op} both map to the command ${name}`);
    table.set(name, op);
  }
  return table;
}
