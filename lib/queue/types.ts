/** One received SQS message, with what we read from its system attributes. */
export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** ApproximateReceiveCount: 1 on the first delivery. */
  receiveCount: number;
  /** SentTimestamp: when it entered the queue (for queue-lag metrics). */
  sentAt: Date | undefined;
  receivedAt: Date;
}

/**
 * What to do with a message once handled: delete it; retry it, making it visible again after
 * `retryAfterSeconds` (0 = at once; the queue's redrive policy moves it to the dead-letter queue
 * after maxReceiveCount deliveries); or leave it untouched (dry run: it reappears after its
 * visibility timeout and nothing about it was changed).
 */
export type MessageOutcome =
  | { disposition: 'delete' }
  | { disposition: 'retry'; retryAfterSeconds: number }
  | { disposition: 'leave' };

export type MessageHandler = (message: QueueMessage, signal: AbortSignal) => Promise<MessageOutcome>;
