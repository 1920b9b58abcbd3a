/**
 * The brand every Capstan error carries, through the registry-wide `Symbol.for`: two copies of the package
 * (the CLI from one `node_modules`, a user's project resolving another; two versions side by side) have two
 * `CapstanError` classes, so `instanceof` answers false across them, but the brand is the same symbol.
 */
const capstanErrorBrand = Symbol.for('capstan.error');

/**
 * The base of every error Capstan throws. Each layer derives its own family with a readonly `code` in
 * SCREAMING_SNAKE_CASE that a caller can switch on (`NOT_FOUND`, `QUEUE_SHUT_DOWN`, `LEADERSHIP_LOST`), and
 * sets `cause` when it wraps another error; the message is for humans and is never parsed. Recognize one with
 * {@link isCapstanError} (a brand, not `instanceof`, so errors of another copy of the package match too).
 *
 * @example
 * ```ts
 * import { CapstanError } from 'capstan/core';
 * class MyError extends CapstanError<'MY_ERROR'> {}
 * const err = new MyError('MY_ERROR', 'something failed', { cause: new Error('root') });
 * console.log(err.code); // 'MY_ERROR'
 * ```
 */
export class CapstanError<Code extends string = string> extends Error {
  /** What went wrong, as a stable SCREAMING_SNAKE_CASE string to switch on (the message may change; this does not). */
  readonly code: Code;

  /**
   * @param code - What went wrong, the error's `code`.
   * @param message - For humans: what happened and what to do about it.
   * @param options - `cause`: the error this one wraps (the standard `Error` option), for logs and debugging.
   */
  constructor(code: Code, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

// On the prototype, not enumerable: it is inherited by every subclass and never shows in logs or JSON.
Object.defineProperty(CapstanError.prototype, capstanErrorBrand, { value: true });

/**
 * Whether `err` is an error of the Capstan family: it carries the `Symbol.for('capstan.error')` brand and a
 * string `code`. Unlike `instanceof CapstanError`, this holds for errors thrown by another copy of the
 * package too (a CLI loading a project that resolves its own `capstan`). Narrow further with the layer's
 * predicates (`isNotFound`, `isRetryable`, … in `capstan/client`) or by `code`.
 *
 * @example
 * ```ts
 * import { isCapstanError } from 'capstan/core';
 * function describe(err: unknown): string {
 *   return isCapstanError(err) ? `${err.code}: ${err.message}` : String(err);
 * }
 * ```
 */
export function isCapstanError(err: unknown): err is CapstanError {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as Record<symbol, unknown>)[capstanErrorBrand] === true &&
    typeof (err as { code?: unknown }).code === 'string'
  );
}

/**
 * A call that cannot be right, whatever the cluster holds: an argument out of range (`INVALID_ARGUMENT`), or a
 * call in the wrong state (`INVALID_STATE`, e.g. starting a controller twice). The message names what to
 * change; retrying the same call never helps.
 *
 * @example
 * ```ts
 * import { isCapstanError, UsageError } from 'capstan/core';
 * function check(delayMs: number): void {
 *   if (delayMs < 0) throw new UsageError('INVALID_ARGUMENT', `the delay must be ≥ 0, got ${delayMs}`);
 * }
 * try {
 *   check(-1);
 * } catch (err) {
 *   console.log(isCapstanError(err) && err.code); // 'INVALID_ARGUMENT'
 * }
 * ```
 */
export class UsageError extends CapstanError<'INVALID_ARGUMENT' | 'INVALID_STATE'> {}
