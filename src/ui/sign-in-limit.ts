// Strict mode's sign-in form checks secrets, so it must not be a free guessing oracle: after MAX_FAILURES refused
// sign-ins from one address within WINDOW_MS, that address is refused without its attempt being checked until the
// oldest failure leaves the window. A successful sign-in does not reset the count (a guesser who holds one valid key
// must not unlock guessing another). Real time, not ddlocal's clock (which tests move). At most MAX_ADDRESSES are
// remembered, the least recently failed dropped first, so a flood of addresses cannot grow memory. The count is per
// process: N processes behind a load balancer allow N times as many attempts.
const MAX_FAILURES = 10;
const WINDOW_MS = 15 * 60_000;
const MAX_ADDRESSES = 10_000;

export class SignInLimit {
  /** Failure times per address, oldest first; the Map's order is least recently failed first. */
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxFailures = MAX_FAILURES,
  ) {}

  /** Milliseconds until `address` may try again; 0 when it may now. */
  waitFor(address: string): number {
    const times = this.recent(address);
    if (times.length < this.maxFailures) return 0;
    return times[times.length - this.maxFailures]! + WINDOW_MS - this.now();
  }

  failed(address: string): void {
    const times = this.recent(address);
    times.push(this.now());
    // Keep only what the rule needs: the last maxFailures failures.
    if (times.length > this.maxFailures) times.splice(0, times.length - this.maxFailures);
    this.failures.delete(address);
    this.failures.set(address, times);
    while (this.failures.size > MAX_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
  }

  private recent(address: string): number[] {
    const cutoff = this.now() - WINDOW_MS;
    const times = (this.failures.get(address) ?? []).filter((t) => t > cutoff);
    if (times.length === 0) this.failures.delete(address);
    return times;
  }
}
