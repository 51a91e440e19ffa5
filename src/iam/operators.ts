// The table of IAM's base condition operators (StringEquals, NumericLessThan, IpAddress, ArnLike, …) by their exact
// names; the families live in text-operators.ts and typed-operators.ts. Set qualifiers (ForAnyValue:/ForAllValues:),
// `…IfExists`, missing keys and Null are the business of conditions.ts.
//
// A negated operator (StringNotEquals, NotIpAddress, …) is its positive twin with `negated` set: it holds for a request
// value when none of the policy values match it, IAM's "NOR" over the values; a comparison that cannot be decided
// (operator-kit.ts) holds for neither the operator nor its negation.
import type { BaseOperator } from './operator-kit.js';
import { arnOperator, stringOperator } from './text-operators.js';
import { binaryEquals, boolOperator, dateOf, DATE, ipOperator, NUMBER, numberOf, orderedOperator, type Comparison } from './typed-operators.js';

export type { BaseOperator, KeyMatcher, PolicyConditionValue } from './operator-kit.js';

const ORDERED: Array<[suffix: string, how: Comparison]> = [
  ['LessThan', 'lt'],
  ['LessThanEquals', 'le'],
  ['GreaterThan', 'gt'],
  ['GreaterThanEquals', 'ge'],
];

/** Every base operator but Null, by its exact name. */
export const BASE_OPERATORS: ReadonlyMap<string, BaseOperator> = new Map(
  [
    stringOperator('StringEquals', false, 'equals'),
    stringOperator('StringNotEquals', true, 'equals'),
    stringOperator('StringEqualsIgnoreCase', false, 'equalsIgnoreCase'),
    stringOperator('StringNotEqualsIgnoreCase', true, 'equalsIgnoreCase'),
    stringOperator('StringLike', false, 'like'),
    stringOperator('StringNotLike', true, 'like'),
    orderedOperator('NumericEquals', false, 'eq', numberOf, NUMBER),
    orderedOperator('NumericNotEquals', true, 'eq', numberOf, NUMBER),
    ...ORDERED.map(([suffix, how]) => orderedOperator(`Numeric${suffix}`, false, how, numberOf, NUMBER)),
    orderedOperator('DateEquals', false, 'eq', dateOf, DATE),
    orderedOperator('DateNotEquals', true, 'eq', dateOf, DATE),
    ...ORDERED.map(([suffix, how]) => orderedOperator(`Date${suffix}`, false, how, dateOf, DATE)),
    boolOperator,
    binaryEquals,
    ipOperator('IpAddress', false),
    ipOperator('NotIpAddress', true),
    arnOperator('ArnEquals', false),
    arnOperator('ArnLike', false),
    arnOperator('ArnNotEquals', true),
    arnOperator('ArnNotLike', true),
  ].map((op) => [op.name, op]),
);
