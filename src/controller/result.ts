import { CapstanError, isCapstanError, UsageError } from '../core/index.ts';

/**
 * How a reconcile ended: converged, or asking to be run again after a delay. Make one with {@link done} or
 * {@link requeueAfter}; a failure is thrown, not returned.
 *
 * @example
 * ```ts
 * import { ConfigMap, controller, done, type ReconcileResult, requeueAfter } from 'capstan';
 * export const poller = controller(ConfigMap).reconcile(async (ctx): Promise<ReconcileResult> => {
 *   if (!ctx.object) return done();
 *   return ctx.object.data?.['ready'] === 'true' ? done() : requeueAfter(30_000);
 * });
 * ```
 */
export type ReconcileResult =
  | {
      /** Converged: run again only when something changes. */
      readonly kind: 'done';
    }
  | {
      /** Run again after `delayMs`, even if nothing changes. */
      readonly kind: 'requeueAfter';
      /** The delay in milliseconds, on the controller's reconcile clock. */
      readonly delayMs: number;
    };

/**
 * The object is where it should be; run again only when something changes.
 *
 * @example
 * ```ts
 * import { done } from 'capstan/controller';
 * const result = done(); // { kind: 'done' }
 * ```
 */
export function done(): ReconcileResult {
  return { kind: 'done' };
}

/**
 * Run again after `delayMs` even if nothing changes (polling something outside the cluster, a timed
 * retry of a condition that is not an error).
 *
 * @example
 * ```ts
 * import { requeueAfter } from 'capstan/controller';
 * const result = requeueAfter(30_000); // { kind: 'requeueAfter', delayMs: 30000 }
 * ```
 */
export function requeueAfter(delayMs: number): ReconcileResult {
  if (!Number.isFinite(delayMs) || delayMs < 0)
    throw new UsageError('INVALID_ARGUMENT', `requeueAfter(${delayMs}): the delay must be a finite number of milliseconds ≥ 0`);
  return { kind: 'requeueAfter', delayMs };
}

/**
 * A failure that may pass: the key is retried with per-key exponential backoff, or after `delayMs` when
 * given. Any error a reconciler throws that is not a {@link TerminalError} is treated the same way.
 *
 * @example
 * ```ts
 * import { TemporaryError } from 'capstan/controller';
 * throw new TemporaryError('the bucket is not reachable yet', { delayMs: 10_000 });
 * ```
 */
export class TemporaryError extends CapstanError<'TEMPORARY'> {
  /** Retry after this many milliseconds instead of the key's backoff; undefined: the backoff decides. */
  readonly delayMs: number | undefined;

  constructor(message: string, options: ErrorOptions & { delayMs?: number } = {}) {
    super('TEMPORARY', message, options);
    this.delayMs = options.delayMs;
  }
}

/**
 * A failure that retrying cannot fix (an invalid spec, a refused write): it is recorded, counted in
 * `controller_runtime_terminal_reconcile_errors_total`, reported as a Warning event on the object, and
 * not retried until the object's spec changes. {@link TerminalError.wrap} makes one of a caught error.
 *
 * @example
 * ```ts
 * import { TerminalError } from 'capstan/controller';
 * throw new TerminalError('spec.replicas must be positive', { reason: 'InvalidSpec' });
 * ```
 */
export class TerminalError extends CapstanError<'TERMINAL'> {
  /** PascalCase reason of the Warning event. */
  readonly reason: string;

  constructor(message: string, options: ErrorOptions & { reason?: string } = {}) {
    super('TERMINAL', message, options);
    this.reason = options.reason ?? 'ReconcileFailed';
  }

  /**
   * A terminal error for `err`, a failure caught in a reconcile that retrying cannot fix: `reason` (PascalCase,
   * e.g. `ConfigMapRefused`) names the step that failed in the Warning event, `cause` is `err`, and the message
   * names both (`ConfigMapRefused: PUT /api/v1/…: 422 Invalid: …`).
   *
   * @example
   * ```ts
   * import { isRefusal } from 'capstan/client';
   * import { controller, done, TerminalError } from 'capstan/controller';
   * import { ConfigMap } from 'capstan';
   * controller(ConfigMap).reconcile(async (ctx) => {
   *   try {
   *     await ctx.client.resource(ConfigMap).delete('legacy-settings', { namespace: ctx.namespace });
   *   } catch (err) {
   *     throw isRefusal(err) ? TerminalError.wrap(err, 'CleanupRefused') : err;
   *   }
   *   return done();
   * });
   * ```
   */
  static wrap(err: unknown, reason: string): TerminalError {
    const what = err instanceof Error ? err.message : String(err);
    return new TerminalError(`${reason}: ${what}`, { reason, cause: err });
  }
}

/** A {@link TerminalError}, from this copy of Capstan or another (by brand and fields, not `instanceof`). */
export function isTerminalError(err: unknown): err is TerminalError {
  return isCapstanError(err) && err.code === 'TERMINAL' && typeof (err as { reason?: unknown }).reason === 'string';
}

/** A {@link TemporaryError}, from this copy of Capstan or another; its `delayMs`, if any, is a number. */
export function isTemporaryError(err: unknown): err is TemporaryError {
  if (!isCapstanError(err) || err.code !== 'TEMPORARY') return false;
  const delayMs = (err as { delayMs?: unknown }).delayMs;
  return delayMs === undefined || typeof delayMs === 'number';
}
