// ddlocal's Prometheus metrics: the prom-client implementation of the kernel's Telemetry interface, the gauges read at
// scrape time (outbox backlog, store transaction retries) and the `/_ddlocal/metrics` route that serves them.
//
// Each running server has its own Registry, never prom-client's global one: tests and embedders run several servers
// in one process, and each must report only its own work. Labels take values from closed sets only (the model's
// operation names, registered routes, check names, action types, statuses), never from request data, so no client
// can make the number of series grow. No metric names an account: one scraper sees every account's totals.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { Telemetry } from '../kernel/telemetry.js';
import type { ExtensionRoute } from '../kernel/extension-route.js';
import { ApiError } from '../kernel/errors.js';

/** An account's root user (arn:aws:iam::123456789012:root). */
const ROOT_PRINCIPAL = /^arn:[^:]+:iam::\d{12}:root$/;

/** A scrape never waits longer than this for the database; the backlog gauge is left out of that scrape instead. */
const BACKLOG_QUERY_TIMEOUT_MS = 2_000;

/** Request durations: ddlocal answers most requests in milliseconds, audits and big lists take longer. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const METRICS_PATH = '/_ddlocal/metrics';
/** Where Prometheus looks by default; no AWS IoT operation uses it (the model's only `/metric…` path is `/metric-values`). */
export const PROMETHEUS_DEFAULT_PATH = '/metrics';

export class DdlocalMetrics implements Telemetry {
  readonly registry = new Registry();
  private readonly requests: Counter<'operation' | 'status'>;
  private readonly latency: Histogram<'operation'>;
  private readonly auditStarted: Counter<'type'>;
  private readonly auditFinished: Counter<'type' | 'status'>;
  private readonly findings: Counter<'check' | 'severity'>;
  private readonly executions: Counter<'action_type' | 'status'>;
  private readonly executionsRunning: Gauge<'action_type'>;
  private readonly deliveries: Counter<'outcome'>;

  constructor(store: Store, logger: Logger) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'ddlocal_' });
    this.requests = new Counter({
      name: 'ddlocal_http_requests_total',
      help: 'HTTP requests answered, by operation (AWS IoT operation name or ddlocal:<route>) and HTTP status',
      labelNames: ['operation', 'status'],
      registers,
    });
    this.latency = new Histogram({
      name: 'ddlocal_http_request_duration_seconds',
      help: 'Time from the request arriving to the response being handed to the socket, by operation',
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.auditStarted = new Counter({
      name: 'ddlocal_audit_tasks_started_total',
      help: 'Audit tasks this process began evaluating, by task type',
      labelNames: ['type'],
      registers,
    });
    this.auditFinished = new Counter({
      name: 'ddlocal_audit_tasks_finished_total',
      help: 'Audit tasks that ended in this process, by task type and final status',
      labelNames: ['type', 'status'],
      registers,
    });
    this.findings = new Counter({
      name: 'ddlocal_audit_findings_total',
      help: 'Audit findings stored, by check and severity',
      labelNames: ['check', 'severity'],
      registers,
    });
    this.executions = new Counter({
      name: 'ddlocal_mitigation_executions_total',
      help: 'Mitigation executions applied, by action type and status (IN_PROGRESS: handed to the outbox)',
      labelNames: ['action_type', 'status'],
      registers,
    });
    this.executionsRunning = new Gauge({
      name: 'ddlocal_mitigation_executions_in_progress',
      help: 'Mitigation executions being applied right now in this process, by action type',
      labelNames: ['action_type'],
      registers,
    });
    this.deliveries = new Counter({
      name: 'ddlocal_outbox_deliveries_total',
      help: 'SNS publish attempts of outbox messages, by outcome: delivered, failed (for good), retry',
      labelNames: ['outcome'],
      registers,
    });
    new Gauge({
      name: 'ddlocal_outbox_backlog_messages',
      help: 'Outbox messages waiting for delivery (PENDING), counted at scrape time; absent if the database did not answer in time',
      registers,
      async collect() {
        try {
          this.set(await withTimeout(pendingMessages(store), BACKLOG_QUERY_TIMEOUT_MS));
        } catch (err) {
          this.reset();
          logger.debug({ err }, 'metrics: the outbox backlog could not be counted for this scrape');
        }
      },
    });
    const retries = store.retries;
    if (retries) {
      new Counter({
        name: 'ddlocal_store_transaction_retries_total',
        help: 'Store transactions run again, by cause: conflict (serialization failure or busy database), reconnect (connection lost)',
        labelNames: ['cause'],
        registers,
        collect() {
          this.reset();
          this.inc({ cause: 'conflict' }, retries.conflict);
          this.inc({ cause: 'reconnect' }, retries.reconnect);
        },
      });
    }
  }

  requestFinished(operation: string, status: string, seconds: number): void {
    this.requests.inc({ operation, status });
    this.latency.observe({ operation }, seconds);
  }

  auditTaskStarted(taskType: string): void {
    this.auditStarted.inc({ type: taskType });
  }

  auditTaskFinished(taskType: string, status: string): void {
    this.auditFinished.inc({ type: taskType, status });
  }

  auditFindingsStored(checkName: string, severity: string, count: number): void {
    if (count > 0) this.findings.inc({ check: checkName, severity }, count);
  }

  mitigationExecutionStarted(actionType: string): void {
    this.executionsRunning.inc({ action_type: actionType });
  }

  mitigationExecutionFinished(actionType: string, status: string | undefined): void {
    this.executionsRunning.dec({ action_type: actionType });
    if (status !== undefined) this.executions.inc({ action_type: actionType, status });
  }

  outboxDelivery(outcome: 'delivered' | 'failed' | 'retry'): void {
    this.deliveries.inc({ outcome });
  }

  /** `GET /_ddlocal/metrics`, authorized in strict mode by `ddlocal:GetMetrics` unless served unsigned. */
  route(): ExtensionRoute {
    return {
      method: 'GET',
      path: METRICS_PATH,
      action: 'ddlocal:GetMetrics',
      handler: async ({ principal, admin }) => {
        // The totals cover every account, so an account's root (allowed every ddlocal: action in its own account)
        // is not enough: strict mode needs an admin or a key whose policy grants ddlocal:GetMetrics by name.
        if (principal && !admin && ROOT_PRINCIPAL.test(principal.principalArn))
          throw new ApiError(
            'AccessDeniedException',
            'Metrics cover every account: use an admin credential or one whose IAM policy allows ddlocal:GetMetrics ' +
              '(or start ddlocal with --metrics unsigned for an unsigned scraper)',
          );
        return { contentType: this.registry.contentType, body: await this.registry.metrics() };
      },
    };
  }
}

async function pendingMessages(store: Store): Promise<number> {
  // The outbox_due index (status, next_attempt_at) answers this without reading the messages.
  const row = await store.transaction(
    (tx) => tx.selectFrom('outbox').select((eb) => eb.fn.countAll<number | string>().as('n')).where('status', '=', 'PENDING').executeTakeFirst(),
    { readCommitted: true },
  );
  return Number(row?.n ?? 0);
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  // The query itself may still finish later; its result is simply not used.
  work.catch(() => {});
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
