// The "Shorthand Syntax" and "JSON Syntax" examples of an option's help, generated from its shape with the aws CLI's
// rules (its ParamShorthandDocGen and _json_example), so that the examples show what src/cli/shorthand.ts and the
// JSON reader accept. Pure: model in, text out.
import { shape as modelShape, type Shape } from '../../model/model.js';

const COMPLEX = new Set(['structure', 'list', 'map']);
/** aws gives up on shorthand examples nested deeper than this (the JSON form is still shown). */
const MAX_SHORTHAND_DEPTH = 3;

class TooComplex extends Error {}

/** Whether aws documents (and accepts) a shorthand form for an option of this shape. */
function supportsShorthand(s: Shape): boolean {
  if (!COMPLEX.has(s.type)) return false;
  return s.type !== 'list' || COMPLEX.has(modelShape(s.member!.shape).type);
}

/**
 * The shorthand example of an option of shape `shapeName`, or undefined when there is none (scalars, lists of
 * scalars, structures too deep to show, and aws's `{Value: string}` wrapper structures).
 */
export function shorthandExample(shapeName: string): string | undefined {
  const s = modelShape(shapeName);
  if (!supportsShorthand(s)) return undefined;
  const members = Object.entries(s.members ?? {});
  if (s.type === 'structure' && members.length === 1 && members[0]![0] === 'Value' && modelShape(members[0]![1].shape).type === 'string') {
    return undefined;
  }
  try {
    if (s.type === 'list') return `${shorthandDocs(s.member!.shape, [])} ...`;
    return shorthandDocs(shapeName, []);
  } catch (err) {
    if (err instanceof TooComplex) return undefined;
    throw err;
  }
}

function shorthandDocs(shapeName: string, stack: string[]): string {
  if (stack.length > MAX_SHORTHAND_DEPTH) throw new TooComplex();
  const s = modelShape(shapeName);
  switch (s.type) {
    case 'structure': {
      const parts = Object.entries(s.members ?? {}).map(([name, ref]) => {
        if (stack.includes(ref.shape)) return `${name}=( ... recursive ... )`;
        stack.push(ref.shape);
        try {
          return `${name}=${shorthandDocs(ref.shape, stack)}`;
        } finally {
          stack.pop();
        }
      });
      const inner = parts.join(',');
      return stack.length === 0 ? inner : `{${inner}}`;
    }
    case 'list': {
      stack.push(s.member!.shape);
      let element: string;
      try {
        element = shorthandDocs(s.member!.shape, stack);
      } finally {
        stack.pop();
      }
      const memberType = modelShape(s.member!.shape).type;
      return COMPLEX.has(memberType) || stack.length > 1 ? `[${element},${element}]` : `${element},${element}`;
    }
    case 'map': {
      const value = shorthandDocs(s.value!.shape, stack);
      let text = `KeyName1=${value},KeyName2=${value}`;
      const keyEnum = modelShape(s.key!.shape).enum;
      if (keyEnum && stack.length === 0) {
        text += '\n\nWhere valid key names are:\n' + keyEnum.map((k) => `  ${k}\n`).join('');
      } else if (stack.length > 0) {
        text = `{${text}}`;
      }
      return text;
    }
    default:
      return s.type;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// JSON syntax: a small writer with aws's two-space indentation steps.

class Writer {
  text = '';
  private level = 0;
  write(s: string): void {
    this.text += s;
  }
  indent(): void {
    this.level++;
  }
  dedent(): void {
    this.level--;
  }
  newLine(): void {
    this.text += '\n' + '  '.repeat(this.level);
  }
}

function isScalar(type: string): boolean {
  return !COMPLEX.has(type);
}

/** How a scalar appears in a JSON example: `"string"`, the enum values `"A"|"B"`, `true|false`, or the type name. */
export function jsonValueName(s: Shape, includeEnum = true): string {
  if (s.type === 'string') return s.enum && includeEnum ? s.enum.map((v) => `"${v}"`).join('|') : '"string"';
  if (s.type === 'boolean') return 'true|false';
  return s.type;
}

/** The JSON example of an option of a structure, map or list-of-complex shape. */
export function jsonExample(shapeName: string): string {
  const out = new Writer();
  writeJson(out, shapeName, []);
  return out.text;
}

function writeJson(out: Writer, shapeName: string, stack: string[]): void {
  if (stack.filter((n) => n === shapeName).length > 1) {
    if (modelShape(shapeName).type === 'structure') out.write('{ ... recursive ... }');
    return;
  }
  stack.push(shapeName);
  try {
    writeJsonValue(out, modelShape(shapeName), stack);
  } finally {
    stack.pop();
  }
}

function writeJsonValue(out: Writer, s: Shape, stack: string[]): void {
  if (s.type === 'list') {
    out.write('[');
    const member = modelShape(s.member!.shape);
    if (isScalar(member.type)) {
      out.write(`${jsonValueName(member)}, ...`);
    } else {
      out.indent();
      out.newLine();
      writeJson(out, s.member!.shape, stack);
      out.newLine();
      out.write('...');
      out.dedent();
      out.newLine();
    }
    out.write(']');
  } else if (s.type === 'map') {
    out.write('{');
    out.indent();
    out.write(`${jsonValueName(modelShape(s.key!.shape))}: `);
    const value = modelShape(s.value!.shape);
    if (isScalar(value.type)) {
      out.write(jsonValueName(value));
    } else {
      out.indent();
      writeJson(out, s.value!.shape, stack);
      out.dedent();
    }
    out.newLine();
    out.write('...');
    out.dedent();
    out.write('}');
  } else if (s.type === 'structure') {
    out.write('{');
    out.indent();
    out.newLine();
    const members = Object.entries(s.members ?? {});
    members.forEach(([name, ref], i) => {
      const member = modelShape(ref.shape);
      if (isScalar(member.type)) {
        out.write(`"${name}": ${jsonValueName(member)}`);
      } else {
        out.write(`"${name}": `);
        writeJson(out, ref.shape, stack);
      }
      if (i < members.length - 1) {
        out.write(',');
        out.newLine();
      }
    });
    out.dedent();
    out.newLine();
    out.write('}');
  }
}

/** What the help shows for an option of this shape: shorthand and/or JSON, or the plain list syntax. */
export function optionSyntax(shapeName: string): { shorthand?: string; json?: string; list?: { example: string; enum?: string[] } } {
  const s = modelShape(shapeName);
  const result: { shorthand?: string; json?: string; list?: { example: string; enum?: string[] } } = {};
  const shorthand = shorthandExample(shapeName);
  if (shorthand) result.shorthand = shorthand;
  if (s.type === 'list' && isScalar(modelShape(s.member!.shape).type)) {
    const member = modelShape(s.member!.shape);
    const name = jsonValueName(member, false);
    result.list = member.enum ? { example: `${name} ${name} ...`, enum: member.enum } : { example: `${name} ${name} ...` };
  } else if (COMPLEX.has(s.type)) {
    result.json = jsonExample(shapeName);
  }
  return result;
}
