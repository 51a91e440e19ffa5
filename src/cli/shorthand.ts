// The aws CLI shorthand syntax (`--target auditTaskId=a1,findingIds=f1,f2`), parsed exactly as aws-cli 2.9.19's
// ShorthandParser does (docs/decisions.md#c14): same grammar, same character classes, same csv backtracking, same error
// classes and byte-identical messages. The only differences are the silent-loss defects (a) and (b) of
// docs/decisions.md#c9, which are reported as errors here (see `ddlocalOnly`). The result is purely syntactic — every
// leaf is a string; the model is applied afterwards by coerce.ts.
//
// Positions: the parser works on the JavaScript (UTF-16) string, but every position that reaches the user (error
// index, caret column) is counted in code points, as Python counts them.

import { MAX_NESTING_DEPTH } from '../kernel/nesting.js';

export type ShorthandValue = string | ShorthandValue[] | ShorthandObject;
export interface ShorthandObject {
  [key: string]: ShorthandValue;
}

/** Base class of every shorthand failure; `index` is the code-point offset the message's caret points at. */
export class ShorthandParseError extends Error {
  /** True for errors that aws-cli 2.9.19 does not raise; it silently loses input there (docs/decisions.md#c3, #c9). */
  readonly ddlocalOnly: boolean;
  /** Code-point offset into `input` (what aws reports). */
  readonly index: number;
  /** The same position as a UTF-16 offset into `input` (for JavaScript string operations). */
  readonly offset: number;
  constructor(
    message: string,
    readonly input: string,
    utf16Index: number,
    ddlocalOnly = false,
  ) {
    super(message);
    this.name = new.target.name;
    this.index = codePointLength(input.slice(0, utf16Index));
    this.offset = utf16Index;
    this.ddlocalOnly = ddlocalOnly;
  }
}

export class ShorthandParseSyntaxError extends ShorthandParseError {
  constructor(
    input: string,
    readonly expected: string,
    readonly actual: string,
    utf16Index: number,
    ddlocalOnly = false,
  ) {
    super(
      `Expected: '${expected}', received: '${actual}' for input:\n${errorLocation(input, utf16Index)}`,
      input,
      utf16Index,
      ddlocalOnly,
    );
  }
}

export class DuplicateKeyInObjectError extends ShorthandParseError {
  constructor(
    readonly key: string,
    input: string,
    utf16Index: number,
    ddlocalOnly = false,
  ) {
    super(
      `Second instance of key "${key}" encountered for input:\n${errorLocation(input, utf16Index)}\n` +
        'This is often because there is a preceding "," instead of a space.',
      input,
      utf16Index,
      ddlocalOnly,
    );
  }
}

/** Parses one shorthand token into an object whose leaves are strings; throws a ShorthandParseError subclass. */
export function parseShorthand(input: string): ShorthandObject {
  return new Parser(input).parse();
}

/**
 * `[` / `{` opened deeper than the limit. The parser recurses once per level, and so do coercion and validation after
 * it; thousands of levels would exhaust the call stack (aws crashes with a RecursionError), so the parser refuses the
 * first bracket past the limit before descending into it.
 */
class ShorthandNestingError extends ShorthandParseError {
  constructor(input: string, utf16Index: number) {
    super(
      `Shorthand value is nested too deeply (at most ${MAX_NESTING_DEPTH} levels of [ ] and { }) for input:\n${errorLocation(input, utf16Index)}`,
      input,
      utf16Index,
      true,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Error location: the input up to the end of the error's line, a caret line, then the rest of the input.

function errorLocation(input: string, index: number): string {
  const lineStart = input.lastIndexOf('\n', index - 1) + 1;
  const spaces = ' '.repeat(codePointLength(input.slice(lineStart, index)));
  const nextNewline = input.indexOf('\n', index);
  const consumed = nextNewline < 0 ? input : input.slice(0, nextNewline);
  const remaining = nextNewline < 0 ? '' : input.slice(nextNewline);
  return `${consumed}\n${spaces}^${remaining}`;
}

function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Character classes of bare (unquoted) values: where one may start and where it stops. Python's `\s` / str.isspace()
// set, which is neither JavaScript's `\s` (that one has U+FEFF and lacks U+001C–U+001F and U+0085) nor ASCII
// whitespace.

function isPythonSpace(cp: number): boolean {
  return (
    (cp >= 0x09 && cp <= 0x0d) ||
    (cp >= 0x1c && cp <= 0x20) ||
    cp === 0x85 ||
    cp === 0xa0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

/** Ranges shared by all three classes: `!`, `#`–`&`, `(`–`+`. Everything above U+FFFF is in no class. */
function inCommonRanges(cp: number): boolean {
  return cp === 0x21 || (cp >= 0x23 && cp <= 0x26) || (cp >= 0x28 && cp <= 0x2b);
}

function isStartChar(cp: number): boolean {
  return (
    inCommonRanges(cp) ||
    (cp >= 0x2d && cp <= 0x3c) || // - … <
    (cp >= 0x3e && cp <= 0x5a) || // > … Z
    (cp >= 0x5c && cp <= 0x7a) || // \ … z
    (cp >= 0x7c && cp <= 0xffff)
  );
}

function isFirstFollowChar(cp: number): boolean {
  return (
    isPythonSpace(cp) ||
    inCommonRanges(cp) ||
    (cp >= 0x2d && cp <= 0x5c) || // - … \  (includes = and [)
    (cp >= 0x5e && cp <= 0x7c) || // ^ … |  (includes {)
    (cp >= 0x7e && cp <= 0xffff)
  );
}

function isSecondFollowChar(cp: number): boolean {
  return (
    isPythonSpace(cp) ||
    inCommonRanges(cp) ||
    (cp >= 0x2d && cp <= 0x3c) || // - … <
    (cp >= 0x3e && cp <= 0xffff) // > … (includes [ ] { })
  );
}

const KEY_CHAR = /^[A-Za-z0-9\-_.#/:]$/;
const ASCII_WHITESPACE = ' \t\n\r\v\f';

/** Python's str.rstrip(): removes trailing str.isspace() characters (all of them are in the BMP). */
function pythonRstrip(text: string): string {
  let end = text.length;
  while (end > 0 && isPythonSpace(text.charCodeAt(end - 1))) end--;
  return text.slice(0, end);
}

/** Creates the property even for keys such as `__proto__`, which plain assignment would turn into a prototype. */
function setKey(target: ShorthandObject, key: string, value: ShorthandValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** End (exclusive) of the quoted value whose body starts at `from`, or -1; see Parser.quotedValue. */
function matchQuoted(s: string, from: number, quote: string): number {
  const failed = new Set<number>();
  const positions = [from];
  const nextAlternative = [0];
  while (positions.length > 0) {
    const top = positions.length - 1;
    const p = positions[top]!;
    const alternative = nextAlternative[top]!++;
    let next = -1;
    if (alternative === 0) {
      if (s[p] === '\\' && s[p + 1] === '\\') next = p + 2;
    } else if (alternative === 1) {
      if (s[p] === '\\' && s[p + 1] === quote) next = p + 2;
    } else if (alternative === 2) {
      if (p < s.length && s[p] !== quote) next = p + 1;
    } else if (alternative === 3) {
      if (s[p] === quote) return p + 1;
    } else {
      failed.add(p);
      positions.pop();
      nextAlternative.pop();
      continue;
    }
    if (next >= 0 && !failed.has(next)) {
      positions.push(next);
      nextAlternative.push(0);
    }
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------------------------

class Parser {
  private i = 0;
  /** How many `[` / `{` enclose the current position. */
  private depth = 0;
  /** Positions of commas consumed as `\,` inside bare values; backtracking onto one of them would lose text. */
  private readonly escapedCommas = new Set<number>();
  /** First duplicate key inside `{…}`; reported only if the rest parses (aws would have kept the last value). */
  private innerDuplicate: { key: string; index: number } | undefined;

  constructor(private readonly s: string) {}

  parse(): ShorthandObject {
    const result = this.parameter();
    if (this.innerDuplicate) {
      throw new DuplicateKeyInObjectError(this.innerDuplicate.key, this.s, this.innerDuplicate.index, true);
    }
    return result;
  }

  // input = keyval *( "," keyval )
  private parameter(): ShorthandObject {
    const params: ShorthandObject = {};
    const [firstKey, firstValue] = this.keyval();
    setKey(params, firstKey, firstValue);
    let lastIndex = this.i;
    while (!this.atEof()) {
      this.expect(',', true);
      const [key, value] = this.keyval();
      // aws places the caret one character after the end of the previous value (normally just after the comma).
      if (Object.hasOwn(params, key)) throw new DuplicateKeyInObjectError(key, this.s, lastIndex + 1);
      setKey(params, key, value);
      lastIndex = this.i;
    }
    return params;
  }

  private keyval(): [string, ShorthandValue] {
    const key = this.key();
    this.expect('=', true);
    return [key, this.values()];
  }

  private key(): string {
    const start = this.i;
    while (!this.atEof() && KEY_CHAR.test(this.s[this.i]!)) this.i++;
    return this.s.slice(start, this.i);
  }

  private values(): ShorthandValue {
    if (this.atEof()) return '';
    const c = this.s[this.i];
    if (c === '[') return this.explicitList();
    if (c === '{') return this.hashLiteral();
    return this.csvValue();
  }

  // The csv loop with aws's backtracking.
  private csvValue(): ShorthandValue {
    const first = this.firstValue();
    this.consumeWhitespace();
    if (this.atEof() || this.s[this.i] !== ',') return first;
    this.expect(',', true);
    const items: string[] = [first];
    for (;;) {
      try {
        const current = this.secondValue();
        this.consumeWhitespace();
        if (this.atEof()) {
          items.push(current);
          break;
        }
        this.expect(',', true);
        items.push(current);
      } catch (err) {
        if (!(err instanceof ShorthandParseSyntaxError) || this.atEof()) throw err;
        // What was read as a further item is really the next `key=`: resume the top-level loop at its comma.
        this.backtrackTo(',');
        if (this.escapedCommas.has(this.i)) {
          // aws would resume inside `\,` and drop the text before it (docs/decisions.md#c9, case a); report the real
          // problem.
          throw new ShorthandParseSyntaxError(this.s, err.expected, err.actual, err.offset, true);
        }
        break;
      }
    }
    return items.length === 1 ? first : items;
  }

  private explicitList(): ShorthandValue[] {
    this.enter();
    this.expect('[', true);
    const values: ShorthandValue[] = [];
    while (this.current() !== ']') {
      values.push(this.explicitValue());
      this.consumeWhitespace();
      if (this.current() !== ']') {
        this.expect(',');
        this.consumeWhitespace();
      }
    }
    this.expect(']');
    this.depth--;
    return values;
  }

  private hashLiteral(): ShorthandObject {
    this.enter();
    this.expect('{', true);
    const entries: ShorthandObject = {};
    while (this.current() !== '}') {
      const keyStart = this.i;
      const key = this.key();
      this.expect('=', true);
      const value = this.explicitValue();
      this.consumeWhitespace();
      if (this.current() !== '}') {
        this.expect(',');
        this.consumeWhitespace();
      }
      if (Object.hasOwn(entries, key)) this.innerDuplicate ??= { key, index: keyStart };
      setKey(entries, key, value);
    }
    this.expect('}');
    this.depth--;
    return entries;
  }

  /** Called at a `[` or `{` (after whitespace), before anything recurses into it. */
  private enter(): void {
    if (++this.depth > MAX_NESTING_DEPTH) {
      let at = this.i;
      while (at < this.s.length && ASCII_WHITESPACE.includes(this.s[at]!)) at++;
      throw new ShorthandNestingError(this.s, at);
    }
  }

  private explicitValue(): ShorthandValue {
    const c = this.current();
    if (c === '[') return this.explicitList();
    if (c === '{') return this.hashLiteral();
    return this.firstValue();
  }

  private firstValue(): string {
    const quoted = this.quotedValueIfAny();
    if (quoted !== undefined) return quoted;
    // bare1 may match nothing: the value is then "" and nothing is consumed.
    return this.bareValue(isFirstFollowChar) ?? '';
  }

  private secondValue(): string {
    const quoted = this.quotedValueIfAny();
    if (quoted !== undefined) return quoted;
    const bare = this.bareValue(isSecondFollowChar);
    if (bare === undefined) throw new ShorthandParseSyntaxError(this.s, '<second>', '<none>', this.i);
    return bare;
  }

  private quotedValueIfAny(): string | undefined {
    const c = this.current();
    if (c === "'") return this.quotedValue("'", 'singled quoted');
    if (c === '"') return this.quotedValue('"', 'double quoted');
    return undefined;
  }

  /**
   * aws matches `'(?:\\\\|\\'|[^'])*'` with a backtracking regex engine, which is exponential on an unclosed quote
   * followed by many backslashes. The same first-found match is computed here by the same depth-first search, trying
   * the alternatives in the regex's order (two backslashes, backslash + quote, any non-quote, closing quote), but
   * remembering positions already known to fail: the loop's only state is the position, so each is explored once.
   */
  private quotedValue(quote: string, patternName: string): string {
    const s = this.s;
    const start = this.i;
    const stop = matchQuoted(s, start + 1, quote);
    if (stop < 0) throw new ShorthandParseSyntaxError(s, `<${patternName}>`, '<none>', start);
    this.i = stop;
    // Two passes, in this order: backslash + quote, then double backslash.
    return s
      .slice(start + 1, stop - 1)
      .replaceAll(`\\${quote}`, quote)
      .replaceAll('\\\\', '\\');
  }

  /**
   * `(\\,|[start])(\\,|[follow])*` — returns undefined when not even one character matches. `\,` is tried first at
   * every position, so the tokenisation (and thus which commas are escaped) is the regex's.
   */
  private bareValue(isFollow: (cp: number) => boolean): string | undefined {
    const s = this.s;
    const start = this.i;
    let p = start;
    const step = (allowed: (cp: number) => boolean): boolean => {
      if (s[p] === '\\' && s[p + 1] === ',') {
        this.escapedCommas.add(p + 1);
        p += 2;
        return true;
      }
      if (p >= s.length) return false;
      const cp = s.codePointAt(p)!;
      if (!allowed(cp)) return false;
      p += cp > 0xffff ? 2 : 1;
      return true;
    };
    if (!step(isStartChar)) return undefined;
    while (step(isFollow));
    this.i = p;
    return pythonRstrip(s.slice(start, p).replaceAll('\\,', ','));
  }

  private expect(char: string, consumeWhitespace = false): void {
    if (consumeWhitespace) this.consumeWhitespace();
    if (this.atEof()) throw new ShorthandParseSyntaxError(this.s, char, 'EOF', this.i);
    if (this.s[this.i] !== char) {
      throw new ShorthandParseSyntaxError(this.s, char, String.fromCodePoint(this.s.codePointAt(this.i)!), this.i);
    }
    this.i++;
    if (consumeWhitespace) this.consumeWhitespace();
  }

  private current(): string | undefined {
    return this.atEof() ? undefined : this.s[this.i];
  }

  private atEof(): boolean {
    return this.i >= this.s.length;
  }

  private backtrackTo(char: string): void {
    while (this.i >= 0 && this.s[this.i] !== char) this.i--;
  }

  /** The parser's whitespace between tokens is ASCII only (Python's string.whitespace). */
  private consumeWhitespace(): void {
    while (!this.atEof() && ASCII_WHITESPACE.includes(this.s[this.i]!)) this.i++;
  }
}
