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
  /** Log detail for following what a layer does step by step; usually filtered out. */
  debug(fields: object, message: string): void;
  /** Log a milestone an operator's admin wants to see: started, synced, stopped, a child created. */
  info(fields: object, message: string): void;
  /** Log something wrong that the layer works around or retries. */
  warn(fields: object, message: string): void;
  /** Log a failure: work (a reconcile, a request) that did not get done. */
  error(fields: object, message: string): void;
  /** A logger that adds `bindings` to the fields of every line it writes (pino's `child`). */
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
