// Reads the EventBridge rules back out of a synthesized template, so tests can load into moto the
// patterns exactly as CloudFormation would receive them (after CDK rendering), not as written.

export interface TemplateRule {
  readonly ruleLogicalId: string;
  readonly eventPattern: Record<string, unknown>;
}

/** Every AWS::Events::Rule in the template, in template order, with its parsed EventPattern. */
export function rulesFromTemplate(template: unknown): TemplateRule[] {
  if (!isRecord(template) || !isRecord(template.Resources)) {
    throw new Error('template: expected an object with a Resources object');
  }
  const rules: TemplateRule[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (!isRecord(resource) || resource.Type !== 'AWS::Events::Rule') continue;
    const properties = resource.Properties;
    // CloudFormation accepts the pattern as an object or as a JSON string.
    const raw = isRecord(properties) ? properties.EventPattern : undefined;
    const pattern: unknown = typeof raw === 'string' ? JSON.parse(raw) : raw;
    if (!isRecord(pattern)) throw new Error(`template: rule ${logicalId} has no EventPattern object`);
    rules.push({ ruleLogicalId: logicalId, eventPattern: pattern });
  }
  return rules;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
