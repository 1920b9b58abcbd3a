/**
 * `pending`, or a rejection with `signal`'s reason as soon as it aborts, whichever comes first; a value
 * `pending` yields after that goes to `discard` (to release what it holds), a late failure is dropped.
 *
 * Why: undici notices a request's abort only once the request has a connection. A request waiting for a
 * connection whose TLS handshake hangs (a path that delays or swallows packets) would otherwise outlive
 * its timeout and its caller's signal by up to the connect timeout, holding up whoever awaits it — a
 * leader's renewal loop, a shutdown. undici never sends a request that was aborted before it had a
 * connection, so giving up on the promise early writes nothing later.
 *
 * For instance, a promise that never settles, raced against `AbortSignal.timeout(100)`, rejects with the
 * signal's `TimeoutError` after 100 ms.
 */
export function rejectOnAbort<T>(pending: Promise<T>, signal: AbortSignal, discard: (late: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const onAbort = () => {
      if (settled) return;
      settled = true;
      reject(signal.reason as Error);
    };
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (settled) discard(value);
        else {
          settled = true;
          resolve(value);
        }
      },
      (err: Error) => {
        signal.removeEventListener('abort', onAbort);
        if (settled) return;
        settled = true;
        reject(err);
      },
    );
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
