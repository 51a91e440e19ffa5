// Validates a request value against a model shape and returns a normalized copy (nulls dropped, timestamps as Date,
// blobs as Buffer). Every violation is collected in model member order, depth first, and reported in one
// AWS-style message (wire.md §6, Dec W5, W17).
import { shape as lookupShape, type Shape } from '../model/model.js';
import { invalidRequest } from './errors.js';
import { patternMatches } from './patterns.js';

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

function renderValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  let text: string;
  if (value instanceof UnconvertibleScalar) text = value.raw;
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else text = JSON.stringify(value);
  const chars = [...text];
  if (chars.length > 100) text = chars.slice(0, 100).join('') + '…';
  return `'${text}'`;
}

export function formatViolations(violations: Violation[]): string {
  const parts = violations.map(
    (v) => `Value ${renderValue(v.value)} at '${v.path}' failed to satisfy constraint: ${v.constraint}`,
  );
  const head = violations.length === 1 ? '1 validation error detected: ' : `${violations.length} validation errors detected: `;
  return head + parts.join('; ');
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
        if (typeof value !== 'number' || !Number.isFinite(value)) return wrongType();
        return new Date(Math.round(value * 1000));
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
          out[k] = this.walk(valueShape, s.value!.shape, v, `${path}.${k}`);
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
      const v = value[name];
      if (v === undefined || v === null) {
        if (required.has(name)) this.fail(path, null, 'Member must not be null');
        continue;
      }
      out[name] = this.walk(lookupShape(ref.shape), ref.shape, v, path);
    }
    for (const name of Object.keys(value)) {
      if (!(name in members)) {
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
