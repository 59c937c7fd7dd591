// The one entry point from the queue: SQS body text in, ParseResult out. Pure, and total: whatever
// the body holds, it returns event, ignored or invalid and never throws, because a throw here would
// stall the consumer on a poison message instead of letting the redrive policy park it.

import { unwrapMessage } from './envelope.ts';
import { parseAsgNotification } from './kinds/asg-lifecycle.ts';
import { readEventId } from './kinds/context.ts';
import type { EventCommon, KindResult } from './kinds/context.ts';
import { quote } from './reader.ts';
import type { Reader } from './reader.ts';
import { findParser } from './registry.ts';
import { InvalidMessageError } from './types.ts';
import type { EnvelopeKind, ParseResult } from './types.ts';

/**
 * No SQS message is larger than 1 MiB, and a string's UTF-16 length never exceeds its UTF-8 byte
 * count, so anything longer is not a real message; refusing it early bounds the work per message.
 */
export const MAX_BODY_LENGTH = 1024 * 1024;

export function parseMessage(body: string): ParseResult {
  try {
    return parseOrThrow(body);
  } catch (error) {
    if (error instanceof InvalidMessageError) return { outcome: 'invalid', error };
    // Only a bug (or the engine running out of stack) lands here; it is still reported, not thrown.
    return { outcome: 'invalid', error: new InvalidMessageError('$', `unexpected parser failure: ${safeText(error)}`) };
  }
}

function safeText(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return 'unprintable error';
  }
}

function parseOrThrow(body: unknown): ParseResult {
  // Typed as string, but callers in plain JS (or a mocked SDK) can still hand us anything.
  if (typeof body !== 'string') {
    throw new InvalidMessageError('$', `expected the message body as a string, got ${typeof body}`);
  }
  if (body.length > MAX_BODY_LENGTH) {
    throw new InvalidMessageError('$', `expected at most ${MAX_BODY_LENGTH} characters, got ${body.length}`);
  }
  const unwrapped = unwrapMessage(body);
  switch (unwrapped.shape) {
    case 'ignored': {
      const { reason, detail, id } = unwrapped;
      return id === undefined ? { outcome: 'ignored', reason, detail } : { outcome: 'ignored', reason, detail, id };
    }
    case 'asg-notification':
      return parseAsgNotification(unwrapped.doc, unwrapped.envelope, unwrapped.fallbackId);
    case 'eventbridge':
      return parseEventBridge(unwrapped.doc, unwrapped.envelope, unwrapped.fallbackId);
  }
}

function parseEventBridge(doc: Reader, envelope: EnvelopeKind, fallbackId?: string): KindResult {
  const source = doc.get('source').string();
  const detailType = doc.get('detail-type').string();
  const parse = findParser(source, detailType);
  if (parse === undefined) {
    const id = doc.get('id').value;
    const detail = `no parser for source ${quote(source)} and detail-type ${quote(detailType)}`;
    return typeof id === 'string' && id !== ''
      ? { outcome: 'ignored', reason: 'unknown-kind', detail, id }
      : { outcome: 'ignored', reason: 'unknown-kind', detail };
  }
  // `account` is optional: moto's EventBridge (and some replays) deliver events without it.
  const region = doc.get('region').optionalNonEmptyString();
  const account = doc.get('account').optionalNonEmptyString();
  const common: EventCommon = {
    id: readEventId(doc.get('id'), fallbackId),
    time: doc.get('time').isoTime(),
    envelope,
    ...(region === undefined ? {} : { region }),
    ...(account === undefined ? {} : { account }),
  };
  return parse({ source, detailType, detail: doc.get('detail').object(), common });
}
