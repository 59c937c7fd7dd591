// Counting reverse proxies between the handler under test and its servers. The handler is pointed
// at them (kubeconfig server, AWS_ENDPOINT, QUEUE_URL), so every request it makes is counted and
// timed here, whatever the handler is written in: that is what makes `--compare` fair, and it
// gives the "all evictions issued" and "message received/deleted" milestones without relying on
// the handler's own logs.
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface RequestRecord {
  at: number;
  target: string;
  operation: string;
  status?: number;
}

/** A Kubernetes API call described as `verb resource[/subresource]`, plus the object it names. */
export interface KubeCall {
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
}

export function describeKubeCall(method: string, url: string): KubeCall {
  const [path = '', query = ''] = url.split('?');
  const parts = path.split('/').filter(Boolean);
  // /api/v1/... or /apis/<group>/<version>/...
  let rest = parts[0] === 'api' ? parts.slice(2) : parts[0] === 'apis' ? parts.slice(3) : parts;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource = path, name, sub] = rest;
  const watch = /(^|&)watch=(1|true)/.test(query);
  const verbs: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
  const verb = method === 'GET' ? (watch ? 'watch' : name ? 'get' : 'list') : (verbs[method] ?? method.toLowerCase());
  return { verb, resource: sub ? `${resource}/${sub}` : resource, ...(namespace ? { namespace } : {}), ...(name ? { name } : {}) };
}

export interface ProxyHandle {
  url: string;
  records: RequestRecord[];
  /** TCP connections the handler opened to the proxy (a client that pools opens few). */
  readonly connections: number;
  close(): Promise<void>;
}

function counted(server: http.Server): { readonly connections: number } {
  const state = { connections: 0 };
  server.on('connection', () => (state.connections += 1));
  return state;
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: http.Server): () => Promise<void> {
  return () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/**
 * Plain HTTP in front of the apiserver's HTTPS. Bodies stream through untouched (watches too);
 * `onCall` sees each request as it arrives.
 */
export async function startKubeProxy(upstream: { server: string; caFile: string }, onCall: (call: KubeCall, at: number, answered: Promise<number>) => void): Promise<ProxyHandle> {
  const target = new URL(upstream.server);
  const agent = new https.Agent({ keepAlive: true, maxSockets: Infinity, ca: readFileSync(upstream.caFile) });
  const records: RequestRecord[] = [];
  const server = http.createServer((req, res) => {
    const at = Date.now();
    const call = describeKubeCall(req.method ?? 'GET', req.url ?? '/');
    const record: RequestRecord = { at, target: 'kubernetes', operation: `${call.verb} ${call.resource}` };
    records.push(record);
    const answered = Promise.withResolvers<number>();
    onCall(call, at, answered.promise);
    const up = https.request({
      host: target.hostname, port: target.port, method: req.method, path: req.url, agent,
      headers: { ...req.headers, host: target.host },
    }, (upRes) => {
      record.status = upRes.statusCode;
      answered.resolve(upRes.statusCode ?? 0);
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      // Node holds headers back until the first body byte; a watch's first byte may be minutes away.
      res.flushHeaders();
      upRes.pipe(res);
    });
    up.on('error', (error) => fail(res, error));
    // A watch the client gives up on must end upstream too, or the apiserver keeps serving it.
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  const state = counted(server);
  return { url: await listen(server), records, get connections() { return state.connections; }, close: async () => { await closer(server)(); agent.destroy(); } };
}

/** What the AWS proxy tells its listener about SQS traffic. */
export interface SqsObserver {
  received(messages: { messageId: string; receiptHandle: string; body: string }[], at: number): void;
  deleted(receiptHandles: string[], at: number): void;
}

/**
 * Plain HTTP in front of moto. Request and response bodies are small, so both are buffered: the
 * operation is read from the request (X-Amz-Target for JSON protocols, Action= for query ones, the
 * SigV4 credential scope for the service) and SQS receives and deletes are parsed for timings.
 */
export async function startAwsProxy(upstream: string, sqs: SqsObserver): Promise<ProxyHandle> {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const records: RequestRecord[] = [];
  const server = http.createServer((req, res) => {
    void (async () => {
      const at = Date.now();
      const body = await readAll(req);
      const { service, operation } = describeAwsCall(req, body);
      const record: RequestRecord = { at, target: service, operation };
      records.push(record);
      if (operation === 'DeleteMessage' || operation === 'DeleteMessageBatch') sqs.deleted(receiptHandlesIn(body), at);
      const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, agent, headers: req.headers }, (upRes) => {
        void readAll(upRes).then((out) => {
          record.status = upRes.statusCode;
          if (operation === 'ReceiveMessage' && upRes.statusCode === 200) sqs.received(messagesIn(out), Date.now());
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          res.end(out);
        }, (error: unknown) => fail(res, error));
      });
      up.on('error', (error) => fail(res, error));
      up.end(body);
    })().catch((error: unknown) => fail(res, error));
  });
  const state = counted(server);
  return { url: await listen(server), records, get connections() { return state.connections; }, close: async () => { await closer(server)(); agent.destroy(); } };
}

function fail(res: ServerResponse, error: unknown): void {
  if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
  res.end(`bench proxy: ${error instanceof Error ? error.message : String(error)}`);
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function describeAwsCall(req: IncomingMessage, body: Buffer): { service: string; operation: string } {
  const scope = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
  const amzTarget = req.headers['x-amz-target'];
  let operation = typeof amzTarget === 'string' ? (amzTarget.split('.').pop() ?? amzTarget) : '';
  if (!operation) operation = new URLSearchParams(body.toString()).get('Action') ?? new URL(req.url ?? '/', 'http://x').searchParams.get('Action') ?? 'unknown';
  return { service: scope?.[1] ?? 'unknown', operation };
}

/** Messages of a ReceiveMessage answer, JSON (SDKs of today) or XML (query protocol). */
export function messagesIn(out: Buffer): { messageId: string; receiptHandle: string; body: string }[] {
  const text = out.toString();
  if (text.trimStart().startsWith('{')) {
    const parsed = JSON.parse(text) as { Messages?: { MessageId?: string; ReceiptHandle?: string; Body?: string }[] };
    return (parsed.Messages ?? []).map((m) => ({ messageId: m.MessageId ?? '', receiptHandle: m.ReceiptHandle ?? '', body: m.Body ?? '' }));
  }
  return [...text.matchAll(/<Message>([\s\S]*?)<\/Message>/g)].map((match) => {
    const xml = match[1] ?? '';
    const field = (name: string): string => unescapeXml(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml)?.[1] ?? '');
    return { messageId: field('MessageId'), receiptHandle: field('ReceiptHandle'), body: field('Body') };
  });
}

function receiptHandlesIn(body: Buffer): string[] {
  const text = body.toString();
  if (text.trimStart().startsWith('{')) {
    const parsed = JSON.parse(text) as { ReceiptHandle?: string; Entries?: { ReceiptHandle?: string }[] };
    return parsed.Entries ? parsed.Entries.map((e) => e.ReceiptHandle ?? '') : [parsed.ReceiptHandle ?? ''];
  }
  const form = new URLSearchParams(text);
  return [...form.entries()].filter(([key]) => key === 'ReceiptHandle' || key.endsWith('.ReceiptHandle')).map(([, value]) => value);
}

function unescapeXml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#x?[0-9a-fA-F]+;/g, (entity) => {
    const hex = entity.startsWith('&#x');
    return String.fromCodePoint(Number.parseInt(entity.slice(hex ? 3 : 2, -1), hex ? 16 : 10));
  }).replace(/&amp;/g, '&');
}
