// The AWS permissions of the controller, in one place. The CDK construct builds the controller
// role's policy from CONTROLLER_PERMISSIONS and nothing else, and CONTROLLER_AWS_ACTIONS is
// derived from it, so a test can compare the deployed policy and the SDK calls the code makes
// against one list: adding a call without a permission (or the reverse) fails a test.

/**
 * What a permission's statement may name as Resource:
 * - `queue`: the interruption queue's ARN;
 * - `any`: `*` (the service offers no resource-level scoping for these actions);
 * - `auto-scaling-groups`: the managed ASGs' ARNs when the construct knows their names, else `*`.
 */
export type PermissionScope = 'queue' | 'any' | 'auto-scaling-groups';

export interface ControllerAction {
  /** The IAM action, `service:Action`. */
  readonly action: string;
  /** The API operations (SDK command names without `Command`) this action authorises. */
  readonly operations: readonly string[];
}

export interface ControllerPermission {
  /** Statement id in the controller role's policy. */
  readonly sid: string;
  readonly scope: PermissionScope;
  readonly actions: readonly ControllerAction[];
}

export const CONTROLLER_PERMISSIONS: readonly ControllerPermission[] = [
  {
    sid: 'ConsumeInterruptionQueue',
    scope: 'queue',
    actions: [
      { action: 'sqs:ReceiveMessage', operations: ['ReceiveMessage'] },
      // IAM has no separate actions for the batch forms: DeleteMessageBatch is authorised as
      // sqs:DeleteMessage and ChangeMessageVisibilityBatch as sqs:ChangeMessageVisibility.
      { action: 'sqs:DeleteMessage', operations: ['DeleteMessage', 'DeleteMessageBatch'] },
      {
        action: 'sqs:ChangeMessageVisibility',
        operations: ['ChangeMessageVisibility', 'ChangeMessageVisibilityBatch'],
      },
      // No sqs:GetQueueAttributes or sqs:GetQueueUrl: the controller is given the queue URL and
      // never reads the queue's attributes (readiness comes from its own receives), and
      // test/e2e/deploy/service-account.test.ts fails if the calls made and this list differ.
    ],
  },
  {
    sid: 'DescribeInstances',
    scope: 'any',
    actions: [{ action: 'ec2:DescribeInstances', operations: ['DescribeInstances'] }],
  },
  {
    sid: 'CompleteLifecycleActions',
    scope: 'auto-scaling-groups',
    actions: [
      { action: 'autoscaling:CompleteLifecycleAction', operations: ['CompleteLifecycleAction'] },
      { action: 'autoscaling:RecordLifecycleActionHeartbeat', operations: ['RecordLifecycleActionHeartbeat'] },
    ],
  },
];

/** Every IAM action the controller's role is granted, in policy order. */
export const CONTROLLER_AWS_ACTIONS: readonly string[] = Object.freeze(
  CONTROLLER_PERMISSIONS.flatMap((permission) => permission.actions.map((entry) => entry.action)),
);

/**
 * The IAM action that authorises an API call, keyed `<service prefix>:<Operation>`
 * (e.g. `sqs:DeleteMessageBatch` → `sqs:DeleteMessage`); undefined for a call the role does not
 * allow. The service prefix is the IAM one (`sqs`, `ec2`, `autoscaling`).
 */
export function iamActionForOperation(servicePrefix: string, operation: string): string | undefined {
  for (const permission of CONTROLLER_PERMISSIONS) {
    for (const entry of permission.actions) {
      if (entry.action.startsWith(`${servicePrefix}:`) && entry.operations.includes(operation)) {
        return entry.action;
      }
    }
  }
  return undefined;
}
