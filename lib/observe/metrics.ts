// Prometheus metrics. One prefix, unit suffixes, and label values from small fixed sets only
// (never node names or event IDs), so cardinality stays flat however many nodes come and go.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'node_termination_handler_';

export class Metrics {
  readonly registry: Registry;
  readonly messagesReceived: Counter<'kind'>;
  readonly messagesFinished: Counter<'result' | 'reason'>;
  readonly actions: Counter<'action' | 'result'>;
  readonly lifecycleCompletions: Counter<'result' | 'outcome'>;
  readonly heartbeats: Counter<'outcome'>;
  readonly drainDuration: Histogram<'outcome'>;
  readonly eventToCordon: Histogram<'kind'>;
  readonly queueLag: Histogram;
  readonly drainsInFlight: Gauge;
  readonly apiRequests: Counter<'target' | 'operation' | 'outcome'>;
  readonly errors: Counter<'stage'>;
  readonly buildInfo: Gauge<'version' | 'kubernetes_version'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    this.registry = new Registry();
    const registers = [this.registry];
    const p = METRIC_PREFIX;
    this.messagesReceived = new Counter({ name: `${p}messages_received_total`, help: 'SQS messages received, by event kind (invalid and ignored included)', labelNames: ['kind'], registers });
    this.messagesFinished = new Counter({ name: `${p}messages_finished_total`, help: 'Messages done with: deleted after the action, ignored (deleted at once), invalid or retried (left on the queue)', labelNames: ['result', 'reason'], registers });
    this.actions = new Counter({ name: `${p}actions_total`, help: 'Node actions carried out, by action and result', labelNames: ['action', 'result'], registers });
    this.lifecycleCompletions = new Counter({ name: `${p}lifecycle_completions_total`, help: 'CompleteLifecycleAction calls, by lifecycle result and outcome', labelNames: ['result', 'outcome'], registers });
    this.heartbeats = new Counter({ name: `${p}lifecycle_heartbeats_total`, help: 'RecordLifecycleActionHeartbeat calls, by outcome', labelNames: ['outcome'], registers });
    this.drainDuration = new Histogram({ name: `${p}drain_duration_seconds`, help: 'Time from drain start to its end, by outcome', labelNames: ['outcome'], buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800], registers });
    this.eventToCordon = new Histogram({ name: `${p}event_to_cordon_seconds`, help: 'Time from the event time AWS gives to the node being cordoned', labelNames: ['kind'], buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300], registers });
    this.queueLag = new Histogram({ name: `${p}queue_lag_seconds`, help: 'Time a message waited on the queue (receive time minus SentTimestamp)', buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300], registers });
    this.drainsInFlight = new Gauge({ name: `${p}drains_in_flight`, help: 'Node actions running now', registers });
    this.apiRequests = new Counter({ name: `${p}api_requests_total`, help: 'Requests to AWS and Kubernetes, by target, operation and outcome', labelNames: ['target', 'operation', 'outcome'], registers });
    this.errors = new Counter({ name: `${p}errors_total`, help: 'Errors, by pipeline stage', labelNames: ['stage'], registers });
    this.buildInfo = new Gauge({ name: `${p}build_info`, help: 'Always 1; labels carry our version and the Kubernetes server version', labelNames: ['version', 'kubernetes_version'], registers });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: p });
  }
}
