// Prometheus metrics. One prefix, unit suffixes, and label values from small fixed sets only
// (never node names, pod names or event IDs), so cardinality stays flat however many nodes come
// and go. docs/architecture.md ("Metrics") lists every name, label and value.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'node_termination_handler_';

/** How a message ended (the `result` label of messages_finished_total). */
export type MessageResult = 'deleted' | 'ignored' | 'invalid' | 'failed' | 'deferred' | 'left';
/** The `result` label of actions_total: the drain outcomes, or done/failed for the other actions. */
export type ActionResult = 'drained' | 'deadline' | 'failed' | 'done';
/** The `result` label of evictions_total, from the apiserver's answer to the Eviction. */
export type EvictionResult = 'evicted' | 'blocked' | 'gone' | 'conflict' | 'failed';
export type ErrorStage = 'receive' | 'delete' | 'resolve' | 'act' | 'lifecycle' | 'heartbeat' | 'webhook';
export type ApiTarget = 'sqs' | 'ec2' | 'autoscaling' | 'kubernetes';

export class Metrics {
  readonly registry: Registry;
  readonly messagesReceived: Counter<'kind'>;
  readonly messagesFinished: Counter<'result' | 'reason'>;
  readonly actions: Counter<'action' | 'result'>;
  readonly lifecycleCompletions: Counter<'result' | 'outcome'>;
  readonly heartbeats: Counter<'outcome'>;
  readonly evictions: Counter<'result'>;
  readonly drainDuration: Histogram<'outcome'>;
  readonly eventToCordon: Histogram<'kind'>;
  readonly queueLag: Histogram;
  readonly drainsInFlight: Gauge;
  readonly apiRequests: Counter<'target' | 'operation' | 'code'>;
  readonly errors: Counter<'stage'>;
  readonly webhooks: Counter<'result'>;
  readonly kubernetesEventsDropped: Counter<'object' | 'reason'>;
  readonly buildInfo: Gauge<'version' | 'kubernetes_version'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    this.registry = new Registry();
    const registers = [this.registry];
    const p = METRIC_PREFIX;
    this.messagesReceived = new Counter({ name: `${p}messages_received_total`, help: 'SQS messages received, by event kind (invalid and ignored included)', labelNames: ['kind'], registers });
    this.messagesFinished = new Counter({ name: `${p}messages_finished_total`, help: 'Messages handled, once per delivery: deleted after the action, ignored (deleted at once), invalid, failed or deferred (retried later), left (dry run)', labelNames: ['result', 'reason'], registers });
    this.actions = new Counter({ name: `${p}actions_total`, help: 'Node actions carried out (one per run on a node, however many messages asked for it), by action and result', labelNames: ['action', 'result'], registers });
    this.lifecycleCompletions = new Counter({ name: `${p}lifecycle_completions_total`, help: 'CompleteLifecycleAction calls, by lifecycle result and outcome', labelNames: ['result', 'outcome'], registers });
    this.heartbeats = new Counter({ name: `${p}lifecycle_heartbeats_total`, help: 'RecordLifecycleActionHeartbeat calls, by outcome', labelNames: ['outcome'], registers });
    this.evictions = new Counter({ name: `${p}evictions_total`, help: 'Pod eviction requests, by the answer: evicted, blocked (429, a PodDisruptionBudget), gone (404), conflict (409), failed', labelNames: ['result'], registers });
    this.drainDuration = new Histogram({ name: `${p}drain_duration_seconds`, help: 'Time from drain start to its end, by outcome', labelNames: ['outcome'], buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800], registers });
    this.eventToCordon = new Histogram({ name: `${p}event_to_cordon_seconds`, help: 'Time from the event time AWS gives to the node being cordoned', labelNames: ['kind'], buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300], registers });
    this.queueLag = new Histogram({ name: `${p}queue_lag_seconds`, help: 'Time a message waited on the queue (receive time minus SentTimestamp)', buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300], registers });
    this.drainsInFlight = new Gauge({ name: `${p}drains_in_flight`, help: 'Drains running now', registers });
    this.apiRequests = new Counter({ name: `${p}api_requests_total`, help: 'HTTP requests to AWS and Kubernetes, by target, operation and status code (network: no answer)', labelNames: ['target', 'operation', 'code'], registers });
    this.errors = new Counter({ name: `${p}errors_total`, help: 'Errors, by pipeline stage', labelNames: ['stage'], registers });
    this.webhooks = new Counter({ name: `${p}webhook_notifications_total`, help: 'Webhook notifications, by result (sent, failed after the retries)', labelNames: ['result'], registers });
    this.kubernetesEventsDropped = new Counter({ name: `${p}kubernetes_events_dropped_total`, help: 'Kubernetes Events never sent, by object (node, pod) and reason: backlog (the queue was full; Pod Events go first), budget (over the Pod Event budget), shutdown (still queued when the handler stopped)', labelNames: ['object', 'reason'], registers });
    this.buildInfo = new Gauge({ name: `${p}build_info`, help: 'Always 1; labels carry our version and the Kubernetes server version', labelNames: ['version', 'kubernetes_version'], registers });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: p });
  }

  /** Counts one handled message (typed, so results stay in their documented set). */
  messageFinished(result: MessageResult, reason: string): void {
    this.messagesFinished.inc({ result, reason });
  }

  actionDone(action: string, result: ActionResult): void {
    this.actions.inc({ action, result });
  }

  error(stage: ErrorStage): void {
    this.errors.inc({ stage });
  }

  apiRequest(target: ApiTarget, operation: string, code: number | 'network'): void {
    this.apiRequests.inc({ target, operation, code: String(code) });
  }
}
