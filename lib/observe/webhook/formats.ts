// The body formats of webhook notifications: the generic JSON (every field, plus a one-line
// `text` that chat tools such as Mattermost or Google Chat show), Slack incoming webhooks, and
// Microsoft Teams (an Adaptive Card message, which both Office 365 connectors and Teams Workflows
// accept), or the user's own template. Chosen by WEBHOOK_TEMPLATE / WEBHOOK_TEMPLATE_FILE, else
// by the URL's host.
import { compileTemplate, type NotificationFields } from './template.ts';

export const BUILTIN_FORMATS = ['json', 'slack', 'teams'] as const;
export type BuiltinFormat = (typeof BUILTIN_FORMATS)[number];

export interface WebhookFormat {
  /** json | slack | teams | template */
  readonly name: BuiltinFormat | 'template';
  render(fields: NotificationFields): string;
}

/** One line a person reads: what happened to which node, and why. */
export function summaryText(f: NotificationFields): string {
  const outcome = f.action === 'drain'
    ? `${f.result} in ${f.durationSeconds.toFixed(1)} s: ${f.podsEvicted} pods evicted, ${f.podsRemaining} left`
    : `${f.result} in ${f.durationSeconds.toFixed(1)} s`;
  return `[node-termination-handler] ${f.action} of node ${f.nodeName} (instance ${f.instanceId}, ${f.kind}, event ${f.eventId}) ${outcome}. Reason: ${f.reason}`;
}

const json = (f: NotificationFields): string => JSON.stringify({ text: summaryText(f), ...f });

const emoji = (result: string): string => (result === 'drained' || result === 'done' ? ':white_check_mark:' : ':warning:');

const slack = (f: NotificationFields): string => JSON.stringify({
  // `text` is the notification preview and the fallback where blocks are not shown.
  text: summaryText(f),
  blocks: [
    { type: 'section', text: { type: 'mrkdwn', text: `${emoji(f.result)} *${f.action}* of node \`${f.nodeName}\`: *${f.result}*` } },
    {
      type: 'section',
      fields: factList(f).map(([title, value]) => ({ type: 'mrkdwn', text: `*${title}*\n${value}` })),
    },
  ],
});

const teams = (f: NotificationFields): string => JSON.stringify({
  type: 'message',
  attachments: [{
    contentType: 'application/vnd.microsoft.card.adaptive',
    contentUrl: null,
    content: {
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      type: 'AdaptiveCard',
      version: '1.4',
      msteams: { width: 'Full' },
      body: [
        { type: 'TextBlock', size: 'Medium', weight: 'Bolder', wrap: true, text: `${f.action} of node ${f.nodeName}: ${f.result}`,
          color: f.result === 'drained' || f.result === 'done' ? 'Good' : 'Attention' },
        { type: 'FactSet', facts: factList(f).map(([title, value]) => ({ title, value })) },
      ],
    },
  }],
});

function factList(f: NotificationFields): [string, string][] {
  return [
    ['Event', `${f.kind} (${f.eventId})`],
    ['Instance', f.instanceId],
    ['Started', f.startTime],
    ['Duration', `${f.durationSeconds.toFixed(1)} s`],
    ['Pods evicted / left', `${f.podsEvicted} / ${f.podsRemaining}`],
    ['Reason', f.reason],
  ];
}

const RENDERERS: Readonly<Record<BuiltinFormat, (f: NotificationFields) => string>> = { json, slack, teams };

/** The built-in format a URL calls for: Slack and Teams by host, else the generic JSON. */
export function formatForUrl(url: string): BuiltinFormat {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return 'json';
  }
  if (host === 'hooks.slack.com') return 'slack';
  if (host === 'webhook.office.com' || host.endsWith('.webhook.office.com')) return 'teams';
  return 'json';
}

/**
 * The format for the settings: a template naming a built-in (`json`, `slack`, `teams`) selects it;
 * any other template text is compiled (and refused at startup when it is not usable); no template
 * picks by the URL's host.
 */
export function chooseFormat(url: string, template: string): WebhookFormat {
  const named = template.trim().toLowerCase();
  if ((BUILTIN_FORMATS as readonly string[]).includes(named)) {
    const name = named as BuiltinFormat;
    return { name, render: RENDERERS[name] };
  }
  if (template.trim() !== '') {
    const compiled = compileTemplate(template);
    return { name: 'template', render: (f) => compiled.render(f) };
  }
  const name = formatForUrl(url);
  return { name, render: RENDERERS[name] };
}
