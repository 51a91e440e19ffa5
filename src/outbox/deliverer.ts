// Delivers outbox messages to SNS, at least once (docs/decisions.md#m28).
//
// A message is claimed by moving its next_attempt_at one lease into the future (a compare-and-set, so two processes
// sharing a database never publish the same claim twice), published outside any transaction, and then marked
// DELIVERED or FAILED in a transaction that also reports the outcome to the message's origin. A crash between the
// publish and that commit leaves the claim to expire and the message is published again: subscribers deduplicate on
// the `ddlocal.deduplicationId` attribute.
import { createHash } from 'node:crypto';
import { PublishCommand, SNSClient, type MessageAttributeValue, type SNSClientConfig } from '@aws-sdk/client-sns';
import type { Logger } from 'pino';
import type { Transaction } from 'kysely';
import type { Store } from '../store/store.js';
import type { Database, OutboxRow } from '../store/schema.js';
import { outboxWork } from './enqueue.js';
import { BackgroundLoop } from '../kernel/background-loop.js';
import { classifyPublishError, type PublishFailure } from './sns-errors.js';
import { NO_TELEMETRY, type Telemetry } from '../kernel/telemetry.js';

/** What an origin (audit notifications, mitigation executions) does when its message's fate is known. */
export interface OutboxOrigin {
  delivered?(tx: Transaction<Database>, message: OutboxRow): Promise<void>;
  failed?(tx: Transaction<Database>, message: OutboxRow, errorCode: string, reason: string): Promise<void>;
}

export interface OutboxDelivererOptions {
  /** Merged into every SNSClient (endpoint, credentials…); otherwise the SDK's standard configuration applies. */
  snsClientConfig?: Partial<SNSClientConfig>;
  origins?: Record<string, OutboxOrigin>;
  /** How often to look for due messages when nothing nudges the deliverer; default 250 ms. */
  pollMs?: number;
  /** How long delivery is retried before the message is FAILED (the DDLOCAL_SNS_DELIVERY_DEADLINE_SECONDS setting). */
  deliveryDeadlineMs: number;
  /** How long one publish attempt may take before its claim can be retaken; default 60 s. */
  leaseMs?: number;
  /** Told of each attempt's outcome, for metrics; default: nobody. */
  telemetry?: Telemetry;
}

const DEDUPLICATION_ATTRIBUTE = 'ddlocal.deduplicationId';
const BATCH = 25;
const PUBLISH_TIMEOUT_MS = 30_000;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 60_000;

/** The region of an SNS topic ARN (arn:partition:sns:region:account:name), or undefined if it is not one. */
export function topicRegion(topicArn: string): string | undefined {
  const parts = topicArn.split(':');
  return parts.length >= 6 && parts[0] === 'arn' && parts[2] === 'sns' && parts[3] ? parts[3] : undefined;
}

export class OutboxDeliverer {
  private readonly clients = new Map<string, SNSClient>();
  private readonly deadlineMs: number;
  private readonly loop: BackgroundLoop;
  private readonly telemetry: Telemetry;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly options: OutboxDelivererOptions,
  ) {
    this.deadlineMs = options.deliveryDeadlineMs;
    this.telemetry = options.telemetry ?? NO_TELEMETRY;
    this.loop = new BackgroundLoop({
      pass: () => this.pass(),
      logger,
      failureMessage: 'outbox delivery pass failed',
      pollMs: options.pollMs ?? 250,
      wakeDelayMs: 20,
      signal: outboxWork,
    });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  /** Delivers every message due now (one attempt each) and waits for the outcomes. */
  runOnce(): Promise<void> {
    return this.loop.runOnce();
  }

  private async pass(): Promise<void> {
    for (;;) {
      const claimed = await this.claim();
      if (claimed.length === 0) return;
      await Promise.all(claimed.map((m) => this.deliver(m)));
      if (this.loop.isStopped) return;
    }
  }

  /** Takes up to BATCH due messages by pushing their next attempt one lease ahead. */
  private async claim(): Promise<OutboxRow[]> {
    const now = Date.now();
    const lease = this.options.leaseMs ?? 60_000;
    return this.store.transaction(async (tx) => {
      let q = tx
        .selectFrom('outbox')
        .selectAll()
        .where('status', '=', 'PENDING')
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .limit(BATCH);
      // Several processes on one PostgreSQL database take disjoint batches instead of queueing on row locks.
      if (this.store.kind === 'postgres') q = q.forUpdate().skipLocked();
      const due = await q.execute();
      const claimed: OutboxRow[] = [];
      for (const m of due) {
        const r = await tx
          .updateTable('outbox')
          .set({ next_attempt_at: now + lease, attempts: m.attempts + 1 })
          .where('message_id', '=', m.message_id)
          .where('status', '=', 'PENDING')
          .where('next_attempt_at', '=', m.next_attempt_at)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) === 1) claimed.push({ ...m, attempts: m.attempts + 1, next_attempt_at: now + lease });
      }
      return claimed;
    });
  }

  private async deliver(message: OutboxRow): Promise<void> {
    let snsMessageId: string | undefined;
    let failure: PublishFailure | undefined;
    // The SDK's name for what went wrong (AuthorizationErrorException, TimeoutError, ECONNREFUSED…), for the log.
    let errorClass: string | undefined;
    try {
      snsMessageId = await this.publish(message);
    } catch (err) {
      failure = classifyPublishError(err);
      errorClass = errorClassOf(err);
    }
    if (!failure) return this.settle(message, { status: 'DELIVERED', snsMessageId });
    if (failure.permanent)
      return this.settle(message, { status: 'FAILED', errorCode: failure.errorCode, reason: failure.message }, errorClass);
    const retryAt = Date.now() + retryDelay(message.attempts);
    if (retryAt > message.enqueued_at + this.deadlineMs)
      return this.settle(message, {
        status: 'FAILED',
        errorCode: 'INVALID_STATE_OF_RESOURCE',
        reason: `SNS did not accept the message before the delivery deadline (${message.attempts} attempts); last error: ${failure.message}`,
      }, errorClass);
    await this.store.transaction((tx) =>
      tx
        .updateTable('outbox')
        .set({ next_attempt_at: retryAt, last_error: failure.message.slice(0, 2048) })
        .where('message_id', '=', message.message_id)
        .where('status', '=', 'PENDING')
        .execute(),
    );
    this.telemetry.outboxDelivery('retry');
    this.logger.warn(
      {
        event: 'sns.delivery.retry',
        messageId: message.message_id,
        origin: message.origin,
        topicArn: message.topic_arn,
        attempts: message.attempts,
        errorClass,
        error: failure.message,
      },
      `SNS publish to ${message.topic_arn} failed (${errorClass}); will retry: ${failure.message}`,
    );
  }

  private async publish(message: OutboxRow): Promise<string | undefined> {
    const region = topicRegion(message.topic_arn);
    if (!region)
      throw Object.assign(new Error(`${message.topic_arn} is not an SNS topic ARN`), {
        name: 'InvalidParameterException',
        $metadata: { httpStatusCode: 400 },
      });
    const attributes: Record<string, MessageAttributeValue> = {
      [DEDUPLICATION_ATTRIBUTE]: { DataType: 'String', StringValue: message.deduplication_id },
    };
    const fifo = message.topic_arn.endsWith('.fifo');
    const out = await this.client(region).send(
      new PublishCommand({
        TopicArn: message.topic_arn,
        Subject: message.subject,
        Message: message.body,
        MessageAttributes: attributes,
        MessageDeduplicationId: fifo ? createHash('sha256').update(message.deduplication_id).digest('hex') : undefined,
        MessageGroupId: fifo ? fifoGroupId(message) : undefined,
      }),
      { abortSignal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS) },
    );
    return out.MessageId;
  }

  private client(region: string): SNSClient {
    let client = this.clients.get(region);
    if (!client) {
      client = new SNSClient({ region, ...this.options.snsClientConfig, maxAttempts: 1 });
      this.clients.set(region, client);
    }
    return client;
  }

  private async settle(
    message: OutboxRow,
    outcome: { status: 'DELIVERED'; snsMessageId?: string } | { status: 'FAILED'; errorCode: string; reason: string },
    errorClass?: string,
  ): Promise<void> {
    const origin = this.options.origins?.[message.origin];
    await this.store.transaction(async (tx) => {
      const r = await tx
        .updateTable('outbox')
        .set(
          outcome.status === 'DELIVERED'
            ? { status: 'DELIVERED', delivered_at: Date.now(), sns_message_id: outcome.snsMessageId ?? null }
            : { status: 'FAILED', error_code: outcome.errorCode, last_error: outcome.reason.slice(0, 2048) },
        )
        .where('message_id', '=', message.message_id)
        .where('status', '=', 'PENDING')
        .executeTakeFirst();
      // Settled meanwhile by another process whose claim we outlived: its outcome stands.
      if (Number(r.numUpdatedRows) !== 1) return;
      if (outcome.status === 'DELIVERED') await origin?.delivered?.(tx, message);
      else await origin?.failed?.(tx, message, outcome.errorCode, outcome.reason);
    });
    const log = { messageId: message.message_id, origin: message.origin, topicArn: message.topic_arn, attempts: message.attempts };
    // One line per delivered message would flood the log of a mitigation task publishing thousands of findings:
    // successes are debug, failures (rare, and needing attention) warn.
    if (outcome.status === 'DELIVERED') {
      this.telemetry.outboxDelivery('delivered');
      this.logger.debug({ event: 'sns.delivery.delivered', ...log, snsMessageId: outcome.snsMessageId }, `SNS message delivered to ${message.topic_arn}`);
    } else {
      this.telemetry.outboxDelivery('failed');
      this.logger.warn(
        { event: 'sns.delivery.failed', ...log, errorClass, errorCode: outcome.errorCode, reason: outcome.reason },
        `SNS message to ${message.topic_arn} could not be delivered (${errorClass ?? outcome.errorCode}): ${outcome.reason}`,
      );
    }
  }
}

/** The error's class as the SDK or Node names it: the exception name, else the system error code. */
function errorClassOf(err: unknown): string {
  const e = (err ?? {}) as { name?: unknown; code?: unknown; cause?: { code?: unknown } };
  const name = typeof e.name === 'string' && e.name !== 'Error' ? e.name : undefined;
  const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : undefined;
  return name ?? code ?? 'Error';
}

/**
 * FIFO topics order per group; one group per originating task keeps a task's messages in order
 * (docs/decisions.md#m28).
 */
function fifoGroupId(message: OutboxRow): string {
  return message.deduplication_id.split(':')[0] || message.message_id;
}

/** Exponential backoff with jitter: 0.5 s, 1 s, 2 s … capped at a minute. */
function retryDelay(attempts: number): number {
  const base = Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_MS);
  return base / 2 + Math.random() * (base / 2);
}
