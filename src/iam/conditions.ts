// The Condition element of an IAM statement: operator names with their `ForAnyValue:` / `ForAllValues:` qualifiers
// and `…IfExists` suffix, the Null operator, and how a block answers for a request. The comparisons themselves are in
// operators.ts.
//
// Logic, as IAM documents it: all operators of a block must hold, and all keys of an operator (AND); the values of one
// key are alternatives (OR — for a negated operator, NOR). A key missing from the request makes a positive operator
// false and a negated one true; `…IfExists` makes it true; ForAllValues holds for a missing key or an empty set and
// ForAnyValue does not. Null tests presence only. Choices where IAM says nothing are in docs/iam.md.
import type { RequestContext } from './context.js';
import { BASE_OPERATORS, type BaseOperator, type KeyMatcher, type PolicyConditionValue } from './operators.js';

/** The most values one condition key may list, and the most keys one operator may hold (see docs/iam.md#limits). */
export const MAX_CONDITION_VALUES = 1000;

type SetQualifier = 'ForAnyValue' | 'ForAllValues';

/** One key of one operator, compiled. */
interface KeyTest {
  readonly key: string;
  readonly qualifier: SetQualifier | undefined;
  readonly ifExists: boolean;
  readonly negated: boolean;
  readonly matcher: KeyMatcher;
}

/** A Null test of one key: holds when the key's presence is what one of the listed values says. */
interface NullTest {
  readonly key: string;
  readonly acceptsMissing: boolean;
  readonly acceptsPresent: boolean;
}

/** A compiled Condition block. */
export interface CompiledConditions {
  readonly keyTests: readonly KeyTest[];
  readonly nullTests: readonly NullTest[];
}

export const NO_CONDITIONS: CompiledConditions = { keyTests: [], nullTests: [] };

interface OperatorName {
  qualifier: SetQualifier | undefined;
  base: BaseOperator | 'Null';
  ifExists: boolean;
}

const QUALIFIERS: SetQualifier[] = ['ForAnyValue', 'ForAllValues'];
const IF_EXISTS = 'IfExists';

/** Splits an operator name into its parts, comparing names exactly or, with `fold`, without regard to case. */
function splitOperatorName(name: string, fold: boolean): OperatorName | undefined {
  const same = (a: string, b: string) => (fold ? a.toLowerCase() === b.toLowerCase() : a === b);
  let rest = name;
  let qualifier: SetQualifier | undefined;
  for (const q of QUALIFIERS) {
    if (same(rest.slice(0, q.length + 1), `${q}:`)) {
      qualifier = q;
      rest = rest.slice(q.length + 1);
      break;
    }
  }
  let ifExists = false;
  if (rest.length > IF_EXISTS.length && same(rest.slice(-IF_EXISTS.length), IF_EXISTS)) {
    ifExists = true;
    rest = rest.slice(0, -IF_EXISTS.length);
  }
  if (same(rest, 'Null')) return { qualifier, base: 'Null', ifExists };
  for (const op of BASE_OPERATORS.values()) if (same(rest, op.name)) return { qualifier, base: op, ifExists };
  return undefined;
}

function spell(op: OperatorName): string {
  return `${op.qualifier ? `${op.qualifier}:` : ''}${op.base === 'Null' ? 'Null' : op.base.name}${op.ifExists ? IF_EXISTS : ''}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The values listed for one key: one scalar or a non-empty list of scalars. */
function conditionValues(raw: unknown, where: string, fail: (message: string) => never): PolicyConditionValue[] {
  const isScalar = (v: unknown): v is PolicyConditionValue => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  if (isScalar(raw)) return [raw];
  if (!Array.isArray(raw)) return fail(`${where} must be a string, number, boolean or a list of them`);
  if (raw.length === 0) return fail(`${where} lists no values`);
  if (raw.length > MAX_CONDITION_VALUES) return fail(`${where} lists ${raw.length} values; at most ${MAX_CONDITION_VALUES} are allowed`);
  if (!raw.every(isScalar)) return fail(`${where} must list only strings, numbers and booleans`);
  return raw;
}

/**
 * Compiles a Condition element. `variables` says whether policy variables are recognised (language 2012-10-17);
 * `fail` throws with the message prefixed by where the statement is.
 */
export function compileConditions(raw: unknown, variables: boolean, fail: (message: string) => never): CompiledConditions {
  if (!isPlainObject(raw)) return fail('Condition must be an object of condition operators');
  const keyTests: KeyTest[] = [];
  const nullTests: NullTest[] = [];
  for (const [operatorName, body] of Object.entries(raw)) {
    const op = splitOperatorName(operatorName, false);
    if (!op) {
      const near = splitOperatorName(operatorName, true);
      return fail(`Condition operator "${operatorName}" is not an IAM condition operator${near ? ` (did you mean "${spell(near)}"?)` : ''}`);
    }
    if (op.base === 'Null' && (op.qualifier || op.ifExists)) {
      return fail(`Condition operator "${operatorName}" is not allowed: Null takes neither IfExists nor ForAnyValue/ForAllValues`);
    }
    if (!isPlainObject(body)) return fail(`Condition operator ${operatorName} must be an object of condition keys`);
    const entries = Object.entries(body);
    if (entries.length === 0) return fail(`Condition operator ${operatorName} has no condition keys`);
    if (entries.length > MAX_CONDITION_VALUES) {
      return fail(`Condition operator ${operatorName} has ${entries.length} keys; at most ${MAX_CONDITION_VALUES} are allowed`);
    }
    for (const [key, rawValues] of entries) {
      const where = `Condition ${operatorName} key "${key}"`;
      if (key.trim() === '') return fail(`Condition operator ${operatorName} has an empty condition key`);
      const values = conditionValues(rawValues, where, fail);
      const lowerKey = key.toLowerCase();
      if (op.base === 'Null') {
        const wanted = values.map((v) => (typeof v === 'boolean' ? v : typeof v === 'string' ? v.toLowerCase() : undefined));
        if (!wanted.every((w) => w === true || w === false || w === 'true' || w === 'false')) {
          return fail(`${where}: Null takes only true or false`);
        }
        const truth = wanted.map((w) => w === true || w === 'true');
        nullTests.push({ key: lowerKey, acceptsMissing: truth.includes(true), acceptsPresent: truth.includes(false) });
        continue;
      }
      const matcher = op.base.compile(values, variables);
      if (typeof matcher === 'string') return fail(`${where}: ${matcher}`);
      keyTests.push({ key: lowerKey, qualifier: op.qualifier, ifExists: op.ifExists, negated: op.base.negated, matcher });
    }
  }
  return { keyTests, nullTests };
}

/** Whether every operator of the block holds for the request. */
export function conditionsHold(conditions: CompiledConditions, context: RequestContext): boolean {
  for (const t of conditions.nullTests) {
    if (!(context.get(t.key) === undefined ? t.acceptsMissing : t.acceptsPresent)) return false;
  }
  for (const t of conditions.keyTests) if (!keyHolds(t, context)) return false;
  return true;
}

function keyHolds(t: KeyTest, context: RequestContext): boolean {
  const values = context.get(t.key);
  if (values === undefined) {
    if (t.ifExists || t.qualifier === 'ForAllValues') return true;
    return t.qualifier === 'ForAnyValue' ? false : t.negated;
  }
  // For one request value: a positive operator needs a matching policy value, a negated one needs every policy value
  // to have been compared and none to match. Undecidable comparisons satisfy neither.
  const holdsFor = (value: (typeof values)[number]): boolean => {
    const converted = t.matcher.convert(value);
    const any = converted === undefined ? undefined : t.matcher.anyMatch(converted, context);
    return t.negated ? any === false : any === true;
  };
  if (t.qualifier === 'ForAllValues') return values.every(holdsFor);
  if (t.qualifier === 'ForAnyValue') return values.some(holdsFor);
  // Without a qualifier a multivalued request value is read as IAM reads a positive operator over a set — any value
  // may match — and a negated operator then holds only when no value matches (docs/iam.md).
  return t.negated ? values.every(holdsFor) : values.some(holdsFor);
}
