// The option table: the single source of flags, env names, defaults, help text and the Config
// type. Options NTH also has keep NTH's env names (DESIGN §4) so an NTH user can switch with the
// same values; options of our own use the NTH_ prefix. Durations are in seconds.
import { option, flagOf, type OptionSpec } from './option.ts';
import {
  bool,
  decimal,
  integer,
  jsonStringMap,
  keyValueMap,
  list,
  oneOf,
  optionalBool,
  seconds,
  text,
  url,
} from './parse-value.ts';

export const EC2_INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'] as const;
const LIFECYCLE_RESULTS = ['CONTINUE', 'ABANDON'] as const;
const DAY = 86_400;

export const SCHEMA = {
  // --- AWS -------------------------------------------------------------------------------------
  queueUrl: option({ env: ['QUEUE_URL'], type: url(), default: '',
    description: 'SQS queue URL to read events from; empty runs against the local environment' }),
  awsRegion: option({ env: ['AWS_REGION'], default: '',
    // Loose on purpose: new partitions bring new prefixes (e.g. eusc-de-east-1).
    type: text({ pattern: /^[a-z]{2,}(-[a-z]+)+-\d+$/, allowed: 'an AWS region such as us-east-1, or empty' }),
    description: 'AWS region; empty takes it from the queue URL host' }),
  awsEndpoint: option({ env: ['AWS_ENDPOINT'], type: url(), default: '',
    description: 'endpoint URL for every AWS client (tests, local emulators); empty uses AWS' }),
  workers: option({ env: ['WORKERS'], type: integer({ min: 1, max: 1000 }), default: 10,
    description: 'how many nodes are worked on at once' }),
  checkTagBeforeDraining: option({ env: ['CHECK_TAG_BEFORE_DRAINING'], type: bool(), default: true,
    description: 'act only on instances that carry the managed tag' }),
  managedTag: option({ env: ['MANAGED_TAG'], type: text({ nonEmpty: true }),
    default: 'aws-node-termination-handler/managed',
    description: 'EC2 tag key that marks instances as ours (see --check-tag-before-draining)' }),
  useProviderId: option({ env: ['USE_PROVIDER_ID'], type: bool(), default: false,
    description: 'find nodes only by spec.providerID, never by the EC2 PrivateDnsName' }),

  // --- what is done to a node ------------------------------------------------------------------
  cordonOnly: option({ env: ['CORDON_ONLY'], type: bool(), default: false,
    description: 'cordon nodes but do not evict their pods' }),
  taintNode: option({ env: ['TAINT_NODE'], type: bool(), default: false,
    description: 'add the taint of the event kind to the node' }),
  taintEffect: option({ env: ['TAINT_EFFECT'], type: oneOf(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
    default: 'NoSchedule', description: 'effect of the taints added by --taint-node' }),
  enableOutOfServiceTaint: option({ env: ['ENABLE_OUT_OF_SERVICE_TAINT'], type: bool(), default: false,
    description: 'add node.kubernetes.io/out-of-service after draining a node that is going away' }),
  excludeFromLoadBalancers: option({ env: ['EXCLUDE_FROM_LOAD_BALANCERS'], type: bool(), default: false,
    description: 'label drained nodes node.kubernetes.io/exclude-from-external-load-balancers' }),
  deleteLocalData: option({ env: ['DELETE_LOCAL_DATA'], type: bool(), default: true,
    description: 'evict pods that use emptyDir volumes (their data is lost)' }),
  ignoreDaemonSets: option({ env: ['IGNORE_DAEMON_SETS'], type: bool(), default: true,
    description: 'leave DaemonSet pods in place instead of refusing to drain' }),
  podTerminationGracePeriod: option({ env: ['POD_TERMINATION_GRACE_PERIOD'],
    type: seconds({ min: 0, max: DAY, minusOne: true }), default: -1,
    description: "grace period given to evicted pods; -1 uses each pod's own" }),
  nodeTerminationGracePeriod: option({ env: ['NODE_TERMINATION_GRACE_PERIOD'],
    type: seconds({ min: 1, max: DAY }), default: 120,
    description: 'drain deadline for events other than spot interruptions (spot gets 120 s from AWS)' }),

  // --- Auto Scaling lifecycle hooks ------------------------------------------------------------
  heartbeatInterval: option({ env: ['HEARTBEAT_INTERVAL'], type: seconds({ min: 1, max: 3600 }), default: 60,
    description: 'seconds between RecordLifecycleActionHeartbeat calls while draining' }),
  heartbeatUntil: option({ env: ['HEARTBEAT_UNTIL'], type: seconds({ min: 1, max: 2 * DAY }), default: 3600,
    description: 'seconds after which heartbeats stop (must be >= --heartbeat-interval)' }),
  completeLifecycleActionDelaySeconds: option({ env: ['COMPLETE_LIFECYCLE_ACTION_DELAY_SECONDS'],
    type: seconds({ min: 0, max: 2 * DAY, minusOne: true }), default: -1,
    description: 'wait this long after draining before CompleteLifecycleAction; -1 means no wait' }),
  deleteSqsMsgIfNodeNotFound: option({ env: ['DELETE_SQS_MSG_IF_NODE_NOT_FOUND'], type: bool(), default: true,
    description: "delete messages about instances that are no node of this cluster (NTH's default: false)" }),

  // --- Kubernetes API --------------------------------------------------------------------------
  // 100/200 measured (README, Benchmark): in a 100-node storm, 50/100 left the local apiserver
  // idle part of the time (p99 all evictions issued 40 s vs 34 s). The apiserver is protected by
  // its own priority and fairness, our Retry-After handling and the in-flight cap.
  kubeApiQps: option({ env: ['KUBE_API_QPS'], type: decimal({ above: 0 }), default: 100,
    description: 'client-side rate limit of Kubernetes API requests per second' }),
  kubeApiBurst: option({ env: ['KUBE_API_BURST'], type: integer({ min: 1 }), default: 200,
    description: 'burst allowed above --kube-api-qps' }),
  kubeApiMaxInFlight: option({ env: ['NTH_KUBE_API_MAX_IN_FLIGHT'], type: integer({ min: 1, max: 10_000 }), default: 32,
    description: 'Kubernetes requests awaiting an answer at once; the rest queue here, cordons first' }),
  dryRun: option({ env: ['DRY_RUN'], type: bool(), default: false,
    description: 'log what would be done; change nothing in Kubernetes or AWS' }),

  // --- webhook ---------------------------------------------------------------------------------
  webhookUrl: option({ env: ['WEBHOOK_URL'], type: url(), default: '', secret: true,
    description: 'URL to POST a notification to for each event acted on; empty disables it' }),
  webhookHeaders: option({ env: ['WEBHOOK_HEADERS'], type: jsonStringMap(), default: {}, secret: true,
    description: 'HTTP headers for the webhook, as a JSON object of strings' }),
  webhookTemplate: option({ env: ['WEBHOOK_TEMPLATE'], type: text(), default: '',
    description: 'body template of the webhook; empty uses the built-in one' }),
  webhookTemplateFile: option({ env: ['WEBHOOK_TEMPLATE_FILE'], type: text(), default: '',
    description: 'file holding the webhook template (instead of --webhook-template)' }),
  webhookProxy: option({ env: ['WEBHOOK_PROXY'], type: url(), default: '',
    description: 'HTTP proxy URL for webhook requests' }),
  webhookTimeout: option({ env: ['NTH_WEBHOOK_TIMEOUT'], type: seconds({ min: 1, max: 300 }), default: 10,
    description: 'seconds each webhook attempt may take' }),
  webhookRetries: option({ env: ['NTH_WEBHOOK_RETRIES'], type: integer({ min: 0, max: 10 }), default: 3,
    description: 'webhook attempts after the first, with back-off, on 5xx, 429 and network errors' }),

  // --- logs, metrics, probes, events -----------------------------------------------------------
  jsonLogging: option({ env: ['JSON_LOGGING'], type: optionalBool(), default: undefined,
    description: 'log JSON (true) or pretty text (false); unset: JSON unless stdout is a TTY' }),
  logLevel: option({ env: ['LOG_LEVEL'], type: oneOf(['trace', 'debug', 'info', 'warn', 'error']), default: 'info',
    description: 'lowest level logged' }),
  enablePrometheusServer: option({ env: ['ENABLE_PROMETHEUS_SERVER'], type: bool(), default: true,
    description: 'serve Prometheus metrics on /metrics' }),
  prometheusServerPort: option({ env: ['PROMETHEUS_SERVER_PORT'], type: integer({ min: 1, max: 65535 }),
    default: 9092, description: 'port of the metrics server' }),
  enableProbesServer: option({ env: ['ENABLE_PROBES_SERVER'], type: bool(), default: true,
    description: 'serve liveness and readiness probes' }),
  probesServerPort: option({ env: ['PROBES_SERVER_PORT'], type: integer({ min: 1, max: 65535 }), default: 8080,
    description: 'port of the probes server' }),
  probesServerEndpoint: option({ env: ['PROBES_SERVER_ENDPOINT'], default: '/healthz',
    type: text({ pattern: /^\/\S*$/, nonEmpty: true, allowed: 'an HTTP path starting with /' }),
    description: 'path of the liveness probe' }),
  emitKubernetesEvents: option({ env: ['EMIT_KUBERNETES_EVENTS'], type: bool(), default: true,
    description: 'record Kubernetes Events on the nodes acted on' }),
  kubernetesEventsExtraAnnotations: option({ env: ['KUBERNETES_EVENTS_EXTRA_ANNOTATIONS'], type: keyValueMap(),
    default: {}, description: 'extra annotations on those Events, as k=v,k2=v2' }),
  podName: option({ env: ['POD_NAME'], type: text(), default: '',
    description: 'name of this pod (from the downward API), reported in Events and claims' }),
  namespace: option({ env: ['NAMESPACE'], type: text(), default: '',
    description: 'namespace of this pod (from the downward API)' }),

  // --- our own (NTH_ prefix) -------------------------------------------------------------------
  rebalanceAction: option({ env: ['NTH_REBALANCE_ACTION'], type: oneOf(['drain', 'cordon', 'taint', 'none']),
    default: 'drain', description: "what a rebalance recommendation does to its node (NTH: drain)" }),
  uncordonOnRunning: option({ env: ['NTH_UNCORDON_ON_RUNNING'], type: bool(), default: false,
    description: 'uncordon a node we cordoned when its instance is running again' }),
  stateChangeDrainStates: option({ env: ['NTH_STATE_CHANGE_DRAIN_STATES'], type: list(oneOf(EC2_INSTANCE_STATES)),
    default: ['stopping', 'stopped', 'shutting-down', 'terminated'],
    description: 'EC2 states whose state-change event drains the node' }),
  scheduledChangeLeadTime: option({ env: ['NTH_SCHEDULED_CHANGE_LEAD_TIME'],
    type: seconds({ min: 0, max: 30 * DAY, minusOne: true }), default: -1,
    description: 'start draining this long before a scheduled change starts; -1 drains at once' }),
  launchTimeout: option({ env: ['NTH_LAUNCH_TIMEOUT'], type: seconds({ min: 1, max: 2 * DAY }), default: 600,
    description: 'ABANDON a launch lifecycle action if its node is not Ready this long after the event' }),
  lifecycleResultOnFailure: option({ env: ['NTH_LIFECYCLE_RESULT_ON_FAILURE'], type: oneOf(LIFECYCLE_RESULTS),
    default: 'CONTINUE', description: 'lifecycle action result when draining fails' }),
  lifecycleResultOnNodeNotFound: option({ env: ['NTH_LIFECYCLE_RESULT_ON_NODE_NOT_FOUND'],
    type: oneOf(LIFECYCLE_RESULTS), default: 'CONTINUE',
    description: 'lifecycle action result when the instance never became a node' }),
  forceUnmanagedPods: option({ env: ['NTH_FORCE_UNMANAGED_PODS'], type: bool(), default: true,
    description: 'evict pods that no controller owns (they are not recreated)' }),
  forceDeleteAtDeadline: option({ env: ['NTH_FORCE_DELETE_AT_DEADLINE'], type: bool(), default: false,
    description: 'delete pods still left at the drain deadline, bypassing PodDisruptionBudgets' }),
  visibilityTimeout: option({ env: ['NTH_VISIBILITY_TIMEOUT'], type: seconds({ min: 10, max: 43_200 }), default: 60,
    description: 'SQS visibility timeout of a message being worked on; extended while work goes on' }),
  readinessWindow: option({ env: ['NTH_READINESS_WINDOW'], type: seconds({ min: 1, max: 3600 }), default: 60,
    description: '/readyz fails unless SQS and the Kubernetes API both answered within this window' }),
  kubeconfig: option({ env: ['NTH_KUBECONFIG', 'KUBECONFIG'], type: text(), default: '',
    description: 'kubeconfig file; empty uses in-cluster credentials' }),
  claimLeaseDuration: option({ env: ['NTH_CLAIM_LEASE_DURATION'], type: seconds({ min: 5, max: 300 }), default: 15,
    description: 'Lease duration of a per-node claim; another replica takes over this long after a crash' }),
  failpoints: option({ env: ['NTH_FAILPOINTS'], type: list(text({ nonEmpty: true })), default: [],
    description: 'test only: named points at which the process kills itself (crash-safety tests)' }),
};

export type Schema = typeof SCHEMA;
export type OptionName = keyof Schema;
type ValueOf<O> = O extends OptionSpec<infer T> ? T : never;

/** The loaded configuration: one readonly field per option, typed by its parser. */
export type Config = { readonly [K in OptionName]: ValueOf<Schema[K]> };

export type TaintEffect = Config['taintEffect'];
export type LogLevel = Config['logLevel'];
export type RebalanceAction = Config['rebalanceAction'];
export type LifecycleResult = Config['lifecycleResultOnFailure'];
export type Ec2InstanceState = (typeof EC2_INSTANCE_STATES)[number];

export interface OptionEntry {
  readonly name: OptionName;
  readonly flag: string;
  readonly spec: OptionSpec<unknown>;
}

/** The schema as a list in declaration order, for code that walks every option. */
export const OPTIONS: readonly OptionEntry[] = (Object.keys(SCHEMA) as OptionName[]).map((name) => ({
  name,
  flag: flagOf(name),
  spec: SCHEMA[name],
}));
