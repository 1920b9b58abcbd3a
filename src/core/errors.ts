/**
 * The base of every error Capstan throws. Each layer derives its own family with a readonly `code` that a
 * caller can switch on; the message is for humans and is never parsed.
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
  readonly code: Code;

  constructor(code: Code, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
