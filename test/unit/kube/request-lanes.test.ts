// In a storm the rate limiter holds hundreds of requests: Node reads and writes (the cordon) go
// first, Events last; the API clients share one connection pool instead of one per request; and
// an answer that says "retry after" (the apiserver's priority and fairness) is retried, as client-go does.
import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import { HttpMethod, KubeConfig, RequestContext, ResponseContext, type HttpLibrary } from '@kubernetes/client-node';
import { rateLimitedHttpLibrary, requestPriority, retryAfterMs, sharedConnectionAuth } from '../../../lib/kube/client.ts';
import { TokenBucket } from '../../../lib/kube/rate-limit.ts';
import { InFlightLimit } from '../../../lib/kube/in-flight.ts';

describe('TokenBucket lanes', () => {
  test('waiters are served high, then normal, then low; in arrival order within a lane', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    try {
      const bucket = new TokenBucket({ qps: 10, burst: 1 });
      await bucket.take();
      const order: string[] = [];
      const all = [
        bucket.take('low').then(() => order.push('low 1')),
        bucket.take().then(() => order.push('normal 1')),
        bucket.take('high').then(() => order.push('high 1')),
        bucket.take('normal').then(() => order.push('normal 2')),
        bucket.take('high').then(() => order.push('high 2')),
      ];
      assert.equal(bucket.waiting, 5);
      for (let i = 0; i < 5; i++) {
        mock.timers.tick(100);
        await Promise.resolve();
      }
      await Promise.all(all);
      assert.deepEqual(order, ['high 1', 'high 2', 'normal 1', 'normal 2', 'low 1']);
      assert.equal(bucket.requestCount, 6);
    } finally {
      mock.timers.reset();
    }
  });

  test('a high-priority caller still waits behind the queue for a token (no burst beyond the limit)', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    try {
      const bucket = new TokenBucket({ qps: 10, burst: 1 });
      await bucket.take();
      let granted = false;
      const high = bucket.take('high').then(() => (granted = true));
      await Promise.resolve();
      assert.equal(granted, false);
      mock.timers.tick(100);
      await high;
      assert.equal(granted, true);
    } finally {
      mock.timers.reset();
    }
  });
});

describe('requestPriority', () => {
  test('one Node read or write is high; creating an Event is low; the rest normal', () => {
    const server = 'https://10.0.0.1:443';
    assert.equal(requestPriority('GET', `${server}/api/v1/nodes/ip-10-0-0-1.ec2.internal`), 'high');
    assert.equal(requestPriority('PATCH', `${server}/api/v1/nodes/ip-10-0-0-1.ec2.internal?fieldManager=x`), 'high');
    assert.equal(requestPriority('POST', `${server}/api/v1/namespaces/default/events`), 'low');
    assert.equal(requestPriority('POST', `${server}/apis/events.k8s.io/v1/namespaces/default/events`), 'low');
    assert.equal(requestPriority('POST', `${server}/api/v1/namespaces/a/pods/p/eviction`), 'normal');
    assert.equal(requestPriority('GET', `${server}/api/v1/nodes`), 'normal', 'listing every Node is no cordon');
    assert.equal(requestPriority('GET', `${server}/api/v1/namespaces/default/events`), 'normal');
  });
});

describe('sharedConnectionAuth', () => {
  function kubeConfig(): KubeConfig {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: true }],
      users: [{ name: 'u', token: 'secret' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    return config;
  }

  const request = (): RequestContext => new RequestContext('https://127.0.0.1:6443/api/v1/nodes', HttpMethod.GET);

  test('every request gets the credentials, and the same connection pool', async () => {
    const auth = sharedConnectionAuth(kubeConfig());
    const first = request();
    const second = request();
    await auth.applySecurityAuthentication(first);
    await auth.applySecurityAuthentication(second);
    assert.equal(first.getHeaders().Authorization, 'Bearer secret');
    assert.equal(second.getHeaders().Authorization, 'Bearer secret');
    assert.ok(first.getDispatcher(), 'client-node set a dispatcher (TLS settings present)');
    assert.equal(second.getDispatcher(), first.getDispatcher());
  });

  test('a fresh pool is adopted after the refresh period, so rotated certificates apply', async () => {
    let now = 0;
    const auth = sharedConnectionAuth(kubeConfig(), 1000, () => now);
    const first = request();
    await auth.applySecurityAuthentication(first);
    now = 1001;
    const later = request();
    await auth.applySecurityAuthentication(later);
    assert.notEqual(later.getDispatcher(), first.getDispatcher());
    const next = request();
    await auth.applySecurityAuthentication(next);
    assert.equal(next.getDispatcher(), later.getDispatcher());
  });
});

describe('retry after', () => {
  test('429 and 5xx with a Retry-After header wait that long (at most 10 s, plus jitter); others not', () => {
    const noJitter = (): number => 0;
    assert.equal(retryAfterMs(429, '1', noJitter), 1000);
    assert.equal(retryAfterMs(503, '3', noJitter), 3000);
    assert.equal(retryAfterMs(429, '60', noJitter), 10_000);
    assert.equal(retryAfterMs(429, undefined), undefined, 'a PodDisruptionBudget says 429 without Retry-After');
    assert.equal(retryAfterMs(409, '1'), undefined);
    assert.equal(retryAfterMs(429, 'Wed, 21 Oct 2015 07:28:00 GMT'), undefined);
  });

  function fakeServer(statuses: { status: number; retryAfter?: string }[]): { library: HttpLibrary; calls: () => number } {
    let calls = 0;
    const library = {
      send: () => {
        const next = statuses[Math.min(calls, statuses.length - 1)] ?? { status: 200 };
        calls += 1;
        const headers: Record<string, string> = next.retryAfter === undefined ? {} : { 'retry-after': next.retryAfter };
        const response = new ResponseContext(next.status, headers, { text: () => Promise.resolve(''), binary: () => Promise.resolve(Buffer.from('')), stream: () => null });
        return { toPromise: () => Promise.resolve(response) };
      },
    } as unknown as HttpLibrary;
    return { library, calls: () => calls };
  }

  test('a throttled request is sent again, taking a new token each time, and every answer is observed', async () => {
    const server = fakeServer([{ status: 429, retryAfter: '1' }, { status: 429, retryAfter: '1' }, { status: 201 }]);
    const bucket = new TokenBucket({ qps: 1000, burst: 1000 });
    const seen: (number | string)[] = [];
    const slept: number[] = [];
    const http = rateLimitedHttpLibrary(bucket, server.library, (_request, status) => seen.push(status), (ms) => {
      slept.push(ms);
      return Promise.resolve();
    });
    const response = await http.send(new RequestContext('https://k/api/v1/namespaces/a/pods/p/eviction', HttpMethod.POST)).toPromise();
    assert.equal(response.httpStatusCode, 201);
    assert.equal(server.calls(), 3);
    assert.equal(bucket.requestCount, 3);
    assert.deepEqual(seen, [429, 429, 201]);
    assert.equal(slept.length, 2);
    assert.ok(slept.every((ms) => ms >= 1000 && ms <= 2000));
  });

  /** Sends one request through the library to a server answering `answer` every time; how many calls it got. */
  async function callsFor(answer: { status: number; retryAfter?: string }, url: string, method: HttpMethod = HttpMethod.POST): Promise<number> {
    const server = fakeServer([answer]);
    const http = rateLimitedHttpLibrary(new TokenBucket({ qps: 1000, burst: 1000 }), server.library, undefined, () => Promise.resolve());
    const response = await http.send(new RequestContext(url, method)).toPromise();
    assert.equal(response.httpStatusCode, answer.status, 'the last answer goes back to the caller');
    return server.calls();
  }

  test('a PodDisruptionBudget\'s 429 (no Retry-After) goes back to the caller at once', async () => {
    assert.equal(await callsFor({ status: 429 }, 'https://k/api/v1/namespaces/a/pods/p/eviction'), 1);
  });

  test('a throttled Event (best effort) is not sent again', async () => {
    assert.equal(await callsFor({ status: 429, retryAfter: '1' }, 'https://k/api/v1/namespaces/default/events'), 1);
  });

  test('gives up after 5 attempts and returns the last answer', async () => {
    assert.equal(await callsFor({ status: 429, retryAfter: '1' }, 'https://k/api/v1/nodes', HttpMethod.GET), 5);
  });
});

describe('in-flight cap', () => {
  test('at most max requests wait for an answer; freed slots go to the highest lane first, then in order', async () => {
    const limit = new InFlightLimit(2);
    const order: string[] = [];
    const a = await limit.acquire('normal');
    const b = await limit.acquire('normal');
    const waiting = [
      limit.acquire('low').then((release) => (order.push('event'), release)),
      limit.acquire('normal').then((release) => (order.push('eviction-1'), release)),
      limit.acquire('normal').then((release) => (order.push('eviction-2'), release)),
      limit.acquire('high').then((release) => (order.push('cordon'), release)),
    ];
    assert.equal(limit.current, 2);
    assert.equal(limit.waiting, 4);
    a();
    a(); // a second release of the same slot is ignored
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, ['cordon']);
    b();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, ['cordon', 'eviction-1']);
    assert.equal(limit.current, 2);
    const [event, eviction1, eviction2, cordon] = waiting;
    for (const granted of [cordon, eviction1]) (await granted)?.();
    for (const next of [eviction2, event]) (await next)?.();
    assert.deepEqual(order, ['cordon', 'eviction-1', 'eviction-2', 'event']);
    assert.equal(limit.current, 0);
  });

  test('the HTTP library holds a slot only while a request waits for its answer', async () => {
    const limit = new InFlightLimit(1);
    let answer: () => void = () => undefined;
    let calls = 0;
    const library = {
      send: () => {
        calls += 1;
        const response = new ResponseContext(200, {}, { text: () => Promise.resolve(''), binary: () => Promise.resolve(Buffer.from('')), stream: () => null });
        return { toPromise: () => new Promise<ResponseContext>((resolve) => (answer = () => resolve(response))) };
      },
    } as unknown as HttpLibrary;
    const http = rateLimitedHttpLibrary(new TokenBucket({ qps: 1000, burst: 1000 }), library, undefined, undefined, limit);
    const first = http.send(new RequestContext('https://k/api/v1/namespaces/a/pods/p/eviction', HttpMethod.POST)).toPromise();
    const second = http.send(new RequestContext('https://k/api/v1/nodes/n', HttpMethod.PATCH)).toPromise();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls, 1, 'the second waits for the slot');
    answer();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls, 2);
    answer();
    await second;
    assert.equal(limit.current, 0);
  });
});
