// The fake API server's storage: objects by resource, namespace and name, one resourceVersion counter for all of
// them (as etcd's revision), and a bounded history of changes that watches replay from.
import type { Kind, KubeObject } from '../../core/index.ts';

/** One change, as a watch replays it. */
export interface StoredEvent {
  readonly resourceVersion: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly kind: Kind;
  /** The object after the change (for DELETED, its last state at the deletion's resourceVersion). */
  readonly object: KubeObject;
  /** The object before the change (MODIFIED only), so a selector can tell that it stopped matching. */
  readonly previous: KubeObject | undefined;
}

function resourceKey(kind: Kind): string {
  return `${kind.group}/${kind.plural}`;
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** Objects, versions and history; every object handed out is a copy. */
export class ObjectStore {
  private revision = 0;
  private compactedThrough = 0;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly kinds = new Map<string, Kind>();
  private readonly history: StoredEvent[] = [];
  private readonly listeners = new Set<(event: StoredEvent) => void>();
  private readonly historyLimit: number;

  constructor(historyLimit: number) {
    this.historyLimit = historyLimit;
  }

  /** The latest resourceVersion: that of the last write. */
  get resourceVersion(): number {
    return this.revision;
  }

  get(kind: Kind, namespace: string | undefined, name: string): KubeObject | undefined {
    const object = this.objects.get(resourceKey(kind))?.get(objectKey(namespace, name));
    return object && structuredClone(object);
  }

  /** The objects of `kind` (in `namespace`, or all), in the order the API server lists them: namespace, then name. */
  list(kind: Kind, namespace: string | undefined): Array<{ key: string; object: KubeObject }> {
    const found: Array<{ key: string; object: KubeObject }> = [];
    for (const [key, object] of this.objects.get(resourceKey(kind)) ?? []) {
      if (namespace === undefined || object.metadata.namespace === namespace) found.push({ key, object: structuredClone(object) });
    }
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Every object of every kind, for garbage collection. */
  everything(): Array<{ kind: Kind; object: KubeObject }> {
    return [...this.kinds.entries()].flatMap(([key, kind]) =>
      [...(this.objects.get(key)?.values() ?? [])].map((object) => ({ kind, object: structuredClone(object) })),
    );
  }

  /** Store `object` at a new resourceVersion (set on it) and tell watches; returns the version. */
  put(kind: Kind, object: KubeObject, previous: KubeObject | undefined): KubeObject {
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(++this.revision);
    const key = resourceKey(kind);
    this.kinds.set(key, kind);
    let byName = this.objects.get(key);
    if (!byName) this.objects.set(key, (byName = new Map<string, KubeObject>()));
    byName.set(objectKey(stored.metadata.namespace, stored.metadata.name ?? ''), stored);
    this.record({ resourceVersion: this.revision, type: previous ? 'MODIFIED' : 'ADDED', kind, object: stored, previous });
    return structuredClone(stored);
  }

  /** Remove `object` at a new resourceVersion and tell watches; returns its last state. */
  remove(kind: Kind, object: KubeObject): KubeObject {
    const gone = structuredClone(object);
    gone.metadata.resourceVersion = String(++this.revision);
    this.objects.get(resourceKey(kind))?.delete(objectKey(gone.metadata.namespace, gone.metadata.name ?? ''));
    this.record({ resourceVersion: this.revision, type: 'DELETED', kind, object: gone, previous: undefined });
    return structuredClone(gone);
  }

  /** The changes after `resourceVersion`, or `expired` when some of them are no longer kept. */
  changesAfter(resourceVersion: number): StoredEvent[] | 'expired' {
    if (resourceVersion < this.compactedThrough) return 'expired';
    return this.history.filter((event) => event.resourceVersion > resourceVersion);
  }

  /** The oldest resourceVersion a watch can still start from. */
  get oldestWatchable(): number {
    return this.compactedThrough;
  }

  /** Forget all history up to now, as an etcd compaction: a watch from an older version gets 410 Expired. */
  compact(): void {
    this.history.length = 0;
    this.compactedThrough = this.revision;
  }

  /** Call `listener` with every later change, synchronously as it is stored; returns the unsubscribe. */
  subscribe(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(event: StoredEvent): void {
    this.history.push(event);
    while (this.history.length > this.historyLimit) this.compactedThrough = this.history.shift()!.resourceVersion;
    for (const listener of [...this.listeners]) listener(event);
  }
}
