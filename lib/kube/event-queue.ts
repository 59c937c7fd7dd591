// The backlog of Kubernetes Events waiting to go out. Events take the rate limiter's low lane, so
// in a storm they wait behind thousands of evictions; were the caller to wait with them, the work
// the Event describes (the next eviction phase, the drain result, the message deletion) would wait
// too. So the recorder only queues, and a few senders work through the backlog in the background.

/** What an Event is about (EventTarget.kind). */
export type EventObject = 'Node' | 'Pod';
/** backlog: the queue was full; budget: over the Pod Event budget; shutdown: still queued when the handler stopped. */
export type EventDropReason = 'backlog' | 'budget' | 'shutdown';

export interface EventQueueOptions {
  /** Sends under way at once: enough to keep up between storms, few enough not to crowd the low lane. */
  concurrency: number;
  /** Events waiting (those being sent not included) beyond which one is dropped. */
  capacity: number;
  onDrop: (object: EventObject, reason: EventDropReason) => void;
}

/** Sends one Event; expected to log its own failure (a rejection is ignored here). */
export type EventSend = () => Promise<void>;

export class EventQueue {
  private readonly options: EventQueueOptions;
  private readonly lanes: Record<EventObject, EventSend[]> = { Node: [], Pod: [] };
  private sending = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(options: EventQueueOptions) {
    if (!(options.concurrency >= 1)) throw new RangeError(`concurrency must be >= 1, got ${options.concurrency}`);
    if (!(options.capacity >= 1)) throw new RangeError(`capacity must be >= 1, got ${options.capacity}`);
    this.options = options;
  }

  /** Events waiting for a sender. */
  get queued(): number {
    return this.lanes.Node.length + this.lanes.Pod.length;
  }

  /** Events being sent now. */
  get inFlight(): number {
    return this.sending;
  }

  /** Queues one Event (dropping one when full) and returns at once. */
  push(object: EventObject, send: EventSend): void {
    if (this.closed) {
      this.options.onDrop(object, 'shutdown');
      return;
    }
    if (this.queued >= this.options.capacity && !this.makeRoom(object)) return;
    this.lanes[object].push(send);
    this.pump();
  }

  /** Resolves once nothing is queued or being sent, or after timeoutMs: true when all went out. */
  async flush(timeoutMs: number): Promise<boolean> {
    if (this.idle) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const drained = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    try {
      return await Promise.race([drained, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Stops taking Events (those pushed later are dropped), sends what is queued within timeoutMs
   * and drops the rest; sends under way finish by themselves. Returns how many were left, so the
   * caller reports them in one go.
   */
  async close(timeoutMs: number): Promise<Record<EventObject, number>> {
    this.closed = true;
    await this.flush(timeoutMs);
    return { Node: this.lanes.Node.splice(0).length, Pod: this.lanes.Pod.splice(0).length };
  }

  private get idle(): boolean {
    return this.sending === 0 && this.queued === 0;
  }

  /** Makes room for an incoming Event; false when the incoming Event is itself the one to drop. */
  private makeRoom(incoming: EventObject): boolean {
    // Pod Events (one per evicted pod) are the many; a Node's story (Cordoned, Drained, ...) is
    // what `kubectl describe node` readers look for. Among equals the oldest goes.
    if (this.lanes.Pod.length > 0) {
      this.lanes.Pod.shift();
      this.options.onDrop('Pod', 'backlog');
      return true;
    }
    if (incoming === 'Pod') {
      this.options.onDrop('Pod', 'backlog');
      return false;
    }
    this.lanes.Node.shift();
    this.options.onDrop('Node', 'backlog');
    return true;
  }

  private pump(): void {
    while (this.sending < this.options.concurrency) {
      // Node Events first: fewer, and each tells a node's state rather than one pod's fate.
      const send = this.lanes.Node.shift() ?? this.lanes.Pod.shift();
      if (!send) break;
      this.sending++;
      void this.run(send);
    }
    if (this.idle) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async run(send: EventSend): Promise<void> {
    try {
      await send();
    } catch {
      // The sender logs its own failures; one bad Event must not stop the ones behind it.
    } finally {
      this.sending--;
      this.pump();
    }
  }
}
