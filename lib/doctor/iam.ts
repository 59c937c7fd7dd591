// doctor, permissions: each AWS call the controller makes (infra/permissions.ts), tried in a way
// that changes nothing. EC2 offers DryRun; SQS and Auto Scaling authorise a call before they look
// at its arguments, so a made-up receipt handle or lifecycle token gets "invalid handle" (allowed)
// or "access denied" (not allowed). This tests the effective permissions (identity policy, SCPs,
// boundaries, resource policies) of the credentials doctor runs with. ReceiveMessage has no
// harmless form: a receive counts against a waiting message's maxReceiveCount.
import { CompleteLifecycleActionCommand, RecordLifecycleActionHeartbeatCommand, type AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { check, errorName, errorText, isAccessDenied, isBadCredentials, type CheckResult } from './types.ts';

export interface IamCheckDeps {
  sqs: Pick<SQSClient, 'send'>;
  ec2: Pick<EC2Client, 'send'>;
  autoscaling: Pick<AutoScalingClient, 'send'>;
}

export interface IamCheckInput {
  queueUrl: string;
  /** Groups to probe the lifecycle permissions on; empty probes a made-up group name. */
  autoScalingGroups: readonly string[];
  checkTagBeforeDraining: boolean;
  managedTag: string;
}

const PROBE_HANDLE = 'nth-doctor-probe-not-a-receipt-handle';
const PROBE_TOKEN = '00000000-0000-4000-8000-000000000000';
const PROBE_HOOK = 'nth-doctor-probe';
const PERMISSIONS_FIX = (action: string, on: string): string =>
  `grant ${action} on ${on} to the controller's role (infra/permissions.ts; the CDK construct's role has it)`;

/** The answer a probe expects when the call is allowed but its made-up argument is not. */
type Expect = (error: unknown) => boolean;

async function probe(action: string, on: string, call: () => Promise<unknown>, allowed: Expect, how: string): Promise<CheckResult> {
  try {
    await call();
    return check('iam', 'pass', `${action}: allowed (${how} succeeded)`);
  } catch (error) {
    if (isAccessDenied(error)) return check('iam', 'fail', `${action}: denied (${errorText(error)})`, PERMISSIONS_FIX(action, on));
    if (isBadCredentials(error)) {
      return check('iam', 'fail', `${action}: AWS refused the credentials (${errorText(error)})`,
        'check the credentials doctor runs with (AWS_PROFILE, IRSA / Pod Identity in the pod)');
    }
    if (allowed(error)) return check('iam', 'pass', `${action}: allowed (${how} answered ${errorName(error)}, as expected)`);
    return check('iam', 'warn', `${action}: could not tell (${errorText(error)})`, 'read the error; re-run doctor');
  }
}

const invalidHandle: Expect = (e) => /ReceiptHandleIsInvalid|InvalidParameterValue|MessageNotInflight/.test(errorName(e));
const validation: Expect = (e) => /ValidationError/.test(errorName(e));
const dryRun: Expect = (e) => errorName(e) === 'DryRunOperation';

export async function checkPermissions(deps: IamCheckDeps, input: IamCheckInput): Promise<CheckResult[]> {
  const url = URL.canParse(input.queueUrl) ? new URL(input.queueUrl) : undefined;
  const [account, queueName] = url?.pathname.split('/').filter(Boolean) ?? [];
  const results: CheckResult[] = [];
  results.push(await probe('sqs:GetQueueUrl', 'the queue', () => deps.sqs.send(new GetQueueUrlCommand({
    QueueName: queueName ?? '', QueueOwnerAWSAccountId: account,
  })), () => false, 'GetQueueUrl'));
  results.push(await probe('sqs:ChangeMessageVisibility', 'the queue', () => deps.sqs.send(new ChangeMessageVisibilityCommand({
    QueueUrl: input.queueUrl, ReceiptHandle: PROBE_HANDLE, VisibilityTimeout: 0,
  })), invalidHandle, 'ChangeMessageVisibility with a made-up receipt handle'));
  results.push(await probe('sqs:DeleteMessage', 'the queue', () => deps.sqs.send(new DeleteMessageCommand({
    QueueUrl: input.queueUrl, ReceiptHandle: PROBE_HANDLE,
  })), invalidHandle, 'DeleteMessage with a made-up receipt handle'));
  results.push(check('iam', 'skip', 'sqs:ReceiveMessage: not probed, as no receive is harmless (it counts toward a message\'s maxReceiveCount)',
    'the controller\'s /readyz turns ready only after a receive succeeded; or ask IAM: aws iam simulate-principal-policy --action-names sqs:ReceiveMessage'));
  results.push(await probe('ec2:DescribeInstances', '*', () => deps.ec2.send(new DescribeInstancesCommand({ DryRun: true })),
    dryRun, 'DescribeInstances with DryRun'));

  const groups = input.autoScalingGroups.length > 0 ? input.autoScalingGroups : [PROBE_HOOK];
  for (const group of groups) {
    const on = input.autoScalingGroups.length > 0 ? `group ${group}` : 'the managed Auto Scaling groups';
    const lifecycle = { AutoScalingGroupName: group, LifecycleHookName: PROBE_HOOK, LifecycleActionToken: PROBE_TOKEN };
    for (const [action, call] of [
      ['autoscaling:CompleteLifecycleAction', () => deps.autoscaling.send(new CompleteLifecycleActionCommand({ ...lifecycle, LifecycleActionResult: 'CONTINUE' }))],
      ['autoscaling:RecordLifecycleActionHeartbeat', () => deps.autoscaling.send(new RecordLifecycleActionHeartbeatCommand(lifecycle))],
    ] as const) {
      const result = await probe(`${action} (${on})`, on, call, validation, 'a call with a made-up hook and token');
      // Without a real group name, a policy scoped to the managed groups' ARNs denies the probe
      // group even though it allows the real ones: that is not a finding.
      if (result.status === 'fail' && input.autoScalingGroups.length === 0 && /denied/.test(result.message)) {
        results.push(check('iam', 'warn', `${action}: denied for a made-up group; the role may be scoped to your groups`,
          'run doctor with --auto-scaling-group NAME (once per managed group) to probe the real ones'));
      } else {
        results.push(result);
      }
    }
  }
  if (input.checkTagBeforeDraining) results.push(await managedInstances(deps, input.managedTag));
  return results;
}

/** Instances that carry the managed tag: with CHECK_TAG_BEFORE_DRAINING, only they are drained. */
async function managedInstances(deps: IamCheckDeps, tag: string): Promise<CheckResult> {
  try {
    const out = await deps.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag-key', Values: [tag] }], MaxResults: 50 }));
    const count = (out.Reservations ?? []).reduce((n, r) => n + (r.Instances?.length ?? 0), 0);
    if (count > 0) return check('iam', 'pass', `${count}${out.NextToken ? '+' : ''} instance(s) carry the managed tag ${tag}`);
    return check('iam', 'warn', `no instance carries the managed tag ${tag}: with CHECK_TAG_BEFORE_DRAINING on, no event leads to a drain`,
      `tag the Auto Scaling groups with ${tag} (propagated at launch), or set CHECK_TAG_BEFORE_DRAINING=false`);
  } catch (error) {
    return check('iam', 'fail', `listing instances with the managed tag ${tag} failed: ${errorText(error)}`,
      isAccessDenied(error) ? PERMISSIONS_FIX('ec2:DescribeInstances', '*') : 'read the error; re-run doctor');
  }
}
