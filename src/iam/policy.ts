// An IAM identity policy document — JSON text or an already parsed object — checked and compiled into statements
// ready for matching. Everything about the document is decided here, once: a bad document is refused whole with
// MalformedPolicyException naming the statement and the rule it breaks, and a good one never needs parsing again.
//
// Bounded work: the text is measured (size, nesting depth) before it is parsed, and statements, list lengths and
// condition values have caps close above what IAM itself accepts (docs/iam.md#limits).
import { ApiError } from '../kernel/errors.js';
import { jsonTextDepth, MAX_NESTING_DEPTH, tooDeepText, valueDepth } from '../kernel/nesting.js';
import { compileConditions, NO_CONDITIONS, type CompiledConditions } from './conditions.js';
import { compileActions, compileResources, type ActionMatcher, type ResourceMatcher } from './elements.js';

/**
 * The longest policy document accepted, in characters of JSON. IAM's own caps are 6,144 characters for a managed
 * policy and 10,240 for all inline policies of a role; twelve times the larger leaves room for test fixtures and
 * generated policies while keeping one document's compile cost small.
 */
export const MAX_POLICY_CHARACTERS = 131_072;
/** The most statements one document may have. */
export const MAX_STATEMENTS = 1000;
/** The most entries one Action, NotAction, Resource or NotResource list may have. */
export const MAX_ELEMENT_ENTRIES = 1000;

export const POLICY_VERSIONS = ['2012-10-17', '2008-10-17'] as const;
export type PolicyVersion = (typeof POLICY_VERSIONS)[number];

/** A policy as callers hold it: a name for messages and decisions (an ARN for managed policies), and its document. */
export interface PolicySource {
  readonly name: string;
  readonly document: string | object;
}

export interface CompiledStatement {
  /** Position in the document's Statement list (a lone statement object is index 0). */
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: 'Allow' | 'Deny';
  readonly actions: ActionMatcher;
  readonly resources: ResourceMatcher;
  readonly conditions: CompiledConditions;
}

export interface CompiledPolicy {
  readonly name: string;
  readonly version: PolicyVersion;
  readonly statements: readonly CompiledStatement[];
}

const DOCUMENT_ELEMENTS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_ELEMENTS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks and compiles a policy document. Throws ApiError('MalformedPolicyException') whose message starts with the
 * policy's name and, for a statement, its index and Sid.
 */
export function compilePolicy(source: PolicySource): CompiledPolicy {
  const fail = (message: string): never => {
    throw new ApiError('MalformedPolicyException', `Policy "${source.name}": ${message}`);
  };
  const root = readDocument(source.document, fail);
  if (!isPlainObject(root)) return fail('the document must be a JSON object');
  for (const element of Object.keys(root)) {
    if (!DOCUMENT_ELEMENTS.has(element)) fail(`unknown element "${element}" (a policy has Version, Id and Statement)`);
  }
  const version = root.Version ?? '2008-10-17';
  if (!POLICY_VERSIONS.includes(version as PolicyVersion)) {
    fail(`Version must be "2012-10-17" or "2008-10-17", not ${JSON.stringify(version)}`);
  }
  if (root.Id !== undefined && typeof root.Id !== 'string') fail('Id must be a string');
  const rawStatements = Array.isArray(root.Statement) ? root.Statement : root.Statement === undefined ? undefined : [root.Statement];
  if (!rawStatements) return fail('the document has no Statement');
  if (rawStatements.length === 0) fail('Statement lists no statements');
  if (rawStatements.length > MAX_STATEMENTS) fail(`Statement lists ${rawStatements.length} statements; at most ${MAX_STATEMENTS} are allowed`);
  const sids = new Set<string>();
  const statements = rawStatements.map((raw, index) =>
    compileStatement(raw, index, version === '2012-10-17', sids, (message) => fail(`Statement[${index}]${sidLabel(raw)}: ${message}`)),
  );
  return { name: source.name, version: version as PolicyVersion, statements };
}

/** ` (Sid "X")` when the raw statement has a string Sid, so messages name the statement as its author knows it. */
function sidLabel(raw: unknown): string {
  return isPlainObject(raw) && typeof raw.Sid === 'string' && raw.Sid !== '' ? ` (Sid ${JSON.stringify(raw.Sid)})` : '';
}

/** The document as a value, measured before anything recursive sees it. */
function readDocument(document: string | object, fail: (message: string) => never): unknown {
  if (typeof document === 'string') {
    if (document.length > MAX_POLICY_CHARACTERS) {
      fail(`the document has ${document.length} characters; at most ${MAX_POLICY_CHARACTERS} are allowed`);
    }
    const depth = jsonTextDepth(document);
    if (depth > MAX_NESTING_DEPTH) fail(`the document ${tooDeepText(depth)}`);
    try {
      return JSON.parse(document);
    } catch {
      return fail('the document is not valid JSON');
    }
  }
  const depth = valueDepth(document);
  if (depth > MAX_NESTING_DEPTH) fail(`the document ${tooDeepText(depth, '')}`);
  let size: number;
  try {
    size = JSON.stringify(document)?.length ?? 0;
  } catch {
    return fail('the document cannot be written as JSON');
  }
  if (size > MAX_POLICY_CHARACTERS) fail(`the document has ${size} characters as JSON; at most ${MAX_POLICY_CHARACTERS} are allowed`);
  return document;
}

function compileStatement(
  raw: unknown,
  index: number,
  variables: boolean,
  sids: Set<string>,
  fail: (message: string) => never,
): CompiledStatement {
  if (!isPlainObject(raw)) return fail('a statement must be a JSON object');
  for (const element of Object.keys(raw)) {
    if (element === 'Principal' || element === 'NotPrincipal') {
      fail(`${element} is not allowed in an identity-based policy (the principal is whoever the policy is attached to)`);
    }
    if (!STATEMENT_ELEMENTS.has(element)) {
      fail(`unknown element "${element}" (a statement has Sid, Effect, Action or NotAction, Resource or NotResource, Condition)`);
    }
  }
  let sid: string | undefined;
  if (raw.Sid !== undefined) {
    if (typeof raw.Sid !== 'string' || !/^[A-Za-z0-9]*$/.test(raw.Sid)) fail('Sid must be a string of letters and digits');
    // An empty Sid names nothing: it neither clashes with another nor appears in decisions.
    sid = raw.Sid === '' ? undefined : (raw.Sid as string);
    if (sid !== undefined && sids.has(sid)) fail(`Sid "${sid}" is used by an earlier statement; Sids must be unique in a policy`);
    if (sid !== undefined) sids.add(sid);
  }
  if (raw.Effect !== 'Allow' && raw.Effect !== 'Deny') {
    fail(`Effect must be "Allow" or "Deny", not ${raw.Effect === undefined ? 'missing' : JSON.stringify(raw.Effect)}`);
  }
  const actionList = exactlyOne(raw, 'Action', 'NotAction', fail);
  const actions = compileActions(actionList.entries, actionList.negated);
  if (typeof actions === 'string') return fail(`${actionList.element} ${actions}`);
  const resourceList = exactlyOne(raw, 'Resource', 'NotResource', fail);
  const resources = compileResources(resourceList.entries, resourceList.negated, variables);
  if (typeof resources === 'string') return fail(`${resourceList.element} ${resources}`);
  const conditions = raw.Condition === undefined ? NO_CONDITIONS : compileConditions(raw.Condition, variables, fail);
  return { index, sid, effect: raw.Effect as 'Allow' | 'Deny', actions, resources, conditions };
}

/** The one of `positive` / `negative` the statement has, as a non-empty list of strings. */
function exactlyOne(
  raw: Record<string, unknown>,
  positive: string,
  negative: string,
  fail: (message: string) => never,
): { element: string; negated: boolean; entries: string[] } {
  const has = (e: string) => raw[e] !== undefined;
  if (has(positive) && has(negative)) fail(`a statement has either ${positive} or ${negative}, not both`);
  if (!has(positive) && !has(negative)) fail(`a statement needs ${positive} or ${negative}`);
  const element = has(positive) ? positive : negative;
  const value = raw[element];
  const entries = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(entries) || !entries.every((e) => typeof e === 'string')) {
    return fail(`${element} must be a string or a list of strings`);
  }
  if (entries.length === 0) fail(`${element} lists nothing`);
  if (entries.length > MAX_ELEMENT_ENTRIES) fail(`${element} lists ${entries.length} entries; at most ${MAX_ELEMENT_ENTRIES} are allowed`);
  return { element, negated: element === negative, entries: entries as string[] };
}
