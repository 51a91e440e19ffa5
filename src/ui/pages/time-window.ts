// The time window the list pages ask the API for: everything it still keeps. Audit results are kept 90 days; the
// start is a minute inside that, so the API's "within the last 90 days" rule holds when the request reaches it.
import { DAY_MS } from '../../kernel/clock.js';

export function retainedWindow(now: number): { startTime: Date; endTime: Date } {
  return { startTime: new Date(now - 90 * DAY_MS + 60_000), endTime: new Date(now + DAY_MS) };
}
