// PUBLISH_FINDING_TO_SNS (docs/decisions.md#m10, #m28): writes the finding's message to the outbox in the
// execution's transaction and leaves the execution IN_PROGRESS; the deliverer publishes it and reports back to the
// MITIGATION_EXECUTION_ORIGIN handler, which settles the execution.
import { enqueueSnsMessage } from '../../outbox/enqueue.js';
import type { AuditResource } from '../../audit/checks/check.js';
import { invalidRequest } from '../../kernel/errors.js';
import { defineActionType, type ActionContext, type ActionOutcome, type FindingToMitigate } from '../action.js';

export const MITIGATION_EXECUTION_ORIGIN = 'mitigation-execution';

/** The outbox message's originRef: the key of the execution to settle. */
export interface MitigationExecutionRef {
  taskId: string;
  findingId: string;
  actionName: string;
}

const snsSubject = (checkName: string) => `AWS IoT Device Defender audit finding: ${checkName}`;

/**
 * `<taskId>:<findingId>:<actionName>`: one message per execution, however often it is published
 * (docs/decisions.md#m28).
 */
const snsDeduplicationId = (ref: MitigationExecutionRef) => `${ref.taskId}:${ref.findingId}:${ref.actionName}`;

/** A resource as the message shows it: additionalInfo only when the finding has it. */
function resourceJson(resource: AuditResource): AuditResource {
  const out: AuditResource = { resourceType: resource.resourceType, resourceIdentifier: resource.resourceIdentifier };
  if (resource.additionalInfo !== undefined) out.additionalInfo = resource.additionalInfo;
  return out;
}

/** The message body (docs/decisions.md#m10): one line of JSON, members in the documented order. */
function snsMessageBody(ctx: Pick<ActionContext, 'accountId' | 'region' | 'taskId'>, finding: FindingToMitigate, actionName: string): string {
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

// The model types the topic as a plain string; this catches a wrong ARN kind when the action is created rather than
// when the message is delivered.
const SNS_TOPIC_ARN = /^arn:aws(?:-[a-z]+)*:sns:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?$/;

interface Params {
  topicArn: string;
}

function checkParams(params: Params, prefix: string): void {
  if (!SNS_TOPIC_ARN.test(params.topicArn))
    throw invalidRequest(
      `${prefix}: topicArn ${params.topicArn} is not an SNS topic ARN (expected arn:aws:sns:<region>:<12-digit account>:<topic name>)`,
    );
}

async function apply(ctx: ActionContext): Promise<ActionOutcome<never>> {
  const ref: MitigationExecutionRef = { taskId: ctx.taskId, findingId: ctx.finding.findingId, actionName: ctx.action.name };
  await enqueueSnsMessage(ctx.db, {
    accountId: ctx.accountId,
    region: ctx.region,
    origin: MITIGATION_EXECUTION_ORIGIN,
    originRef: ref,
    // The snapshot's type was chosen by this member being set, so it is there.
    topicArn: ctx.action.actionParams.publishFindingToSnsParams!.topicArn,
    subject: snsSubject(ctx.finding.checkName),
    body: snsMessageBody(ctx, ctx.finding, ctx.action.name),
    deduplicationId: snsDeduplicationId(ref),
    createdAt: ctx.now,
  });
  return { status: 'IN_PROGRESS' };
}

export const publishFindingToSns = defineActionType({
  type: 'PUBLISH_FINDING_TO_SNS',
  paramsMember: 'publishFindingToSnsParams',
  // Publishing changes no resource, so any finding can be published.
  appliesTo: 'EVERY_CHECK',
  permissions: [{ action: 'sns:Publish', resources: (ctx) => [ctx.action.actionParams.publishFindingToSnsParams!.topicArn] }],
  checkParams,
  apply,
  // Even a rolled-back simulation would be a message in the making: the preview only says where it would go.
  preview: { withoutApplying: (action) => `publish to ${action.actionParams.publishFindingToSnsParams?.topicArn}` },
  undo: { notUndoable: 'publishes to SNS; a published message cannot be taken back' },
});
