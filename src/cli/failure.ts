import { CapstanError, isCapstanError } from '../core/index.ts';

/**
 * A failure whose message is all the user needs: `capstan` prints it without a stack and exits with 1.
 * Its code is `CLI_FAILURE`.
 */
export class CliFailure extends CapstanError<'CLI_FAILURE'> {
  constructor(message: string, options?: ErrorOptions) {
    super('CLI_FAILURE', message, options);
  }
}

/**
 * The message of an error, with its stack only when it is not one of Capstan's own (whose messages say where),
 * from this copy of Capstan or the one a user's project resolves.
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return isCapstanError(err) ? err.message : (err.stack ?? err.message);
}
