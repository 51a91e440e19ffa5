// Model coercion of a shorthand result: the parser yields only strings, lists and objects; this
// walks that value along the argument's shape from the model, as aws-cli's BackCompatVisitor does, so that
// `findingIds=f1` becomes a list, `C1=a1,a2,C2=b1` a map of lists, and numbers/booleans get their types. Anything
// that does not fit the shape is left as it is for client-side validation to report (never a crash). Only values
// that came through shorthand are coerced — never JSON or --cli-input-* documents.
import { shape as modelShape, type Shape } from '../model/model.js';
import type { ShorthandValue } from './shorthand.js';

export type CoercedValue = string | number | boolean | CoercedValue[] | { [key: string]: CoercedValue };

/**
 * A shorthand scalar that cannot become the number the model asks for. aws raises a Python ValueError there (rc 255, or
 * silently accepts `1_0` / full-width digits); ddlocal rejects it strictly (docs/decisions.md#c8). The command pipeline
 * reports it like a shorthand parse error (`Error parsing parameter '--x': …`, rc 252).
 */
export class ShorthandCoercionError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'ShorthandCoercionError';
  }
}

/**
 * Coerces `value` (a parseShorthand result, or for a list-of-structures option the list of per-token results)
 * against the model shape `shapeName`. `paramName` is the API member name, used in error paths such as
 * `actionParams.addThingsToThingGroupParams.overrideDynamicGroups`. The input is not modified.
 *
 * Like aws, the top level itself is never replaced: a top-level list shape given a non-list, or a scalar shape,
 * is returned unchanged (aws writes those replacements into a throw-away parent).
 */
export function coerceShorthand(value: ShorthandValue, shapeName: string, paramName = ''): CoercedValue {
  const s = modelShape(shapeName);
  if (s.type === 'list' && !Array.isArray(value)) return value;
  if (isScalarType(s)) return value;
  return visit(value, s, paramName);
}

function visit(value: CoercedValue, s: Shape, path: string): CoercedValue {
  switch (s.type) {
    case 'structure':
      return visitStructure(value, s, path);
    case 'list':
      return visitList(value, s, path);
    case 'map':
      return visitMap(value, s, path);
    case 'integer':
    case 'long':
      return typeof value === 'string' ? toInteger(value, path) : value;
    case 'double':
    case 'float':
      return typeof value === 'string' ? toDouble(value, path) : value;
    case 'boolean':
      return typeof value === 'string' ? toBoolean(value) : value;
    default:
      // string, timestamp, blob: kept as text (timestamps are converted at serialisation, timestamps.ts).
      return value;
  }
}

/** Visits each modelled member that is present; unknown keys are kept for validation to report. */
function visitStructure(value: CoercedValue, s: Shape, path: string): CoercedValue {
  if (!isObject(value)) return value;
  const out = copyObject(value);
  for (const [name, ref] of Object.entries(s.members ?? {})) {
    if (Object.hasOwn(value, name)) setKey(out, name, visit(value[name]!, modelShape(ref.shape), join(path, name)));
  }
  return out;
}

/**
 * A non-list becomes a one-element list and, as in aws, that element is not visited further (so `C1={x=y}` stays a
 * hash inside the list and fails validation); a real list has its elements visited.
 */
function visitList(value: CoercedValue, s: Shape, path: string): CoercedValue {
  if (!Array.isArray(value)) return [value];
  const member = modelShape(s.member!.shape);
  return value.map((element, i) => visit(element, member, `${path}[${i}]`));
}

function visitMap(value: CoercedValue, s: Shape, path: string): CoercedValue {
  if (!isObject(value)) return value;
  const valueShape = modelShape(s.value!.shape);
  const out = copyObject(value);
  for (const [key, v] of Object.entries(value)) setKey(out, key, visit(v, valueShape, join(path, key)));
  return out;
}

const STRICT_INTEGER = /^[+-]?[0-9]+$/;
const DECIMAL_NUMBER = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

function toInteger(text: string, path: string): number {
  if (!STRICT_INTEGER.test(text)) {
    throw new ShorthandCoercionError(
      `Invalid integer value for parameter ${path}: '${text}' (expected ASCII digits with an optional sign)`,
      path,
    );
  }
  const n = Number(text);
  // aws sends arbitrary-size integers exactly; a JavaScript number would silently round these (docs/decisions.md#c3).
  if (!Number.isSafeInteger(n)) {
    throw new ShorthandCoercionError(
      `Invalid integer value for parameter ${path}: '${text}' is beyond ±${Number.MAX_SAFE_INTEGER}`,
      path,
    );
  }
  return n;
}

function toDouble(text: string, path: string): number {
  const n = Number(text);
  if (!DECIMAL_NUMBER.test(text) || !Number.isFinite(n)) {
    throw new ShorthandCoercionError(
      `Invalid number value for parameter ${path}: '${text}' (expected a finite decimal number)`,
      path,
    );
  }
  return n;
}

/** Only `true` / `false` (any case) convert; other text stays a string so validation names the bad value. */
function toBoolean(text: string): CoercedValue {
  const lower = text.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return text;
}

function isScalarType(s: Shape): boolean {
  return s.type !== 'structure' && s.type !== 'list' && s.type !== 'map';
}

function isObject(value: CoercedValue): value is { [key: string]: CoercedValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function copyObject(value: { [key: string]: CoercedValue }): { [key: string]: CoercedValue } {
  const out: { [key: string]: CoercedValue } = {};
  for (const [k, v] of Object.entries(value)) setKey(out, k, v);
  return out;
}

/** Own property even for `__proto__` (a legal shorthand key). */
function setKey(target: { [key: string]: CoercedValue }, key: string, value: CoercedValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}
