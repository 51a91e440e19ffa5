// Policies: the list (ListPolicies, 100 per page by the API's marker) with the form that creates one, and one policy
// (GetPolicy, or GetPolicyVersion with `?version=`): its document pretty-printed, its versions, the certificates it is
// attached to, and the forms that create a version and make one the default.
import { html, type Html } from '../../html.js';
import { badge, when } from '../../layout.js';
import type { DashboardContext } from '../../context.js';
import { tokenField } from '../../forms.js';
import { fromQuery, pager, PER_PAGE, prettyDocument } from './shared.js';
import { policyDiffPath, policyLink, policyPath, policyVersionPath, principalLink } from './links.js';

export type PolicyVersion = { versionId: string; isDefaultVersion?: boolean; createDate?: unknown };

/** A policy's versions, newest first. */
export async function policyVersions(ctx: DashboardContext, policyName: string): Promise<PolicyVersion[]> {
  const out = await ctx.call('ListPolicyVersions', { policyName });
  return ((out.policyVersions ?? []) as PolicyVersion[]).slice().sort((a, b) => Number(b.versionId) - Number(a.versionId));
}

const EXAMPLE_DOCUMENT = JSON.stringify(
  { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:*:*:client/${iot:Connection.Thing.ThingName}' }] },
  null,
  2,
);

function createPolicyForm(ctx: DashboardContext): Html {
  return html`<section class="panel" aria-labelledby="create"><h2 id="create">Create a policy</h2>
    <form method="post" action="${ctx.base}/registry/policies" class="stacked">
      ${tokenField(ctx.formToken)}
      <label>Policy name <input name="policyName" required maxlength="128" autocomplete="off"></label>
      <label>Policy document (JSON) <textarea name="policyDocument" rows="10" cols="60" required spellcheck="false">${EXAMPLE_DOCUMENT}</textarea></label>
      <button type="submit">Create policy</button>
    </form>
  </section>`;
}

export async function policyListPage(ctx: DashboardContext, query: URLSearchParams): Promise<Html> {
  const input = fromQuery({ pageSize: PER_PAGE }, query, ['marker']);
  if (query.get('ascendingOrder') === 'true') input.ascendingOrder = true;
  const list = await ctx.call('ListPolicies', input);
  const policies = (list.policies ?? []) as { policyName: string; policyArn: string }[];
  const path = `${ctx.base}/registry/policies`;
  return html`${createPolicyForm(ctx)}
  <h2>Policies</h2>
  ${policies.length === 0
    ? html`<p class="empty">No policies in this account and region.</p>`
    : html`<table><thead><tr><th scope="col">Policy</th><th scope="col">ARN</th></tr></thead>
      <tbody>${policies.map((p) => html`<tr><td>${policyLink(ctx, p.policyName)}</td><td><code>${p.policyArn}</code></td></tr>`)}</tbody></table>`}
  ${pager(path, query, 'marker', list.nextMarker)}`;
}

export async function policyPage(ctx: DashboardContext, policyName: string, query: URLSearchParams): Promise<Html> {
  const requested = query.get('version');
  const [policy, versions, targets] = await Promise.all([
    ctx.call('GetPolicy', { policyName }),
    policyVersions(ctx, policyName),
    ctx.call('ListTargetsForPolicy', { policyName, pageSize: PER_PAGE }),
  ]);
  const shown = requested ? await ctx.call('GetPolicyVersion', { policyName, policyVersionId: requested }) : undefined;
  const versionId = String(shown ? shown.policyVersionId : policy.defaultVersionId);
  const isDefault = versionId === String(policy.defaultVersionId);
  const document = prettyDocument(shown ? shown.policyDocument : policy.policyDocument);
  const targetRows = (targets.targets ?? []) as string[];
  const path = policyPath(ctx, policyName);
  return html`<dl class="facts">
    <dt>Name</dt><dd>${policy.policyName}</dd>
    <dt>ARN</dt><dd><code>${policy.policyArn}</code></dd>
    <dt>Default version</dt><dd>${policy.defaultVersionId}</dd>
    <dt>Created</dt><dd>${when(policy.creationDate)}</dd>
    <dt>Last modified</dt><dd>${when(policy.lastModifiedDate)}</dd>
  </dl>
  <section class="panel spaced" aria-labelledby="document"><h2 id="document">Document of version ${versionId}
    ${isDefault ? badge('default', 'ok') : badge('not the default', 'plain')}</h2>
    ${requested && !isDefault ? html`<p><a href="${path}">Show the default version</a></p>` : ''}
    <pre tabindex="0">${document}</pre>
  </section>
  <section class="panel spaced" aria-labelledby="versions"><h2 id="versions">Versions</h2>
    <table><thead><tr><th scope="col">Version</th><th scope="col">Created</th><th scope="col">Default</th><th scope="col">Compare</th></tr></thead>
    <tbody>${versions.map((v, i) => {
      const previous = versions[i + 1];
      return html`<tr><td><a href="${policyVersionPath(ctx, policyName, v.versionId)}"${v.versionId === versionId ? html` aria-current="page"` : ''}>Version ${v.versionId}</a></td>
        <td class="nowrap">${when(v.createDate)}</td>
        <td>${v.isDefaultVersion
          ? badge('default', 'ok')
          : html`<form method="post" action="${path}/default" class="inline">
              ${tokenField(ctx.formToken)}<input type="hidden" name="policyVersionId" value="${v.versionId}">
              <button type="submit" class="secondary small" aria-label="Set as default: version ${v.versionId}">Set as default</button></form>`}</td>
        <td>${previous ? html`<a href="${policyDiffPath(ctx, policyName, previous.versionId, v.versionId)}">Changes from version ${previous.versionId}</a>` : html`<span class="muted">Oldest version kept</span>`}</td></tr>`;
    })}</tbody></table>
    ${versions.length > 1 ? html`<p><a href="${policyDiffPath(ctx, policyName)}">Compare two versions</a></p>` : ''}
  </section>
  <section class="panel spaced" aria-labelledby="new-version"><h2 id="new-version">Create a new version</h2>
    <p class="muted">A policy keeps at most 5 versions; delete one (DeletePolicyVersion) before creating a sixth.</p>
    <form method="post" action="${path}/versions" class="stacked">
      ${tokenField(ctx.formToken)}
      <label>Policy document (JSON) <textarea name="policyDocument" rows="12" cols="60" required spellcheck="false">${document}</textarea></label>
      <label class="check"><input type="checkbox" name="setAsDefault" value="true"> Set as the default version</label>
      <button type="submit">Create version</button>
    </form>
  </section>
  <section class="panel spaced" aria-labelledby="targets"><h2 id="targets">Attached to</h2>
    ${targetRows.length === 0
      ? html`<p class="empty">This policy is attached to no certificate or other principal.</p>`
      : html`<ul>${targetRows.map((t) => html`<li>${principalLink(ctx, t)}</li>`)}</ul>`}
    ${targets.nextMarker ? html`<p class="muted">The first ${PER_PAGE} targets are shown.</p>` : ''}
  </section>
  <p><a href="${ctx.base}/registry/policies">All policies</a></p>`;
}
