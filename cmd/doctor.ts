// `doctor`: checks, against the real account and cluster (or the local environment), everything
// the controller needs before it can work, one line each with the fix. The checks live in
// lib/doctor/; this file reads the settings, builds the clients and prints.
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { AuthorizationV1Api } from '@kubernetes/client-node';
import { createAwsClients } from '../lib/aws/clients.ts';
import { ConfigError, loadConfigWithSources, type Config } from '../lib/config/index.ts';
import { checkPermissions } from '../lib/doctor/iam.ts';
import { checkKubernetes } from '../lib/doctor/kube.ts';
import { checkQueue, checkRules } from '../lib/doctor/queue.ts';
import { formatReport, hasFailures } from '../lib/doctor/format.ts';
import { check, errorText, type CheckResult } from '../lib/doctor/types.ts';
import { kubeClientsFromSettings } from '../lib/kube/client.ts';
import { flagValue, takeFlags, wantsHelp, type CommandIo } from './args.ts';

export const DOCTOR_USAGE = `usage: node-termination-handler doctor [--event-bus NAME] [--auto-scaling-group NAME ...]
                                      [--service-account NAMESPACE/NAME] [--option value ...]

Checks what the controller needs, with the settings it would run with (QUEUE_URL, AWS_REGION,
AWS_ENDPOINT, NTH_KUBECONFIG/KUBECONFIG, … as env variables or flags), and prints one line per
check with the fix for each failure:

  queue       the queue exists and can be read; it has a dead-letter queue; its encryption is one
              EventBridge can use; its policy lets events.amazonaws.com send to it
  rules       for each kind of event, an enabled EventBridge rule on the bus delivers it to the queue
              and the queue policy's aws:SourceArn admits that rule
  iam         each AWS call of the controller, tried harmlessly: EC2 DescribeInstances with DryRun;
              SQS ChangeMessageVisibility / DeleteMessage with a made-up receipt handle; Auto Scaling
              Complete/RecordLifecycleAction* with a made-up token (allowed calls answer "invalid",
              refused ones "access denied"); GetQueueUrl; instances carrying the managed tag
  kubernetes  the API answers; its version is within the tested range; evictions are served
  rbac        every verb the controller uses, asked of the API server (SelfSubjectAccessReview)

What it cannot check: sqs:ReceiveMessage (no receive is harmless: it counts toward a message's
maxReceiveCount); and permissions are those of the credentials doctor runs with: run it in the
controller's pod (kubectl exec) or with its role to check the controller's own. Against an
emulator (AWS_ENDPOINT set, e.g. moto) IAM is not enforced, so the iam lines prove nothing there.

  --event-bus NAME             the bus the rules are on (default: default, where AWS sends its events)
  --auto-scaling-group NAME    probe the lifecycle permissions on this group (repeatable); without
                               it a made-up group is probed, which a role scoped to groups refuses
  --service-account NS/NAME    check RBAC for this ServiceAccount (SubjectAccessReview, needs
                               create subjectaccessreviews) instead of the caller
  --help                       this text; \`--help\` of the main command lists every option

Example:
  QUEUE_URL=https://sqs.us-east-1.amazonaws.com/123456789012/node-termination-handler \\
    node cmd/main.ts doctor --auto-scaling-group nth-workers
Exit status: 0 nothing failing (warnings allowed), 1 something failing, 2 bad usage.
`;

const FLAGS = [
  { flag: '--event-bus', value: true },
  { flag: '--auto-scaling-group', value: true, repeat: true },
  { flag: '--service-account', value: true },
] as const;

export async function doctorCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout.write(DOCTOR_USAGE);
    return 0;
  }
  const taken = takeFlags(argv, FLAGS);
  let config: Config;
  try {
    config = loadConfigWithSources({ argv: taken.rest, env: io.env }).config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stdout.write(formatReport([check('config', 'fail', error.message, 'fix the setting named; `config` shows every value and its source')]));
    return 1;
  }
  const results: CheckResult[] = [check('config', 'pass', 'the settings load')];
  results.push(...await awsChecks(config, taken.values.get('--auto-scaling-group') ?? [], flagValue(taken, '--event-bus') ?? 'default'));
  results.push(...await kubeChecks(config, flagValue(taken, '--service-account')));
  io.stdout.write(formatReport(results));
  return hasFailures(results) ? 1 : 0;
}

async function awsChecks(config: Config, groups: readonly string[], eventBusName: string): Promise<CheckResult[]> {
  if (config.queueUrl === '') {
    return [check('config', 'fail', 'QUEUE_URL is not set: nothing to check on the AWS side',
      'set QUEUE_URL (--queue-url) to the QueueUrl output of the CDK stack')];
  }
  let aws;
  try {
    aws = createAwsClients(config);
  } catch (error) {
    return [check('config', 'fail', errorText(error), 'set AWS_REGION')];
  }
  const eventbridge = new EventBridgeClient({ region: aws.region, ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}) });
  const results: CheckResult[] = [];
  if (config.awsEndpoint !== '') {
    results.push(check('config', 'note', `AWS endpoint ${config.awsEndpoint}: an emulator does not enforce IAM, so the iam lines hold only against AWS`));
  }
  const input = { queueUrl: config.queueUrl, region: aws.region, eventBusName };
  const queue = await checkQueue({ sqs: aws.sqs, eventbridge }, input);
  results.push(...queue.results);
  results.push(...await checkRules({ sqs: aws.sqs, eventbridge }, input, queue.facts));
  results.push(...await checkPermissions(aws, {
    queueUrl: config.queueUrl,
    autoScalingGroups: groups,
    checkTagBeforeDraining: config.checkTagBeforeDraining,
    managedTag: config.managedTag,
  }));
  for (const client of [aws.sqs, aws.ec2, aws.autoscaling, eventbridge]) client.destroy();
  return results;
}

async function kubeChecks(config: Config, serviceAccount: string | undefined): Promise<CheckResult[]> {
  let kube;
  try {
    kube = kubeClientsFromSettings(config);
  } catch (error) {
    return [check('kubernetes', 'fail', `no Kubernetes credentials: ${errorText(error)}`,
      'set NTH_KUBECONFIG / KUBECONFIG, or run doctor in the pod (in-cluster credentials)')];
  }
  const context = kube.kubeConfig.getCurrentContext();
  return await checkKubernetes({
    version: kube.version,
    core: kube.core,
    authorization: kube.makeApiClient(AuthorizationV1Api),
  }, {
    caller: context && context !== 'inClusterContext' ? `context ${context}` : 'the in-cluster service account',
    ...(serviceAccount === undefined ? {} : { serviceAccount }),
    ...(config.namespace ? { namespace: config.namespace } : {}),
  });
}
