// The event a piece of code is working for, carried through async calls (AsyncLocalStorage), so
// log lines written by code that never sees the message (the drain engine, the Event recorder,
// heartbeats) still carry eventId, kind, instanceId, nodeName and messageId: one grep of an event
// ID then tells its whole story.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface LogContext {
  messageId?: string;
  eventId?: string;
  kind?: string;
  instanceId?: string;
  nodeName?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `fields` added to the current context (inner values win). */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  const merged: LogContext = { ...storage.getStore() };
  for (const [key, value] of Object.entries(fields) as [keyof LogContext, string | undefined][]) {
    if (value !== undefined && value !== '') merged[key] = value;
  }
  return storage.run(merged, fn);
}

export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}

/**
 * The fields of the current context that neither the log call nor the logger's own bindings
 * already give: pino writes bindings and the merged object separately, so a field in both would
 * appear twice in the JSON line.
 */
export function contextFieldsFor(mergeObject: object, bindings: Record<string, unknown>): Record<string, string> {
  const context = storage.getStore();
  if (!context) return {};
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(context) as [string, string | undefined][]) {
    if (value === undefined || key in mergeObject || key in bindings) continue;
    fields[key] = value;
  }
  return fields;
}
