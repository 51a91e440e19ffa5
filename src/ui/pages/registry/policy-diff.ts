// The changes between two versions of a policy: a line diff of their pretty-printed documents (GetPolicyVersion for
// each). Defaults: from the version before the default one, to the default one — after a BLANK_POLICY mitigation
// (ReplaceDefaultPolicyVersion), what the policy allowed and what replaced it.
import { html, type Html } from '../../html.js';
import type { DashboardContext } from '../../context.js';
import { prettyDocument } from './shared.js';
import { policyPath, policyVersionPath } from './links.js';
import { policyVersions } from './policies.js';
import { lineDiff, MAX_LINES, type DiffLine } from './line-diff.js';

function diffLine(line: DiffLine): Html {
  // The sign and the <ins>/<del> element (underlined, struck through; announced as insertion/deletion) say what
  // colour only repeats.
  if (line.kind === 'add') return html`<ins class="diff-add">+ ${line.text}</ins>\n`;
  if (line.kind === 'del') return html`<del class="diff-del">− ${line.text}</del>\n`;
  return html`<span class="diff-same">  ${line.text}</span>\n`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function policyDiffPage(ctx: DashboardContext, policyName: string, query: URLSearchParams): Promise<Html> {
  const versions = await policyVersions(ctx, policyName);
  const defaultVersion = versions.find((v) => v.isDefaultVersion)?.versionId ?? versions[0]?.versionId;
  const to = query.get('to') || defaultVersion || '';
  const from = query.get('from') || versions.find((v) => Number(v.versionId) < Number(to))?.versionId || '';
  const choose = (name: string, label: string, value: string) =>
    html`<label>${label} <select name="${name}">
      ${versions.map((v) => html`<option value="${v.versionId}"${v.versionId === value ? html` selected` : ''}>Version ${v.versionId}${v.isDefaultVersion ? ' (default)' : ''}</option>`)}
    </select></label>`;
  const form = html`<form class="filters" method="get" action="${policyPath(ctx, policyName)}/diff">
    ${choose('from', 'From', from)} ${choose('to', 'To', to)}
    <button type="submit" class="secondary">Compare</button>
  </form>`;
  const back = html`<p><a href="${policyPath(ctx, policyName)}">Back to the policy ${policyName}</a></p>`;
  if (!from || !to)
    return html`${form}<p class="empty">Version ${to || '—'} is the oldest version this policy keeps: there is no earlier version to compare it with.</p>${back}`;
  const [before, after] = await Promise.all([
    ctx.call('GetPolicyVersion', { policyName, policyVersionId: from }),
    ctx.call('GetPolicyVersion', { policyName, policyVersionId: to }),
  ]);
  const oldText = prettyDocument(before.policyDocument);
  const newText = prettyDocument(after.policyDocument);
  const diff = lineDiff(oldText.split('\n'), newText.split('\n'));
  const heading = (version: string, isDefault: boolean) =>
    html`<a href="${policyVersionPath(ctx, policyName, version)}">Version ${version}</a>${isDefault ? ' (default)' : ''}`;
  const fromLink = heading(from, before.isDefaultVersion === true);
  const toLink = heading(to, after.isDefaultVersion === true);
  if (!diff)
    return html`${form}
    <p role="note">These documents have more than ${MAX_LINES} lines: they are shown side by side instead of as a diff.</p>
    <div class="grid">
      <section class="panel" aria-labelledby="from-doc"><h2 id="from-doc">${fromLink}</h2><pre tabindex="0">${oldText}</pre></section>
      <section class="panel" aria-labelledby="to-doc"><h2 id="to-doc">${toLink}</h2><pre tabindex="0">${newText}</pre></section>
    </div>${back}`;
  const added = diff.filter((l) => l.kind === 'add').length;
  const removed = diff.filter((l) => l.kind === 'del').length;
  return html`${form}
  <section class="panel" aria-labelledby="changes"><h2 id="changes">Changes from ${fromLink} to ${toLink}</h2>
    <p class="diff-summary">${added + removed === 0
      ? 'The two documents are the same.'
      : html`${plural(added, 'line')} added, ${plural(removed, 'line')} removed. Added lines start with <strong>+</strong>, removed lines with <strong>−</strong>.`}</p>
    <pre class="diff" tabindex="0">${diff.map(diffLine)}</pre>
  </section>${back}`;
}
