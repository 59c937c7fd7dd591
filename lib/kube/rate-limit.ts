// One client-side token bucket for every Kubernetes API request the process makes (kubeApiQps,
// kubeApiBurst), shared by all drains: with many nodes draining at once the apiserver sees one
// well-behaved client, as client-go's QPS/Burst would give, instead of N independent ones.
// Every request (including the start of a watch) takes one token; waiters are served in order
// of priority, then of arrival: in a storm, hundreds of evictions and Events queue up, and a
// cordon (which keeps new pods off a doomed node) must not wait behind them.

export interface RateLimiterOptions {
  /** Tokens added per second. */
  qps: number;
  /** Bucket size: how many requests may go at once after a quiet period. */
  burst: number;
  /** Milliseconds; injectable for tests. */
  now?: () => number;
}

/** Called once per request, when it is let through. */
export type RequestListener = (at: number) => void;

/** high: Node reads and writes (cordon, taint); low: best-effort Kubernetes Events. */
export type RequestPriority = 'high' | 'normal' | 'low';
const PRIORITIES: readonly RequestPriority[] = ['high', 'normal', 'low'];

export class TokenBucket {
  readonly qps: number;
  readonly burst: number;
  private readonly now: () => number;
  private tokens: number;
  private refilledAt: number;
  private readonly waiters: Record<RequestPriority, (() => void)[]> = { high: [], normal: [], low: [] };
  private timer: NodeJS.Timeout | undefined;
  private taken = 0;
  private readonly listeners = new Set<RequestListener>();

  constructor(options: RateLimiterOptions) {
    if (!(options.qps > 0)) throw new RangeError(`qps must be > 0, got ${options.qps}`);
    if (!(options.burst >= 1)) throw new RangeError(`burst must be >= 1, got ${options.burst}`);
    this.qps = options.qps;
    this.burst = Math.floor(options.burst);
    this.now = options.now ?? Date.now;
    this.tokens = this.burst;
    this.refilledAt = this.now();
  }

  /** Resolves when the caller may send one request. */
  take(priority: RequestPriority = 'normal'): Promise<void> {
    // Queued callers go first, so a steady stream of new callers cannot starve them.
    if (this.waiting === 0 && this.refill() >= 1) {
      this.grant();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiters[priority].push(resolve);
      this.schedule();
    });
  }

  /** Requests let through since creation. */
  get requestCount(): number {
    return this.taken;
  }

  /** Callers currently waiting for a token. */
  get waiting(): number {
    return this.waiters.high.length + this.waiters.normal.length + this.waiters.low.length;
  }

  /** Observe every request let through (tests measure the rate with it); returns the unsubscribe. */
  onRequest(listener: RequestListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private refill(): number {
    const now = this.now();
    const elapsed = Math.max(0, now - this.refilledAt);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.qps) / 1000);
    this.refilledAt = now;
    return this.tokens;
  }

  private grant(): void {
    this.tokens -= 1;
    this.taken += 1;
    const at = this.now();
    for (const listener of this.listeners) {
      // Listeners only observe (metrics, tests): one that throws must neither fail the request
      // nor stop the queue from being served.
      try {
        listener(at);
      } catch {
        // ignored on purpose
      }
    }
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const missing = Math.max(0, 1 - this.refill());
    const waitMs = Math.ceil((missing * 1000) / this.qps);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.release();
    }, waitMs);
  }

  private release(): void {
    this.refill();
    while (this.tokens >= 1) {
      const lane = PRIORITIES.find((p) => this.waiters[p].length > 0);
      if (lane === undefined) break;
      const next = this.waiters[lane].shift();
      this.grant();
      next?.();
    }
    if (this.waiting > 0) this.schedule();
  }
}

/** What the rest of the code needs of the limiter. */
export type RateLimiter = Pick<TokenBucket, 'take' | 'requestCount' | 'onRequest' | 'qps' | 'burst'>;

export function createRateLimiter(settings: { kubeApiQps: number; kubeApiBurst: number }): TokenBucket {
  return new TokenBucket({ qps: settings.kubeApiQps, burst: settings.kubeApiBurst });
}
