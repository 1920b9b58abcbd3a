import { type Clock, systemClock } from '../core/index.ts';
import type { ObjectSource } from './source.ts';

interface PendingWrite {
  source: ObjectSource<never>;
  key: string;
  /** The resourceVersion the write returned; `undefined` after a delete. */
  resourceVersion: string | undefined;
}

/** True once the cache's version is at least `written` (etcd revisions: compared as integers). */
function reached(cached: string | undefined, written: string | undefined): boolean {
  if (written === undefined) return cached === undefined;
  if (cached === undefined) return false;
  if (cached === written) return true;
  try {
    return BigInt(cached) >= BigInt(written);
  } catch {
    return false; // opaque versions: only equality proves anything
  }
}

/**
 * Read-your-own-writes for reconciles: a reconcile records what it wrote, and the next reconcile of the
 * same key first waits (bounded) until the caches hold at least those versions, so it never acts on a
 * view older than its own last write (which would cause a needless write and a 409).
 */
export class WriteTracker {
  private readonly pending = new Map<string, PendingWrite[]>();
  private readonly clock: Clock;

  constructor(clock: Clock = systemClock) {
    this.clock = clock;
  }

  /** Remember that the reconcile of `reconcileKey` wrote `key` in `source`, ending at `resourceVersion`. */
  record<T extends object>(reconcileKey: string, source: ObjectSource<T & { metadata: object }>, key: string, resourceVersion: string | undefined): void {
    const writes = this.pending.get(reconcileKey) ?? [];
    writes.push({ source: source as unknown as ObjectSource<never>, key, resourceVersion });
    this.pending.set(reconcileKey, writes);
  }

  /** Wait until the caches show this key's recorded writes, or `timeoutMs` passes; returns what is still missing. */
  async settle(reconcileKey: string, timeoutMs: number, signal: AbortSignal): Promise<string[]> {
    const writes = this.pending.get(reconcileKey);
    if (!writes) return [];
    const deadline = this.clock.now() + timeoutMs;
    let missing = writes;
    for (;;) {
      missing = missing.filter((w) => !reached(w.source.resourceVersionOf(w.key), w.resourceVersion));
      if (missing.length === 0 || this.clock.now() >= deadline || signal.aborted) break;
      await new Promise<void>((resolve) => this.clock.setTimer(resolve, 20));
    }
    this.pending.delete(reconcileKey);
    return missing.map((w) => `${w.key}@${w.resourceVersion ?? 'deleted'}`);
  }

  forget(reconcileKey: string): void {
    this.pending.delete(reconcileKey);
  }
}
