// How a feature's pages plug into the dashboard: views (GET pages), actions (POST forms) and event streams (live
// progress), each matched by a pattern on the path below `/ui/<account>/<region>`. Each section of the dashboard
// (audits, mitigation, registry) exports one PageRoutes; dashboard.ts only walks them.
import type { Html } from './html.js';
import type { DashboardContext } from './context.js';
import type { Section } from './layout.js';
import type { EventStream } from '../kernel/page-route.js';

/**
 * A page's content, and whether it reloads itself when the browser runs no script (a page of something still
 * running: with script, its event stream keeps it live).
 */
export type Rendered = Html | { content: Html; noscriptRefreshSeconds?: number };

export interface View {
  title: string;
  section?: Section;
  render(ctx: DashboardContext): Promise<Rendered>;
}

export interface ViewRoute {
  /** Anchored pattern on the path below the account's base; its groups are the `params`. */
  path: RegExp;
  view(params: string[], query: URLSearchParams): View | undefined;
}

/**
 * A form's handler: performs the change through the API and answers where the browser goes next (a path), or, for a
 * change whose answer is not stored anywhere (an undo's per-execution results), the page that shows it.
 */
export interface ActionRoute {
  path: RegExp;
  act(ctx: DashboardContext, fields: URLSearchParams, params: string[]): Promise<string | ActionPage>;
}

export interface ActionPage {
  title: string;
  section?: Section;
  content: Html;
}

/** A `text/event-stream` endpoint (GET), authorized and scoped like a page. */
export interface StreamRoute {
  path: RegExp;
  /** Throws the API's error (an unknown task) before anything is streamed, so it is answered as an error page. */
  stream(ctx: DashboardContext, params: string[], query: URLSearchParams): Promise<EventStream>;
}

export interface PageRoutes {
  views: ViewRoute[];
  actions: ActionRoute[];
  streams?: StreamRoute[];
}

/** The first route of `routes` whose pattern matches `rest`, with the pattern's groups. */
export function matchRoute<R extends { path: RegExp }>(routes: R[], rest: string): { route: R; params: string[] } | undefined {
  for (const route of routes) {
    const m = route.path.exec(rest);
    if (m) return { route, params: m.slice(1).map((p) => p ?? '') };
  }
  return undefined;
}

/** Where a form returns to: a page of the same account, never another site or account. */
export function returnPath(ctx: DashboardContext, back: string | null): string {
  // URL.canParse first: `new URL('http://[')` throws, and a form's field must never make the answer a 500.
  if (back && URL.canParse(back, 'http://ddlocal.invalid')) {
    const url = new URL(back, 'http://ddlocal.invalid');
    if (url.origin === 'http://ddlocal.invalid' && url.pathname.startsWith(`${ctx.base}/`)) return `${url.pathname}${url.search}`;
  }
  return `${ctx.base}/`;
}
