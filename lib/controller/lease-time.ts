// Lease helpers shared by node claims and the replica Lease: names within the 63-character limit,
// MicroTime serialisation, expiry.
import { createHash } from 'node:crypto';
import type { V1Lease } from '@kubernetes/client-node';

/** `prefix` + a readable form of `key` when it fits a Lease name, a hash of it when not. */
export function boundedLeaseName(prefix: string, key: string): string {
  const name = `${prefix}${key}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
  if (name.length <= 63) return name;
  return `${prefix}${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

/**
 * A Date that serializes with microseconds. Lease times are MicroTime, which the apiserver parses
 * with exactly six fractional digits; client-node writes Dates with toISOString (three digits), so
 * a plain Date is refused with 400 "cannot parse .871Z as .000000".
 */
export class MicroTime extends Date {
  override toISOString(): string {
    return super.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  }
}

/** client-node types MicroTime fields as Date but hands them over as strings; accept both. */
export function micro(date: Date | string | undefined): MicroTime | undefined {
  return date ? new MicroTime(new Date(date).getTime()) : undefined;
}

/** Not renewed (nor acquired) within its duration. */
export function expired(lease: V1Lease, now: Date): boolean {
  const renewed = lease.spec?.renewTime ?? lease.spec?.acquireTime;
  const duration = lease.spec?.leaseDurationSeconds ?? 0;
  if (!renewed) return true;
  return new Date(renewed).getTime() + duration * 1000 < now.getTime();
}
