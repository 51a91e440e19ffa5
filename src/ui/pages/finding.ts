// One finding, at an address that can be pasted into a ticket: what is non-compliant and why, the facts the check
// recorded, its suppression state (with the same Suppress / Unsuppress form as the audit page) and every related
// resource, paged through ListRelatedResourcesForAuditFinding.
import { html, type Html } from '../html.js';
import { severityBadge, when } from '../layout.js';
import type { DashboardContext } from '../context.js';
import { suppressionForm, withQuery, resourceText } from './audits.js';
import { resourcePath } from './registry/links.js';
import { mitigationTasksTable } from './mitigation/tasks.js';

/** Related resources per page; the API's largest. */
const RELATED_PER_PAGE = 250;

function facts(map: Record<string, string> | undefined): Html {
  const entries = Object.entries(map ?? {});
  if (entries.length === 0) return html`<span class="muted">—</span>`;
  return html`<dl class="facts">${entries.map(([k, v]) => html`<dt>${k}</dt><dd><code>${v}</code></dd>`)}</dl>`;
}

/** "In the registry" for a resource the registry browser has a page for (what a mitigation would change). */
function registryLink(ctx: DashboardContext, resource: Record<string, any> | undefined): Html | '' {
  const path = resourcePath(ctx, resource?.resourceIdentifier);
  return path ? html`<a href="${path}">In the registry</a>` : '';
}

export async function findingPage(ctx: DashboardContext, findingId: string, query: URLSearchParams): Promise<Html> {
  const { finding } = (await ctx.call('DescribeAuditFinding', { findingId })) as { finding: Record<string, any> };
  const input: Record<string, unknown> = { findingId, maxResults: RELATED_PER_PAGE };
  const token = query.get('nextToken');
  if (token) input.nextToken = token;
  const related = await ctx.call('ListRelatedResourcesForAuditFinding', input);
  const resources = (related.relatedResources ?? []) as Record<string, any>[];
  const path = `${ctx.base}/findings/${findingId}`;
  const audit = `${ctx.base}/audits/${finding.taskId}`;
  return html`<dl class="facts">
    <dt>Check</dt><dd><a href="${withQuery(audit, new URLSearchParams(), { checkName: finding.checkName })}">${finding.checkName}</a></dd>
    <dt>Severity</dt><dd>${severityBadge(finding.severity)}</dd>
    <dt>Resource</dt><dd>${finding.nonCompliantResource?.resourceType} <code>${resourceText(finding.nonCompliantResource)}</code>
      ${registryLink(ctx, finding.nonCompliantResource)}</dd>
    <dt>Reason</dt><dd>${finding.reasonForNonComplianceCode}: ${finding.reasonForNonCompliance}</dd>
    <dt>Recorded facts</dt><dd>${facts(finding.nonCompliantResource?.additionalInfo)}</dd>
    <dt>Audit</dt><dd><a href="${audit}"><code>${finding.taskId}</code></a>, started ${when(finding.taskStartTime)}</dd>
    <dt>Found</dt><dd>${when(finding.findingTime)}</dd>
    <dt>Suppressed</dt><dd>${finding.isSuppressed ? 'yes' : 'no'} ${suppressionForm(ctx, finding, path)}</dd>
    <dt>Mitigation</dt><dd><a href="${ctx.base}/mitigation/new?findingId=${findingId}">Mitigate this finding</a> (a preview comes first)</dd>
  </dl>
  <section class="panel spaced" aria-labelledby="tasks"><h2 id="tasks">Mitigation tasks that counted this finding</h2>
    ${(await mitigationTasksTable(ctx, { findingId }, null)).table}
  </section>
  <section class="panel spaced" aria-labelledby="related"><h2 id="related">Related resources</h2>
    ${resources.length === 0
      ? html`<p class="empty">No related resources.</p>`
      : html`<table><thead><tr><th scope="col">Type</th><th scope="col">Resource</th><th scope="col">Recorded facts</th></tr></thead>
        <tbody>${resources.map((r) => html`<tr><td>${r.resourceType}</td><td><code>${resourceText(r)}</code> ${registryLink(ctx, r)}</td><td>${facts(r.additionalInfo)}</td></tr>`)}</tbody></table>`}
    <p class="pager">${token ? html`<a href="${path}">First page</a>` : ''}
      ${related.nextToken ? html`<a href="${withQuery(path, query, { nextToken: related.nextToken })}">Next page</a>` : ''}</p>
  </section>`;
}
