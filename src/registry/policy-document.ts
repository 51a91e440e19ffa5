// IoT policy document rules (docs/decisions.md#r13). Every document CreatePolicy or CreatePolicyVersion stores
// passes here first, so the audit analyser can rely on this shape for every stored version. Validation only reads
// the document: callers store the text exactly as sent.
import { modeledError } from '../model/modeled-error.js';

export const MAX_POLICY_DOCUMENT_CHARS = 2048;

const VERSIONS = ['2012-10-17', '2008-10-17'];
const EFFECTS = ['Allow', 'Deny'];
const TOP_LEVEL_KEYS = new Set(['Version', 'Statement']);
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
// `iot:Connect`, `iot:*`, `iot:Get*`, `greengrass:?et*`: a service prefix, a colon, and a wildcard name pattern.
const ACTION_PATTERN = /^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/;

export const malformed = (message: string) => modeledError('MalformedPolicyException', `Policy document is malformed: ${message}`);

/** Characters the size limit counts: everything except whitespace, in Unicode code points. */
export function countedLength(document: string): number {
  let n = 0;
  for (const ch of document) if (!/\s/u.test(ch)) n++;
  return n;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `the ${typeof v} ${JSON.stringify(v)}`);

/** A string, or a non-empty array of strings, each accepted by `check` (which returns a problem or undefined). */
function checkStringOrList(where: string, value: unknown, check: (s: string) => string | undefined): void {
  const items = Array.isArray(value) ? value : [value];
  if (Array.isArray(value) && value.length === 0) throw malformed(`${where} must not be an empty array`);
  items.forEach((item, i) => {
    const at = Array.isArray(value) ? `${where}[${i}]` : where;
    if (typeof item !== 'string') throw malformed(`${at} must be a string, not ${describe(item)}`);
    const problem = check(item);
    if (problem) throw malformed(`${at} ${problem}`);
  });
}

const checkAction = (a: string) =>
  a === '*' || ACTION_PATTERN.test(a) ? undefined : `"${a}" is not "*" or <service>:<action pattern> (letters, digits, * and ?)`;

// Policy variables such as ${iot:ClientId} need no special handling: they may only appear after the "arn:" prefix.
const checkResource = (r: string) => (r === '*' || r.startsWith('arn:') ? undefined : `"${r}" is not "*" or an ARN starting with arn:`);

function isConditionScalar(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function checkCondition(where: string, condition: unknown): void {
  if (!isPlainObject(condition)) throw malformed(`${where} must be an object of condition operators, not ${describe(condition)}`);
  for (const [operator, keys] of Object.entries(condition)) {
    if (!isPlainObject(keys)) throw malformed(`${where}.${operator} must be an object of condition keys, not ${describe(keys)}`);
    for (const [key, value] of Object.entries(keys)) {
      const ok = Array.isArray(value) ? value.every(isConditionScalar) : isConditionScalar(value);
      if (!ok) throw malformed(`${where}.${operator}.${key} must be a string, number, boolean or an array of those`);
    }
  }
}

/** Exactly one of two alternative keys, e.g. Action / NotAction. */
function oneOf(where: string, statement: Record<string, unknown>, a: string, b: string): [string, unknown] {
  const hasA = Object.hasOwn(statement, a);
  const hasB = Object.hasOwn(statement, b);
  if (hasA && hasB) throw malformed(`${where} has both ${a} and ${b}; exactly one is allowed`);
  if (!hasA && !hasB) throw malformed(`${where} needs ${a} or ${b}`);
  return hasA ? [a, statement[a]] : [b, statement[b]];
}

function checkStatement(index: number, statement: unknown): void {
  const where = `Statement[${index}]`;
  if (!isPlainObject(statement)) throw malformed(`${where} must be an object, not ${describe(statement)}`);
  for (const key of Object.keys(statement))
    if (!STATEMENT_KEYS.has(key)) throw malformed(`${where} has the unsupported key "${key}"`);
  if (!Object.hasOwn(statement, 'Effect')) throw malformed(`${where} needs Effect`);
  if (typeof statement.Effect !== 'string' || !EFFECTS.includes(statement.Effect))
    throw malformed(`${where}.Effect must be "Allow" or "Deny", not ${describe(statement.Effect)}`);
  const [actionKey, action] = oneOf(where, statement, 'Action', 'NotAction');
  checkStringOrList(`${where}.${actionKey}`, action, checkAction);
  const [resourceKey, resource] = oneOf(where, statement, 'Resource', 'NotResource');
  checkStringOrList(`${where}.${resourceKey}`, resource, checkResource);
  if (Object.hasOwn(statement, 'Condition')) checkCondition(`${where}.Condition`, statement.Condition);
  if (Object.hasOwn(statement, 'Sid') && typeof statement.Sid !== 'string') throw malformed(`${where}.Sid must be a string, not ${describe(statement.Sid)}`);
}

/** Throws MalformedPolicyException naming the first rule the document breaks. */
export function validatePolicyDocument(document: string): void {
  const length = countedLength(document);
  if (length === 0) throw malformed('the document is empty');
  if (length > MAX_POLICY_DOCUMENT_CHARS)
    throw malformed(`the document has ${length} characters not counting whitespace; at most ${MAX_POLICY_DOCUMENT_CHARS} are allowed`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    throw malformed('the document is not valid JSON');
  }
  if (!isPlainObject(parsed)) throw malformed(`the document must be a JSON object, not ${describe(parsed)}`);
  for (const key of Object.keys(parsed))
    if (!TOP_LEVEL_KEYS.has(key)) throw malformed(`the document has the unsupported top-level key "${key}"`);
  if (Object.hasOwn(parsed, 'Version') && (typeof parsed.Version !== 'string' || !VERSIONS.includes(parsed.Version)))
    throw malformed(`Version must be one of ${VERSIONS.join(', ')}, not ${describe(parsed.Version)}`);
  if (!Object.hasOwn(parsed, 'Statement')) throw malformed('the document needs a Statement');
  const statements = parsed.Statement;
  if (Array.isArray(statements)) {
    if (statements.length === 0) throw malformed('Statement must not be an empty array');
    statements.forEach((s, i) => checkStatement(i, s));
  } else if (isPlainObject(statements)) {
    checkStatement(0, statements);
  } else {
    throw malformed(`Statement must be an object or an array of objects, not ${describe(statements)}`);
  }
}
