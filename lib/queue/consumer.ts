// The SQS side of the controller: long-polls, hands each message to the handler, keeps the
// messages it works on invisible to other consumers (ChangeMessageVisibility) until the handler
// is done, then deletes them in batches — never before the handler says the work is done.
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Logger } from '../observe/logger.ts';
import { RequestBatcher, type BatchEntry } from './batcher.ts';
import type { MessageHandler, MessageOutcome, QueueMessage } from './types.ts';

type SqsSender = Pick<SQSClient, 'send'>;

export interface QueueConsumerOptions {
  sqs: SqsSender;
  queueUrl: string;
  handler: MessageHandler;
  logger: Logger;
  /** Most messages in flight at once; receives pause while it is reached (back-pressure). */
  capacity: number;
  /** Visibility given on receive and renewed while a message is worked on. */
  visibilityTimeoutSeconds: number;
  /** Dry run: never extend visibility (only receiving is allowed to touch the queue). */
  readOnly?: boolean;
  /** Long-poll wait; 20 s is the SQS maximum. */
  waitTimeSeconds?: number;
  /** Hooks for metrics. */
  onReceive?: (messages: QueueMessage[]) => void;
  onApiCall?: (operation: string, outcome: 'ok' | 'error') => void;
}

interface InFlight {
  message: QueueMessage;
  renewedAt: number;
}

export class QueueConsumer {
  private readonly options: QueueConsumerOptions;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly deleter: RequestBatcher<string>;
  private readonly extender: RequestBatcher<string>;
  private readonly stopController = new AbortController();
  private loop: Promise<void> | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private capacityFreed: (() => void) | undefined;
  private handlers = new Set<Promise<void>>();
  /** When SQS last answered a receive, for readiness. */
  lastReceiveOkAt: number | undefined;
  lastError: string | undefined;

  constructor(options: QueueConsumerOptions) {
    this.options = options;
    this.deleter = new RequestBatcher((entries) => this.deleteBatch(entries));
    this.extender = new RequestBatcher((entries) => this.extendBatch(entries));
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  start(): void {
    if (this.loop) return;
    this.loop = this.receiveLoop();
    // Renew well before the timeout runs out: a third of it, at least once a second.
    const periodMs = Math.max(1000, (this.options.visibilityTimeoutSeconds * 1000) / 3);
    if (!this.options.readOnly) this.renewTimer = setInterval(() => this.renewVisibility(periodMs), Math.min(periodMs, 5000));
  }

  /**
   * Stops receiving, aborts the handlers and makes their messages visible again at once, so
   * another replica takes them over instead of waiting for the visibility timeout.
   */
  async stop(): Promise<void> {
    this.stopController.abort();
    this.capacityFreed?.();
    clearInterval(this.renewTimer);
    await this.loop;
    await Promise.allSettled([...this.handlers]);
  }

  private async receiveLoop(): Promise<void> {
    const { logger } = this.options;
    let failures = 0;
    while (!this.stopController.signal.aborted) {
      const room = this.options.capacity - this.inFlight.size;
      if (room <= 0) {
        await new Promise<void>((resolve) => (this.capacityFreed = resolve));
        continue;
      }
      let messages: Message[];
      try {
        const out = await this.options.sqs.send(new ReceiveMessageCommand({
          QueueUrl: this.options.queueUrl,
          MaxNumberOfMessages: Math.min(10, room),
          WaitTimeSeconds: this.options.waitTimeSeconds ?? 20,
          VisibilityTimeout: this.options.visibilityTimeoutSeconds,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        }), { abortSignal: this.stopController.signal });
        this.options.onApiCall?.('ReceiveMessage', 'ok');
        this.lastReceiveOkAt = Date.now();
        this.lastError = undefined;
        failures = 0;
        messages = out.Messages ?? [];
      } catch (error) {
        if (this.stopController.signal.aborted) break;
        this.options.onApiCall?.('ReceiveMessage', 'error');
        failures += 1;
        this.lastError = describeError(error);
        const delayMs = backoffMs(failures);
        logger.warn({ err: error, retryInMs: delayMs }, `receiving from SQS failed: ${this.lastError}`);
        await sleep(delayMs, this.stopController.signal);
        continue;
      }
      const received = messages.map(toQueueMessage).filter((m): m is QueueMessage => m !== undefined);
      if (received.length > 0) this.options.onReceive?.(received);
      for (const message of received) this.dispatch(message);
    }
  }

  private dispatch(message: QueueMessage): void {
    this.inFlight.set(message.receiptHandle, { message, renewedAt: Date.now() });
    const run = this.handle(message).finally(() => {
      this.inFlight.delete(message.receiptHandle);
      this.handlers.delete(run);
      this.capacityFreed?.();
      this.capacityFreed = undefined;
    });
    this.handlers.add(run);
  }

  private async handle(message: QueueMessage): Promise<void> {
    const { logger } = this.options;
    let outcome: MessageOutcome;
    try {
      outcome = await this.options.handler(message, this.stopController.signal);
    } catch (error) {
      // A handler bug must not lose the message: it comes back and is tried again.
      logger.error({ err: error, messageId: message.messageId }, 'handling a message failed unexpectedly; it will be retried');
      outcome = { disposition: 'retry', retryAfterSeconds: Math.min(300, 5 * message.receiveCount) };
    }
    // Dry run: only receiving touches the queue; the message reappears after its visibility timeout.
    if (this.options.readOnly) return;
    // Stopping: work that is done is still deleted; anything else is handed back at once.
    if (this.stopController.signal.aborted && outcome.disposition !== 'delete') {
      await this.setVisibility(message, 0).catch(() => undefined);
      return;
    }
    try {
      if (outcome.disposition === 'delete') await this.deleter.submit(message.receiptHandle);
      else if (outcome.disposition === 'retry') await this.setVisibility(message, outcome.retryAfterSeconds);
    } catch (error) {
      // Not deleted: it reappears after its visibility timeout and is handled again (idempotently).
      logger.warn({ err: error, messageId: message.messageId }, `finishing message ${message.messageId} failed: ${describeError(error)}`);
    }
  }

  private async setVisibility(message: QueueMessage, seconds: number): Promise<void> {
    try {
      await this.options.sqs.send(new ChangeMessageVisibilityCommand({
        QueueUrl: this.options.queueUrl, ReceiptHandle: message.receiptHandle, VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(seconds))),
      }));
      this.options.onApiCall?.('ChangeMessageVisibility', 'ok');
    } catch (error) {
      this.options.onApiCall?.('ChangeMessageVisibility', 'error');
      throw error;
    }
  }

  private renewVisibility(periodMs: number): void {
    const now = Date.now();
    for (const entry of this.inFlight.values()) {
      if (now - entry.renewedAt < periodMs) continue;
      entry.renewedAt = now;
      this.extender.submit(entry.message.receiptHandle).catch((error: unknown) => {
        this.options.logger.warn({ err: error, messageId: entry.message.messageId }, 'extending message visibility failed');
      });
    }
  }

  private async deleteBatch(entries: BatchEntry<string>[]): Promise<Map<string, string>> {
    return await this.batchCall('DeleteMessageBatch', async () => {
      const out = await this.options.sqs.send(new DeleteMessageBatchCommand({
        QueueUrl: this.options.queueUrl,
        Entries: entries.map((e) => ({ Id: e.id, ReceiptHandle: e.item })),
      }));
      return new Map((out.Failed ?? []).map((f) => [f.Id ?? '', `${f.Code ?? 'error'}: ${f.Message ?? ''}`]));
    });
  }

  private async extendBatch(entries: BatchEntry<string>[]): Promise<Map<string, string>> {
    return await this.batchCall('ChangeMessageVisibilityBatch', async () => {
      const out = await this.options.sqs.send(new ChangeMessageVisibilityBatchCommand({
        QueueUrl: this.options.queueUrl,
        Entries: entries.map((e) => ({ Id: e.id, ReceiptHandle: e.item, VisibilityTimeout: this.options.visibilityTimeoutSeconds })),
      }));
      return new Map((out.Failed ?? []).map((f) => [f.Id ?? '', `${f.Code ?? 'error'}: ${f.Message ?? ''}`]));
    });
  }

  private async batchCall(operation: string, call: () => Promise<Map<string, string>>): Promise<Map<string, string>> {
    try {
      const failed = await call();
      this.options.onApiCall?.(operation, 'ok');
      return failed;
    } catch (error) {
      this.options.onApiCall?.(operation, 'error');
      throw error;
    }
  }
}

function toQueueMessage(message: Message): QueueMessage | undefined {
  if (!message.ReceiptHandle || !message.MessageId) return undefined;
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body ?? '',
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1) || 1,
    sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent) : undefined,
    receivedAt: new Date(),
  };
}

/** Jittered exponential backoff: about 1 s, doubling, capped at 30 s. */
export function backoffMs(failures: number): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.max(0, failures - 1));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // The listener goes when the timer fires: one per failed receive would pile up on the signal.
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
