// Counting and reporting the Kubernetes Events we could not send. In a storm the backlog can
// overflow by thousands: every drop is counted in the metric, but the log gets one line a minute
// with the count, not one line per Event.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { EventDropReason, EventObject } from './event-queue.ts';

export const DROP_WARNING_INTERVAL_MS = 60_000;

export class EventDrops {
  private readonly logger: Logger;
  private readonly metrics: Pick<Metrics, 'kubernetesEventsDropped'> | undefined;
  private readonly capacity: number;
  /** Runs the warning outside the log context of whichever Event happened to overflow. */
  private readonly outsideEvents = AsyncLocalStorage.snapshot();
  private unreported: Record<EventDropReason, number> = { backlog: 0, budget: 0, shutdown: 0 };
  private warnedAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;

  /** Build it at startup, outside any event's log context (see outsideEvents). */
  constructor(logger: Logger, capacity: number, metrics?: Pick<Metrics, 'kubernetesEventsDropped'>) {
    this.logger = logger;
    this.capacity = capacity;
    this.metrics = metrics;
  }

  /** Counts dropped Events; the next report() logs them. */
  count(object: EventObject, reason: EventDropReason, dropped = 1): void {
    if (dropped === 0) return;
    this.metrics?.kubernetesEventsDropped.inc({ object: object === 'Node' ? 'node' : 'pod', reason }, dropped);
    this.unreported[reason] += dropped;
  }

  /** Counts one dropped Event and logs at once, or at the end of the minute of the last warning. */
  add(object: EventObject, reason: EventDropReason): void {
    this.count(object, reason);
    if (this.timer) return;
    const wait = this.warnedAt + DROP_WARNING_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      this.report();
      return;
    }
    // The drops of the rest of the minute, in one line when it is over.
    this.timer = setTimeout(() => this.report(), wait);
    this.timer.unref();
  }

  /** Logs what was dropped since the last warning, if anything (at once: for shutdown). */
  report(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const { backlog, budget, shutdown } = this.unreported;
    if (backlog + budget + shutdown === 0) return;
    this.unreported = { backlog: 0, budget: 0, shutdown: 0 };
    this.warnedAt = Date.now();
    this.outsideEvents(() => this.logger.warn({ dropped: backlog + budget + shutdown, backlogFull: backlog, overPodBudget: budget, atShutdown: shutdown, capacity: this.capacity },
      'Kubernetes Events dropped: over the Pod Event budget (a storm), the backlog was full (Pod Events go first), or the handler stopped'));
  }
}
