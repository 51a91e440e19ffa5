// Every AWS IoT operation ddlocal implements, by model operation name. Operations of the model that are missing
// here answer 501 NotImplementedException (Dec W4).
import type { HandlerTable } from './context.js';
import { thingHandlers } from './things.js';
import { policyHandlers } from './policies.js';
import { policyAttachmentHandlers } from './policy-attachments.js';
import { loggingHandlers } from './logging.js';
import { roleAliasHandlers } from './role-aliases.js';
import { tagHandlers } from './tags.js';
import { certificateHandlers } from './certificates.js';
import { caCertificateHandlers } from './ca-certificates.js';
import { principalHandlers } from './principals.js';
import { thingGroupHandlers } from './thing-groups.js';
import { thingGroupMembershipHandlers } from './thing-group-membership.js';
import { thingTypeHandlers } from './thing-types.js';
import { auditConfigurationHandlers } from './audit-configuration.js';
import { auditTaskHandlers } from './audit-tasks.js';
import { auditFindingHandlers } from './audit-findings.js';
import { auditSuppressionHandlers } from './audit-suppressions.js';
import { scheduledAuditHandlers } from './scheduled-audits.js';
import { mitigationActionHandlers } from './mitigation-actions.js';
import { mitigationTaskHandlers } from './mitigation-tasks.js';

export const HANDLERS: HandlerTable = {
  ...thingHandlers,
  ...policyHandlers,
  ...policyAttachmentHandlers,
  ...loggingHandlers,
  ...roleAliasHandlers,
  ...tagHandlers,
  ...certificateHandlers,
  ...caCertificateHandlers,
  ...principalHandlers,
  ...thingGroupHandlers,
  ...thingGroupMembershipHandlers,
  ...thingTypeHandlers,
  ...auditConfigurationHandlers,
  ...auditTaskHandlers,
  ...auditFindingHandlers,
  ...auditSuppressionHandlers,
  ...scheduledAuditHandlers,
  ...mitigationActionHandlers,
  ...mitigationTaskHandlers,
};
