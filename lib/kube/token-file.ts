// Bearer tokens read from a file and read again whenever the file changes, for the in-cluster
// service-account token and a kubeconfig user's `tokenFile`. Both exist so that something else can
// rotate the token: the kubelet rewrites a projected service-account token well before it expires,
// and an operator may replace a revoked one. client-node 2.0 re-reads the in-cluster token only
// every 60 s (its FileAuth), so for up to a minute after a revocation every request fails; and it
// does not know a kubeconfig's `tokenFile` at all (it reads a `token-file` key, once, at load), so
// such a kubeconfig would leave the controller unauthenticated.
import { readFileSync, statSync } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import { dirname, resolve } from 'node:path';
import { loadYaml, type KubeConfig, type User } from '@kubernetes/client-node';

type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

/**
 * The authProvider we give such users. Its config key is not client-node's `tokenFile`, so its own
 * FileAuth (which client-node asks before any added authenticator) leaves them to ours.
 */
export const TOKEN_FILE_PROVIDER = 'node-termination-handler/token-file';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The token file a user reads, when it is one of ours. */
export function tokenFileOf(user: User): string | undefined {
  const provider: unknown = user.authProvider;
  if (!isRecord(provider) || provider.name !== TOKEN_FILE_PROVIDER || !isRecord(provider.config)) return undefined;
  return typeof provider.config.path === 'string' ? provider.config.path : undefined;
}

/** Authorization from the token file, read again when it changed (size, mtime or inode). */
export class TokenFileAuthenticator implements Authenticator {
  private readonly cache = new Map<string, { stamp: string; token: string }>();

  isAuthProvider(user: User): boolean {
    return tokenFileOf(user) !== undefined;
  }

  // client-node hands over https.RequestOptions (or ws options) whose headers it created as an object.
  applyAuthentication(user: User, opts: { headers?: OutgoingHttpHeaders }): Promise<void> {
    const file = tokenFileOf(user);
    if (file === undefined) return Promise.resolve();
    opts.headers = { ...opts.headers, Authorization: `Bearer ${this.token(file)}` };
    return Promise.resolve();
  }

  /**
   * One stat per request (the file is tiny and local); the content only when it changed. While
   * the file is missing or empty for a moment (a rotation that is not atomic), the last token read
   * is kept, as client-go does.
   */
  token(file: string): string {
    const cached = this.cache.get(file);
    try {
      // stat follows symlinks: the kubelet rotates a projected token by swapping a `..data` link.
      const stat = statSync(file);
      const stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
      if (cached?.stamp === stamp) return cached.token;
      const token = readFileSync(file, 'utf8').trim();
      if (token === '') throw new Error(`token file ${file} is empty`);
      this.cache.set(file, { stamp, token });
      return token;
    } catch (error) {
      if (cached) return cached.token;
      throw error;
    }
  }
}

/** `tokenFile` (and client-node's `token-file`) of each user of a kubeconfig file, made absolute. */
export function tokenFilesIn(kubeconfigFile: string): Map<string, string> {
  const found = new Map<string, string>();
  const doc: unknown = loadYaml(readFileSync(kubeconfigFile, 'utf8'));
  const users: unknown = isRecord(doc) ? doc.users : undefined;
  if (!Array.isArray(users)) return found;
  for (const entry of users as unknown[]) {
    if (!isRecord(entry) || typeof entry.name !== 'string' || !isRecord(entry.user)) continue;
    const path = entry.user.tokenFile ?? entry.user['token-file'];
    // As kubectl does, a relative path is relative to the kubeconfig file.
    if (typeof path === 'string' && path !== '') found.set(entry.name, resolve(dirname(kubeconfigFile), path));
  }
  return found;
}

/**
 * Makes the users that read a token file (the kubeconfig's `tokenFile` users named in `fromFiles`,
 * and client-node's in-cluster user) read it through TokenFileAuthenticator. The file wins over a
 * static `token`, as in client-go.
 */
export function reloadTokenFiles(config: KubeConfig, fromFiles: ReadonlyMap<string, string> = new Map()): void {
  let used = false;
  config.users = config.users.map((user) => {
    const provider: unknown = user.authProvider;
    const inCluster = isRecord(provider) && isRecord(provider.config) && typeof provider.config.tokenFile === 'string'
      ? provider.config.tokenFile : undefined;
    const path = fromFiles.get(user.name) ?? inCluster;
    if (path === undefined) return user;
    used = true;
    const { token: _static, ...rest } = user;
    return { ...rest, authProvider: { name: TOKEN_FILE_PROVIDER, config: { path } } };
  });
  if (used) config.addAuthenticator(new TokenFileAuthenticator());
}
