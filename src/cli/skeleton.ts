// `--generate-cli-skeleton` (docs/decisions.md#c4, #c11). Every skeleton is a walk over the model shapes that mirrors
// the aws CLI's placeholder generator (botocore's ArgumentGenerator): same member order, same placeholder per type,
// same recursion cut-off. The walk yields a small placeholder tree; three renderers turn it into
//   * the `input` JSON, byte-identical to aws (Python's json.dump with indent=4, ASCII-only escaping);
//   * the `yaml-input` document, same structure as aws's, with ddlocal's own comments derived from the model;
//   * the `output` sample, a plain value handed to the normal output formatter.
// Pure module: no SDK, no I/O beyond the model table.
import { operation, outputShape, shape, type MemberRef, type Shape } from '../model/model.js';

/** Values of `--generate-cli-skeleton`, in the order aws lists them in its `Invalid choice` message. */
export const SKELETON_CHOICES = ['input', 'output', 'yaml-input'] as const;
export type SkeletonChoice = (typeof SKELETON_CHOICES)[number];
/** The value used when the option is given without one. */
export const DEFAULT_SKELETON_CHOICE: SkeletonChoice = 'input';

const EPOCH_ISO = '1970-01-01T00:00:00';
const EPOCH_SPACED = '1970-01-01 00:00:00';

/**
 * The timestamp placeholder of an output sample. aws puts a zone-less datetime there, which its formatters print
 * without an offset: `1970-01-01T00:00:00` in JSON (toJSON) and `1970-01-01 00:00:00` in text, table and YAML
 * (toString). Real responses carry Date objects instead, so the formatter can tell the two apart.
 */
export class SampleTimestamp {
  toJSON(): string {
    return EPOCH_ISO;
  }
  toString(): string {
    return EPOCH_SPACED;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The placeholder tree

type Placeholder =
  | { kind: 'structure'; members: PlaceholderMember[] }
  | { kind: 'list'; items: Placeholder[] }
  | { kind: 'map'; entries: [string, Placeholder][] }
  | { kind: 'string'; value: string }
  | { kind: 'integer' | 'double'; value: number }
  | { kind: 'boolean' }
  | { kind: 'timestamp' }
  | { kind: 'blob' };

interface PlaceholderMember {
  name: string;
  ref: MemberRef;
  required: boolean;
  value: Placeholder;
}

/**
 * `input` placeholders are empty strings (or the first enum value); `output` placeholders are the member name (or, for
 * list elements, the element shape's name, as aws does), and are then made valid against minimums
 * (docs/decisions.md#c11).
 */
type Flavour = 'input' | 'output';

// The map key placeholder aws uses; extra keys (only needed to satisfy a map minimum in output samples) are numbered.
const MAP_KEY = 'KeyName';

function generate(shapeName: string, flavour: Flavour, stack: string[], name: string): Placeholder {
  const s = shape(shapeName);
  stack.push(shapeName);
  try {
    switch (s.type) {
      case 'structure':
        return structurePlaceholder(shapeName, s, flavour, stack);
      case 'list': {
        const element = s.member!.shape;
        const item = generate(element, flavour, stack, flavour === 'output' ? element : '');
        return { kind: 'list', items: flavour === 'output' ? repeatToMin([item], s.min) : [item] };
      }
      case 'map': {
        const value = generate(s.value!.shape, flavour, stack, '');
        const keys = flavour === 'output' ? repeatToMin([MAP_KEY], s.min, (i) => `${MAP_KEY}${i + 1}`) : [MAP_KEY];
        return { kind: 'map', entries: keys.map((k) => [k, value]) };
      }
      case 'string':
        return { kind: 'string', value: flavour === 'output' ? outputString(shapeName, s, name) : s.enum?.[0] ?? '' };
      case 'integer':
      case 'long':
        return { kind: 'integer', value: flavour === 'output' ? Math.max(0, s.min ?? 0) : 0 };
      case 'double':
      case 'float':
        return { kind: 'double', value: flavour === 'output' ? Math.max(0, s.min ?? 0) : 0 };
      case 'boolean':
        return { kind: 'boolean' };
      case 'timestamp':
        return { kind: 'timestamp' };
      case 'blob':
        return { kind: 'blob' };
    }
  } finally {
    stack.pop();
  }
}

function structurePlaceholder(shapeName: string, s: Shape, flavour: Flavour, stack: string[]): Placeholder {
  // aws's cut-off for recursive shapes: a structure whose name is already on the path (the stack holds it once for
  // the current visit) becomes an empty object.
  if (stack.filter((n) => n === shapeName).length > 1) return { kind: 'structure', members: [] };
  const required = new Set(s.required ?? []);
  const members = Object.entries(s.members ?? {}).map(([name, ref]) => ({
    name,
    ref,
    required: required.has(name),
    value: generate(ref.shape, flavour, stack, name),
  }));
  return { kind: 'structure', members };
}

function repeatToMin<T>(items: T[], min: number | undefined, extra?: (i: number) => T): T[] {
  const out = [...items];
  while (out.length < (min ?? 0)) out.push(extra ? extra(out.length) : items[0]!);
  return out;
}

// Output samples whose name placeholder is shorter than the shape's minimum (aws v2 rejects its own sample there,
// docs/decisions.md#c11): fixed, valid-looking values for the shapes that have an obvious form, padding otherwise.
const OUTPUT_SAMPLES: Record<string, string> = {
  RoleArn: 'arn:aws:iam::123456789012:role/sample-role',
  CertificateId: '0'.repeat(64),
  AwsAccountId: '123456789012',
};

function outputString(shapeName: string, s: Shape, name: string): string {
  const min = s.min ?? 0;
  if (name.length >= min) return name;
  return OUTPUT_SAMPLES[shapeName] ?? name + 'x'.repeat(min - name.length);
}

function inputTree(operationName: string): Placeholder {
  const op = operation(operationName);
  if (!op.input) return { kind: 'structure', members: [] };
  return generate(op.input.shape, 'input', [], '');
}

// ---------------------------------------------------------------------------------------------------------------
// `input`: Python's json.dump(skeleton, indent=4) + "\n"

/** The `--generate-cli-skeleton` / `--generate-cli-skeleton input` output of an operation, newline included. */
export function inputSkeletonJson(operationName: string): string {
  return pythonJson(inputTree(operationName), '') + '\n';
}

const INDENT = '    ';

function pythonJson(node: Placeholder, indent: string): string {
  const inner = indent + INDENT;
  switch (node.kind) {
    case 'structure':
      return jsonBlock('{', '}', indent, node.members.map((m) => `${inner}${pythonString(m.name)}: ${pythonJson(m.value, inner)}`));
    case 'map':
      return jsonBlock('{', '}', indent, node.entries.map(([k, v]) => `${inner}${pythonString(k)}: ${pythonJson(v, inner)}`));
    case 'list':
      return jsonBlock('[', ']', indent, node.items.map((v) => inner + pythonJson(v, inner)));
    case 'string':
      return pythonString(node.value);
    case 'integer':
      return String(node.value);
    case 'double':
      // Python prints floats with a fraction even when it is zero.
      return Number.isInteger(node.value) ? `${node.value}.0` : String(node.value);
    case 'boolean':
      return 'true';
    case 'timestamp':
      return pythonString(EPOCH_ISO);
    case 'blob':
      // botocore's generator has no placeholder for blobs and leaves None.
      return 'null';
  }
}

function jsonBlock(open: string, close: string, indent: string, lines: string[]): string {
  return lines.length === 0 ? open + close : `${open}\n${lines.join(',\n')}\n${indent}${close}`;
}

/** JSON string as Python writes it with ensure_ascii: everything outside printable ASCII as a lower-case \uXXXX. */
function pythonString(text: string): string {
  return JSON.stringify(text).replace(/[^\x20-\x7e]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

// ---------------------------------------------------------------------------------------------------------------
// `yaml-input`: block style, 2-space indentation, sequences at their key's indentation (the layout aws prints), and one
// end-of-line comment per member written by ddlocal from the model (docs/decisions.md#c4: no AWS documentation text).

/** The `--generate-cli-skeleton yaml-input` output of an operation, newline included. */
export function inputSkeletonYaml(operationName: string): string {
  const tree = inputTree(operationName);
  if (tree.kind !== 'structure' || tree.members.length === 0) return '{}\n';
  return yamlBlock(tree, '').join('\n') + '\n';
}

/** Lines of a non-empty structure, map or list, every line starting with `indent`. */
function yamlBlock(node: Placeholder, indent: string): string[] {
  switch (node.kind) {
    case 'structure':
      return node.members.flatMap((m) => yamlEntry(m.name, m.value, indent, memberComment(m)));
    case 'map':
      return node.entries.flatMap(([k, v]) => yamlEntry(k, v, indent, ''));
    case 'list':
      return node.items.flatMap((item) => yamlListItem(item, indent));
    default:
      return [indent + yamlInline(node)];
  }
}

function yamlEntry(key: string, value: Placeholder, indent: string, comment: string): string[] {
  const suffix = comment ? `  # ${comment}` : '';
  if (isInline(value)) return [`${indent}${key}: ${yamlInline(value)}${suffix}`];
  // Nested mappings are indented by two; a sequence stays at its key's indentation.
  const childIndent = value.kind === 'list' ? indent : indent + '  ';
  return [`${indent}${key}:${suffix}`, ...yamlBlock(value, childIndent)];
}

function yamlListItem(item: Placeholder, indent: string): string[] {
  if (isInline(item)) return [`${indent}- ${yamlInline(item)}`];
  // The first line of the nested block shares the "- " line; the rest keep the deeper indentation.
  const lines = yamlBlock(item, indent + '  ');
  lines[0] = `${indent}- ${lines[0]!.slice(indent.length + 2)}`;
  return lines;
}

function isInline(node: Placeholder): boolean {
  if (node.kind === 'structure') return node.members.length === 0;
  if (node.kind === 'map') return node.entries.length === 0;
  if (node.kind === 'list') return node.items.length === 0;
  return true;
}

function yamlInline(node: Placeholder): string {
  switch (node.kind) {
    case 'structure':
    case 'map':
      return '{}';
    case 'list':
      return '[]';
    case 'string':
      return yamlString(node.value);
    case 'integer':
    case 'double':
      return pythonJson(node, '');
    case 'boolean':
      return 'true';
    case 'timestamp':
      // Unquoted, so that a YAML loader reads a date-time, as with aws's skeleton.
      return EPOCH_SPACED;
    case 'blob':
      return "!!binary ''";
  }
}

// Words a YAML 1.1 or 1.2 loader would read as something other than a string.
const YAML_SPECIAL_WORDS = /^(?:y|n|yes|no|on|off|true|false|null|~)$/i;

function yamlString(text: string): string {
  if (/^[A-Za-z][A-Za-z0-9_./-]*$/.test(text) && !YAML_SPECIAL_WORDS.test(text)) return text;
  return `'${text.replace(/'/g, "''")}'`;
}

function memberComment(m: PlaceholderMember): string {
  const parts: string[] = [];
  if (m.required) parts.push('[REQUIRED]');
  const values = shape(m.ref.shape).enum;
  // For an enumeration the list of values is the whole description.
  parts.push(values ? `Valid values are: ${values.join(', ')}.` : describeShape(m.ref.shape) + '.');
  if (m.ref.idempotencyToken) parts.push('Filled with a random UUID when absent.');
  return parts.join(' ');
}

/** A short type description from the model: "String, 1-128 characters", "List of strings, at least 1 item". */
function describeShape(shapeName: string): string {
  const s = shape(shapeName);
  switch (s.type) {
    case 'string':
      return withBounds('String', s, 'characters');
    case 'integer':
    case 'long':
      return withBounds('Integer', s, '');
    case 'double':
    case 'float':
      return withBounds('Number', s, '');
    case 'boolean':
      return 'Boolean';
    case 'timestamp':
      return 'Timestamp: epoch seconds or an ISO 8601 date-time';
    case 'blob':
      return 'Binary data';
    case 'list':
      return withBounds(`List of ${plural(s.member!.shape)}`, s, 'items');
    case 'map':
      return withBounds(`Map from string keys to ${plural(s.value!.shape)}`, s, 'entries');
    case 'structure': {
      const count = Object.keys(s.members ?? {}).length;
      return `Object with ${count} member${count === 1 ? '' : 's'}`;
    }
  }
}

function plural(shapeName: string): string {
  const type = shape(shapeName).type;
  const words: Record<string, string> = {
    structure: 'objects',
    list: 'lists',
    map: 'maps',
    string: 'strings',
    integer: 'integers',
    long: 'integers',
    double: 'numbers',
    float: 'numbers',
    boolean: 'booleans',
    timestamp: 'timestamps',
    blob: 'binary values',
  };
  return words[type] ?? type;
}

function withBounds(text: string, s: Shape, unit: string): string {
  const u = unit ? ` ${unit}` : '';
  if (s.min !== undefined && s.max !== undefined) return `${text}, ${s.min}-${s.max}${u}`;
  if (s.min !== undefined) return `${text}, at least ${s.min}${u}`;
  if (s.max !== undefined) return `${text}, at most ${s.max}${u}`;
  return text;
}

// ---------------------------------------------------------------------------------------------------------------
// `output`: a sample response for the normal output formatter

export type SampleValue = string | number | boolean | null | SampleTimestamp | SampleValue[] | { [key: string]: SampleValue };

/**
 * The `--generate-cli-skeleton output` sample of an operation: aws's placeholders (member names as strings, 0, true,
 * one-element lists, `KeyName` maps, zone-less epoch timestamps), with placeholders that would violate a minimum
 * replaced by valid samples (docs/decisions.md#c11). An operation without output members gives `{}`, which prints
 * nothing.
 */
export function outputSample(operationName: string): Record<string, SampleValue> {
  const op = operation(operationName);
  if (!op.output || Object.keys(outputShape(op).members ?? {}).length === 0) return {};
  return toValue(generate(op.output.shape, 'output', [], '')) as Record<string, SampleValue>;
}

function toValue(node: Placeholder): SampleValue {
  switch (node.kind) {
    case 'structure':
      return Object.fromEntries(node.members.map((m) => [m.name, toValue(m.value)]));
    case 'map':
      return Object.fromEntries(node.entries.map(([k, v]) => [k, toValue(v)]));
    case 'list':
      return node.items.map(toValue);
    case 'string':
    case 'integer':
    case 'double':
      return node.value;
    case 'boolean':
      return true;
    case 'timestamp':
      return new SampleTimestamp();
    case 'blob':
      return null;
  }
}

