// pino JSON logs; readable when a person watches a terminal. Every line about an event carries
// the same fields (eventId, kind, instanceId, nodeName, messageId) so one grep tells its story.
import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerSettings {
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** undefined: JSON unless stdout is a terminal. */
  jsonLogging: boolean | undefined;
}

export function createLogger(settings: LoggerSettings, destination: NodeJS.WritableStream = process.stdout): Logger {
  const pretty = settings.jsonLogging === false || (settings.jsonLogging === undefined && process.stdout.isTTY && destination === process.stdout);
  if (pretty) {
    return pino({
      level: settings.logLevel,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level: settings.logLevel, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** A logger that writes nothing, for unit tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
