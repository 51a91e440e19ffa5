// What ddlocal's engines report for metrics, as plain method calls: the protocol, the audit and mitigation runners
// and the outbox deliverer receive a Telemetry through their options and call it when something countable happened.
// The interface lives in kernel, free of any metrics library, so those layers stay unaware of prom-client and of the
// server that implements it (src/server/metrics.ts); NO_TELEMETRY is the default when nobody listens.

export interface Telemetry {
  /** One HTTP request answered: the model's operation (or `ddlocal:<route>`, or `unknown`), its status, its duration. */
  requestFinished(operation: string, status: string, seconds: number): void;
  /** An audit task began evaluation in this process (a resumed task counts again after a restart). */
  auditTaskStarted(taskType: string): void;
  /** An audit task ended: COMPLETED, FAILED or CANCELED. */
  auditTaskFinished(taskType: string, status: string): void;
  /** Findings stored for one check of an audit task. */
  auditFindingsStored(checkName: string, severity: string, count: number): void;
  /** A mitigation execution began applying its action. */
  mitigationExecutionStarted(actionType: string): void;
  /**
   * A mitigation execution stopped being applied: its committed outcome (COMPLETED, FAILED, or IN_PROGRESS when handed
   * to the outbox), or undefined when nothing was committed (the database failed; the execution will run again).
   */
  mitigationExecutionFinished(actionType: string, status: string | undefined): void;
  /** An outbox message reached SNS (`delivered`), failed for good (`failed`) or will be retried (`retry`). */
  outboxDelivery(outcome: 'delivered' | 'failed' | 'retry'): void;
}

export const NO_TELEMETRY: Telemetry = {
  requestFinished() {},
  auditTaskStarted() {},
  auditTaskFinished() {},
  auditFindingsStored() {},
  mitigationExecutionStarted() {},
  mitigationExecutionFinished() {},
  outboxDelivery() {},
};
