// `aws.health` / `AWS Health Event`: we act only on EC2 scheduled changes (retirement, reboot,
// stop, network or power maintenance). One event can name many instances, each an affected entity.

import { isInstanceId, quote } from '../reader.ts';
import type { Reader } from '../reader.ts';
import { parseHealthTime } from '../time.ts';
import { found, ignored } from './context.ts';
import type { EventBridgeContext, KindResult } from './context.ts';

export const SCHEDULED_CHANGE = { source: 'aws.health', detailType: 'AWS Health Event' } as const;

function optionalHealthTime(field: Reader): Date | undefined {
  if (field.isMissing()) return undefined;
  const value = field.value;
  const time = typeof value === 'string' ? parseHealthTime(value) : undefined;
  if (time === undefined) field.fail('an RFC 1123 date such as "Fri, 27 Jan 2023 06:00:00 GMT" (or ISO 8601)');
  return time;
}

export function parseScheduledChange({ detail, common }: EventBridgeContext): KindResult {
  const service = detail.get('service').nonEmptyString();
  if (service !== 'EC2') {
    return ignored('not-ec2', `AWS Health event for service ${quote(service)}, not EC2`, common.id);
  }
  const category = detail.get('eventTypeCategory').nonEmptyString();
  if (category !== 'scheduledChange') {
    return ignored('not-applicable', `AWS Health EC2 event of category ${quote(category)}, not scheduledChange`, common.id);
  }
  const eventTypeCode = detail.get('eventTypeCode').nonEmptyString();
  // Entities may be other resources (volumes, hosts) or account-wide placeholders such as
  // "UNKNOWN": those are skipped, and a repeated instance is kept once.
  const entities = detail.get('affectedEntities').optionalArray() ?? [];
  const values = entities.map((entity) => entity.object().get('entityValue').string());
  const instanceIds = [...new Set(values.filter(isInstanceId))];
  const startTime = optionalHealthTime(detail.get('startTime'));
  const endTime = optionalHealthTime(detail.get('endTime'));
  if (instanceIds.length === 0) {
    return ignored('not-applicable', `AWS Health ${eventTypeCode} event names no EC2 instance`, common.id);
  }
  return found({
    kind: 'scheduled-change',
    ...common,
    instanceIds,
    eventTypeCode,
    ...(startTime === undefined ? {} : { startTime }),
    ...(endTime === undefined ? {} : { endTime }),
  });
}
