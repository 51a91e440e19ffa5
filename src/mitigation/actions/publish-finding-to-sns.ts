// PUBLISH_FINDING_TO_SNS (mitigation.md §7.3, Dec M10, M28): writes the finding's message to the outbox in the
// execution's transaction and leaves the execution IN_PROGRESS; the deliverer publishes it and reports back to the
// MITIGATION_EXECUTION_ORIGIN handler, which settles the execution.
import { enqueueSnsMessage } from '../../outbox/enqueue.js';
import type { AuditResource } from '../../audit/checks/check.js';
import type { ActionContext, ActionOutcome, FindingToMitigate, MitigationActionImplementation } from '../action.js';

export const MITIGATION_EXECUTION_ORIGIN = 'mitigation-execution';

/** The outbox message's originRef: the key of the execution to settle. */
export interface MitigationExecutionRef {
  taskId: string;
  findingId: string;
  actionName: string;
}

export const snsSubject = (checkName: string) => `AWS IoT Device Defender audit finding: ${checkName}`;

/** `<taskId>:<findingId>:<actionName>`: one message per execution, however often it is published [Dec M28]. */
export const snsDeduplicationId = (ref: MitigationExecutionRef) => `${ref.taskId}:${ref.findingId}:${ref.actionName}`;

/** A resource as the message shows it: additionalInfo only when the finding has it. */
function resourceJson(resource: AuditResource): AuditResource {
  const out: AuditResource = { resourceType: resource.resourceType, resourceIdentifier: resource.resourceIdentifier };
  if (resource.additionalInfo !== undefined) out.additionalInfo = resource.additionalInfo;
  return out;
}

/** The message body (§7.3): one line of JSON, members in the documented order. */
export function snsMessageBody(ctx: Pick<ActionContext, 'accountId' | 'region' | 'taskId'>, finding: FindingToMitigate, actionName: string): string {
  return JSON.stringify({
    version: '1',
    accountId: ctx.accountId,
    region: ctx.region,
    taskId: ctx.taskId,
    auditTaskId: finding.auditTaskId,
    findingId: finding.findingId,
    checkName: finding.checkName,
    severity: finding.severity,
    reasonForNonComplianceCode: finding.reasonForNonComplianceCode,
    reasonForNonCompliance: finding.reasonForNonCompliance,
    nonCompliantResource: resourceJson(finding.nonCompliantResource),
    relatedResources: finding.relatedResources.map(resourceJson),
    findingTime: new Date(finding.findingTime).toISOString(),
    actionName,
  });
}

async function apply(ctx: ActionContext): Promise<ActionOutcome> {
  const ref: MitigationExecutionRef = { taskId: ctx.taskId, findingId: ctx.finding.findingId, actionName: ctx.action.name };
  await enqueueSnsMessage(ctx.db, {
    accountId: ctx.accountId,
    region: ctx.region,
    origin: MITIGATION_EXECUTION_ORIGIN,
    originRef: ref,
    topicArn: ctx.action.actionParams.publishFindingToSnsParams.topicArn,
    subject: snsSubject(ctx.finding.checkName),
    body: snsMessageBody(ctx, ctx.finding, ctx.action.name),
    deduplicationId: snsDeduplicationId(ref),
    createdAt: ctx.now,
  });
  return { status: 'IN_PROGRESS' };
}

export const publishFindingToSns: MitigationActionImplementation = {
  type: 'PUBLISH_FINDING_TO_SNS',
  permissions: ['sns:Publish'],
  apply,
};
