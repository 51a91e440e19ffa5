// CA certificates: the list (ListCACertificates, 100 per page by the API's marker) and one CA (DescribeCACertificate:
// status — what UPDATE_CA_CERTIFICATE mitigation deactivates —, auto-registration, validity, and the device
// certificates it issued, through the certificate list's ListCertificatesByCA filter).
import { html, type Html } from '../../html.js';
import { when } from '../../layout.js';
import type { DashboardContext } from '../../context.js';
import { certificateStatusBadge, fromQuery, pager, PER_PAGE } from './shared.js';
import { caCertificatePath } from './links.js';
import { expiryBadge } from './certificates.js';

export async function caCertificateListPage(ctx: DashboardContext, query: URLSearchParams): Promise<Html> {
  const list = await ctx.call('ListCACertificates', fromQuery({ pageSize: PER_PAGE }, query, ['marker']));
  const cas = (list.certificates ?? []) as Record<string, any>[];
  const path = `${ctx.base}/registry/ca-certificates`;
  return html`${cas.length === 0
    ? html`<p class="empty">No CA certificate is registered in this account and region.</p>`
    : html`<table><thead><tr><th scope="col">CA certificate</th><th scope="col">Status</th><th scope="col">Registered</th></tr></thead>
      <tbody>${cas.map(
        (c) => html`<tr><td><a href="${caCertificatePath(ctx, c.certificateId)}"><code>${c.certificateId}</code></a></td><td>${certificateStatusBadge(c.status)}</td>
          <td class="nowrap">${when(c.creationDate)}</td></tr>`,
      )}</tbody></table>`}
  ${pager(path, query, 'marker', list.nextMarker)}`;
}

export async function caCertificatePage(ctx: DashboardContext, certificateId: string): Promise<Html> {
  const { certificateDescription: ca } = (await ctx.call('DescribeCACertificate', { certificateId })) as { certificateDescription: Record<string, any> };
  const validity = (ca.validity ?? {}) as { notBefore?: unknown; notAfter?: unknown };
  return html`<dl class="facts">
    <dt>Id</dt><dd><code>${ca.certificateId}</code></dd>
    <dt>ARN</dt><dd><code>${ca.certificateArn}</code></dd>
    <dt>Status</dt><dd>${certificateStatusBadge(ca.status)}</dd>
    <dt>Auto-registration</dt><dd>${ca.autoRegistrationStatus ?? '—'}</dd>
    <dt>Valid from</dt><dd>${when(validity.notBefore)}</dd>
    <dt>Valid until</dt><dd>${when(validity.notAfter)} ${expiryBadge(validity.notAfter, ctx.clock.now())}</dd>
    <dt>Mode</dt><dd>${ca.certificateMode ?? '—'}</dd>
    <dt>Registered</dt><dd>${when(ca.creationDate)}</dd>
    <dt>Last modified</dt><dd>${when(ca.lastModifiedDate)}</dd>
    <dt>Device certificates</dt><dd><a href="${ctx.base}/registry/certificates?${new URLSearchParams({ caCertificateId: ca.certificateId })}">The certificates this CA issued</a></dd>
  </dl>
  ${typeof ca.certificatePem === 'string'
    ? html`<section class="panel spaced" aria-labelledby="pem"><h2 id="pem">CA certificate (PEM)</h2><pre tabindex="0">${ca.certificatePem}</pre></section>`
    : ''}
  <p><a href="${ctx.base}/registry/ca-certificates">All CA certificates</a></p>`;
}
