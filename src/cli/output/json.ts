// `--output json`: Python's json.dump(indent=4, ensure_ascii=False) as the aws CLI calls it — `,` + newline between
// items, `": "` after keys, empty containers as `[]` / `{}`, non-ASCII characters as is.
import { SampleTimestamp } from '../skeleton.js';
import { isObject, pythonNumber, type OutValue } from './values.js';

const INDENT = '    ';

export function renderJson(value: OutValue): string {
  return encode(value, '') + '\n';
}

function encode(value: OutValue, indent: string): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? pythonNumber(value) : pythonNonFinite(value);
  // Python escapes the same characters as JSON.stringify (quote, backslash, C0 controls with \b\f\n\r\t short forms).
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof SampleTimestamp) return JSON.stringify(value.toJSON());
  const inner = indent + INDENT;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + encode(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (isObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${encode(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return 'null';
}

function pythonNonFinite(n: number): string {
  return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
}

/** A scalar as Python's json.dump prints it (used by the YAML formatter for scalar query results). */
export function renderJsonScalar(value: OutValue): string {
  return encode(value, '');
}
