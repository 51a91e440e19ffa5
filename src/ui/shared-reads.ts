// Live views poll the API once a second each: ten browsers on one 100,000-finding task would each run
// DescribeAuditMitigationActionsTask (≈ 40 ms there, docs/benchmarks.md) every second. Streams of the same caller
// asking the same question within the same second share one answer instead, so the cost of a live task grows with
// the number of tasks watched, not of watchers. Keys name the caller, so no principal ever sees an answer made for
// another; a failed read is not kept. Real time, not ddlocal's clock (which tests move or freeze).
export class SharedReads {
  private readonly entries = new Map<string, { expiresAt: number; answer: Promise<unknown> }>();

  constructor(
    private readonly ttlMs = 900,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The answer `read` gives for `key`, shared with every call for the same key in the last `ttlMs`. */
  get<T>(key: string, read: () => Promise<T>): Promise<T> {
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > now) return entry.answer as Promise<T>;
    this.sweep(now);
    const answer = read();
    this.entries.set(key, { expiresAt: now + this.ttlMs, answer });
    // A refusal (the task was purged, the caller lost its permission) must be asked again, not served from here.
    answer.catch(() => {
      if (this.entries.get(key)?.answer === answer) this.entries.delete(key);
    });
    return answer;
  }

  /** Drops expired entries: at most one per watched question is ever kept. */
  private sweep(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
