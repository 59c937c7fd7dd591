// Issue 5: the EventBridge rules as users deploy them — read from the synthesized CDK template, not
// from our own pattern list — loaded into moto's EventBridge. Each rule gets a queue of its own, so
// the test sees which rule delivered: every sample event of DESIGN §3 arrives through exactly one
// rule, and events that must not match (another service, a Health event of another service or
// category, a state change from another source) arrive through none.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { CreateEventBusCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { rulesFromTemplate } from '../../../infra/rules-from-template.ts';
import { synthesizeTemplate } from '../../../infra/stack.ts';
import {
  asgLaunchLifecycleAction,
  asgTerminateLifecycleAction,
  capacityReservationInterruption,
  instanceStateChange,
  rebalanceRecommendation,
  scheduledChange,
  spotInterruption,
} from '../../fixtures/events/index.ts';
import { useEnvironment } from '../../env/environment.ts';
import { awsClients } from '../../env/helpers/aws.ts';
import { createQueue, peekMessages, putEvents, type EventBridgeEvent } from '../../env/helpers/queue.ts';
import { sleep, uniqueName } from '../../env/helpers/wait.ts';

const env = await useEnvironment();
const aws = awsClients(env);

const MATCHING: Record<string, EventBridgeEvent> = {
  'spot interruption': spotInterruption({ id: uniqueName('spot') }),
  'rebalance recommendation': rebalanceRecommendation({ id: uniqueName('rebalance') }),
  'state change': instanceStateChange({ id: uniqueName('state') }),
  'capacity reservation interruption': capacityReservationInterruption({ id: uniqueName('odcr') }),
  'EC2 scheduled change': scheduledChange({ id: uniqueName('health') }),
  'ASG terminate': asgTerminateLifecycleAction({ id: uniqueName('term') }),
  'ASG launch': asgLaunchLifecycleAction({ id: uniqueName('launch') }),
};

const NOT_MATCHING: Record<string, EventBridgeEvent> = {
  'another service': { source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: 'b' } } },
  'a Health event of another service': scheduledChange({ id: uniqueName('rds'), service: 'RDS' }),
  'a Health event of another category': scheduledChange({ id: uniqueName('issue'), eventTypeCategory: 'issue' }),
  'a state change from another source': { ...instanceStateChange({ id: uniqueName('fake') }), source: 'custom.app' },
};

describe('the deployed EventBridge rules, from the synthesized template, in moto', () => {
  const queues = new Map<string, string>(); // rule logical ID → its own queue URL
  let bus = '';

  before(async () => {
    const rules = rulesFromTemplate(synthesizeTemplate({ clusterName: 'demo' }));
    assert.ok(rules.length >= 6, `the template has a rule per kind (${rules.length})`);
    bus = uniqueName('rules-bus');
    await aws.eventbridge.send(new CreateEventBusCommand({ Name: bus }));
    for (const rule of rules) {
      const queue = await createQueue(aws, { name: uniqueName('rule') });
      const name = uniqueName('r');
      await aws.eventbridge.send(new PutRuleCommand({ Name: name, EventBusName: bus, EventPattern: JSON.stringify(rule.eventPattern), State: 'ENABLED' }));
      await aws.eventbridge.send(new PutTargetsCommand({ Rule: name, EventBusName: bus, Targets: [{ Id: 'q', Arn: queue.queueArn }] }));
      queues.set(rule.ruleLogicalId, queue.queueUrl);
    }
  });

  /** Which rules' queues received the event with this id. */
  async function deliveredBy(id: string): Promise<string[]> {
    const by: string[] = [];
    for (const [rule, url] of queues) {
      const bodies = (await peekMessages(aws, url, 0)).map((m) => JSON.parse(m.Body ?? '{}') as { id?: string; detail?: unknown });
      if (bodies.some((b) => b.id === id || JSON.stringify(b.detail).includes(id))) by.push(rule);
    }
    return by;
  }

  for (const [name, event] of Object.entries(MATCHING)) {
    test(`${name}: delivered through exactly one rule`, async () => {
      // moto gives delivered events ids of its own; a marker in the detail identifies ours.
      const marker = uniqueName('marker');
      await putEvents(aws, [{ ...event, detail: { ...(event.detail as Record<string, unknown>), testMarker: marker } }], bus);
      let by: string[] = [];
      for (let i = 0; i < 20 && by.length === 0; i++) {
        await sleep(150);
        by = await deliveredBy(marker);
      }
      await sleep(300);
      by = await deliveredBy(marker);
      assert.equal(by.length, 1, `${name} reached ${by.length} rules: ${by.join(', ')}`);
    });
  }

  for (const [name, event] of Object.entries(NOT_MATCHING)) {
    test(`${name}: delivered through no rule`, async () => {
      const marker = uniqueName('marker');
      await putEvents(aws, [{ ...event, detail: { ...(event.detail as Record<string, unknown>), testMarker: marker } }], bus);
      await sleep(1000);
      assert.deepEqual(await deliveredBy(marker), []);
    });
  }
});
