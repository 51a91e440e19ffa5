// Which IAM action authorizes an AWS IoT request, and on which resources: the lookup caller authorization runs at
// request time. The facts are src/model/iot-authorization.json, taken from AWS's Service Authorization Reference and
// kept in canonical form by scripts/generate-iot-authorization.mjs; docs/authorization-table.md explains both.
//
// A resource row of the table has an ARN template such as arn:${Partition}:iot:${Region}:${Account}:thing/${ThingName}.
// Partition, region and account come from the caller's scope; every other variable from a member of the validated
// input: the member whose name equals the variable ignoring case (ThingName → thingName), unless the table names the
// member explicitly (an operation's `inputs.variables`, then the table-wide `variableMembers`, e.g. Certificate →
// certificateId). Some operations take the resource as an ARN (`inputs.arnMembers`: AttachPolicy's target,
// TagResource's resourceArn) or as a list of names (`inputs.nameLists`). A required resource whose variables the
// input cannot fill is `*`, as the reference prescribes for actions without resource-level permissions, and so is an
// action with no resource at all.
//
// Everything here is a pure function of (operation, input, scope). User values are only ever inserted into a
// template or compared literally — never compiled into a pattern — and every step is linear in the input.
import { readFileSync } from 'node:fs';
import type { AccountScope } from '../kernel/scope.js';
import { MODEL } from './model.js';

export interface ResourceRow {
  type: string;
  arn: string;
  required: boolean;
  conditionKeys: string[];
}

/** Where a service-specific condition key's value comes from: an ARN built from the input, or an input member. */
export interface ContextKeySource {
  resourceType?: string;
  member?: string;
}

export interface OperationAuthorization {
  action: string;
  /** The reference does not list this operation; it is authorized as `iot:<Operation>` on `*`. */
  missing?: boolean;
  accessLevel: string[];
  resources: ResourceRow[];
  conditionKeys: string[];
  requestTagKeys: string[];
  /** Further actions the reference says the operation needs (iot:TagResource when tagging, iam:PassRole). */
  additionalActions?: { action: string; conditionValues?: Record<string, string[]> }[];
  inputs?: {
    variables?: Record<string, string>;
    arnMembers?: string[];
    nameLists?: Record<string, string[]>;
  };
  contextKeys?: Record<string, ContextKeySource>;
}

export interface AuthorizationTable {
  source: { title: string; url: string; read: string };
  conditionKeyTypes: Record<string, string>;
  resourceTypes: Record<string, { arn: string; conditionKeys: string[] }>;
  variableMembers: Record<string, string>;
  operations: Record<string, OperationAuthorization>;
}

export const AUTHORIZATION_TABLE: AuthorizationTable = JSON.parse(
  readFileSync(new URL('./iot-authorization.json', import.meta.url), 'utf8'),
) as AuthorizationTable;

/** What to authorize for one request: the action and the concrete resource ARNs (or `*`). */
export interface AuthorizationRequest {
  action: string;
  resources: string[];
}

/** Who is asking: account and region, and the partition when it is not the one the region implies. */
export type AuthorizationScope = AccountScope & { partition?: string };

/** Condition context: key → values (a single-valued key has one value). */
export type ConditionContext = Record<string, string[]>;

type Input = Record<string, unknown>;

/** The AWS partition of a region: China and GovCloud regions have their own, every other region is `aws`. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export function operationAuthorization(operation: string): OperationAuthorization | undefined {
  return Object.hasOwn(AUTHORIZATION_TABLE.operations, operation) ? AUTHORIZATION_TABLE.operations[operation] : undefined;
}

function entryOf(operation: string): OperationAuthorization {
  const entry = operationAuthorization(operation);
  // The router only hands on operations of the model, and the table has one entry per model operation (the
  // generator checks it), so a miss is a ddlocal defect, not a caller's mistake.
  if (!entry) throw new Error(`no authorization entry for operation ${operation} in src/model/iot-authorization.json`);
  return entry;
}

/** The action and resource ARNs that authorize `operation` called with `input` by a caller in `scope`. */
export function authorizationFor(operation: string, input: Input, scope: AuthorizationScope): AuthorizationRequest {
  const entry = entryOf(operation);
  if (entry.missing) return { action: entry.action, resources: ['*'] };
  const given = arnsFromMembers(entry, input);
  const resources: string[] = [];
  for (const row of entry.resources) {
    const built = fillTemplate(operation, entry, row.type, input, scope);
    const passed = given.filter((arn) => arn.type === row.type).map((arn) => arn.value);
    resources.push(...built, ...passed);
    if (built.length === 0 && passed.length === 0 && row.required) resources.push('*');
  }
  // A value that is not an ARN of a listed type (a Cognito identity as AttachPolicy's target) is still what the
  // request acts on, so it is authorized as given (docs/authorization-table.md#values-that-are-not-arns).
  resources.push(...given.filter((arn) => arn.type === undefined).map((arn) => arn.value));
  const unique = [...new Set(resources)];
  return { action: entry.action, resources: unique.length > 0 ? unique : ['*'] };
}

/**
 * The aws:RequestTag/<key> and aws:TagKeys context of a request, for the operations whose action lists those keys.
 * Tags arrive as a list of {Key, Value} (CreateThingGroup, CreatePolicy, CreateMitigationAction, TagResource), a map
 * (CreatePackage), a query string `k1=v1&k2=v2` (CreateTopicRule), or — for UntagResource — as keys only (tagKeys).
 * A key given twice keeps all its values, so a condition on the key sees each of them.
 */
export function requestTagContext(operation: string, input: Input): ConditionContext {
  const entry = entryOf(operation);
  const context: ConditionContext = Object.create(null) as ConditionContext;
  const tags = tagPairs(input.tags ?? input.Tags);
  if (entry.requestTagKeys.includes('aws:RequestTag/${TagKey}')) {
    for (const [key, value] of tags) (context[`aws:RequestTag/${key}`] ??= []).push(value);
  }
  if (entry.requestTagKeys.includes('aws:TagKeys')) {
    const keys = [...tags.map(([key]) => key), ...strings(input.tagKeys)];
    if (keys.length > 0) context['aws:TagKeys'] = [...new Set(keys)];
  }
  return context;
}

/** The service-specific condition keys the input determines (iot:thingArn of AttachThingPrincipal, iot:DomainName). */
export function serviceContext(operation: string, input: Input, scope: AuthorizationScope): ConditionContext {
  const entry = entryOf(operation);
  const context: ConditionContext = Object.create(null) as ConditionContext;
  for (const [key, source] of Object.entries(entry.contextKeys ?? {})) {
    const values = source.resourceType
      ? fillTemplate(operation, entry, source.resourceType, input, scope)
      : scalar(source.member === undefined ? undefined : input[source.member]);
    if (values.length > 0) context[key] = values;
  }
  return context;
}

/**
 * Template variables of `operation`'s resources that no input member or override can fill, as `type: ${Variable}`.
 * Checked against the model's input shape, not a request: an implemented operation should have none. An operation
 * that takes its resources as ARNs (`inputs.arnMembers`) counts as resolved — which ARN arrives is known per request.
 */
export function unresolvedVariables(operation: string): string[] {
  const entry = entryOf(operation);
  if (entry.missing || (entry.inputs?.arnMembers?.length ?? 0) > 0) return [];
  const unresolved: string[] = [];
  for (const row of entry.resources) {
    for (const variable of inputVariables(row.type)) {
      if (memberFor(operation, entry, variable) === undefined && !entry.inputs?.nameLists?.[variable]) {
        unresolved.push(`${row.type}: \${${variable}}`);
      }
    }
  }
  return unresolved;
}

// ---- templates ---------------------------------------------------------------------------------------------------

type TemplatePart = { literal: string } | { variable: string };

const SCOPE_VARIABLES = new Set(['Partition', 'Region', 'Account']);
const templateCache = new Map<string, TemplatePart[]>();

/** The parts of a resource type's ARN template (parsed once; templates are the table's, never user data). */
function templateOf(type: string): TemplatePart[] {
  let parts = templateCache.get(type);
  if (parts) return parts;
  const arn = AUTHORIZATION_TABLE.resourceTypes[type]?.arn;
  if (arn === undefined) throw new Error(`resource type ${type} is not in src/model/iot-authorization.json`);
  parts = [];
  let at = 0;
  while (at < arn.length) {
    const open = arn.indexOf('${', at);
    if (open < 0) {
      parts.push({ literal: arn.slice(at) });
      break;
    }
    const close = arn.indexOf('}', open);
    if (open > at) parts.push({ literal: arn.slice(at, open) });
    parts.push({ variable: arn.slice(open + 2, close) });
    at = close + 1;
  }
  templateCache.set(type, parts);
  return parts;
}

const inputVariables = (type: string): string[] =>
  templateOf(type).flatMap((part) => ('variable' in part && !SCOPE_VARIABLES.has(part.variable) ? [part.variable] : []));

const memberCache = new Map<string, Map<string, string | undefined>>();

/** The input member that fills `variable` for `operation`: explicit override, same name ignoring case, table-wide override. */
function memberFor(operation: string, entry: OperationAuthorization, variable: string): string | undefined {
  let cached = memberCache.get(operation);
  if (!cached) memberCache.set(operation, (cached = new Map()));
  if (cached.has(variable)) return cached.get(variable);
  const input = MODEL.operations[operation]?.input;
  const members = Object.keys((input && MODEL.shapes[input.shape]?.members) ?? {});
  const explicit = entry.inputs?.variables?.[variable];
  const sameName = members.find((member) => member.toLowerCase() === variable.toLowerCase());
  const tableWide = AUTHORIZATION_TABLE.variableMembers[variable];
  const member =
    explicit !== undefined && members.includes(explicit)
      ? explicit
      : (sameName ?? (tableWide !== undefined && members.includes(tableWide) ? tableWide : undefined));
  cached.set(variable, member);
  return member;
}

/** Every ARN the template of `type` yields for this input; none when a variable has no value. */
function fillTemplate(
  operation: string,
  entry: OperationAuthorization,
  type: string,
  input: Input,
  scope: AuthorizationScope,
): string[] {
  const partition = scope.partition ?? partitionOf(scope.region);
  const scopeValues: Record<string, string> = { Partition: partition, Region: scope.region, Account: scope.accountId };
  let arns = [''];
  for (const part of templateOf(type)) {
    if ('literal' in part) {
      arns = arns.map((arn) => arn + part.literal);
      continue;
    }
    const values = SCOPE_VARIABLES.has(part.variable) ? [scopeValues[part.variable]!] : variableValues(operation, entry, part.variable, input);
    if (values.length === 0) return [];
    arns = arns.flatMap((arn) => values.map((value) => arn + value));
  }
  return arns;
}

function variableValues(operation: string, entry: OperationAuthorization, variable: string, input: Input): string[] {
  const lists = entry.inputs?.nameLists?.[variable];
  if (lists) return [...new Set(lists.flatMap((member) => strings(input[member])))];
  const member = memberFor(operation, entry, variable);
  return member === undefined ? [] : scalar(input[member]);
}

// ---- ARNs given as input -----------------------------------------------------------------------------------------

interface GivenArn {
  value: string;
  /** The listed resource type the ARN is of, or undefined when it is none of them (or no ARN at all). */
  type: string | undefined;
}

function arnsFromMembers(entry: OperationAuthorization, input: Input): GivenArn[] {
  const types = entry.resources.map((row) => row.type);
  return (entry.inputs?.arnMembers ?? []).flatMap((member) =>
    strings(input[member]).map((value) => ({ value, type: types.find((type) => isArnOfType(value, type)) })),
  );
}

/** The resource part of an ARN (after its fifth colon) when it is an AWS IoT ARN; undefined otherwise. */
function iotResourcePart(arn: string): string | undefined {
  if (!arn.startsWith('arn:')) return undefined;
  let at = 0;
  const colons: number[] = [];
  while (colons.length < 5) {
    const next = arn.indexOf(':', at);
    if (next < 0) return undefined;
    colons.push(next);
    at = next + 1;
  }
  return arn.slice(colons[1]! + 1, colons[2]) === 'iot' ? arn.slice(colons[4]! + 1) : undefined;
}

/**
 * Whether `arn` has the shape of the resource type's template, compared segment by segment after the fifth colon:
 * literal segments equal, variable segments non-empty (the last variable may span further `/`, as a topic name does).
 */
function isArnOfType(arn: string, type: string): boolean {
  const resource = iotResourcePart(arn);
  const template = iotResourcePart(templateText(type));
  if (resource === undefined || template === undefined) return false;
  const want = template.split('/');
  const have = resource.split('/');
  const lastIsVariable = want[want.length - 1]!.startsWith('${');
  if (have.length < want.length || (have.length > want.length && !lastIsVariable)) return false;
  return want.every((segment, i) => (segment.startsWith('${') ? have[i]!.length > 0 : have[i] === segment));
}

const templateText = (type: string): string => AUTHORIZATION_TABLE.resourceTypes[type]?.arn ?? '';

// ---- input values ------------------------------------------------------------------------------------------------

/** A non-empty string or boolean member as a one-value list; anything else as none. */
function scalar(value: unknown): string[] {
  if (typeof value === 'string') return value.length > 0 ? [value] : [];
  if (typeof value === 'boolean') return [String(value)];
  return [];
}

/** The non-empty strings of a string or a list of strings. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return value.length > 0 ? [value] : [];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string' && item.length > 0);
  return [];
}

/** Key/value pairs of a tags input in any of its model forms. */
function tagPairs(tags: unknown): [string, string][] {
  if (Array.isArray(tags)) {
    return tags.flatMap((tag): [string, string][] => {
      if (typeof tag !== 'object' || tag === null) return [];
      const { Key, Value } = tag as { Key?: unknown; Value?: unknown };
      return typeof Key === 'string' ? [[Key, typeof Value === 'string' ? Value : '']] : [];
    });
  }
  if (typeof tags === 'string') return tags.length > 0 ? tags.split('&').map(queryPair) : [];
  if (typeof tags === 'object' && tags !== null) {
    return Object.entries(tags).flatMap(([key, value]): [string, string][] => (typeof value === 'string' ? [[key, value]] : []));
  }
  return [];
}

/** One `key=value` of a tag query string, percent-decoded where that is well-formed. */
function queryPair(pair: string): [string, string] {
  const equals = pair.indexOf('=');
  const key = equals < 0 ? pair : pair.slice(0, equals);
  const value = equals < 0 ? '' : pair.slice(equals + 1);
  return [decodeQuery(key), decodeQuery(value)];
}

function decodeQuery(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
