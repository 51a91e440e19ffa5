// Mitigation tasks: the section's index (actions and recent tasks), one task's page — its progress (live through
// Server-Sent Events while it runs), per-check statistics, failures, executions, and the Cancel and Undo buttons —
// and the undo's per-execution results.
import { html, type Html } from '../../html.js';
import { badgeOf, taskStatusBadge, when, words } from '../../layout.js';
import { shape } from '../../../model/model.js';
import type { DashboardContext } from '../../context.js';
import { tokenField } from '../../forms.js';
import { invalidRequest } from '../../../kernel/errors.js';
import { taskFindingsPage, type FindingOutcome } from '../../../mitigation/api/task-findings.js';
import { resourceText, withQuery } from '../audits.js';
import { resourcePath } from '../registry/links.js';
import { retainedWindow } from '../time-window.js';
import { actionsSection } from './actions.js';
import { progressOf, type Progress } from './progress.js';

const TASKS_PER_PAGE = 50;
const FINDINGS_PER_PAGE = 50;
const OUTCOMES: FindingOutcome[] = ['SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELED'];
const FINDING_ID = /^[a-zA-Z0-9_-]{1,128}$/;

const TASK_STATUSES = shape('AuditMitigationActionsTaskStatus').enum ?? [];

/** A table of mitigation tasks as ListAuditMitigationActionsTasks answers them (its filters are the API's own). */
export async function mitigationTasksTable(ctx: DashboardContext, filters: Record<string, string>, token: string | null) {
  const list = await ctx.call('ListAuditMitigationActionsTasks', { ...retainedWindow(ctx.clock.now()), maxResults: TASKS_PER_PAGE, ...filters, ...(token ? { nextToken: token } : {}) });
  const tasks = (list.tasks ?? []) as { taskId: string; startTime: Date; taskStatus: string }[];
  const table =
    tasks.length === 0
      ? html`<p class="empty">No mitigation task in the last 90 days${Object.keys(filters).length ? ' with these filters' : ''}.</p>`
      : html`<table><thead><tr><th scope="col">Task</th><th scope="col">Started</th><th scope="col">Status</th></tr></thead><tbody>
        ${tasks.map((t) => html`<tr><td><a href="${ctx.base}/mitigation/tasks/${t.taskId}"><code>${t.taskId}</code></a></td><td>${when(t.startTime)}</td><td>${taskStatusBadge(t.taskStatus)}</td></tr>`)}
      </tbody></table>`;
  return { table, nextToken: list.nextToken as string | undefined };
}

export async function mitigationIndexPage(ctx: DashboardContext, query: URLSearchParams): Promise<Html> {
  const status = query.get('taskStatus') ?? '';
  const auditTaskId = query.get('auditTaskId') ?? '';
  const filters: Record<string, string> = { ...(status ? { taskStatus: status } : {}), ...(auditTaskId ? { auditTaskId } : {}) };
  const { table, nextToken } = await mitigationTasksTable(ctx, filters, query.get('nextToken'));
  return html`${await actionsSection(ctx)}
  <section class="panel spaced" aria-labelledby="tasks"><h2 id="tasks">Mitigation tasks</h2>
    <p><a href="${ctx.base}/mitigation/new">Start a mitigation task</a> <span class="muted">— you see a preview before anything changes.</span></p>
    <form class="filters" method="get" action="${ctx.base}/mitigation">
      <label>Status <select name="taskStatus"><option value="">Any</option>
        ${TASK_STATUSES.map((v) => html`<option value="${v}"${v === status ? html` selected` : ''}>${v}</option>`)}
      </select></label>
      <label>Audit <input name="auditTaskId" value="${auditTaskId}" placeholder="any audit" size="34"></label>
      <button type="submit" class="secondary">Filter</button>
    </form>
    ${table}
    ${nextToken ? html`<p class="pager"><a href="${withQuery(`${ctx.base}/mitigation`, query, { nextToken })}">Older tasks</a></p>` : ''}
  </section>`;
}

function progressPanel(ctx: DashboardContext, taskId: string, p: Progress, running: boolean): Html {
  return html`<section class="panel" aria-labelledby="progress"${running ? html` data-events="${ctx.base}/mitigation/tasks/${taskId}/events"` : ''}>
    <h2 id="progress">Progress</h2>
    <p><progress id="progress-bar" max="${Math.max(p.total, 1)}" value="${p.done}" aria-labelledby="progress-text"></progress>
      <span id="progress-text" role="status"><span id="progress-done">${p.done}</span> of <span id="progress-total">${p.total}</span> findings done · status <span id="progress-status">${p.status}</span></span></p>
    <dl class="facts">
      <dt>Succeeded</dt><dd id="count-succeeded">${p.succeeded}</dd>
      <dt>Failed</dt><dd id="count-failed">${p.failed}</dd>
      <dt>Skipped</dt><dd id="count-skipped">${p.skipped}</dd>
      <dt>Canceled</dt><dd id="count-canceled">${p.canceled}</dd>
      <dt>Rate</dt><dd id="progress-rate">${running ? 'measuring…' : '—'}</dd>
      <dt>Time left</dt><dd id="progress-eta">${running ? 'measuring…' : '—'}</dd>
    </dl>
    ${running
      ? html`<h3>Failures as they happen</h3>
      <p id="failures-empty" class="empty">None so far.</p>
      <table><thead><tr><th scope="col">Finding</th><th scope="col">Action</th><th scope="col">Error</th><th scope="col">Message</th></tr></thead><tbody id="failures"></tbody></table>`
      : ''}
  </section>`;
}

/** One page of the task's findings with each one's executions, as ListAuditMitigationActionsExecutions answers them. */
async function executionsSection(ctx: DashboardContext, taskId: string, query: URLSearchParams): Promise<Html> {
  const outcome = query.get('outcome') ?? '';
  if (outcome && !(OUTCOMES as string[]).includes(outcome)) throw invalidRequest(`outcome must be one of ${OUTCOMES.join(', ')}`);
  const after = query.get('after') ?? undefined;
  if (after !== undefined && !FINDING_ID.test(after)) throw invalidRequest('after must be a finding id');
  const findings = await ctx.store.transaction((db) =>
    taskFindingsPage(db, ctx, taskId, { ...(outcome ? { outcome: outcome as FindingOutcome } : {}), ...(after ? { afterFindingId: after } : {}), limit: FINDINGS_PER_PAGE }),
  );
  const shown = findings.slice(0, FINDINGS_PER_PAGE);
  // Per finding: its executions, and its resource (what the actions acted on), both as the API answers them.
  const executions = await Promise.all(
    shown.map(async (f) => ((await ctx.call('ListAuditMitigationActionsExecutions', { taskId, findingId: f.findingId, maxResults: 100 })).actionsExecutions ?? []) as Record<string, any>[]),
  );
  const resources = await Promise.all(shown.map(async (f) => (await ctx.call('DescribeAuditFinding', { findingId: f.findingId })).finding?.nonCompliantResource as Record<string, any> | undefined));
  const path = `${ctx.base}/mitigation/tasks/${taskId}`;
  return html`<section class="panel spaced" aria-labelledby="executions"><h2 id="executions">Executions</h2>
    <form class="filters" method="get" action="${path}">
      <label>Finding outcome <select name="outcome"><option value="">Any</option>
        ${OUTCOMES.map((o) => html`<option value="${o}"${o === outcome ? html` selected` : ''}>${o}</option>`)}
      </select></label>
      <button type="submit" class="secondary">Filter</button>
    </form>
    ${shown.length === 0
      ? html`<p class="empty">No findings${outcome ? html` with outcome ${outcome}` : ''}.</p>`
      : html`<table><thead><tr><th scope="col">Finding</th><th scope="col">Check</th><th scope="col">Resource</th><th scope="col">Action</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Ended</th><th scope="col">Message</th></tr></thead><tbody>
        ${shown.map((f, i) =>
          (executions[i]!.length ? executions[i]! : [{}]).map(
            (e) => html`<tr><td><a href="${ctx.base}/findings/${f.findingId}"><code>${f.findingId.slice(0, 8)}</code></a></td><td>${f.checkName}</td>
              <td>${resourceCell(ctx, resources[i])}</td>
              <td>${e.actionName ?? '—'}</td><td>${taskStatusBadge(e.status)}</td><td>${when(e.startTime)}</td><td>${when(e.endTime)}</td>
              <td>${e.errorCode ? html`<strong>${e.errorCode}</strong>: ` : ''}${e.message ?? ''}</td></tr>`,
          ),
        )}
      </tbody></table>`}
    <p class="pager">${after ? html`<a href="${withQuery(path, query, { after: undefined })}">First page</a>` : ''}
      ${findings.length > FINDINGS_PER_PAGE ? html`<a href="${withQuery(path, query, { after: shown[shown.length - 1]!.findingId })}">Next page</a>` : ''}</p>
  </section>`;
}

/** A finding's resource, linked to its registry page when the registry browser has one. */
function resourceCell(ctx: DashboardContext, resource: Record<string, any> | undefined): Html {
  if (!resource) return html`<span class="muted">—</span>`;
  const path = resourcePath(ctx, resource.resourceIdentifier);
  return path ? html`<a href="${path}"><code>${resourceText(resource)}</code></a>` : html`<code>${resourceText(resource)}</code>`;
}

function targetFacts(ctx: DashboardContext, task: Record<string, any>): Html {
  const target = task.target ?? {};
  const filter = Object.entries((target.auditCheckToReasonCodeFilter ?? {}) as Record<string, string[]>);
  return html`<dt>Target</dt><dd>${target.auditTaskId
    ? html`audit <a href="${ctx.base}/audits/${target.auditTaskId}"><code>${target.auditTaskId}</code></a>`
    : html`findings ${((target.findingIds ?? []) as string[]).map((f, i) => html`${i ? ', ' : ''}<a href="${ctx.base}/findings/${f}"><code>${f.slice(0, 8)}</code></a>`)}`}</dd>
    ${filter.length ? html`<dt>Reason codes kept</dt><dd>${filter.map(([c, codes]) => html`${c}: ${codes.join(', ')}<br>`)}</dd>` : ''}
    <dt>Actions</dt><dd>${Object.entries((task.auditCheckToActionsMapping ?? {}) as Record<string, string[]>).map(
      ([c, names]) => html`${c} → ${names.map((n, i) => html`${i ? ', ' : ''}<a href="${ctx.base}/mitigation/actions/${n}">${n}</a>`)}<br>`,
    )}</dd>`;
}

export async function taskPage(ctx: DashboardContext, taskId: string, query: URLSearchParams): Promise<{ content: Html; noscriptRefreshSeconds?: number }> {
  const task = await ctx.call('DescribeAuditMitigationActionsTask', { taskId });
  const running = task.taskStatus === 'IN_PROGRESS';
  const p = progressOf(task);
  const stats = Object.entries((task.taskStatistics ?? {}) as Record<string, Record<string, number>>);
  const path = `${ctx.base}/mitigation/tasks/${taskId}`;
  const content = html`<dl class="facts">
    <dt>Task</dt><dd><code>${taskId}</code></dd>
    <dt>Status</dt><dd>${taskStatusBadge(task.taskStatus)}</dd>
    <dt>Started</dt><dd>${when(task.startTime)}</dd>
    <dt>Ended</dt><dd>${when(task.endTime)}</dd>
    ${targetFacts(ctx, task)}
  </dl>
  <div class="spaced">${progressPanel(ctx, taskId, p, running)}</div>
  <section class="panel spaced" aria-labelledby="checks"><h2 id="checks">By check</h2>
    <table><thead><tr><th scope="col">Check</th><th scope="col" class="num">Findings</th><th scope="col" class="num">Succeeded</th><th scope="col" class="num">Failed</th><th scope="col" class="num">Skipped</th><th scope="col" class="num">Canceled</th></tr></thead><tbody>
      ${stats.map(([check, s]) => html`<tr><td>${check}</td><td class="num">${s.totalFindingsCount ?? 0}</td><td class="num">${s.succeededFindingsCount ?? 0}</td><td class="num">${s.failedFindingsCount ?? 0}</td><td class="num">${s.skippedFindingsCount ?? 0}</td><td class="num">${s.canceledFindingsCount ?? 0}</td></tr>`)}
    </tbody></table>
  </section>
  <section class="panel spaced" aria-labelledby="change"><h2 id="change">${running ? 'Cancel' : 'Undo'}</h2>
    ${running
      ? html`<p class="muted">Canceling stops every execution that has not started; what already changed stays changed.</p>
        <form method="post" action="${path}/cancel">${tokenField(ctx.formToken)}<button type="submit" class="secondary">Cancel the task</button></form>`
      : html`<p class="muted">Undo restores what each execution changed, newest first, wherever the resource still holds exactly what the action wrote; a later change is never overwritten. Certificates deactivated, policies replaced and things moved come back; an SNS message cannot be unsent.</p>
        <form method="post" action="${path}/undo">${tokenField(ctx.formToken)}<button type="submit">Undo the task</button></form>`}
  </section>
  ${await executionsSection(ctx, taskId, query)}`;
  return { content, ...(running ? { noscriptRefreshSeconds: 2 } : {}) };
}

function undoOutcomeBadge(outcome: string): Html {
  return badgeOf(outcome, { RESTORED: 'ok', CHANGED_SINCE: 'warn', NOT_UNDOABLE: 'bad' }, words(outcome));
}

/** The undo's answer, one row per execution it considered. */
export function undoResultsPage(ctx: DashboardContext, taskId: string, out: { results?: Record<string, any>[] }): Html {
  const results = out.results ?? [];
  const restored = results.filter((r) => r.outcome === 'RESTORED').length;
  return html`<p role="status"><strong>${restored}</strong> of ${results.length} execution${results.length === 1 ? '' : 's'} restored.
    <a href="${ctx.base}/mitigation/tasks/${taskId}">Back to the task</a></p>
  <section class="panel spaced" aria-labelledby="results"><h2 id="results">Per execution</h2>
    ${results.length === 0
      ? html`<p class="empty">The task has no execution that changed anything.</p>`
      : html`<table><thead><tr><th scope="col">Finding</th><th scope="col">Action</th><th scope="col">Result</th><th scope="col">What happened</th></tr></thead><tbody>
        ${results.map((r) => html`<tr><td><a href="${ctx.base}/findings/${r.findingId}"><code>${String(r.findingId).slice(0, 8)}</code></a></td><td>${r.actionName}</td><td>${undoOutcomeBadge(r.outcome)}</td><td>${r.message}</td></tr>`)}
      </tbody></table>`}
  </section>`;
}
