// Time for the drain engine, injected so deadline and back-off logic is tested without waiting.

export interface Clock {
  /** Milliseconds since the epoch. */
  now: () => number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, Math.max(0, ms));
    const abort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', abort, { once: true });
  }),
};

/** A signal that aborts at `deadline` (by the clock) or when `parent` aborts, whichever is first. */
export function deadlineSignal(clock: Clock, deadline: number, parent: AbortSignal): { signal: AbortSignal; expired: () => boolean; dispose: () => void } {
  const controller = new AbortController();
  let expired = false;
  const disposer = new AbortController();
  clock.sleep(deadline - clock.now(), disposer.signal).then(
    () => {
      expired = true;
      controller.abort(new DeadlineReached());
    },
    () => undefined, // disposed
  );
  return {
    signal: AbortSignal.any([parent, controller.signal]),
    expired: () => expired,
    dispose: () => disposer.abort(),
  };
}

export class DeadlineReached extends Error {
  override readonly name = 'DeadlineReached';
  constructor() {
    super('the drain deadline was reached');
  }
}
