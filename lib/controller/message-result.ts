// How one message (or one instance of it) ended: what the consumer does with the message, and
// the result and reason counted in messages_finished_total — once per delivery, from the small
// fixed sets documented in docs/architecture.md ("Metrics").
import type { MessageResult } from '../observe/metrics.ts';
import type { MessageOutcome } from '../queue/types.ts';

export interface Handled {
  outcome: MessageOutcome;
  result: MessageResult;
  reason: string;
}

const DELETE: MessageOutcome = { disposition: 'delete' };
const retryIn = (seconds: number): MessageOutcome => ({ disposition: 'retry', retryAfterSeconds: Math.max(0, Math.ceil(seconds)) });

/** The action asked for is done (reason: the action, e.g. drain). */
export const done = (reason: string): Handled => ({ outcome: DELETE, result: 'deleted', reason });
/** Nothing to do, ever (reason e.g. unmanaged, node-not-found, test-notification). */
export const ignored = (reason: string): Handled => ({ outcome: DELETE, result: 'ignored', reason });
/** Something failed that may work later (reason e.g. action-error). */
export const failed = (seconds: number, reason: string): Handled => ({ outcome: retryIn(seconds), result: 'failed', reason });
/** Not time yet (reason e.g. launch-not-ready, not-before). */
export const deferred = (seconds: number, reason: string): Handled => ({ outcome: retryIn(seconds), result: 'deferred', reason });
/** Unparseable: back soon, so the redrive policy moves it to the dead-letter queue. */
export const invalid = (seconds: number): Handled => ({ outcome: retryIn(seconds), result: 'invalid', reason: 'invalid' });

/**
 * One message naming several instances: delete only when every instance is done, else come back
 * at the soonest retry asked for; the result is the most telling one (failed, deferred, deleted,
 * ignored, in that order).
 */
export function combine(parts: readonly Handled[]): Handled {
  const rank: readonly MessageResult[] = ['failed', 'deferred', 'invalid', 'deleted', 'ignored', 'left'];
  const ordered = [...parts].sort((a, b) => rank.indexOf(a.result) - rank.indexOf(b.result));
  const first = ordered[0];
  if (!first) return ignored('no-instances');
  let soonest: number | undefined;
  for (const p of parts) if (p.outcome.disposition === 'retry') soonest = Math.min(soonest ?? Infinity, p.outcome.retryAfterSeconds);
  return { outcome: soonest === undefined ? DELETE : retryIn(soonest), result: first.result, reason: first.reason };
}

/** Dry run: only receiving touches the queue; what would have been deleted is left. */
export function forDryRun(handled: Handled): Handled {
  return handled.outcome.disposition === 'delete' ? { outcome: { disposition: 'leave' }, result: 'left', reason: handled.reason } : handled;
}
