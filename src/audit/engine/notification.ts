// The audit notification: when an audit task ends and the account's SNS notification target is
// enabled, one summary message goes into the outbox in the transaction that ends the task.
import type { Db } from '../../store/store.js';
import type { AuditTaskRow } from '../../store/schema.js';
import { fromJson } from '../../kernel/json.js';
import { enqueueSnsMessage } from '../../outbox/enqueue.js';
import { auditTaskDetails } from './task-details.js';

const AUDIT_NOTIFICATION_ORIGIN = 'audit-notification';

interface SnsTarget {
  targetArn?: string;
  roleArn?: string;
  enabled?: boolean;
}

async function enabledSnsTarget(db: Db, task: AuditTaskRow): Promise<SnsTarget | undefined> {
  const row = await db
    .selectFrom('audit_configurations')
    .select('notification_targets')
    .where('account_id', '=', task.account_id)
    .where('region', '=', task.region)
    .executeTakeFirst();
  const sns = fromJson<Record<string, SnsTarget>>(row?.notification_targets, {}).SNS;
  return sns?.enabled && sns.targetArn ? sns : undefined;
}

/** The message body, in the documented audit notification schema. */
async function auditNotificationBody(db: Db, task: AuditTaskRow, taskStatus: string, now: number) {
  const details = await auditTaskDetails(db, task, now);
  const all = [...details.entries()];
  const count = (status: string) => all.filter(([, d]) => d.checkRunStatus === status).length;
  return {
    accountId: task.account_id,
    taskId: task.task_id,
    taskStatus,
    taskType: task.task_type,
    scheduledAuditName: task.scheduled_audit_name ?? undefined,
    failedChecksCount: count('FAILED'),
    canceledChecksCount: count('CANCELED'),
    nonCompliantChecksCount: count('COMPLETED_NON_COMPLIANT'),
    compliantChecksCount: count('COMPLETED_COMPLIANT'),
    totalChecksCount: all.length,
    taskStartTime: task.task_start_time,
    auditDetails: all.map(([checkName, d]) => ({
      checkName,
      checkRunStatus: d.checkRunStatus,
      nonCompliantResourcesCount: d.nonCompliantResourcesCount ?? 0,
      // Singular "Resource": the documented notification schema spells it so (unlike DescribeAuditTask).
      suppressedNonCompliantResourceCount: d.suppressedNonCompliantResourcesCount ?? 0,
      totalResourcesCount: d.totalResourcesCount ?? 0,
      message: d.message,
      errorCode: d.errorCode,
    })),
  };
}

/** Enqueues the notification for a task that just reached taskStatus, if the account asked for one. */
export async function notifyAuditTaskEnded(db: Db, task: AuditTaskRow, taskStatus: string, now: number): Promise<void> {
  const target = await enabledSnsTarget(db, task);
  if (!target) return;
  const body = await auditNotificationBody(db, task, taskStatus, now);
  await enqueueSnsMessage(db, {
    accountId: task.account_id,
    region: task.region,
    origin: AUDIT_NOTIFICATION_ORIGIN,
    originRef: { taskId: task.task_id },
    topicArn: target.targetArn!,
    subject: `AWS IoT Device Defender audit ${taskStatus}: ${task.task_id}`,
    body: JSON.stringify(body),
    deduplicationId: `${task.task_id}:audit-notification`,
    createdAt: now,
  });
}
