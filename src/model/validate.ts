// Validates a request value against a model shape and returns a normalized copy (nulls dropped, timestamps as Date,
// blobs as Buffer). Every violation is collected in model member order, depth first, and reported in one
// AWS-style message (docs/decisions.md#w5, #w17).
import { shape as lookupShape, type Shape } from './model.js';
import { invalidRequest } from '../kernel/errors.js';
import { patternMatches } from './patterns.js';
import { dateFromEpochMs } from '../kernel/timestamps.js';

/** A value from a URI, query or header position that could not be converted to the member's type. */
export class UnconvertibleScalar {
  constructor(readonly raw: string) {}
}

const INT32 = { min: -2147483648, max: 2147483647 };

interface Violation {
  path: string;
  value: unknown;
  constraint: string;
}

const MAX_RENDERED_CHARS = 100;

/**
 * JSON text of a value, cut once it exceeds `budget` characters. Written by hand because JSON.stringify recurses
 * without limit: a 1 MiB body of nested brackets would overflow the stack while rendering the error message.
 */
function boundedJson(value: unknown, budget: number): string {
  let out = '';
  const emit = (text: string) => {
    out += text;
    return out.length <= budget;
  };
  const visit = (v: unknown): boolean => {
    if (Array.isArray(v)) {
      if (!emit('[')) return false;
      for (let i = 0; i < v.length; i++) if ((i > 0 && !emit(',')) || !visit(v[i])) return false;
      return emit(']');
    }
    if (typeof v === 'object' && v !== null) {
      if (!emit('{')) return false;
      let first = true;
      for (const [k, item] of Object.entries(v)) {
        if ((!first && !emit(',')) || !emit(`${JSON.stringify(k)}:`) || !visit(item)) return false;
        first = false;
      }
      return emit('}');
    }
    return emit(JSON.stringify(v) ?? 'null');
  };
  visit(value);
  return out;
}

function renderValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  let text: string;
  if (value instanceof UnconvertibleScalar) text = value.raw;
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else text = boundedJson(value, MAX_RENDERED_CHARS * 4);
  // Cut by code points, not UTF-16 units, so a truncated value never ends in half a surrogate pair.
  const chars = [...text.slice(0, MAX_RENDERED_CHARS * 2 + 2)];
  if (chars.length > MAX_RENDERED_CHARS) text = chars.slice(0, MAX_RENDERED_CHARS).join('') + '…';
  return `'${text}'`;
}

/** Sets a key on a plain object even when it is "__proto__", which plain assignment would turn into a prototype change. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * Parts listed in one message. A 1 MiB body can hold hundreds of thousands of bad list items; listing each would
 * turn a small request into a response of tens of megabytes, so the count stays exact and the list is cut.
 */
const MAX_LISTED_VIOLATIONS = 100;

function formatViolations(violations: Violation[]): string {
  const listed = violations.slice(0, MAX_LISTED_VIOLATIONS);
  const parts = listed.map(
    (v) => `Value ${renderValue(v.value)} at '${v.path}' failed to satisfy constraint: ${v.constraint}`,
  );
  const head = violations.length === 1 ? '1 validation error detected: ' : `${violations.length} validation errors detected: `;
  const more = violations.length - listed.length;
  return head + parts.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof UnconvertibleScalar) && !(v instanceof Date) && !Buffer.isBuffer(v);
}

function typeName(s: Shape): string {
  return s.type === 'float' || s.type === 'double' ? 'double' : s.type;
}

class Walker {
  readonly violations: Violation[] = [];

  private fail(path: string, value: unknown, constraint: string) {
    this.violations.push({ path, value, constraint });
  }

  private length(path: string, value: unknown, len: number, s: Shape) {
    if (s.min !== undefined && len < s.min) this.fail(path, value, `Member must have length greater than or equal to ${s.min}`);
    if (s.max !== undefined && len > s.max) this.fail(path, value, `Member must have length less than or equal to ${s.max}`);
  }

  walk(s: Shape, shapeName: string, value: unknown, path: string): unknown {
    const wrongType = () => {
      this.fail(path, value, `Member must be of type ${typeName(s)}`);
      return undefined;
    };
    if (value instanceof UnconvertibleScalar) return wrongType();
    switch (s.type) {
      case 'string': {
        if (typeof value !== 'string') return wrongType();
        this.length(path, value, [...value].length, s);
        if (s.pattern !== undefined && !patternMatches(s.pattern, value))
          this.fail(path, value, `Member must satisfy regular expression pattern: ${s.pattern}`);
        if (s.enum && !s.enum.includes(value))
          this.fail(path, value, `Member must satisfy enum value set: [${s.enum.join(', ')}]`);
        return value;
      }
      case 'integer':
      case 'long': {
        if (typeof value !== 'number' || !Number.isInteger(value)) return wrongType();
        if (s.type === 'integer' && (value < INT32.min || value > INT32.max)) return wrongType();
        if (s.type === 'long' && !Number.isSafeInteger(value)) return wrongType();
        this.range(path, value, s);
        return value;
      }
      case 'double':
      case 'float': {
        if (typeof value !== 'number' || !Number.isFinite(value)) return wrongType();
        this.range(path, value, s);
        return value;
      }
      case 'boolean':
        return typeof value === 'boolean' ? value : wrongType();
      case 'timestamp': {
        if (value instanceof Date) return value;
        if (typeof value !== 'number') return wrongType();
        // Epoch seconds beyond what a Date holds (e.g. 1e300) would become an Invalid Date inside a handler.
        return dateFromEpochMs(Math.round(value * 1000)) ?? wrongType();
      }
      case 'blob': {
        if (Buffer.isBuffer(value)) return value;
        if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return wrongType();
        const bytes = Buffer.from(value, 'base64');
        this.length(path, value, bytes.length, s);
        return bytes;
      }
      case 'list': {
        if (!Array.isArray(value)) return wrongType();
        this.length(path, value, value.length, s);
        const itemShape = lookupShape(s.member!.shape);
        return value.map((item, i) => {
          const itemPath = `${path}[${i}]`;
          if (item === null || item === undefined) {
            this.fail(itemPath, null, 'Member must not be null');
            return undefined;
          }
          return this.walk(itemShape, s.member!.shape, item, itemPath);
        });
      }
      case 'map': {
        if (!isPlainObject(value)) return wrongType();
        const entries = Object.entries(value);
        this.length(path, value, entries.length, s);
        const keyShape = lookupShape(s.key!.shape);
        const valueShape = lookupShape(s.value!.shape);
        const out: Record<string, unknown> = {};
        for (const [k, v] of entries) {
          this.walk(keyShape, s.key!.shape, k, path);
          if (v === null || v === undefined) {
            this.fail(`${path}.${k}`, null, 'Member must not be null');
            continue;
          }
          setOwn(out, k, this.walk(valueShape, s.value!.shape, v, `${path}.${k}`));
        }
        return out;
      }
      case 'structure':
        if (!isPlainObject(value)) return wrongType();
        return this.structure(s, shapeName, value, path);
    }
  }

  private range(path: string, value: number, s: Shape) {
    if (s.min !== undefined && value < s.min) this.fail(path, value, `Member must have value greater than or equal to ${s.min}`);
    if (s.max !== undefined && value > s.max) this.fail(path, value, `Member must have value less than or equal to ${s.max}`);
  }

  structure(s: Shape, shapeName: string, value: Record<string, unknown>, prefix: string): Record<string, unknown> {
    const members = s.members ?? {};
    const required = new Set(s.required ?? []);
    const out: Record<string, unknown> = {};
    for (const [name, ref] of Object.entries(members)) {
      const path = prefix ? `${prefix}.${name}` : name;
      const v = Object.hasOwn(value, name) ? value[name] : undefined;
      if (v === undefined || v === null) {
        if (required.has(name)) this.fail(path, null, 'Member must not be null');
        continue;
      }
      out[name] = this.walk(lookupShape(ref.shape), ref.shape, v, path);
    }
    for (const name of Object.keys(value)) {
      // hasOwn, not `in`: a body member named "constructor" or "toString" is unknown, not inherited.
      if (!Object.hasOwn(members, name)) {
        const path = prefix ? `${prefix}.${name}` : name;
        this.fail(path, value[name], `Member is not a member of ${shapeName}`);
      }
    }
    return out;
  }
}

/**
 * Checks `value` (the request's members, already gathered from URI, query, headers and body) against the operation's
 * input structure. Throws InvalidRequestException listing every violation; returns the normalized input otherwise.
 */
export function validateInput(shapeName: string, s: Shape, value: Record<string, unknown>): Record<string, unknown> {
  const walker = new Walker();
  const out = walker.structure(s, shapeName, value, '');
  if (walker.violations.length > 0) throw invalidRequest(formatViolations(walker.violations));
  return out;
}
