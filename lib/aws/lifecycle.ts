// Completing and heartbeating Auto Scaling lifecycle actions.
import {
  CompleteLifecycleActionCommand,
  RecordLifecycleActionHeartbeatCommand,
  type AutoScalingClient,
} from '@aws-sdk/client-auto-scaling';
import type { LifecycleActionRef } from '../events/types.ts';

export type LifecycleResult = 'CONTINUE' | 'ABANDON';

/** The action is no longer active (completed by someone, or expired): nothing left to do. */
export class LifecycleActionGoneError extends Error {
  override readonly name = 'LifecycleActionGoneError';
}

export interface LifecycleActions {
  complete(ref: LifecycleActionRef, instanceId: string, result: LifecycleResult): Promise<void>;
  heartbeat(ref: LifecycleActionRef, instanceId: string): Promise<void>;
}

type AutoScalingSender = Pick<AutoScalingClient, 'send'>;

export class AsgLifecycleActions implements LifecycleActions {
  private readonly autoscaling: AutoScalingSender;

  constructor(autoscaling: AutoScalingSender) {
    this.autoscaling = autoscaling;
  }

  async complete(ref: LifecycleActionRef, instanceId: string, result: LifecycleResult): Promise<void> {
    await this.call(() => this.autoscaling.send(new CompleteLifecycleActionCommand({
      AutoScalingGroupName: ref.autoScalingGroupName,
      LifecycleHookName: ref.lifecycleHookName,
      LifecycleActionToken: ref.lifecycleActionToken,
      InstanceId: instanceId,
      LifecycleActionResult: result,
    })));
  }

  async heartbeat(ref: LifecycleActionRef, instanceId: string): Promise<void> {
    await this.call(() => this.autoscaling.send(new RecordLifecycleActionHeartbeatCommand({
      AutoScalingGroupName: ref.autoScalingGroupName,
      LifecycleHookName: ref.lifecycleHookName,
      LifecycleActionToken: ref.lifecycleActionToken,
      InstanceId: instanceId,
    })));
  }

  private async call(send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (error) {
      // AWS says "No active Lifecycle Action found with token …" once it was completed or expired.
      if (error instanceof Error && error.name === 'ValidationError' && /No active Lifecycle Action/i.test(error.message)) {
        throw new LifecycleActionGoneError(error.message);
      }
      throw error;
    }
  }
}
