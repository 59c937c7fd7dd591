// Kubernetes Events (core/v1) about the objects we act on, so `kubectl describe node X` (and
// `describe pod`) shows what the handler did and why. Recording is best effort: a failure is
// logged and never fails the action it describes.
import { randomBytes } from 'node:crypto';
import type { CoreV1Api, V1ObjectReference } from '@kubernetes/client-node';
import type { Logger } from '../observe/logger.ts';
import { apiMessage } from './api-error.ts';
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
  record(target: EventTarget, type: EventType, reason: string, message: string, annotations?: Record<string, string>): Promise<void>;
}

export interface EventRecorderOptions {
  enabled: boolean;
  extraAnnotations: Readonly<Record<string, string>>;
  /** This pod's name, as the reporting instance (empty outside a pod). */
  instance: string;
  logger: Logger;
  now?: () => Date;
}

/** Events of cluster-scoped objects (Nodes) live in `default`, as the kubelet's do. */
const NODE_EVENT_NAMESPACE = 'default';
/** The apiserver rejects longer messages. */
const MAX_MESSAGE_LENGTH = 1024;

export function createEventRecorder(core: Pick<CoreV1Api, 'createNamespacedEvent'>, options: EventRecorderOptions): EventRecorder {
  if (!options.enabled) return { record: () => Promise.resolve() };
  const now = options.now ?? (() => new Date());
  return {
    async record(target, type, reason, message, annotations = {}) {
      const namespace = target.kind === 'Node' ? NODE_EVENT_NAMESPACE : (target.namespace ?? NODE_EVENT_NAMESPACE);
      const time = now();
      const involvedObject: V1ObjectReference = {
        apiVersion: 'v1',
        kind: target.kind,
        name: target.name,
        ...(target.namespace ? { namespace: target.namespace } : {}),
        ...(target.uid ? { uid: target.uid } : {}),
      };
      try {
        await core.createNamespacedEvent({
          namespace,
          body: {
            metadata: {
              // As client-go names them: the object's name and a unique suffix.
              name: `${target.name}.${time.getTime().toString(16)}${randomBytes(3).toString('hex')}`,
              namespace,
              annotations: { ...options.extraAnnotations, ...annotations },
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
            reportingInstance: options.instance || EVENT_SOURCE_COMPONENT,
          },
        });
      } catch (error) {
        options.logger.warn({ err: error, reason, object: `${target.kind}/${target.namespace ? `${target.namespace}/` : ''}${target.name}`, detail: apiMessage(error) },
          'could not record Kubernetes Event');
      }
    },
  };
}
