// What the registry pages share: decoding a name from the path, the pager, status badges, attributes, and policy
// documents pretty-printed.
import { html, type Html } from '../../html.js';
import { badgeOf, instantOf } from '../../layout.js';
import { withQuery } from '../audits.js';

/** Rows per page of every registry list: the most ListThings and its kin return. */
export const PER_PAGE = 100;

/**
 * A route's path segment made of the allowed characters or percent escapes; view() decodes it with decodeName.
 * `chars` is a character-class body, e.g. `a-zA-Z0-9:_-`; `max` bounds the encoded length.
 */
export function segmentPattern(chars: string, max: number): string {
  return `((?:[${chars}]|%[0-9A-Fa-f]{2}){1,${max}})`;
}

/** A path segment decoded and checked against the name's strict pattern; undefined (a 404) when either fails. */
export function decodeName(raw: string | undefined, pattern: RegExp): string | undefined {
  if (raw === undefined) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  return pattern.test(name) ? name : undefined;
}

export const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
export const GROUP_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
export const CERTIFICATE_ID = /^[0-9a-f]{64}$/;
export const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;

/** Copies the query parameters the API takes under the same names into its input (empty ones are left out). */
export function fromQuery(input: Record<string, unknown>, query: URLSearchParams, names: string[]): Record<string, unknown> {
  for (const name of names) {
    const value = query.get(name);
    if (value) input[name] = value;
  }
  return input;
}

/** "First page" and "Next page" links of a list paged by the API's token (`param`: nextToken or marker). */
export function pager(path: string, query: URLSearchParams, param: string, next: string | undefined): Html {
  const current = query.get(param);
  if (!current && !next) return html``;
  return html`<p class="pager">${current ? html`<a href="${withQuery(path, query, { [param]: undefined })}">First page</a>` : ''}
    ${next ? html`<a href="${withQuery(path, query, { [param]: next })}">Next page</a>` : ''}</p>`;
}

export function certificateStatusBadge(status: string | undefined): Html {
  return badgeOf(status, { ACTIVE: 'ok', REVOKED: 'bad', PENDING_ACTIVATION: 'warn', PENDING_TRANSFER: 'warn' });
}

/** Attributes (of a thing or group) as a definition list, or a dash. */
export function attributeList(attributes: Record<string, string> | undefined): Html {
  const entries = Object.entries(attributes ?? {});
  if (entries.length === 0) return html`<span class="muted">—</span>`;
  return html`<dl class="facts">${entries.map(([k, v]) => html`<dt>${k}</dt><dd><code>${v}</code></dd>`)}</dl>`;
}

/** Attributes inline, for a table cell. */
export function attributeText(attributes: Record<string, string> | undefined): Html {
  const entries = Object.entries(attributes ?? {});
  if (entries.length === 0) return html`<span class="muted">—</span>`;
  return html`${entries.map(([k, v], i) => html`${i ? ', ' : ''}<code>${k}=${v}</code>`)}`;
}

/** A policy document as indented JSON; the text as stored when it is not JSON (or too deep to print). */
export function prettyDocument(document: unknown): string {
  if (typeof document !== 'string') return '';
  try {
    return JSON.stringify(JSON.parse(document), null, 2);
  } catch {
    return document;
  }
}

/** Epoch milliseconds of an API timestamp (a Date, or epoch milliseconds), if it is one. */
export function epochMs(value: unknown): number | undefined {
  return instantOf(value)?.getTime();
}
