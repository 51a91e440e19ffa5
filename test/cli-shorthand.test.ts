// The shorthand parser and its model coercion against the recorded aws-cli 2.9.19 vectors and, differentially, against
// the installed aws CLI's own parser (test/tools/awscli_shorthand_oracle.py).
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  parseShorthand,
  ShorthandParseError,
  ShorthandParseSyntaxError,
  DuplicateKeyInObjectError,
  type ShorthandValue,
} from '../src/cli/shorthand.js';
import { coerceShorthand, ShorthandCoercionError } from '../src/cli/coerce.js';
import { MODEL, inputShape, shape as modelShape } from '../src/model/model.js';
import { oracleUnavailableReason, runRawOracle, type OracleRawResult } from './helpers/oracle.js';

// dist/test/cli-shorthand.test.js -> <repo>/test/vectors (a copy of the project's shared vectors, kept in the repo so
// that a clean checkout can run the tests)
const VECTORS = new URL('../../test/vectors/', import.meta.url);

interface ExpectedRecord {
  input: string;
  mode: 'raw' | 'param' | 'argv';
  ok: boolean;
  parsed?: unknown;
  error?: { class: string; message: string };
  route?: string;
  value?: unknown;
  value_absent?: boolean;
}

interface VectorCase {
  fields: string[];
  expected: ExpectedRecord;
}

/** The cases file read as the oracle reads it: one case per non-blank, non-comment line, @json or TAB-separated. */
function loadVectors(): VectorCase[] {
  const lines = readFileSync(new URL('shorthand_cases.txt', VECTORS), 'utf8')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  const records = readFileSync(new URL('shorthand_expected.jsonl', VECTORS), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as ExpectedRecord);
  assert.equal(lines.length, records.length, 'cases and expected records must pair up');
  return lines.map((line, i) => {
    const expected = records[i]!;
    assert.equal(expected.input, line, `record ${i + 1} belongs to another case`);
    const fields = line.startsWith('@json ')
      ? (JSON.parse(line.slice('@json '.length)) as string[])
      : line.includes('\t')
        ? line.split('\t')
        : [line];
    return { fields, expected };
  });
}

/** What the parser produced, or the error as the vectors record it. */
function outcome(value: string): { parsed: ShorthandValue } | { error: { class: string; message: string } } {
  try {
    return { parsed: parseShorthand(value) };
  } catch (err) {
    assert.ok(err instanceof ShorthandParseError, `unexpected ${String(err)}`);
    return { error: { class: err.name, message: err.message } };
  }
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  assert.fail('expected an error');
}

// botocore's xform_name with '-' (enough for the operation and member names of the vectors).
function cliName(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1-$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}

function memberForParam(operationCli: string, paramCli: string): { member: string; shapeName: string } {
  const opName = Object.keys(MODEL.operations).find((n) => cliName(n) === operationCli);
  assert.ok(opName, `no operation ${operationCli}`);
  const members = inputShape(MODEL.operations[opName]).members ?? {};
  const member = Object.keys(members).find((m) => cliName(m) === paramCli);
  assert.ok(member, `no member --${paramCli} in ${opName}`);
  return { member, shapeName: members[member]!.shape };
}

// Raw cases where ddlocal deliberately differs from aws-cli 2.9.19 (docs/decisions.md#c3, #c9).
const RAW_DEVIATIONS: Record<string, { class: string; message: string }> = {
  'a={b=1,b=2}': {
    class: 'DuplicateKeyInObjectError',
    message:
      'Second instance of key "b" encountered for input:\na={b=1,b=2}\n       ^\n' +
      'This is often because there is a preceding "," instead of a space.',
  },
  'a=x,b\\,c=d': {
    class: 'ShorthandParseSyntaxError',
    message: "Expected: ',', received: '=' for input:\na=x,b\\,c=d\n        ^",
  },
};

describe('shorthand: recorded aws-cli 2.9.19 vectors', () => {
  const vectors = loadVectors();

  test('every raw case: same parsed value, or same error class and exact message', () => {
    const raw = vectors.filter((v) => v.expected.mode === 'raw');
    assert.equal(raw.length, 88);
    let deviations = 0;
    for (const { fields, expected } of raw) {
      const value = fields[fields.length - 1]!;
      const deviation = RAW_DEVIATIONS[value];
      const got = outcome(value);
      if (deviation) {
        deviations++;
        assert.equal(expected.ok, true, 'aws accepts the deviation cases silently');
        assert.deepEqual(got, { error: deviation }, JSON.stringify(value));
      } else if (expected.ok) {
        assert.deepEqual(got, { parsed: expected.parsed }, JSON.stringify(value));
      } else {
        assert.deepEqual(got, { error: expected.error }, JSON.stringify(value));
      }
    }
    assert.equal(deviations, Object.keys(RAW_DEVIATIONS).length);
  });

  // Param cases depend on shorthand + coercion only when aws routed the value to the shorthand parser (route
  // "shorthand"): then `parsed` is the parser's result and `value` the coerced member. The other param cases need
  // the whole command pipeline (option parsing, file://, JSON, scalar and list-of-scalars conversion) and are skipped
  // here, counted per route so that none is dropped silently (asserted below):
  //   scalar 30, json 11, list-of-scalars 2, paramfile:scalar 2,
  //   paramfile:shorthand-or-json 3, paramfile:json-or-characters 2  => 50 skipped, 50 checked (of 100).
  test('param cases routed to shorthand: parsed value, coerced member value, or the exact parse error', () => {
    const params = vectors.filter((v) => v.expected.mode === 'param');
    const skipped: Record<string, number> = {};
    let checked = 0;
    for (const { fields, expected } of params) {
      if (expected.route !== 'shorthand') {
        const route = expected.route!.replace(/\(.*\)$/, '');
        skipped[route] = (skipped[route] ?? 0) + 1;
        continue;
      }
      checked++;
      const [spec, ...tokens] = fields;
      const colon = spec!.lastIndexOf(':');
      const operation = colon < 0 ? 'start-audit-mitigation-actions-task' : spec!.slice(0, colon);
      const param = spec!.slice(colon + 1);
      const { member, shapeName } = memberForParam(operation, param);
      const isList = modelShape(shapeName).type === 'list';
      const label = `${expected.input}`;
      if (expected.parsed === null) {
        assert.equal(expected.error?.class, 'ParamError', label);
        const err = errorOf(() => (isList ? tokens.map(parseShorthand) : parseShorthand(tokens[0]!)));
        assert.ok(err instanceof ShorthandParseError, label);
        assert.equal(`Error parsing parameter '--${param}': ${err.message}`, expected.error.message, label);
        continue;
      }
      const parsed: ShorthandValue = isList ? tokens.map(parseShorthand) : parseShorthand(tokens[0]!);
      assert.deepEqual(parsed, expected.parsed, label);
      assert.ok(!expected.value_absent, label);
      assert.deepEqual(coerceShorthand(parsed, shapeName, member), expected.value, label);
    }
    assert.deepEqual(skipped, {
      scalar: 30,
      json: 11,
      'list-of-scalars': 2,
      'paramfile:scalar': 2,
      'paramfile:shorthand-or-json': 3,
      'paramfile:json-or-characters': 2,
    });
    assert.equal(checked, 50);
  });
});

describe('shorthand: parser details', () => {
  test('error classes carry the code-point position and the expected/actual tokens', () => {
    const err = errorOf(() => parseShorthand('k=😀x,=')) as ShorthandParseSyntaxError;
    assert.ok(err instanceof ShorthandParseSyntaxError);
    assert.equal(err.name, 'ShorthandParseSyntaxError');
    assert.equal(err.expected, ',');
    assert.equal(err.actual, '😀');
    assert.equal(err.index, 2);
    assert.equal(err.offset, 2);
    assert.equal(err.message, "Expected: ',', received: '😀' for input:\nk=😀x,=\n  ^");
    // After an astral character the caret column counts code points, as Python does.
    const later = errorOf(() => parseShorthand("k='😀'x")) as ShorthandParseSyntaxError;
    assert.equal(later.index, 5);
    assert.equal(later.offset, 6);
    assert.equal(later.message, "Expected: ',', received: 'x' for input:\nk='😀'x\n     ^");
  });

  test('caret on a middle line keeps the rest of the input after it', () => {
    const err = errorOf(() => parseShorthand('a=b,\nc==d,\ne=f'));
    assert.equal(err.message, "Expected: ',', received: '=' for input:\na=b,\nc==d,\n  ^\ne=f");
  });

  test('duplicate keys inside {…} are an error at the second key [Dec C9 b], reported after syntax errors', () => {
    const err = errorOf(() => parseShorthand('x=1,a={b=1, c=2,  b=3}')) as DuplicateKeyInObjectError;
    assert.ok(err instanceof DuplicateKeyInObjectError);
    assert.equal(err.key, 'b');
    assert.equal(err.ddlocalOnly, true);
    assert.equal(
      err.message,
      'Second instance of key "b" encountered for input:\nx=1,a={b=1, c=2,  b=3}\n                  ^\n' +
        'This is often because there is a preceding "," instead of a space.',
    );
    // Nested hashes and lists are checked too; a syntax error elsewhere still wins, as it would in aws.
    assert.equal(errorOf(() => parseShorthand('a=[{k=1,k=2}]')).name, 'DuplicateKeyInObjectError');
    assert.equal(errorOf(() => parseShorthand('a={k=1,k=2},b=[')).name, 'ShorthandParseSyntaxError');
    // Top-level duplicates are aws's own error, not a ddlocal addition.
    assert.equal((errorOf(() => parseShorthand('a=1,a=2')) as ShorthandParseError).ddlocalOnly, false);
  });

  test('a backtrack onto an escaped comma is reported instead of dropping text [Dec C9 a]', () => {
    const err = errorOf(() => parseShorthand('a=x,y,b\\,c=d')) as ShorthandParseSyntaxError;
    assert.equal(err.ddlocalOnly, true);
    assert.equal(err.message, "Expected: ',', received: '=' for input:\na=x,y,b\\,c=d\n          ^");
    // Escaped commas that are not backtracked onto keep working; a quoted comma backtrack stays aws's error.
    assert.deepEqual(parseShorthand('a=x,b\\,c,d=e'), { a: ['x', 'b,c'], d: 'e' });
    assert.equal((errorOf(() => parseShorthand("a=x,'p\\,q'=r")) as ShorthandParseError).ddlocalOnly, false);
  });

  test('keys such as __proto__ become own properties, never prototypes', () => {
    const parsed = parseShorthand('__proto__=x,b={__proto__=[y]}');
    assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
    assert.deepEqual(Object.keys(parsed), ['__proto__', 'b']);
    assert.equal(JSON.stringify(parsed), '{"__proto__":"x","b":{"__proto__":["y"]}}');
  });

  test('quoted values: backtracking semantics of aws’s regex without its exponential cost', () => {
    // An unclosed quote may still end at a later quote that the greedy reading took as escaped.
    assert.deepEqual(parseShorthand("a='abc\\'"), { a: 'abc\\' });
    assert.deepEqual(parseShorthand("a='x\\\\\\'y'"), { a: "x\\'y" });
    const started = performance.now();
    const err = errorOf(() => parseShorthand(`a='${'\\'.repeat(20000)}`));
    assert.ok(performance.now() - started < 1000, 'linear time on unclosed quotes');
    assert.match(err.message, /^Expected: '<singled quoted>', received: '<none>'/);
  });

  test('absurd nesting is a ShorthandParseError, not a stack overflow', () => {
    const err = errorOf(() => parseShorthand(`a=${'['.repeat(200000)}`));
    assert.ok(err instanceof ShorthandParseError);
    assert.match(err.message, /^Shorthand value is nested too deeply \(at most 64 levels of \[ \] and \{ \}\) for input:\na=\[/);
    // The caret points at the first bracket past the limit (aws would crash with a RecursionError, not report).
    assert.equal(err.index, 2 + 64);
    assert.equal(err.ddlocalOnly, true);
  });

  test('64 levels of [ ] and { } parse; the 65th is refused before it is descended into', () => {
    const nest = (n: number) => `a=${'{b='.repeat(n - 1)}[x]${'}'.repeat(n - 1)}`;
    let value: unknown = parseShorthand(nest(64)).a;
    let depth = 0;
    for (; typeof value === 'object'; depth++) value = Array.isArray(value) ? value[0] : (value as Record<string, unknown>).b;
    assert.equal(depth, 64);
    assert.equal(value, 'x');
    const err = errorOf(() => parseShorthand(nest(65)));
    assert.ok(err instanceof ShorthandParseError);
    assert.equal(err.index, 2 + 3 * 64);
  });

  test('Python whitespace semantics: U+001C–U+001F and U+0085 trail-stripped, U+FEFF kept', () => {
    assert.deepEqual(parseShorthand('a=b\u001c\u0085'), { a: 'b' });
    assert.deepEqual(parseShorthand('a=b\ufeff'), { a: 'b\ufeff' });
    // Between tokens only ASCII whitespace is skipped.
    // Between tokens only ASCII whitespace is skipped: U+00A0 is a value there, which trailing-strips to "".
    assert.deepEqual(parseShorthand('a=[\u00a0]'), { a: [''] });
  });
});

describe('shorthand: model coercion (cli.md §6)', () => {
  test('integers, longs, doubles and lists of them follow the model; wrapped single values are not visited', () => {
    const value = parseShorthand('count=5,number=-1.5e2,ports=[80,443],numbers=[1,.5],strings=s,cidrs=[]');
    assert.deepEqual(coerceShorthand(value, 'MetricValue', 'value'), {
      count: 5,
      number: -150,
      ports: [80, 443],
      numbers: [1, 0.5],
      strings: ['s'],
      cidrs: [],
    });
    // aws wraps a lone value into a list without visiting it, so it stays a string for validation to reject.
    assert.deepEqual(coerceShorthand(parseShorthand('ports=80'), 'MetricValue', 'value'), { ports: ['80'] });
  });

  test('nested structures, unknown keys kept, input not modified', () => {
    const parsed = parseShorthand(
      'baseRatePerMinute=+7,incrementFactor=1.5,rateIncreaseCriteria={numberOfNotifiedThings=10},extra=x',
    );
    const snapshot = structuredClone(parsed);
    assert.deepEqual(coerceShorthand(parsed, 'AwsJobExponentialRolloutRate', 'exponentialRate'), {
      baseRatePerMinute: 7,
      incrementFactor: 1.5,
      rateIncreaseCriteria: { numberOfNotifiedThings: 10 },
      extra: 'x',
    });
    assert.deepEqual(parsed, snapshot);
  });

  // A list or hash for a boolean makes aws crash (AttributeError, rc 255); ddlocal leaves it for validation.
  test('booleans: true/false in any case; other text and non-strings stay for validation', () => {
    const coerce = (s: string) => coerceShorthand(parseShorthand(s), 'MitigationActionParams', 'actionParams');
    assert.deepEqual(coerce('addThingsToThingGroupParams={overrideDynamicGroups=FaLsE}'), {
      addThingsToThingGroupParams: { overrideDynamicGroups: false },
    });
    assert.deepEqual(coerce('addThingsToThingGroupParams={overrideDynamicGroups=[true]}'), {
      addThingsToThingGroupParams: { overrideDynamicGroups: ['true'] },
    });
    assert.deepEqual(coerce('addThingsToThingGroupParams=x'), { addThingsToThingGroupParams: 'x' });
  });

  test('numbers are strict [Dec C8]: ShorthandCoercionError names the parameter path and the value', () => {
    const rate = 'AwsJobExponentialRolloutRate';
    for (const [text, shapeName, path, bad] of [
      ['baseRatePerMinute=1_0', rate, 'exponentialRate.baseRatePerMinute', '1_0'],
      ['baseRatePerMinute=５', rate, 'exponentialRate.baseRatePerMinute', '５'],
      ['baseRatePerMinute=5.0', rate, 'exponentialRate.baseRatePerMinute', '5.0'],
      ['rateIncreaseCriteria={numberOfSucceededThings=""}', rate,
        'exponentialRate.rateIncreaseCriteria.numberOfSucceededThings', ''],
      ['incrementFactor=nan', rate, 'exponentialRate.incrementFactor', 'nan'],
      ['incrementFactor=1e999', rate, 'exponentialRate.incrementFactor', '1e999'],
      ['count=9007199254740993', 'MetricValue', 'exponentialRate.count', '9007199254740993'],
      ['ports=[1,x]', 'MetricValue', 'exponentialRate.ports[1]', 'x'],
    ] as const) {
      const err = errorOf(() => coerceShorthand(parseShorthand(text), shapeName, 'exponentialRate'));
      assert.ok(err instanceof ShorthandCoercionError, text);
      assert.equal(err.path, path, text);
      assert.ok(err.message.includes(`parameter ${path}: '${bad}'`), err.message);
    }
  });

  test('maps of lists and lists of structures (top level is never replaced)', () => {
    assert.deepEqual(coerceShorthand(parseShorthand('C1=a1,a2,C2=b1,C3=[]'), 'AuditCheckToActionsMapping'), {
      C1: ['a1', 'a2'],
      C2: ['b1'],
      C3: [],
    });
    const tags = ['Key=k1,Value=v1', 'Key=k2'].map(parseShorthand);
    assert.deepEqual(coerceShorthand(tags, 'TagList', 'tags'), [{ Key: 'k1', Value: 'v1' }, { Key: 'k2' }]);
    assert.deepEqual(coerceShorthand(parseShorthand('Key=k'), 'TagList', 'tags'), { Key: 'k' });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Differential property test against aws's own parser. One Python process per batch; a fixed default seed keeps
// runs reproducible (DDLOCAL_SHORTHAND_SEED=<n> to explore, DDLOCAL_SHORTHAND_RUNS=<n> for a bigger batch).

// Well-formed inputs draw from the "safe" pools (mostly accepted); mutations and token soup add the hostile ones.
const SAFE_KEYS = ['a', 'b', 'k1', 'a.b', 'x-y', '_', '#/:', '', 'K', '__proto__'];
const KEYS = [...SAFE_KEYS, 'ключ', 'a b', 'a@'];
const SAFE_BARE = ['x', 'yz', '1', 'true', 'é', 'ж', '~', '@', '>', '<', 'a b'];
SAFE_BARE.push('b\u00a0', '\u2003c', 'x\ty', '\\,', '\\');
const BARE = [...SAFE_BARE, '😀', ']', '}', '=', '[', '{', '\u0085', '\u001f'];
const PUNCT = ['=', ',', ' ', '\t', '\n', '[', ']', '{', '}', "'", '"', '\\', '\\,', "\\'", '\\"', '\\\\', '\u00a0'];

const ws = fc.constantFrom('', '', '', ' ', '  ', '\t', '\n');
const bare = fc.array(fc.constantFrom(...SAFE_BARE), { minLength: 1, maxLength: 3 }).map((p) => p.join(''));
const quoted = fc
  .tuple(
    fc.constantFrom("'", '"'),
    fc.array(fc.constantFrom(...BARE, ',', '\\\\', "\\'", '\\"', '\n', '😀'), { maxLength: 3 }),
  )
  .map(([q, parts]) => `${q}${parts.join('')}${q}`);
const scalar = fc.oneof(bare, bare, quoted, fc.constant(''));

const { element } = fc.letrec((tie) => ({
  element: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('element'), { maxLength: 3 }).chain((items) =>
      fc.tuple(ws, fc.boolean()).map(([w, trailing]) => `[${w}${items.join(`${w},`)}${trailing ? ',' : ''}]`),
    ),
    fc.uniqueArray(fc.tuple(fc.constantFrom(...SAFE_KEYS), tie('element')), { maxLength: 3, selector: ([k]) => k })
      .chain((pairs) => ws.map((w) => `{${pairs.map(([k, v]) => `${k}${w}=${w}${v}`).join(`,${w}`)}}`)),
  ),
}));
const value = fc.oneof(
  element,
  fc.array(scalar, { minLength: 2, maxLength: 4 }).chain((items) => ws.map((w) => items.join(`${w},${w}`))),
);
const wellFormed = fc
  .uniqueArray(fc.tuple(fc.constantFrom(...SAFE_KEYS), ws, value), { minLength: 1, maxLength: 4, selector: ([k]) => k })
  .map((kvs) => kvs.map(([k, w, v]) => `${k}${w}=${w}${v}`).join(','));
const mutated = fc
  .tuple(wellFormed, fc.nat(), fc.constantFrom(...PUNCT, ...BARE, ...KEYS), fc.boolean())
  .map(([s, at, token, replace]) => {
    const chars = Array.from(s);
    const i = at % (chars.length + 1);
    chars.splice(i, replace ? 1 : 0, token);
    return chars.join('');
  });
const soup = fc.array(fc.constantFrom(...KEYS, ...BARE, ...PUNCT), { maxLength: 10 }).map((p) => p.join(''));
// Quotes, backslashes and commas only: the backtracking of aws's quoted-value regex (the aws-cli 2.9.19 rule:
// docs/decisions.md#c14).
const quoteStress = fc
  .tuple(fc.constantFrom('a=', 'a=x,', 'a=['), fc.array(fc.constantFrom('\\', "'", '"', 'x', ','), { maxLength: 12 }))
  .map(([prefix, chars]) => `${prefix}'${chars.join('')}`);
const shorthandish = fc.oneof(wellFormed, wellFormed, wellFormed, mutated, mutated, soup, quoteStress);

describe('shorthand: differential against the installed aws CLI parser', () => {
  let unavailable: string | undefined;
  before(async () => {
    unavailable = await oracleUnavailableReason();
  });

  test('generated shorthand-ish strings: same value, or same error class and message', async (t) => {
    if (unavailable) {
      t.skip(`oracle unavailable: ${unavailable}`);
      return;
    }
    const seed = Number(process.env.DDLOCAL_SHORTHAND_SEED ?? 20240517);
    const runs = Number(process.env.DDLOCAL_SHORTHAND_RUNS ?? 400);
    const inputs = [...new Set(fc.sample(shorthandish, { seed, numRuns: runs }))];
    const oracle: OracleRawResult[] = await runRawOracle(inputs);
    const mismatches: string[] = [];
    let accepted = 0;
    let deviations = 0;
    for (const [i, input] of inputs.entries()) {
      const expected = oracle[i]!;
      const got = outcome(input);
      if ('error' in got && deviationOf(input)) {
        // docs/decisions.md#c9: ddlocal reports what aws silently loses. An inner duplicate key is only reported
        // when everything else parses, so aws must have accepted exactly those inputs.
        if (got.error.class === 'DuplicateKeyInObjectError' && !expected.ok) {
          mismatches.push(`${JSON.stringify(input)}: ddlocal-only duplicate error, but aws failed too`);
        }
        deviations++;
        continue;
      }
      const want = expected.ok ? { parsed: expected.parsed } : { error: expected.error };
      if (expected.ok) accepted++;
      try {
        assert.deepEqual(got, want);
      } catch {
        const [i0, w, g] = [input, want, got].map((x) => JSON.stringify(x));
        mismatches.push(`${i0}\n  aws:     ${w}\n  ddlocal: ${g}`);
      }
    }
    t.diagnostic(`seed ${seed}: ${inputs.length} cases, ${accepted} accepted by aws, ${deviations} C9 deviations`);
    assert.deepEqual(mismatches, [], `seed ${seed}: ${mismatches.length} mismatches`);
    // The generator must exercise both outcomes, or the comparison proves little.
    assert.ok(accepted > inputs.length / 5 && accepted < inputs.length - inputs.length / 5, `accepted ${accepted}`);
  });
});

function deviationOf(input: string): boolean {
  try {
    parseShorthand(input);
    return false;
  } catch (err) {
    return err instanceof ShorthandParseError && err.ddlocalOnly;
  }
}
