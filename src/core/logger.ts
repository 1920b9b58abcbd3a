/**
 * Where Capstan's layers log: structurally pino's logger (a `pino()` instance fits), with controller-runtime's
 * field names (`controller`, `namespace`, `name`, `reconcileID`) as bindings.
 *
 * @example
 * ```ts
 * import type { Logger } from 'capstan/core';
 * function reconcileLog(log: Logger, namespace: string, name: string): Logger {
 *   return log.child({ controller: 'helloworld', namespace, name });
 * }
 * ```
 */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  child(bindings: object): Logger;
}

/**
 * A logger that drops everything: the default where a caller gives none.
 *
 * @example
 * ```ts
 * import { silentLogger } from 'capstan/core';
 * silentLogger.child({ controller: 'helloworld' }).info({}, 'dropped');
 * ```
 */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
