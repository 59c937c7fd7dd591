import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withLogContext } from '../../../lib/observe/log-context.ts';
import { captureLogs } from './capture-logs.ts';


test('lines written inside an event carry its fields, even from code that never saw the event', async () => {
  const { logger, lines } = captureLogs();
  const deep = logger.child({ component: 'drain' });
  await withLogContext({ messageId: 'm-1' }, async () => {
    await withLogContext({ eventId: 'e-1', kind: 'spot-interruption' }, async () => {
      await Promise.resolve();
      await withLogContext({ instanceId: 'i-1', nodeName: 'n-1' }, () => {
        deep.info('evicted pod');
        return Promise.resolve();
      });
    });
  });
  logger.info('outside');
  const [inside, outside] = lines();
  assert.deepEqual({ ...inside, time: undefined }, {
    level: 30, time: undefined, component: 'drain', messageId: 'm-1', eventId: 'e-1', kind: 'spot-interruption', instanceId: 'i-1', nodeName: 'n-1', msg: 'evicted pod',
  });
  assert.equal(outside?.eventId, undefined);
});

test('no field appears twice: bindings and the call object win over the context', () => {
  const { logger, raw } = captureLogs();
  withLogContext({ eventId: 'ctx', nodeName: 'ctx-node' }, () => {
    logger.child({ eventId: 'bound' }).info({ nodeName: 'given' }, 'x');
  });
  const line = raw[0] ?? '';
  assert.equal(line.match(/"eventId"/g)?.length, 1, line);
  assert.equal(line.match(/"nodeName"/g)?.length, 1, line);
  assert.match(line, /"eventId":"bound"/);
  assert.match(line, /"nodeName":"given"/);
});

test('inner contexts add to outer ones; empty values do not erase', () => {
  const { logger, lines } = captureLogs();
  withLogContext({ eventId: 'e', nodeName: 'n' }, () => withLogContext({ nodeName: '', instanceId: 'i' }, () => logger.info('y')));
  const [line] = lines();
  assert.equal(line?.nodeName, 'n');
  assert.equal(line?.instanceId, 'i');
});
