import { CapstanError } from '../core/index.ts';

/**
 * Errors of the cache layer:
 * - `NOT_SYNCED`: `waitForSync` ran out of time; the message carries the watch's last error (a 403 says
 *   which RBAC rule is missing, an unknown resource which CRD to install).
 *
 * @example
 * ```ts
 * import { CacheError } from 'capstan/cache';
 * function notSynced(err: unknown): boolean {
 *   return err instanceof CacheError && err.code === 'NOT_SYNCED';
 * }
 * ```
 */
export class CacheError extends CapstanError<'NOT_SYNCED'> {}
