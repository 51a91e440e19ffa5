// The request context an IAM policy is evaluated against: condition keys (aws:SourceIp, aws:CurrentTime,
// aws:PrincipalArn, aws:RequestTag/<key>, iot:…) and their values. IAM compares key names without regard to case, so
// the keys are folded once when the context is built, and every lookup afterwards is one map access.

/** One value of a condition key. Dates and numbers keep their type so Date and Numeric operators need not re-parse. */
export type ContextScalar = string | boolean | number | Date;

/** What a caller may give for one key: one value, or a list for multivalued keys such as aws:TagKeys. */
export type ContextValue = ContextScalar | readonly string[];

/** The caller's view of a request context: key → value, keys in any case; undefined means "not in the request". */
export type RequestContextInput = Readonly<Record<string, ContextValue | undefined>>;

export class RequestContext {
  private readonly values = new Map<string, readonly ContextScalar[]>();
  /** Keys given as lists: multivalued even when the list has one value. */
  private readonly lists = new Set<string>();

  /**
   * An empty list counts as a missing key, as IAM treats a key that resolves to an empty set; two input keys that
   * differ only in case name the same condition key, and the later one wins.
   */
  constructor(input: RequestContextInput = {}) {
    for (const [key, value] of Object.entries(input)) {
      if (value === undefined) continue;
      const lowerCaseKey = key.toLowerCase();
      const isList = Array.isArray(value);
      const list: readonly ContextScalar[] = isList ? value : [value as ContextScalar];
      if (list.length === 0) this.values.delete(lowerCaseKey);
      else this.values.set(lowerCaseKey, list);
      if (isList) this.lists.add(lowerCaseKey);
      else this.lists.delete(lowerCaseKey);
    }
  }

  /** The values of a key given in lower case, or undefined when the request does not carry it. */
  get(lowerCaseKey: string): readonly ContextScalar[] | undefined {
    return this.values.get(lowerCaseKey);
  }

  /**
   * The text a policy variable `${key}` stands for, or undefined when the key is missing or multivalued: IAM cannot
   * substitute a list into a string, so such a variable resolves to nothing.
   */
  variableText(lowerCaseKey: string): string | undefined {
    const list = this.values.get(lowerCaseKey);
    return list === undefined || this.lists.has(lowerCaseKey) ? undefined : scalarText(list[0]!);
  }
}

/** A context value as text: dates as ISO-8601 in UTC without a fraction of zero, as IAM writes aws:CurrentTime. */
export function scalarText(value: ContextScalar): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString().replace('.000Z', 'Z');
  return String(value);
}
