import pino, { type DestinationStream, type Logger } from "pino";

/**
 * Structured logs, on stdout unless a destination is given (tests capture it). Callers log
 * identifiers and keys, never personal values; the credentials a request carries are redacted
 * should one ever be logged with its headers.
 */
export function createLogger(level: pino.LevelWithSilent, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: "purposeql" },
    redact: { paths: ["req.headers.authorization", "req.headers.cookie", "headers.authorization", "headers.cookie"], censor: "[redacted]" },
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
