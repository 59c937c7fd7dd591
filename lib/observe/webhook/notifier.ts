// Webhook notifications, one per piece of node work that really ran (the controller's work runner
// calls notify; messages that attached to running work or reused a fresh result do not). Sending
// happens in the background: a slow or dead receiver never holds up a drain, a lifecycle
// completion or a message deletion. Failures are logged and counted, never retried forever.
import { readFileSync } from 'node:fs';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { chooseFormat, type WebhookFormat } from './formats.ts';
import { WebhookSender, type SendResult } from './sender.ts';
import { WebhookTemplateError, type NotificationFields } from './template.ts';

export interface WebhookSettings {
  webhookUrl: string;
  webhookHeaders: Readonly<Record<string, string>>;
  webhookTemplate: string;
  webhookTemplateFile: string;
  webhookProxy: string;
  webhookTimeout: number;
  webhookRetries: number;
}

export interface Notifier {
  notify(fields: NotificationFields): void;
  /** Waits (at most `timeoutMs`) for notifications under way, then releases connections. */
  close(timeoutMs?: number): Promise<void>;
}

/** WEBHOOK_URL empty: nothing is sent. */
export const NO_NOTIFIER: Notifier = { notify: () => undefined, close: () => Promise.resolve() };

export interface BodySender {
  send(body: string, onRetry?: (attempt: number, reason: string, delayMs: number) => void): Promise<SendResult>;
  close(): Promise<void>;
}

export interface NotifierDeps {
  metrics: Metrics;
  logger: Logger;
  /** Tests inject short back-off; the default sends with undici. */
  sender?: BodySender;
  /** Test seam: the base of the retry back-off. */
  baseDelayMs?: number;
}

/** The template text the settings call for: the file's contents, the inline text, or ''. */
export function templateText(settings: Pick<WebhookSettings, 'webhookTemplate' | 'webhookTemplateFile'>): string {
  if (!settings.webhookTemplateFile) return settings.webhookTemplate;
  try {
    return readFileSync(settings.webhookTemplateFile, 'utf8');
  } catch (error) {
    throw new WebhookTemplateError(`cannot read WEBHOOK_TEMPLATE_FILE ${settings.webhookTemplateFile}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** Builds the notifier; throws WebhookTemplateError at startup for an unusable template. */
export function createNotifier(settings: WebhookSettings, deps: NotifierDeps): Notifier {
  if (!settings.webhookUrl) return NO_NOTIFIER;
  const format = chooseFormat(settings.webhookUrl, templateText(settings));
  const sender = deps.sender ?? new WebhookSender({
    url: settings.webhookUrl,
    headers: settings.webhookHeaders,
    proxy: settings.webhookProxy,
    timeoutMs: settings.webhookTimeout * 1000,
    retries: settings.webhookRetries,
    ...(deps.baseDelayMs === undefined ? {} : { baseDelayMs: deps.baseDelayMs }),
  });
  deps.logger.info({ format: format.name, proxy: settings.webhookProxy !== '' }, 'webhook notifications on');
  return new BackgroundNotifier(format, sender, deps);
}

class BackgroundNotifier implements Notifier {
  private readonly format: WebhookFormat;
  private readonly sender: BodySender;
  private readonly deps: NotifierDeps;
  private readonly pending = new Set<Promise<void>>();

  constructor(format: WebhookFormat, sender: BodySender, deps: NotifierDeps) {
    this.format = format;
    this.sender = sender;
    this.deps = deps;
  }

  notify(fields: NotificationFields): void {
    const log = this.deps.logger.child({ eventId: fields.eventId, kind: fields.kind, instanceId: fields.instanceId, nodeName: fields.nodeName });
    let body: string;
    try {
      body = this.format.render(fields);
    } catch (error) {
      this.deps.metrics.webhooks.inc({ result: 'failed' });
      this.deps.metrics.error('webhook');
      log.error({ err: error }, 'rendering the webhook body failed');
      return;
    }
    const delivery = this.sender.send(body, (attempt, reason, delayMs) => {
      log.warn({ attempt, retryInMs: delayMs }, `webhook ${reason}; retrying`);
    }).then(
      (sent) => {
        this.deps.metrics.webhooks.inc({ result: 'sent' });
        log.info({ attempts: sent.attempts, status: sent.status, action: fields.action, result: fields.result }, 'webhook notification sent');
      },
      (error: unknown) => {
        this.deps.metrics.webhooks.inc({ result: 'failed' });
        this.deps.metrics.error('webhook');
        log.error({ err: error }, 'webhook notification failed');
      },
    );
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
  }

  async close(timeoutMs = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.allSettled([...this.pending]), timeout]);
    clearTimeout(timer);
    await this.sender.close();
  }
}
