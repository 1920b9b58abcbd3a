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

/** The {@link WatchError} for a watch silent past its inactivity timeout. */
export function inactivityTimeout(what: string, silentMs: number): WatchError {
  return new WatchError(
    'INACTIVITY_TIMEOUT',
    `${what}: no event or bookmark for ${Math.round(silentMs)} ms; the connection is presumed dead and the watch is reopened`,
  );
}
