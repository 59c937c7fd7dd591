import { request } from 'node:https';
import { readFileSync } from 'node:fs';

export interface HttpsAnswer {
  status: number;
  body: string;
}

/** A GET over TLS, trusting `caFile` (or nothing: `insecure` for components with self-signed certs). */
export async function httpsGet(url: string, opts: { caFile?: string; token?: string; insecure?: boolean; timeoutMs?: number }): Promise<HttpsAnswer> {
  return await new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'GET',
      ca: opts.caFile ? readFileSync(opts.caFile) : undefined,
      rejectUnauthorized: !opts.insecure,
      headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
      timeout: opts.timeoutMs ?? 3000,
    }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('timeout', () => req.destroy(new Error(`timeout after ${opts.timeoutMs ?? 3000} ms`)));
    req.once('error', reject);
    req.end();
  });
}
