// A JSON logger whose lines the test reads back.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../lib/observe/logger.ts';

export function captureLogs(): { logger: Logger; lines: () => Record<string, unknown>[]; raw: string[] } {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(...chunk.toString().split('\n').filter((l) => l.trim()));
      done();
    },
  });
  const logger = createLogger({ logLevel: 'debug', jsonLogging: true }, sink);
  return { logger, raw, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
