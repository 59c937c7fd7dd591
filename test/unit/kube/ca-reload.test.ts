// The API clients share one connection pool (sharedConnectionAuth), and still follow a replaced CA
// bundle at once: a local HTTPS server moves to a certificate from a new CA, the CA file is
// replaced, and the next request verifies against the new CA. The e2e version, against a real
// apiserver, is test/e2e/resilience/ca-rotation.test.ts.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createKubeClients, loadKubeConfig } from '../../../lib/kube/client.ts';
import { createRateLimiter } from '../../../lib/kube/rate-limit.ts';
import { createCa, issueServingCert } from '../../env/pki.ts';

const dir = mkdtempSync(join(tmpdir(), 'nth-ca-reload-'));
const servers: Server[] = [];
after(() => {
  for (const server of servers) server.closeAllConnections();
  for (const server of servers) server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function serve(cert: { cert: string; key: string }, port = 0): Promise<Server> {
  const server = createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, (_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ major: '1', minor: '34', gitVersion: 'v1.34.0' }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

test('a replaced CA file applies to the next request, despite the shared connection pool', async () => {
  const oldCa = createCa(dir, 'old-ca');
  const newCa = createCa(dir, 'new-ca');
  let server = await serve(issueServingCert(dir, 'old-serving', oldCa));
  const port = (server.address() as AddressInfo).port;
  const caFile = join(dir, 'ca.crt');
  copyFileSync(oldCa.cert, caFile);
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'x',
    clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority': caFile } }],
    users: [{ name: 'u', user: { token: 't' } }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
  }));
  const { version } = createKubeClients(loadKubeConfig({ path: kubeconfig, env: {} }), createRateLimiter({ kubeApiQps: 100, kubeApiBurst: 100 }));
  assert.equal((await version.getCode()).gitVersion, 'v1.34.0');

  // The server moves to the new CA: the old bundle no longer verifies it.
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  server = await serve(issueServingCert(dir, 'new-serving', newCa), port);
  await assert.rejects(version.getCode());

  copyFileSync(newCa.cert, `${caFile}.tmp`);
  renameSync(`${caFile}.tmp`, caFile);
  assert.equal((await version.getCode()).gitVersion, 'v1.34.0');
});
