// In-memory stand-ins for the consumer's tests: an SQS client that records every command and
// long-polls until a message is pushed or the call is aborted, and a handler whose calls the test
// finishes one by one.

import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type ChangeMessageVisibilityBatchCommandInput,
  type ChangeMessageVisibilityCommandInput,
  type DeleteMessageBatchCommandInput,
  type Message,
  type ReceiveMessageCommandInput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { MessageOutcome, QueueMessage } from '../../../lib/queue/types.ts';

export type SqsCall =
  | { name: 'ReceiveMessage'; input: ReceiveMessageCommandInput; signal: AbortSignal | undefined }
  | { name: 'DeleteMessageBatch'; input: DeleteMessageBatchCommandInput }
  | { name: 'ChangeMessageVisibility'; input: ChangeMessageVisibilityCommandInput }
  | { name: 'ChangeMessageVisibilityBatch'; input: ChangeMessageVisibilityBatchCommandInput };

export class FakeSqs {
  readonly calls: SqsCall[] = [];
  /** Errors thrown by the next receives, in order. */
  readonly receiveErrors: Error[] = [];
  /** Receipt handles DeleteMessageBatch reports as failed entries. */
  readonly failDeletes = new Set<string>();
  /** Makes the next DeleteMessageBatch call fail as a whole. */
  failNextDeleteCall = false;
  private readonly available: Message[] = [];
  private wake: (() => void) | undefined;
  private counter = 0;

  /** Puts messages on the queue; returns their IDs (m1, m2, …; receipt handles rh-1, rh-2, …). */
  push(count = 1, attributes: Record<string, string> = { ApproximateReceiveCount: '1' }): string[] {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      this.counter += 1;
      ids.push(`m${this.counter}`);
      this.available.push({ MessageId: `m${this.counter}`, ReceiptHandle: `rh-${this.counter}`, Body: `body ${this.counter}`, Attributes: attributes });
    }
    this.pushRaw();
    return ids;
  }

  /** Puts one message as given (e.g. without a receipt handle). */
  pushRaw(...messages: Message[]): void {
    this.available.push(...messages);
    this.wake?.();
  }

  /** The client as the consumer types it. */
  client(): Pick<SQSClient, 'send'> {
    // The fake implements only the commands the consumer sends; its `send` is not the SDK's overload set.
    return this as unknown as Pick<SQSClient, 'send'>;
  }

  named<N extends SqsCall['name']>(name: N): Extract<SqsCall, { name: N }>[] {
    return this.calls.filter((c): c is Extract<SqsCall, { name: N }> => c.name === name);
  }

  /** Everything but receives, as `Name handle=seconds` strings, in call order. */
  writes(): string[] {
    return this.calls.flatMap((c) => {
      switch (c.name) {
        case 'ReceiveMessage': return [];
        case 'ChangeMessageVisibility': return [`ChangeMessageVisibility ${c.input.ReceiptHandle}=${c.input.VisibilityTimeout}`];
        case 'DeleteMessageBatch': return [`DeleteMessageBatch ${(c.input.Entries ?? []).map((e) => e.ReceiptHandle).join(',')}`];
        case 'ChangeMessageVisibilityBatch':
          return [`ChangeMessageVisibilityBatch ${(c.input.Entries ?? []).map((e) => `${e.ReceiptHandle}=${e.VisibilityTimeout}`).join(',')}`];
      }
    });
  }

  async send(command: object, options?: { abortSignal?: AbortSignal }): Promise<object> {
    if (command instanceof ReceiveMessageCommand) {
      this.calls.push({ name: 'ReceiveMessage', input: command.input, signal: options?.abortSignal });
      const error = this.receiveErrors.shift();
      if (error) throw error;
      await this.longPoll(options?.abortSignal);
      return { Messages: this.available.splice(0, command.input.MaxNumberOfMessages ?? 1) };
    }
    if (command instanceof DeleteMessageBatchCommand) {
      this.calls.push({ name: 'DeleteMessageBatch', input: command.input });
      if (this.failNextDeleteCall) {
        this.failNextDeleteCall = false;
        throw new Error('InternalError');
      }
      const failed = (command.input.Entries ?? []).filter((e) => this.failDeletes.has(e.ReceiptHandle ?? ''));
      return { Successful: [], Failed: failed.map((e) => ({ Id: e.Id, Code: 'ReceiptHandleIsInvalid', Message: 'expired', SenderFault: true })) };
    }
    if (command instanceof ChangeMessageVisibilityCommand) {
      this.calls.push({ name: 'ChangeMessageVisibility', input: command.input });
      return {};
    }
    if (command instanceof ChangeMessageVisibilityBatchCommand) {
      this.calls.push({ name: 'ChangeMessageVisibilityBatch', input: command.input });
      return { Successful: [], Failed: [] };
    }
    throw new Error(`unexpected command ${command.constructor.name}`);
  }

  private longPoll(signal: AbortSignal | undefined): Promise<void> {
    if (this.available.length > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.wake = () => {
        this.wake = undefined;
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
    });
  }
}

interface Call {
  message: QueueMessage;
  signal: AbortSignal;
  finish: (outcome: MessageOutcome) => void;
  fail: (error: Error) => void;
}

/** A handler whose calls wait until the test finishes them. */
export class ControlledHandler {
  readonly calls = new Map<string, Call>();
  active = 0;
  maxActive = 0;

  readonly handle = (message: QueueMessage, signal: AbortSignal): Promise<MessageOutcome> => {
    this.active += 1;
    this.maxActive = Math.max(this.maxActive, this.active);
    return new Promise<MessageOutcome>((resolve, reject) => {
      this.calls.set(message.messageId, { message, signal, finish: resolve, fail: reject });
      // Like a real handler, give up soon after the consumer stops (unless the test finished it first).
      signal.addEventListener('abort', () => setImmediate(() => resolve({ disposition: 'retry', retryAfterSeconds: 30 })), { once: true });
    }).finally(() => (this.active -= 1));
  };

  call(messageId: string): Call {
    const call = this.calls.get(messageId);
    if (!call) throw new Error(`the handler has not seen ${messageId}`);
    return call;
  }
}

/** Lets promises, I/O callbacks and real short timers run until `done()` holds (at most 5 s). */
export async function until(what: string, done: () => boolean): Promise<void> {
  const limit = performance.now() + 5000;
  while (!done()) {
    if (performance.now() > limit) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A few turns of the event loop, for asserting that nothing more happens. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}
