// Gathers single requests for a moment and sends them in batches of up to 10 (the SQS limit), so
// deleting or extending many messages costs one call per ten.

export interface BatchEntry<T> {
  id: string;
  item: T;
}

/** Sends one batch; returns the IDs that failed, with the reason. */
export type BatchSender<T> = (entries: BatchEntry<T>[]) => Promise<Map<string, string>>;

export class RequestBatcher<T> {
  private readonly send: BatchSender<T>;
  private readonly windowMs: number;
  private readonly waiting: { entry: BatchEntry<T>; resolve: () => void; reject: (error: Error) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private counter = 0;

  constructor(send: BatchSender<T>, windowMs = 20) {
    this.send = send;
    this.windowMs = windowMs;
  }

  submit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ entry: { id: String(this.counter++), item }, resolve, reject });
      if (this.waiting.length >= 10) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, 10);
      this.send(batch.map((b) => b.entry)).then(
        (failed) => {
          for (const b of batch) {
            const reason = failed.get(b.entry.id);
            if (reason === undefined) b.resolve();
            else b.reject(new Error(reason));
          }
        },
        (error: unknown) => {
          for (const b of batch) b.reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    }
  }
}
