import { pino, type Logger, type LevelWithSilent } from 'pino';

/**
 * Paths that pino replaces with "[redacted]" wherever they appear in a log object. The Vobiz
 * client never puts credentials into log objects; this list is the second line of defence.
 */
const redactPaths = [
  'authToken',
  '*.authToken',
  'headers["x-auth-token"]',
  '*.headers["x-auth-token"]',
  'token',
  '*.token',
  'bearerToken',
  '*.bearerToken',
];

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Destination of the JSON lines; standard output by default. */
  destination?: NodeJS.WritableStream;
}

/** Creates the process's pino logger: JSON lines, secrets redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const config = { level, redact: { paths: redactPaths, censor: '[redacted]' } };

  if (options.destination !== undefined) {
    return pino(config, options.destination);
  }
  return pino(config);
}

export type { Logger };
