// Writing to the outbox: callers enqueue inside the transaction that decides to send, so the message exists exactly
// when that decision committed (docs/decisions.md#m28). The deliverer (deliverer.ts) publishes it afterwards.
import { randomUUID } from 'node:crypto';
import type { Db } from '../store/store.js';
import { toJson } from '../kernel/json.js';
import { wakeSignal } from '../kernel/background-loop.js';

export interface SnsMessage {
  accountId: string;
  region: string;
  /** Who asked (e.g. 'audit-notification'); the deliverer reports the outcome to that origin's handler. */
  origin: string;
  /** Identifies the origin's record (JSON-serialisable), e.g. a mitigation execution's key. */
  originRef: unknown;
  topicArn: string;
  subject: string;
  body: string;
  /** Sent as the `ddlocal.deduplicationId` attribute; FIFO topics get its SHA-256 as MessageDeduplicationId. */
  deduplicationId: string;
  /** ddlocal's clock, for display. */
  createdAt: number;
}

// Deliverers of this process, nudged after a commit so a message goes out without waiting for the next poll.
export const outboxWork = wakeSignal();

/** Nudges the deliverers; call after the enqueuing transaction committed (a nudge before commit is harmless). */
function wakeOutbox(): void {
  outboxWork.raise();
}

export async function enqueueSnsMessage(db: Db, message: SnsMessage): Promise<string> {
  const messageId = randomUUID();
  const wallNow = Date.now();
  await db
    .insertInto('outbox')
    .values({
      account_id: message.accountId,
      region: message.region,
      message_id: messageId,
      origin: message.origin,
      origin_ref: toJson(message.originRef ?? null),
      topic_arn: message.topicArn,
      subject: message.subject,
      body: message.body,
      deduplication_id: message.deduplicationId,
      status: 'PENDING',
      attempts: 0,
      next_attempt_at: wallNow,
      enqueued_at: wallNow,
      created_at: message.createdAt,
      delivered_at: null,
      sns_message_id: null,
      error_code: null,
      last_error: null,
    })
    .execute();
  wakeOutbox();
  return messageId;
}
