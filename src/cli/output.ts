// Rendering of a successful response (response timestamps, output formats, --query; docs/decisions.md#c5): json, yaml,
// yaml-stream, text and table, byte-compatible with aws-cli 2.9.19. Pure module: no SDK, no I/O; the caller passes the
// SDK's parsed output and prints the returned string.
//
// Order of work, as in aws: (1) normalise the SDK output against the model's output shape — model member order,
// unmodelled members dropped, timestamps turned into what aws's parser hook produces (an ISO-8601 string in the local
// zone, or the wire number); (2) apply --query (per page for text and yaml-stream, to the merged result otherwise);
// (3) format.
import { createRequire } from 'node:module';
import type * as JmesPath from 'jmespath';
import { operation, outputShape, shape } from '../model/model.js';
import { SampleTimestamp } from './skeleton.js';
import { renderJson } from './output/json.js';
import { renderTable } from './output/table.js';
import { renderText } from './output/text.js';
import { renderYaml } from './output/yaml.js';
import { isEmptyObject, isoLocal, type OutObject, type OutValue } from './output/values.js';
import { MAX_NESTING_DEPTH, tooDeepText, valueDepth } from '../kernel/nesting.js';

export interface OutputOptions {
  format: 'json' | 'yaml' | 'yaml-stream' | 'text' | 'table';
  query?: string;
  timestampFormat: 'iso8601' | 'wire';
  color: boolean;
  columns: number;
}

/** An invalid --query expression: a usage error (rc 252) with aws's message prefix; `stderr` is the exact text. */
export class QueryError extends Error {
  readonly rc = 252;
  readonly stderr: string;
  constructor(expression: string, detail: string) {
    super(`Bad value for --query ${expression}: Invalid jmespath expression: ${detail}`);
    this.name = 'QueryError';
    this.stderr = `\n${this.message}\n`;
  }
}

/**
 * Compiles a --query expression once (so a bad expression fails before any request is sent), and refuses one nested
 * deeper than MAX_NESTING_DEPTH. jmespath's parser recurses once per bracket, parenthesis and prefix operator (`!`,
 * `&`) and cannot be changed, so its stack overflow is caught here, at the boundary; its evaluator recurses once per
 * level of the syntax tree (`a.a.a…` parses in a loop into a tree as deep as it is long), and the renderers once per
 * level of the result, which a literal (`` `[[[…]]]` ``) can nest at will, so the tree's depth is measured before
 * anything is evaluated.
 */
export function compileQuery(expr: string): (value: unknown) => unknown {
  // Required on first use (jmespath is CommonJS): commands without --query never load it (start-up time, cli-perf).
  const jmespath = createRequire(import.meta.url)('jmespath') as typeof JmesPath;
  let ast: unknown;
  try {
    // jmespath.js exports compile() (a parse without evaluation), but @types/jmespath does not declare it.
    ast = (jmespath as unknown as { compile(e: string): unknown }).compile(expr);
  } catch (err) {
    if (err instanceof RangeError) {
      throw new QueryError(expr, `the expression is nested too deeply; at most ${MAX_NESTING_DEPTH} levels are allowed`);
    }
    throw new QueryError(expr, (err as Error).message);
  }
  const depth = queryDepth(ast);
  if (depth > MAX_NESTING_DEPTH) throw new QueryError(expr, `the expression ${tooDeepText(depth, '')}`);
  return (value) => jmespath.search(value, expr) as unknown;
}

interface QueryNode {
  type: string;
  children?: QueryNode[];
  /** A Literal's JSON value, or a KeyValuePair's expression. */
  value?: unknown;
}

/** Depth of a jmespath syntax tree, a literal's value counting as its nesting; an explicit-stack walk. */
function queryDepth(ast: unknown): number {
  let max = 0;
  const stack: Array<[QueryNode, number]> = [[ast as QueryNode, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    const reach = node.type === 'Literal' ? depth + valueDepth(node.value, Infinity) : depth;
    if (reach > max) max = reach;
    for (const child of node.children ?? []) stack.push([child, depth + 1]);
    const v = node.value as QueryNode | undefined;
    if (node.type !== 'Literal' && typeof v === 'object' && v !== null && typeof v.type === 'string') stack.push([v, depth + 1]);
  }
  return max;
}

/**
 * Renders one command's result.
 * - `pages`: the raw SDK output of each page when the CLI paginated (text and yaml-stream print page by page, as aws
 *   does); when it sent a single request, `[merged]` (or `[]`).
 * - `merged`: the aggregated result (result lists concatenated, service token removed, `NextToken` added by
 *   --max-items), or the single response; json, yaml and table print this.
 * - `leading`: members printed before the response's own, which the operation's output shape does not have (--wait
 *   puts the task's id first in a describe output).
 * Returns '' when aws prints nothing (empty responses).
 */
export function renderResult(
  operationName: string,
  pages: Record<string, unknown>[],
  merged: Record<string, unknown>,
  options: OutputOptions,
  leading: Record<string, string> = {},
): string {
  const normalise = (value: Record<string, unknown>) => {
    checkResponseDepth(operationName, value);
    return { ...leading, ...normaliseOutput(operationName, value, options.timestampFormat) };
  };
  const query = options.query === undefined ? (v: OutValue) => v : withQuery(compileQuery(options.query));
  switch (options.format) {
    case 'text':
      return textPages(operationName, pages, merged, normalise).map((page) => renderText(query(page))).join('');
    case 'yaml-stream':
      return yamlStream(pages, merged, normalise, query);
    default: {
      const value = query(normalise(merged));
      if (options.format === 'table') return renderTable(operationName, value, options);
      if (isEmptyObject(value)) return '';
      return options.format === 'json' ? renderJson(value) : renderYaml(value);
    }
  }
}

/**
 * A response nested deeper than MAX_NESTING_DEPTH (ddlocal's and AWS's are at most 10 levels deep, but any server can
 * be named with --endpoint-url, and the SDK passes a map's values through as they came) is refused before the
 * normalisation and the formatters, which recurse once per level. Reported like the aws CLI's other failures (rc 255).
 */
function checkResponseDepth(operationName: string, value: Record<string, unknown>): void {
  if (valueDepth(value) <= MAX_NESTING_DEPTH) return;
  const message = `The ${operationName} response nests more than ${MAX_NESTING_DEPTH} levels deep; at most ${MAX_NESTING_DEPTH} levels can be read`;
  throw Object.assign(new Error(message), { rc: 255, stderr: `\n${message}\n` });
}

function withQuery(search: (value: unknown) => unknown): (value: OutValue) => OutValue {
  return (value) => (search(value) ?? null) as OutValue;
}

// ---------------------------------------------------------------------------------------------------------------
// Pages for text and yaml-stream

/**
 * What aws's text formatter prints per page. When paginating, each page is reduced to the paginator's result keys
 * (plus its non-aggregate keys on the first page), so the service token never shows; the --max-items token follows as
 * a `{"NextToken": {"NextToken": …}}` record. A single request (the service token is still in `merged`) prints as is.
 */
function textPages(
  operationName: string,
  pages: Record<string, unknown>[],
  merged: Record<string, unknown>,
  normalise: (value: Record<string, unknown>) => OutObject,
): OutValue[] {
  const paginator = operation(operationName).paginator;
  const outputTokens = paginator ? asList(paginator.output_token) : [];
  const single = !paginator || pages.length === 0 || outputTokens.some((t) => merged[t] !== undefined);
  if (single) return [normalise(merged)];
  const resultKeys = asList(paginator.result_key);
  const nonAggregate = (paginator as { non_aggregate_keys?: string[] }).non_aggregate_keys ?? [];
  const out: OutValue[] = pages.map((raw, index) => {
    const page = normalise(raw);
    const current: OutObject = {};
    if (index === 0) for (const key of nonAggregate) current[key] = page[key] ?? null;
    for (const key of resultKeys) current[key] = page[key] ?? null;
    return current;
  });
  if (typeof merged['NextToken'] === 'string') out.push({ NextToken: { NextToken: merged['NextToken'] } });
  return out;
}

/** yaml-stream: one single-item list per page, the query applied to each page; an empty single response prints nothing. */
function yamlStream(
  pages: Record<string, unknown>[],
  merged: Record<string, unknown>,
  normalise: (value: Record<string, unknown>) => OutObject,
  query: (value: OutValue) => OutValue,
): string {
  if (pages.length <= 1) {
    const value = query(normalise(pages[0] ?? merged));
    return isEmptyObject(value) ? '' : renderYaml([value]);
  }
  return pages.map((page) => renderYaml([query(normalise(page))])).join('');
}

function asList(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

// ---------------------------------------------------------------------------------------------------------------
// Normalisation against the model

/**
 * The SDK output as aws's parser would have produced it: members in model order (the SDK's order is its own), only
 * modelled members, timestamps per cli_timestamp_format. A top-level `NextToken` (added by --max-items) is kept last.
 */
function normaliseOutput(operationName: string, value: Record<string, unknown>, timestampFormat: 'iso8601' | 'wire'): OutObject {
  const op = operation(operationName);
  const out: OutObject = {};
  if (op.output) {
    const members = outputShape(op).members ?? {};
    for (const [name, ref] of Object.entries(members)) {
      if (value[name] !== undefined) out[name] = walk(value[name], ref.shape, timestampFormat);
    }
  }
  if (value['NextToken'] !== undefined && !('NextToken' in out)) out['NextToken'] = walk(value['NextToken'], undefined, timestampFormat);
  return out;
}

function walk(value: unknown, shapeName: string | undefined, tf: 'iso8601' | 'wire'): OutValue {
  if (value === null || value === undefined) return null;
  if (value instanceof SampleTimestamp) return value;
  if (value instanceof Date) return tf === 'wire' ? value.getTime() / 1000 : isoLocal(value);
  const s = shapeName ? shape(shapeName) : undefined;
  if (Array.isArray(value)) return value.map((item) => walk(item, s?.type === 'list' ? s.member?.shape : undefined, tf));
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const out: OutObject = {};
    if (s?.type === 'structure') {
      for (const [name, ref] of Object.entries(s.members ?? {})) {
        if (record[name] !== undefined) out[name] = walk(record[name], ref.shape, tf);
      }
    } else {
      // Maps keep the response's key order; documents and unknown shapes pass through.
      const valueShape = s?.type === 'map' ? s.value?.shape : undefined;
      for (const [key, item] of Object.entries(record)) if (item !== undefined) out[key] = walk(item, valueShape, tf);
    }
    return out;
  }
  if (s?.type === 'timestamp' && typeof value === 'number') return tf === 'wire' ? value : isoLocal(new Date(value * 1000));
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value);
}
