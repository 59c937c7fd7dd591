// doctor, AWS side: the queue (exists, dead-letter queue, encryption EventBridge can use), its
// policy (EventBridge may send), and the rules (one enabled rule per kind delivers to the queue,
// and the policy's aws:SourceArn lets that rule in).
import { DescribeRuleCommand, ListRuleNamesByTargetCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { patternMatches } from './event-pattern.ts';
import { SAMPLE_EVENTS } from './samples.ts';
import { check, errorText, isAccessDenied, type CheckResult } from './types.ts';

export interface QueueCheckDeps {
  sqs: Pick<SQSClient, 'send'>;
  eventbridge: Pick<EventBridgeClient, 'send'>;
}

export interface QueueCheckInput {
  queueUrl: string;
  region: string;
  eventBusName: string;
}

const DEPLOY_FIX = 'deploy infra/ (npx cdk deploy), which creates the queue, its policy and the rules together';

/** `https://sqs.us-east-1.amazonaws.com/123456789012/q` → `arn:aws:sqs:us-east-1:123456789012:q`. */
export function queueArnFromUrl(queueUrl: string, region: string): string | undefined {
  const parts = URL.canParse(queueUrl) ? new URL(queueUrl).pathname.split('/').filter(Boolean) : [];
  const [account, name] = parts;
  return account !== undefined && name !== undefined && parts.length === 2 ? `arn:aws:sqs:${region}:${account}:${name}` : undefined;
}

export interface QueueFacts {
  queueArn: string | undefined;
  /** aws:SourceArn values the policy's EventBridge statement allows; undefined: no condition. */
  allowedSources: readonly string[] | undefined;
  policyAllowsEventBridge: boolean;
}

export async function checkQueue(deps: QueueCheckDeps, input: QueueCheckInput): Promise<{ results: CheckResult[]; facts: QueueFacts }> {
  const results: CheckResult[] = [];
  const facts: QueueFacts = { queueArn: queueArnFromUrl(input.queueUrl, input.region), allowedSources: undefined, policyAllowsEventBridge: false };
  let attributes: Record<string, string>;
  try {
    const out = await deps.sqs.send(new GetQueueAttributesCommand({ QueueUrl: input.queueUrl, AttributeNames: ['All'] }));
    attributes = out.Attributes ?? {};
  } catch (error) {
    const fix = isAccessDenied(error)
      ? 'grant sqs:GetQueueAttributes on the queue (infra/permissions.ts lists what the controller needs)'
      : `check QUEUE_URL, the region and the credentials; or ${DEPLOY_FIX}`;
    results.push(check('queue', 'fail', `queue ${input.queueUrl} cannot be read: ${errorText(error)}`, fix));
    return { results, facts };
  }
  facts.queueArn = attributes.QueueArn ?? facts.queueArn;
  results.push(check('queue', 'pass', `queue exists and can be read: ${facts.queueArn ?? input.queueUrl} ` +
    `(${attributes.ApproximateNumberOfMessages ?? '?'} messages waiting, ${attributes.ApproximateNumberOfMessagesNotVisible ?? '?'} in flight)`));

  const redrive = parseJson(attributes.RedrivePolicy);
  if (isRecord(redrive) && typeof redrive.deadLetterTargetArn === 'string') {
    results.push(check('queue', 'pass', `dead-letter queue ${redrive.deadLetterTargetArn} after ${String(redrive.maxReceiveCount)} receives`));
  } else {
    results.push(check('queue', 'warn', 'no dead-letter queue: a message that never parses is received forever',
      'set a RedrivePolicy (the CDK construct adds a DLQ with maxReceiveCount 5)'));
  }
  if (attributes.KmsMasterKeyId === 'alias/aws/sqs') {
    results.push(check('queue', 'fail', 'the queue is encrypted with the AWS managed key alias/aws/sqs, which EventBridge cannot use',
      'use SSE-SQS (SqsManagedSseEnabled) or a customer managed KMS key whose policy lets events.amazonaws.com use it'));
  }

  const policy = eventBridgeStatement(parseJson(attributes.Policy), facts.queueArn);
  facts.policyAllowsEventBridge = policy.allowed;
  facts.allowedSources = policy.sources;
  if (policy.allowed) {
    const scope = policy.sources === undefined ? 'from any rule' : `from ${policy.sources.length} rule ARN(s) (aws:SourceArn)`;
    results.push(check('queue', 'pass', `queue policy lets events.amazonaws.com send messages ${scope}`));
  } else {
    results.push(check('queue', 'fail', 'the queue policy does not let events.amazonaws.com call sqs:SendMessage: EventBridge cannot deliver',
      `add a statement {Effect: Allow, Principal: {Service: events.amazonaws.com}, Action: sqs:SendMessage, Resource: ${facts.queueArn ?? '<queue ARN>'}}; or ${DEPLOY_FIX}`));
  }
  return { results, facts };
}

interface PolicyFinding {
  allowed: boolean;
  sources: string[] | undefined;
}

function eventBridgeStatement(policy: unknown, queueArn: string | undefined): PolicyFinding {
  const statements = isRecord(policy) ? asList(policy.Statement) : [];
  for (const s of statements) {
    if (!isRecord(s) || s.Effect !== 'Allow') continue;
    const principal = s.Principal;
    const services = isRecord(principal) ? asList(principal.Service) : [];
    if (principal !== '*' && !services.includes('events.amazonaws.com')) continue;
    const actions = asList(s.Action).map(String);
    if (!actions.some((a) => ['sqs:SendMessage', 'sqs:*', '*'].includes(a))) continue;
    const resources = asList(s.Resource).map(String);
    if (queueArn !== undefined && resources.length > 0 && !resources.some((r) => r === queueArn || r === '*')) continue;
    const condition = isRecord(s.Condition) ? s.Condition : {};
    let sources: string[] | undefined;
    for (const [op, body] of Object.entries(condition)) {
      if (!/^(ArnEquals|ArnLike|StringEquals|StringLike)$/.test(op) || !isRecord(body)) continue;
      const value = body['aws:SourceArn'];
      if (value !== undefined) sources = asList(value).map(String);
    }
    return { allowed: true, sources };
  }
  return { allowed: false, sources: undefined };
}

interface Rule {
  name: string;
  arn: string;
  enabled: boolean;
  pattern: unknown;
}

export async function checkRules(deps: QueueCheckDeps, input: QueueCheckInput, facts: QueueFacts): Promise<CheckResult[]> {
  if (facts.queueArn === undefined) {
    return [check('rules', 'skip', 'rules not checked: the queue ARN is unknown (QUEUE_URL is not an SQS queue URL)')];
  }
  let rules: Rule[];
  try {
    rules = await rulesTargeting(deps.eventbridge, facts.queueArn, input.eventBusName);
  } catch (error) {
    return [check('rules', 'fail', `cannot list the rules of bus ${input.eventBusName}: ${errorText(error)}`,
      isAccessDenied(error) ? 'run doctor with events:ListRuleNamesByTarget and events:DescribeRule' : 'check --event-bus and the region')];
  }
  return SAMPLE_EVENTS.map((sample) => {
    const matching = rules.filter((rule) => patternMatches(rule.pattern, sample.event) !== false);
    const sure = matching.filter((rule) => patternMatches(rule.pattern, sample.event) === true);
    const enabled = sure.filter((rule) => rule.enabled);
    const admitted = enabled.filter((rule) => facts.allowedSources === undefined || facts.allowedSources.some((s) => arnMatches(s, rule.arn)));
    const what = `${sample.title} → queue`;
    if (admitted.length > 0) return check('rules', 'pass', `${what}: rule ${admitted.map((r) => r.name).join(', ')}`);
    const missing = sample.required ? 'fail' : 'warn';
    if (enabled.length > 0) {
      return check('rules', 'fail', `${what}: rule ${enabled.map((r) => r.name).join(', ')} matches, but the queue policy's aws:SourceArn does not list it`,
        `add ${enabled.map((r) => r.arn).join(', ')} to the aws:SourceArn condition of the queue policy`);
    }
    if (sure.length > 0) {
      return check('rules', missing, `${what}: rule ${sure.map((r) => r.name).join(', ')} is disabled`,
        `aws events enable-rule --event-bus-name ${input.eventBusName} --name ${sure[0]?.name ?? ''}`);
    }
    if (matching.length > 0) {
      return check('rules', 'warn', `${what}: rule ${matching.map((r) => r.name).join(', ')} uses pattern operators doctor cannot evaluate`,
        'check it with aws events test-event-pattern');
    }
    return check('rules', missing, `${what}: no rule on bus ${input.eventBusName} sends these events to the queue`,
      `${DEPLOY_FIX}; or create a rule with pattern ${JSON.stringify({ source: [sample.event.source], 'detail-type': [sample.event['detail-type']] })} targeting ${facts.queueArn ?? 'the queue'}`);
  });
}

async function rulesTargeting(eventbridge: Pick<EventBridgeClient, 'send'>, queueArn: string, eventBusName: string): Promise<Rule[]> {
  const names: string[] = [];
  let next: string | undefined;
  do {
    const page = await eventbridge.send(new ListRuleNamesByTargetCommand({ TargetArn: queueArn, EventBusName: eventBusName, NextToken: next }));
    names.push(...(page.RuleNames ?? []));
    next = page.NextToken;
  } while (next);
  return await Promise.all(names.map(async (name) => {
    const rule = await eventbridge.send(new DescribeRuleCommand({ Name: name, EventBusName: eventBusName }));
    return { name, arn: rule.Arn ?? '', enabled: rule.State === 'ENABLED', pattern: parseJson(rule.EventPattern) };
  }));
}

/** aws:SourceArn condition values may use ArnLike wildcards. */
function arnMatches(pattern: string, arn: string): boolean {
  const re = pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${re}$`).test(arn);
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const isRecord = (v: unknown): v is Readonly<Record<string, unknown>> => typeof v === 'object' && v !== null && !Array.isArray(v);
const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? (v as unknown[]) : [v]);
