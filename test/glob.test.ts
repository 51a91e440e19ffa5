// The linear-time wildcard matcher (src/kernel/glob.ts) and its three users: dynamic group query terms, policy action
// patterns and policy resource paths. Property tests compare each against a memoised dynamic-programming reference
// and against the RegExp construction each user had before (safe here: the inputs are tiny), so the semantics are
// unchanged; step-count tests show that the patterns that made those RegExps backtrack for minutes cost a few
// thousand steps. Work is counted, never timed.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Glob, simpleGlobTokens, type GlobOptions, type GlobToken } from '../src/kernel/glob.js';
import { evaluateQuery, parseQuery, parseStoredQuery, type QueryableThing, type QueryNode } from '../src/registry/dynamic-query.js';
import { actionMatches, isDeviceBoundVariable, resourcePathMatches } from '../src/audit/analysis/policy-analyser.js';

// ---------------------------------------------------------------------------------------------------------------
// The reference: a memoised DP over explicit character lists

type RefState = { kind: 'char'; ch: string } | { kind: 'one' } | { kind: 'notSlash' } | { kind: 'run' } | { kind: 'runNotSlash' };

/** Splits a string into characters: code points or UTF-16 code units. */
const split = (s: string, unit: GlobOptions['unit']) => (unit === 'codePoint' ? [...s] : s.split(''));

function refStates(tokens: readonly GlobToken[], unit: GlobOptions['unit']): RefState[] {
  return tokens.flatMap((t): RefState[] => {
    switch (t.kind) {
      case 'literal':
        return split(t.text, unit).map((ch) => ({ kind: 'char', ch }));
      case 'one':
        return [{ kind: 'one' }];
      case 'run':
        return [{ kind: 'run' }];
      case 'segment':
        return [{ kind: 'notSlash' }, { kind: 'runNotSlash' }];
    }
  });
}

/** Does `states[i..]` match `chars[j..]`? Memoised on (i, j), so small inputs stay cheap whatever the pattern. */
function referenceMatch(states: RefState[], chars: string[], eq: (a: string, b: string) => boolean): boolean {
  const memo = new Map<number, boolean>();
  const m = (i: number, j: number): boolean => {
    const key = i * (chars.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let r: boolean;
    const s = states[i];
    const c = chars[j];
    if (s === undefined) r = j === chars.length;
    else if (s.kind === 'run') r = m(i + 1, j) || (c !== undefined && m(i, j + 1));
    else if (s.kind === 'runNotSlash') r = m(i + 1, j) || (c !== undefined && c !== '/' && m(i, j + 1));
    else if (c === undefined) r = false;
    else if (s.kind === 'char') r = eq(s.ch, c) && m(i + 1, j + 1);
    else if (s.kind === 'notSlash') r = c !== '/' && m(i + 1, j + 1);
    else r = m(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return m(0, 0);
}

const same = (a: string, b: string) => a === b;
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** Case-insensitive equality of two code units exactly as a RegExp with `i` and without `u` decides it. */
const sameIgnoringCase = (a: string, b: string) => new RegExp(`^${escapeRegex(a)}$`, 'i').test(b);

// ---------------------------------------------------------------------------------------------------------------
// The RegExp constructions the three users had before (the oracle for "same semantics as before")

/** Dynamic group term: `*` → `[^]*`, `?` → `[^]`, with the `u` flag (characters are code points). */
function legacyQueryRegex(pattern: string): RegExp {
  const body = [...pattern].map((c) => (c === '*' ? '[^]*' : c === '?' ? '[^]' : escapeRegex(c))).join('');
  return new RegExp(`^${body}$`, 'u');
}
/** Policy action: case-insensitive, `*` → `.*`, `?` → `.`, flags `is` (characters are code units). */
function legacyActionRegex(pattern: string): RegExp {
  const body = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : escapeRegex(c))).join('');
  return new RegExp(`^${body}$`, 'is');
}
const DEVICE_VARIABLE = '${iot:Connection.Thing.ThingName}';
const OTHER_VARIABLE = '${iot:Connection.Thing.IsAttached}';
/** Policy resource path: device-bound variables → `[^/]+`, other variables and `*` → `.*`, `?` → `.`, flag `s`. */
function legacyResourceRegex(pattern: string): RegExp {
  let body = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const close = c === '$' && pattern[i + 1] === '{' ? pattern.indexOf('}', i) : -1;
    if (close >= 0) {
      body += isDeviceBoundVariable(pattern.slice(i + 2, close)) ? '[^/]+' : '.*';
      i = close;
    } else body += c === '*' ? '.*' : c === '?' ? '.' : escapeRegex(c);
  }
  return new RegExp(`^${body}$`, 's');
}

// ---------------------------------------------------------------------------------------------------------------
// Generators: small alphabets with wildcards, `/`, case pairs, a BMP non-ASCII letter, an astral character and
// lone surrogates (which pair up when two land next to each other)

const EMOJI = '\u{1F600}';
const VALUE_CHARS = ['a', 'b', 'A', '/', 'é', 'É', EMOJI, '\uD83D', '\uDE00', '*', '?'];
const value = fc.array(fc.constantFrom(...VALUE_CHARS), { maxLength: 9 }).map((a) => a.join(''));
const pattern = fc.array(fc.constantFrom(...VALUE_CHARS, '*', '?', '*'), { maxLength: 8 }).map((a) => a.join(''));

const queryTerm = (p: string) => `thingName:${p}`;
const thing = (thingName: string): QueryableThing => ({ thingName, thingId: 'id', thingGroupNames: [], attributes: {} });

describe('glob matcher: same answers as the reference and as the RegExps it replaces', () => {
  test('dynamic group query terms (code points)', () => {
    fc.assert(
      fc.property(pattern.filter((p) => p !== ''), value, (p, v) => {
        const expected = referenceMatch(refStates(simpleGlobTokens(p), 'codePoint'), [...v], same);
        assert.equal(evaluateQuery(parseQuery(queryTerm(p)), thing(v)), expected, `${JSON.stringify(p)} vs ${JSON.stringify(v)}`);
        assert.equal(legacyQueryRegex(p).test(v), expected, `legacy: ${JSON.stringify(p)} vs ${JSON.stringify(v)}`);
      }),
      { numRuns: 3000 },
    );
  });

  test('policy action patterns (code units, case-insensitive like a RegExp with i)', () => {
    fc.assert(
      fc.property(pattern, value, (p, v) => {
        const expected = referenceMatch(refStates(simpleGlobTokens(p), 'codeUnit'), v.split(''), sameIgnoringCase);
        assert.equal(actionMatches(p, v), expected, `${JSON.stringify(p)} vs ${JSON.stringify(v)}`);
        assert.equal(legacyActionRegex(p).test(v), expected, `legacy: ${JSON.stringify(p)} vs ${JSON.stringify(v)}`);
      }),
      { numRuns: 3000 },
    );
  });

  test('policy resource paths (code units; device-bound variables are a non-empty run without /)', () => {
    const piece = fc.constantFrom(...VALUE_CHARS, DEVICE_VARIABLE, OTHER_VARIABLE, '${', '}', '$');
    const resourcePattern = fc.array(piece, { maxLength: 6 }).map((a) => a.join(''));
    fc.assert(
      fc.property(resourcePattern, value, (p, v) => {
        const legacy = legacyResourceRegex(p).test(v);
        assert.equal(resourcePathMatches(p, v), legacy, `${JSON.stringify(p)} vs ${JSON.stringify(v)}`);
      }),
      { numRuns: 3000 },
    );
  });

  test('the automaton itself, on random token lists in both units', () => {
    const token = fc.oneof(
      fc.array(fc.constantFrom('a', 'b', '/', EMOJI, '\uD83D'), { minLength: 1, maxLength: 3 }).map((a): GlobToken => ({ kind: 'literal', text: a.join('') })),
      fc.constantFrom<GlobToken>({ kind: 'one' }, { kind: 'run' }, { kind: 'segment' }),
    );
    const chars = fc.array(fc.constantFrom('a', 'b', '/', EMOJI, '\uD83D', '\uDE00'), { maxLength: 10 }).map((a) => a.join(''));
    fc.assert(
      fc.property(fc.array(token, { maxLength: 6 }), chars, fc.constantFrom<GlobOptions['unit']>('codePoint', 'codeUnit'), (tokens, v, unit) => {
        const expected = referenceMatch(refStates(tokens, unit), split(v, unit), same);
        assert.equal(new Glob(tokens, { unit }).matches(v), expected, `${JSON.stringify(tokens)} vs ${JSON.stringify(v)} (${unit})`);
      }),
      { numRuns: 3000 },
    );
  });

  test('every prefix at once: matchesPrefixes agrees with one match per prefix', () => {
    const token = fc.oneof(
      fc.constantFrom<GlobToken>({ kind: 'literal', text: 'a' }, { kind: 'literal', text: 'a/' }, { kind: 'literal', text: '#' }),
      fc.constantFrom<GlobToken>({ kind: 'one' }, { kind: 'run' }, { kind: 'segment' }),
    );
    const chars = fc.array(fc.constantFrom('a', 'b', '/'), { maxLength: 10 }).map((a) => a.join(''));
    fc.assert(
      fc.property(fc.array(token, { maxLength: 6 }), chars, fc.constantFrom('', '#', 'a#', 'b'), (tokens, v, suffix) => {
        const cuts = [0, ...[...v].flatMap((ch, i) => (ch === '/' ? [i + 1] : [])), v.length].filter((c, i, all) => all.indexOf(c) === i);
        const glob = new Glob(tokens, { unit: 'codeUnit' });
        const expected = cuts.map((cut) => referenceMatch(refStates(tokens, 'codeUnit'), split(v.slice(0, cut) + suffix, 'codeUnit'), same));
        assert.deepEqual(glob.matchesPrefixes(v, cuts, suffix), expected, `${JSON.stringify(tokens)} vs ${JSON.stringify(v)} + ${suffix}`);
        // Interleaved with whole matches, the reused scratch space never leaks from one call into the next.
        assert.equal(glob.matches(v), referenceMatch(refStates(tokens, 'codeUnit'), split(v, 'codeUnit'), same));
      }),
      { numRuns: 3000 },
    );
  });

  test('fixed cases: empty pattern, astral characters, case rules of the i flag', () => {
    assert.ok(new Glob([], { unit: 'codePoint' }).matches(''));
    assert.ok(!new Glob([], { unit: 'codePoint' }).matches('a'));
    // An emoji is one character in query terms, two in policies (as before).
    assert.ok(evaluateQuery(parseQuery('thingName:x?y'), thing(`x${EMOJI}y`)));
    assert.ok(!evaluateQuery(parseQuery('thingName:x??y'), thing(`x${EMOJI}y`)));
    assert.ok(resourcePathMatches('x??y', `x${EMOJI}y`));
    assert.ok(!resourcePathMatches('x?y', `x${EMOJI}y`));
    assert.ok(actionMatches('IOT:CONNECT', 'iot:connect'));
    assert.ok(actionMatches('É', 'é'));
    // Non-ASCII letters whose upper case is ASCII do not match it; ß has no single-letter upper case.
    assert.ok(!actionMatches('s', '\u017F'));
    assert.ok(!actionMatches('SS', 'ß'));
    assert.ok(!actionMatches('k', '\u212A'));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Work bounds

describe('glob matcher: the work is bounded by value length × pattern states', () => {
  const A128 = 'a'.repeat(128);
  const BUDGET = 1_000_000;

  test('a 12-wildcard query term against a 128-character name', () => {
    const query = parseQuery('thingName:*a*a*a*a*a*a*a*a*a*a*a*a*b');
    const counter = { steps: 0 };
    assert.equal(evaluateQuery(query, thing(A128), counter), false);
    assert.ok(counter.steps <= 128 * 26, `${counter.steps} steps`);
    const member = { steps: 0 };
    assert.equal(evaluateQuery(query, thing(`${'a'.repeat(127)}b`), member), true);
    console.log(`query *a…*b (12 wildcards), 128 chars: ${counter.steps} steps (no match), ${member.steps} steps (match)`);
  });

  test('the longest pattern a dynamic group query allows (1,024 characters) against a 128-character name', () => {
    // New queries with a leading wildcard stop at 100 characters; a stored one from an older version may not.
    const queries: Array<[string, QueryNode | undefined]> = [
      ['new query a*?*?…*b', parseQuery(`thingName:a${'*?'.repeat(506)}b`)],
      ['stored query *?*?…*b', parseStoredQuery(`thingName:${'*?'.repeat(506)}*b`)],
    ];
    for (const [name, query] of queries) {
      const counter = { steps: 0 };
      assert.equal(evaluateQuery(query!, thing(A128), counter), false);
      assert.ok(counter.steps < BUDGET / 10, `${name}: ${counter.steps} steps`);
      console.log(`${name} (1,024 characters), 128 chars: ${counter.steps} steps`);
    }
  });

  test('policy action and resource patterns as long as a policy document allows (2,048 characters)', () => {
    const cases: Array<[string, (counter: { steps: number }) => boolean]> = [
      // Twelve wildcards were enough to make the RegExps run for minutes.
      ['action *a…*b (12 wildcards)', (c) => actionMatches(`${'*a'.repeat(12)}*b`, A128, c)],
      ['resource *a…*b (12 wildcards)', (c) => resourcePathMatches(`${'*a'.repeat(12)}*b`, A128, c)],
      ['resource ${ThingName}a…b (12 variables)', (c) => resourcePathMatches(`${`${DEVICE_VARIABLE}a`.repeat(12)}b`, A128, c)],
      ['action *a*a…*b', (c) => actionMatches(`${'*a'.repeat(1000)}*b`, A128, c)],
      ['resource *a*a…*b', (c) => resourcePathMatches(`${'*a'.repeat(1000)}*b`, A128, c)],
      ['resource *?*?…*b', (c) => resourcePathMatches(`${'*?'.repeat(1000)}*b`, A128, c)],
      ['resource ${ThingName}a…b', (c) => resourcePathMatches(`${`${DEVICE_VARIABLE}a`.repeat(58)}b`, A128, c)],
      ['resource ${ClientId}/*…', (c) => resourcePathMatches(`${'${iot:ClientId}/*'.repeat(100)}b`, 'a/'.repeat(64), c)],
    ];
    for (const [name, run] of cases) {
      const counter = { steps: 0 };
      assert.equal(run(counter), false, name);
      assert.ok(counter.steps < BUDGET, `${name}: ${counter.steps} steps`);
      console.log(`${name}, 128 chars: ${counter.steps} steps`);
    }
  });

  test('the step count never exceeds value length × states, whatever the input', () => {
    const token = fc.constantFrom<GlobToken>({ kind: 'literal', text: 'a' }, { kind: 'literal', text: 'ab' }, { kind: 'one' }, { kind: 'run' }, { kind: 'segment' });
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), fc.stringMatching(/^[ab/]{0,60}$/), (tokens, v) => {
        const glob = new Glob(tokens, { unit: 'codeUnit' });
        const counter = { steps: 0 };
        glob.matches(v, counter);
        return counter.steps <= v.length * glob.states;
      }),
    );
  });
});
