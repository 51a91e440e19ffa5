// Things: the list (ListThings, 100 per page by the API's nextToken, filtered by thing type or one attribute as the
// API filters) and one thing (DescribeThing, its groups, its principals).
import { html, type Html } from '../../html.js';
import type { DashboardContext } from '../../context.js';
import { attributeList, attributeText, fromQuery, pager, PER_PAGE } from './shared.js';
import { principalLink, thingGroupLink, thingLink } from './links.js';

export async function thingListPage(ctx: DashboardContext, query: URLSearchParams): Promise<Html> {
  const input = fromQuery({ maxResults: PER_PAGE }, query, ['nextToken', 'thingTypeName', 'attributeName', 'attributeValue']);
  const [list, types] = await Promise.all([ctx.call('ListThings', input), ctx.call('ListThingTypes', { maxResults: PER_PAGE })]);
  const things = (list.things ?? []) as Record<string, any>[];
  const typeNames = ((types.thingTypes ?? []) as { thingTypeName: string }[]).map((t) => t.thingTypeName);
  const typeName = query.get('thingTypeName') ?? '';
  if (typeName && !typeNames.includes(typeName)) typeNames.push(typeName);
  const path = `${ctx.base}/registry/things`;
  const filtered = Boolean(typeName || query.get('attributeName'));
  return html`<form class="filters" method="get" action="${path}">
    <label>Thing type <select name="thingTypeName">
      <option value="">Any</option>
      ${typeNames.map((t) => html`<option value="${t}"${t === typeName ? html` selected` : ''}>${t}</option>`)}
    </select></label>
    <label>Attribute name <input name="attributeName" value="${query.get('attributeName') ?? ''}" size="16"></label>
    <label>Attribute value <input name="attributeValue" value="${query.get('attributeValue') ?? ''}" size="16"></label>
    <button type="submit" class="secondary">Filter</button>
  </form>
  ${things.length === 0
    ? html`<p class="empty">No things${filtered ? ' match the filter' : ' in this account and region'}.</p>`
    : html`<table><thead><tr><th scope="col">Thing</th><th scope="col">Type</th><th scope="col">Attributes</th><th scope="col" class="num">Version</th></tr></thead>
      <tbody>${things.map(
        (t) => html`<tr><td>${thingLink(ctx, t.thingName)}</td><td>${t.thingTypeName ?? html`<span class="muted">—</span>`}</td>
          <td>${attributeText(t.attributes)}</td><td class="num">${t.version ?? '—'}</td></tr>`,
      )}</tbody></table>`}
  ${pager(path, query, 'nextToken', list.nextToken)}`;
}

export async function thingPage(ctx: DashboardContext, thingName: string): Promise<Html> {
  const thing = await ctx.call('DescribeThing', { thingName });
  const [groups, principals] = await Promise.all([
    ctx.call('ListThingGroupsForThing', { thingName, maxResults: PER_PAGE }),
    ctx.call('ListThingPrincipals', { thingName, maxResults: PER_PAGE }),
  ]);
  const groupRows = (groups.thingGroups ?? []) as { groupName: string }[];
  const principalRows = (principals.principals ?? []) as string[];
  return html`<dl class="facts">
    <dt>Name</dt><dd>${thing.thingName}</dd>
    <dt>ARN</dt><dd><code>${thing.thingArn}</code></dd>
    <dt>Id</dt><dd><code>${thing.thingId}</code></dd>
    <dt>Type</dt><dd>${thing.thingTypeName
      ? html`<a href="${ctx.base}/registry/things?${new URLSearchParams({ thingTypeName: thing.thingTypeName })}">${thing.thingTypeName}</a>`
      : html`<span class="muted">—</span>`}</dd>
    <dt>Billing group</dt><dd>${thing.billingGroupName ?? html`<span class="muted">—</span>`}</dd>
    <dt>Version</dt><dd>${thing.version}</dd>
    <dt>Attributes</dt><dd>${attributeList(thing.attributes)}</dd>
  </dl>
  <section class="panel spaced" aria-labelledby="groups"><h2 id="groups">Thing groups</h2>
      ${groupRows.length === 0
        ? html`<p class="empty">In no thing group.</p>`
        : html`<ul>${groupRows.map((g) => html`<li>${thingGroupLink(ctx, g.groupName)}</li>`)}</ul>`}
      ${groups.nextToken ? html`<p class="muted">The first ${PER_PAGE} groups are shown.</p>` : ''}
  </section>
  <section class="panel spaced" aria-labelledby="principals"><h2 id="principals">Principals</h2>
      ${principalRows.length === 0
        ? html`<p class="empty">No principal is attached.</p>`
        : html`<ul>${principalRows.map((p) => html`<li>${principalLink(ctx, p)}</li>`)}</ul>`}
      ${principals.nextToken ? html`<p class="muted">The first ${PER_PAGE} principals are shown.</p>` : ''}
  </section>
  <p><a href="${ctx.base}/registry/things">All things</a></p>`;
}
