// Client-side validation: exactly the subset botocore's ParamValidator checks before a request is sent —
// required members, unknown keys, Python types, minimum lengths and minimum values — with its message texts and
// order, so that `Parameter validation failed:` reads as aws's. Everything else is left to the server.
import { shape as modelShape, type Shape } from '../../model/model.js';
import { pyRepr } from './errors.js';
import { parseCliTimestamp } from './timestamp.js';

/** A YAML date without a time (`2020-01-01`): Python's datetime.date, which is not a valid timestamp. */
export class YamlDate {
  constructor(readonly text: string) {}
  toJSON(): string {
    return this.text;
  }
}

/** Returns the report lines (empty when the value is valid). */
export function validateParams(params: Record<string, unknown>, inputShapeName: string | undefined): string[] {
  const errors: string[] = [];
  const s: Shape = inputShapeName ? modelShape(inputShapeName) : { type: 'structure', members: {} };
  validate(params, s, '', errors);
  return errors;
}

function validate(value: unknown, s: Shape, path: string, errors: string[]): void {
  switch (s.type) {
    case 'structure':
      if (!typeCheck(value, isDict, ["<class 'dict'>"], path, errors)) return;
      return validateStructure(value as Record<string, unknown>, s, path, errors);
    case 'list': {
      if (!typeCheck(value, Array.isArray, ["<class 'list'>", "<class 'tuple'>"], path, errors)) return;
      const list = value as unknown[];
      minLength(list.length, s, path, errors);
      const member = modelShape(s.member!.shape);
      list.forEach((item, i) => validate(item, member, `${path}[${i}]`, errors));
      return;
    }
    case 'map': {
      if (!typeCheck(value, isDict, ["<class 'dict'>"], path, errors)) return;
      const keyShape = modelShape(s.key!.shape);
      const valueShape = modelShape(s.value!.shape);
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        validate(k, keyShape, `${path} (key: ${k})`, errors);
        validate(v, valueShape, `${path}.${k}`, errors);
      }
      return;
    }
    case 'string':
      if (typeCheck(value, (v) => typeof v === 'string', ["<class 'str'>"], path, errors)) {
        minLength([...(value as string)].length, s, path, errors);
      }
      return;
    case 'integer':
    case 'long':
      if (typeCheck(value, isPyInt, ["<class 'int'>"], path, errors)) minValue(Number(value), s, path, errors);
      return;
    case 'double':
    case 'float':
      if (typeCheck(value, isPyNumber, ["<class 'float'>", "<class 'decimal.Decimal'>", "<class 'int'>"], path, errors)) {
        minValue(Number(value), s, path, errors);
      }
      return;
    case 'boolean':
      typeCheck(value, (v) => typeof v === 'boolean', ["<class 'bool'>"], path, errors);
      return;
    case 'timestamp':
      typeCheck(value, isTimestamp, ["<class 'datetime.datetime'>", 'timestamp-string'], path, errors);
      return;
    case 'blob':
      typeCheck(value, (v) => typeof v === 'string' || v instanceof Uint8Array, ["<class 'bytes'>", "<class 'bytearray'>", 'file-like object'], path, errors);
      return;
  }
}

function validateStructure(params: Record<string, unknown>, s: Shape, path: string, errors: string[]): void {
  const members = s.members ?? {};
  const where = path === '' ? 'input' : path;
  for (const required of s.required ?? []) {
    if (!Object.hasOwn(params, required)) errors.push(`Missing required parameter in ${where}: "${required}"`);
  }
  const known: string[] = [];
  for (const key of Object.keys(params)) {
    if (Object.hasOwn(members, key)) known.push(key);
    else errors.push(`Unknown parameter in ${where}: "${key}", must be one of: ${Object.keys(members).join(', ')}`);
  }
  for (const key of known) {
    validate(params[key], modelShape(members[key]!.shape), path === '' ? key : `${path}.${key}`, errors);
  }
}

function typeCheck(value: unknown, ok: (v: unknown) => boolean, valid: string[], path: string, errors: string[]): boolean {
  if (ok(value)) return true;
  errors.push(`Invalid type for parameter ${path}, value: ${pyStr(value)}, type: ${pyType(value)}, valid types: ${valid.join(', ')}`);
  return false;
}

function minLength(length: number, s: Shape, path: string, errors: string[]): void {
  if (s.min !== undefined && length < s.min) {
    errors.push(`Invalid length for parameter ${path}, value: ${length}, valid min length: ${s.min}`);
  }
}

function minValue(value: number, s: Shape, path: string, errors: string[]): void {
  if (s.min !== undefined && value < s.min) {
    errors.push(`Invalid value for parameter ${path}, value: ${pyStr(value)}, valid min value: ${s.min}`);
  }
}

function isDict(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** Python's bool is an int, so botocore lets True through integer checks. */
function isPyInt(v: unknown): boolean {
  return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'boolean';
}

function isPyNumber(v: unknown): boolean {
  return typeof v === 'number' || typeof v === 'boolean';
}

function isTimestamp(v: unknown): boolean {
  if (v instanceof Date) return !Number.isNaN(v.getTime());
  if (typeof v === 'number') return Number.isFinite(v);
  if (typeof v === 'string') return parseCliTimestamp(v) !== undefined;
  return false;
}

/** Python's type(value) as aws prints it. */
export function pyType(v: unknown): string {
  if (v === null || v === undefined) return "<class 'NoneType'>";
  if (typeof v === 'string') return "<class 'str'>";
  if (typeof v === 'boolean') return "<class 'bool'>";
  if (typeof v === 'number') return Number.isInteger(v) ? "<class 'int'>" : "<class 'float'>";
  if (Array.isArray(v)) return "<class 'list'>";
  if (v instanceof Uint8Array) return "<class 'bytes'>";
  if (v instanceof Date) return "<class 'datetime.datetime'>";
  if (v instanceof YamlDate) return "<class 'datetime.date'>";
  return "<class 'dict'>";
}

/** Python's str(value). */
function pyStr(v: unknown): string {
  return typeof v === 'string' ? v : pyReprValue(v);
}

function pyReprValue(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return pyRepr(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    return String(v);
  }
  if (Array.isArray(v)) return `[${v.map(pyReprValue).join(', ')}]`;
  if (v instanceof Uint8Array) return pyBytes(v);
  if (v instanceof Date) return v.toISOString().replace('T', ' ').replace(/\.000Z$|Z$/, '');
  if (v instanceof YamlDate) return v.text;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${pyRepr(k)}: ${pyReprValue(x)}`)
    .join(', ')}}`;
}

function pyBytes(bytes: Uint8Array): string {
  const hasSingle = bytes.includes(0x27);
  const quote = hasSingle && !bytes.includes(0x22) ? '"' : "'";
  let out = 'b' + quote;
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    if (c === quote || c === '\\') out += '\\' + c;
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b < 0x20 || b >= 0x7f) out += '\\x' + b.toString(16).padStart(2, '0');
    else out += c;
  }
  return out + quote;
}
