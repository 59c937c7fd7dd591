import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chooseFormat, formatForUrl, summaryText } from '../../../lib/observe/webhook/formats.ts';
import { SAMPLE_FIELDS, TEMPLATE_FIELDS, WebhookTemplateError } from '../../../lib/observe/webhook/template.ts';

describe('webhook formats', () => {
  test('the URL host picks Slack or Teams; anything else gets the generic JSON', () => {
    assert.equal(formatForUrl('https://hooks.slack.com/services/T0/B0/x'), 'slack');
    assert.equal(formatForUrl('https://contoso.webhook.office.com/webhookb2/abc'), 'teams');
    assert.equal(formatForUrl('https://example.com/hook'), 'json');
    assert.equal(formatForUrl('https://hooks.slack.com.evil.example/x'), 'json');
    assert.equal(formatForUrl('not a url'), 'json');
  });

  test('a template naming a built-in selects it, whatever the URL', () => {
    assert.equal(chooseFormat('https://example.com/x', 'slack').name, 'slack');
    assert.equal(chooseFormat('https://hooks.slack.com/services/x', ' Teams ').name, 'teams');
    assert.equal(chooseFormat('https://hooks.slack.com/services/x', 'json').name, 'json');
    assert.equal(chooseFormat('https://hooks.slack.com/services/x', '{"n":"{{ .nodeName }}"}').name, 'template');
    assert.equal(chooseFormat('https://hooks.slack.com/services/x', '').name, 'slack');
  });

  test('a bad custom template fails when the format is chosen (startup)', () => {
    assert.throws(() => chooseFormat('https://example.com', '{"x":"{{ .Nope }}"}'), WebhookTemplateError);
  });

  test('generic JSON carries every field and a summary line', () => {
    const body = JSON.parse(chooseFormat('https://example.com', '').render(SAMPLE_FIELDS)) as Record<string, unknown>;
    for (const f of TEMPLATE_FIELDS) assert.deepEqual(body[f], SAMPLE_FIELDS[f], f);
    assert.equal(body.text, summaryText(SAMPLE_FIELDS));
    assert.match(String(body.text), /drain of node ip-10-0-0-1\.ec2\.internal .* drained in 12\.5 s: 3 pods evicted, 0 left/);
  });

  test('Slack: text for the preview, blocks with the facts', () => {
    const body = JSON.parse(chooseFormat('https://hooks.slack.com/services/x', '').render(SAMPLE_FIELDS)) as { text: string; blocks: { type: string }[] };
    assert.equal(body.text, summaryText(SAMPLE_FIELDS));
    assert.deepEqual(body.blocks.map((b) => b.type), ['section', 'section']);
    assert.match(JSON.stringify(body.blocks), /i-0123456789abcdef0/);
  });

  test('Teams: an Adaptive Card message', () => {
    const body = JSON.parse(chooseFormat('https://x.webhook.office.com/webhookb2/y', '').render({ ...SAMPLE_FIELDS, result: 'failed' })) as {
      type: string; attachments: { contentType: string; content: { type: string; body: { type: string; color?: string }[] } }[];
    };
    assert.equal(body.type, 'message');
    assert.equal(body.attachments[0]?.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.equal(body.attachments[0]?.content.type, 'AdaptiveCard');
    assert.equal(body.attachments[0]?.content.body[0]?.color, 'Attention');
    assert.equal(body.attachments[0]?.content.body[1]?.type, 'FactSet');
  });
});
