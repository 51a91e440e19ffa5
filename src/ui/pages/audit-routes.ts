// The audit section's addresses: the audit list (and the form that starts one), one audit, one finding, and the
// suppression form both of the latter post.
import { randomUUID } from 'node:crypto';
import { invalidRequest } from '../../kernel/errors.js';
import type { PageRoutes } from '../routes.js';
import { returnPath } from '../routes.js';
import { auditListPage, auditPage } from './audits.js';
import { findingPage } from './finding.js';
import { overviewPage } from './overview.js';
import { auditStream } from './audit-progress.js';
import { AUDIT_CHECKS } from '../../audit/checks/index.js';

const AUDIT_ID = /^\/audits\/([a-zA-Z0-9_-]{1,40})$/;
const FINDING_ID = /^\/findings\/([a-zA-Z0-9_-]{1,128})$/;

export const AUDIT_ROUTES: PageRoutes = {
  views: [
    { path: /^\/?$/, view: () => ({ title: 'Overview', section: 'overview', render: (ctx) => overviewPage(ctx) }) },
    { path: /^\/audits$/, view: (_, query) => ({ title: 'Audits', section: 'audits', render: (ctx) => auditListPage(ctx, query) }) },
    { path: AUDIT_ID, view: ([taskId], query) => ({ title: `Audit ${taskId}`, section: 'audits', render: (ctx) => auditPage(ctx, taskId!, query) }) },
    { path: FINDING_ID, view: ([findingId], query) => ({ title: 'Finding', section: 'audits', render: (ctx) => findingPage(ctx, findingId!, query) }) },
  ],
  streams: [{ path: /^\/audits\/([a-zA-Z0-9_-]{1,40})\/events$/, stream: (ctx, [taskId]) => auditStream(ctx, taskId!) }],
  actions: [
    {
      path: /^\/audits$/,
      act: async (ctx, fields) => {
        const checks = fields.getAll('check');
        if (checks.length === 0) throw invalidRequest('Tick at least one check to start an audit');
        const out = await ctx.call('StartOnDemandAuditTask', { targetCheckNames: checks });
        return `${ctx.base}/audits/${out.taskId}`;
      },
    },
    {
      path: /^\/audits\/settings$/,
      act: async (ctx, fields) => {
        // Every known check is listed in the form: the unticked ones are disabled.
        const ticked = new Set(fields.getAll('enable'));
        const auditCheckConfigurations = Object.fromEntries([...AUDIT_CHECKS.keys()].map((name) => [name, { enabled: ticked.has(name) }]));
        await ctx.call('UpdateAccountAuditConfiguration', { roleArn: fields.get('roleArn') ?? '', auditCheckConfigurations });
        return `${ctx.base}/audits`;
      },
    },
    {
      path: /^\/suppressions$/,
      act: async (ctx, fields) => {
        const change = fields.get('change');
        const checkName = fields.get('checkName') ?? '';
        let resourceIdentifier: unknown;
        try {
          resourceIdentifier = JSON.parse(fields.get('resourceIdentifier') ?? '');
        } catch {
          throw invalidRequest("The finding's resource identifier in the form is not JSON");
        }
        if (change === 'suppress')
          await ctx.call('CreateAuditSuppression', {
            checkName,
            resourceIdentifier,
            suppressIndefinitely: true,
            description: 'Suppressed from the dashboard',
            clientRequestToken: randomUUID(),
          });
        else if (change === 'unsuppress') await ctx.call('DeleteAuditSuppression', { checkName, resourceIdentifier });
        else throw invalidRequest('change must be suppress or unsuppress');
        return returnPath(ctx, fields.get('back'));
      },
    },
  ],
};
