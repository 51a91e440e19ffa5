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
import { cookieToken, formFields, formTokenCookie, formTokenMatches, newFormToken } from './forms.js';
import { page, type PageFrame, type Section } from './layout.js';
import { auditedAccounts } from '../audit/api/audited-accounts.js';
import { STYLESHEET } from './styles.js';
import type { DashboardContext } from './context.js';
import { overviewPage } from './pages/overview.js';
import { auditListPage, auditPage } from './pages/audits.js';

export interface DashboardOptions {
  store: Store;
  clock: Clock;
  /** The account and region `/` shows when no account has an audit configuration yet. */
  defaultScope: AccountScope;
  /** Runs an operation for a page, as the API would for `scope`'s caller. */
  invoke(operation: string, input: Record<string, unknown>, scope: AccountScope, requestId: string): Promise<Record<string, any>>;
  /** The HTTP status the API answers an error code with. */
  statusOf(code: string): number;
}

const AUDIT_ID = /^[a-zA-Z0-9_-]{1,40}$/;
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
  if (back) {
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
  return undefined;
}

const redirect = (location: string, status = 302): PageResponse => ({ status, headers: { Location: location, 'Cache-Control': 'no-store' }, body: '' });

export function dashboard(options: DashboardOptions): Pages {
  const answerPage = (status: number, body: string): PageResponse => ({ status, headers: PAGE_HEADERS, body });
  const errorPage = (status: number, title: string, message: Html | string, scope?: PageFrame['scope']) =>
    answerPage(status, page({ title, scope }, html`<section class="panel error-page"><p>${message}</p><p><a href="${scope ? `${scope.base}/` : '/'}">Back to the overview</a></p></section>`));
  const accounts = () => options.store.transaction((db) => auditedAccounts(db));

  return {
    serves(method, path) {
      return (method === 'GET' || method === 'HEAD' || method === 'POST') && (path === '/' || path === '/ui' || path.startsWith('/ui/'));
    },
    async answer(req: PageRequest): Promise<PageResponse> {
      const path = req.path;
      const scoped = /^\/ui\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
      if (req.method === 'POST' && !scoped) return errorPage(405, 'Not a form', `${path} takes no form; forms post to an account's pages.`);
      if (path === '/ui/assets/ui.css')
        return { status: 200, headers: { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' }, body: STYLESHEET };
      // The front door: the most recently audited account, or the default one on a new machine.
      if (path === '/' || path === '/ui' || path === '/ui/') {
        const first = (await accounts())[0] ?? options.defaultScope;
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
      const frame = { ...scope, base: `/ui/${scope.accountId}/${scope.region}`, choices: await accounts() };
      const cookie = cookieToken(req.headers['cookie']);
      const formToken = cookie ?? newFormToken();
      const ctx: DashboardContext = {
        ...scope,
        base: frame.base,
        formToken,
        store: options.store,
        clock: options.clock,
        // Validated against the model as an API request is: filters and page tokens come from the address bar.
        call: (operation, input = {}) => {
          const op = modelOperation(operation);
          return options.invoke(operation, validateInput(op.input?.shape ?? `${operation}Request`, inputShape(op), input), scope, req.requestId);
        },
      };
      const rest = scoped[3] ?? '';
      try {
        if (req.method === 'POST') {
          const action = ACTIONS[rest];
          if (!action) return errorPage(404, 'Page not found', `ddlocal's dashboard has no form at ${path}.`, frame);
          const fields = formFields(req.body);
          if (!formTokenMatches(cookie, fields.get('formToken')))
            return errorPage(403, 'Form refused', 'This form is older than your dashboard session or came from another page. Reload the page and send it again.', frame);
          // 303: the browser follows with a GET, so reloading the next page does not send the form again.
          return redirect(await action(ctx, fields), 303);
        }
        const view = route(rest, req.query);
        if (!view) return errorPage(404, 'Page not found', `ddlocal's dashboard has no page at ${path}.`, frame);
        const rendered = await view.render(ctx);
        const { content, refreshSeconds } = rendered instanceof Html ? { content: rendered, refreshSeconds: undefined } : rendered;
        const response = answerPage(200, page({ title: view.title, section: view.section, refreshSeconds, scope: frame }, content));
        if (!cookie) response.headers = { ...response.headers, 'Set-Cookie': formTokenCookie(formToken) };
        return response;
      } catch (err) {
        // The API's refusal (an unknown audit, a bad page token) is the page's answer, with the API's status and words.
        if (err instanceof ApiError) return errorPage(options.statusOf(err.code), err.code, err.message, frame);
        throw err;
      }
    },
  };
}
