// The process logger: JSON lines on stderr via pino, so stdout stays free for
// the CLI's own output. Later the telemetry issue adds trace ids here.

import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino(
    { name: options.name ?? 'gatehouse', level: options.level ?? process.env.GATEHOUSE_LOG_LEVEL ?? 'info' },
    pino.destination({ dest: 2, sync: false }),
  );
}

/** A logger that drops everything, for tests and embedded use. */
export const silentLogger: Logger = pino({ level: 'silent' });
