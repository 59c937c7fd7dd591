// What every EventBridge kind parser receives and returns. The common envelope fields (id, time,
// region, account) are read once in parse.ts so each kind file only reads its own `detail`.

import type { Reader } from '../reader.ts';
import type { IgnoreReason, InterruptionEvent, ParseResult, RebalanceRecommendation } from '../types.ts';

/** The fields every InterruptionEvent shares, apart from its kind and instances. */
export type EventCommon = Omit<RebalanceRecommendation, 'kind' | 'instanceIds'>;

export interface EventBridgeContext {
  source: string;
  detailType: string;
  /** `detail`, already checked to be an object. */
  detail: Reader;
  common: EventCommon;
}

/** A kind parser either recognises an event or ignores it; malformed input throws InvalidMessageError. */
export type KindResult = Exclude<ParseResult, { outcome: 'invalid' }>;

export type KindParser = (context: EventBridgeContext) => KindResult;

export function found(event: InterruptionEvent): KindResult {
  return { outcome: 'event', event };
}

export function ignored(reason: IgnoreReason, detail: string, id?: string): KindResult {
  return id === undefined ? { outcome: 'ignored', reason, detail } : { outcome: 'ignored', reason, detail, id };
}

/** The event ID field, or the SNS MessageId when the wrapped document has none. */
export function readEventId(field: Reader, fallbackId?: string): string {
  return field.isMissing() && fallbackId !== undefined ? fallbackId : field.nonEmptyString();
}
