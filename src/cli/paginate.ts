// aws-style auto-pagination (docs/decisions.md#c5): follow the service token, merge the result lists, and with
// --max-items stop early and hand out an opaque NextToken that --starting-token resumes from.
import { MODEL, type Paginator } from '../model/model.js';

export interface PagingOptions {
  maxItems?: number;
  pageSize?: number;
  startingToken?: string;
}

export interface PagedResult {
  /** Each page as the service answered it, with its service token (yaml-stream prints it; text drops it). */
  pages: Record<string, unknown>[];
  /** The pages merged: result lists concatenated, the service token removed, NextToken added when truncated. */
  merged: Record<string, unknown>;
}

const first = (v: string | string[]) => (Array.isArray(v) ? v[0]! : v);
const all = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

export function paginatorOf(operation: string): Paginator | undefined {
  return MODEL.operations[operation]?.paginator;
}

/** The opaque --max-items token: base64 of {"<inputToken>": <service token|null>, "boto_truncate_amount"?: n}. */
function encodeStartingToken(inputToken: string, serviceToken: string | undefined, truncate?: number): string {
  const body: Record<string, unknown> = { [inputToken]: serviceToken ?? null };
  // Present whenever aws stops mid-page, even at 0 (--max-items 0).
  if (truncate !== undefined) body.boto_truncate_amount = truncate;
  // Python's json.dumps layout (", " and ": " separators, ASCII escapes) so the token is byte-identical to aws's.
  const text = `{${Object.entries(body).map(([k, v]) => `${pyJson(k)}: ${pyJson(v)}`).join(', ')}}`;
  return Buffer.from(text).toString('base64');
}

function pyJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A token from encodeStartingToken, or — when it does not decode as one — the raw service token, as aws does. */
function decodeStartingToken(inputToken: string, token: string): { serviceToken?: string; truncate: number } {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Record<string, unknown>;
    if (decoded && typeof decoded === 'object' && inputToken in decoded) {
      const service = decoded[inputToken];
      // Only a scalar is converted: Number() of a nested array joins it recursively, which a forged token can nest at will.
      const amount = decoded.boto_truncate_amount;
      const truncate = typeof amount === 'number' || typeof amount === 'string' ? Number(amount) : 0;
      return { serviceToken: typeof service === 'string' ? service : undefined, truncate: Number.isInteger(truncate) && truncate > 0 ? truncate : 0 };
    }
  } catch {
    // not ours: sent verbatim
  }
  return { serviceToken: token, truncate: 0 };
}

export async function paginate(
  paginator: Paginator,
  params: Record<string, unknown>,
  options: PagingOptions,
  send: (params: Record<string, unknown>) => Promise<Record<string, unknown>>,
): Promise<PagedResult> {
  const inputToken = first(paginator.input_token);
  const outputToken = first(paginator.output_token);
  const resultKeys = all(paginator.result_key);
  const start = options.startingToken !== undefined ? decodeStartingToken(inputToken, options.startingToken) : { truncate: 0 };
  let token = start.serviceToken;
  let skip = start.truncate;
  const pages: Record<string, unknown>[] = [];
  const merged: Record<string, unknown> = {};
  let remaining = options.maxItems ?? Infinity;
  let nextToken: string | undefined;
  for (;;) {
    const request = { ...params };
    if (token !== undefined) request[inputToken] = token;
    if (options.pageSize !== undefined && paginator.limit_key) request[paginator.limit_key] = options.pageSize;
    const response = await send(request);
    const { [outputToken]: serviceNext, ...page } = response;
    const next = typeof serviceNext === 'string' && serviceNext !== '' ? serviceNext : undefined;
    // Items of the page after the ones a starting token said were already shown.
    const available = Math.max(0, ...resultKeys.map((k) => (Array.isArray(page[k]) ? (page[k] as unknown[]).length : 0)));
    const from = Math.min(skip, available);
    const take = Math.min(available - from, remaining);
    for (const k of resultKeys) if (Array.isArray(page[k])) page[k] = (page[k] as unknown[]).slice(from, from + take);
    pages.push(serviceNext === undefined ? page : { ...page, [outputToken]: serviceNext });
    for (const [k, v] of Object.entries(page)) {
      if (resultKeys.includes(k)) merged[k] = [...((merged[k] as unknown[]) ?? []), ...(v as unknown[])];
      else merged[k] = v;
    }
    remaining -= take;
    skip = 0;
    if (remaining <= 0 && options.maxItems !== undefined) {
      // Stopped by --max-items: mid-page → resume this page after what was shown; at its end → the next page.
      if (from + take < available) nextToken = encodeStartingToken(inputToken, token, from + take);
      else if (next !== undefined) nextToken = encodeStartingToken(inputToken, next);
      break;
    }
    if (next === undefined) break;
    token = next;
  }
  for (const k of resultKeys) merged[k] ??= [];
  if (nextToken !== undefined) merged.NextToken = nextToken;
  return { pages, merged };
}
