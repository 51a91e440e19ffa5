// JSON as the aws CLI reads it: Python's json.loads. The accepted syntax is standard JSON plus Python's
// NaN / Infinity / -Infinity; key order is kept and a duplicate key keeps the last value. Errors carry Python's
// message (`Expecting property name enclosed in double quotes: line 1 column 2 (char 1)`), because aws prints it.
// Positions are counted in code points, as Python counts them.
import { jsonTextDepth, MAX_NESTING_DEPTH, TooDeeplyNested, tooDeepText } from '../../kernel/nesting.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export class PyJsonError extends Error {
  constructor(message: string, text: string, offset: number) {
    const before = text.slice(0, offset);
    const pos = [...before].length;
    const lineno = before.split('\n').length;
    const lastNewline = before.lastIndexOf('\n');
    const colno = lastNewline < 0 ? pos + 1 : pos - [...text.slice(0, lastNewline)].length;
    super(`${message}: line ${lineno} column ${colno} (char ${pos})`);
    this.name = 'PyJsonError';
  }
}

const WS = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;

/**
 * json.loads(text); throws PyJsonError, or TooDeeplyNested before parsing text nested deeper than the limit: the
 * parser recurses once per level, and so does everything that later walks the value (aws itself fails with a Python
 * RecursionError there).
 */
export function parsePyJson(text: string): JsonValue {
  const depth = jsonTextDepth(text);
  if (depth > MAX_NESTING_DEPTH) throw new TooDeeplyNested(tooDeepText(depth));
  const parser = new Parser(text);
  parser.skip();
  const value = parser.value();
  parser.skip();
  if (parser.pos !== text.length) throw new PyJsonError('Extra data', text, parser.pos);
  return value;
}

class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  skip(): void {
    while (this.pos < this.text.length && WS.has(this.text[this.pos]!)) this.pos++;
  }

  fail(message: string, at = this.pos): never {
    throw new PyJsonError(message, this.text, at);
  }

  value(): JsonValue {
    const t = this.text;
    const c = t[this.pos];
    if (c === '"') return this.string();
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    for (const [word, value] of CONSTANTS) {
      if (t.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(t);
    if (m) {
      this.pos += m[0].length;
      return Number(m[0]);
    }
    return this.fail('Expecting value');
  }

  object(): JsonValue {
    const out: { [key: string]: JsonValue } = {};
    this.pos++;
    this.skip();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      if (this.text[this.pos] !== '"') this.fail('Expecting property name enclosed in double quotes');
      const key = this.string();
      this.skip();
      if (this.text[this.pos] !== ':') this.fail("Expecting ':' delimiter");
      this.pos++;
      this.skip();
      // Own property even for `__proto__`; re-defining keeps the first position and the last value, as Python does.
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      this.skip();
      const c = this.text[this.pos];
      if (c === '}') {
        this.pos++;
        return out;
      }
      if (c !== ',') this.fail("Expecting ',' delimiter");
      this.pos++;
      this.skip();
    }
  }

  array(): JsonValue {
    const out: JsonValue[] = [];
    this.pos++;
    this.skip();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.skip();
      const c = this.text[this.pos];
      if (c === ']') {
        this.pos++;
        return out;
      }
      if (c !== ',') this.fail("Expecting ',' delimiter");
      this.pos++;
      this.skip();
    }
  }

  string(): string {
    const t = this.text;
    const start = this.pos;
    let out = '';
    this.pos++;
    for (;;) {
      if (this.pos >= t.length) this.fail('Unterminated string starting at', start);
      const c = t[this.pos]!;
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c.charCodeAt(0) < 0x20) this.fail('Invalid control character at');
      if (c !== '\\') {
        out += c;
        this.pos++;
        continue;
      }
      const e = t[this.pos + 1];
      if (e === undefined) this.fail('Unterminated string starting at', start);
      if (e === 'u') {
        const hex = t.slice(this.pos + 2, this.pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('Invalid \\uXXXX escape', this.pos + 1);
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 6;
        continue;
      }
      const simple = ESCAPES[e];
      if (simple === undefined) this.fail('Invalid \\escape', this.pos);
      out += simple;
      this.pos += 2;
    }
  }
}

const CONSTANTS: [string, JsonValue][] = [
  ['null', null],
  ['true', true],
  ['false', false],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
];

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
