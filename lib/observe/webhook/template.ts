// Webhook body templates: JSON text with placeholders `{{ .fieldName }}` (Go-template style, as
// aws-node-termination-handler's WEBHOOK_TEMPLATE) or `{{fieldName}}`. Field names match without
// regard to case, so NTH's `{{ .EventID }}`, `{{ .InstanceID }}`, `{{ .NodeName }}`, `{{ .Kind }}`
// and `{{ .StartTime }}` keep working. A placeholder becomes the value JSON-escaped without quotes:
// put string fields inside a JSON string; numbers may stand bare. Anything else between `{{ }}`
// (pipelines, functions, NTH-only fields) is refused at startup, naming the placeholder.

/** What one notification says about one node's action. */
export interface NotificationFields {
  eventId: string;
  kind: string;
  instanceId: string;
  nodeName: string;
  /** drain | cordon | taint | uncordon */
  action: string;
  /** drained | deadline | failed | done */
  result: string;
  /** ISO 8601 */
  startTime: string;
  endTime: string;
  durationSeconds: number;
  podsEvicted: number;
  podsRemaining: number;
  /** Why we acted (e.g. "spot interruption warning"), and the error when the action failed. */
  reason: string;
}

export const TEMPLATE_FIELDS = [
  'eventId', 'kind', 'instanceId', 'nodeName', 'action', 'result', 'startTime', 'endTime',
  'durationSeconds', 'podsEvicted', 'podsRemaining', 'reason',
] as const satisfies readonly (keyof NotificationFields)[];

type FieldName = (typeof TEMPLATE_FIELDS)[number];

/** A template that cannot be used; the message names the placeholder and what is allowed. */
export class WebhookTemplateError extends Error {
  override readonly name = 'WebhookTemplateError';
}

const PLACEHOLDER = /\{\{\s*\.?([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;
const ANY_BRACES = /\{\{(.*?)\}\}/gs;
const BY_LOWER_NAME: ReadonlyMap<string, FieldName> = new Map(TEMPLATE_FIELDS.map((f) => [f.toLowerCase(), f]));

/** Fields with plausible values, to check at startup that a template renders valid JSON. */
export const SAMPLE_FIELDS: NotificationFields = {
  eventId: 'a1b2c3d4-0000-4000-8000-000000000000', kind: 'spot-interruption', instanceId: 'i-0123456789abcdef0',
  nodeName: 'ip-10-0-0-1.ec2.internal', action: 'drain', result: 'drained', startTime: '2025-01-01T00:00:00.000Z',
  endTime: '2025-01-01T00:00:12.500Z', durationSeconds: 12.5, podsEvicted: 3, podsRemaining: 0, reason: 'spot "interruption" warning',
};

export interface CompiledTemplate {
  /** The fields the template uses, in order of first use. */
  readonly fields: readonly FieldName[];
  render(fields: NotificationFields): string;
}

export function compileTemplate(text: string): CompiledTemplate {
  if (text.trim() === '') throw new WebhookTemplateError('the webhook template is empty');
  const used: FieldName[] = [];
  for (const match of text.matchAll(ANY_BRACES)) {
    const whole = match[0];
    const name = /^\{\{\s*\.?([A-Za-z][A-Za-z0-9_]*)\s*\}\}$/.exec(whole)?.[1];
    const field = name === undefined ? undefined : BY_LOWER_NAME.get(name.toLowerCase());
    if (field === undefined) {
      throw new WebhookTemplateError(`unsupported placeholder ${whole} in the webhook template; ` +
        `use {{ .field }} with one of: ${TEMPLATE_FIELDS.join(', ')}`);
    }
    if (!used.includes(field)) used.push(field);
  }
  const render = (fields: NotificationFields): string =>
    text.replace(PLACEHOLDER, (_whole, name: string) => {
      const field = BY_LOWER_NAME.get(name.toLowerCase());
      return field === undefined ? '' : jsonFragment(fields[field]);
    });
  try {
    JSON.parse(render(SAMPLE_FIELDS));
  } catch (error) {
    throw new WebhookTemplateError('the webhook template does not render valid JSON ' +
      `(string fields belong inside quotes, e.g. "node": "{{ .nodeName }}"): ${error instanceof Error ? error.message : String(error)}`);
  }
  return { fields: used, render };
}

/** A number as JSON; a string JSON-escaped without its quotes, so it fits inside a JSON string. */
function jsonFragment(value: string | number): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '0';
  return JSON.stringify(value).slice(1, -1);
}
