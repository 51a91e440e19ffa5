// Forms that change state (start an audit, suppress a finding) are POSTs carrying a token that must equal the one in
// the browser's dashboard cookie: a page of another site cannot read the cookie, so it cannot forge the field. This is
// on top of the Origin rules every request meets (docs/decisions.md#w19); the cookie is HttpOnly and SameSite=Strict,
// so the browser never sends it with a request another site starts.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { html, type Html } from './html.js';
import { cookieValue } from './cookies.js';

export const FORM_TOKEN_COOKIE = 'ddlocal_form';
const TOKEN = /^[0-9a-f]{64}$/;

/** The form token of the request's cookie, if it has a well-formed one. */
export function cookieToken(cookieHeader: string | undefined): string | undefined {
  return cookieValue(cookieHeader, FORM_TOKEN_COOKIE, TOKEN);
}

export function newFormToken(): string {
  return randomBytes(32).toString('hex');
}

export function formTokenCookie(token: string): string {
  return `${FORM_TOKEN_COOKIE}=${token}; Path=/ui; HttpOnly; SameSite=Strict`;
}

/** Whether a posted token is the cookie's (compared in constant time). */
export function formTokenMatches(cookie: string | undefined, posted: string | null): boolean {
  if (!cookie || !posted || !TOKEN.test(posted)) return false;
  return timingSafeEqual(Buffer.from(cookie), Buffer.from(posted));
}

/** The hidden field every state-changing form carries. */
export function tokenField(token: string): Html {
  return html`<input type="hidden" name="formToken" value="${token}">`;
}

/** A urlencoded form body (what browsers post), as URLSearchParams. */
export function formFields(body: Buffer): URLSearchParams {
  return new URLSearchParams(body.toString('utf8'));
}
