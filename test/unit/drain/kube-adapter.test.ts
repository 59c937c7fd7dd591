// The pure parts of the Kubernetes adapter: server version, eviction discovery, API error reading,
// kubeconfig sources, and that the generated clients' requests go through the limiter.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, test } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { isMultiplePdbRefusal } from '../../../lib/drain/evict.ts';
import { apiMessage, isTransient, statusOf } from '../../../lib/kube/api-error.ts';
import { createKubeClients, loadKubeConfig } from '../../../lib/kube/client.ts';
import { evictionSupportFrom } from '../../../lib/kube/discovery.ts';
import { TokenBucket } from '../../../lib/kube/rate-limit.ts';
import { TESTED_MINOR_MAX, TESTED_MINOR_MIN, parseServerVersion } from '../../../lib/kube/version.ts';

describe('parseServerVersion', () => {
  test('reads gitVersion, also with a vendor suffix', () => {
    assert.deepEqual(parseServerVersion({ major: '1', minor: '34', gitVersion: 'v1.34.4-eks-0123456' }),
      { major: 1, minor: 34, patch: 4, gitVersion: 'v1.34.4-eks-0123456', withinTestedRange: true });
  });
  test('falls back to major/minor (minor may carry a +)', () => {
    const version = parseServerVersion({ major: '1', minor: '30+' });
    assert.deepEqual([version.minor, version.patch, version.withinTestedRange], [30, undefined, false]);
  });
  test('the tested range is inclusive at both ends', () => {
    assert.equal(parseServerVersion({ gitVersion: `v1.${TESTED_MINOR_MIN}.0` }).withinTestedRange, true);
    assert.equal(parseServerVersion({ gitVersion: `v1.${TESTED_MINOR_MAX}.9` }).withinTestedRange, true);
    assert.equal(parseServerVersion({ gitVersion: `v1.${TESTED_MINOR_MAX + 1}.0` }).withinTestedRange, false);
  });
  test('an unreadable version is an error', () => {
    assert.throws(() => parseServerVersion({ gitVersion: 'unknown' }), /cannot parse/);
  });
});

describe('evictionSupportFrom', () => {
  const resource = (name: string, group?: string, version?: string) => ({ name, kind: 'Eviction', namespaced: true, singularName: '', verbs: ['create'], group, version });
  test('the group/version the server offers', () => {
    assert.deepEqual(evictionSupportFrom({ resources: [resource('pods'), resource('pods/eviction', 'policy', 'v1')] }), { mode: 'eviction', groupVersion: 'policy/v1' });
    assert.deepEqual(evictionSupportFrom({ resources: [resource('pods/eviction', 'policy', 'v1beta1')] }), { mode: 'eviction', groupVersion: 'policy/v1beta1' });
  });
  test('a plain DELETE when eviction is not offered', () => {
    assert.deepEqual(evictionSupportFrom({ resources: [resource('pods')] }), { mode: 'delete' });
  });
});

describe('API errors', () => {
  const status = (code: number, message: string) => new ApiException(code, 'x', JSON.stringify({ kind: 'Status', code, message }), {});
  test('status and the Status message', () => {
    const error = status(429, 'Cannot evict pod as it would violate the pod\'s disruption budget.');
    assert.equal(statusOf(error), 429);
    assert.match(apiMessage(error), /disruption budget/);
    assert.equal(statusOf(new Error('x')), undefined);
  });
  test('the multiple-PDB refusal is told apart from other 500s', () => {
    assert.equal(isMultiplePdbRefusal(status(500, 'Internal error occurred: This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.')), true);
    assert.equal(isMultiplePdbRefusal(status(500, 'etcdserver: request timed out')), false);
  });
  test('transient: 429, 5xx and network errors; not 4xx or aborts', () => {
    assert.deepEqual([429, 500, 503, 400, 403, 404].map((code) => isTransient(status(code, ''))), [true, true, true, false, false, false]);
    assert.equal(isTransient(new TypeError('fetch failed')), true);
    assert.equal(isTransient(Object.assign(new Error('aborted'), { name: 'AbortError' })), false);
  });
});

describe('kubeconfig and clients', () => {
  const kubeconfig = (server: string, context: string) => JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': context,
    // A plain-HTTP test server needs this for client-node to talk to it.
    clusters: [{ name: context, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: context, user: { token: 't' } }],
    contexts: [{ name: context, context: { cluster: context, user: context } }],
  });

  test('the setting first, else KUBECONFIG (a list: the first file picks the context)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nth-kubeconfig-'));
    try {
      const a = join(dir, 'a');
      const b = join(dir, 'b');
      writeFileSync(a, kubeconfig('https://a.example:6443', 'a'));
      writeFileSync(b, kubeconfig('https://b.example:6443', 'b'));
      assert.equal(loadKubeConfig({ path: b, env: { KUBECONFIG: a } }).getCurrentCluster()?.server, 'https://b.example:6443');
      const merged = loadKubeConfig({ path: '', env: { KUBECONFIG: [a, b].join(delimiter) } });
      assert.equal(merged.getCurrentCluster()?.server, 'https://a.example:6443');
      assert.deepEqual(merged.getContexts().map((c) => c.name).sort(), ['a', 'b']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('outside a pod, no kubeconfig is an error that says what to set', () => {
    assert.throws(() => loadKubeConfig({ path: '', env: {} }), /KUBECONFIG/);
  });

  test('every request of the generated clients takes a token (even with per-call options)', async () => {
    const server = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(request.url === '/version' ? JSON.stringify({ major: '1', minor: '34', gitVersion: 'v1.34.1' }) : JSON.stringify({ kind: 'NodeList', items: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const dir = mkdtempSync(join(tmpdir(), 'nth-kubeconfig-'));
    try {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      writeFileSync(join(dir, 'config'), kubeconfig(`http://127.0.0.1:${port}`, 'local'));
      const limiter = new TokenBucket({ qps: 1000, burst: 1000 });
      const clients = createKubeClients(loadKubeConfig({ path: join(dir, 'config') }), limiter);
      await clients.version.getCode();
      await clients.core.listNode({}, { middleware: [], middlewareMergeStrategy: 'replace' });
      assert.equal(limiter.requestCount, 2);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
