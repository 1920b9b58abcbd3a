import { CapstanError } from '../core/index.ts';

/** A failure whose message is all the user needs: `capstan` prints it without a stack and exits with 1. */
export class CliFailure extends Error {}

/** The message of an error, with its stack only when it is not one of Capstan's own (whose messages say where). */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err instanceof CapstanError || err instanceof CliFailure ? err.message : (err.stack ?? err.message);
}
