// The frame every dashboard page shares: document head, skip link, navigation, the account the page shows, main.
import { html, type Html } from './html.js';
import { tokenField } from './forms.js';

export type Section = 'overview' | 'audits' | 'mitigation' | 'registry';

const SECTIONS: { id: Section; path: string; label: string }[] = [
  { id: 'overview', path: '/', label: 'Overview' },
  { id: 'audits', path: '/audits', label: 'Audits' },
  { id: 'mitigation', path: '/mitigation', label: 'Mitigation' },
  { id: 'registry', path: '/registry', label: 'Registry' },
];

export interface PageFrame {
  title: string;
  section?: Section;
  /** Reload after this many seconds only in a browser without script (with script, the page's event stream updates it). */
  noscriptRefreshSeconds?: number;
  /** The account and region shown, and the other ones that can be chosen; absent on pages outside an account. */
  scope?: {
    accountId: string;
    region: string;
    base: string;
    choices: { accountId: string; region: string }[];
    /** Strict mode: who is signed in, and the token of the sign-out form. */
    signedIn?: { principalArn: string; formToken: string };
  };
}

function signOut(signedIn: { principalArn: string; formToken: string }): Html {
  return html`<form class="scope" method="post" action="/ui/sign-out">
    ${tokenField(signedIn.formToken)}
    <span class="muted">${signedIn.principalArn}</span>
    <button type="submit" class="secondary">Sign out</button>
  </form>`;
}

function scopeChooser(scope: NonNullable<PageFrame['scope']>): Html {
  const current = `${scope.accountId}/${scope.region}`;
  const choices = scope.choices.some((c) => `${c.accountId}/${c.region}` === current) ? scope.choices : [scope, ...scope.choices];
  return html`<form class="scope" method="get" action="/ui/switch">
    <label>Account <select name="scope">
      ${choices.map((c) => {
        const value = `${c.accountId}/${c.region}`;
        return html`<option value="${value}"${value === current ? html` selected` : ''}>${c.accountId} · ${c.region}</option>`;
      })}
    </select></label>
    <button type="submit" class="secondary">Show</button>
  </form>`;
}

export function page(frame: PageFrame, content: Html): string {
  const scope = frame.scope;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
${frame.noscriptRefreshSeconds ? html`<noscript><meta http-equiv="refresh" content="${frame.noscriptRefreshSeconds}"></noscript>` : ''}
<title>${frame.title} · ddlocal</title>
<link rel="stylesheet" href="/ui/assets/ui.css">
<script src="/ui/assets/live.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">ddlocal</a>
  ${scope
    ? html`<nav aria-label="Sections"><ul>
    ${SECTIONS.map((s) => html`<li><a href="${scope.base}${s.path}"${s.id === frame.section ? html` aria-current="page"` : ''}>${s.label}</a></li>`)}
  </ul></nav>
  ${scopeChooser(scope)}
  ${scope.signedIn ? signOut(scope.signedIn) : ''}`
    : ''}
</header>
<main id="main">
<h1>${frame.title}</h1>
${content}
</main>
</body>
</html>
`.text;
}

export type Tone = 'ok' | 'bad' | 'warn' | 'info' | 'plain';

/** A status or severity as a coloured badge; the word is always written out, colour only repeats it. */
export function badge(text: string, tone: Tone): Html {
  return html`<span class="badge ${tone}">${text}</span>`;
}

/** A value's badge: its tone from `tones` (plain for any other value), its text the value itself or `text`. */
export function badgeOf(value: string | undefined, tones: Readonly<Record<string, Tone>>, text = value ?? 'UNKNOWN'): Html {
  return badge(text, value !== undefined && Object.hasOwn(tones, value) ? tones[value]! : 'plain');
}

/** An enum value as words: "CHANGED_SINCE" → "changed since". */
export const words = (value: string) => value.replaceAll('_', ' ').toLowerCase();

export function severityBadge(severity: string | undefined): Html {
  const tone = severity === 'CRITICAL' || severity === 'HIGH' ? 'bad' : severity === 'MEDIUM' ? 'warn' : 'info';
  return badge(severity ?? 'UNKNOWN', severity ? tone : 'plain');
}

export function checkStatusBadge(status: string | undefined): Html {
  switch (status) {
    case 'COMPLETED_COMPLIANT':
      return badge('Compliant', 'ok');
    case 'COMPLETED_NON_COMPLIANT':
      return badge('Non-compliant', 'bad');
    case 'FAILED':
      return badge('Failed', 'warn');
    case 'CANCELED':
      return badge('Canceled', 'plain');
    default:
      return badge(status === undefined ? 'Unknown' : words(status), 'info');
  }
}

/** The status of a task (audit or mitigation) or of a mitigation execution (which may also be PENDING). */
export function taskStatusBadge(status: string | undefined): Html {
  return badgeOf(status, { COMPLETED: 'ok', FAILED: 'bad', IN_PROGRESS: 'info', PENDING: 'info' });
}

/** An API timestamp (a Date, or epoch milliseconds) as a Date; undefined for anything else or an invalid one. */
export function instantOf(value: unknown): Date | undefined {
  const date = value instanceof Date ? value : typeof value === 'number' ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/** An instant as the browser's readers expect it: UTC, to the second, machine-readable in <time>. */
export function when(value: unknown): Html {
  const date = instantOf(value);
  if (!date) return html`<span class="muted">—</span>`;
  const iso = date.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 19).replace('T', ' ')} UTC</time>`;
}
