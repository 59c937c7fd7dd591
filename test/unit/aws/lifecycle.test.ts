// AsgLifecycleActions: the commands and fields sent, and how "no active lifecycle action" is told
// apart from other failures.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AutoScalingServiceException,
  CompleteLifecycleActionCommand,
  RecordLifecycleActionHeartbeatCommand,
  type AutoScalingClient,
} from '@aws-sdk/client-auto-scaling';
import { AsgLifecycleActions, LifecycleActionGoneError } from '../../../lib/aws/lifecycle.ts';
import type { LifecycleActionRef } from '../../../lib/events/types.ts';

const HOOK: LifecycleActionRef = {
  autoScalingGroupName: 'nodes-a',
  lifecycleHookName: 'nth-terminate',
  lifecycleActionToken: 'b7c5e1a0-0000-4000-8000-000000000001',
  transition: 'autoscaling:EC2_INSTANCE_TERMINATING',
};
const INSTANCE = 'i-0123456789abcdef0';

class FakeAutoScaling {
  readonly sent: { name: string; input: object }[] = [];
  failWith: Error | undefined;

  /** The fake as AsgLifecycleActions types its client (only the two lifecycle commands). */
  client(): Pick<AutoScalingClient, 'send'> {
    return this;
  }

  send(command: object): Promise<object> {
    if (command instanceof CompleteLifecycleActionCommand) this.sent.push({ name: 'CompleteLifecycleAction', input: command.input });
    else if (command instanceof RecordLifecycleActionHeartbeatCommand) this.sent.push({ name: 'RecordLifecycleActionHeartbeat', input: command.input });
    else throw new Error(`unexpected ${command.constructor.name}`);
    return this.failWith === undefined ? Promise.resolve({}) : Promise.reject(this.failWith);
  }
}

function serviceError(name: string, message: string): AutoScalingServiceException {
  return new AutoScalingServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

test('complete sends CompleteLifecycleAction with the hook, token, instance and result', async () => {
  const asg = new FakeAutoScaling();
  const actions = new AsgLifecycleActions(asg.client());
  await actions.complete(HOOK, INSTANCE, 'CONTINUE');
  await actions.complete(HOOK, INSTANCE, 'ABANDON');
  assert.deepEqual(asg.sent, [
    { name: 'CompleteLifecycleAction', input: { AutoScalingGroupName: 'nodes-a', LifecycleHookName: 'nth-terminate', LifecycleActionToken: HOOK.lifecycleActionToken, InstanceId: INSTANCE, LifecycleActionResult: 'CONTINUE' } },
    { name: 'CompleteLifecycleAction', input: { AutoScalingGroupName: 'nodes-a', LifecycleHookName: 'nth-terminate', LifecycleActionToken: HOOK.lifecycleActionToken, InstanceId: INSTANCE, LifecycleActionResult: 'ABANDON' } },
  ]);
});

test('heartbeat sends RecordLifecycleActionHeartbeat with the hook, token and instance', async () => {
  const asg = new FakeAutoScaling();
  await new AsgLifecycleActions(asg.client()).heartbeat(HOOK, INSTANCE);
  assert.deepEqual(asg.sent, [
    { name: 'RecordLifecycleActionHeartbeat', input: { AutoScalingGroupName: 'nodes-a', LifecycleHookName: 'nth-terminate', LifecycleActionToken: HOOK.lifecycleActionToken, InstanceId: INSTANCE } },
  ]);
});

test('"No active Lifecycle Action found" becomes LifecycleActionGoneError, for both calls', async () => {
  const asg = new FakeAutoScaling();
  const actions = new AsgLifecycleActions(asg.client());
  asg.failWith = serviceError('ValidationError', `No active Lifecycle Action found with token ${HOOK.lifecycleActionToken}`);
  await assert.rejects(actions.complete(HOOK, INSTANCE, 'CONTINUE'), (error: unknown) =>
    error instanceof LifecycleActionGoneError && error.name === 'LifecycleActionGoneError' && error.message.includes(HOOK.lifecycleActionToken));
  asg.failWith = serviceError('ValidationError', `No active Lifecycle Action found with instance ID ${INSTANCE}`);
  await assert.rejects(actions.heartbeat(HOOK, INSTANCE), LifecycleActionGoneError);
});

test('other errors pass through unchanged', async () => {
  const asg = new FakeAutoScaling();
  const actions = new AsgLifecycleActions(asg.client());
  const cases = [
    serviceError('ValidationError', 'No such lifecycle hook nth-terminate'),
    serviceError('Throttling', 'Rate exceeded'),
    // The message alone is not enough: it must be the service's ValidationError.
    new Error('No active Lifecycle Action found with token x'),
  ];
  for (const failure of cases) {
    asg.failWith = failure;
    await assert.rejects(actions.complete(HOOK, INSTANCE, 'CONTINUE'), (error: unknown) => error === failure);
    await assert.rejects(actions.heartbeat(HOOK, INSTANCE), (error: unknown) => error === failure);
  }
});
