// POSTs one webhook body, through the configured proxy, with a timeout per attempt and retries
// with jittered exponential back-off on 5xx, 429 and network errors (a 4xx other than 429 will
// not get better by asking again).
//
// The HTTP client is undici, the library behind Node's own fetch: its ProxyAgent does CONNECT
// tunnels for https targets and absolute-form requests for http ones. Node's fetch does not expose
// a proxy setting other than the process-wide NODE_USE_ENV_PROXY, which would also send the
// Kubernetes client's traffic through the proxy. undici is installed as a dependency of
// @kubernetes/client-node; package.json should list it too (see docs/architecture.md, "Webhooks").
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';

export interface SenderOptions {
  url: string;
  headers: Readonly<Record<string, string>>;
  /** http(s)://[user:password@]host:port; empty: direct. */
  proxy: string;
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface SendResult {
  attempts: number;
  status: number;
}

/** The notification could not be delivered; says how it ended and after how many attempts. */
export class WebhookDeliveryError extends Error {
  override readonly name = 'WebhookDeliveryError';
  readonly attempts: number;
  readonly status: number | undefined;

  constructor(message: string, attempts: number, status: number | undefined, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.attempts = attempts;
    this.status = status;
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** About base, doubling per attempt, capped, with jitter so many replicas do not retry in step. */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  const full = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(full / 2 + Math.random() * (full / 2));
}

export function createDispatcher(proxy: string): Dispatcher {
  if (!proxy) return new Agent({ connections: 4 });
  const url = new URL(proxy);
  const token = url.username ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}` : undefined;
  url.username = '';
  url.password = '';
  return new ProxyAgent({ uri: url.toString(), ...(token ? { token } : {}) });
}

export class WebhookSender {
  private readonly options: SenderOptions;
  private readonly dispatcher: Dispatcher;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: SenderOptions) {
    this.options = options;
    this.dispatcher = createDispatcher(options.proxy);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Resolves with the final status once delivered; throws WebhookDeliveryError otherwise. */
  async send(body: string, onRetry?: (attempt: number, reason: string, delayMs: number) => void): Promise<SendResult> {
    const { retries, baseDelayMs = 1000, maxDelayMs = 30_000 } = this.options;
    for (let attempt = 0; ; attempt++) {
      let reason: string;
      let status: number | undefined;
      let cause: unknown;
      try {
        status = await this.post(body);
        if (status >= 200 && status < 300) return { attempts: attempt + 1, status };
        reason = `answered ${status}`;
        if (!isRetryableStatus(status)) throw new WebhookDeliveryError(`webhook ${reason}; not retried`, attempt + 1, status);
      } catch (error) {
        if (error instanceof WebhookDeliveryError) throw error;
        cause = error;
        reason = describe(error);
      }
      if (attempt >= retries) {
        throw new WebhookDeliveryError(`webhook ${reason} after ${attempt + 1} attempts`, attempt + 1, status, cause);
      }
      const delay = backoffDelayMs(attempt, baseDelayMs, maxDelayMs);
      onRetry?.(attempt + 1, reason, delay);
      await this.sleep(delay);
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async post(body: string): Promise<number> {
    const response = await request(this.options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'node-termination-handler', ...this.options.headers },
      body,
      dispatcher: this.dispatcher,
      signal: AbortSignal.timeout(this.options.timeoutMs),
      headersTimeout: this.options.timeoutMs,
      bodyTimeout: this.options.timeoutMs,
    });
    // The body must be read (or dumped) for the connection to be reused.
    await response.body.dump();
    return response.statusCode;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error.cause instanceof Error && 'code' in error.cause ? String(error.cause.code) : '') || ('code' in error ? String(error.code) : '');
    return `failed: ${error.name}: ${error.message}${code && !error.message.includes(code) ? ` (${code})` : ''}`;
  }
  return `failed: ${String(error)}`;
}
