// The dynamic group query parser's limits (docs/dynamic-group-queries.md), without a server: every limit just at and
// just past its value, messages that name the limit and what was found, inputs that used to overflow the stack, and
// stored queries, which keep evaluating under the structural limits only.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_LEADING_WILDCARD_QUERY_LENGTH,
  MAX_QUERY_DEPTH,
  MAX_QUERY_LENGTH,
  MAX_QUERY_TERMS,
  evaluateQuery,
  parseQuery,
  parseStoredQuery,
  type QueryableThing,
} from '../src/registry/dynamic-query.js';
import { ApiError } from '../src/kernel/errors.js';

const thing = (thingName: string, attributes: Record<string, string> = {}): QueryableThing => ({
  thingName,
  thingId: 'id',
  thingGroupNames: [],
  attributes,
});

function rejects(query: string, message: RegExp): void {
  assert.throws(
    () => parseQuery(query),
    (err: unknown) => {
      assert.ok(err instanceof ApiError, String(err));
      assert.equal(err.code, 'InvalidQueryException');
      assert.match(err.message, message);
      return true;
    },
  );
}

/** `thingName:` padded with `a`s to exactly `length` characters. */
const ofLength = (length: number, prefix = 'thingName:') => prefix + 'a'.repeat(length - prefix.length);
const parens = (depth: number) => `${'('.repeat(depth)}thingName:a${')'.repeat(depth)}`;
const nots = (count: number) => `${'NOT '.repeat(count)}thingName:a`;
const terms = (count: number) => Array.from({ length: count }, (_, i) => `attributes.a${i}:v`).join(' OR ');

describe('dynamic group query limits', () => {
  test('the limits have the documented values', () => {
    assert.equal(MAX_QUERY_LENGTH, 1024);
    assert.equal(MAX_QUERY_DEPTH, 24);
    assert.equal(MAX_QUERY_TERMS, 12);
    assert.equal(MAX_LEADING_WILDCARD_QUERY_LENGTH, 100);
  });

  test('length: 1,024 characters are accepted, 1,025 are not; an astral character counts once', () => {
    parseQuery(ofLength(1024));
    rejects(ofLength(1025), /1025 characters long; .* at most 1024 characters/);
    const emoji = '\u{1F600}';
    const astral = `thingName:${emoji.repeat(1014)}`;
    assert.equal(astral.length, 10 + 2028);
    assert.ok(evaluateQuery(parseQuery(astral), thing(emoji.repeat(1014))));
  });

  test('inputs that overflowed the stack are refused by the length limit, with the length found', () => {
    rejects(parens(5000), /10011 characters long; .* at most 1024 characters/);
    rejects(nots(20000), /80011 characters long; .* at most 1024 characters/);
  });

  test('nesting: 24 levels of parentheses or NOT are accepted, 25 are not', () => {
    assert.ok(evaluateQuery(parseQuery(parens(24)), thing('a')));
    rejects(parens(25), /nests parentheses and NOT operators 25 levels deep; .* at most 24 levels/);
    assert.ok(evaluateQuery(parseQuery(nots(24)), thing('a')));
    assert.ok(!evaluateQuery(parseQuery(nots(23)), thing('a')));
    rejects(nots(25), /25 levels deep/);
    // Levels add up across NOT and parentheses: NOT ( NOT ( … ) ).
    parseQuery(`${'NOT ('.repeat(12)}thingName:a${')'.repeat(12)}`);
    rejects(`${'NOT ('.repeat(12)}NOT thingName:a${')'.repeat(12)}`, /25 levels deep/);
    // The message reports the whole depth, not where the parser stopped.
    rejects(nots(200), /200 levels deep/);
    rejects(parens(300), /300 levels deep/);
  });

  test('the deepest 12-term query without redundancy fits', () => {
    let q = 'NOT thingName:t12';
    for (let i = 11; i >= 1; i--) q = `NOT (thingName:t${i} OR ${q})`;
    parseQuery(q);
  });

  test('siblings do not add up: a NOT or group ends with its operand', () => {
    const wide = Array.from({ length: 12 }, (_, i) => `NOT (NOT thingName:x${i})`).join(' AND ');
    parseQuery(wide);
  });

  test('terms: 12 are accepted, 13 are not', () => {
    const twelve = parseQuery(terms(12));
    assert.ok(evaluateQuery(twelve, thing('x', { a11: 'v' })));
    rejects(terms(13), /13 terms; a query may have at most 12 terms/);
  });

  test('leading wildcards: one term per query, and then at most 100 characters', () => {
    parseQuery('thingName:*my AND attributes.x:abc*');
    parseQuery('thingName:?my');
    rejects('thingName:*my AND thingGroupNames:*echo', /2 terms with a leading wildcard \(thingName:\*my, thingGroupNames:\*echo\); at most 1/);
    rejects('thingName:?a OR thingName:*b OR thingName:c', /2 terms with a leading wildcard/);
    // A lone `*` ("the field is present") and a quoted `*` are not leading wildcards.
    parseQuery('attributes.a:* AND attributes.b:* AND thingName:*x AND attributes.c:"*y"');
    const hundred = ofLength(100, 'thingName:*');
    assert.equal(hundred.length, 100);
    parseQuery(hundred);
    rejects(ofLength(101, 'thingName:*'), /101 characters long and has a leading wildcard \(thingName:\*a{29}…\); .* at most 100 characters/);
    // Without a leading wildcard the general limit applies.
    parseQuery(ofLength(101, 'thingName:a*'));
  });

  test('stored queries: only the structural limits apply; a query past them matches nothing', () => {
    // Accepted by older versions, refused today for new queries, still evaluated exactly as before.
    const thirteen = parseStoredQuery(terms(13));
    assert.ok(thirteen && evaluateQuery(thirteen, thing('x', { a12: 'v' })));
    const twoLeading = parseStoredQuery('thingName:*my OR thingGroupNames:*echo');
    assert.ok(twoLeading && evaluateQuery(twoLeading, { ...thing('x'), thingGroupNames: ['the-echo'] }));
    const longLeading = parseStoredQuery(ofLength(300, 'thingName:*'));
    assert.ok(longLeading && evaluateQuery(longLeading, thing('a'.repeat(289))));
    // Past the structural limits, or not parseable at all: undefined, never a throw.
    assert.equal(parseStoredQuery(parens(5000)), undefined);
    assert.equal(parseStoredQuery(nots(20000)), undefined);
    assert.equal(parseStoredQuery(nots(200)), undefined);
    assert.equal(parseStoredQuery(ofLength(1025)), undefined);
    assert.equal(parseStoredQuery('(thingName:a'), undefined);
    assert.equal(parseStoredQuery(''), undefined);
  });
});
