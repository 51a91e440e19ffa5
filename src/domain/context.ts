// What every operation handler receives: the caller's account and region, the request's transaction and ddlocal's
// clock. Handlers take the validated, normalized input and return the output members (timestamps as epoch ms or Date).
import type { Transaction } from 'kysely';
import type { Database } from '../store/schema.js';
import type { Clock } from '../clock.js';

export interface RequestContext {
  accountId: string;
  region: string;
  requestId: string;
  /** The request's transaction; every read and write of the handler goes through it. */
  db: Transaction<Database>;
  clock: Clock;
  /** Epoch ms at the start of the request, from ddlocal's clock: one consistent "now" per request. */
  now: number;
}

// Inputs arrive validated against the model; handlers read them as loosely typed records.
export type Input = Record<string, any>;
export type Output = Record<string, unknown>;
export type Handler = (input: Input, ctx: RequestContext) => Promise<Output>;
export type HandlerTable = Record<string, Handler>;

/** The (account, region) columns every query filters on. */
export function scope(ctx: RequestContext): { account_id: string; region: string } {
  return { account_id: ctx.accountId, region: ctx.region };
}
