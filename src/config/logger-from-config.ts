/** The console logger a configuration's `logging` section asks for: a least level, text or JSON lines. */
import type { Logger, LogLevel } from '../core/logger.js';
import type { ResilienceConfig } from './schema.js';

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function consoleLoggerFor(config: ResilienceConfig, sink: Pick<Console, LogLevel> = console): Logger {
  const least = ORDER[config.logging.level];
  const at = (level: LogLevel) => (message: string) => {
    if (ORDER[level] >= least) sink[level](message);
  };
  // With logFormat 'json', every event arrives as one JSON line with its fields (see logEvent).
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), logFormat: config.logging.format };
}
