// The dashboard (docs/dashboard.md): server-rendered pages at `/` and `/ui/…`, built from the API's own operations.
// No client framework: every page is a plain HTML document, filters are GET forms, changes are POST forms, and every
// view has its own URL, so a finding or a task can be pasted into a ticket. The one script (live.js) only follows a
// running task's event stream. Each section's addresses are a table (routes.ts); this module matches them, checks
// sessions and form tokens, and frames the pages.
import type { Pages, PageRequest, PageResponse } from '../kernel/page-route.js';
import { ApiError } from '../kernel/errors.js';
import { inputShape, operation as modelOperation } from '../model/model.js';
import { validateInput } from '../model/validate.js';
import type { AccountScope } from '../kernel/scope.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../kernel/clock.js';
import { html, Html } from './html.js';
import { cookieToken, formFields, formTokenCookie, formTokenMatches, newFormToken, tokenField } from './forms.js';
import { CLEARED_SESSION_COOKIE, Sessions, sessionCookie, sessionId, type PrincipalVerifier, type SignedInPrincipal } from './sessions.js';
import { page, type PageFrame } from './layout.js';
import { SignInLimit } from './sign-in-limit.js';
import { SharedReads } from './shared-reads.js';
import { auditedAccounts } from '../audit/api/audited-accounts.js';
import { STYLESHEET } from './styles.js';
import { LIVE_SCRIPT } from './live-script.js';
import type { DashboardContext } from './context.js';
import { matchRoute, type PageRoutes } from './routes.js';
import { AUDIT_ROUTES } from './pages/audit-routes.js';
import { MITIGATION_ROUTES } from './pages/mitigation/routes.js';
import { REGISTRY_ROUTES } from './pages/registry/routes.js';

export interface DashboardOptions {
  store: Store;
  clock: Clock;
  /** The account and region `/` shows when no account has an audit configuration yet. */
  defaultScope: AccountScope;
  /** Runs an operation for a page, as the API would for `scope`'s caller (strict mode: as `principal`). */
  invoke(operation: string, input: Record<string, unknown>, scope: AccountScope, requestId: string, principal?: SignedInPrincipal): Promise<Record<string, any>>;
  /**
   * Runs one of ddlocal's own `/_ddlocal/` endpoints for a page (the mitigation preview and undo), authorized as the
   * API authorizes it for `scope`'s caller; answers its JSON body.
   */
  invokeExtension(method: string, path: string, body: unknown, scope: AccountScope, requestId: string, principal?: SignedInPrincipal): Promise<unknown>;
  /** Strict mode: checks a sign-in's access key; absent in open mode, where pages need no sign-in. */
  verifyPrincipal?: PrincipalVerifier;
  /** The HTTP status the API answers an error code with. */
  statusOf(code: string): number;
}

/** The files every page loads, served from the package itself (no CDN). */
const ASSETS: Record<string, { type: string; body: string }> = {
  '/ui/assets/ui.css': { type: 'text/css; charset=utf-8', body: STYLESHEET },
  '/ui/assets/live.js': { type: 'text/javascript; charset=utf-8', body: LIVE_SCRIPT },
};

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2,}(?:-[a-z0-9]+){1,4}$/;

/**
 * Security headers of every page: no framing, no inline script or style, nothing from another origin, no referrer
 * leaks. The one script (live.js, ddlocal's own) only opens the event streams of live pages.
 */
const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on form posts, which the Origin rule
  // (docs/decisions.md#w19) refuses.
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** Every section's routes, in the order they are tried. */
const SECTIONS: PageRoutes[] = [AUDIT_ROUTES, MITIGATION_ROUTES, REGISTRY_ROUTES];
const VIEWS = SECTIONS.flatMap((s) => s.views);
const ACTIONS = SECTIONS.flatMap((s) => s.actions);
const STREAMS = SECTIONS.flatMap((s) => s.streams ?? []);

const redirect = (location: string, status = 302, cookie?: string): PageResponse => ({
  status,
  headers: { Location: location, 'Cache-Control': 'no-store', ...(cookie ? { 'Set-Cookie': cookie } : {}) },
  body: '',
});

/** The sign-in form of strict mode; `problem` says why the last attempt was refused. */
function signInForm(formToken: string, problem?: string): Html {
  return html`${problem ? html`<p class="panel error-page" role="alert">${problem}</p>` : ''}
  <section class="panel" aria-labelledby="sign-in"><h2 id="sign-in">Sign in with an access key</h2>
    <p class="muted">This ddlocal runs in strict mode: pages show what the key's principal may see, and forms do what it
    may do, as its signed API requests would.</p>
    <form method="post" action="/ui/sign-in" class="stacked">
      ${tokenField(formToken)}
      <label>Access key id <input name="accessKeyId" autocomplete="username" required></label>
      <label>Secret access key <input name="secretAccessKey" type="password" autocomplete="current-password" required></label>
      <label>Session token (temporary keys only) <input name="sessionToken" type="password" autocomplete="off"></label>
      <button type="submit">Sign in</button>
    </form>
  </section>`;
}

export function dashboard(options: DashboardOptions): Pages {
  const sessions = options.verifyPrincipal ? new Sessions(options.store) : undefined;
  const signInLimit = new SignInLimit();
  const sharedReads = new SharedReads();
  const answerPage = (status: number, body: string, cookies: string[] = []): PageResponse => ({
    status,
    headers: cookies.length ? { ...PAGE_HEADERS, 'Set-Cookie': cookies } : PAGE_HEADERS,
    body,
  });
  const errorPage = (status: number, title: string, message: Html | string, scope?: PageFrame['scope']) =>
    answerPage(status, page({ title, scope }, html`<section class="panel error-page"><p>${message}</p><p><a href="${scope ? `${scope.base}/` : '/'}">Back to the overview</a></p></section>`));
  /** The accounts the chooser offers: every audited one in open mode, the principal's own in strict mode. */
  const accounts = async (principal: SignedInPrincipal | undefined) => {
    const all = await options.store.transaction((db) => auditedAccounts(db));
    return principal ? all.filter((a) => a.accountId === principal.accountId) : all;
  };

  /** Strict mode's sign-in and sign-out; undefined for any other path. */
  async function signing(req: PageRequest, formCookie: string | undefined): Promise<PageResponse | undefined> {
    if (!sessions || !options.verifyPrincipal) return undefined;
    const formToken = formCookie ?? newFormToken();
    const cookies = formCookie ? [] : [formTokenCookie(formToken)];
    const signInPage = (status: number, problem?: string) =>
      answerPage(status, page({ title: 'Sign in' }, signInForm(formToken, problem)), cookies);
    if (req.path === '/ui/sign-in' && req.method !== 'POST') return signInPage(200);
    if (req.path === '/ui/sign-in') {
      const fields = formFields(req.body);
      if (!formTokenMatches(formCookie, fields.get('formToken'))) return signInPage(403, 'The sign-in form had expired. Send it again.');
      const address = req.sourceIp ?? 'unknown';
      const wait = signInLimit.waitFor(address);
      if (wait > 0) return signInPage(429, `Too many refused sign-ins from ${address}. Try again in ${Math.ceil(wait / 60_000)} minutes.`);
      const principal = options.verifyPrincipal(fields.get('accessKeyId') ?? '', fields.get('secretAccessKey') ?? '', fields.get('sessionToken') ?? '');
      // One message for every mismatch: the page does not tell which part of a key was wrong.
      if (!principal) {
        signInLimit.failed(address);
        return signInPage(403, 'The access key id, secret access key or session token is not right.');
      }
      return redirect('/', 303, sessionCookie(await sessions.open(principal)));
    }
    if (req.path === '/ui/sign-out' && req.method === 'POST') {
      if (!formTokenMatches(formCookie, formFields(req.body).get('formToken'))) return errorPage(403, 'Form refused', 'Reload the page and sign out again.');
      await sessions.close(sessionId(req.headers['cookie']));
      return redirect('/ui/sign-in', 303, CLEARED_SESSION_COOKIE);
    }
    return undefined;
  }

  return {
    serves(method, path) {
      return (method === 'GET' || method === 'HEAD' || method === 'POST') && (path === '/' || path === '/ui' || path.startsWith('/ui/'));
    },
    async answer(req: PageRequest): Promise<PageResponse> {
      const path = req.path;
      const asset = ASSETS[path];
      if (asset) return { status: 200, headers: { 'Content-Type': asset.type, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' }, body: asset.body };
      const formCookie = cookieToken(req.headers['cookie']);
      const signed = await signing(req, formCookie);
      if (signed) return signed;
      // Strict mode: nothing but the stylesheet and sign-in without a session.
      const principal = await sessions?.find(sessionId(req.headers['cookie']));
      if (sessions && !principal)
        return req.method === 'POST' ? errorPage(403, 'Signed out', 'Your session has ended. Sign in again.') : redirect('/ui/sign-in');
      const scoped = /^\/ui\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
      if (req.method === 'POST' && !scoped) return errorPage(405, 'Not a form', `${path} takes no form; forms post to an account's pages.`);
      // The front door: the signed-in principal's account, or the most recently audited one, or the default one.
      if (path === '/' || path === '/ui' || path === '/ui/') {
        const first = (await accounts(principal))[0] ?? (principal ? { ...options.defaultScope, accountId: principal.accountId } : options.defaultScope);
        return redirect(`/ui/${first.accountId}/${first.region}/`);
      }
      if (path === '/ui/switch') {
        const [accountId, region] = (req.query.get('scope') ?? '').split('/');
        if (!accountId || !region || !ACCOUNT.test(accountId) || !REGION.test(region))
          return errorPage(400, 'Unknown account', 'Choose an account as 12 digits and a region, e.g. 123456789012/us-east-1.');
        return redirect(`/ui/${accountId}/${region}/`);
      }
      if (!scoped || !ACCOUNT.test(scoped[1]!) || !REGION.test(scoped[2]!))
        return errorPage(404, 'Page not found', `ddlocal's dashboard has no page at ${path}.`);
      const scope = { accountId: scoped[1]!, region: scoped[2]! };
      if (principal && principal.accountId !== scope.accountId)
        return errorPage(403, 'AccessDeniedException', `You are signed in as ${principal.principalArn}, which acts in account ${principal.accountId}, not ${scope.accountId}.`);
      const formToken = formCookie ?? newFormToken();
      const frame = {
        ...scope,
        base: `/ui/${scope.accountId}/${scope.region}`,
        choices: await accounts(principal),
        signedIn: principal && { principalArn: principal.principalArn, formToken },
      };
      const ctx: DashboardContext = {
        ...scope,
        base: frame.base,
        formToken,
        store: options.store,
        clock: options.clock,
        // Validated against the model as an API request is: filters and page tokens come from the address bar.
        call: (operation, input = {}) => {
          const op = modelOperation(operation);
          return options.invoke(operation, validateInput(op.input?.shape ?? `${operation}Request`, inputShape(op), input), scope, req.requestId, principal);
        },
        extension: (method, extensionPath, body) => options.invokeExtension(method, extensionPath, body, scope, req.requestId, principal),
      };
      const rest = scoped[3] ?? '';
      try {
        if (req.method === 'POST') {
          const action = matchRoute(ACTIONS, rest);
          if (!action) return errorPage(404, 'Page not found', `ddlocal's dashboard has no form at ${path}.`, frame);
          const fields = formFields(req.body);
          if (!formTokenMatches(formCookie, fields.get('formToken')))
            return errorPage(403, 'Form refused', 'This form is older than your dashboard session or came from another page. Reload the page and send it again.', frame);
          // 303: the browser follows with a GET, so reloading the next page does not send the form again.
          const next = await action.route.act(ctx, fields, action.params);
          if (typeof next === 'string') return redirect(next, 303);
          return answerPage(200, page({ title: next.title, section: next.section, scope: frame }, next.content));
        }
        const stream = matchRoute(STREAMS, rest);
        if (stream && req.method === 'GET') {
          // A stream's reads are shared with the other streams of the same caller asking the same within a second.
          const caller = `${principal?.principalArn ?? ''}|${scope.accountId}|${scope.region}`;
          const live = { ...ctx, call: (operation: string, input: Record<string, unknown> = {}) => sharedReads.get(`${caller}|${operation}|${JSON.stringify(input)}`, () => ctx.call(operation, input)) };
          return { status: 200, headers: { 'X-Content-Type-Options': 'nosniff' }, body: '', events: await stream.route.stream(live, stream.params, req.query) };
        }
        const found = matchRoute(VIEWS, rest);
        const view = found?.route.view(found.params, req.query);
        if (!view) return errorPage(404, 'Page not found', `ddlocal's dashboard has no page at ${path}.`, frame);
        const rendered = await view.render(ctx);
        const { content, ...reload } = rendered instanceof Html ? { content: rendered } : rendered;
        return answerPage(200, page({ title: view.title, section: view.section, ...reload, scope: frame }, content), formCookie ? [] : [formTokenCookie(formToken)]);
      } catch (err) {
        // The API's refusal (an unknown audit, a bad page token, a denied action) is the page's answer, with the API's
        // status and words.
        if (err instanceof ApiError) return errorPage(options.statusOf(err.code), err.code, err.message, frame);
        throw err;
      }
    },
  };
}
