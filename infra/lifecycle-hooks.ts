// Lifecycle hooks on existing Auto Scaling groups. Hooks without a notification target still emit
// their events to EventBridge, where the asg-lifecycle rule forwards them to the queue, so the
// hooks need neither a target ARN nor a role.

import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import { Construct } from 'constructs';

export type LifecycleDefaultResult = 'CONTINUE' | 'ABANDON';

export interface LifecycleHookOptions {
  /**
   * Seconds the instance waits for CompleteLifecycleAction before the default result applies;
   * the controller's heartbeats extend it while a drain runs. 30–7200. Default 300.
   */
  readonly heartbeatTimeout?: number;
  /** What happens when the timeout passes without completion. */
  readonly defaultResult?: LifecycleDefaultResult;
}

export interface AutoScalingGroupHooks {
  readonly autoScalingGroupName: string;
  /**
   * The EC2_INSTANCE_TERMINATING hook: created unless `false`. defaultResult defaults to CONTINUE
   * (the instance terminates anyway; ABANDON would only skip other hooks).
   */
  readonly terminate?: LifecycleHookOptions | false;
  /**
   * The EC2_INSTANCE_LAUNCHING hook: created only when given. defaultResult defaults to ABANDON, so
   * an instance whose Node never became Ready is replaced rather than kept.
   */
  readonly launch?: LifecycleHookOptions;
}

const TRANSITIONS = {
  terminate: { transition: 'autoscaling:EC2_INSTANCE_TERMINATING', defaultResult: 'CONTINUE' },
  launch: { transition: 'autoscaling:EC2_INSTANCE_LAUNCHING', defaultResult: 'ABANDON' },
} as const;

const DEFAULT_HEARTBEAT_TIMEOUT = 300;

export class LifecycleHooks extends Construct {
  readonly hooks: autoscaling.CfnLifecycleHook[] = [];

  constructor(scope: Construct, id: string, groups: readonly AutoScalingGroupHooks[]) {
    super(scope, id);
    const seen = new Set<string>();
    for (const group of groups) {
      const name = group.autoScalingGroupName;
      if (name === '') throw new Error('autoScalingGroups: autoScalingGroupName is empty');
      if (seen.has(name)) throw new Error(`autoScalingGroups: "${name}" is listed twice`);
      seen.add(name);
      // Construct ids cannot hold "/", which ASG names may; the index keeps ids unique.
      const idBase = `${seen.size}-${name.replace(/[^A-Za-z0-9-]/g, '')}`;
      if (group.terminate !== false) this.add(`Terminate-${idBase}`, name, 'terminate', group.terminate ?? {});
      if (group.launch !== undefined) this.add(`Launch-${idBase}`, name, 'launch', group.launch);
    }
  }

  private add(id: string, groupName: string, kind: keyof typeof TRANSITIONS, options: LifecycleHookOptions): void {
    const heartbeatTimeout = options.heartbeatTimeout ?? DEFAULT_HEARTBEAT_TIMEOUT;
    if (!Token.isUnresolved(heartbeatTimeout)) {
      if (!Number.isInteger(heartbeatTimeout) || heartbeatTimeout < 30 || heartbeatTimeout > 7200) {
        throw new Error(
          `autoScalingGroups["${groupName}"].${kind}.heartbeatTimeout: ${heartbeatTimeout} is not an integer from 30 to 7200 (seconds)`,
        );
      }
    }
    this.hooks.push(
      new autoscaling.CfnLifecycleHook(this, id, {
        autoScalingGroupName: groupName,
        lifecycleTransition: TRANSITIONS[kind].transition,
        heartbeatTimeout,
        defaultResult: options.defaultResult ?? TRANSITIONS[kind].defaultResult,
      }),
    );
  }
}

/**
 * The ARN pattern IAM matches for a group known by name: the group id (a UUID) is not known
 * before the group exists, so it is wildcarded.
 */
export function autoScalingGroupArn(scope: Construct, name: string): string {
  return Stack.of(scope).formatArn({
    service: 'autoscaling',
    resource: 'autoScalingGroup',
    resourceName: `*:autoScalingGroupName/${name}`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
