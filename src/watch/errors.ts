import { CapstanError } from '../core/index.ts';

/**
 * Errors the watch layer reports (through notes and `lastError`; a watcher never stops on them):
 * - `INACTIVITY_TIMEOUT`: an open watch delivered neither an event nor a bookmark within the inactivity
 *   timeout, so it was treated as dead (a half-open connection, a dead NAT entry) and reopened.
 *
 * @example
 * ```ts
 * import { WatchError } from 'capstan/watch';
 * function wasSilent(err: unknown): boolean {
 *   return err instanceof WatchError && err.code === 'INACTIVITY_TIMEOUT';
 * }
 * ```
 */
export class WatchError extends CapstanError<'INACTIVITY_TIMEOUT'> {}

/**
 * The {@link WatchError} for a watch silent past its inactivity timeout, with a message that names the watch and the
 * silence. The watcher makes it; a loop of your own over {@link capstan/client!ResourceClient.watch} can report its own silence the same way.
 *
 * @param what Names the watch, e.g. `watch configmaps in demo`.
 * @param silentMs How long nothing came, in ms.
 * @example
 * ```ts
 * import { inactivityTimeout } from 'capstan/watch';
 * const error = inactivityTimeout('watch configmaps in demo', 150_000);
 * console.log(error.code, error.message); // INACTIVITY_TIMEOUT watch configmaps in demo: no event or bookmark for 150000 ms; …
 * ```
 */
export function inactivityTimeout(what: string, silentMs: number): WatchError {
  return new WatchError(
    'INACTIVITY_TIMEOUT',
    `${what}: no event or bookmark for ${Math.round(silentMs)} ms; the connection is presumed dead and the watch is reopened`,
  );
}
