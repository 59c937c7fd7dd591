// Issue 7: a replica killed with SIGKILL mid-drain at several points; another replica finishes:
// the drain completes, heartbeats go on, CompleteLifecycleAction is called exactly once with
// CONTINUE, and the message is deleted. Progress that matters lives on the queue and the Node.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { asgTerminateLifecycleAction } from '../../fixtures/events/index.ts';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createFleet } from '../../env/helpers/fleet.ts';
import { createNamespace, kubeClients } from '../../env/helpers/kube.ts';
import { createQueueWithRules, putEvents } from '../../env/helpers/queue.ts';
import { sleep, uniqueName, waitFor } from '../../env/helpers/wait.ts';
import { queueDepth } from '../pipeline/harness.ts';
import { pinDeployment, runningPodsOn } from '../pipeline/workload.ts';
import { Replica, type LogLine } from './replica.ts';

const env = await useEnvironment();
const kube = kubeClients(env);
const aws = awsClients(env);
const replicas: Replica[] = [];
after(async () => {
  for (const r of replicas) await r.stop();
});

const SETTINGS = { HEARTBEAT_INTERVAL: '1', HEARTBEAT_UNTIL: '120', NTH_CLAIM_LEASE_DURATION: '5', NTH_VISIBILITY_TIMEOUT: '10' };

interface KillPoint {
  name: string;
  /** Settings of the replica that dies (failpoints). */
  victimSettings?: Record<string, string>;
  /** Whether a PDB holds the drain until the victim is dead. */
  held: boolean;
  /** Waits for the moment, then kills the victim (unless a failpoint kills it). */
  kill: (victim: Replica, ctx: { groupName: string }) => Promise<void>;
}

const heartbeatsOf = async (groupName: string) =>
  (await env.moto.lifecycleCalls()).filter((c) => c.autoScalingGroupName === groupName && c.call === 'RecordLifecycleActionHeartbeat' && c.outcome === 'ok');

const KILL_POINTS: KillPoint[] = [
  {
    name: 'right after the cordon',
    victimSettings: { NTH_FAILPOINTS: 'after-cordon' },
    held: true,
    kill: async (victim) => {
      await victim.exited;
    },
  },
  {
    name: 'during evictions (a PDB refusing them)',
    held: true,
    kill: async (victim) => {
      await victim.waitForLog('an eviction refused', (l: LogLine) => typeof l.msg === 'string' && l.msg.startsWith('eviction refused for now'));
      victim.kill9();
    },
  },
  {
    name: 'during heartbeats',
    held: true,
    kill: async (victim, { groupName }) => {
      await waitFor('two heartbeats from the victim', async () => {
        const n = (await heartbeatsOf(groupName)).length;
        return { done: n >= 2, seen: `${n} heartbeats` };
      });
      victim.kill9();
    },
  },
  {
    name: 'after the hook was completed, before the message was deleted',
    victimSettings: { NTH_FAILPOINTS: 'after-lifecycle-complete' },
    held: false,
    kill: async (victim) => {
      await victim.exited;
    },
  },
];

describe('crash safety: kill -9 a replica mid-drain, another one finishes', () => {
  for (const point of KILL_POINTS) {
    test(`killed ${point.name}`, async () => {
      const namespace = await createNamespace(kube, uniqueName('crash'));
      const fleet = await createFleet(aws, kube, { count: 1, terminateHook: { heartbeatTimeout: 60 } });
      const instance = fleet.instances[0];
      assert.ok(instance && fleet.terminateHookName);
      await pinDeployment(kube, namespace, 'app', instance.nodeName, 2);
      if (point.held) {
        await kube.policy.createNamespacedPodDisruptionBudget({
          namespace, body: { metadata: { name: 'hold' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'app' } } } },
        });
      }
      const queue = await createQueueWithRules(aws, { ownEventBus: true });
      const victim = Replica.start(env, queue, uniqueName('victim'), { ...SETTINGS, ...point.victimSettings });
      replicas.push(victim);
      await victim.waitForLog('consuming', (l) => l.msg === 'node index loaded; consuming the queue');
      const token = await env.moto.startLifecycleAction({
        autoScalingGroupName: fleet.autoScalingGroupName, lifecycleHookName: fleet.terminateHookName, instanceId: instance.instanceId,
      });
      await putEvents(aws, [asgTerminateLifecycleAction({
        instanceId: instance.instanceId, autoScalingGroupName: fleet.autoScalingGroupName,
        lifecycleHookName: fleet.terminateHookName, lifecycleActionToken: token, time: new Date(), id: uniqueName('term'),
      })], queue.eventBusName);

      await point.kill(victim, { groupName: fleet.autoScalingGroupName });
      await victim.exited;
      const killedAt = Date.now() / 1000;
      assert.equal(victim.running, false);

      const survivor = Replica.start(env, queue, uniqueName('survivor'), SETTINGS);
      replicas.push(survivor);
      if (point.held) {
        // The drain stays held a while after the survivor took it over, so it must heartbeat too.
        await survivor.waitForLog('the drain resumed', (l) => l.msg === 'drain started', 60_000);
        await sleep(2500);
        await kube.policy.deleteNamespacedPodDisruptionBudget({ namespace, name: 'hold' });
      }
      await waitFor('the node drained', async () => {
        const pods = await runningPodsOn(kube, namespace, instance.nodeName);
        return { done: pods === 0, seen: `${pods} pods` };
      }, { timeoutMs: 60_000 });
      await waitFor('the message deleted', async () => {
        const depth = await queueDepth(aws, queue.queueUrl);
        return { done: depth === 0, seen: `${depth} messages` };
      }, { timeoutMs: 60_000 });
      const recoveredAt = Date.now() / 1000;
      await sleep(1000);
      const calls = (await env.moto.lifecycleCalls()).filter((c) => c.autoScalingGroupName === fleet.autoScalingGroupName);
      const completions = calls.filter((c) => c.call === 'CompleteLifecycleAction');
      assert.equal(completions.length, 1, `CompleteLifecycleAction exactly once: ${JSON.stringify(completions)}`);
      assert.equal(completions[0]?.result, 'CONTINUE');
      assert.equal(completions[0]?.token, token);
      assert.equal(completions[0]?.outcome, 'ok');
      assert.equal(calls.filter((c) => c.call === 'Expired').length, 0, 'the hook never expired');
      if (point.held) {
        const later = calls.filter((c) => c.call === 'RecordLifecycleActionHeartbeat' && c.outcome === 'ok' && c.time > killedAt);
        assert.ok(later.length >= 1, 'heartbeats went on after the crash');
      }
      const took = (recoveredAt - killedAt).toFixed(1);
      process.stderr.write(`[crash] ${point.name}: message deleted ${took} s after the kill${point.held ? ' (the PDB was held 2.5 s of that)' : ''}\n`);
      const steps = survivor.lines.filter((l) => l.level !== 20).map((l) => `${String(l.time).slice(11, 23)} ${String(l.msg)}`);
      process.stderr.write(`[crash] survivor: ${steps.join(' | ')}\n`);
      await survivor.stop();
    });
  }
});
