// `send-test-event`: one realistic interruption event, to try the whole pipeline in a real account:
// the message goes on the queue exactly as EventBridge would deliver it, so the controller parses,
// resolves, drains (and, for ASG kinds, completes the hook) as for the real thing.
import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createAwsClients, regionFromQueueUrl } from '../lib/aws/clients.ts';
import { loadConfigWithSources } from '../lib/config/index.ts';
// The builders that the tests' fixtures use: one description of each event's layout. This module
// is loaded only by this command, never by the controller.
import {
  asgLaunchLifecycleAction,
  asgTerminateLifecycleAction,
  capacityReservationInterruption,
  instanceStateChange,
  rebalanceRecommendation,
  scheduledChange,
  spotInterruption,
  toPutEventsEntry,
  type EventBridgeEvent,
} from '../test/fixtures/events/index.ts';
import { flagSet, flagValue, takeFlags, UsageError, wantsHelp, type CommandIo, type TakenFlags } from './args.ts';

export const SEND_TEST_EVENT_USAGE = `usage: node-termination-handler send-test-event --kind KIND --instance i-… [--via queue|eventbridge]
                                               [--print] [--option value ...]

Puts one realistic event for an instance on the queue (QUEUE_URL), shaped exactly as EventBridge
delivers it, to try the pipeline end to end. The event's id is printed: grep the controller's logs
for it. The region and account come from QUEUE_URL (or AWS_REGION).

  --kind KIND         spot                 EC2 Spot Instance Interruption Warning (drain within 120 s)
                      rebalance            EC2 Instance Rebalance Recommendation
                      state-change         EC2 Instance State-change Notification (--state, default stopping)
                      capacity-reservation EC2 Capacity Reservation Instance Interruption Warning
                      scheduled-change     AWS Health scheduled change (--start-in SECONDS, default 600)
                      asg-terminate        Auto Scaling terminate lifecycle action (--asg, --hook, --token)
                      asg-launch           Auto Scaling launch lifecycle action (--asg, --hook, --token)
  --instance ID       the EC2 instance the event is about (its Node is the one acted on)
  --asg, --hook       the Auto Scaling group and lifecycle hook (ASG kinds)
  --token TOKEN       the lifecycle action token; a made-up one by default, which AWS refuses when the
                      controller completes the hook (scale the group in for a real action)
  --via queue         SendMessage to QUEUE_URL (default; needs sqs:SendMessage)
  --via eventbridge   PutEvents on --event-bus (default: default), through the rules. AWS refuses
                      aws.* sources from PutEvents, so this works against emulators (moto) only
  --print             print the message body and send nothing
  --help              this text

Example:
  QUEUE_URL=https://sqs.us-east-1.amazonaws.com/123456789012/node-termination-handler \\
    node cmd/main.ts send-test-event --kind spot --instance i-1234567890abcdef0
Exit status: 0 sent (or printed), 1 AWS refused it, 2 bad usage.
`;

const FLAGS = [
  { flag: '--kind', value: true },
  { flag: '--instance', value: true },
  { flag: '--via', value: true },
  { flag: '--event-bus', value: true },
  { flag: '--state', value: true },
  { flag: '--start-in', value: true },
  { flag: '--asg', value: true },
  { flag: '--hook', value: true },
  { flag: '--token', value: true },
  { flag: '--print', value: false },
] as const;

export const TEST_EVENT_KINDS = ['spot', 'rebalance', 'state-change', 'capacity-reservation', 'scheduled-change', 'asg-terminate', 'asg-launch'] as const;
type Kind = (typeof TEST_EVENT_KINDS)[number];
const isKind = (k: string): k is Kind => (TEST_EVENT_KINDS as readonly string[]).includes(k);

export interface TestEventInput {
  kind: Kind;
  instanceId: string;
  region: string;
  account: string;
  now: Date;
  id: string;
  flags: TakenFlags;
}

/** The event, built by the fixtures' builders with the instance, region, account, id and time. */
export function buildTestEvent(input: TestEventInput): EventBridgeEvent {
  const common = { instanceId: input.instanceId, region: input.region, account: input.account, time: input.now, id: input.id };
  const lifecycle = (): Parameters<typeof asgTerminateLifecycleAction>[0] => {
    const asg = flagValue(input.flags, '--asg');
    const hook = flagValue(input.flags, '--hook');
    if (!asg || !hook) throw new UsageError(`--kind ${input.kind} needs --asg NAME and --hook NAME`);
    return { ...common, autoScalingGroupName: asg, lifecycleHookName: hook, lifecycleActionToken: flagValue(input.flags, '--token') ?? randomUUID() };
  };
  switch (input.kind) {
    case 'spot':
      return spotInterruption(common);
    case 'rebalance':
      return rebalanceRecommendation(common);
    case 'state-change':
      return instanceStateChange({ ...common, state: flagValue(input.flags, '--state') ?? 'stopping' });
    case 'capacity-reservation':
      return capacityReservationInterruption({ ...common, terminationTime: new Date(input.now.getTime() + 120_000) });
    case 'scheduled-change': {
      const startIn = Number(flagValue(input.flags, '--start-in') ?? '600');
      if (!Number.isFinite(startIn) || startIn < 0) throw new UsageError('--start-in: a number of seconds >= 0');
      const start = new Date(input.now.getTime() + startIn * 1000);
      return scheduledChange({ region: input.region, account: input.account, time: input.now, id: input.id,
        instanceIds: [input.instanceId], startTime: start, endTime: new Date(start.getTime() + 3_600_000) });
    }
    case 'asg-terminate':
      return asgTerminateLifecycleAction(lifecycle());
    case 'asg-launch':
      return asgLaunchLifecycleAction(lifecycle());
  }
}

export async function sendTestEventCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout.write(SEND_TEST_EVENT_USAGE);
    return 0;
  }
  const taken = takeFlags(argv, FLAGS);
  const config = loadConfigWithSources({ argv: taken.rest, env: io.env }).config;
  const kind = flagValue(taken, '--kind') ?? '';
  if (!isKind(kind)) throw new UsageError(`--kind ${kind || '(missing)'}: allowed: ${TEST_EVENT_KINDS.join(', ')}`);
  const instanceId = flagValue(taken, '--instance') ?? '';
  if (!/^i-[0-9a-f]{8,17}$/.test(instanceId)) throw new UsageError(`--instance ${instanceId || '(missing)'}: an EC2 instance ID such as i-1234567890abcdef0`);
  const via = flagValue(taken, '--via') ?? 'queue';
  if (via !== 'queue' && via !== 'eventbridge') throw new UsageError(`--via ${via}: allowed: queue, eventbridge`);
  const account = URL.canParse(config.queueUrl) ? new URL(config.queueUrl).pathname.split('/').filter(Boolean)[0] : undefined;
  const region = config.awsRegion || regionFromQueueUrl(config.queueUrl) || io.env.AWS_DEFAULT_REGION || 'us-east-1';
  // Whole seconds, as AWS writes event times.
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const event = buildTestEvent({ kind, instanceId, region, account: account ?? '123456789012', now, id: randomUUID(), flags: taken });
  if (kind.startsWith('asg-') && !flagSet(taken, '--token')) {
    io.stderr.write('note: a made-up lifecycle action token: the drain runs, but AWS refuses the CompleteLifecycleAction\n');
  }
  if (flagSet(taken, '--print')) {
    io.stdout.write(`${JSON.stringify(event, null, 2)}\n`);
    return 0;
  }
  if (config.queueUrl === '' && via === 'queue') throw new UsageError('QUEUE_URL (--queue-url) is not set: where should the event go?');

  const aws = createAwsClients({ ...config, awsRegion: region });
  try {
    if (via === 'queue') {
      const out = await aws.sqs.send(new SendMessageCommand({ QueueUrl: config.queueUrl, MessageBody: JSON.stringify(event) }));
      io.stdout.write(`sent ${event['detail-type']} for ${instanceId} to ${config.queueUrl}\n  event id ${event.id}, message id ${out.MessageId ?? '?'}\n`);
    } else {
      const bus = flagValue(taken, '--event-bus') ?? 'default';
      const eventbridge = new EventBridgeClient({ region, ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}) });
      const out = await eventbridge.send(new PutEventsCommand({ Entries: [toPutEventsEntry(event, bus)] }));
      eventbridge.destroy();
      const entry = out.Entries?.[0];
      if (out.FailedEntryCount || entry?.ErrorCode) {
        const hint = entry?.ErrorCode === 'NotAuthorizedForSourceException' ? ' (AWS reserves aws.* sources; use --via queue)' : '';
        io.stderr.write(`error: PutEvents refused the event: ${entry?.ErrorCode ?? '?'} ${entry?.ErrorMessage ?? ''}${hint}\n`);
        return 1;
      }
      // EventBridge gives the delivered event an id of its own.
      io.stdout.write(`put ${event['detail-type']} for ${instanceId} on bus ${bus}\n  EventBridge event id ${entry?.EventId ?? '?'}\n`);
    }
  } catch (error) {
    io.stderr.write(`error: sending failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    return 1;
  } finally {
    for (const client of [aws.sqs, aws.ec2, aws.autoscaling]) client.destroy();
  }
  return 0;
}
