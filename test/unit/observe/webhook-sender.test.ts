import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { backoffDelayMs, isRetryableStatus, WebhookDeliveryError, WebhookSender, type SenderOptions } from '../../../lib/observe/webhook/sender.ts';
import { startProxy, startReceiver, type Receiver } from './http-fixtures.ts';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers) await close();
});

function sender(url: string, options: Partial<SenderOptions> = {}): WebhookSender {
  const s = new WebhookSender({ url, headers: {}, proxy: '', timeoutMs: 2000, retries: 3, baseDelayMs: 1, sleep: () => Promise.resolve(), ...options });
  closers.push(() => s.close());
  return s;
}

async function receiver(statuses: (number | 'hang')[]): Promise<Receiver> {
  const r = await startReceiver(statuses);
  closers.push(() => r.close());
  return r;
}

describe('webhook sender', () => {
  test('POSTs the body as JSON with the configured headers', async () => {
    const r = await receiver([200]);
    const result = await sender(r.url, { headers: { Authorization: 'Bearer x', 'X-Team': 'infra' } }).send('{"a":1}');
    assert.deepEqual(result, { attempts: 1, status: 200 });
    assert.equal(r.received.length, 1);
    assert.equal(r.received[0]?.method, 'POST');
    assert.equal(r.received[0]?.body, '{"a":1}');
    assert.equal(r.received[0]?.headers['content-type'], 'application/json');
    assert.equal(r.received[0]?.headers.authorization, 'Bearer x');
    assert.equal(r.received[0]?.headers['x-team'], 'infra');
  });

  test('retries after 500 and 429, with the same body, until it succeeds', async () => {
    const r = await receiver([500, 429, 204]);
    const retries: string[] = [];
    const result = await sender(r.url).send('{"n":1}', (attempt, reason) => retries.push(`${attempt}: ${reason}`));
    assert.deepEqual(result, { attempts: 3, status: 204 });
    assert.deepEqual(r.received.map((x) => x.body), ['{"n":1}', '{"n":1}', '{"n":1}']);
    assert.deepEqual(retries, ['1: answered 500', '2: answered 429']);
  });

  test('gives up after the configured retries, saying how it ended', async () => {
    const r = await receiver([503]);
    await assert.rejects(sender(r.url, { retries: 2 }).send('{}'), (error: unknown) =>
      error instanceof WebhookDeliveryError && error.attempts === 3 && error.status === 503 && /answered 503 after 3 attempts/.test(error.message));
    assert.equal(r.received.length, 3);
  });

  test('a 4xx other than 429 is not retried', async () => {
    const r = await receiver([404, 200]);
    await assert.rejects(sender(r.url).send('{}'), (error: unknown) => error instanceof WebhookDeliveryError && error.attempts === 1 && error.status === 404);
    assert.equal(r.received.length, 1);
  });

  test('network errors are retried', async () => {
    const r = await receiver([200]);
    const url = r.url;
    await r.close();
    const attempts: number[] = [];
    await assert.rejects(sender(url, { retries: 2 }).send('{}', (n) => attempts.push(n)), (error: unknown) =>
      error instanceof WebhookDeliveryError && error.attempts === 3 && error.status === undefined && /failed/.test(error.message));
    assert.deepEqual(attempts, [1, 2]);
  });

  test('an attempt that takes longer than the timeout is abandoned and retried', async () => {
    const r = await receiver(['hang', 200]);
    const result = await sender(r.url, { timeoutMs: 200 }).send('{}');
    assert.deepEqual(result, { attempts: 2, status: 200 });
  });

  test('goes through the proxy, with its credentials as Proxy-Authorization', async () => {
    const r = await receiver([200]);
    const proxy = await startProxy();
    closers.push(() => proxy.close());
    const withAuth = proxy.url.replace('http://', 'http://me:s%40cret@');
    await sender(r.url, { proxy: withAuth }).send('{"via":"proxy"}');
    assert.deepEqual(proxy.seen, [`POST ${r.url}`]);
    assert.equal(proxy.authorizations[0], `Basic ${Buffer.from('me:s@cret').toString('base64')}`);
    assert.equal(r.received[0]?.body, '{"via":"proxy"}');
  });

  test('back-off doubles per attempt, jittered, capped', () => {
    for (let i = 0; i < 50; i++) {
      const d0 = backoffDelayMs(0, 1000, 30_000);
      const d3 = backoffDelayMs(3, 1000, 30_000);
      const d9 = backoffDelayMs(9, 1000, 30_000);
      assert.ok(d0 >= 500 && d0 <= 1000);
      assert.ok(d3 >= 4000 && d3 <= 8000);
      assert.ok(d9 >= 15_000 && d9 <= 30_000);
    }
    assert.ok(isRetryableStatus(500) && isRetryableStatus(429) && !isRetryableStatus(400) && !isRetryableStatus(301));
  });
});
