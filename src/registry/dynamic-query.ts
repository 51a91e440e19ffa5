// The fleet-indexing query subset that dynamic thing groups support: a parser that turns a query string into a small
// expression tree, and an evaluator that tests one thing against it. Anything outside the subset is rejected at parse
// time with InvalidQueryException naming the part, so a stored query always evaluates.
//
// Queries are user input that is stored and then evaluated on every later CreateThing/UpdateThing of the account, so
// both steps are bounded: the length and nesting limits below are checked before anything deep happens (the lexer
// never sees an over-long string, the parser stops at the nesting limit instead of recursing on), and term values are
// matched by the linear-time wildcard automaton of glob.ts rather than by a backtracking RegExp.
import { ApiError } from '../kernel/errors.js';
import { modeledError } from '../model/modeled-error.js';
import { Glob, type GlobToken, type StepCounter } from '../kernel/glob.js';

// ---------------------------------------------------------------------------------------------------------------
// Limits (docs/dynamic-group-queries.md)

/**
 * ddlocal's own bound on the whole query string, in characters (code points, as the API model's length constraints
 * count); AWS documents none. It leaves about 85 characters for each of the twelve terms AWS allows (a thing or
 * group name is at most 128, and one term with a full 800-character attribute value still fits), and it caps the
 * pattern size that every later CreateThing/UpdateThing of the account matches against.
 */
export const MAX_QUERY_LENGTH = 1024;
/**
 * ddlocal's own bound on nesting: each `(` and each `NOT` opens one level around what follows it. The deepest
 * twelve-term query without redundant parentheses or double negations, `NOT (t1 OR NOT (t2 OR … NOT (t11 OR NOT
 * t12)…))`, nests 23 levels, so no sensible query is refused.
 */
export const MAX_QUERY_DEPTH = 24;
/** AWS: the maximum number of terms in a query is 12. */
export const MAX_QUERY_TERMS = 12;
/** AWS: leading-wildcard use is limited to one query term per query… */
const MAX_LEADING_WILDCARD_TERMS = 1;
/** …and a query that includes a leading wildcard may be at most 100 characters long. */
export const MAX_LEADING_WILDCARD_QUERY_LENGTH = 100;

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
  | { kind: 'term'; field: string; glob: Glob };

const SIMPLE_FIELDS = new Set(['thingName', 'thingId', 'thingTypeName', 'thingGroupNames']);
const SUPPORTED_FIELDS = 'thingName, thingId, thingTypeName, thingGroupNames, attributes.<name>';

function invalidQuery(message: string): ApiError {
  return modeledError('InvalidQueryException', message);
}

/** `leadingWildcard`: the value starts with `*` or `?` (a lone `*`, "the field is present", does not count). */
type TermToken = { kind: 'term'; field: string; pieces: Piece[]; raw: string; leadingWildcard: boolean };
type Token = { kind: 'AND' | 'OR' | 'NOT' | '(' | ')' } | TermToken;

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
    const first = pieces[0];
    const leadingWildcard = first !== undefined && 'wildcard' in first && !(pieces.length === 1 && first.wildcard === '*');
    return { kind: 'term', field, pieces, raw: this.src.slice(start, this.pos), leadingWildcard };
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
// Parser (recursive descent; it recurses only into `(` and `NOT`, and gives up at MAX_QUERY_DEPTH)

class Parser {
  private i = 0;
  private depth = 0;
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
    if (t.kind === 'NOT') {
      this.enter();
      const operand = this.unary('NOT');
      this.depth--;
      return { kind: 'not', operand };
    }
    if (t.kind === '(') {
      this.enter();
      if (this.peek()?.kind === ')') throw invalidQuery('Empty parentheses in the query');
      const inner = this.or();
      if (this.peek()?.kind !== ')') throw invalidQuery("Unbalanced parentheses in the query: missing ')'");
      this.i++;
      this.depth--;
      return inner;
    }
    if (t.kind === 'term') return { kind: 'term', field: t.field, glob: compileValue(t.pieces) };
    throw invalidQuery(`Unexpected ${describe(t)} in the query${after ? ` after ${after}` : ''}; a term was expected`);
  }

  /** One level deeper; past the limit the parse stops here, before the recursion can grow the stack. */
  private enter(): void {
    if (++this.depth > MAX_QUERY_DEPTH)
      throw invalidQuery(
        `The query nests parentheses and NOT operators ${nestingDepth(this.tokens)} levels deep; ` +
          `a dynamic group query may nest at most ${MAX_QUERY_DEPTH} levels`,
      );
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
}

/**
 * How deeply the tokens nest `(` and `NOT`, counted without recursion, for the error message: a `NOT` stays open
 * until the term or parenthesised group after it ends.
 */
function nestingDepth(tokens: Token[]): number {
  const open: Array<'(' | 'NOT'> = [];
  let deepest = 0;
  const closeNots = () => {
    while (open[open.length - 1] === 'NOT') open.pop();
  };
  for (const t of tokens) {
    if (t.kind === '(' || t.kind === 'NOT') {
      open.push(t.kind);
      deepest = Math.max(deepest, open.length);
    } else if (t.kind === 'term') closeNots();
    else if (t.kind === ')') {
      while (open.length > 0 && open.pop() !== '(');
      closeNots();
    }
  }
  return deepest;
}

function describe(t: Token): string {
  if (t.kind === 'term') return `term '${t.raw}'`;
  if (t.kind === '(' || t.kind === ')') return `'${t.kind}'`;
  return `keyword ${t.kind}`;
}

/** The query's length in characters (code points), counted without building an array of them. */
function characterCount(query: string): number {
  let n = 0;
  for (let i = 0; i < query.length; i++, n++) {
    const c = query.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < query.length) {
      const d = query.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

/** The limits that keep parsing and evaluation cheap: length first (before the lexer runs), depth while parsing. */
function parseBounded(query: string): { node: QueryNode; terms: TermToken[]; length: number } {
  const length = characterCount(query);
  if (length > MAX_QUERY_LENGTH)
    throw invalidQuery(
      `The query string is ${length} characters long; a dynamic group query may be at most ${MAX_QUERY_LENGTH} characters`,
    );
  const tokens = new Lexer(query).tokens();
  const node = new Parser(tokens).parse();
  return { node, terms: tokens.filter((t): t is TermToken => t.kind === 'term'), length };
}

/** A term as quoted in an error message, shortened so a long one does not drown the message. */
const quoteTerm = (t: TermToken) => (t.raw.length > 40 ? `${t.raw.slice(0, 40)}…` : t.raw);

/** The limits AWS fleet indexing documents for query strings. */
function checkDocumentedLimits(terms: TermToken[], length: number): void {
  if (terms.length > MAX_QUERY_TERMS)
    throw invalidQuery(`The query has ${terms.length} terms; a query may have at most ${MAX_QUERY_TERMS} terms`);
  const leading = terms.filter((t) => t.leadingWildcard);
  if (leading.length > MAX_LEADING_WILDCARD_TERMS)
    throw invalidQuery(
      `The query has ${leading.length} terms with a leading wildcard (${leading.map(quoteTerm).join(', ')}); ` +
        `at most ${MAX_LEADING_WILDCARD_TERMS} term per query may start with a wildcard`,
    );
  if (leading.length > 0 && length > MAX_LEADING_WILDCARD_QUERY_LENGTH)
    throw invalidQuery(
      `The query is ${length} characters long and has a leading wildcard (${quoteTerm(leading[0]!)}); ` +
        `a query with a leading wildcard may be at most ${MAX_LEADING_WILDCARD_QUERY_LENGTH} characters`,
    );
}

/**
 * Parses a new dynamic group query (CreateDynamicThingGroup, UpdateDynamicThingGroup); throws InvalidQueryException
 * naming the first unsupported or malformed part, or the limit the query exceeds.
 */
export function parseQuery(query: string): QueryNode {
  const { node, terms, length } = parseBounded(query);
  checkDocumentedLimits(terms, length);
  return node;
}

/**
 * Parses a query that is already stored. Older ddlocal versions did not check the term and leading-wildcard limits,
 * so those are not applied here: such a group keeps its members. The length and nesting limits protect the server
 * and are applied; a stored query that exceeds them (or cannot be parsed at all) gives undefined, a group that
 * matches nothing, rather than an error in every CreateThing of the account.
 */
export function parseStoredQuery(query: string): QueryNode | undefined {
  try {
    return parseBounded(query).node;
  } catch (err) {
    if (err instanceof ApiError) return undefined;
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

/** A term's value as a glob: characters are code points, as the `u`-flag RegExp that matched terms before did. */
function compileValue(pieces: Piece[]): Glob {
  const tokens: GlobToken[] = pieces.map((p) =>
    'text' in p ? { kind: 'literal', text: p.text } : { kind: p.wildcard === '*' ? 'run' : 'one' },
  );
  return new Glob(tokens, { unit: 'codePoint' });
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

/**
 * True when the thing satisfies the query. An absent field never matches (so `field:*` means "present"). Recursion
 * follows the tree, whose depth the parser bounded. `counter` adds up the matching work (for tests).
 */
export function evaluateQuery(node: QueryNode, thing: QueryableThing, counter?: StepCounter): boolean {
  switch (node.kind) {
    case 'or':
      return node.operands.some((n) => evaluateQuery(n, thing, counter));
    case 'and':
      return node.operands.every((n) => evaluateQuery(n, thing, counter));
    case 'not':
      return !evaluateQuery(node.operand, thing, counter);
    case 'term':
      return fieldValues(thing, node.field).some((v) => node.glob.matches(v, counter));
  }
}
