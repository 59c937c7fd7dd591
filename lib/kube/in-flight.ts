// A cap on Kubernetes requests waiting for their answer at once, served by priority like the
// token bucket. The bucket bounds the rate; when the apiserver is slower than that rate (a storm
// on a busy control plane), requests would pile up in its priority-and-fairness queue, where all
// of ours are one flow in arrival order: a cordon sent behind 200 evictions waits for all of
// them. Holding the surplus here instead keeps the server's queue short and lets our own lanes
// decide what goes next. On a healthy apiserver (tens of ms a request) the cap is far above what
// the rate allows, and costs nothing.
import type { RequestPriority } from './rate-limit.ts';

const PRIORITIES: readonly RequestPriority[] = ['high', 'normal', 'low'];

export class InFlightLimit {
  readonly max: number;
  private inFlight = 0;
  private readonly waiters: Record<RequestPriority, (() => void)[]> = { high: [], normal: [], low: [] };

  constructor(max: number) {
    if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`max must be an integer >= 1, got ${max}`);
    this.max = max;
  }

  /** Requests under way now. */
  get current(): number {
    return this.inFlight;
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.waiters.high.length + this.waiters.normal.length + this.waiters.low.length;
  }

  /** Resolves with the slot's release once the caller may send; call the release exactly once. */
  async acquire(priority: RequestPriority = 'normal'): Promise<() => void> {
    if (this.inFlight < this.max && this.waiting === 0) {
      this.inFlight++;
    } else {
      // The slot is handed over by release(): inFlight already counts this caller.
      await new Promise<void>((resolve) => this.waiters[priority].push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }

  private release(): void {
    const lane = PRIORITIES.find((p) => this.waiters[p].length > 0);
    const next = lane === undefined ? undefined : this.waiters[lane].shift();
    if (next) next(); // the slot passes straight on
    else this.inFlight--;
  }
}
