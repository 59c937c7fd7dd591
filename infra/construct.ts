// Everything AWS-side the controller needs: the interruption queue and its dead-letter queue, the
// EventBridge rules of ./event-patterns.ts that feed it, optional ASG lifecycle hooks, and the
// controller's IAM role. The rule patterns are used verbatim so the patterns tested against moto
// are the ones deployed.

import { CfnOutput, Duration, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ControllerRole, type IrsaProps, type ServiceAccountRef } from './controller-role.ts';
import { EVENT_RULES, type EventRuleSpec } from './event-patterns.ts';
import { autoScalingGroupArn, LifecycleHooks, type AutoScalingGroupHooks } from './lifecycle-hooks.ts';

export type { IrsaProps, ServiceAccountRef } from './controller-role.ts';
export type { AutoScalingGroupHooks, LifecycleDefaultResult, LifecycleHookOptions } from './lifecycle-hooks.ts';

export interface NodeTerminationHandlerInfraProps {
  /**
   * How long the queue keeps a message. A message is deleted only once its action is done, and a
   * drain of a terminating ASG instance may last as long as its hook's heartbeats, so this must
   * outlast the longest drain. 5 minutes to 14 days. Default 1 hour.
   */
  readonly retentionPeriod?: Duration;
  /**
   * The initial visibility timeout. The controller extends it while it works on a message, so it
   * only needs to cover the gap between receive and the first extension, and bounds how long a
   * message stays hidden after a replica dies. 1 second to 12 hours. Default 60 seconds.
   */
  readonly visibilityTimeout?: Duration;
  /** Receives before a message moves to the dead-letter queue. 1–1000. Default 5. */
  readonly maxReceiveCount?: number;
  /** Trust the role through IRSA. */
  readonly irsa?: IrsaProps;
  /**
   * Trust the role through EKS Pod Identity. Default: true when `irsa` is not given. The trust is
   * conditioned on the session tags Pod Identity adds (namespace, service account, and cluster
   * when `clusterName` is set), so an association with session tags disabled cannot use it.
   */
  readonly podIdentity?: boolean;
  /**
   * The EKS cluster. With Pod Identity it restricts the trust to this cluster's session tag and
   * creates the Pod Identity association.
   */
  readonly clusterName?: string;
  /** The controller's service account. Default kube-system/node-termination-handler. */
  readonly serviceAccount?: ServiceAccountRef;
  /**
   * ASGs whose instances the controller manages: lifecycle hooks are created on them and the
   * controller may complete lifecycle actions only on them. Default: none, and lifecycle
   * permissions on every group (`*`).
   */
  readonly autoScalingGroups?: readonly AutoScalingGroupHooks[];
  /**
   * Create a role that lifecycle hooks with a notification target (the queue) name as their
   * RoleARN, for hooks managed outside this construct that send to SQS directly. Default false.
   */
  readonly allowDirectAsgNotifications?: boolean;
  /** Prefix of the CfnOutputs' logical ids, for more than one instance per stack. Default ''. */
  readonly outputPrefix?: string;
}

export const DEFAULT_SERVICE_ACCOUNT: ServiceAccountRef = { namespace: 'kube-system', name: 'node-termination-handler' };

export interface InfraRule {
  readonly spec: EventRuleSpec;
  readonly rule: events.CfnRule;
}

export class NodeTerminationHandlerInfra extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly rules: readonly InfraRule[];
  readonly lifecycleHooks: LifecycleHooks;
  readonly controllerRole: ControllerRole;
  /** Present when `allowDirectAsgNotifications` is set. */
  readonly asgNotificationRole?: iam.Role;

  constructor(scope: Construct, id: string, props: NodeTerminationHandlerInfraProps = {}) {
    super(scope, id);
    const retentionPeriod = checkDuration('retentionPeriod', props.retentionPeriod ?? Duration.hours(1), 300, 1_209_600);
    const visibilityTimeout = checkDuration('visibilityTimeout', props.visibilityTimeout ?? Duration.seconds(60), 1, 43_200);
    const maxReceiveCount = checkInteger('maxReceiveCount', props.maxReceiveCount ?? 5, 1, 1000);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      // The longest SQS allows: what lands here needs a human, who may not look for days.
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod,
      visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
    denyInsecureTransport(this.queue);
    denyInsecureTransport(this.deadLetterQueue);

    // L1 rules take the pattern as it is written in event-patterns.ts, with no key translation.
    this.rules = EVENT_RULES.map((spec) => ({
      spec,
      rule: new events.CfnRule(this, `${pascalCase(spec.id)}Rule`, {
        description: `node-termination-handler: ${spec.description}`,
        state: 'ENABLED',
        eventPattern: structuredClone(spec.pattern),
        targets: [{ id: 'InterruptionQueue', arn: this.queue.queueArn }],
      }),
    }));
    // One statement for all rules, with SendMessage only: the L2 SQS target would add
    // GetQueueAttributes and GetQueueUrl per rule, which EventBridge does not need.
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeRules',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.rules.map(({ rule }) => rule.attrArn) } },
      }),
    );

    if (props.allowDirectAsgNotifications === true) {
      this.asgNotificationRole = this.createAsgNotificationRole();
    }

    const groups = props.autoScalingGroups ?? [];
    this.lifecycleHooks = new LifecycleHooks(this, 'LifecycleHooks', groups);
    const podIdentity = props.podIdentity ?? props.irsa === undefined;
    this.controllerRole = new ControllerRole(this, 'Controller', {
      queueArn: this.queue.queueArn,
      autoScalingGroupArns: groups.map((group) => autoScalingGroupArn(this, group.autoScalingGroupName)),
      serviceAccount: props.serviceAccount ?? DEFAULT_SERVICE_ACCOUNT,
      ...(props.irsa === undefined ? {} : { irsa: props.irsa }),
      podIdentity,
      ...(props.clusterName === undefined ? {} : { clusterName: props.clusterName }),
    });

    const prefix = props.outputPrefix ?? '';
    const output = (id: string, value: string, description: string): void => {
      // Fixed logical ids, so scripts can read `QueueUrl` rather than a hashed name.
      new CfnOutput(this, id, { value, description }).overrideLogicalId(`${prefix}${id}`);
    };
    output('QueueUrl', this.queue.queueUrl, 'The controller reads interruption events from this queue (QUEUE_URL)');
    output('QueueArn', this.queue.queueArn, 'ARN of the interruption queue');
    output('DeadLetterQueueUrl', this.deadLetterQueue.queueUrl, 'Messages that failed maxReceiveCount times');
    output('ControllerRoleArn', this.controllerRole.role.roleArn, 'IAM role for the controller service account');
    if (this.asgNotificationRole !== undefined) {
      output('AsgNotificationRoleArn', this.asgNotificationRole.roleArn, 'RoleARN for lifecycle hooks that notify the queue directly');
    }
  }

  /** The role a lifecycle hook's RoleARN names so Auto Scaling can post to the queue itself. */
  private createAsgNotificationRole(): iam.Role {
    const role = new iam.Role(this, 'AsgNotificationRole', {
      description: 'Lets Auto Scaling lifecycle hooks send notifications to the node-termination-handler queue',
      assumedBy: new iam.ServicePrincipal('autoscaling.amazonaws.com'),
      inlinePolicies: {
        NotifyQueue: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['sqs:SendMessage', 'sqs:GetQueueUrl'],
              resources: [this.queue.queueArn],
            }),
          ],
        }),
      },
    });
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAsgNotificationRole',
        principals: [new iam.ArnPrincipal(role.roleArn)],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
      }),
    );
    return role;
  }
}

/** Refuse every request to the queue that does not come over TLS. */
function denyInsecureTransport(queue: sqs.Queue): void {
  queue.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyInsecureTransport',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['sqs:*'],
      resources: [queue.queueArn],
      conditions: { Bool: { 'aws:SecureTransport': 'false' } },
    }),
  );
}

function checkDuration(name: string, value: Duration, minSeconds: number, maxSeconds: number): Duration {
  if (value.isUnresolved()) return value;
  const seconds = value.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < minSeconds || seconds > maxSeconds) {
    throw new Error(`${name}: ${value.toHumanString()} is not a whole number of seconds from ${minSeconds} to ${maxSeconds}`);
  }
  return value;
}

function checkInteger(name: string, value: number, min: number, max: number): number {
  if (Token.isUnresolved(value)) return value;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name}: ${value} is not an integer from ${min} to ${max}`);
  }
  return value;
}

function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
