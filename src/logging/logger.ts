import pino, { type Logger } from "pino";

/** Structured logs on stdout. Callers log identifiers and keys, never personal values. */
export function createLogger(level: pino.LevelWithSilent): Logger {
  return pino({ level, base: { service: "purposeql" } });
}

export type { Logger };
