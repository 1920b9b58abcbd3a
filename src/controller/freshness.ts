// Freshness: how current the controller's view of an object is. Caches lag the API server, and above all they
// lag the controller's own writes; every way Capstan copes with that lives here, behind one question a reconcile
// asks: "what is the current view of this object, from the cache or live?" (`ReconcileView.current`).
//
// What it knows, and what follows from each:
// - our own writes (the resourceVersion each returned): the change that echoes one back needs no reconcile
//   (`observe`); the next reconcile of the same key first waits, by subscription and bounded, until the caches
//   hold those versions (`settle`), and an object the wait gave up on is read live;
// - children the caches saw deleted: their owner may be gone too while the cache still holds it (after a relist
//   or a reconnect), so before a deleted child is recreated the owner is read live;
// - a write made from a cached view that the server refused as stale (a 404 for an object the cache holds): the
//   object is read live instead of written from the same view again.
import type { ObjectCache, StoreChange } from '../cache/index.ts';
import { type Clock, type KubeObject, objectKey, systemClock } from '../core/index.ts';

type AnyCache = ObjectCache<KubeObject>;

/** One write of ours: object `key` in `cache`, which the write left at `resourceVersion` (`undefined`: deleted). */
export interface OwnWrite {
  readonly cache: AnyCache;
  readonly key: string;
  readonly resourceVersion: string | undefined;
}

/**
 * What a reconcile sees of one object, and where that came from.
 *
 * @noExample What an {@link EnsureChildOptions.view} function returns; the controller supplies that function.
 */
export interface View<T> {
  /** The object; `undefined` when it does not exist (as far as that source knows). */
  readonly object: T | undefined;
  /** `cache`: possibly behind the server, so a write from it may be refused as stale; `live`: read from the server just now. */
  readonly from: 'cache' | 'live';
}

/** The most owners remembered as suspect (a child of theirs seen deleted) at once; the oldest go first. */
const maxSuspectOwners = 10_000;

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
 * True once the cache reflects the write: it holds the object at `written` or later; or, for a delete, no longer
 * holds it; or it no longer holds it although it has applied changes past `written`, so the object was deleted
 * since (waiting for it would only burn the timeout while holding a worker).
 */
function reached(write: OwnWrite): boolean {
  const cached = write.cache.get(write.key)?.metadata.resourceVersion;
  if (write.resourceVersion === undefined) return cached === undefined;
  if (cached !== undefined) return atLeast(cached, write.resourceVersion);
  const latest = write.cache.latestResourceVersion;
  return latest !== undefined && atLeast(latest, write.resourceVersion);
}

/**
 * The controller's memory of what its caches have not caught up with. One per controller; every cache the
 * controller reads passes its changes through {@link Freshness.observe}.
 */
export class Freshness {
  private readonly clock: Clock;
  /** Per reconcile key, the writes of its last reconcile, until the next one settles them. */
  private readonly pending = new Map<string, OwnWrite[]>();
  /** Per cache, the resourceVersion our last write of each object ended at, until its echo arrives. */
  private readonly echoes = new Map<AnyCache, Map<string, string>>();
  /** Per owner (cache and key), its children a cache saw deleted and not recreated since; oldest owner first. */
  private readonly deletedChildren = new Map<string, Set<string>>();

  constructor(clock: Clock = systemClock) {
    this.clock = clock;
  }

  /**
   * Pass every change of a cache here before acting on it. Returns false for the echo of our own last write of
   * the object (the very resourceVersion the write returned: the object is as that reconcile left it, so it needs
   * no reconcile of its own), true for anything else, a user's change included. For a cache of children,
   * `owner` names the owner (its cache and key) of the changed object, if the controller owns it.
   */
  observe<T extends KubeObject>(
    cache: ObjectCache<T>,
    change: StoreChange<T>,
    owner?: { cache: ObjectCache<KubeObject>; key: string },
  ): boolean {
    if (owner !== undefined) this.noteChild(owner, cache, change);
    if (change.type === 'deleted') return true;
    const echoes = this.echoes.get(cache);
    const version = change.object.metadata.resourceVersion;
    if (!echoes || version === undefined) return true;
    const key = objectKey(change.object);
    const written = echoes.get(key);
    if (written === undefined) return true;
    // An echo, or a change past it: either way the record has served.
    if (atLeast(version, written)) echoes.delete(key);
    return written !== version;
  }

  /** Remember that the reconcile of `reconcileKey` wrote `key` in `cache`, leaving it at `resourceVersion`. */
  recordWrite<T extends KubeObject>(reconcileKey: string, cache: ObjectCache<T>, key: string, resourceVersion: string | undefined): void {
    const write: OwnWrite = { cache: cache, key, resourceVersion };
    this.pending.set(reconcileKey, [...(this.pending.get(reconcileKey) ?? []), write]);
    const echoes = this.echoes.get(write.cache) ?? new Map<string, string>();
    this.echoes.set(write.cache, echoes);
    if (resourceVersion === undefined) echoes.delete(key);
    else echoes.set(key, resourceVersion);
  }

  /**
   * Before a reconcile of `reconcileKey`: wait until the caches show the writes of its previous reconcile, or
   * `timeoutMs` passes, or `signal` aborts. The wait is a subscription to those caches, not a poll. Returns the
   * reconcile's view of the caches, which reads live what the wait gave up on.
   */
  async settle(reconcileKey: string, timeoutMs: number, signal: AbortSignal): Promise<ReconcileView> {
    const writes = this.pending.get(reconcileKey) ?? [];
    this.pending.delete(reconcileKey);
    let missing = writes.filter((w) => !reached(w));
    if (missing.length > 0 && timeoutMs > 0 && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const recheck = () => {
          missing = missing.filter((w) => !reached(w));
          if (missing.length === 0) finish();
        };
        const unsubscribe = [...new Set(missing.map((w) => w.cache))].map((cache) => cache.subscribe(recheck));
        const timer = this.clock.setTimer(() => finish(), timeoutMs);
        const finish = () => {
          for (const stop of unsubscribe) stop();
          timer.cancel();
          signal.removeEventListener('abort', finish);
          resolve();
        };
        signal.addEventListener('abort', finish, { once: true });
      });
    }
    return new ReconcileView(this, missing);
  }

  /** Forget what a reconcile wrote (its key's writes no longer matter, e.g. the object is gone). */
  forget(reconcileKey: string): void {
    this.pending.delete(reconcileKey);
  }

  /** Whether a child of the owner `key` in `cache` was seen deleted and not recreated since. */
  isSuspectOwner(cache: AnyCache, key: string): boolean {
    return (this.deletedChildren.get(ownerId(cache, key))?.size ?? 0) > 0;
  }

  private noteChild(ownerRef: { cache: AnyCache; key: string }, cache: AnyCache, change: StoreChange<KubeObject>): void {
    const owner = ownerId(ownerRef.cache, ownerRef.key);
    const children = this.deletedChildren.get(owner);
    // Most changes of children are of owners none of whose children was deleted: nothing to note.
    if (change.type !== 'deleted' && children === undefined) return;
    const child = ownerId(cache, objectKey(change.object));
    if (change.type !== 'deleted') {
      children?.delete(child);
      if (children?.size === 0) this.deletedChildren.delete(owner);
      return;
    }
    // Most recently noted last, so that the oldest owner is the one forgotten when the memory is full.
    this.deletedChildren.delete(owner);
    this.deletedChildren.set(owner, (children ?? new Set()).add(child));
    if (this.deletedChildren.size > maxSuspectOwners) this.deletedChildren.delete(this.deletedChildren.keys().next().value!);
  }
}

/**
 * One reconcile's view of the caches: the answer to "what is the current view of this object?". The cache's,
 * unless the cache is known to be behind for that object, then the server's (one GET, through `readLive`):
 * - our own last write of it is not in the cache yet (the settle wait gave up on it, e.g. its watch is down);
 * - it owns a child the cache saw deleted (it may be gone too, and the cache behind after a relist);
 * - the caller saw a write from the cached view refused as stale (`stale: true`).
 */
export class ReconcileView {
  private readonly freshness: Freshness;
  /** Writes of the previous reconcile the caches had not shown when the settle wait ended. */
  readonly behind: readonly OwnWrite[];

  constructor(freshness: Freshness, behind: readonly OwnWrite[]) {
    this.freshness = freshness;
    this.behind = behind;
  }

  async current<T extends KubeObject>(
    cache: ObjectCache<T>,
    key: string,
    readLive: () => Promise<T | undefined>,
    options: { stale?: boolean } = {},
  ): Promise<View<T>> {
    const any = cache as unknown as AnyCache;
    const live =
      options.stale === true || this.behind.some((w) => w.cache === any && w.key === key) || this.freshness.isSuspectOwner(any, key);
    return live ? { object: await readLive(), from: 'live' } : { object: cache.get(key), from: 'cache' };
  }

  /** `key@resourceVersion` (or `key@deleted`) of the writes the caches had not caught up with, for a log line. */
  describeBehind(): string[] {
    return this.behind.map((w) => `${w.key}@${w.resourceVersion ?? 'deleted'}`);
  }
}

const cacheIds = new WeakMap<AnyCache, number>();
let nextCacheId = 0;

/** A map key for (cache, object key). */
function ownerId(cache: AnyCache, key: string): string {
  let id = cacheIds.get(cache);
  if (id === undefined) cacheIds.set(cache, (id = nextCacheId++));
  return `${id}\u0000${key}`;
}
