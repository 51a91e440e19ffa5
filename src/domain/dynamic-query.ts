// The fleet-indexing query subset that dynamic thing groups support (registry.md §3.2, Dec R10): a parser that turns
// a query string into a small expression tree, and an evaluator that tests one thing against it. Anything outside
// the subset is rejected at parse time with InvalidQueryException naming the part, so a stored query always evaluates.
import { ApiError } from '../wire/errors.js';

/** What a query can see of a thing. `thingGroupNames` are the thing's static groups only. */
export interface QueryableThing {
  thingName: string;
  thingId: string;
  thingTypeName?: string;
  thingGroupNames: string[];
  attributes: Record<string, string>;
}

/** One piece of a value: literal text, or a wildcard (`*` any run, `?` one character). */
type Piece = { text: string } | { wildcard: '*' | '?' };

export type QueryNode =
  | { kind: 'or' | 'and'; operands: QueryNode[] }
  | { kind: 'not'; operand: QueryNode }
  | { kind: 'term'; field: string; pieces: Piece[] };

const SIMPLE_FIELDS = new Set(['thingName', 'thingId', 'thingTypeName', 'thingGroupNames']);
const SUPPORTED_FIELDS = 'thingName, thingId, thingTypeName, thingGroupNames, attributes.<name>';

export function invalidQuery(message: string): ApiError {
  return new ApiError('InvalidQueryException', message);
}

type Token = { kind: 'AND' | 'OR' | 'NOT' | '(' | ')' } | { kind: 'term'; field: string; pieces: Piece[]; raw: string };

// ---------------------------------------------------------------------------------------------------------------
// Tokenizer

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

class Lexer {
  private pos = 0;
  constructor(private readonly src: string) {}

  tokens(): Token[] {
    const out: Token[] = [];
    for (;;) {
      while (this.pos < this.src.length && isSpace(this.src[this.pos]!)) this.pos++;
      if (this.pos >= this.src.length) return out;
      const c = this.src[this.pos]!;
      if (c === '(' || c === ')') {
        out.push({ kind: c });
        this.pos++;
        continue;
      }
      out.push(this.word());
    }
  }

  /** A keyword or a `field:value` term. */
  private word(): Token {
    const start = this.pos;
    const field = this.field();
    if (this.pos >= this.src.length || this.src[this.pos] !== ':') {
      const raw = this.src.slice(start, this.pos);
      if (raw === 'AND' || raw === 'OR' || raw === 'NOT') return { kind: raw };
      const next = this.src[this.pos];
      if (next === '<' || next === '>' || next === '=')
        throw invalidQuery(`Numeric comparisons are not supported in dynamic group queries (at '${this.context(start)}')`);
      if (['and', 'or', 'not'].includes(raw.toLowerCase()))
        throw invalidQuery(`Query keyword '${raw}' must be written in upper case (${raw.toUpperCase()})`);
      throw invalidQuery(`Unsupported query term '${raw}': free-text search is not supported; use field:value`);
    }
    this.pos++; // ':'
    this.checkField(field, start);
    const pieces = this.value(start);
    return { kind: 'term', field, pieces, raw: this.src.slice(start, this.pos) };
  }

  /** Reads a field name up to the first unescaped ':' (attribute names may contain escaped colons). */
  private field(): string {
    let name = '';
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === '\\' && this.pos + 1 < this.src.length) {
        name += this.src[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (c === ':' || isSpace(c) || c === '(' || c === ')' || c === '<' || c === '>' || c === '=') break;
      name += c;
      this.pos++;
    }
    return name;
  }

  private checkField(field: string, start: number): void {
    if (SIMPLE_FIELDS.has(field)) return;
    if (field.startsWith('attributes.') && field.length > 'attributes.'.length) return;
    if (field === '')
      throw invalidQuery(`Query term '${this.context(start)}' has no field name; supported fields: ${SUPPORTED_FIELDS}`);
    throw invalidQuery(`Query field '${field}' is not supported by ddlocal dynamic thing groups; supported fields: ${SUPPORTED_FIELDS}`);
  }

  private value(start: number): Piece[] {
    const c = this.src[this.pos];
    if (c === undefined || isSpace(c) || c === ')' || c === '(')
      throw invalidQuery(`Query term '${this.context(start)}' has no value after ':'`);
    if (c === '[' || c === '{')
      throw invalidQuery(`Range queries are not supported in dynamic group queries (at '${this.context(start)}')`);
    if (c === '<' || c === '>' || c === '=')
      throw invalidQuery(`Numeric comparisons are not supported in dynamic group queries (at '${this.context(start)}')`);
    return c === '"' ? this.quoted(start) : this.bare();
  }

  /** A quoted value: every character is literal (wildcards too); `\"` and `\\` escape. */
  private quoted(start: number): Piece[] {
    this.pos++; // opening quote
    let text = '';
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === '\\' && this.pos + 1 < this.src.length) {
        text += this.src[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (c === '"') {
        this.pos++;
        const after = this.src[this.pos];
        if (after !== undefined && !isSpace(after) && after !== ')' && after !== '(')
          throw invalidQuery(`Unexpected text after the quoted value in '${this.context(start)}'`);
        return [{ text }];
      }
      text += c;
      this.pos++;
    }
    throw invalidQuery(`Unterminated quoted value in '${this.src.slice(start)}'`);
  }

  /** A bare value up to whitespace or a parenthesis; `*` and `?` are wildcards, `\x` is a literal x. */
  private bare(): Piece[] {
    const pieces: Piece[] = [];
    let text = '';
    const flush = () => {
      if (text !== '') pieces.push({ text });
      text = '';
    };
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (isSpace(c) || c === '(' || c === ')') break;
      if (c === '\\' && this.pos + 1 < this.src.length) {
        text += this.src[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (c === '*' || c === '?') {
        flush();
        pieces.push({ wildcard: c });
      } else text += c;
      this.pos++;
    }
    flush();
    return pieces;
  }

  private context(start: number): string {
    let end = this.pos;
    while (end < this.src.length && !isSpace(this.src[end]!) && this.src[end] !== ')') end++;
    return this.src.slice(start, end);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Parser (recursive descent over the grammar of registry.md §3.2)

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): QueryNode {
    if (this.tokens.length === 0) throw invalidQuery('The query string is empty');
    const node = this.or();
    const extra = this.tokens[this.i];
    if (extra) throw invalidQuery(`Unexpected ${describe(extra)} in the query`);
    return node;
  }

  private or(): QueryNode {
    const operands = [this.and()];
    while (this.peek()?.kind === 'OR') {
      this.i++;
      operands.push(this.and('OR'));
    }
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands };
  }

  private and(after?: string): QueryNode {
    const operands = [this.unary(after)];
    for (;;) {
      const t = this.peek();
      if (t?.kind === 'AND') {
        this.i++;
        operands.push(this.unary('AND'));
      } else if (t && (t.kind === 'term' || t.kind === 'NOT' || t.kind === '(')) {
        operands.push(this.unary()); // adjacent terms are ANDed
      } else break;
    }
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands };
  }

  private unary(after?: string): QueryNode {
    const t = this.tokens[this.i];
    if (!t) throw invalidQuery(after ? `The query ends after ${after}; a term is missing` : 'The query ends where a term was expected');
    this.i++;
    if (t.kind === 'NOT') return { kind: 'not', operand: this.unary('NOT') };
    if (t.kind === '(') {
      if (this.peek()?.kind === ')') throw invalidQuery('Empty parentheses in the query');
      const inner = this.or();
      if (this.peek()?.kind !== ')') throw invalidQuery("Unbalanced parentheses in the query: missing ')'");
      this.i++;
      return inner;
    }
    if (t.kind === 'term') return { kind: 'term', field: t.field, pieces: t.pieces };
    throw invalidQuery(`Unexpected ${describe(t)} in the query${after ? ` after ${after}` : ''}; a term was expected`);
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
}

function describe(t: Token): string {
  if (t.kind === 'term') return `term '${t.raw}'`;
  if (t.kind === '(' || t.kind === ')') return `'${t.kind}'`;
  return `keyword ${t.kind}`;
}

/** Parses a dynamic group query; throws InvalidQueryException naming the first unsupported or malformed part. */
export function parseQuery(query: string): QueryNode {
  return new Parser(new Lexer(query).tokens()).parse();
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

const matcherCache = new Map<string, RegExp>();

function matcher(pieces: Piece[]): RegExp {
  const key = JSON.stringify(pieces);
  let re = matcherCache.get(key);
  if (!re) {
    const body = pieces
      .map((p) => ('text' in p ? p.text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') : p.wildcard === '*' ? '[^]*' : '[^]'))
      .join('');
    re = new RegExp(`^${body}$`, 'u');
    if (matcherCache.size > 1000) matcherCache.clear();
    matcherCache.set(key, re);
  }
  return re;
}

function fieldValues(thing: QueryableThing, field: string): string[] {
  switch (field) {
    case 'thingName':
      return [thing.thingName];
    case 'thingId':
      return [thing.thingId];
    case 'thingTypeName':
      return thing.thingTypeName === undefined ? [] : [thing.thingTypeName];
    case 'thingGroupNames':
      return thing.thingGroupNames;
    default: {
      const value = thing.attributes[field.slice('attributes.'.length)];
      return value === undefined ? [] : [value];
    }
  }
}

/** True when the thing satisfies the query. An absent field never matches (so `field:*` means "present"). */
export function evaluateQuery(node: QueryNode, thing: QueryableThing): boolean {
  switch (node.kind) {
    case 'or':
      return node.operands.some((n) => evaluateQuery(n, thing));
    case 'and':
      return node.operands.every((n) => evaluateQuery(n, thing));
    case 'not':
      return !evaluateQuery(node.operand, thing);
    case 'term': {
      const re = matcher(node.pieces);
      return fieldValues(thing, node.field).some((v) => re.test(v));
    }
  }
}
