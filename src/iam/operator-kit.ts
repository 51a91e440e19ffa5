// What every IAM condition operator module shares: the shape of a compiled operator, and the helpers that compile a
// key's list of policy values and combine their answers. A comparison answers true, false or undefined — "cannot be
// decided", for a policy value whose variable cannot be resolved or a request value of the wrong type — and
// conditions.ts turns those answers into the operator's result.
import type { ContextScalar, RequestContext } from './context.js';
import { parseTemplate, type Template } from './variables.js';

/** A value as a policy may write it in a condition. */
export type PolicyConditionValue = string | number | boolean;

/** The compiled values of one key: converts a request value once, then compares it with all of them. */
export interface KeyMatcher {
  /** The request value in the operator's type, or undefined when it has another type. */
  convert(value: ContextScalar): unknown;
  /** Whether some policy value matches (true), none does (false), or it cannot be decided (undefined). */
  anyMatch(converted: unknown, context: RequestContext): boolean | undefined;
}

export interface BaseOperator {
  /** The operator's name as IAM spells it. */
  readonly name: string;
  readonly negated: boolean;
  /** Compiles the values listed for one key, or returns what is wrong with one of them. */
  compile(values: readonly PolicyConditionValue[], variables: boolean): KeyMatcher | string;
}

/** One compiled policy value: compares with a converted request value. */
export type ValueTest<T> = (value: T, context: RequestContext) => boolean | undefined;

/** Compiles each value with `one`, and answers true when any matches, undefined when none does but one could not tell. */
export function eachValue<I, T>(
  values: readonly I[],
  one: (value: I) => ValueTest<T> | string,
  convert: (value: ContextScalar) => T | undefined,
): KeyMatcher | string {
  const tests: ValueTest<T>[] = [];
  for (const v of values) {
    const test = one(v);
    if (typeof test === 'string') return test;
    tests.push(test);
  }
  return { convert, anyMatch: (converted, context) => anyOf(tests, converted as T, context) };
}

function anyOf<T>(tests: readonly ValueTest<T>[], value: T, context: RequestContext): boolean | undefined {
  let undecided = false;
  for (const test of tests) {
    const r = test(value, context);
    if (r === true) return true;
    if (r === undefined) undecided = true;
  }
  return undecided ? undefined : false;
}

export const show = (value: PolicyConditionValue) => JSON.stringify(value);

export function templateOf(value: PolicyConditionValue, variables: boolean): Template | string {
  const parsed = parseTemplate(String(value), variables);
  return typeof parsed === 'string' ? `value ${show(value)} ${parsed}` : parsed;
}
