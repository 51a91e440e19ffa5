// A registry with audit findings to mitigate, built through the official SDK: two overly permissive policies
// attached to a certificate and logging off, a completed audit of both checks, and three mitigation actions
// (ResetPolicyVersionAction, EnableLogging, Notify).
import {
  AttachPolicyCommand,
  CreateKeysAndCertificateCommand,
  CreateMitigationActionCommand,
  CreatePolicyCommand,
  DescribeAuditMitigationActionsTaskCommand,
  DescribeAuditTaskCommand,
  ListAuditFindingsCommand,
  StartOnDemandAuditTaskCommand,
  UpdateAccountAuditConfigurationCommand,
  type AuditFinding,
  type IoTClient,
} from '@aws-sdk/client-iot';
import type { TestServer } from './server.js';

export const BROAD = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] });
export const SCENARIO_CHECKS = ['IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 'LOGGING_DISABLED_CHECK'];

export interface MitigationScenario {
  accountId: string;
  iot: IoTClient;
  role: string;
  auditTaskId: string;
  findings: AuditFinding[];
  policyFinding(name: 'broad-a' | 'broad-b'): AuditFinding;
  loggingFinding: AuditFinding;
}

export async function mitigationScenario(
  server: TestServer,
  accountId: string,
  options: { topicArn?: string } = {},
): Promise<MitigationScenario> {
  const iot = server.iot(accountId);
  const role = `arn:aws:iam::${accountId}:role/mitigation`;
  const { certificateArn } = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  for (const name of ['broad-a', 'broad-b']) {
    await iot.send(new CreatePolicyCommand({ policyName: name, policyDocument: BROAD }));
    await iot.send(new AttachPolicyCommand({ policyName: name, target: certificateArn }));
  }
  await iot.send(
    new UpdateAccountAuditConfigurationCommand({
      roleArn: role,
      auditCheckConfigurations: Object.fromEntries(SCENARIO_CHECKS.map((c) => [c, { enabled: true }])),
    }),
  );
  const { taskId: auditTaskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: SCENARIO_CHECKS }));
  for (let i = 0; i < 400; i++) {
    if ((await iot.send(new DescribeAuditTaskCommand({ taskId: auditTaskId }))).taskStatus !== 'IN_PROGRESS') break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const { findings } = await iot.send(new ListAuditFindingsCommand({ taskId: auditTaskId }));
  const policyFinding = (name: string) =>
    findings!.find((f) => f.nonCompliantResource?.resourceIdentifier?.policyVersionIdentifier?.policyName === name)!;
  const actions = {
    ResetPolicyVersionAction: { replaceDefaultPolicyVersionParams: { templateName: 'BLANK_POLICY' as const } },
    EnableLogging: { enableIoTLoggingParams: { roleArnForLogging: role, logLevel: 'WARN' as const } },
    Notify: { publishFindingToSnsParams: { topicArn: options.topicArn ?? `arn:aws:sns:us-east-1:${accountId}:alerts` } },
  };
  for (const [actionName, actionParams] of Object.entries(actions))
    await iot.send(new CreateMitigationActionCommand({ actionName, roleArn: role, actionParams }));
  return {
    accountId,
    iot,
    role,
    auditTaskId: auditTaskId!,
    findings: findings!,
    policyFinding,
    loggingFinding: findings!.find((f) => f.checkName === 'LOGGING_DISABLED_CHECK')!,
  };
}

export async function waitForMitigationTask(iot: IoTClient, taskId: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await iot.send(new DescribeAuditMitigationActionsTaskCommand({ taskId }));
    if (d.taskStatus !== 'IN_PROGRESS') return d;
    if (Date.now() > deadline) throw new Error(`mitigation task ${taskId} did not end within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
