import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OPTIONS, loadConfig, type Config } from '../../../lib/config/index.ts';
import { flagOf } from '../../../lib/config/option.ts';

// The env names DESIGN §4 promises to share with aws-node-termination-handler.
const NTH_ENV_NAMES = [
  'QUEUE_URL', 'AWS_REGION', 'AWS_ENDPOINT', 'WORKERS', 'CHECK_TAG_BEFORE_DRAINING', 'MANAGED_TAG', 'USE_PROVIDER_ID',
  'CORDON_ONLY', 'TAINT_NODE', 'TAINT_EFFECT', 'ENABLE_OUT_OF_SERVICE_TAINT', 'EXCLUDE_FROM_LOAD_BALANCERS',
  'DELETE_LOCAL_DATA', 'IGNORE_DAEMON_SETS', 'POD_TERMINATION_GRACE_PERIOD', 'NODE_TERMINATION_GRACE_PERIOD',
  'HEARTBEAT_INTERVAL', 'HEARTBEAT_UNTIL', 'COMPLETE_LIFECYCLE_ACTION_DELAY_SECONDS', 'DELETE_SQS_MSG_IF_NODE_NOT_FOUND',
  'KUBE_API_QPS', 'KUBE_API_BURST', 'DRY_RUN', 'WEBHOOK_URL', 'WEBHOOK_HEADERS', 'WEBHOOK_TEMPLATE',
  'WEBHOOK_TEMPLATE_FILE', 'WEBHOOK_PROXY', 'JSON_LOGGING', 'LOG_LEVEL', 'ENABLE_PROMETHEUS_SERVER',
  'PROMETHEUS_SERVER_PORT', 'ENABLE_PROBES_SERVER', 'PROBES_SERVER_PORT', 'PROBES_SERVER_ENDPOINT',
  'EMIT_KUBERNETES_EVENTS', 'KUBERNETES_EVENTS_EXTRA_ANNOTATIONS', 'POD_NAME', 'NAMESPACE',
];

describe('schema', () => {
  test('NTH-compatible options keep NTH names; all others carry the NTH_ prefix', () => {
    const canonical = OPTIONS.map((o) => o.spec.env[0]);
    assert.deepEqual(canonical.filter((n) => !n.startsWith('NTH_')).sort(), [...NTH_ENV_NAMES].sort());
  });

  test('flags and env names are unique', () => {
    const flags = OPTIONS.map((o) => o.flag);
    assert.equal(new Set(flags).size, flags.length);
    const envs = OPTIONS.flatMap((o) => o.spec.env);
    assert.equal(new Set(envs).size, envs.length);
  });

  test('each flag is its canonical env name in kebab case, minus NTH_', () => {
    for (const { flag, spec } of OPTIONS) {
      assert.equal(flag, `--${spec.env[0].replace(/^NTH_/, '').toLowerCase().replaceAll('_', '-')}`);
    }
  });

  test('flagOf derives kebab-case', () => {
    assert.equal(flagOf('queueUrl'), '--queue-url');
    assert.equal(flagOf('kubeApiQps'), '--kube-api-qps');
    assert.equal(flagOf('workers'), '--workers');
  });

  test('descriptions are single non-empty lines', () => {
    for (const { name, spec } of OPTIONS) {
      assert.ok(spec.description.length > 0 && !spec.description.includes('\n'), name);
      assert.ok(spec.description.length <= 100, `${name}: description too long for --help`);
    }
  });

  test('only the webhook URL and headers are secret', () => {
    assert.deepEqual(OPTIONS.filter((o) => o.spec.secret).map((o) => o.name), ['webhookUrl', 'webhookHeaders']);
  });

  test('KUBECONFIG is an alias of NTH_KUBECONFIG', () => {
    assert.deepEqual(OPTIONS.find((o) => o.name === 'kubeconfig')?.spec.env, ['NTH_KUBECONFIG', 'KUBECONFIG']);
  });
});

// Config is derived from the schema. This pins the derived type to the intended one, so a schema
// edit that changes a field's type, optionality or readonly-ness fails `npm run typecheck`.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expected = {
  readonly queueUrl: string;
  readonly awsRegion: string;
  readonly awsEndpoint: string;
  readonly workers: number;
  readonly checkTagBeforeDraining: boolean;
  readonly managedTag: string;
  readonly useProviderId: boolean;
  readonly cordonOnly: boolean;
  readonly taintNode: boolean;
  readonly taintEffect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  readonly enableOutOfServiceTaint: boolean;
  readonly excludeFromLoadBalancers: boolean;
  readonly deleteLocalData: boolean;
  readonly ignoreDaemonSets: boolean;
  readonly podTerminationGracePeriod: number;
  readonly nodeTerminationGracePeriod: number;
  readonly heartbeatInterval: number;
  readonly heartbeatUntil: number;
  readonly completeLifecycleActionDelaySeconds: number;
  readonly deleteSqsMsgIfNodeNotFound: boolean;
  readonly kubeApiQps: number;
  readonly kubeApiBurst: number;
  readonly kubeApiMaxInFlight: number;
  readonly dryRun: boolean;
  readonly webhookUrl: string;
  readonly webhookHeaders: Readonly<Record<string, string>>;
  readonly webhookTemplate: string;
  readonly webhookTemplateFile: string;
  readonly webhookProxy: string;
  readonly webhookTimeout: number;
  readonly webhookRetries: number;
  readonly jsonLogging: boolean | undefined;
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  readonly enablePrometheusServer: boolean;
  readonly prometheusServerPort: number;
  readonly enableProbesServer: boolean;
  readonly probesServerPort: number;
  readonly probesServerEndpoint: string;
  readonly emitKubernetesEvents: boolean;
  readonly kubernetesEventsExtraAnnotations: Readonly<Record<string, string>>;
  readonly podName: string;
  readonly namespace: string;
  readonly rebalanceAction: 'drain' | 'cordon' | 'taint' | 'none';
  readonly uncordonOnRunning: boolean;
  readonly stateChangeDrainStates: readonly ('pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated')[];
  readonly scheduledChangeLeadTime: number;
  readonly launchTimeout: number;
  readonly lifecycleResultOnFailure: 'CONTINUE' | 'ABANDON';
  readonly lifecycleResultOnNodeNotFound: 'CONTINUE' | 'ABANDON';
  readonly forceUnmanagedPods: boolean;
  readonly forceDeleteAtDeadline: boolean;
  readonly visibilityTimeout: number;
  readonly readinessWindow: number;
  readonly claimLeaseDuration: number;
  readonly failpoints: readonly string[];
  readonly kubeconfig: string;
};
const configTypeIsPinned: Equal<Config, Expected> = true;

test('Config type matches the schema (checked by tsc); loaded keys match the options', () => {
  assert.equal(configTypeIsPinned, true);
  assert.deepEqual(Object.keys(loadConfig({ argv: [], env: {} })), OPTIONS.map((o) => o.name));
});
