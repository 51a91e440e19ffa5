// JSON columns: small helpers so every area reads and writes them the same way.

/**
 * JSON.stringify recurses once per level of `value`. Every caller stores either a request value already walked along
 * the model's shapes (at most 10 levels) or a /_ddlocal/ body whose depth json-body.ts has bounded, never raw user
 * JSON of unknown depth; a value read back with fromJson (JSON.parse, which does not recurse) is one of those.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

export function fromJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  return JSON.parse(text) as T;
}
