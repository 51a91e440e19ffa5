// Strict mode's browser sign-in (docs/dashboard.md): an access key and its secret, checked once against the same
// credentials table that verifies SigV4 signatures, open a session. The browser then holds only a random session id in
// an HttpOnly, SameSite=Strict cookie, and every page and form runs as that principal through the same IAM evaluation
// as a signed API request.
//
// Sessions live in the store (migration 011), so every ddlocal process sharing a PostgreSQL database knows them, and
// so does a restarted one; only the SHA-256 of a session id is stored. They expire after SESSION_MS of real time (not
// ddlocal's clock, which tests move by years), and at most `maxSessions` are kept, the oldest dropped first, so no
// number of sign-ins can grow the table without bound.
import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import { cookieValue } from './cookies.js';

export const SESSION_COOKIE = 'ddlocal_session';
const SESSION_MS = 8 * 3_600_000;
const MAX_SESSIONS = 10_000;
const SESSION_ID = /^[0-9a-f]{64}$/;

/** Who a session acts as. */
export interface SignedInPrincipal {
  accessKeyId: string;
  accountId: string;
  principalArn: string;
}

/** Checks an access key, its secret and (for temporary keys) its session token; undefined when they do not match. */
export type PrincipalVerifier = (accessKeyId: string, secretAccessKey: string, sessionToken: string) => SignedInPrincipal | undefined;

const hashOf = (id: string) => createHash('sha256').update(id).digest('hex');

export class Sessions {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
    private readonly maxSessions = MAX_SESSIONS,
  ) {}

  async open(principal: SignedInPrincipal): Promise<string> {
    const id = randomBytes(32).toString('hex');
    const now = this.now();
    await this.store.transaction(async (db) => {
      await db.deleteFrom('dashboard_sessions').where('expires_at', '<=', now).execute();
      const { n } = await db.selectFrom('dashboard_sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const excess = Number(n) - this.maxSessions + 1;
      if (excess > 0) {
        // The oldest sessions expire first: all last the same time.
        const oldest = db.selectFrom('dashboard_sessions').select('session_hash').orderBy('expires_at').orderBy('session_hash').limit(excess);
        await db.deleteFrom('dashboard_sessions').where('session_hash', 'in', oldest).execute();
      }
      await db
        .insertInto('dashboard_sessions')
        .values({
          session_hash: hashOf(id),
          access_key_id: principal.accessKeyId,
          account_id: principal.accountId,
          principal_arn: principal.principalArn,
          created_at: now,
          expires_at: now + SESSION_MS,
        })
        .execute();
    });
    return id;
  }

  async find(id: string | undefined): Promise<SignedInPrincipal | undefined> {
    if (!id) return undefined;
    const row = await this.store.transaction((db) =>
      db.selectFrom('dashboard_sessions').selectAll().where('session_hash', '=', hashOf(id)).where('expires_at', '>', this.now()).executeTakeFirst(),
    );
    return row && { accessKeyId: row.access_key_id, accountId: row.account_id, principalArn: row.principal_arn };
  }

  async close(id: string | undefined): Promise<void> {
    if (id) await this.store.transaction((db) => db.deleteFrom('dashboard_sessions').where('session_hash', '=', hashOf(id)).execute());
  }
}

export function sessionCookie(id: string): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict`;
}

export const CLEARED_SESSION_COOKIE = `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;

/** The session id of the request's cookie, if it has a well-formed one. */
export function sessionId(cookieHeader: string | undefined): string | undefined {
  return cookieValue(cookieHeader, SESSION_COOKIE, SESSION_ID);
}
