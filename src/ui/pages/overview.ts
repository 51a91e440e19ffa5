// The overview: the latest audit per check, the trend of non-compliant resources over recent audits, certificates by
// status and by expiry, and the tasks running now.
import { html, type Html } from '../html.js';
import { checkStatusBadge, severityBadge, taskStatusBadge, when } from '../layout.js';
import type { DashboardContext } from '../context.js';
import { progressOf } from './mitigation/progress.js';
import { certificateSummary } from '../../registry/fleet-summary.js';
import { AUDIT_CHECKS } from '../../audit/checks/index.js';
import { retainedWindow } from './time-window.js';

/** Audits shown in the trend chart. */
const TREND_AUDITS = 12;

interface AuditSummary {
  taskId: string;
  taskStatus: string;
  taskStartTime: Date;
  nonCompliant: number;
  details: Record<string, any>;
}

async function recentAudits(ctx: DashboardContext): Promise<AuditSummary[]> {
  const now = ctx.clock.now();
  const list = await ctx.call('ListAuditTasks', { ...retainedWindow(now), maxResults: TREND_AUDITS });
  const tasks = (list.tasks ?? []) as { taskId: string; taskStatus: string }[];
  const described = await Promise.all(
    tasks.map(async (t) => {
      const d = await ctx.call('DescribeAuditTask', { taskId: t.taskId });
      const details = (d.auditDetails ?? {}) as Record<string, any>;
      const nonCompliant = Object.values(details).reduce((sum, c) => sum + Number(c.nonCompliantResourcesCount ?? 0), 0);
      return { taskId: t.taskId, taskStatus: d.taskStatus, taskStartTime: new Date(d.taskStartTime), nonCompliant, details };
    }),
  );
  return described.sort((a, b) => b.taskStartTime.getTime() - a.taskStartTime.getTime());
}

/** Bars of non-compliant resources per audit, oldest on the left; an inline SVG, readable without script. */
function trendChart(audits: AuditSummary[]): Html {
  if (audits.length === 0) return html`<p class="empty">No audits in the last 90 days.</p>`;
  const ordered = [...audits].reverse();
  const max = Math.max(1, ...ordered.map((a) => a.nonCompliant));
  const width = 600;
  const height = 160;
  const slot = width / ordered.length;
  const bars = ordered.map((a, i) => {
    const h = Math.round((a.nonCompliant / max) * (height - 30));
    const w = Math.max(2, Math.min(48, Math.round(slot * 0.7)));
    const x = Math.round(i * slot + (slot - w) / 2);
    return html`<g><title>${a.taskStartTime.toISOString()}: ${a.nonCompliant} non-compliant resources</title>
      <rect class="bar${a.nonCompliant > 0 ? ' bad' : ''}" x="${x}" y="${height - 18 - h}" width="${w}" height="${h}"></rect>
      <text x="${x}" y="${height - 4}">${a.taskStartTime.toISOString().slice(5, 10)}</text></g>`;
  });
  const summary = ordered.map((a) => `${a.taskStartTime.toISOString().slice(0, 10)}: ${a.nonCompliant}`).join(', ');
  return html`<div class="chart"><svg viewBox="0 0 ${width} ${height}" role="img" aria-label="Non-compliant resources per audit, oldest first: ${summary}">${bars}</svg></div>`;
}

function latestChecks(base: string, audit: AuditSummary | undefined): Html {
  if (!audit) return html`<p class="empty">No audit in the last 90 days.</p>`;
  const rows = Object.entries(audit.details).sort(([a], [b]) => a.localeCompare(b));
  return html`<p class="muted">From the audit of ${when(audit.taskStartTime)} (<a href="${base}/audits/${audit.taskId}">${audit.taskId}</a>), ${taskStatusBadge(audit.taskStatus)}</p>
    <table><thead><tr><th scope="col">Check</th><th scope="col">Severity</th><th scope="col">Result</th><th scope="col" class="num">Non-compliant</th><th scope="col" class="num">Checked</th></tr></thead>
    <tbody>${rows.map(
      ([name, c]) => html`<tr><td><a href="${base}/audits/${audit.taskId}?checkName=${name}">${name}</a></td><td>${severityBadge(AUDIT_CHECKS.get(name)?.severity)}</td>
        <td>${checkStatusBadge(c.checkRunStatus)}</td><td class="num">${c.nonCompliantResourcesCount ?? '—'}</td><td class="num">${c.totalResourcesCount ?? '—'}</td></tr>`,
    )}</tbody></table>`;
}

async function runningTasks(ctx: DashboardContext, audits: AuditSummary[]): Promise<Html> {
  const now = ctx.clock.now();
  const mitigation = await ctx.call('ListAuditMitigationActionsTasks', {
    ...retainedWindow(now),
    taskStatus: 'IN_PROGRESS',
  });
  const running = audits.filter((a) => a.taskStatus === 'IN_PROGRESS');
  const mitigationTasks = (mitigation.tasks ?? []) as { taskId: string; startTime: Date }[];
  if (running.length === 0 && mitigationTasks.length === 0) return html`<p class="empty">Nothing is running.</p>`;
  // Only the tasks running now, each one DescribeAuditMitigationActionsTask for its counts.
  const progress = await Promise.all(mitigationTasks.map(async (t) => progressOf(await ctx.call('DescribeAuditMitigationActionsTask', { taskId: t.taskId }))));
  return html`<ul>
    ${running.map((a) => html`<li>Audit <a href="${ctx.base}/audits/${a.taskId}">${a.taskId}</a>, started ${when(a.taskStartTime)}</li>`)}
    ${mitigationTasks.map((t, i) => html`<li>Mitigation task <a href="${ctx.base}/mitigation/tasks/${t.taskId}">${t.taskId}</a>, started ${when(t.startTime)}:
      <progress max="${Math.max(progress[i]!.total, 1)}" value="${progress[i]!.done}" aria-label="Progress of ${t.taskId}"></progress>${progress[i]!.done} of ${progress[i]!.total} findings done</li>`)}
  </ul>`;
}

export async function overviewPage(ctx: DashboardContext): Promise<Html> {
  const audits = await recentAudits(ctx);
  const certificates = await ctx.store.transaction((db) => certificateSummary(db, ctx, ctx.clock.now()));
  const statuses = Object.entries(certificates.byStatus).sort(([a], [b]) => a.localeCompare(b));
  const total = statuses.reduce((sum, [, n]) => sum + n, 0);
  const maxBucket = Math.max(1, ...certificates.expiry.map((b) => b.count));
  return html`<div class="grid">
  <section class="panel wide" aria-labelledby="latest"><h2 id="latest">Latest audit, by check</h2>${latestChecks(ctx.base, audits[0])}</section>
  <section class="panel" aria-labelledby="trend"><h2 id="trend">Non-compliant resources over recent audits</h2>${trendChart(audits)}</section>
  <section class="panel" aria-labelledby="running"><h2 id="running">Running now</h2>${await runningTasks(ctx, audits)}</section>
  <section class="panel" aria-labelledby="certs"><h2 id="certs">Certificates</h2>
    <p><span class="figure">${total}</span> <span class="muted">certificates</span></p>
    ${statuses.length ? html`<table><thead><tr><th scope="col">Status</th><th scope="col" class="num">Certificates</th></tr></thead>
      <tbody>${statuses.map(([s, n]) => html`<tr><td>${s}</td><td class="num">${n}</td></tr>`)}</tbody></table>` : html`<p class="empty">No certificates.</p>`}
  </section>
  <section class="panel" aria-labelledby="expiry"><h2 id="expiry">Active certificates by expiry</h2>
    <table><thead><tr><th scope="col">Expires</th><th scope="col" class="num">Certificates</th><th scope="col"><span class="muted">Share</span></th></tr></thead>
    <tbody>${certificates.expiry.map(
      (b) => html`<tr><td class="nowrap">${b.label}</td><td class="num">${b.count}</td><td aria-hidden="true"><div class="chart"><svg viewBox="0 0 100 8"><rect class="bar${b.label === 'expired' ? ' bad' : ''}" x="0" y="0" height="8" width="${Math.round((b.count / maxBucket) * 100)}"></rect></svg></div></td></tr>`,
    )}</tbody></table>
  </section>
</div>`;
}
