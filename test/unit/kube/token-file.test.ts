// Token files are read again when they change: a kubeconfig user's `tokenFile` (which client-node
// alone ignores) and the in-cluster service-account token (which client-node re-reads only every
// 60 s). The e2e test test/e2e/resilience/credential-rotation.test.ts does it against an apiserver.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../../../lib/kube/client.ts';
import { reloadTokenFiles, TokenFileAuthenticator } from '../../../lib/kube/token-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'nth-token-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Replaces a file the way a rotation should: write aside, then rename over it. */
function replace(file: string, content: string): void {
  writeFileSync(`${file}.new`, content);
  renameSync(`${file}.new`, file);
}

async function authorization(config: KubeConfig): Promise<string | undefined> {
  const opts: RequestOptions = {};
  await config.applyToHTTPSOptions(opts);
  const value: unknown = (opts.headers as Record<string, unknown> | undefined)?.Authorization;
  return typeof value === 'string' ? value : undefined;
}

function kubeconfig(name: string, user: Record<string, string>): string {
  const file = join(dir, name);
  writeFileSync(file, [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]',
    `users: [{name: u, user: ${JSON.stringify(user)}}]`,
    'contexts: [{name: x, context: {cluster: c, user: u}}]',
    'current-context: x',
  ].join('\n'));
  return file;
}

test('a kubeconfig tokenFile is used, and read again as soon as it changes', async () => {
  const tokenFile = join(dir, 'token-a');
  writeFileSync(tokenFile, 'first\n');
  const config = loadKubeConfig({ path: kubeconfig('a.yaml', { tokenFile }), env: {} });
  assert.equal(await authorization(config), 'Bearer first');
  replace(tokenFile, 'second');
  assert.equal(await authorization(config), 'Bearer second');
});

test('a relative tokenFile is relative to the kubeconfig; it wins over a static token', async () => {
  mkdirSync(join(dir, 'secrets'));
  writeFileSync(join(dir, 'secrets', 'token'), 'from-file');
  const config = loadKubeConfig({ path: kubeconfig('b.yaml', { token: 'static', tokenFile: 'secrets/token' }), env: {} });
  assert.equal(await authorization(config), 'Bearer from-file');
});

test('a kubeconfig without token files is left as it is', async () => {
  const config = loadKubeConfig({ path: kubeconfig('c.yaml', { token: 'static' }), env: {} });
  assert.equal(await authorization(config), 'Bearer static');
});

test('the in-cluster token is read again when the kubelet rotates it, not a minute later', async () => {
  const root = join(dir, 'pod');
  const sa = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
  mkdirSync(sa, { recursive: true });
  writeFileSync(join(sa, 'token'), 'projected-1');
  writeFileSync(join(sa, 'ca.crt'), '');
  const config = new KubeConfig();
  config.loadFromCluster(root);
  reloadTokenFiles(config);
  assert.equal(await authorization(config), 'Bearer projected-1');
  replace(join(sa, 'token'), 'projected-2');
  assert.equal(await authorization(config), 'Bearer projected-2');
});

test('while the file is missing or empty for a moment, the last token read is kept', () => {
  const file = join(dir, 'flaky');
  writeFileSync(file, 'kept');
  const auth = new TokenFileAuthenticator();
  assert.equal(auth.token(file), 'kept');
  writeFileSync(file, '');
  assert.equal(auth.token(file), 'kept');
  rmSync(file);
  assert.equal(auth.token(file), 'kept');
  assert.throws(() => new TokenFileAuthenticator().token(file), /ENOENT/);
});
