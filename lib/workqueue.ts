// The per-node work queue (DESIGN §1): one node gets several messages (spot warning, state change,
// ASG terminate) and must be worked on once, by one run at a time, the most urgent node first.
//
// Per key there is at most one running entry and at most one pending entry. A submission attaches
// to the running entry when that work covers it, else merges into the pending entry, else creates
// it; every submitter gets the promise of the entry it attached to. Keys are node names; items are
// whatever the caller plans (the queue never looks inside them except through the callbacks).

/** Where an item stands in line: lower priority first, then earlier deadline, then earlier arrival. */
export interface WorkRank {
  priority: number;
  /** A Date or epoch milliseconds. */
  deadline: Date | number;
}

export interface WorkQueueOptions<T, R> {
  /** Most runs at once, across all keys. */
  workers: number;
  /** Does the work for one key. `signal` is aborted when the queue is closed. */
  run: (key: string, item: T, signal: AbortSignal) => Promise<R>;
  /** Folds a new submission into the pending item for its key (e.g. the stronger action, the earlier deadline). */
  merge: (pending: T, incoming: T) => T;
  /** Whether the running work already does what `incoming` asks, so the submitter can share its result. */
  covers: (running: T, incoming: T) => boolean;
  rank: (item: T) => WorkRank;
}

/** Work that was never started because the queue was closed, or submitted after it was. */
export class WorkQueueClosedError extends Error {
  override readonly name = 'WorkQueueClosedError';
  /** The key (node name) of the work, when there is one. */
  readonly key: string | undefined;
  constructor(key?: string) {
    super(key === undefined ? 'work queue is closed' : `work queue is closed; work for ${key} was not run`);
    this.key = key;
  }
}

interface Entry<T, R> {
  readonly key: string;
  item: T;
  /** rank(item), kept in step with merges so a throwing rank fails a submission, not the pump. */
  priority: number;
  deadline: number;
  /** Arrival order of the first submission, the last tie-breaker. */
  readonly arrival: number;
  readonly settled: Promise<R>;
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

type QueueState = 'open' | 'draining' | 'closed';

export class WorkQueue<T, R = void> {
  readonly #options: WorkQueueOptions<T, R>;
  readonly #pending = new Map<string, Entry<T, R>>();
  readonly #running = new Map<string, Entry<T, R>>();
  readonly #abort = new AbortController();
  #arrivals = 0;
  #state: QueueState = 'open';
  #pumpScheduled = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: WorkQueueOptions<T, R>) {
    if (!Number.isInteger(options.workers) || options.workers < 1) {
      throw new RangeError(`workers must be a positive integer, got ${options.workers}`);
    }
    this.#options = options;
  }

  /** Pieces of work waiting or running. */
  get size(): number {
    return this.#pending.size + this.#running.size;
  }

  get running(): number {
    return this.#running.size;
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** Settles with the result (or error) of the run that covers this submission. */
  submit(key: string, item: T): Promise<R> {
    if (this.#state !== 'open') return Promise.reject(new WorkQueueClosedError(key));
    try {
      const running = this.#running.get(key);
      if (running !== undefined && this.#options.covers(running.item, item)) return running.settled;
      const pending = this.#pending.get(key);
      if (pending !== undefined) {
        const merged = this.#options.merge(pending.item, item);
        Object.assign(pending, this.#ranked(merged));
        return pending.settled;
      }
      const entry = newEntry<T, R>(key, this.#ranked(item), this.#arrivals++);
      this.#pending.set(key, entry);
      this.#schedulePump();
      return entry.settled;
    } catch (error) {
      // A throwing merge/covers is the caller's bug; it fails this submission, not the queue.
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Accepts nothing more, runs everything already submitted, and resolves when all of it is done. */
  drain(): Promise<void> {
    if (this.#state === 'open') this.#state = 'draining';
    return this.#whenIdle();
  }

  /**
   * Accepts and starts nothing more, rejects pending work with WorkQueueClosedError, aborts the
   * signal of running work, and resolves when the running work has settled.
   */
  close(): Promise<void> {
    if (this.#state !== 'closed') {
      this.#state = 'closed';
      const pending = [...this.#pending.values()];
      this.#pending.clear();
      for (const entry of pending) entry.reject(new WorkQueueClosedError(entry.key));
      this.#abort.abort(new WorkQueueClosedError());
    }
    return this.#whenIdle();
  }

  // Starting on a microtask lets submissions made in the same turn (one SQS receive batch) merge
  // into one piece of work instead of the first one starting alone.
  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#state !== 'closed' && this.#running.size < this.#options.workers) {
      const next = this.#next();
      if (next === undefined) return;
      this.#start(next);
    }
  }

  #ranked(item: T): Ranked<T> {
    const { priority, deadline } = this.#options.rank(item);
    const ms = Number(deadline);
    // An invalid deadline sorts last rather than poisoning every comparison with NaN.
    return { item, priority, deadline: Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms };
  }

  /** The first pending entry in (priority, deadline, arrival) order whose key is not running. */
  #next(): Entry<T, R> | undefined {
    let best: Entry<T, R> | undefined;
    for (const entry of this.#pending.values()) {
      if (this.#running.has(entry.key)) continue;
      if (best === undefined || before(entry, best)) best = entry;
    }
    return best;
  }

  #start(entry: Entry<T, R>): void {
    this.#pending.delete(entry.key);
    this.#running.set(entry.key, entry);
    let work: Promise<R>;
    try {
      work = Promise.resolve(this.#options.run(entry.key, entry.item, this.#abort.signal));
    } catch (error) {
      work = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    work.then(
      (value) => this.#finish(entry, () => entry.resolve(value)),
      (error: unknown) => this.#finish(entry, () => entry.reject(error)),
    );
  }

  #finish(entry: Entry<T, R>, settle: () => void): void {
    this.#running.delete(entry.key);
    settle();
    this.#pump();
    if (this.#isIdle()) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  #isIdle(): boolean {
    return this.#running.size === 0 && (this.#state === 'closed' || this.#pending.size === 0);
  }

  #whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}

interface Ranked<T> {
  item: T;
  priority: number;
  deadline: number;
}

function before(a: Ranked<unknown> & { arrival: number }, b: Ranked<unknown> & { arrival: number }): boolean {
  if (a.priority !== b.priority) return a.priority < b.priority;
  if (a.deadline !== b.deadline) return a.deadline < b.deadline;
  return a.arrival < b.arrival;
}

function newEntry<T, R>(key: string, ranked: Ranked<T>, arrival: number): Entry<T, R> {
  const { promise, resolve, reject } = Promise.withResolvers<R>();
  return { key, ...ranked, arrival, settled: promise, resolve, reject };
}
