// The registry's front page: the first few of each kind (one small page of each list call, never a full scan) and
// the way to each list.
import { html, type Html } from '../../html.js';
import type { DashboardContext } from '../../context.js';
import { certificateStatusBadge } from './shared.js';
import { caCertificatePath, certificatePath, policyLink, thingGroupLink, thingLink } from './links.js';

/** How many of each kind the front page lists. */
const SHOWN = 10;

function panel(id: string, title: string, href: string, rows: Html[], more: boolean, none: string): Html {
  return html`<section class="panel" aria-labelledby="${id}"><h2 id="${id}"><a href="${href}">${title}</a></h2>
    ${rows.length === 0 ? html`<p class="empty">${none}</p>` : html`<ul>${rows.map((r) => html`<li>${r}</li>`)}</ul>`}
    <p><a href="${href}">${more ? `All ${title.toLowerCase()} (more than ${SHOWN})` : `All ${title.toLowerCase()}`}</a></p>
  </section>`;
}

export async function registryIndexPage(ctx: DashboardContext): Promise<Html> {
  const [things, groups, certificates, cas, policies] = await Promise.all([
    ctx.call('ListThings', { maxResults: SHOWN }),
    ctx.call('ListThingGroups', { maxResults: SHOWN }),
    ctx.call('ListCertificates', { pageSize: SHOWN }),
    ctx.call('ListCACertificates', { pageSize: SHOWN }),
    ctx.call('ListPolicies', { pageSize: SHOWN }),
  ]);
  const base = `${ctx.base}/registry`;
  return html`<p class="muted">The first ${SHOWN} of each kind, as the API lists them; each list pages through the rest.</p>
  <div class="grid">
    ${panel('things', 'Things', `${base}/things`, ((things.things ?? []) as { thingName: string }[]).map((t) => thingLink(ctx, t.thingName)), Boolean(things.nextToken), 'No things.')}
    ${panel('thing-groups', 'Thing groups', `${base}/thing-groups`, ((groups.thingGroups ?? []) as { groupName: string }[]).map((g) => thingGroupLink(ctx, g.groupName)), Boolean(groups.nextToken), 'No thing groups.')}
    ${panel(
      'certificates',
      'Certificates',
      `${base}/certificates`,
      ((certificates.certificates ?? []) as { certificateId: string; status?: string }[]).map((c) => html`<a href="${certificatePath(ctx, c.certificateId)}"><code>${c.certificateId.slice(0, 16)}…</code></a> ${certificateStatusBadge(c.status)}`),
      Boolean(certificates.nextMarker),
      'No certificates.',
    )}
    ${panel(
      'ca-certificates',
      'CA certificates',
      `${base}/ca-certificates`,
      ((cas.certificates ?? []) as { certificateId: string; status?: string }[]).map((c) => html`<a href="${caCertificatePath(ctx, c.certificateId)}"><code>${c.certificateId.slice(0, 16)}…</code></a> ${certificateStatusBadge(c.status)}`),
      Boolean(cas.nextMarker),
      'No CA certificates.',
    )}
    ${panel('policies', 'Policies', `${base}/policies`, ((policies.policies ?? []) as { policyName: string }[]).map((p) => policyLink(ctx, p.policyName)), Boolean(policies.nextMarker), 'No policies.')}
  </div>`;
}
