// The dashboard (docs/dashboard.md): server-rendered pages at `/` and `/ui/…`, built from the API's own operations.
// No client framework and no script: every page is a plain HTML document, filters are GET forms, and every view has
// its own URL, so a finding or an audit can be pasted into a ticket.
import type { Pages, PageRequest, PageResponse } from '../kernel/page-route.js';
import { randomUUID } from 'node:crypto';
import { ApiError, invalidRequest } from '../kernel/errors.js';
import { inputShape, operation as modelOperation } from '../model/model.js';
import { validateInput } from '../model/validate.js';
import type { AccountScope } from '../kernel/scope.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../kernel/clock.js';
import { html, Html } from './html.js';
import { cookieToken, formFields, formTokenCookie, formTokenMatches, newFormToken, tokenField } from './forms.js';
import { CLEARED_SESSION_COOKIE, Sessions, sessionCookie, sessionId, type PrincipalVerifier, type SignedInPrincipal } from './sessions.js';
import { page, type PageFrame, type Section } from './layout.js';
import { auditedAccounts } from '../audit/api/audited-accounts.js';
import { STYLESHEET } from './styles.js';
import type { DashboardContext } from './context.js';
import { overviewPage } from './pages/overview.js';
import { auditListPage, auditPage } from './pages/audits.js';
import { findingPage } from './pages/finding.js';

export interface DashboardOptions {
  store: Store;
  clock: Clock;
  /** The account and region `/` shows when no account has an audit configuration yet. */
  defaultScope: AccountScope;
  /** Runs an operation for a page, as the API would for `scope`'s caller (strict mode: as `principal`). */
  invoke(operation: string, input: Record<string, unknown>, scope: AccountScope, requestId: string, principal?: SignedInPrincipal): Promise<Record<string, any>>;
  /** Strict mode: checks a sign-in's access key; absent in open mode, where pages need no sign-in. */
  verifyPrincipal?: PrincipalVerifier;
  /** The HTTP status the API answers an error code with. */
  statusOf(code: string): number;
}

const AUDIT_ID = /^[a-zA-Z0-9_-]{1,40}$/;
const FINDING_ID = /^[a-zA-Z0-9_-]{1,128}$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2,}(?:-[a-z0-9]+){1,4}$/;

/** Security headers of every page: no framing, no script, no inline or foreign style, no referrer leaks. */
const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on form posts, which the Origin rule
  // (docs/decisions.md#w19) refuses.
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** A page's content, and whether it reloads itself (it shows something still running). */
type Rendered = Html | { content: Html; refreshSeconds?: number };

interface View {
  title: string;
  section?: Section;
  render(ctx: DashboardContext): Promise<Rendered>;
}

/** A form's handler: performs the change through the API and answers where the browser goes next. */
type Action = (ctx: DashboardContext, fields: URLSearchParams) => Promise<string>;

/** The state-changing forms, by path below `/ui/<account>/<region>`. */
const ACTIONS: Record<string, Action> = {
  '/audits': async (ctx, fields) => {
    const checks = fields.getAll('check');
    if (checks.length === 0) throw invalidRequest('Tick at least one check to start an audit');
    const out = await ctx.call('StartOnDemandAuditTask', { targetCheckNames: checks });
    return `${ctx.base}/audits/${out.taskId}`;
  },
  '/suppressions': async (ctx, fields) => {
    const change = fields.get('change');
    const checkName = fields.get('checkName') ?? '';
    let resourceIdentifier: unknown;
    try {
      resourceIdentifier = JSON.parse(fields.get('resourceIdentifier') ?? '');
    } catch {
      throw invalidRequest('The finding\'s resource identifier in the form is not JSON');
    }
    if (change === 'suppress')
      await ctx.call('CreateAuditSuppression', {
        checkName,
        resourceIdentifier,
        suppressIndefinitely: true,
        description: 'Suppressed from the dashboard',
        clientRequestToken: randomUUID(),
      });
    else if (change === 'unsuppress') await ctx.call('DeleteAuditSuppression', { checkName, resourceIdentifier });
    else throw invalidRequest('change must be suppress or unsuppress');
    return returnPath(ctx, fields.get('back'));
  },
};

/** Where a form returns to: a page of the same account, never another site or account. */
function returnPath(ctx: DashboardContext, back: string | null): string {
  // URL.canParse first: `new URL('http://[')` throws, and a form's field must never make the answer a 500.
  if (back && URL.canParse(back, 'http://ddlocal.invalid')) {
    const url = new URL(back, 'http://ddlocal.invalid');
    if (url.origin === 'http://ddlocal.invalid' && url.pathname.startsWith(`${ctx.base}/`)) return `${url.pathname}${url.search}`;
  }
  return `${ctx.base}/`;
}

/** The view of a path below `/ui/<account>/<region>`. */
function route(rest: string, query: URLSearchParams): View | undefined {
  if (rest === '' || rest === '/') return { title: 'Overview', section: 'overview', render: (ctx) => overviewPage(ctx) };
  if (rest === '/audits') return { title: 'Audits', section: 'audits', render: (ctx) => auditListPage(ctx, query) };
  const audit = /^\/audits\/([^/]+)$/.exec(rest);
  if (audit && AUDIT_ID.test(audit[1]!)) {
    const taskId = audit[1]!;
    return { title: `Audit ${taskId}`, section: 'audits', render: (ctx) => auditPage(ctx, taskId, query) };
  }
  const finding = /^\/findings\/([^/]+)$/.exec(rest);
  if (finding && FINDING_ID.test(finding[1]!)) {
    const findingId = finding[1]!;
    return { title: 'Finding', section: 'audits', render: (ctx) => findingPage(ctx, findingId, query) };
  }
  return undefined;
}

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
  const sessions = options.verifyPrincipal ? new Sessions() : undefined;
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
      const principal = options.verifyPrincipal(fields.get('accessKeyId') ?? '', fields.get('secretAccessKey') ?? '', fields.get('sessionToken') ?? '');
      // One message for every mismatch: the page does not tell which part of a key was wrong.
      if (!principal) return signInPage(403, 'The access key id, secret access key or session token is not right.');
      return redirect('/', 303, sessionCookie(sessions.open(principal)));
    }
    if (req.path === '/ui/sign-out' && req.method === 'POST') {
      if (!formTokenMatches(formCookie, formFields(req.body).get('formToken'))) return errorPage(403, 'Form refused', 'Reload the page and sign out again.');
      sessions.close(sessionId(req.headers['cookie']));
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
      if (path === '/ui/assets/ui.css')
        return { status: 200, headers: { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' }, body: STYLESHEET };
      const formCookie = cookieToken(req.headers['cookie']);
      const signed = await signing(req, formCookie);
      if (signed) return signed;
      // Strict mode: nothing but the stylesheet and sign-in without a session.
      const principal = sessions?.find(sessionId(req.headers['cookie']));
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
      };
      const rest = scoped[3] ?? '';
      try {
        if (req.method === 'POST') {
          const action = ACTIONS[rest];
          if (!action) return errorPage(404, 'Page not found', `ddlocal's dashboard has no form at ${path}.`, frame);
          const fields = formFields(req.body);
          if (!formTokenMatches(formCookie, fields.get('formToken')))
            return errorPage(403, 'Form refused', 'This form is older than your dashboard session or came from another page. Reload the page and send it again.', frame);
          // 303: the browser follows with a GET, so reloading the next page does not send the form again.
          return redirect(await action(ctx, fields), 303);
        }
        const view = route(rest, req.query);
        if (!view) return errorPage(404, 'Page not found', `ddlocal's dashboard has no page at ${path}.`, frame);
        const rendered = await view.render(ctx);
        const { content, refreshSeconds } = rendered instanceof Html ? { content: rendered, refreshSeconds: undefined } : rendered;
        return answerPage(200, page({ title: view.title, section: view.section, refreshSeconds, scope: frame }, content), formCookie ? [] : [formTokenCookie(formToken)]);
      } catch (err) {
        // The API's refusal (an unknown audit, a bad page token, a denied action) is the page's answer, with the API's
        // status and words.
        if (err instanceof ApiError) return errorPage(options.statusOf(err.code), err.code, err.message, frame);
        throw err;
      }
    },
  };
}
