import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileTemplate, SAMPLE_FIELDS, TEMPLATE_FIELDS, WebhookTemplateError, type NotificationFields } from '../../../lib/observe/webhook/template.ts';

const FIELDS: NotificationFields = { ...SAMPLE_FIELDS, reason: 'spot interruption warning' };

describe('webhook template', () => {
  test('`{{ .field }}` and `{{field}}` are the same placeholder', () => {
    const t = compileTemplate('{"a":"{{ .nodeName }}","b":"{{nodeName}}","c":"{{.nodeName}}"}');
    assert.deepEqual(JSON.parse(t.render(FIELDS)), { a: FIELDS.nodeName, b: FIELDS.nodeName, c: FIELDS.nodeName });
    assert.deepEqual(t.fields, ['nodeName']);
  });

  test("field names match without regard to case, so NTH's templates keep working", () => {
    const nth = '{"text":"[NTH][Instance Interruption] EventID: {{ .EventID }} - Kind: {{ .Kind }} - Instance: {{ .InstanceID }} - Node: {{ .NodeName }} - Start Time: {{ .StartTime }}"}';
    const body = JSON.parse(compileTemplate(nth).render(FIELDS)) as { text: string };
    assert.equal(body.text, `[NTH][Instance Interruption] EventID: ${FIELDS.eventId} - Kind: ${FIELDS.kind} - Instance: ${FIELDS.instanceId} - Node: ${FIELDS.nodeName} - Start Time: ${FIELDS.startTime}`);
  });

  test('every documented field renders', () => {
    const text = `{${TEMPLATE_FIELDS.map((f) => `"${f}":"{{ .${f} }}"`).join(',')}}`;
    const body = JSON.parse(compileTemplate(text).render(FIELDS)) as Record<string, string>;
    for (const f of TEMPLATE_FIELDS) assert.equal(body[f], String(FIELDS[f]), f);
  });

  test('numbers may stand bare; strings are JSON-escaped inside their quotes', () => {
    const t = compileTemplate('{"pods": {{ .podsEvicted }}, "left": {{podsRemaining}}, "s": {{ .durationSeconds }}, "why": "{{ .reason }}"}');
    const body = JSON.parse(t.render({ ...FIELDS, podsEvicted: 3, podsRemaining: 0, durationSeconds: 12.25, reason: 'a "quoted"\nline \\ with \u2028 odd characters' })) as Record<string, unknown>;
    assert.deepEqual(body, { pods: 3, left: 0, s: 12.25, why: 'a "quoted"\nline \\ with \u2028 odd characters' });
  });

  test('an unknown field is refused at compile time, naming it and the allowed fields', () => {
    assert.throws(() => compileTemplate('{"d":"{{ .Description }}"}'), (error: unknown) =>
      error instanceof WebhookTemplateError && error.message.includes('{{ .Description }}') && error.message.includes('nodeName'));
  });

  test('Go template pipelines and functions are refused', () => {
    assert.throws(() => compileTemplate('{"p":"{{ .Pods | join "," }}"}'), WebhookTemplateError);
    assert.throws(() => compileTemplate('{"p":"{{ printf "%s" .NodeName }}"}'), WebhookTemplateError);
  });

  test('a template that does not render JSON is refused with a hint', () => {
    assert.throws(() => compileTemplate('{"node": {{ .nodeName }}}'), (error: unknown) =>
      error instanceof WebhookTemplateError && /valid JSON/.test(error.message) && /inside quotes/.test(error.message));
    assert.throws(() => compileTemplate('not json'), WebhookTemplateError);
    assert.throws(() => compileTemplate('   '), /empty/);
  });

  test('text without placeholders is sent as it is', () => {
    assert.equal(compileTemplate('{"fixed":true}').render(FIELDS), '{"fixed":true}');
  });
});
