// The IAM policy against the source: every AWS SDK command the controller sends (the modules
// lib/controller/build.ts composes, so not the `doctor` CLI's probes) is authorised by an action of
// CONTROLLER_AWS_ACTIONS, and every action is needed by some command. The e2e test
// test/e2e/deploy/service-account.test.ts shows the same with the calls a real run makes; this one
// also catches a command on a path that run does not take, in a second, without the environment.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CONTROLLER_AWS_ACTIONS, iamActionForOperation } from '../../../infra/permissions.ts';
import { ROOT, runtimeImports } from './source.ts';

/** The SDK client packages the controller uses, by IAM service prefix. */
const PACKAGES: Record<string, string> = {
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-auto-scaling': 'autoscaling',
};

/** The controller: everything its composition root loads. */
const CONTROLLER_ENTRY = 'lib/controller/build.ts';

/** `sqs:DeleteMessageBatch`, … for each `new XCommand(` whose class comes from an SDK client. */
function commandsSent(): Map<string, string[]> {
  const sent = new Map<string, string[]>();
  for (const file of runtimeImports(CONTROLLER_ENTRY).files) {
    const text = readFileSync(`${ROOT}/${file}`, 'utf8');
    for (const [, names = '', pkg = ''] of text.matchAll(/^import\s+\{([^}]*)\}\s+from\s+'(@aws-sdk\/[^']+)'/gm)) {
      const service = PACKAGES[pkg];
      if (!service) continue;
      for (const name of names.split(',').map((n) => n.trim()).filter((n) => /^\w+Command$/.test(n))) {
        if (!new RegExp(`new ${name}\\(`).test(text)) continue;
        const key = `${service}:${name.replace(/Command$/, '')}`;
        sent.set(key, [...(sent.get(key) ?? []), file]);
      }
    }
  }
  return sent;
}

test('every AWS command the controller sends is allowed, and every allowed action is used', () => {
  const sent = commandsSent();
  assert.ok(sent.size > 0, 'found the SDK commands');
  const actions = new Set<string>();
  for (const [call, files] of sent) {
    const [service = '', operation = ''] = call.split(':');
    const action = iamActionForOperation(service, operation);
    assert.ok(action, `${call} (${files.join(', ')}) is not allowed by CONTROLLER_PERMISSIONS`);
    actions.add(action);
  }
  assert.deepEqual([...actions].sort(), [...CONTROLLER_AWS_ACTIONS].sort(), `commands sent: ${[...sent.keys()].join(', ')}`);
});
