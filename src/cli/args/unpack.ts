// Unpacking one option value: file:// / fileb:// loading, then conversion by the member's type —
// scalar, shorthand (+ model coercion), JSON, or a list of scalars — and the --cli-input-json/yaml documents.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { MODEL, shape as modelShape, type Shape } from '../../model/model.js';
import { coerceShorthand, ShorthandCoercionError } from '../coerce.js';
import type { OperationOption } from '../names.js';
import { parseShorthand, ShorthandParseError, type ShorthandValue } from '../shorthand.js';
import { CliError, paramError, pyRepr } from './errors.js';
import { strictInt } from './globals.js';
import type { OptionSpec } from './options.js';
import { parsePyJson, PyJsonError } from './pyjson.js';
import { MAX_NESTING_DEPTH, TooDeeplyNested, tooDeepText, valueDepth } from '../../kernel/nesting.js';
import { YamlDate, pyType } from './validate.js';

export type RawValue = string | string[] | boolean | number;

interface Context {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** The API value of one given model option. */
export function unpackMember(option: OperationOption, spec: OptionSpec, raw: RawValue, ctx: Context): unknown {
  if (typeof raw === 'boolean' || typeof raw === 'number') return raw; // flags, and paging values handed back
  const cliName = `--${option.name}`;
  const s = modelShape(option.ref.shape);
  const loaded = loadParamFile(cliName, raw, ctx);
  if (loaded instanceof Uint8Array) return loaded; // bytes are passed on; validation names the type
  if (spec.spec.kind === 'member' && spec.spec.arity === 'list') {
    if (typeof loaded === 'string') return unpackListFromFile(cliName, s, loaded);
    return unpackList(cliName, s, loaded as string[]);
  }
  return unpackSingle(cliName, option.name, s, loaded as string);
}

// ---------------------------------------------------------------------------------------------------------------
// file:// and fileb://: for a list option only when exactly one token was given.

function loadParamFile(cliName: string, raw: string | string[], ctx: Context): string | string[] | Uint8Array {
  const single = Array.isArray(raw) ? (raw.length === 1 ? raw[0]! : undefined) : raw;
  if (single === undefined) return raw;
  for (const prefix of ['file://', 'fileb://'] as const) {
    if (!single.startsWith(prefix)) continue;
    return readParamFile(cliName, prefix, single, ctx);
  }
  return raw;
}

function readParamFile(cliName: string, prefix: 'file://' | 'fileb://', value: string, ctx: Context): string | Uint8Array {
  const path = expandPath(value.slice(prefix.length), ctx.env);
  let bytes: Buffer;
  try {
    bytes = readFileSync(isAbsolute(path) ? path : resolve(ctx.cwd, path));
  } catch (err) {
    throw paramError(cliName, `Unable to load paramfile ${value}: ${osErrorText(err as NodeJS.ErrnoException, path)}`);
  }
  if (prefix === 'fileb://') return new Uint8Array(bytes);
  const encoding = ctx.env.AWS_CLI_FILE_ENCODING || 'utf-8';
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    throw paramError(
      cliName,
      `Unable to load paramfile (${path}), text contents could not be decoded.  If this is a binary file, please use ` +
        'the fileb:// prefix instead of the file:// prefix.',
    );
  }
}

/** os.path.expandvars(os.path.expanduser(path)): `~` and `$VAR` / `${VAR}` (unknown variables stay as written). */
function expandPath(path: string, env: NodeJS.ProcessEnv): string {
  let out = path;
  if (out === '~' || out.startsWith('~/')) out = (env.HOME || homedir()) + out.slice(1);
  return out.replace(/\$(\w+|\{[^}]*\})/g, (whole, name: string) => {
    const key = name.startsWith('{') ? name.slice(1, -1) : name;
    return env[key] ?? whole;
  });
}

/** Python's OSError text: `[Errno 2] No such file or directory: 'x.json'`. */
function osErrorText(err: NodeJS.ErrnoException, path: string): string {
  const known: Record<string, [number, string]> = {
    ENOENT: [2, 'No such file or directory'],
    EACCES: [13, 'Permission denied'],
    EISDIR: [21, 'Is a directory'],
    ENOTDIR: [20, 'Not a directory'],
    ELOOP: [40, 'Too many levels of symbolic links'],
    ENAMETOOLONG: [36, 'File name too long'],
  };
  const entry = err.code ? known[err.code] : undefined;
  return entry ? `[Errno ${entry[0]}] ${entry[1]}: ${pyRepr(path)}` : `${err.message}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Conversion by type.

function unpackSingle(cliName: string, optionName: string, s: Shape, value: string): unknown {
  switch (s.type) {
    case 'integer':
    case 'long':
      return strictInt(optionName, value);
    case 'double':
    case 'float':
      return strictNumber(optionName, value);
    case 'boolean':
      return value; // not reachable for flags; kept as text for validation to report
    case 'structure':
    case 'map':
      return unpackComplex(cliName, s, value);
    default:
      return value; // string, timestamp (converted when the request is built), blob
  }
}

function strictNumber(optionName: string, text: string): number {
  const n = Number(text);
  if (!/^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(text) || !Number.isFinite(n)) {
    throw paramError(`--${optionName}`, `invalid float value: ${pyRepr(text)}`);
  }
  return n;
}

/** A structure or map: JSON when it starts with `{`, an error when it starts with `[`, shorthand otherwise. */
function unpackComplex(cliName: string, s: Shape, value: string): unknown {
  const start = value.trim()[0];
  if (start === '{') return parseJson(cliName, value);
  if (start === '[') throw paramError(cliName, `Invalid JSON:\n${value}`);
  return shorthand(cliName, value, s);
}

function unpackList(cliName: string, s: Shape, tokens: string[]): unknown {
  const member = modelShape(s.member!.shape);
  const first = tokens[0]?.trim()[0];
  if (tokens.length === 1 && first === '[') return parseJson(cliName, tokens[0]!);
  if (first === '[' || first === '{' || !isComplex(member)) {
    // Not shorthand: each token is one element of the member's type (JSON objects for structures and maps).
    return tokens.map((t) => {
      if (isComplex(member)) {
        if (t.trim()[0] !== '{') throw paramError(cliName, `Invalid JSON:\n${t}`);
        return parseJson(cliName, t);
      }
      return unpackSingle(cliName, cliName.slice(2), member, t);
    });
  }
  return shorthand(cliName, tokens, s);
}

/**
 * List content read from one file:// token. JSON when it starts with `[`. aws would split any other text into single
 * characters; ddlocal refuses that for lists of scalars (docs/decisions.md#c3, #c9) and takes it as one token
 * otherwise.
 */
function unpackListFromFile(cliName: string, s: Shape, content: string): unknown {
  if (content.trim()[0] === '[') return parseJson(cliName, content);
  if (!isComplex(modelShape(s.member!.shape))) throw paramError(cliName, 'file content must be a JSON list');
  return unpackList(cliName, s, [content]);
}

function shorthand(cliName: string, value: string | string[], s: Shape): unknown {
  try {
    const parsed: ShorthandValue = Array.isArray(value) ? value.map((v) => parseShorthand(v)) : parseShorthand(value);
    return coerceShorthand(parsed, shapeName(s), cliName.slice(2));
  } catch (err) {
    if (err instanceof ShorthandParseError || err instanceof ShorthandCoercionError) throw paramError(cliName, err.message);
    throw err;
  }
}

function parseJson(cliName: string, value: string): unknown {
  try {
    return parsePyJson(value);
  } catch (err) {
    if (err instanceof PyJsonError) throw paramError(cliName, `Invalid JSON: ${err.message}\nJSON received: ${value}`);
    // Not echoed: a value that deep is mostly brackets, and may be megabytes of them.
    if (err instanceof TooDeeplyNested) throw paramError(cliName, `Invalid JSON: the value ${err.message}`);
    throw err;
  }
}

function isComplex(s: Shape): boolean {
  return s.type === 'structure' || s.type === 'list' || s.type === 'map';
}

/** coerceShorthand works on shape names; find this shape's name in the model (shapes are unique objects). */
function shapeName(s: Shape): string {
  // Built on first use: most commands have no shorthand value, and every start-up millisecond counts (cli-perf).
  SHAPE_NAMES ??= new Map<Shape, string>(Object.entries(MODEL.shapes).map(([name, shape]) => [shape, name]));
  const cached = SHAPE_NAMES.get(s);
  if (cached) return cached;
  throw new Error('shape is not part of the model');
}

let SHAPE_NAMES: Map<Shape, string> | undefined;

// ---------------------------------------------------------------------------------------------------------------
// --cli-input-json / --cli-input-yaml

export function loadCliInput(format: 'json' | 'yaml', raw: string, ctx: Context): Record<string, unknown> {
  const cliName = `--cli-input-${format}`;
  let text: string | Uint8Array = raw;
  for (const prefix of ['file://', 'fileb://'] as const) {
    if (raw.startsWith(prefix)) text = readParamFile(cliName, prefix, raw, ctx);
  }
  if (text instanceof Uint8Array) text = Buffer.from(text).toString('utf8');
  let document: unknown;
  try {
    document = format === 'json' ? parsePyJson(text) : parseYamlDocument(text);
  } catch (err) {
    if (err instanceof CliError) throw err;
    const received = format === 'json' ? 'Invalid JSON received' : 'Invalid YAML received';
    if (err instanceof TooDeeplyNested) throw paramError(`cli-input-${format}`, `${received}: the document ${err.message}`);
    throw paramError(`cli-input-${format}`, `${received}.`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document) || document instanceof Date || document instanceof YamlDate) {
    throw paramError(cliName, `Invalid type: expecting map, received ${pyType(document)}`);
  }
  return document as Record<string, unknown>;
}

/**
 * PyYAML's safe_load: YAML 1.1 (yes/no booleans, timestamps). A date without a time is Python's datetime.date,
 * which validation rejects for timestamps, so it is kept apart from date-times.
 */
function parseYamlDocument(text: string): unknown {
  // The yaml package is ~60 CommonJS files; only --cli-input-yaml needs it, so it is required here, synchronously,
  // rather than imported by every command.
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  // The package turns its syntax tree into values recursively (and catches its own stack overflow as a parse error),
  // so the tree's depth is checked first, on the output of its parser, which is iterative.
  const depth = yamlTreeDepth(yaml, text);
  if (depth > MAX_NESTING_DEPTH) throw new TooDeeplyNested(tooDeepText(depth, 'YAML'));
  const value = yaml.parse(text, {
    version: '1.1',
    uniqueKeys: false,
    customTags: (tags) => [
      {
        tag: 'tag:yaml.org,2002:timestamp',
        default: true,
        test: /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/,
        resolve: (source: string) => new YamlDate(source),
      },
      ...tags,
    ],
  });
  // Aliases nest a copy of their anchor's value where they appear, so the value can be deeper than the text (or
  // cyclic: an alias inside its own anchor); the package bounds how many copies aliases make, not how deep they go.
  if (valueDepth(value) > MAX_NESTING_DEPTH) {
    throw new TooDeeplyNested(`nests YAML more than ${MAX_NESTING_DEPTH} levels deep through aliases; at most ${MAX_NESTING_DEPTH} levels are allowed`);
  }
  return value;
}

/** The deepest nesting of collections in the concrete syntax tree of `text`: an explicit-stack walk, no recursion. */
function yamlTreeDepth(yaml: typeof import('yaml'), text: string): number {
  type Node = { type: string; value?: Node; items?: Array<{ key?: Node | null; value?: Node }> };
  let max = 0;
  const stack: Array<[Node, number]> = [];
  for (const token of new yaml.Parser().parse(text)) stack.push([token as Node, 0]);
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node.type === 'document' && node.value) stack.push([node.value, depth]);
    if (!node.items) continue;
    // block-map, block-seq and flow-collection: one level for their keys and values.
    if (depth + 1 > max) max = depth + 1;
    for (const item of node.items) {
      if (item.key) stack.push([item.key, depth + 1]);
      if (item.value) stack.push([item.value, depth + 1]);
    }
  }
  return max;
}
