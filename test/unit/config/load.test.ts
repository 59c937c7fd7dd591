import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig, loadConfigWithSources, type ConfigErrorCode } from '../../../lib/config/index.ts';

type Env = Record<string, string | undefined>;

const load = (argv: string[] = [], env: Env = {}) => loadConfig({ argv, env });

/** Asserts the exact one-line message and the error code. */
function fails(argv: string[], env: Env, code: ConfigErrorCode, message: string): void {
  assert.throws(
    () => load(argv, env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      assert.equal(err.message, message);
      assert.equal(err.code, code);
      assert.ok(!err.message.includes('\n'));
      return true;
    },
  );
}

describe('defaults', () => {
  test('an empty input yields every default', () => {
    const config = load();
    assert.equal(config.queueUrl, '');
    assert.equal(config.workers, 10);
    assert.equal(config.checkTagBeforeDraining, true);
    assert.equal(config.managedTag, 'aws-node-termination-handler/managed');
    assert.equal(config.taintEffect, 'NoSchedule');
    assert.equal(config.podTerminationGracePeriod, -1);
    assert.equal(config.nodeTerminationGracePeriod, 120);
    assert.equal(config.heartbeatInterval, 60);
    assert.equal(config.heartbeatUntil, 3600);
    assert.equal(config.deleteSqsMsgIfNodeNotFound, true);
    assert.equal(config.kubeApiQps, 100);
    assert.equal(config.kubeApiBurst, 200);
    assert.deepEqual(config.webhookHeaders, {});
    assert.equal(config.jsonLogging, undefined);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.prometheusServerPort, 9092);
    assert.equal(config.probesServerPort, 8080);
    assert.equal(config.probesServerEndpoint, '/healthz');
    assert.deepEqual(config.kubernetesEventsExtraAnnotations, {});
    assert.equal(config.rebalanceAction, 'drain');
    assert.deepEqual(config.stateChangeDrainStates, ['stopping', 'stopped', 'shutting-down', 'terminated']);
    assert.equal(config.scheduledChangeLeadTime, -1);
    assert.equal(config.launchTimeout, 600);
    assert.equal(config.lifecycleResultOnFailure, 'CONTINUE');
    assert.equal(config.lifecycleResultOnNodeNotFound, 'CONTINUE');
    assert.equal(config.forceUnmanagedPods, true);
    assert.equal(config.visibilityTimeout, 60);
    assert.equal(config.readinessWindow, 60);
    assert.equal(config.kubeconfig, '');
  });

  test('the result is frozen, nested values too', () => {
    const config = load();
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.stateChangeDrainStates));
    assert.ok(Object.isFrozen(config.webhookHeaders));
  });

  test('unrelated environment variables are ignored', () => {
    assert.equal(load([], { PATH: '/bin', HOME: '/root', NTHX: '1', nth_lower: 'x' }).workers, 10);
  });
});

describe('flags and env', () => {
  test('--flag value, --flag=value and env all parse', () => {
    assert.equal(load(['--workers', '3']).workers, 3);
    assert.equal(load(['--workers=4']).workers, 4);
    assert.equal(load([], { WORKERS: '5' }).workers, 5);
    assert.equal(load(['--managed-tag=a=b']).managedTag, 'a=b');
    assert.equal(load(['--pod-termination-grace-period', '-1']).podTerminationGracePeriod, -1);
  });

  test('precedence: flag > env > default', () => {
    const both = loadConfigWithSources({ argv: ['--workers', '3'], env: { WORKERS: '5' } });
    assert.equal(both.config.workers, 3);
    assert.equal(both.sources.workers, 'flag:--workers');
    const env = loadConfigWithSources({ argv: [], env: { WORKERS: '5' } });
    assert.equal(env.config.workers, 5);
    assert.equal(env.sources.workers, 'env:WORKERS');
    assert.equal(env.sources.logLevel, 'default');
  });

  test('a flag wins even over an invalid env value', () => {
    assert.equal(load(['--workers=2'], { WORKERS: 'many' }).workers, 2);
  });

  test('an empty env variable counts as unset (NTH Helm charts render unset values as "")', () => {
    const loaded = loadConfigWithSources({ argv: [], env: { WORKERS: '', JSON_LOGGING: '', PROBES_SERVER_ENDPOINT: '' } });
    assert.equal(loaded.config.workers, 10);
    assert.equal(loaded.config.jsonLogging, undefined);
    assert.equal(loaded.config.probesServerEndpoint, '/healthz');
    assert.equal(loaded.sources.workers, 'default');
  });

  test('an empty flag value is passed to the parser', () => {
    assert.equal(load(['--queue-url=']).queueUrl, '');
    assert.deepEqual(load(['--state-change-drain-states=']).stateChangeDrainStates, []);
  });

  test('the last of a repeated flag wins', () => {
    assert.equal(load(['--workers=2', '--workers', '7']).workers, 7);
  });
});

describe('booleans', () => {
  test('bare flag is true, --no- is false, =value parses', () => {
    assert.equal(load(['--dry-run']).dryRun, true);
    assert.equal(load(['--no-delete-local-data']).deleteLocalData, false);
    assert.equal(load(['--dry-run=yes']).dryRun, true);
    assert.equal(load(['--dry-run=0']).dryRun, false);
    assert.equal(load([], { DRY_RUN: 'YES' }).dryRun, true);
    assert.equal(load([], { CORDON_ONLY: 'No' }).cordonOnly, false);
  });

  test('--no- overrides env and is reported as the source', () => {
    const loaded = loadConfigWithSources({ argv: ['--no-ignore-daemon-sets'], env: { IGNORE_DAEMON_SETS: 'true' } });
    assert.equal(loaded.config.ignoreDaemonSets, false);
    assert.equal(loaded.sources.ignoreDaemonSets, 'flag:--no-ignore-daemon-sets');
  });

  test('optional boolean: unset, flag, --no-, env', () => {
    assert.equal(load().jsonLogging, undefined);
    assert.equal(load(['--json-logging']).jsonLogging, true);
    assert.equal(load(['--no-json-logging']).jsonLogging, false);
    assert.equal(load([], { JSON_LOGGING: 'false' }).jsonLogging, false);
  });

  test('a boolean flag does not swallow the next word', () => {
    fails(['--dry-run', 'false'], {}, 'unexpected-argument',
      'unexpected argument "false"; boolean flags take no separate value; write --dry-run=false');
  });

  test('--no- with a value, and --no- on a non-boolean', () => {
    fails(['--no-dry-run=true'], {}, 'invalid-value', '--no-dry-run takes no value; use --dry-run=true instead');
    fails(['--no-workers'], {}, 'unknown-flag', 'unknown flag --no-workers; --no- applies only to boolean options');
  });
});

describe('aliases', () => {
  test('KUBECONFIG supplies NTH_KUBECONFIG and is reported as the source', () => {
    const loaded = loadConfigWithSources({ argv: [], env: { KUBECONFIG: '/etc/kube' } });
    assert.equal(loaded.config.kubeconfig, '/etc/kube');
    assert.equal(loaded.sources.kubeconfig, 'env:KUBECONFIG');
  });
  test('the canonical name wins over the alias; an empty canonical falls through', () => {
    const env = { NTH_KUBECONFIG: '/ours', KUBECONFIG: '/theirs' };
    assert.equal(load([], env).kubeconfig, '/ours');
    assert.equal(load([], { NTH_KUBECONFIG: '', KUBECONFIG: '/theirs' }).kubeconfig, '/theirs');
    assert.equal(load(['--kubeconfig=/flag'], env).kubeconfig, '/flag');
  });
});

describe('invalid values', () => {
  test('enum (the example from the design)', () => {
    fails([], { TAINT_EFFECT: 'NoScheduleX' }, 'invalid-value',
      'invalid TAINT_EFFECT (--taint-effect): "NoScheduleX"; allowed: NoSchedule, PreferNoSchedule, NoExecute');
  });
  test('integer out of range, from a flag', () => {
    fails(['--workers=0'], {}, 'invalid-value', 'invalid WORKERS (--workers): "0"; allowed: an integer from 1 to 1000');
  });
  test('boolean', () => {
    fails([], { DRY_RUN: 'maybe' }, 'invalid-value', 'invalid DRY_RUN (--dry-run): "maybe"; allowed: true, false, 1, 0, yes, no');
  });
  test('duration', () => {
    fails([], { HEARTBEAT_INTERVAL: '2h' }, 'invalid-value',
      'invalid HEARTBEAT_INTERVAL (--heartbeat-interval): "2h"; allowed: seconds from 1 to 3600 (e.g. 90, 90s, 5m, 1h30m)');
  });
  test('number', () => {
    fails(['--kube-api-qps', '0'], {}, 'invalid-value', 'invalid KUBE_API_QPS (--kube-api-qps): "0"; allowed: a number > 0');
  });
  test('list item', () => {
    fails([], { NTH_STATE_CHANGE_DRAIN_STATES: 'stopping,stoped' }, 'invalid-value',
      'invalid NTH_STATE_CHANGE_DRAIN_STATES (--state-change-drain-states): "stopping,stoped"; ' +
        'allowed: a comma-separated list of: pending, running, stopping, stopped, shutting-down, terminated');
  });
  test('key=value map', () => {
    fails([], { KUBERNETES_EVENTS_EXTRA_ANNOTATIONS: 'team' }, 'invalid-value',
      'invalid KUBERNETES_EVENTS_EXTRA_ANNOTATIONS (--kubernetes-events-extra-annotations): "team"; ' +
        'allowed: comma-separated key=value pairs with non-empty, distinct keys (e.g. team=a,env=prod)');
  });
  test('url and region', () => {
    fails([], { QUEUE_URL: 'sqs/queue' }, 'invalid-value',
      'invalid QUEUE_URL (--queue-url): "sqs/queue"; allowed: an http:// or https:// URL, or empty');
    fails([], { AWS_REGION: 'us_east_1' }, 'invalid-value',
      'invalid AWS_REGION (--aws-region): "us_east_1"; allowed: an AWS region such as us-east-1, or empty');
  });
  test('secrets are never echoed', () => {
    fails([], { WEBHOOK_HEADERS: '{"Authorization": 42}' }, 'invalid-value',
      'invalid WEBHOOK_HEADERS (--webhook-headers): <redacted, 21 chars>; ' +
        'allowed: a JSON object with string values (e.g. {"Authorization":"Bearer x"}), or empty');
    assert.throws(() => load(['--webhook-url', 'hooks.slack.com/T0/secret']), (err: unknown) =>
      err instanceof ConfigError && !err.message.includes('secret') && err.option === 'webhookUrl');
  });
  test('a multi-line value stays on one line, long values are cut', () => {
    fails([], { WORKERS: '1\n2' }, 'invalid-value', 'invalid WORKERS (--workers): "1\\n2"; allowed: an integer from 1 to 1000');
    assert.throws(() => load([], { WORKERS: 'x'.repeat(500) }), (err: unknown) =>
      err instanceof ConfigError && err.message.length < 250 && err.message.includes('…'));
  });
  test('the error carries the option and the source', () => {
    assert.throws(() => load([], { LOG_LEVEL: 'verbose' }), (err: unknown) =>
      err instanceof ConfigError && err.option === 'logLevel' && err.source === 'env:LOG_LEVEL' && err.name === 'ConfigError');
  });
  test('enum words are case-insensitive', () => {
    assert.equal(load([], { LOG_LEVEL: 'DEBUG' }).logLevel, 'debug');
    assert.equal(load(['--lifecycle-result-on-failure', 'abandon']).lifecycleResultOnFailure, 'ABANDON');
  });
});

describe('unknown input', () => {
  test('unknown flag, with a suggestion when one is close', () => {
    fails(['--queue-ur', 'x'], {}, 'unknown-flag', 'unknown flag --queue-ur; did you mean --queue-url?');
    fails(['--frobnicate'], {}, 'unknown-flag', 'unknown flag --frobnicate');
    fails(['-queue-url', 'x'], {}, 'unknown-flag', 'unknown flag -queue-url; flags start with --; did you mean --queue-url?');
  });
  test('positional argument', () => {
    fails(['run'], {}, 'unexpected-argument', 'unexpected argument "run"; options are given as --name value or --name=value');
  });
  test('missing value', () => {
    fails(['--workers'], {}, 'missing-value', 'missing value for WORKERS (--workers); allowed: an integer from 1 to 1000');
    fails(['--managed-tag', '--dry-run'], {}, 'missing-value',
      'missing value for MANAGED_TAG (--managed-tag); allowed: any non-empty text');
  });
  test('unknown NTH_ env variable', () => {
    fails([], { NTH_REBALANCE_ACTON: 'drain' }, 'unknown-env',
      'unknown environment variable NTH_REBALANCE_ACTON: the NTH_ prefix is reserved for options; did you mean NTH_REBALANCE_ACTION?');
    fails([], { NTH_WHATEVER: '' }, 'unknown-env',
      'unknown environment variable NTH_WHATEVER: the NTH_ prefix is reserved for options');
  });
  test('Kubernetes service-link variables of a Service named nth… are not typos', () => {
    const env = {
      NTH_SERVICE_HOST: '10.0.0.1', NTH_SERVICE_PORT: '8080', NTH_SERVICE_PORT_METRICS: '9092', NTH_PORT: 'tcp://10.0.0.1:8080',
      NTH_PORT_8080_TCP: 'tcp://10.0.0.1:8080', NTH_PORT_8080_TCP_PROTO: 'tcp', NTH_PORT_8080_TCP_PORT: '8080',
      NTH_PORT_8080_TCP_ADDR: '10.0.0.1', NTH_METRICS_SERVICE_HOST: '10.0.0.2', NTH_METRICS_PORT_9092_TCP: 'tcp://x',
    };
    assert.equal(load([], env).workers, 10);
  });
});

describe('cross-field checks', () => {
  test('HEARTBEAT_UNTIL must be >= HEARTBEAT_INTERVAL', () => {
    fails([], { HEARTBEAT_INTERVAL: '120', HEARTBEAT_UNTIL: '60' }, 'conflict',
      'invalid HEARTBEAT_UNTIL (--heartbeat-until): 60; must be >= HEARTBEAT_INTERVAL (--heartbeat-interval), which is 120');
    assert.equal(load([], { HEARTBEAT_INTERVAL: '120', HEARTBEAT_UNTIL: '120' }).heartbeatUntil, 120);
  });
  test('WEBHOOK_TEMPLATE and WEBHOOK_TEMPLATE_FILE are exclusive', () => {
    fails(['--webhook-template-file=/t'], { WEBHOOK_TEMPLATE: 'x' }, 'conflict',
      'conflicting WEBHOOK_TEMPLATE (--webhook-template) and WEBHOOK_TEMPLATE_FILE (--webhook-template-file): set only one');
  });
  test('metrics and probes may share a port only when one is disabled', () => {
    fails(['--probes-server-port=9092'], {}, 'conflict',
      'conflicting PROMETHEUS_SERVER_PORT (--prometheus-server-port) and PROBES_SERVER_PORT (--probes-server-port): ' +
        'both are 9092 while both servers are enabled');
    assert.equal(load(['--probes-server-port=9092', '--no-enable-prometheus-server']).probesServerPort, 9092);
  });
});
