import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { withLogContext } from '../../../lib/observe/log-context.ts';
import { createLogger } from '../../../lib/observe/logger.ts';

function capture(): { logger: ReturnType<typeof createLogger>; lines: () => Record<string, unknown>[]; raw: string[] } {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      raw.push(...chunk.toString().split('\n').filter((l) => l.trim()));
      done();
    },
  });
  const logger = createLogger({ logLevel: 'debug', jsonLogging: true }, sink);
  return { logger, raw, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('lines written inside an event carry its fields, even from code that never saw the event', async () => {
  const { logger, lines } = capture();
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
  const { logger, raw } = capture();
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
  const { logger, lines } = capture();
  withLogContext({ eventId: 'e', nodeName: 'n' }, () => withLogContext({ nodeName: '', instanceId: 'i' }, () => logger.info('y')));
  const [line] = lines();
  assert.equal(line?.nodeName, 'n');
  assert.equal(line?.instanceId, 'i');
});
