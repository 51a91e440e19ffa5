// What every operation handler receives: the caller's account and region, the request's transaction and ddlocal's
// clock. Handlers take the validated, normalized input and return the output members (timestamps as epoch ms or Date).
import type { Transaction } from 'kysely';
import type { Database } from '../store/schema.js';
import type { Clock } from '../kernel/clock.js';
import type { OperationInput, OperationName, OperationOutput } from '../model/types.generated.js';

export interface RequestContext {
  accountId: string;
  region: string;
  requestId: string;
  /** The request's transaction; every read and write of the handler goes through it. */
  db: Transaction<Database>;
  clock: Clock;
  /** Epoch ms at the start of the request, from ddlocal's clock: one consistent "now" per request. */
  now: number;
  /** The `host[:port]` the client addressed; absent when a handler is called outside an HTTP request. */
  requestHost?: string;
}

/**
 * The handler of one operation: it receives the input validated against the model (types.generated.ts says what
 * that holds) and returns the output members the model gives the operation.
 */
export interface Handler<Op extends OperationName> {
  (input: OperationInput<Op>, ctx: RequestContext): Promise<OperationOutput<Op>>;
  /** Runs at READ COMMITTED on PostgreSQL instead of SERIALIZABLE; see atReadCommitted. */
  readonly readCommitted?: boolean;
}

/** Handlers by operation name; each one must take and return exactly what the model gives its operation. */
export type HandlerTable = { [Op in OperationName]?: Handler<Op> };

/**
 * Marks a handler whose rules hold without SERIALIZABLE: it only inserts rows whose uniqueness a key enforces (a
 * concurrent duplicate fails with a unique violation, the request runs again and answers the proper AWS error) and
 * locks (`forShare`) every row its decision rests on. Such handlers take no predicate locks, so concurrent calls —
 * thousands of certificate registrations in one account — no longer abort each other as serialization failures.
 */
export function atReadCommitted<Fn extends (input: never, ctx: RequestContext) => Promise<unknown>>(
  handler: Fn,
): Fn & { readonly readCommitted: true } {
  return Object.assign(handler, { readCommitted: true as const });
}

/** The (account, region) columns every query filters on. */
export function scope(ctx: RequestContext): { account_id: string; region: string } {
  return { account_id: ctx.accountId, region: ctx.region };
}
