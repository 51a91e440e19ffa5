// Strict mode's browser sign-in (docs/dashboard.md): an access key and its secret, checked once against the same
// credentials table that verifies SigV4 signatures, open a session. The browser then holds only a random session id in
// an HttpOnly, SameSite=Strict cookie, and every page and form runs as that principal through the same IAM evaluation
// as a signed API request.
//
// Sessions live in this process's memory: a restart, or a second ddlocal process behind a load balancer, asks for
// sign-in again. They expire after SESSION_MS of real time (not ddlocal's clock, which tests move by years), and at
// most MAX_SESSIONS are kept, the oldest dropped first, so no number of sign-ins can grow memory without bound.
import { randomBytes } from 'node:crypto';
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

export class Sessions {
  /** In creation order, which is also expiry order: Map iteration gives the oldest first. */
  private readonly byId = new Map<string, { principal: SignedInPrincipal; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  open(principal: SignedInPrincipal): string {
    this.dropExpired();
    while (this.byId.size >= MAX_SESSIONS) this.byId.delete(this.byId.keys().next().value!);
    const id = randomBytes(32).toString('hex');
    this.byId.set(id, { principal, expiresAt: this.now() + SESSION_MS });
    return id;
  }

  find(id: string | undefined): SignedInPrincipal | undefined {
    if (!id) return undefined;
    const session = this.byId.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.now()) {
      this.byId.delete(id);
      return undefined;
    }
    return session.principal;
  }

  close(id: string | undefined): void {
    if (id) this.byId.delete(id);
  }

  /** Expired sessions are at the front (creation order): stop at the first live one. */
  private dropExpired(): void {
    const now = this.now();
    for (const [id, session] of this.byId) {
      if (session.expiresAt > now) return;
      this.byId.delete(id);
    }
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
