// How many Pod Events may go out: one per evicted pod is as many Events as evictions, and in a
// storm the apiserver (not our rate limiter) is the bottleneck, so each Event sent takes the place
// of an eviction. A drain of one node (tens of pods) fits the burst and is told in full; a storm
// gets a few Pod Events a second and the rest are dropped and counted. Node Events are not
// budgeted: they are a handful per node and tell its story.

export interface EventBudgetOptions {
  /** Events allowed at once after a quiet period. */
  burst: number;
  /** Events allowed per second beyond the burst. */
  perSecond: number;
  now?: () => number;
}

export const DEFAULT_POD_EVENT_BUDGET: EventBudgetOptions = { burst: 60, perSecond: 2 };

export class EventBudget {
  private readonly burst: number;
  private readonly perSecond: number;
  private readonly now: () => number;
  private tokens: number;
  private at: number;

  constructor(options: EventBudgetOptions) {
    if (!(options.burst >= 1)) throw new RangeError(`burst must be >= 1, got ${options.burst}`);
    if (!(options.perSecond >= 0)) throw new RangeError(`perSecond must be >= 0, got ${options.perSecond}`);
    this.burst = options.burst;
    this.perSecond = options.perSecond;
    this.now = options.now ?? Date.now;
    this.tokens = options.burst;
    this.at = this.now();
  }

  /** True (and one Event fewer left) when an Event may go now. */
  tryTake(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.at) * this.perSecond) / 1000);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
