// The Lambda functions' logger: Powertools' structured JSON (level from POWERTOOLS_LOG_LEVEL),
// adapted to the domain's Log port.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../../src/core/log';

export function powertoolsLog(logger: Logger): Log {
  return {
    debug: (message, extra) => (extra ? logger.debug(message, extra) : logger.debug(message)),
    info: (message, extra) => (extra ? logger.info(message, extra) : logger.info(message)),
    warn: (message, extra) => (extra ? logger.warn(message, extra) : logger.warn(message)),
    error: (message, extra) => (extra ? logger.error(message, extra) : logger.error(message)),
  };
}
