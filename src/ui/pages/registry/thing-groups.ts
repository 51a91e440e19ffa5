// Thing groups: the list (ListThingGroups, by name prefix, 100 per page) and one group (DescribeThingGroup: its
// description, attributes, parent chain, the dynamic group's query; its child groups; its things, paged).
import { html, type Html } from '../../html.js';
import { badge, when } from '../../layout.js';
import type { DashboardContext } from '../../context.js';
import { attributeList, fromQuery, pager, PER_PAGE } from './shared.js';
import { thingGroupLink, thingLink } from './links.js';

export async function thingGroupListPage(ctx: DashboardContext, query: URLSearchParams): Promise<Html> {
  const input = fromQuery({ maxResults: PER_PAGE }, query, ['nextToken', 'namePrefixFilter', 'parentGroup']);
  const list = await ctx.call('ListThingGroups', input);
  const groups = (list.thingGroups ?? []) as { groupName: string; groupArn: string }[];
  const path = `${ctx.base}/registry/thing-groups`;
  const prefix = query.get('namePrefixFilter') ?? '';
  const parent = query.get('parentGroup') ?? '';
  return html`${parent ? html`<p>Child groups of ${thingGroupLink(ctx, parent)}.</p>` : ''}
  <form class="filters" method="get" action="${path}">
    ${parent ? html`<input type="hidden" name="parentGroup" value="${parent}">` : ''}
    <label>Name starts with <input name="namePrefixFilter" value="${prefix}" size="24"></label>
    <button type="submit" class="secondary">Filter</button>
  </form>
  ${groups.length === 0
    ? html`<p class="empty">No thing groups${prefix ? html` whose name starts with <code>${prefix}</code>` : parent ? '' : ' in this account and region'}.</p>`
    : html`<table><thead><tr><th scope="col">Group</th><th scope="col">ARN</th></tr></thead>
      <tbody>${groups.map((g) => html`<tr><td>${thingGroupLink(ctx, g.groupName)}</td><td><code>${g.groupArn}</code></td></tr>`)}</tbody></table>`}
  ${pager(path, query, 'nextToken', list.nextToken)}`;
}

export async function thingGroupPage(ctx: DashboardContext, thingGroupName: string, query: URLSearchParams): Promise<Html> {
  const group = await ctx.call('DescribeThingGroup', { thingGroupName });
  const [children, members] = await Promise.all([
    ctx.call('ListThingGroups', { parentGroup: thingGroupName, maxResults: PER_PAGE }),
    ctx.call('ListThingsInThingGroup', fromQuery({ thingGroupName, maxResults: PER_PAGE }, query, ['nextToken'])),
  ]);
  const properties = (group.thingGroupProperties ?? {}) as Record<string, any>;
  const metadata = (group.thingGroupMetadata ?? {}) as Record<string, any>;
  const ancestors = (metadata.rootToParentThingGroups ?? []) as { groupName: string }[];
  const childRows = (children.thingGroups ?? []) as { groupName: string }[];
  const things = (members.things ?? []) as string[];
  const dynamic = typeof group.queryString === 'string';
  const path = `${ctx.base}/registry/thing-groups/${encodeURIComponent(thingGroupName)}`;
  return html`<dl class="facts">
    <dt>Name</dt><dd>${group.thingGroupName}</dd>
    <dt>ARN</dt><dd><code>${group.thingGroupArn}</code></dd>
    <dt>Kind</dt><dd>${dynamic ? badge('Dynamic', 'info') : badge('Static', 'plain')}</dd>
    ${dynamic
      ? html`<dt>Query</dt><dd><code>${group.queryString}</code></dd>
        <dt>Index</dt><dd>${group.indexName ?? '—'}${group.queryVersion ? html` <span class="muted">(query version ${group.queryVersion})</span>` : ''}</dd>
        <dt>Status</dt><dd>${group.status ?? '—'}</dd>`
      : ''}
    <dt>Description</dt><dd>${properties.thingGroupDescription || html`<span class="muted">—</span>`}</dd>
    <dt>Attributes</dt><dd>${attributeList(properties.attributePayload?.attributes)}</dd>
    <dt>Parent</dt><dd>${metadata.parentGroupName
      ? html`${ancestors.length > 1 ? html`${ancestors.slice(0, -1).map((a) => html`${thingGroupLink(ctx, a.groupName)} › `)}` : ''}${thingGroupLink(ctx, metadata.parentGroupName)}`
      : html`<span class="muted">None (a top-level group)</span>`}</dd>
    <dt>Created</dt><dd>${when(metadata.creationDate)}</dd>
    <dt>Version</dt><dd>${group.version}</dd>
  </dl>
  <section class="panel spaced" aria-labelledby="children"><h2 id="children">Child groups</h2>
    ${childRows.length === 0
      ? html`<p class="empty">No child groups.</p>`
      : html`<ul>${childRows.map((c) => html`<li>${thingGroupLink(ctx, c.groupName)}</li>`)}</ul>`}
    ${children.nextToken
      ? html`<p class="muted">The first ${PER_PAGE} are shown: <a href="${ctx.base}/registry/thing-groups?${new URLSearchParams({ parentGroup: thingGroupName })}">all child groups</a>.</p>`
      : ''}
  </section>
  <section class="panel spaced" aria-labelledby="members"><h2 id="members">Things in this group</h2>
    ${things.length === 0
      ? html`<p class="empty">No things${query.get('nextToken') ? ' on this page' : ' in this group'}.</p>`
      : html`<ul>${things.map((t) => html`<li>${thingLink(ctx, t)}</li>`)}</ul>`}
    ${pager(path, query, 'nextToken', members.nextToken)}
  </section>`;
}
