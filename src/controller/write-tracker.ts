import { type Clock, systemClock } from '../core/index.ts';
import type { ObjectSource } from './source.ts';

/** A write of ours, and (from settle) one the cache had not caught up with when the wait ended. */
export interface PendingWrite {
  source: ObjectSource<never>;
  key: string;
  /** The resourceVersion the write returned; `undefined` after a delete. */
  resourceVersion: string | undefined;
}

/** True when `version` is at least `written` (etcd revisions: compared as integers). */
function atLeast(version: string, written: string): boolean {
  if (version === written) return true;
  try {
    return BigInt(version) >= BigInt(written);
  } catch {
    return false; // opaque versions: only equality proves anything
  }
}

/**
 * True once the cache reflects the write: it holds the object at `written` or later; or, for a delete
 * (`written` undefined), no longer holds it; or it no longer holds it although it has applied changes
 * past `written`, so the object was deleted since (waiting for it would only burn the timeout while
 * holding a worker, as on every reconcile of a freshly deleted object).
 */
function reached(source: ObjectSource<never>, key: string, written: string | undefined): boolean {
  const cached = source.resourceVersionOf(key);
  if (written === undefined) return cached === undefined;
  if (cached !== undefined) return atLeast(cached, written);
  const latest = source.latestResourceVersion?.();
  return latest !== undefined && atLeast(latest, written);
}

/**
 * Read-your-own-writes for reconciles: a reconcile records what it wrote, and the next reconcile of the
 * same key first waits (bounded) until the caches hold at least those versions, so it never acts on a
 * view older than its own last write (which would cause a needless write and a 409).
 */
export class WriteTracker {
  private readonly pending = new Map<string, PendingWrite[]>();
  /** Per source, the resourceVersion our last write of each object ended at, until its echo arrives. */
  private readonly echoes = new Map<ObjectSource<never>, Map<string, string>>();
  private readonly clock: Clock;

  constructor(clock: Clock = systemClock) {
    this.clock = clock;
  }

  /** Remember that the reconcile of `reconcileKey` wrote `key` in `source`, ending at `resourceVersion`. */
  record<T extends object>(
    reconcileKey: string,
    source: ObjectSource<T & { metadata: object }>,
    key: string,
    resourceVersion: string | undefined,
  ): void {
    const writes = this.pending.get(reconcileKey) ?? [];
    writes.push({ source: source as unknown as ObjectSource<never>, key, resourceVersion });
    this.pending.set(reconcileKey, writes);
    const echoes = this.echoes.get(source as unknown as ObjectSource<never>) ?? new Map<string, string>();
    this.echoes.set(source as unknown as ObjectSource<never>, echoes);
    if (resourceVersion === undefined) echoes.delete(key);
    else echoes.set(key, resourceVersion);
  }

  /**
   * True when a change the cache delivers is the echo of our own last write of that object (the very
   * resourceVersion the write returned): the object is exactly as that reconcile left it, so it needs no
   * reconcile of its own. Any other change, a user's included, has another resourceVersion. Consumes the
   * record, so it answers true once.
   */
  isEcho<T extends object>(source: ObjectSource<T & { metadata: object }>, key: string, resourceVersion: string | undefined): boolean {
    const echoes = this.echoes.get(source as unknown as ObjectSource<never>);
    if (!echoes || resourceVersion === undefined) return false;
    const written = echoes.get(key);
    if (written === undefined) return false;
    // An echo, or a change past it: either way the record has served.
    if (written === resourceVersion || atLeast(resourceVersion, written)) echoes.delete(key);
    return written === resourceVersion;
  }

  /** Wait until the caches show this key's recorded writes, or `timeoutMs` passes; returns what is still missing. */
  async settle(reconcileKey: string, timeoutMs: number, signal: AbortSignal): Promise<PendingWrite[]> {
    const writes = this.pending.get(reconcileKey);
    if (!writes) return [];
    const deadline = this.clock.now() + timeoutMs;
    let missing = writes;
    for (;;) {
      missing = missing.filter((w) => !reached(w.source, w.key, w.resourceVersion));
      if (missing.length === 0 || this.clock.now() >= deadline || signal.aborted) break;
      await new Promise<void>((resolve) => this.clock.setTimer(resolve, 20));
    }
    this.pending.delete(reconcileKey);
    return missing;
  }

  forget(reconcileKey: string): void {
    this.pending.delete(reconcileKey);
  }
}

/** `key@resourceVersion` (or `key@deleted`) of writes the cache has not caught up with, for a log line. */
export function describeMissing(missing: readonly PendingWrite[]): string[] {
  return missing.map((w) => `${w.key}@${w.resourceVersion ?? 'deleted'}`);
}
