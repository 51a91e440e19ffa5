// Audits: the list of audit tasks, and one audit with its per-check results and its findings, paged by the API's
// own nextToken so a 100,000-finding audit is served a page at a time.
import { html, type Html } from '../html.js';
import { checkStatusBadge, severityBadge, taskStatusBadge, when } from '../layout.js';
import type { DashboardContext } from '../context.js';
import { tokenField } from '../forms.js';
import { AUDIT_CHECKS } from '../../audit/checks/index.js';
import { retainedWindow } from './time-window.js';
import { invalidRequest } from '../../kernel/errors.js';
import { checksDone } from './audit-progress.js';
import { shape } from '../../model/model.js';

const TASK_STATUSES = shape('AuditTaskStatus').enum ?? [];
/** Findings per page; the API's largest page. */
const FINDINGS_PER_PAGE = 100;

/** A link to the same page with some query parameters replaced (undefined removes one). */
export function withQuery(path: string, query: URLSearchParams, changes: Record<string, string | undefined>): string {
  const next = new URLSearchParams(query);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === '') next.delete(k);
    else next.set(k, v);
  }
  const text = next.toString();
  return text ? `${path}?${text}` : path;
}

/** The account's audit configuration as a form: the role and which checks are enabled (UpdateAccountAuditConfiguration). */
function settingsForm(ctx: DashboardContext, config: Record<string, any>, enabled: Set<string>): Html {
  const names = [...AUDIT_CHECKS.keys()].sort();
  return html`<details class="panel spaced"${enabled.size === 0 ? html` open` : ''}><summary>Audit settings: the role and the enabled checks</summary>
    <form method="post" action="${ctx.base}/audits/settings" class="stacked wide spaced">
      ${tokenField(ctx.formToken)}
      <label>Role ARN <span class="muted">(the role audits run as)</span><input name="roleArn" required value="${config.roleArn ?? `arn:aws:iam::${ctx.accountId}:role/Audit`}"></label>
      <fieldset class="checks"><legend>Enabled checks</legend>
        ${names.map((name) => html`<label class="check"><input type="checkbox" name="enable" value="${name}"${enabled.has(name) ? html` checked` : ''}> ${name}</label>`)}
      </fieldset>
      <button type="submit">Save settings</button>
    </form></details>`;
}

/** Starts an on-demand audit of the checks ticked: those the account's audit configuration enables. */
async function startAuditForm(ctx: DashboardContext): Promise<Html> {
  const config = await ctx.call('DescribeAccountAuditConfiguration');
  const enabled = Object.entries((config.auditCheckConfigurations ?? {}) as Record<string, { enabled?: boolean }>)
    .filter(([, c]) => c.enabled)
    .map(([name]) => name)
    .sort();
  if (enabled.length === 0)
    return html`<section class="panel" aria-labelledby="start"><h2 id="start">Start an audit</h2>
      <p class="empty">No check is enabled for this account: enable some in the audit settings below
      (or with <code>aws iot update-account-audit-configuration</code>).</p></section>${settingsForm(ctx, config, new Set())}`;
  return html`<section class="panel" aria-labelledby="start"><h2 id="start">Start an audit</h2>
    <form method="post" action="${ctx.base}/audits">
      ${tokenField(ctx.formToken)}
      <fieldset class="checks"><legend>Checks to run (those the account enables)</legend>
        ${enabled.map((name) => html`<label class="check"><input type="checkbox" name="check" value="${name}" checked> ${name}</label>`)}
      </fieldset>
      <button type="submit">Start audit</button>
    </form></section>${settingsForm(ctx, config, new Set(enabled))}`;
}

export async function auditListPage(ctx: DashboardContext, query: URLSearchParams): Promise<Html> {
  const now = ctx.clock.now();
  const status = query.get('taskStatus') ?? '';
  const input: Record<string, unknown> = { ...retainedWindow(now), maxResults: 100 };
  if (status) input.taskStatus = status;
  const token = query.get('nextToken');
  if (token) input.nextToken = token;
  const list = await ctx.call('ListAuditTasks', input);
  const tasks = (list.tasks ?? []) as { taskId: string; taskStatus: string; taskType: string }[];
  const described = await Promise.all(tasks.map((t) => ctx.call('DescribeAuditTask', { taskId: t.taskId })));
  return html`${await startAuditForm(ctx)}
  <h2>Recent audits</h2>
  <form class="filters" method="get" action="${ctx.base}/audits">
    <label>Status <select name="taskStatus">
      <option value="">Any</option>
      ${TASK_STATUSES.map((s) => html`<option value="${s}"${s === status ? html` selected` : ''}>${s}</option>`)}
    </select></label>
    <button type="submit" class="secondary">Filter</button>
  </form>
  ${tasks.length === 0
    ? html`<p class="empty">No audits in the last 90 days${status ? html` with status ${status}` : ''}.</p>`
    : html`<table><thead><tr><th scope="col">Audit</th><th scope="col">Started</th><th scope="col">Type</th><th scope="col">Status</th>
        <th scope="col" class="num">Checks</th><th scope="col" class="num">Non-compliant checks</th></tr></thead><tbody>
        ${tasks.map((t, i) => {
          const stats = (described[i]!.taskStatistics ?? {}) as Record<string, number>;
          return html`<tr><td><a href="${ctx.base}/audits/${t.taskId}"><code>${t.taskId}</code></a></td><td>${when(described[i]!.taskStartTime)}</td>
            <td>${t.taskType === 'SCHEDULED_AUDIT_TASK' ? `Scheduled (${described[i]!.scheduledAuditName ?? ''})` : 'On demand'}</td>
            <td>${taskStatusBadge(t.taskStatus)}</td><td class="num">${stats.totalChecks ?? '—'}</td><td class="num">${stats.nonCompliantChecks ?? '—'}</td></tr>`;
        })}</tbody></table>`}
  ${list.nextToken ? html`<p class="pager"><a href="${withQuery(`${ctx.base}/audits`, query, { nextToken: list.nextToken })}">Older audits</a></p>` : ''}`;
}

export function resourceText(resource: Record<string, any> | undefined): string {
  const id = resource?.resourceIdentifier ?? {};
  const [member, value] = Object.entries(id)[0] ?? ['', ''];
  return `${member}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`;
}

/** A form posting one finding's suppression change, returning to `back`. */
export function suppressionForm(ctx: DashboardContext, finding: Record<string, any>, back: string): Html {
  const suppressed = finding.isSuppressed === true;
  return html`<form method="post" action="${ctx.base}/suppressions" class="inline">
    ${tokenField(ctx.formToken)}
    <input type="hidden" name="change" value="${suppressed ? 'unsuppress' : 'suppress'}">
    <input type="hidden" name="checkName" value="${finding.checkName}">
    <input type="hidden" name="resourceIdentifier" value="${JSON.stringify(finding.nonCompliantResource?.resourceIdentifier ?? {})}">
    <input type="hidden" name="back" value="${back}">
    <button type="submit" class="secondary small">${suppressed ? 'Unsuppress' : 'Suppress'}</button>
  </form>`;
}

const SEVERITIES = shape('AuditFindingSeverity').enum ?? [];

/**
 * One page of the findings of the checks of one severity. ListAuditFindings filters by check, not severity, and each
 * check has one severity: so the page walks the matching checks in order, each through ListAuditFindings, and its
 * token is "<check index>:<that check's nextToken>".
 */
async function findingsOfSeverity(ctx: DashboardContext, taskId: string, checks: string[], suppressed: boolean, token: string | null) {
  let index = 0;
  let checkToken: string | undefined;
  if (token) {
    const match = /^(\d{1,3}):([A-Za-z0-9+/=]*)$/.exec(token);
    if (!match || Number(match[1]) >= checks.length) throw invalidRequest('nextToken is invalid: it was not issued by this page for these filters');
    index = Number(match[1]);
    checkToken = match[2] || undefined;
  }
  const findings: Record<string, any>[] = [];
  while (findings.length < FINDINGS_PER_PAGE && index < checks.length) {
    const out = await ctx.call('ListAuditFindings', {
      taskId,
      checkName: checks[index],
      maxResults: FINDINGS_PER_PAGE - findings.length,
      listSuppressedFindings: suppressed,
      ...(checkToken ? { nextToken: checkToken } : {}),
    });
    findings.push(...((out.findings ?? []) as Record<string, any>[]));
    if (out.nextToken) checkToken = out.nextToken;
    else {
      index++;
      checkToken = undefined;
    }
  }
  return { findings, nextToken: index < checks.length ? `${index}:${checkToken ?? ''}` : undefined };
}

export async function auditPage(ctx: DashboardContext, taskId: string, query: URLSearchParams): Promise<{ content: Html; noscriptRefreshSeconds?: number }> {
  const audit = await ctx.call('DescribeAuditTask', { taskId });
  const details = Object.entries((audit.auditDetails ?? {}) as Record<string, any>).sort(([a], [b]) => a.localeCompare(b));
  const checkName = query.get('checkName') ?? '';
  const suppressed = query.get('suppressed') === 'include';
  const severity = query.get('severity') ?? '';
  if (severity && !SEVERITIES.includes(severity)) throw invalidRequest(`severity must be one of ${SEVERITIES.join(', ')}`);
  const token = query.get('nextToken');
  const findings = severity
    ? await findingsOfSeverity(ctx, taskId, details.map(([name]) => name).filter((name) => (!checkName || name === checkName) && AUDIT_CHECKS.get(name)?.severity === severity), suppressed, token)
    : await ctx.call('ListAuditFindings', { taskId, maxResults: FINDINGS_PER_PAGE, listSuppressedFindings: suppressed, ...(checkName ? { checkName } : {}), ...(token ? { nextToken: token } : {}) });
  const rows = (findings.findings ?? []) as Record<string, any>[];
  const path = `${ctx.base}/audits/${taskId}`;
  const here = withQuery(path, query, {});
  const running = audit.taskStatus === 'IN_PROGRESS';
  const progress = checksDone(audit);
  const content = html`${running
    ? html`<p role="status" data-events="${path}/events"><progress id="audit-progress" max="${Math.max(progress.total, 1)}" value="${progress.done}" aria-label="Checks done"></progress>
      This audit is running: <span id="audit-checks-done">${progress.done}</span> of <span id="audit-checks-total">${progress.total}</span> checks done. The page shows the results when it ends.</p>`
    : ''}
  <dl class="facts">
    <dt>Audit</dt><dd><code>${taskId}</code></dd>
    <dt>Status</dt><dd>${taskStatusBadge(audit.taskStatus)}</dd>
    <dt>Started</dt><dd>${when(audit.taskStartTime)}</dd>
    <dt>Type</dt><dd>${audit.taskType === 'SCHEDULED_AUDIT_TASK' ? `Scheduled (${audit.scheduledAuditName ?? ''})` : 'On demand'}</dd>
  </dl>
  <section class="panel spaced" aria-labelledby="checks"><h2 id="checks">Checks</h2>
    <table><thead><tr><th scope="col">Check</th><th scope="col">Severity</th><th scope="col">Result</th><th scope="col" class="num">Non-compliant</th><th scope="col" class="num">Checked</th><th scope="col">Message</th></tr></thead>
    <tbody>${details.map(
      ([name, c]) => html`<tr><td><a href="${withQuery(path, new URLSearchParams(), { checkName: name })}">${name}</a></td><td>${severityBadge(AUDIT_CHECKS.get(name)?.severity)}</td>
        <td>${checkStatusBadge(c.checkRunStatus)}</td><td class="num">${c.nonCompliantResourcesCount ?? '—'}</td><td class="num">${c.totalResourcesCount ?? '—'}</td>
        <td>${c.message ? html`<span class="muted">${c.errorCode}: ${c.message}</span>` : ''}</td></tr>`,
    )}</tbody></table>
  </section>
  <section class="panel spaced" aria-labelledby="findings"><h2 id="findings">Findings</h2>
    <form class="filters" method="get" action="${path}">
      <label>Check <select name="checkName"><option value="">All checks</option>
        ${details.map(([name]) => html`<option value="${name}"${name === checkName ? html` selected` : ''}>${name}</option>`)}
      </select></label>
      <label>Severity <select name="severity"><option value="">Any severity</option>
        ${SEVERITIES.map((v) => html`<option value="${v}"${v === severity ? html` selected` : ''}>${v}</option>`)}
      </select></label>
      <label>Suppressed findings <select name="suppressed">
        <option value="">Hide</option><option value="include"${suppressed ? html` selected` : ''}>Show</option>
      </select></label>
      <button type="submit" class="secondary">Filter</button>
    </form>
    ${rows.length === 0
      ? html`<p class="empty">No findings${checkName ? html` for ${checkName}` : ''}.</p>`
      : html`<table><thead><tr><th scope="col"><span class="muted">Select</span></th><th scope="col">Check</th><th scope="col">Severity</th><th scope="col">Resource</th><th scope="col">Reason</th><th scope="col">Suppressed</th><th scope="col"><span class="muted">Change</span></th></tr></thead>
        <tbody>${rows.map(
          (f) => html`<tr id="finding-${f.findingId}"><td><input type="checkbox" name="findingId" value="${f.findingId}" form="mitigate-selected" aria-label="Select the finding on ${resourceText(f.nonCompliantResource)} (${f.checkName})"></td><td>${f.checkName}</td><td>${severityBadge(f.severity)}</td>
            <td><a href="${ctx.base}/findings/${f.findingId}"><code>${resourceText(f.nonCompliantResource)}</code></a></td><td>${f.reasonForNonCompliance}</td><td>${f.isSuppressed ? 'yes' : 'no'}</td>
            <td>${suppressionForm(ctx, f, here)}</td></tr>`,
        )}</tbody></table>`}
    <p class="pager">${token ? html`<a href="${withQuery(path, query, { nextToken: undefined })}">First page</a>` : ''}
      ${findings.nextToken ? html`<a href="${withQuery(path, query, { nextToken: findings.nextToken })}">Next page</a>` : ''}</p>
    ${rows.length > 0 && !running
      ? html`<form id="mitigate-selected" method="get" action="${ctx.base}/mitigation/new" class="actions-row">
        <button type="submit" class="secondary">Mitigate the selected findings</button>
        <a href="${ctx.base}/mitigation/new?auditTaskId=${taskId}">Mitigate every finding of this audit</a>
        <a href="${ctx.base}/mitigation?auditTaskId=${taskId}">Mitigation tasks of this audit</a>
      </form>`
      : ''}
  </section>`;
  return { content, ...(running ? { noscriptRefreshSeconds: 2 } : {}) };
}
