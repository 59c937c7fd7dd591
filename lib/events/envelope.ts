// Unwraps an SQS message body into the document a parser reads: an EventBridge event, an SNS
// notification around one (or around a direct Auto Scaling notification), or a direct Auto Scaling
// lifecycle notification. Records which envelope it came in, and sets aside the messages that are
// well-formed but never need work (ASG test notifications, SNS subscription handshakes).

import { quote, reader, sanitize } from './reader.ts';
import type { Reader } from './reader.ts';
import { InvalidMessageError } from './types.ts';
import type { EnvelopeKind, IgnoreReason } from './types.ts';

export const ASG_TEST_NOTIFICATION = 'autoscaling:TEST_NOTIFICATION';

// SNS sends these to an SQS subscriber only while a subscription is being set up or torn down.
const SNS_HANDSHAKES = ['SubscriptionConfirmation', 'UnsubscribeConfirmation'];

export type Unwrapped =
  | {
      shape: 'eventbridge' | 'asg-notification';
      envelope: EnvelopeKind;
      /** The event document; for SNS its path is `$.Message`, so errors point into the body. */
      doc: Reader;
      /** The SNS MessageId, used as the event ID when the inner document has none. */
      fallbackId?: string;
    }
  | { shape: 'ignored'; reason: IgnoreReason; detail: string; id?: string };

/** Parses JSON text found at `path`; a parse failure is an InvalidMessageError at that path. */
export function parseJson(text: string, path: string): unknown {
  if (text.trim() === '') {
    throw new InvalidMessageError(path, 'expected a JSON object, got empty text');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = sanitize(error instanceof Error ? error.message : String(error));
    throw new InvalidMessageError(path, `expected a JSON object, got text that is not JSON (${reason}): ${quote(text)}`);
  }
}

/** Unwraps one SQS body. Throws InvalidMessageError when it is none of the known shapes. */
export function unwrapMessage(body: string): Unwrapped {
  const root = reader(parseJson(body, '$')).object();
  const type = root.get('Type');
  if (type.value === 'Notification' && !root.has('detail-type')) return unwrapSns(root);
  if (typeof type.value === 'string' && SNS_HANDSHAKES.includes(type.value)) {
    return { shape: 'ignored', reason: 'not-applicable', detail: `SNS ${type.value} message` };
  }
  return classify(root, false);
}

function unwrapSns(root: Reader): Unwrapped {
  const messageId = root.get('MessageId').optionalString();
  const message = root.get('Message');
  const inner = reader(parseJson(message.string(), message.path), message.path).object();
  return classify(inner, true, messageId === '' ? undefined : messageId);
}

function classify(doc: Reader, wrapped: boolean, fallbackId?: string): Unwrapped {
  const event = doc.get('Event');
  if (event.value === ASG_TEST_NOTIFICATION) {
    const requestId = doc.get('RequestId').value;
    const id = typeof requestId === 'string' && requestId !== '' ? requestId : fallbackId;
    const detail = 'Auto Scaling test notification';
    return { shape: 'ignored', reason: 'test-notification', detail, ...(id ? { id } : {}) };
  }
  const withFallback = fallbackId === undefined ? {} : { fallbackId };
  if (doc.has('detail-type')) {
    return { shape: 'eventbridge', envelope: wrapped ? 'sns' : 'eventbridge', doc, ...withFallback };
  }
  if (doc.has('LifecycleTransition')) {
    return { shape: 'asg-notification', envelope: wrapped ? 'sns' : 'asg-direct', doc, ...withFallback };
  }
  // Auto Scaling's own notifications (autoscaling:EC2_INSTANCE_TERMINATE, …) are not lifecycle
  // hooks: nothing waits for us, so they are not ours to act on.
  if (typeof event.value === 'string') {
    const detail = `Auto Scaling notification ${quote(event.value)} is not a lifecycle action`;
    return { shape: 'ignored', reason: 'unknown-kind', detail };
  }
  const keys = doc.keys();
  const shown = keys.slice(0, 8).map(quote).join(', ') + (keys.length > 8 ? ', …' : '');
  throw new InvalidMessageError(
    doc.path,
    'expected an EventBridge event (with detail-type), an Auto Scaling lifecycle notification ' +
      `(with LifecycleTransition) or an SNS notification (with Type and Message), got an object with ${
        keys.length === 0 ? 'no keys' : `keys ${shown}`
      }`,
  );
}
