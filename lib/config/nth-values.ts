// aws-node-termination-handler's Helm values → our settings. The chart renders each value into an
// env variable of the same meaning (`queueURL` → QUEUE_URL, quoted), and we accept NTH's env names,
// so most keys map one to one; the rest are IMDS-mode settings, Deployment shape (which deploy/
// owns), or have no equivalent, and are reported rather than silently dropped. Pure: the caller
// parses the YAML and prints.
import { ConfigError } from './errors.ts';
import { loadConfigWithSources } from './load.ts';
import { OPTIONS } from './schema.ts';

/** Helm key (dotted path) → our env name. Deprecated chart keys come after their replacements. */
const DIRECT: ReadonlyArray<readonly [string, string]> = [
  ['queueURL', 'QUEUE_URL'],
  ['awsRegion', 'AWS_REGION'],
  ['awsEndpoint', 'AWS_ENDPOINT'],
  ['workers', 'WORKERS'],
  ['checkTagBeforeDraining', 'CHECK_TAG_BEFORE_DRAINING'],
  ['checkASGTagBeforeDraining', 'CHECK_TAG_BEFORE_DRAINING'],
  ['managedTag', 'MANAGED_TAG'],
  ['managedAsgTag', 'MANAGED_TAG'],
  ['useProviderId', 'USE_PROVIDER_ID'],
  ['cordonOnly', 'CORDON_ONLY'],
  ['taintNode', 'TAINT_NODE'],
  ['taintEffect', 'TAINT_EFFECT'],
  ['enableOutOfServiceTaint', 'ENABLE_OUT_OF_SERVICE_TAINT'],
  ['excludeFromLoadBalancers', 'EXCLUDE_FROM_LOAD_BALANCERS'],
  ['deleteLocalData', 'DELETE_LOCAL_DATA'],
  ['ignoreDaemonSets', 'IGNORE_DAEMON_SETS'],
  ['podTerminationGracePeriod', 'POD_TERMINATION_GRACE_PERIOD'],
  ['gracePeriod', 'POD_TERMINATION_GRACE_PERIOD'],
  ['nodeTerminationGracePeriod', 'NODE_TERMINATION_GRACE_PERIOD'],
  ['heartbeatInterval', 'HEARTBEAT_INTERVAL'],
  ['heartbeatUntil', 'HEARTBEAT_UNTIL'],
  ['completeLifecycleActionDelaySeconds', 'COMPLETE_LIFECYCLE_ACTION_DELAY_SECONDS'],
  ['deleteSqsMsgIfNodeNotFound', 'DELETE_SQS_MSG_IF_NODE_NOT_FOUND'],
  ['dryRun', 'DRY_RUN'],
  ['webhookURL', 'WEBHOOK_URL'],
  ['webhookHeaders', 'WEBHOOK_HEADERS'],
  ['webhookTemplate', 'WEBHOOK_TEMPLATE'],
  ['webhookProxy', 'WEBHOOK_PROXY'],
  ['jsonLogging', 'JSON_LOGGING'],
  ['logLevel', 'LOG_LEVEL'],
  ['enablePrometheusServer', 'ENABLE_PROMETHEUS_SERVER'],
  ['prometheusServerPort', 'PROMETHEUS_SERVER_PORT'],
  ['enableProbesServer', 'ENABLE_PROBES_SERVER'],
  ['probesServerPort', 'PROBES_SERVER_PORT'],
  ['probesServerEndpoint', 'PROBES_SERVER_ENDPOINT'],
  // The chart's queue-processor Deployment renders the liveness probe's port and path as these.
  ['probes.httpGet.port', 'PROBES_SERVER_PORT'],
  ['probes.httpGet.path', 'PROBES_SERVER_ENDPOINT'],
  ['emitKubernetesEvents', 'EMIT_KUBERNETES_EVENTS'],
  ['kubernetesEventsExtraAnnotations', 'KUBERNETES_EVENTS_EXTRA_ANNOTATIONS'],
];

/** Read by NTH only in IMDS mode (the DaemonSet); queue-processor mode, ours, ignores them. */
const IMDS_ONLY = new Set([
  'enableSpotInterruptionDraining', 'enableScheduledEventDraining', 'enableRebalanceMonitoring',
  'enableRebalanceDraining', 'enableASGLifecycleDraining', 'metadataTries', 'instanceMetadataURL',
  'procUptimeFile', 'useHostNetwork', 'targetNodeOs', 'nodeSelectorTermsOs', 'nodeSelectorTermsArch',
]);
const IMDS_PREFIXES = ['daemonset', 'linux', 'windows'];

/** The shape of the Kubernetes objects, which deploy/ (kustomize) sets instead of settings. */
const DEPLOYMENT = new Set([
  'image', 'nameOverride', 'fullnameOverride', 'priorityClassName', 'podAnnotations', 'podLabels',
  'customLabels', 'resources', 'nodeSelector', 'affinity', 'tolerations', 'topologySpreadConstraints',
  'serviceAccount', 'rbac', 'securityContext', 'podSecurityContext', 'dnsPolicy', 'dnsConfig',
  'podMonitor', 'serviceMonitor', 'updateStrategy', 'strategy', 'podDisruptionBudget', 'replicas',
  'terminationGracePeriodSeconds', 'probes', 'global',
]);

/** Chart defaults that differ from ours, for keys a values file leaves out. */
const NTH_DEFAULTS: ReadonlyArray<readonly [string, string, string]> = [
  ['deleteSqsMsgIfNodeNotFound', 'false', 'DELETE_SQS_MSG_IF_NODE_NOT_FOUND'],
  ['emitKubernetesEvents', 'false', 'EMIT_KUBERNETES_EVENTS'],
  ['enablePrometheusServer', 'false', 'ENABLE_PROMETHEUS_SERVER'],
];

const OUR_ENV = new Set(OPTIONS.flatMap((o) => o.spec.env));

export interface NthSetting {
  readonly env: string;
  readonly value: string;
  /** The Helm key it came from. */
  readonly from: string;
}

export interface NthConversion {
  readonly settings: readonly NthSetting[];
  /** Keys (or facts) the user must act on by hand, one line each. */
  readonly warnings: readonly string[];
  /** Values our schema rejects, naming the Helm key; non-empty means the result is unusable. */
  readonly errors: readonly string[];
}

type Tree = Readonly<Record<string, unknown>>;
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

function lookup(tree: Tree, path: string): unknown {
  let at: unknown = tree;
  for (const part of path.split('.')) at = isTree(at) ? at[part] : undefined;
  return at;
}

/** As Helm's `| quote` renders it; undefined for "unset" (NTH treats "" and null as its default). */
function scalar(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function convertNthValues(values: unknown): NthConversion {
  if (!isTree(values)) {
    return { settings: [], warnings: [], errors: ['the values file is not a YAML mapping of keys to values'] };
  }
  const settings = new Map<string, NthSetting>();
  const warnings: string[] = [];
  const set = (env: string, value: string, from: string): void => {
    // A deprecated key never overrides its replacement (listed earlier), as in the chart.
    if (!settings.has(env)) settings.set(env, { env, value, from });
  };

  for (const [key, env] of DIRECT) {
    const value = scalar(lookup(values, key));
    if (value === undefined) continue;
    // NTH lower-cases the level; our schema takes the lower-case words only.
    set(env, env === 'LOG_LEVEL' ? value.toLowerCase() : value, key);
  }

  const sqs = values.enableSqsTerminationDraining;
  if (sqs !== true && sqs !== 'true') {
    warnings.push('enableSqsTerminationDraining is not true: this file runs NTH in IMDS mode (a DaemonSet); ' +
      'this controller is queue-processor mode only, so its IMDS settings do not carry over');
  }
  convertWebhookExtras(values, set, warnings);
  if (settings.has('WEBHOOK_URL')) {
    warnings.push('webhookURL: WEBHOOK_URL often carries a token; keep it in a Secret (envFrom secretRef), not the ConfigMap');
  }
  if (scalar(values.awsAccessKeyID) !== undefined || scalar(values.awsSecretAccessKey) !== undefined) {
    warnings.push('awsAccessKeyID/awsSecretAccessKey: not converted; give the pod a role (deploy/overlays/irsa or pod-identity)');
  }
  convertExtraEnv(values.extraEnv, set, warnings);

  const known = new Set([...DIRECT.map(([key]) => key.split('.')[0] ?? key), 'enableSqsTerminationDraining',
    'webhookURLSecretName', 'webhookTemplateConfigMapName', 'webhookTemplateConfigMapKey', 'awsAccessKeyID', 'awsSecretAccessKey',
    'extraEnv']);
  const imds: string[] = [];
  const deployment: string[] = [];
  for (const key of Object.keys(values)) {
    if (known.has(key) && key !== 'probes') continue;
    if (IMDS_ONLY.has(key) || IMDS_PREFIXES.some((p) => key.startsWith(p))) imds.push(key);
    else if (DEPLOYMENT.has(key)) deployment.push(key);
    else if (key === 'logFormatVersion') warnings.push('logFormatVersion: no equivalent; our JSON log lines have one format (pino)');
    else if (key === 'useAPIServerCacheToListPods') warnings.push('useAPIServerCacheToListPods: no equivalent; drains list a node\'s pods from the API server');
    else if (scalar(values[key]) !== undefined) warnings.push(`${key}: unknown to this converter; no equivalent setting`);
  }
  if (deployment.length > 0) warnings.push(`Deployment settings, set in deploy/ (kustomize overlays) instead: ${deployment.join(', ')}`);
  if (imds.length > 0) warnings.push(`IMDS-mode only, ignored in queue-processor mode: ${imds.join(', ')}`);
  for (const [key, nth, env] of NTH_DEFAULTS) {
    if (scalar(values[key]) !== undefined || settings.has(env)) continue;
    const ours = OPTIONS.find((o) => o.spec.env[0] === env);
    warnings.push(`${key} is not in the file and NTH's default (${nth}) differs from ours ` +
      `(${ours ? ours.spec.type.format(ours.spec.default) : '?'}); add ${env}=${nth} to keep NTH's behaviour`);
  }
  if (scalar(values.heartbeatInterval) === undefined) {
    warnings.push('heartbeatInterval is not in the file: NTH sends no lifecycle heartbeats then; we send one every ' +
      'HEARTBEAT_INTERVAL (default 60 s) while draining, up to HEARTBEAT_UNTIL');
  }
  const list = [...settings.values()];
  return { settings: list, warnings, errors: validate(list) };
}

function convertWebhookExtras(values: Tree, set: (env: string, value: string, from: string) => void, warnings: string[]): void {
  const secretName = scalar(values.webhookURLSecretName);
  if (secretName !== undefined) {
    warnings.push(`webhookURLSecretName: set WEBHOOK_URL in the Deployment from Secret "${secretName}" ` +
      '(valueFrom.secretKeyRef, key webhookurl); a URL with a token does not belong in a ConfigMap');
  }
  const map = scalar(values.webhookTemplateConfigMapName);
  const key = scalar(values.webhookTemplateConfigMapKey);
  if (map !== undefined && key !== undefined) {
    set('WEBHOOK_TEMPLATE_FILE', `/config/${key}`, 'webhookTemplateConfigMapKey');
    warnings.push(`webhookTemplateConfigMapName: mount ConfigMap "${map}" at /config/ in the Deployment (as the chart did)`);
  }
}

function convertExtraEnv(extraEnv: unknown, set: (env: string, value: string, from: string) => void, warnings: string[]): void {
  if (!Array.isArray(extraEnv)) return;
  for (const entry of extraEnv as unknown[]) {
    if (!isTree(entry) || typeof entry.name !== 'string') continue;
    const value = scalar(entry.value);
    if (OUR_ENV.has(entry.name) && value !== undefined) set(entry.name, value, `extraEnv[${entry.name}]`);
    else warnings.push(`extraEnv ${entry.name}: ${OUR_ENV.has(entry.name) ? 'only literal values convert' : 'not one of our settings'}; left out`);
  }
}

/** Runs the result through our own schema, so an unusable value is reported now, by Helm key. */
function validate(settings: readonly NthSetting[]): string[] {
  const env = Object.fromEntries(settings.map((s) => [s.env, s.value]));
  try {
    loadConfigWithSources({ argv: [], env });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const used = error.source?.startsWith('env:') ? error.source.slice(4) : undefined;
    const from = settings.find((s) => s.env === used)?.from;
    return [from === undefined ? error.message : `${from}: ${error.message}`];
  }
}

/** `KEY=value` lines, the format of deploy/base/settings.env (a kustomize env file). */
export function formatEnvLines(settings: readonly NthSetting[], header: string): string {
  const lines = settings.map((s) => `${s.env}=${s.value}`);
  return `${header.split('\n').map((l) => `# ${l}`).join('\n')}\n${lines.join('\n')}\n`;
}

/** A ConfigMap for the Deployment's envFrom; values JSON-quoted (valid YAML double-quoted scalars). */
export function formatConfigMap(settings: readonly NthSetting[], name: string, namespace: string): string {
  const data = settings.map((s) => `  ${s.env}: ${JSON.stringify(s.value)}`);
  return ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', `  name: ${name}`, `  namespace: ${namespace}`,
    data.length > 0 ? 'data:' : 'data: {}', ...data, ''].join('\n');
}

/** Values an env file cannot hold (one line per variable). */
export function multiLineSettings(settings: readonly NthSetting[]): string[] {
  return settings.filter((s) => s.value.includes('\n')).map((s) => s.env);
}
