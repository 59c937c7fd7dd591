// Issue 9 acceptance, doctor: every check passes against the local environment (queue, policy,
// rules, the permission probes, version, RBAC), and a removed EventBridge rule or a missing RBAC
// verb turns exactly its line into a failure that names the fix.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DeleteRuleCommand, RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import { loadAllYaml, type V1ClusterRole, type V1PolicyRule } from '@kubernetes/client-node';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createFleet } from '../../env/helpers/fleet.ts';
import { createNamespace, kubeClients, type KubeClients } from '../../env/helpers/kube.ts';
import { createQueueWithRules } from '../../env/helpers/queue.ts';
import { uniqueName } from '../../env/helpers/wait.ts';
import { doctorLine, runCli } from '../../cli/run-cli.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);

const fleet = await createFleet(aws, kube, { count: 1, terminateHook: {} });
const queue = await createQueueWithRules(aws, { ownEventBus: true });

function doctorEnv(kubeconfig = env.kubeconfig): Record<string, string> {
  return {
    QUEUE_URL: queue.queueUrl, AWS_ENDPOINT: env.awsEndpoint, AWS_REGION: env.region,
    AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', NTH_KUBECONFIG: kubeconfig,
  };
}

const doctor = (kubeconfig?: string, extra: string[] = []) =>
  runCli(['doctor', '--event-bus', queue.eventBusName, '--auto-scaling-group', fleet.autoScalingGroupName, ...extra], doctorEnv(kubeconfig));

/** The ClusterRole rules that deploy/base/rbac.yaml grants the controller. */
function deployedRules(): V1PolicyRule[] {
  const docs: unknown[] = loadAllYaml(readFileSync(new URL('../../../deploy/base/rbac.yaml', import.meta.url), 'utf8'));
  const role = docs.find((d): d is V1ClusterRole => (d as { kind?: string }).kind === 'ClusterRole');
  assert.ok(role?.rules, 'deploy/base/rbac.yaml has a ClusterRole');
  return role.rules;
}

/** A kubeconfig that authenticates as a new ServiceAccount bound to a ClusterRole with `rules`. */
async function serviceAccountKubeconfig(k: KubeClients, rules: V1PolicyRule[]): Promise<string> {
  const namespace = await createNamespace(k, uniqueName('doctor-rbac'));
  const name = 'controller';
  await k.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  await k.rbac.createClusterRole({ body: { metadata: { name: namespace }, rules } });
  await k.rbac.createClusterRoleBinding({
    body: {
      metadata: { name: namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: namespace },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  const token = await k.core.createNamespacedServiceAccountToken({
    namespace, name, body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const file = join(env.dir, `${namespace}.kubeconfig`);
  writeFileSync(file, [
    'apiVersion: v1', 'kind: Config', 'current-context: sa',
    'clusters:', `- name: local`, `  cluster: {server: "${env.kubeServer}", certificate-authority: "${env.kubeCaFile}"}`,
    'users:', `- name: sa`, `  user: {token: "${token.status?.token ?? ''}"}`,
    'contexts:', '- name: sa', '  context: {cluster: local, user: sa}', '',
  ].join('\n'));
  return file;
}

describe('doctor', () => {
  test('passes against the local environment, one line per check', async () => {
    const out = await doctor();
    assert.equal(out.code, 0, out.stdout + out.stderr);
    for (const pattern of [/queue exists and can be read/, /dead-letter queue/, /queue policy lets events.amazonaws.com/,
      /spot interruption warnings → queue: rule/, /ASG terminate lifecycle actions → queue: rule/, /ec2:DescribeInstances: allowed/,
      /sqs:DeleteMessage: allowed/, /autoscaling:CompleteLifecycleAction .*allowed/, /within the tested range/, /create pods\/eviction: allowed/]) {
      assert.equal(doctorLine(out.stdout, pattern)?.mark, 'ok', `${String(pattern)} passes:\n${out.stdout}`);
    }
    // Honest about what an emulator cannot show, and about ReceiveMessage.
    assert.match(out.stdout, /note {2}AWS endpoint .* does not enforce IAM/);
    assert.equal(doctorLine(out.stdout, /sqs:ReceiveMessage/)?.mark, 'skip');
    assert.match(out.stdout, /doctor result: OK/);
  });

  test('a deleted EventBridge rule fails its line, naming the fix', async () => {
    const own = await createQueueWithRules(aws, { ownEventBus: true });
    const ruleName = own.ruleNames.find((n) => n.endsWith('spot-interruption')) ?? '';
    await aws.eventbridge.send(new RemoveTargetsCommand({ Rule: ruleName, EventBusName: own.eventBusName, Ids: ['queue'] }));
    await aws.eventbridge.send(new DeleteRuleCommand({ Name: ruleName, EventBusName: own.eventBusName }));
    const out = await runCli(['doctor', '--event-bus', own.eventBusName], { ...doctorEnv(), QUEUE_URL: own.queueUrl });
    assert.equal(out.code, 1, out.stdout);
    const line = doctorLine(out.stdout, /spot interruption warnings → queue/);
    assert.equal(line?.mark, 'FAIL', out.stdout);
    assert.match(line?.text ?? '', /no rule on bus .* sends these events to the queue/);
    assert.match(line?.fix ?? '', /cdk deploy.*EC2 Spot Instance Interruption Warning/);
    // Every other kind still has its rule.
    assert.equal(doctorLine(out.stdout, /rebalance recommendations → queue/)?.mark, 'ok');
  });

  test("passes as a ServiceAccount with deploy/base/rbac.yaml's rules, and names the missing verb when eviction is taken away", async () => {
    const rules = deployedRules();
    const full = await doctor(await serviceAccountKubeconfig(kube, rules));
    for (const verb of ['list nodes', 'watch nodes', 'get nodes', 'patch nodes', 'list pods', 'watch pods', 'delete pods', 'create pods/eviction', 'create events']) {
      assert.equal(doctorLine(full.stdout, new RegExp(`  ${verb}: `))?.mark, 'ok', `${verb} with the deployed ClusterRole:\n${full.stdout}`);
    }

    const withoutEviction = rules.filter((r) => !(r.resources ?? []).includes('pods/eviction'));
    assert.equal(withoutEviction.length, rules.length - 1);
    const out = await doctor(await serviceAccountKubeconfig(kube, withoutEviction));
    assert.equal(out.code, 1, out.stdout);
    const line = doctorLine(out.stdout, /create pods\/eviction/);
    assert.equal(line?.mark, 'FAIL', out.stdout);
    assert.match(line?.text ?? '', /denied for context sa/);
    assert.match(line?.fix ?? '', /resources: \["pods\/eviction"\], verbs: \["create"\]/);
    assert.equal(doctorLine(out.stdout, / {2}list pods: /)?.mark, 'ok');
  });

  test('an unreachable queue fails the queue line, and a missing QUEUE_URL says what to set', async () => {
    const gone = await runCli(['doctor'], { ...doctorEnv(), QUEUE_URL: `${env.awsEndpoint}/123456789012/no-such-queue` });
    assert.equal(gone.code, 1);
    assert.equal(doctorLine(gone.stdout, /cannot be read/)?.mark, 'FAIL', gone.stdout);
    const unset = await runCli(['doctor'], { ...doctorEnv(), QUEUE_URL: '' });
    assert.equal(unset.code, 1);
    assert.match(doctorLine(unset.stdout, /QUEUE_URL is not set/)?.fix ?? '', /QueueUrl output/);
  });
});
