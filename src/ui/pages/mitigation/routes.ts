// The mitigation section's addresses: the index (actions and tasks), action pages and forms, the task builder with
// its preview, task pages with their live progress stream, and the Start, Cancel and Undo forms.
import { randomUUID } from 'node:crypto';
import type { PageRoutes } from '../../routes.js';
import { UNDO_PREFIX } from '../../../mitigation/undo.js';
import { actionPage, newActionPage, postedParams } from './actions.js';
import { newTaskPage, postedRequest } from './new-task.js';
import { mitigationIndexPage, taskPage, undoResultsPage } from './tasks.js';
import { progressStream } from './progress.js';

/** The model's patterns for both names: MitigationActionName and MitigationActionsTaskId, `[a-zA-Z0-9_-]+`. */
const ACTION = '([a-zA-Z0-9_-]{1,128})';
const TASK = '([a-zA-Z0-9_-]{1,128})';

export const MITIGATION_ROUTES: PageRoutes = {
  views: [
    { path: /^\/mitigation$/, view: (_, query) => ({ title: 'Mitigation', section: 'mitigation', render: (ctx) => mitigationIndexPage(ctx, query) }) },
    { path: /^\/mitigation\/actions\/new$/, view: (_, query) => ({ title: 'New mitigation action', section: 'mitigation', render: (ctx) => newActionPage(ctx, query) }) },
    { path: new RegExp(`^/mitigation/actions/${ACTION}$`), view: ([name]) => ({ title: `Mitigation action ${name}`, section: 'mitigation', render: (ctx) => actionPage(ctx, name!) }) },
    { path: /^\/mitigation\/new$/, view: (_, query) => ({ title: 'New mitigation task', section: 'mitigation', render: (ctx) => newTaskPage(ctx, query) }) },
    { path: new RegExp(`^/mitigation/tasks/${TASK}$`), view: ([id], query) => ({ title: `Mitigation task ${id}`, section: 'mitigation', render: (ctx) => taskPage(ctx, id!, query) }) },
  ],
  actions: [
    {
      path: /^\/mitigation\/actions$/,
      act: async (ctx, fields) => {
        const actionName = fields.get('actionName') ?? '';
        await ctx.call('CreateMitigationAction', { actionName, roleArn: fields.get('roleArn') ?? '', actionParams: postedParams(fields) });
        return `${ctx.base}/mitigation/actions/${encodeURIComponent(actionName)}`;
      },
    },
    {
      path: new RegExp(`^/mitigation/actions/${ACTION}$`),
      act: async (ctx, fields, [actionName]) => {
        await ctx.call('UpdateMitigationAction', { actionName, roleArn: fields.get('roleArn') ?? '', actionParams: postedParams(fields) });
        return `${ctx.base}/mitigation/actions/${actionName}`;
      },
    },
    {
      path: new RegExp(`^/mitigation/actions/${ACTION}/delete$`),
      act: async (ctx, _, [actionName]) => {
        await ctx.call('DeleteMitigationAction', { actionName });
        return `${ctx.base}/mitigation`;
      },
    },
    {
      path: /^\/mitigation\/tasks$/,
      act: async (ctx, fields) => {
        const taskId = `dashboard-${randomUUID()}`;
        await ctx.call('StartAuditMitigationActionsTask', { taskId, ...postedRequest(fields), clientRequestToken: randomUUID() });
        return `${ctx.base}/mitigation/tasks/${taskId}`;
      },
    },
    {
      path: new RegExp(`^/mitigation/tasks/${TASK}/cancel$`),
      act: async (ctx, _, [taskId]) => {
        await ctx.call('CancelAuditMitigationActionsTask', { taskId });
        return `${ctx.base}/mitigation/tasks/${taskId}`;
      },
    },
    {
      path: new RegExp(`^/mitigation/tasks/${TASK}/undo$`),
      // Answered with the results themselves: they are the undo's answer and are not stored. Posting again is safe:
      // what was restored reports ALREADY_UNDONE.
      act: async (ctx, _, [taskId]) => {
        const out = await ctx.extension('POST', `${UNDO_PREFIX}${taskId}/undo`, {});
        return { title: `Undo of mitigation task ${taskId}`, section: 'mitigation', content: undoResultsPage(ctx, taskId!, out) };
      },
    },
  ],
  streams: [{ path: new RegExp(`^/mitigation/tasks/${TASK}/events$`), stream: (ctx, [taskId]) => progressStream(ctx, taskId!) }],
};
