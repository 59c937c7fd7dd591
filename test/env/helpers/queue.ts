// The queue and the EventBridge rules in moto, built from infra/event-patterns.ts (the patterns
// users deploy), and PutEvents so that every test event goes through the rules' matching.
import { CreateEventBusCommand, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { EVENT_RULES } from '../../../infra/event-patterns.ts';
import type { AwsClients } from './aws.ts';
import { uniqueName } from './wait.ts';

export interface TestQueue {
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
  ruleNames: string[];
  /** The bus the rules listen on: `default` (as in AWS), or a test's own bus for isolation. */
  eventBusName: string;
}

export interface QueueOptions {
  name?: string;
  maxReceiveCount?: number;
  visibilityTimeout?: number;
  /**
   * Put the rules on a bus of their own, so that tests sharing one moto never see each other's
   * events (AWS sends its events to `default`; the patterns are the same either way).
   */
  ownEventBus?: boolean;
}

export async function createQueue(aws: AwsClients, options: QueueOptions = {}): Promise<TestQueue> {
  const name = options.name ?? uniqueName('nth-queue');
  const dlq = await aws.sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const dlqUrl = dlq.QueueUrl ?? '';
  const dlqArn = await queueArn(aws, dlqUrl);
  const queue = await aws.sqs.send(new CreateQueueCommand({
    QueueName: name,
    Attributes: {
      VisibilityTimeout: String(options.visibilityTimeout ?? 30),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: options.maxReceiveCount ?? 5 }),
    },
  }));
  const queueUrl = queue.QueueUrl ?? '';
  return { queueUrl, queueArn: await queueArn(aws, queueUrl), deadLetterQueueUrl: dlqUrl, ruleNames: [], eventBusName: 'default' };
}

/** A queue fed by one EventBridge rule per kind, exactly as the CDK construct wires it. */
export async function createQueueWithRules(aws: AwsClients, options: QueueOptions = {}): Promise<TestQueue> {
  const queue = await createQueue(aws, options);
  const prefix = queue.queueUrl.split('/').pop() ?? 'nth';
  if (options.ownEventBus) {
    queue.eventBusName = `${prefix}-bus`;
    await aws.eventbridge.send(new CreateEventBusCommand({ Name: queue.eventBusName }));
  }
  const ruleArns: string[] = [];
  for (const rule of EVENT_RULES) {
    const ruleName = `${prefix}-${rule.id}`;
    const put = await aws.eventbridge.send(new PutRuleCommand({ Name: ruleName, EventBusName: queue.eventBusName, EventPattern: JSON.stringify(rule.pattern), State: 'ENABLED' }));
    await aws.eventbridge.send(new PutTargetsCommand({ Rule: ruleName, EventBusName: queue.eventBusName, Targets: [{ Id: 'queue', Arn: queue.queueArn }] }));
    queue.ruleNames.push(ruleName);
    if (put.RuleArn) ruleArns.push(put.RuleArn);
  }
  // The statement the CDK construct writes (moto delivers without it; `doctor` checks it).
  await aws.sqs.send(new SetQueueAttributesCommand({
    QueueUrl: queue.queueUrl,
    Attributes: {
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{
          Sid: 'AllowEventBridgeRules', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage', Resource: queue.queueArn, Condition: { ArnEquals: { 'aws:SourceArn': ruleArns } },
        }],
      }),
    },
  }));
  return queue;
}

async function queueArn(aws: AwsClients, queueUrl: string): Promise<string> {
  const attrs = await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = attrs.Attributes?.QueueArn;
  if (!arn) throw new Error(`no QueueArn for ${queueUrl}`);
  return arn;
}

/** An EventBridge event as AWS delivers it (the shape our fixtures build). */
export interface EventBridgeEvent {
  source: string;
  'detail-type': string;
  detail: unknown;
  time?: string;
  resources?: string[];
}

/** Puts events on a bus (default: `default`); they reach a queue only through a matching rule. */
export async function putEvents(aws: AwsClients, events: EventBridgeEvent[], eventBusName = 'default'): Promise<void> {
  for (let i = 0; i < events.length; i += 10) {
    const batch = events.slice(i, i + 10);
    const out = await aws.eventbridge.send(new PutEventsCommand({
      Entries: batch.map((event) => ({
        Source: event.source,
        DetailType: event['detail-type'],
        Detail: JSON.stringify(event.detail),
        Time: event.time ? new Date(event.time) : undefined,
        Resources: event.resources,
        EventBusName: eventBusName,
      })),
    }));
    if (out.FailedEntryCount) throw new Error(`PutEvents failed for ${out.FailedEntryCount} entries: ${JSON.stringify(out.Entries)}`);
  }
}

/** Reads what is on a queue without consuming it for long (visibility 0), for assertions. */
export async function peekMessages(aws: AwsClients, queueUrl: string, waitSeconds = 1): Promise<Message[]> {
  const out = await aws.sqs.send(new ReceiveMessageCommand({
    QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds, VisibilityTimeout: 0,
    MessageSystemAttributeNames: ['All'],
  }));
  return out.Messages ?? [];
}
