// pino JSON logs; readable when a person watches a terminal. Every line about an event carries
// the same fields (eventId, kind, instanceId, nodeName, messageId) so one grep tells its story:
// child loggers bind them where the code knows them, and the log context (log-context.ts) adds
// them to lines written deeper down by code that does not.
import { pino, type Logger, type LoggerOptions } from 'pino';
import { contextFieldsFor, currentLogContext } from './log-context.ts';

export type { Logger };

export interface LoggerSettings {
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** undefined: JSON unless stdout is a terminal. */
  jsonLogging: boolean | undefined;
}

const contextMixin: NonNullable<LoggerOptions['mixin']> = (mergeObject, _level, logger) => {
  // Most lines are written outside any event; skip the bindings lookup for them.
  if (currentLogContext() === undefined) return {};
  return contextFieldsFor(mergeObject, logger.bindings());
};

export function createLogger(settings: LoggerSettings, destination: NodeJS.WritableStream = process.stdout): Logger {
  const pretty = settings.jsonLogging === false || (settings.jsonLogging === undefined && process.stdout.isTTY && destination === process.stdout);
  if (pretty) {
    return pino({
      level: settings.logLevel,
      mixin: contextMixin,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level: settings.logLevel, base: undefined, timestamp: pino.stdTimeFunctions.isoTime, mixin: contextMixin }, destination);
}

/** A logger that writes nothing, for unit tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
