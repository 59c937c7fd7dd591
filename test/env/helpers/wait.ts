// Waiting with a reason: every wait names what it waited for and what it saw last, so a failed
// e2e test says "waited 30 s for node X to be cordoned; last seen: unschedulable=false".

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

export interface Observation<T> {
  done: boolean;
  /** What was seen, for the error message when the wait times out. */
  seen: string;
  value?: T;
}

export async function waitFor<T>(
  what: string,
  observe: () => Promise<Observation<T>>,
  { timeoutMs = 30_000, intervalMs = 200 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T | undefined> {
  const start = Date.now();
  let seen: string;
  for (;;) {
    try {
      const observation = await observe();
      seen = observation.seen;
      if (observation.done) return observation.value;
    } catch (error) {
      seen = `error: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (Date.now() - start >= timeoutMs) {
      throw new WaitTimeoutError(`waited ${(timeoutMs / 1000).toFixed(1)} s for ${what}; last seen: ${seen}`);
    }
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A short random suffix for names, so test files sharing one environment never collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}
