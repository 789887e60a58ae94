// The process logger: JSON lines on stderr via pino, so stdout stays free for
// the CLI's own output. Secrets are redacted on every line (log-redaction.ts);
// per-exchange lines carry request, session and trace ids (exchange-log.ts).

import { pino, type DestinationStream, type Logger } from 'pino';
import { REDACTED, redactHeaders, redactionPaths } from './log-redaction.ts';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** Where lines go; default stderr, asynchronously. Tests pass a stream to read them back. */
  destination?: DestinationStream;
  /** pino redact paths to add to the built-in list of secret fields. */
  redactPaths?: readonly string[];
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: options.name ?? 'gatehouse',
      level: options.level ?? process.env.GATEHOUSE_LOG_LEVEL ?? 'info',
      redact: { paths: redactionPaths(options.redactPaths), censor: REDACTED },
      serializers: { headers: redactHeaders, err: pino.stdSerializers.err },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ dest: 2, sync: false }),
  );
}

/** A logger that drops everything, for tests and embedded use. */
export const silentLogger: Logger = pino({ level: 'silent' });
