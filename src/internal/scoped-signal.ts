// A signal for one short piece of work (a request, a reconcile) that aborts when any of its parents does
// or its timeout passes, and that lets go of its parents and its timer as soon as the work ends.
//
// Why not AbortSignal.timeout / AbortSignal.any: a timeout signal keeps its timer, and the signal with it,
// until the timeout fires, even once the request it bounded has long been answered; and a signal made by
// any() stays registered with a long-lived parent (the manager's, a leadership term's) until the garbage
// collector finds it. At a few hundred requests a second with a 30 s timeout that is thousands of live
// signals and timers, most of the operator's heap growth under load. dispose() releases both at once.

/** A signal scoped to one piece of work; call `dispose()` when the work ends, however it ends. */
export interface ScopedSignal {
  readonly signal: AbortSignal;
  /** Whether it aborted because its own timeout passed (not a parent). */
  readonly timedOut: boolean;
  /** Detach from the parents and clear the timer; the signal no longer aborts after this. */
  dispose(): void;
}

/**
 * A signal that aborts with the first parent's reason when a parent aborts, or with a `TimeoutError`
 * `DOMException` after `timeoutMs` (none when undefined). Parents already aborted abort it at once.
 */
export function scopedSignal(parents: readonly (AbortSignal | undefined)[], timeoutMs?: number): ScopedSignal {
  const controller = new AbortController();
  const live = parents.filter((p): p is AbortSignal => p !== undefined);
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const onParentAbort = (event: Event) => abort((event.target as AbortSignal).reason);
  function abort(reason: unknown): void {
    if (controller.signal.aborted) return;
    controller.abort(reason);
    detach();
  }
  function detach(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    for (const parent of live) parent.removeEventListener('abort', onParentAbort);
  }
  const alreadyAborted = live.find((p) => p.aborted);
  if (alreadyAborted) controller.abort(alreadyAborted.reason);
  else {
    for (const parent of live) parent.addEventListener('abort', onParentAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        abort(new DOMException(`The operation timed out after ${timeoutMs} ms.`, 'TimeoutError'));
      }, timeoutMs);
      timer.unref(); // as AbortSignal.timeout's: the work it bounds keeps the process alive, not the timer
    }
  }
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    dispose: detach,
  };
}

/** Run `work` with a {@link scopedSignal} of `parents` and `timeoutMs`, released however the work ends. */
export async function withScopedSignal<R>(
  parents: readonly (AbortSignal | undefined)[],
  timeoutMs: number | undefined,
  work: (signal: AbortSignal) => Promise<R>,
): Promise<R> {
  const scoped = scopedSignal(parents, timeoutMs);
  try {
    return await work(scoped.signal);
  } finally {
    scoped.dispose();
  }
}
