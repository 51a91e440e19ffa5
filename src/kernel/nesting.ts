// How deeply nested user data may be, and two linear, non-recursive ways to measure it. JSON.parse is iterative, but
// JSON.stringify, ddlocal's own walkers and several third-party parsers recurse once per level, so a document nested
// 100,000 levels deep would exhaust the call stack. The depth is therefore measured without recursion — on the raw
// text before parsing, or on a parsed value with an explicit stack — and refused above the limit before anything
// recursive sees the data. Shared by the server and the CLI, so both refuse the same documents.

/**
 * The most levels of nested objects and arrays any user document may have. The deepest legitimate input is about ten
 * levels (the AWS IoT model's deepest shape is 10; an IAM role body with a policy condition is 9), so 64 leaves ample
 * room, while every recursive walk over 64 levels stays far below the stack limit whatever it does per level.
 */
export const MAX_NESTING_DEPTH = 64;

/**
 * The deepest nesting of `[` and `{` in JSON text, counting only brackets outside string literals. One pass, no
 * recursion, no validation: text that is not JSON gets a number too, and the parser reports it afterwards.
 */
export function jsonTextDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) max = depth;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return max;
}

/**
 * The nesting depth of a parsed value (arrays and plain objects count; a scalar is 0), measured with an explicit stack
 * and given up once it passes `limit`: the answer is then `limit + 1`. Stopping there also ends the walk on cyclic
 * values (a YAML alias inside its own anchor), which are infinitely deep.
 */
export function valueDepth(value: unknown, limit = MAX_NESTING_DEPTH): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (!Array.isArray(v) && !isPlainObject(v)) continue;
    if (depth > max) max = depth;
    if (max > limit) return limit + 1;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return max;
}

function isPlainObject(v: unknown): v is object {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** "nests JSON 100001 levels deep; at most 64 levels are allowed": the measured depth of a `kind` of text. */
export function tooDeepText(depth: number, kind = 'JSON'): string {
  return `nests ${kind ? `${kind} ` : ''}${depth} levels deep; at most ${MAX_NESTING_DEPTH} levels are allowed`;
}

/** A document over the limit, refused before it was parsed or walked; the message is tooDeepText's. */
export class TooDeeplyNested extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'TooDeeplyNested';
  }
}
