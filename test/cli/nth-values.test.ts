// config --from-nth-values: an NTH Helm values file becomes our env lines (or a ConfigMap), each
// value checked by our schema; keys with no equivalent are warned about, never silently dropped.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../lib/config/index.ts';
import { convertNthValues } from '../../lib/config/nth-values.ts';
import { runCli } from './run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'nth-values-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function valuesFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const VALUES = `
enableSqsTerminationDraining: true
queueURL: "https://sqs.us-east-1.amazonaws.com/123456789012/nth-queue"
awsRegion: ""
checkASGTagBeforeDraining: false
managedAsgTag: "old/tag"
managedTag: "team/managed"
cordonOnly: false
taintNode: true
taintEffect: PreferNoSchedule
deleteLocalData: true
ignoreDaemonSets: true
podTerminationGracePeriod: 45
gracePeriod: 10
nodeTerminationGracePeriod: 240
webhookURL: ""
webhookTemplate: '{"text":"[NTH] {{ .EventID }}"}'
jsonLogging: true
logLevel: DEBUG
enablePrometheusServer: true
prometheusServerPort: 9093
workers: 5
heartbeatInterval: 30
heartbeatUntil: 600
deleteSqsMsgIfNodeNotFound: false
emitKubernetesEvents: true
enableRebalanceMonitoring: true
metadataTries: 3
logFormatVersion: 2
image:
  repository: public.ecr.aws/aws-ec2/aws-node-termination-handler
  tag: v1.25.0
resources: {limits: {memory: 128Mi}}
probes: {httpGet: {path: /healthz, port: 8081}}
webhookURLSecretName: nth-webhook
extraEnv:
  - name: NTH_REBALANCE_ACTION
    value: cordon
  - name: HTTPS_PROXY
    value: http://proxy.example.com:3128
`;

describe('config --from-nth-values', () => {
  test('maps each Helm key to our env name; the lines load as our configuration', async () => {
    const out = await runCli(['config', '--from-nth-values', valuesFile('values.yaml', VALUES)]);
    assert.equal(out.code, 0, out.stderr);
    const env = Object.fromEntries(out.stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    assert.deepEqual(env, {
      QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/nth-queue',
      WORKERS: '5',
      CHECK_TAG_BEFORE_DRAINING: 'false',
      MANAGED_TAG: 'team/managed', // the current key wins over the deprecated managedAsgTag
      CORDON_ONLY: 'false',
      TAINT_NODE: 'true',
      TAINT_EFFECT: 'PreferNoSchedule',
      DELETE_LOCAL_DATA: 'true',
      IGNORE_DAEMON_SETS: 'true',
      POD_TERMINATION_GRACE_PERIOD: '45', // over the deprecated gracePeriod
      NODE_TERMINATION_GRACE_PERIOD: '240',
      HEARTBEAT_INTERVAL: '30',
      HEARTBEAT_UNTIL: '600',
      DELETE_SQS_MSG_IF_NODE_NOT_FOUND: 'false',
      WEBHOOK_TEMPLATE: '{"text":"[NTH] {{ .EventID }}"}',
      JSON_LOGGING: 'true',
      LOG_LEVEL: 'debug',
      ENABLE_PROMETHEUS_SERVER: 'true',
      PROMETHEUS_SERVER_PORT: '9093',
      PROBES_SERVER_PORT: '8081',
      PROBES_SERVER_ENDPOINT: '/healthz',
      EMIT_KUBERNETES_EVENTS: 'true',
      NTH_REBALANCE_ACTION: 'cordon',
    });
    const config = loadConfig({ argv: [], env });
    assert.equal(config.taintEffect, 'PreferNoSchedule');
    assert.equal(config.podTerminationGracePeriod, 45);
    assert.equal(config.rebalanceAction, 'cordon');

    for (const warning of [/HTTPS_PROXY: not one of our settings/, /logFormatVersion: no equivalent/, /webhookURLSecretName: set WEBHOOK_URL .*Secret "nth-webhook"/,
      /Deployment settings, set in deploy\/.*image, resources, probes/, /IMDS-mode only.*enableRebalanceMonitoring, metadataTries/]) {
      assert.match(out.stderr, new RegExp(`^warning: .*${warning.source}`, 'm'));
    }
    // Defaults: both keys present, so no note about NTH's differing defaults for them.
    assert.doesNotMatch(out.stderr, /deleteSqsMsgIfNodeNotFound is not in the file/);
  });

  test('--output configmap prints a ConfigMap with the same values', async () => {
    const out = await runCli(['config', '--from-nth-values', valuesFile('cm.yaml', VALUES), '--output', 'configmap', '--name', 'nth-settings', '--namespace', 'ops']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^apiVersion: v1\nkind: ConfigMap\nmetadata:\n {2}name: nth-settings\n {2}namespace: ops\ndata:\n/);
    assert.match(out.stdout, /^ {2}TAINT_EFFECT: "PreferNoSchedule"$/m);
    assert.match(out.stdout, /^ {2}WEBHOOK_TEMPLATE: "\{\\"text\\":\\"\[NTH\] \{\{ \.EventID \}\}\\"\}"$/m);
  });

  test('a value our schema rejects names the Helm key and fails', async () => {
    const out = await runCli(['config', '--from-nth-values', valuesFile('bad.yaml', 'enableSqsTerminationDraining: true\ntaintEffect: Sometimes\n')]);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /^error: taintEffect: invalid TAINT_EFFECT \(--taint-effect\): "Sometimes"; allowed: NoSchedule, PreferNoSchedule, NoExecute$/m);
    assert.equal(out.stdout, '');
  });

  test('IMDS-mode files, unreadable files and broken YAML are reported', async () => {
    const imds = await runCli(['config', '--from-nth-values', valuesFile('imds.yaml', 'enableSqsTerminationDraining: false\nenableSpotInterruptionDraining: true\n')]);
    assert.equal(imds.code, 0);
    assert.match(imds.stderr, /enableSqsTerminationDraining is not true: this file runs NTH in IMDS mode/);
    assert.match(imds.stderr, /deleteSqsMsgIfNodeNotFound is not in the file and NTH's default \(false\) differs from ours \(true\)/);
    assert.match(imds.stderr, /heartbeatInterval is not in the file: NTH sends no lifecycle heartbeats/);
    const missing = await runCli(['config', '--from-nth-values', join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope\.yaml/);
    const broken = await runCli(['config', '--from-nth-values', valuesFile('broken.yaml', 'queueURL: [\n')]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /is not valid YAML/);
    const stdin = await runCli(['config', '--from-nth-values', '-'], {}, { input: 'enableSqsTerminationDraining: true\nworkers: 3\n' });
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.match(stdin.stdout, /^WORKERS=3$/m);
  });

  test('multi-line values cannot go in an env file; the ConfigMap holds them', () => {
    const result = convertNthValues({ enableSqsTerminationDraining: true, webhookTemplate: 'line one\nline two' });
    assert.deepEqual(result.errors, []);
    assert.equal(result.settings.find((s) => s.env === 'WEBHOOK_TEMPLATE')?.value, 'line one\nline two');
  });

  test('extraEnv with one of our names converts; a deprecated key alone is used', () => {
    const result = convertNthValues({ enableSqsTerminationDraining: true, checkASGTagBeforeDraining: 'false', extraEnv: [{ name: 'NTH_LAUNCH_TIMEOUT', value: '300' }] });
    assert.deepEqual(result.settings.map((s) => [s.env, s.value, s.from]), [
      ['CHECK_TAG_BEFORE_DRAINING', 'false', 'checkASGTagBeforeDraining'],
      ['NTH_LAUNCH_TIMEOUT', '300', 'extraEnv[NTH_LAUNCH_TIMEOUT]'],
    ]);
  });
});
