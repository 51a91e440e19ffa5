// Opaque, keyset-based pagination tokens (docs/decisions.md#w14): standard base64 of {"v":1,"op","f","k"}, bound to
// the operation and to a hash of the filters it was issued for. Both the token style (nextToken) and the marker style
// (marker) use the same encoding; the model's marker pattern [A-Za-z0-9+/]+={0,2} is satisfied by standard base64.
import { createHash } from 'node:crypto';
import { invalidRequest } from './errors.js';

export const DEFAULT_PAGE_SIZE = 25;

function filterHash(filters: unknown): string {
  return createHash('sha256').update(JSON.stringify(filters ?? null)).digest('base64').slice(0, 12);
}

export function encodeToken(op: string, filters: unknown, key: unknown[]): string {
  return Buffer.from(JSON.stringify({ v: 1, op, f: filterHash(filters), k: key })).toString('base64');
}

const isKeyScalar = (v: unknown) => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** Returns the keyset of a token, or throws InvalidRequestException naming the parameter. */
export function decodeToken(op: string, filters: unknown, token: string, param = 'nextToken'): unknown[] {
  const bad = () => invalidRequest(`${param} is invalid: it was not issued by ddlocal for ${op} with these parameters`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) throw bad();
  let parsed: { v?: number; op?: string; f?: string; k?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw bad();
  }
  if (parsed?.v !== 1 || parsed.op !== op || parsed.f !== filterHash(filters) || !Array.isArray(parsed.k)) throw bad();
  // ddlocal writes only scalars into a key. Anything else is a forged token, and would reach the handlers' String()
  // and SQL parameters: a nested array there recurses once per level (String of a 5,000-deep array overflows).
  if (!parsed.k.every(isKeyScalar)) throw bad();
  return parsed.k;
}

/**
 * Splits one over-fetched page: callers query pageSize + 1 rows after the token's key; if the extra row exists there
 * is a next page, whose token carries the key of the last row returned.
 */
export function pageOf<T>(
  rows: T[],
  pageSize: number,
  op: string,
  filters: unknown,
  keyOf: (row: T) => unknown[],
): { items: T[]; next?: string } {
  if (rows.length <= pageSize) return { items: rows };
  const items = rows.slice(0, pageSize);
  return { items, next: encodeToken(op, filters, keyOf(items[items.length - 1]!)) };
}
