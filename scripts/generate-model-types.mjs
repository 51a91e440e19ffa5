#!/usr/bin/env node
// Generates src/model/types.generated.ts from src/model/iot-model.json: for every operation of the AWS IoT model an
// input and an output interface, the nested structures and enums they use, a map from operation name to both, and
// the names of the model's exceptions. Handlers are typed with these, so tsc checks every member a handler reads or
// returns against the model.
//
// The types describe values as ddlocal's own code sees them, not as they travel:
// - inputs are what src/model/validate.ts hands on: timestamps as Date, blobs as Buffer, no null members;
// - outputs are what src/protocol/serialize.ts accepts: timestamps as epoch milliseconds or Date, blobs as Buffer or
//   a base64 string, absent members undefined.
// A structure that holds a timestamp or blob at any depth therefore has two forms, <Name>Input and <Name>Output;
// every other structure is one type, <Name>, used both ways.
//
// Usage: node scripts/generate-model-types.mjs            writes src/model/types.generated.ts
//        node scripts/generate-model-types.mjs --check    exits 1 when the committed file is not what it would write
// `npm run generate:model` runs it after regenerating the JSON. test/model-types.test.ts fails when the file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const MODEL_FILE = fileURLToPath(new URL('../src/model/iot-model.json', import.meta.url));
export const TYPES_FILE = fileURLToPath(new URL('../src/model/types.generated.ts', import.meta.url));

/** Names the generated file declares itself, or that TypeScript and Node already give a meaning. */
const RESERVED_NAMES = new Set([
  'Array', 'Boolean', 'Buffer', 'Date', 'Error', 'Map', 'Number', 'Object', 'Partial', 'Promise', 'Record', 'Set',
  'String', 'InputTimestamp', 'OutputTimestamp', 'InputBlob', 'OutputBlob', 'OperationTypes', 'OperationName',
  'OperationInput', 'OperationOutput', 'ModeledErrorCode',
]);

const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const propertyName = (name) => (IDENTIFIER.test(name) ? name : `'${name}'`);
const quote = (value) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const MAX_LINE = 120;

/**
 * @param {{ operations: Record<string, any>, shapes: Record<string, any> }} model the parsed iot-model.json
 * @returns {string} the text of src/model/types.generated.ts
 */
export function generateModelTypes(model) {
  const shapes = model.shapes;
  const shapeOf = (name) => {
    const found = shapes[name];
    if (!found) throw new Error(`shape ${name} is referenced but not in the model`);
    return found;
  };
  const childRefs = (s) => [...Object.values(s.members ?? {}), s.member, s.key, s.value].filter(Boolean);

  // Does a timestamp or blob occur anywhere below this shape? Memoized; recursive shapes count as "no" while visited.
  const directional = new Map();
  const holdsDirectionalValue = (name) => {
    if (directional.has(name)) return directional.get(name);
    directional.set(name, false);
    const s = shapeOf(name);
    const result = s.type === 'timestamp' || s.type === 'blob' || childRefs(s).some((ref) => holdsDirectionalValue(ref.shape));
    directional.set(name, result);
    return result;
  };

  /** Named declarations still to emit: key "<shape>|<input|output>" → declared name. */
  const pending = [];
  const declared = new Map();
  const declarationName = (shapeName, direction) => {
    const s = shapeOf(shapeName);
    const name =
      s.type === 'structure' && holdsDirectionalValue(shapeName)
        ? `${shapeName}${direction === 'input' ? 'Input' : 'Output'}`
        : shapeName;
    const key = s.type === 'structure' && holdsDirectionalValue(shapeName) ? `${shapeName}|${direction}` : shapeName;
    if (!declared.has(key)) {
      declared.set(key, name);
      pending.push({ shapeName, direction, name });
    }
    return name;
  };

  const typeOf = (shapeName, direction) => {
    const s = shapeOf(shapeName);
    switch (s.type) {
      case 'string':
        return s.enum ? declarationName(shapeName, direction) : 'string';
      case 'integer':
      case 'long':
      case 'double':
      case 'float':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'timestamp':
        return direction === 'input' ? 'InputTimestamp' : 'OutputTimestamp';
      case 'blob':
        return direction === 'input' ? 'InputBlob' : 'OutputBlob';
      case 'list':
        return `${typeOf(s.member.shape, direction)}[]`;
      case 'map': {
        const value = typeOf(s.value.shape, direction);
        // Keys from an enum are validated against it, and a map need not hold every one of them.
        return shapeOf(s.key.shape).enum
          ? `Partial<Record<${typeOf(s.key.shape, direction)}, ${value}>>`
          : `Record<string, ${value}>`;
      }
      case 'structure':
        return declarationName(shapeName, direction);
      default:
        throw new Error(`shape ${shapeName} has type ${s.type}, which the generator does not know`);
    }
  };

  /** `interface Name { members }`, or a type that admits only `{}` when the structure has no members. */
  const structureDeclaration = (name, s, direction) => {
    const members = Object.entries(s.members ?? {});
    // An empty interface would accept any object; Record<string, never> keeps "returns no members" checked.
    if (members.length === 0) return `export type ${name} = Record<string, never>;`;
    const required = new Set(s.required ?? []);
    const lines = members.map(
      ([member, ref]) => `  ${propertyName(member)}${required.has(member) ? '' : '?'}: ${typeOf(ref.shape, direction)};`,
    );
    return [`export interface ${name} {`, ...lines, '}'].join('\n');
  };

  const unionDeclaration = (name, values) => {
    const oneLine = `export type ${name} = ${values.map(quote).join(' | ')};`;
    if (oneLine.length <= MAX_LINE) return oneLine;
    return [`export type ${name} =`, ...values.map((v, i) => `  | ${quote(v)}${i === values.length - 1 ? ';' : ''}`)].join('\n');
  };

  const operationNames = Object.keys(model.operations).sort(byName);
  const operationBlocks = [];
  const emptyStructure = { type: 'structure', members: {} };
  for (const op of operationNames) {
    const { input, output } = model.operations[op];
    operationBlocks.push(structureDeclaration(`${op}Input`, input ? shapeOf(input.shape) : emptyStructure, 'input'));
    operationBlocks.push(structureDeclaration(`${op}Output`, output ? shapeOf(output.shape) : emptyStructure, 'output'));
  }

  const shapeBlocks = [];
  for (let i = 0; i < pending.length; i++) {
    const { shapeName, direction, name } = pending[i];
    const s = shapeOf(shapeName);
    shapeBlocks.push({ name, text: s.enum ? unionDeclaration(name, s.enum) : structureDeclaration(name, s, direction) });
  }
  shapeBlocks.sort((a, b) => byName(a.name, b.name));

  const errorCodes = Object.keys(shapes)
    .filter((name) => shapes[name].exception)
    .sort(byName);

  const names = [...operationNames.flatMap((op) => [`${op}Input`, `${op}Output`]), ...shapeBlocks.map((b) => b.name)];
  const seen = new Set();
  for (const name of names) {
    if (RESERVED_NAMES.has(name) || seen.has(name)) throw new Error(`generated type name ${name} would be declared twice`);
    seen.add(name);
  }

  const out = [
    '// Generated by scripts/generate-model-types.mjs from src/model/iot-model.json; do not edit.',
    '// Inputs are typed as src/model/validate.ts delivers them, outputs as src/protocol/serialize.ts accepts them.',
    '',
    '/** Timestamps reach handlers as Date: the validator converts the epoch seconds on the wire. */',
    'export type InputTimestamp = Date;',
    '/** A handler may return a timestamp as epoch milliseconds or a Date; the serializer writes epoch seconds. */',
    'export type OutputTimestamp = number | Date;',
    '/** Blobs reach handlers decoded from base64. */',
    'export type InputBlob = Buffer;',
    '/** A handler may return a blob as bytes or as base64 text. */',
    'export type OutputBlob = Buffer | string;',
    '',
    '/** Every operation of the model, with the input its handler receives and the output it returns. */',
    'export interface OperationTypes {',
    ...operationNames.map((op) => {
      const line = `  ${op}: { input: ${op}Input; output: ${op}Output };`;
      return line.length <= MAX_LINE ? line : `  ${op}: {\n    input: ${op}Input;\n    output: ${op}Output;\n  };`;
    }),
    '}',
    '',
    'export type OperationName = keyof OperationTypes;',
    "export type OperationInput<Op extends OperationName> = OperationTypes[Op]['input'];",
    "export type OperationOutput<Op extends OperationName> = OperationTypes[Op]['output'];",
    '',
    '/** The exceptions the model declares: the error codes an operation may answer with. */',
    unionDeclaration('ModeledErrorCode', errorCodes),
    '',
    ...operationBlocks.flatMap((block) => [block, '']),
    ...shapeBlocks.flatMap((block) => [block.text, '']),
  ];
  return out.join('\n').replace(/\n+$/, '\n');
}

function main() {
  const model = JSON.parse(readFileSync(MODEL_FILE, 'utf8'));
  const text = generateModelTypes(model);
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(TYPES_FILE, 'utf8');
    } catch {
      // A missing file is as stale as an outdated one.
    }
    if (current !== text) {
      console.error(`${TYPES_FILE} is out of date: run node scripts/generate-model-types.mjs`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(TYPES_FILE, text);
  console.log(`wrote ${TYPES_FILE}: ${Object.keys(model.operations).length} operations, ${text.split('\n').length} lines`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
