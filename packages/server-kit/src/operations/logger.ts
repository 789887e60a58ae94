// Structured logs with pino. On stdio the protocol owns stdout, so logs go to
// stderr (fd 2) unless a destination is given; tokens never reach a line
// (the redaction paths below cover where they could appear).

import { pino, type DestinationStream, type Logger } from 'pino';

export interface KitLoggerOptions {
  level?: string;
  destination?: DestinationStream;
}

export function createKitLogger(server: string, options: KitLoggerOptions = {}): Logger {
  return pino(
    {
      name: server,
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization'], censor: '[redacted]' },
    },
    options.destination ?? pino.destination(2),
  );
}
