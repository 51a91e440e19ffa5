// Certificates: the list (ListCertificates, or ListCertificatesByCA with `?caCertificateId=`, 100 per page by the API's
// marker; the API has no status filter, so the page has none) and one certificate (DescribeCertificate: status,
// validity and expiry, its CA, the things and policies attached to it).
import { html, type Html } from '../../html.js';
import { badge, when } from '../../layout.js';
import type { DashboardContext } from '../../context.js';
import { DAY_MS } from '../../../kernel/clock.js';
import { certificateStatusBadge, epochMs, fromQuery, pager, PER_PAGE } from './shared.js';
import { caCertificatePath, certificateLink, policyLink, thingLink } from './links.js';

export async function certificateListPage(ctx: DashboardContext, query: URLSearchParams): Promise<Html> {
  const ca = query.get('caCertificateId') ?? '';
  const input = fromQuery({ pageSize: PER_PAGE }, query, ['marker', 'caCertificateId']);
  if (query.get('ascendingOrder') === 'true') input.ascendingOrder = true;
  const list = await ctx.call(ca ? 'ListCertificatesByCA' : 'ListCertificates', input);
  const certificates = (list.certificates ?? []) as Record<string, any>[];
  const path = `${ctx.base}/registry/certificates`;
  return html`<form class="filters" method="get" action="${path}">
    <label>Issued by CA certificate (id) <input name="caCertificateId" value="${ca}" size="40" pattern="[0-9a-f]{64}"></label>
    <label>Order <select name="ascendingOrder">
      <option value="">Newest first</option>
      <option value="true"${query.get('ascendingOrder') === 'true' ? html` selected` : ''}>Oldest first</option>
    </select></label>
    <button type="submit" class="secondary">Show</button>
  </form>
  ${ca ? html`<p>Certificates issued by CA certificate <code>${ca}</code>. <a href="${path}">All certificates</a></p>` : ''}
  ${certificates.length === 0
    ? html`<p class="empty">No certificates${ca ? ' issued by this CA' : ' in this account and region'}.</p>`
    : html`<table><thead><tr><th scope="col">Certificate</th><th scope="col">Status</th><th scope="col">Mode</th><th scope="col">Created</th></tr></thead>
      <tbody>${certificates.map(
        (c) => html`<tr><td>${certificateLink(ctx, c.certificateId)}</td><td>${certificateStatusBadge(c.status)}</td>
          <td>${c.certificateMode ?? '—'}</td><td class="nowrap">${when(c.creationDate)}</td></tr>`,
      )}</tbody></table>`}
  ${pager(path, query, 'marker', list.nextMarker)}`;
}

/** "expires in N days" / "expired N days ago", as a badge whose word says it. */
export function expiryBadge(notAfter: unknown, now: number): Html {
  const end = epochMs(notAfter);
  if (end === undefined) return html``;
  const days = Math.floor((end - now) / DAY_MS);
  if (end <= now) {
    const ago = Math.floor((now - end) / DAY_MS);
    return badge(ago === 0 ? 'expired today' : `expired ${ago} ${ago === 1 ? 'day' : 'days'} ago`, 'bad');
  }
  return badge(days === 0 ? 'expires today' : `expires in ${days} ${days === 1 ? 'day' : 'days'}`, days < 30 ? 'warn' : 'ok');
}

export async function certificatePage(ctx: DashboardContext, certificateId: string): Promise<Html> {
  const { certificateDescription: cert } = (await ctx.call('DescribeCertificate', { certificateId })) as { certificateDescription: Record<string, any> };
  const arn = cert.certificateArn as string;
  const [things, policies] = await Promise.all([
    ctx.call('ListPrincipalThings', { principal: arn, maxResults: PER_PAGE }),
    ctx.call('ListAttachedPolicies', { target: arn, pageSize: PER_PAGE }),
  ]);
  const thingNames = (things.things ?? []) as string[];
  const policyRows = (policies.policies ?? []) as { policyName: string; policyArn: string }[];
  const validity = (cert.validity ?? {}) as { notBefore?: unknown; notAfter?: unknown };
  return html`<dl class="facts">
    <dt>Id</dt><dd><code>${cert.certificateId}</code></dd>
    <dt>ARN</dt><dd><code>${arn}</code></dd>
    <dt>Status</dt><dd>${certificateStatusBadge(cert.status)}</dd>
    <dt>Valid from</dt><dd>${when(validity.notBefore)}</dd>
    <dt>Valid until</dt><dd>${when(validity.notAfter)} ${expiryBadge(validity.notAfter, ctx.clock.now())}</dd>
    <dt>Issued by CA</dt><dd>${cert.caCertificateId
      ? html`<a href="${caCertificatePath(ctx, cert.caCertificateId)}"><code>${cert.caCertificateId}</code></a>`
      : html`<span class="muted">Amazon's CA, or not registered</span>`}</dd>
    <dt>Mode</dt><dd>${cert.certificateMode ?? '—'}</dd>
    <dt>Owned by</dt><dd>${cert.ownedBy ?? '—'}</dd>
    <dt>Created</dt><dd>${when(cert.creationDate)}</dd>
    <dt>Last modified</dt><dd>${when(cert.lastModifiedDate)}</dd>
  </dl>
  <section class="panel spaced" aria-labelledby="things"><h2 id="things">Things attached</h2>
    ${thingNames.length === 0 ? html`<p class="empty">No thing is attached to this certificate.</p>` : html`<ul>${thingNames.map((t) => html`<li>${thingLink(ctx, t)}</li>`)}</ul>`}
    ${things.nextToken ? html`<p class="muted">The first ${PER_PAGE} things are shown.</p>` : ''}
  </section>
  <section class="panel spaced" aria-labelledby="policies"><h2 id="policies">Policies attached</h2>
    ${policyRows.length === 0
      ? html`<p class="empty">No policy is attached to this certificate.</p>`
      : html`<ul>${policyRows.map((p) => html`<li>${policyLink(ctx, p.policyName)}</li>`)}</ul>`}
    ${policies.nextMarker ? html`<p class="muted">The first ${PER_PAGE} policies are shown.</p>` : ''}
  </section>
  ${typeof cert.certificatePem === 'string'
    ? html`<section class="panel spaced" aria-labelledby="pem"><h2 id="pem">Certificate (PEM)</h2><pre tabindex="0">${cert.certificatePem}</pre></section>`
    : ''}
  <p><a href="${ctx.base}/registry/certificates">All certificates</a></p>`;
}
