// An in-memory runner whose runs finish only when a test says so, and a toy work item shaped like
// the controller's (an action with a strength, a priority and a deadline).

import { WorkQueue } from '../../../lib/workqueue.ts';

export type Action = 'taint' | 'cordon' | 'drain';

const STRENGTH: Record<Action, number> = { taint: 0, cordon: 1, drain: 2 };

export interface Job {
  action: Action;
  priority: number;
  deadline: number;
  /** Which submissions were folded into this item, to see merges. */
  from: string[];
}

export function job(from: string, action: Action = 'drain', priority = 0, deadline = 1000): Job {
  return { action, priority, deadline, from: [from] };
}

/** The stronger action wins; the more urgent priority and the earlier deadline win. */
export function mergeJobs(pending: Job, incoming: Job): Job {
  return {
    action: STRENGTH[incoming.action] > STRENGTH[pending.action] ? incoming.action : pending.action,
    priority: Math.min(pending.priority, incoming.priority),
    deadline: Math.min(pending.deadline, incoming.deadline),
    from: [...pending.from, ...incoming.from],
  };
}

export function coversJob(running: Job, incoming: Job): boolean {
  return STRENGTH[running.action] >= STRENGTH[incoming.action];
}

export interface Call {
  key: string;
  item: Job;
  signal: AbortSignal;
  finish: (result: string) => void;
  fail: (error: Error) => void;
}

export class FakeRunner {
  readonly calls: Call[] = [];
  active = 0;
  maxActive = 0;
  /** Keys with a run in progress, to catch two runs for one key. */
  readonly activeKeys = new Set<string>();
  overlapOnOneKey = false;

  readonly run = (key: string, item: Job, signal: AbortSignal): Promise<string> => {
    const { promise, resolve, reject } = Promise.withResolvers<string>();
    if (this.activeKeys.has(key)) this.overlapOnOneKey = true;
    this.activeKeys.add(key);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    const done = (): void => {
      this.active--;
      this.activeKeys.delete(key);
    };
    this.calls.push({
      key,
      item,
      signal,
      finish: (result) => {
        done();
        resolve(result);
      },
      fail: (error) => {
        done();
        reject(error);
      },
    });
    return promise;
  };

  /** The most recent run for a key. */
  last(key: string): Call {
    const call = this.calls.findLast((c) => c.key === key);
    if (call === undefined) throw new Error(`no run for ${key}`);
    return call;
  }

  /** The run order, as keys. */
  get order(): string[] {
    return this.calls.map((c) => c.key);
  }
}

export function queueWith(runner: FakeRunner, workers = 1): WorkQueue<Job, string> {
  return new WorkQueue<Job, string>({
    workers,
    run: runner.run,
    merge: mergeJobs,
    covers: coversJob,
    rank: (item) => ({ priority: item.priority, deadline: item.deadline }),
  });
}

/** Lets queued microtasks and promise callbacks run (the queue starts work on a microtask). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Records how a promise ended without awaiting it, so tests can assert "still pending". */
export function track<V>(promise: Promise<V>): { state: 'pending' | 'fulfilled' | 'rejected'; value?: V; error?: unknown } {
  const seen: { state: 'pending' | 'fulfilled' | 'rejected'; value?: V; error?: unknown } = { state: 'pending' };
  promise.then(
    (value) => Object.assign(seen, { state: 'fulfilled', value }),
    (error: unknown) => Object.assign(seen, { state: 'rejected', error }),
  );
  return seen;
}
