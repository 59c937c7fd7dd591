// Kubernetes Events (core/v1) about the objects we act on, so `kubectl describe node X` (and
// `describe pod`) shows what the handler did and why. Recording is best effort: a failure is
// logged and never fails the action it describes, and no action waits for its Event: record()
// queues it and a few background senders deliver it (event-queue.ts).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { CoreV1Api, CoreV1ApiCreateNamespacedEventRequest, V1ObjectReference } from '@kubernetes/client-node';
import type { Logger } from '../observe/logger.ts';
import type { Metrics } from '../observe/metrics.ts';
import { apiMessage } from './api-error.ts';
import { DEFAULT_POD_EVENT_BUDGET, EventBudget, type EventBudgetOptions } from './event-budget.ts';
import { EventDrops } from './event-drops.ts';
import { EventQueue } from './event-queue.ts';
import { rfc3339 } from './node-patch.ts';

export const EVENT_SOURCE_COMPONENT = 'node-termination-handler';

export type EventType = 'Normal' | 'Warning';

export interface EventTarget {
  kind: 'Node' | 'Pod';
  name: string;
  /** Empty for Nodes. */
  namespace?: string;
  uid?: string;
}

export interface EventRecorder {
  /** Queues the Event and resolves at once: the send happens in the background, failures are logged. */
  record(target: EventTarget, type: EventType, reason: string, message: string, annotations?: Record<string, string>): Promise<void>;
  /** Resolves when every Event queued so far was sent (or failed), or after timeoutMs: true when all were. */
  flush(timeoutMs?: number): Promise<boolean>;
  /** On shutdown: sends what is queued within timeoutMs, then drops (and counts) the rest and any later Event. */
  close(timeoutMs?: number): Promise<void>;
}

export interface EventRecorderOptions {
  enabled: boolean;
  extraAnnotations: Readonly<Record<string, string>>;
  /** This pod's name, as the reporting instance (empty outside a pod). */
  instance: string;
  logger: Logger;
  /** Counts dropped Events (kubernetes_events_dropped_total). */
  metrics?: Pick<Metrics, 'kubernetesEventsDropped'>;
  /** Events waiting to be sent before one is dropped (Pod Events first). */
  capacity?: number;
  /** Sends under way at once. */
  concurrency?: number;
  /** How many Pod Events may go out (event-budget.ts). */
  podEventBudget?: EventBudgetOptions;
  now?: () => Date;
}

/** Events of cluster-scoped objects (Nodes) live in `default`, as the kubelet's do. */
const NODE_EVENT_NAMESPACE = 'default';
/** The apiserver rejects longer messages. */
const MAX_MESSAGE_LENGTH = 1024;
/** Some 45 nodes' worth of a storm's Events (about 20 each) in about 1 MB; older ones are news to nobody. */
export const DEFAULT_EVENT_CAPACITY = 1000;
/** A few at once keep up with a quiet cluster without crowding the rate limiter's low lane. */
export const DEFAULT_EVENT_CONCURRENCY = 4;
const FLUSH_TIMEOUT_MS = 10_000;

const DISABLED: EventRecorder = { record: () => Promise.resolve(), flush: () => Promise.resolve(true), close: () => Promise.resolve() };

export function createEventRecorder(core: Pick<CoreV1Api, 'createNamespacedEvent'>, options: EventRecorderOptions): EventRecorder {
  if (!options.enabled) return DISABLED;
  const now = options.now ?? (() => new Date());
  const capacity = options.capacity ?? DEFAULT_EVENT_CAPACITY;
  const drops = new EventDrops(options.logger, capacity, options.metrics);
  const podBudget = new EventBudget({ ...(options.podEventBudget ?? DEFAULT_POD_EVENT_BUDGET), ...(options.now ? { now: () => now().getTime() } : {}) });
  const queue = new EventQueue({
    capacity,
    concurrency: options.concurrency ?? DEFAULT_EVENT_CONCURRENCY,
    onDrop: (object, reason) => drops.add(object, reason),
  });

  async function send(request: CoreV1ApiCreateNamespacedEventRequest, reason: string, object: string): Promise<void> {
    try {
      await core.createNamespacedEvent(request);
    } catch (error) {
      // Not sent again: a throttled Event would only add to the throttling (see rateLimitedHttpLibrary).
      options.logger.warn({ err: error, reason, object, detail: apiMessage(error) }, 'could not record Kubernetes Event');
    }
  }

  return {
    record(target, type, reason, message, annotations = {}) {
      if (target.kind === 'Pod' && !podBudget.tryTake()) {
        drops.add('Pod', 'budget');
        return Promise.resolve();
      }
      // Built now, so the Event's time is the action's, not the send's.
      const request = eventRequest(target, type, reason, message, { ...options.extraAnnotations, ...annotations }, now(), options.instance);
      const object = `${target.kind}/${target.namespace ? `${target.namespace}/` : ''}${target.name}`;
      // The failure line carries the event ID etc. of the action that recorded it, not of
      // whichever send happened to start this one.
      const inCallerContext = AsyncLocalStorage.snapshot();
      queue.push(target.kind, () => inCallerContext(() => send(request, reason, object)));
      return Promise.resolve();
    },
    flush: (timeoutMs = FLUSH_TIMEOUT_MS) => queue.flush(timeoutMs),
    async close(timeoutMs = FLUSH_TIMEOUT_MS) {
      const left = await queue.close(timeoutMs);
      drops.count('Node', 'shutdown', left.Node);
      drops.count('Pod', 'shutdown', left.Pod);
      // The process is about to end: what was dropped since the last warning is said now.
      drops.report();
    },
  };
}

function eventRequest(
  target: EventTarget, type: EventType, reason: string, message: string, annotations: Record<string, string>, time: Date, instance: string,
): CoreV1ApiCreateNamespacedEventRequest {
  const namespace = target.kind === 'Node' ? NODE_EVENT_NAMESPACE : (target.namespace ?? NODE_EVENT_NAMESPACE);
  const involvedObject: V1ObjectReference = {
    apiVersion: 'v1',
    kind: target.kind,
    name: target.name,
    ...(target.namespace ? { namespace: target.namespace } : {}),
    ...(target.uid ? { uid: target.uid } : {}),
  };
  return {
    namespace,
    body: {
      metadata: {
        // As client-go names them: the object's name and a unique suffix.
        name: `${target.name}.${time.getTime().toString(16)}${randomBytes(3).toString('hex')}`,
        namespace,
        annotations,
      },
      involvedObject,
      reason,
      message: message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : message,
      type,
      count: 1,
      // Serialised by client-node as RFC 3339; kubectl shows "Age" from these.
      firstTimestamp: new Date(rfc3339(time)),
      lastTimestamp: new Date(rfc3339(time)),
      source: { component: EVENT_SOURCE_COMPONENT },
      reportingComponent: EVENT_SOURCE_COMPONENT,
      reportingInstance: instance || EVENT_SOURCE_COMPONENT,
    },
  };
}
