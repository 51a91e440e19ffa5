// Starting a mitigation task, preview first. The builder is a GET form: a target (an audit, or findings selected on
// an audit's page), the actions to apply to each check's findings, and optionally the reason codes to keep. Its
// "Preview" shows what every execution would change — ddlocal's preview extension, which runs the real actions in a
// transaction it rolls back — and only that page carries the form that starts the task, with exactly the request
// that was previewed.
import { html, type Html } from '../../html.js';
import { badgeOf, instantOf, severityBadge, words } from '../../layout.js';
import type { DashboardContext } from '../../context.js';
import { tokenField } from '../../forms.js';
import { invalidRequest } from '../../../kernel/errors.js';
import { actionTypeAllowed } from '../../../mitigation/actions/index.js';
import { PREVIEW_PATH } from '../../../mitigation/preview.js';
import { AUDIT_CHECKS } from '../../../audit/checks/index.js';
import { shape } from '../../../model/model.js';
import { withQuery } from '../audits.js';
import { retainedWindow } from '../time-window.js';

/** The API's limit on findingIds in a task's target, from the model. */
const MAX_FINDINGS = shape('FindingIds').max ?? 25;
const PLANNED_PER_PAGE = 100;

interface Selection {
  auditTaskId?: string;
  findingIds: string[];
  /** check → action names. */
  mapping: Record<string, string[]>;
  /** check → reason codes to keep. */
  reasonCodes: Record<string, string[]>;
}

function selectionOf(query: URLSearchParams): Selection {
  // Keys come from the address bar: without a prototype, `action.__proto__` or `action.constructor` is just a check
  // name the API refuses, not a member of Object.prototype.
  const mapping: Record<string, string[]> = Object.create(null);
  const reasonCodes: Record<string, string[]> = Object.create(null);
  for (const [key, value] of query) {
    if (key.startsWith('action.') && value) (mapping[key.slice(7)] ??= []).push(value);
    if (key.startsWith('reasons.')) {
      const codes = value.split(/[\s,]+/).filter((c) => c !== '');
      if (codes.length > 0) reasonCodes[key.slice(8)] = codes;
    }
  }
  const auditTaskId = query.get('auditTaskId') || undefined;
  return { ...(auditTaskId ? { auditTaskId } : {}), findingIds: query.getAll('findingId').filter((f) => f !== ''), mapping, reasonCodes };
}

/** The request StartAuditMitigationActionsTask (and the preview) takes for a selection. */
export function taskRequest(s: Selection) {
  const target: Record<string, unknown> = s.auditTaskId ? { auditTaskId: s.auditTaskId } : { findingIds: s.findingIds };
  if (Object.keys(s.reasonCodes).length > 0) target.auditCheckToReasonCodeFilter = s.reasonCodes;
  return { target, auditCheckToActionsMapping: s.mapping };
}

/** The checks the target's findings belong to, with how many findings each has there. */
async function targetChecks(ctx: DashboardContext, s: Selection): Promise<Map<string, number>> {
  const checks = new Map<string, number>();
  if (s.auditTaskId) {
    const audit = await ctx.call('DescribeAuditTask', { taskId: s.auditTaskId });
    for (const [name, d] of Object.entries((audit.auditDetails ?? {}) as Record<string, any>))
      if ((d.nonCompliantResourcesCount ?? 0) > 0) checks.set(name, d.nonCompliantResourcesCount);
    return checks;
  }
  if (s.findingIds.length > MAX_FINDINGS)
    throw invalidRequest(`A task can target at most ${MAX_FINDINGS} findings by id; ${s.findingIds.length} are selected. Target their audit instead, with a reason-code filter if needed.`);
  for (const findingId of s.findingIds) {
    const { finding } = await ctx.call('DescribeAuditFinding', { findingId });
    checks.set(finding.checkName, (checks.get(finding.checkName) ?? 0) + 1);
  }
  return checks;
}

/** An instant as text to the minute (an <option> holds text only, no <time>). */
function minuteText(value: unknown): string {
  const date = instantOf(value);
  return date ? `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'unknown';
}

/** Step one without a target: choose one of the recent audits. */
async function chooseAudit(ctx: DashboardContext): Promise<Html> {
  const list = await ctx.call('ListAuditTasks', { ...retainedWindow(ctx.clock.now()), taskStatus: 'COMPLETED', maxResults: 50 });
  const tasks = (list.tasks ?? []) as { taskId: string }[];
  if (tasks.length === 0) return html`<p class="empty">No completed audit in the last 90 days: <a href="${ctx.base}/audits">start one</a> first.</p>`;
  const described = await Promise.all(tasks.map((t) => ctx.call('DescribeAuditTask', { taskId: t.taskId })));
  return html`<section class="panel" aria-labelledby="target"><h2 id="target">Which findings?</h2>
    <p class="muted">Mitigate every finding of an audit, or select findings on an audit's page.</p>
    <form method="get" action="${ctx.base}/mitigation/new" class="stacked">
      <label>Audit <select name="auditTaskId">
        ${tasks.map((t, i) => html`<option value="${t.taskId}">${t.taskId} (started ${minuteText(described[i]!.taskStartTime)}, ${described[i]!.taskStatistics?.nonCompliantChecks ?? 0} non-compliant checks)</option>`)}
      </select></label>
      <button type="submit">Next</button>
    </form></section>`;
}

function targetHidden(s: Selection): Html {
  return s.auditTaskId
    ? html`<input type="hidden" name="auditTaskId" value="${s.auditTaskId}">`
    : html`${s.findingIds.map((f) => html`<input type="hidden" name="findingId" value="${f}">`)}`;
}

function targetText(ctx: DashboardContext, s: Selection): Html {
  return s.auditTaskId
    ? html`the findings of audit <a href="${ctx.base}/audits/${s.auditTaskId}"><code>${s.auditTaskId}</code></a>`
    : html`${s.findingIds.length} selected finding${s.findingIds.length === 1 ? '' : 's'}: ${s.findingIds.map((f, i) => html`${i ? ', ' : ''}<a href="${ctx.base}/findings/${f}"><code>${f.slice(0, 8)}</code></a>`)}`;
}

/** Step two: the actions for each check of the target. */
async function chooseActions(ctx: DashboardContext, s: Selection): Promise<Html> {
  const checks = [...(await targetChecks(ctx, s))].sort(([a], [b]) => a.localeCompare(b));
  const list = await ctx.call('ListMitigationActions', { maxResults: 100 });
  const actions = await Promise.all(
    ((list.actionIdentifiers ?? []) as { actionName: string }[]).map((a) => ctx.call('DescribeMitigationAction', { actionName: a.actionName })),
  );
  return html`<section class="panel" aria-labelledby="mapping"><h2 id="mapping">Actions for ${targetText(ctx, s)}</h2>
    ${checks.length === 0
      ? html`<p class="empty">This target has no non-compliant findings: nothing to mitigate.</p>`
      : html`<form method="get" action="${ctx.base}/mitigation/new" class="stacked wide">
      ${targetHidden(s)}
      <input type="hidden" name="preview" value="1">
      ${checks.map(([check, count]) => {
        const usable = actions.filter((a) => actionTypeAllowed(check, a.actionType));
        const chosen = new Set(s.mapping[check] ?? []);
        return html`<fieldset class="params"><legend>${check} ${severityBadge(AUDIT_CHECKS.get(check)?.severity)} <span class="muted">${count} finding${count === 1 ? '' : 's'}</span></legend>
          ${usable.length === 0
            ? html`<p class="empty">No mitigation action can act on this check's findings. <a href="${ctx.base}/mitigation/actions/new">Create one</a>.</p>`
            : usable.map((a) => html`<label class="check"><input type="checkbox" name="action.${check}" value="${a.actionName}"${chosen.has(a.actionName) ? html` checked` : ''}> ${a.actionName} <span class="muted">(${a.actionType})</span></label>`)}
          <label>Only findings with these reason codes <span class="muted">(optional; comma-separated)</span><input name="reasons.${check}" value="${(s.reasonCodes[check] ?? []).join(', ')}"></label>
        </fieldset>`;
      })}
      <button type="submit">Preview</button>
    </form>`}
  </section>`;
}

function outcomeBadge(outcome: string): Html {
  return badgeOf(outcome, { WOULD_CHANGE: 'warn', WOULD_FAIL: 'bad', NO_CHANGE: 'ok' }, words(outcome));
}

/** Step three: the preview, and the form that starts exactly the request previewed. */
async function preview(ctx: DashboardContext, s: Selection, query: URLSearchParams): Promise<Html> {
  const request = taskRequest(s);
  const back = withQuery(`${ctx.base}/mitigation/new`, query, { preview: undefined, previewToken: undefined });
  if (Object.keys(s.mapping).length === 0)
    return html`<p class="panel error-page" role="alert">Tick at least one action for a check. <a href="${back}">Back to the actions</a></p>`;
  const token = query.get('previewToken');
  const out = await ctx.extension('POST', PREVIEW_PATH, { ...request, maxResults: PLANNED_PER_PAGE, ...(token ? { nextToken: token } : {}) });
  const planned = (out.plannedExecutions ?? []) as Record<string, any>[];
  const stats = Object.entries((out.taskStatistics ?? {}) as Record<string, { totalFindingsCount: number; skippedFindingsCount: number }>);
  const here = `${ctx.base}/mitigation/new`;
  return html`<section class="panel" aria-labelledby="preview"><h2 id="preview">Preview: what the task would do now</h2>
    <p class="muted">Nothing has changed yet. Each action was run against ${targetText(ctx, s)} in a transaction that was rolled back.</p>
    <table><thead><tr><th scope="col">Check</th><th scope="col">Actions</th><th scope="col" class="num">Findings</th><th scope="col" class="num">Skipped</th></tr></thead><tbody>
      ${stats.map(([check, st]) => html`<tr><td>${check}</td><td>${(s.mapping[check] ?? []).join(', ')}</td><td class="num">${st.totalFindingsCount}</td><td class="num">${st.skippedFindingsCount}</td></tr>`)}
    </tbody></table>
    <form method="post" action="${ctx.base}/mitigation/tasks" class="spaced">
      ${tokenField(ctx.formToken)}
      <input type="hidden" name="request" value="${JSON.stringify(request)}">
      <button type="submit">Start the task</button> <a href="${back}">Change the selection</a>
    </form>
  </section>
  <section class="panel spaced" aria-labelledby="planned"><h2 id="planned">Planned executions</h2>
    ${planned.length === 0
      ? html`<p class="empty">No execution: no finding of the target matches.</p>`
      : html`<table><thead><tr><th scope="col">Finding</th><th scope="col">Check</th><th scope="col">Action</th><th scope="col">Resource</th><th scope="col">Outcome</th><th scope="col">What would change</th></tr></thead><tbody>
        ${planned.map((p) => html`<tr><td><a href="${ctx.base}/findings/${p.findingId}"><code>${String(p.findingId).slice(0, 8)}</code></a></td><td>${p.checkName}</td><td>${p.actionName}</td>
          <td><code>${Object.entries(p.resource ?? {}).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('; ')}</code></td>
          <td>${outcomeBadge(p.outcome)}</td><td>${p.detail ?? ''}</td></tr>`)}
      </tbody></table>`}
    <p class="pager">${token ? html`<a href="${withQuery(here, query, { previewToken: undefined })}">First page</a>` : ''}
      ${out.nextToken ? html`<a href="${withQuery(here, query, { previewToken: out.nextToken })}">Next page</a>` : ''}</p>
  </section>`;
}

export async function newTaskPage(ctx: DashboardContext, query: URLSearchParams): Promise<Html> {
  const s = selectionOf(query);
  if (!s.auditTaskId && s.findingIds.length === 0) return chooseAudit(ctx);
  if (query.get('preview') === '1') return preview(ctx, s, query);
  return chooseActions(ctx, s);
}

/** The previewed request, posted back by the preview's form. */
export function postedRequest(fields: URLSearchParams): { target: unknown; auditCheckToActionsMapping: unknown } {
  try {
    const parsed = JSON.parse(fields.get('request') ?? '');
    if (parsed && typeof parsed === 'object') return { target: parsed.target, auditCheckToActionsMapping: parsed.auditCheckToActionsMapping };
  } catch {
    // answered below
  }
  throw invalidRequest('The form does not carry the previewed request; preview the task again');
}

