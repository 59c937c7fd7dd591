// Small assertions shared by the events tests: unwrap a ParseResult to the branch a test expects,
// failing with the whole result printed when it is another one.

import assert from 'node:assert/strict';
import { parseMessage } from '../../../lib/events/parse.ts';
import type { InterruptionEvent, InvalidMessageError, ParseResult } from '../../../lib/events/types.ts';

export type Ignored = Extract<ParseResult, { outcome: 'ignored' }>;

function show(result: ParseResult): string {
  return result.outcome === 'invalid' ? `invalid: ${result.error.message}` : JSON.stringify(result);
}

export function expectEvent(body: string | object): InterruptionEvent {
  const result = parseMessage(typeof body === 'string' ? body : JSON.stringify(body));
  if (result.outcome !== 'event') assert.fail(`expected an event, got ${show(result)}`);
  return result.event;
}

export function expectIgnored(body: string | object): Ignored {
  const result = parseMessage(typeof body === 'string' ? body : JSON.stringify(body));
  if (result.outcome !== 'ignored') assert.fail(`expected ignored, got ${show(result)}`);
  return result;
}

export function expectInvalid(body: string | object): InvalidMessageError {
  const result = parseMessage(typeof body === 'string' ? body : JSON.stringify(body));
  if (result.outcome !== 'invalid') assert.fail(`expected invalid, got ${show(result)}`);
  return result.error;
}
