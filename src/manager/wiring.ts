// How one controller definition's declarations become shared caches: one cache per kind and scope, however many
// controllers read it; its field indexes added to the caches of their kind; and the read sources its reconciles
// may use, each with the scope of its cache and the builder call that declared it (for the messages of refused
// reads).
import type { ControllerDefinition, Predicate, ReadSource, WatchedKind } from '../controller/index.ts';
import type { Kind, KubeObject } from '../core/index.ts';
import type { CacheScope, ManagedCache } from './caches.ts';

/** The caches and read sources of one controller definition. */
export interface Wiring {
  primary: ManagedCache<KubeObject>;
  owned: Array<{ kind: Kind; cache: ManagedCache<KubeObject>; predicates?: readonly Predicate[] | undefined }>;
  mapped: Array<{ cache: ManagedCache<KubeObject>; map: WatchedKind['map']; predicates?: readonly Predicate[] | undefined }>;
  reads: ReadSource[];
}

/** Gets (making it the first time) the shared cache of a kind and scope. */
export type ShareCache = (kind: Kind, scope: CacheScope) => ManagedCache<KubeObject>;

/**
 * Wire `definition` to shared caches. `namespace` is the manager's (namespace-scoped mode), the default scope of
 * every cache; a read declared with a namespace of its own keeps it.
 */
export function wire(definition: ControllerDefinition<KubeObject>, share: ShareCache, namespace: string | undefined): Wiring {
  const reads: ReadSource[] = [];
  const source = (kind: Kind, scope: CacheScope, declaredBy: string, cache: ManagedCache<KubeObject> | undefined) => {
    const indexes = definition.indexes.filter((i) => i.kind.group === kind.group && i.kind.kind === kind.kind);
    for (const index of indexes) cache?.addIndexer(index.name, index.fn);
    reads.push({ kind, scope, declaredBy, cache, indexes: indexes.map((i) => i.name) });
    return cache;
  };
  const cached = (kind: Kind, scope: CacheScope, declaredBy: string) => source(kind, scope, declaredBy, share(kind, scope))!;
  const scoped = (labelSelector?: string, fieldSelector?: string): CacheScope => ({
    namespace,
    ...(labelSelector === undefined ? {} : { labelSelector }),
    ...(fieldSelector === undefined ? {} : { fieldSelector }),
  });
  const selector = (labelSelector?: string) => (labelSelector ? `, { labelSelector: '${labelSelector}' }` : '');

  const primary = cached(definition.kind, scoped(), `controller(${definition.kind.kind})`);
  const owned = definition.owns.map((o) => ({
    kind: o.kind,
    cache: cached(o.kind, scoped(o.labelSelector), `.owns(${o.kind.kind}${selector(o.labelSelector)})`),
    predicates: o.predicates,
  }));
  const mapped = definition.watches.map((w) => ({
    cache: cached(w.kind, scoped(w.labelSelector), `.watches(${w.kind.kind}${selector(w.labelSelector)})`),
    map: w.map,
    predicates: w.predicates,
  }));
  for (const r of definition.reads) {
    const scope = { ...scoped(r.labelSelector, r.fieldSelector), ...(r.namespace === undefined ? {} : { namespace: r.namespace }) };
    const options = [
      r.namespace && `namespace: '${r.namespace}'`,
      r.labelSelector && `labelSelector: '${r.labelSelector}'`,
      r.fieldSelector && `fieldSelector: '${r.fieldSelector}'`,
      r.live && 'live: true',
    ].filter(Boolean);
    const declaredBy = `.reads(${r.kind.kind}${options.length ? `, { ${options.join(', ')} }` : ''})`;
    source(r.kind, scope, declaredBy, r.live ? undefined : share(r.kind, scope));
  }
  return { primary, owned, mapped, reads };
}
