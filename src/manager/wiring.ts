// How one controller definition's declarations become shared caches: one cache per kind and scope, however many
// controllers read it (and, for an operator that serves a set of namespaces, one per namespace, read as one); its
// field indexes added to the caches of their kind; and the read sources its reconciles may use, each with the
// scope of its cache and the builder call that declared it (for the messages of refused reads).
import { NamespacesCache, type ObjectCache } from '../cache/index.ts';
import type { ControllerDefinition, IndexedKind, Predicate, ReadKind, ReadSource, WatchedKind } from '../controller/index.ts';
import type { Kind, KubeObject } from '../core/index.ts';
import type { CacheScope, ManagedCache } from './caches.ts';

/** The caches and read sources of one controller definition. */
export interface Wiring {
  primary: ObjectCache<KubeObject>;
  owned: Array<{ kind: Kind; cache: ObjectCache<KubeObject>; predicates?: readonly Predicate[] | undefined }>;
  mapped: Array<{ cache: ObjectCache<KubeObject>; map: WatchedKind['map']; predicates?: readonly Predicate[] | undefined }>;
  reads: ReadSource[];
}

/** Gets (making it the first time) the shared cache of a kind and scope. */
export type ShareCache = (kind: Kind, scope: CacheScope) => ManagedCache<KubeObject>;

/**
 * Wire `definition` to shared caches. `namespaces` are the manager's (every namespace when undefined): every
 * cache is made once per namespace there, and nowhere else; a read declared with a namespace of its own keeps it.
 */
export function wire(definition: ControllerDefinition<KubeObject>, share: ShareCache, namespaces: readonly string[] | undefined): Wiring {
  const { cached, read, reads } = wiringOf(definition.indexes, share, namespaces);
  const selector = (labelSelector?: string) => (labelSelector ? `, { labelSelector: '${labelSelector}' }` : '');
  const primary = cached(definition.kind, {}, `controller(${definition.kind.kind})`);
  const owned = definition.owns.map((o) => ({
    kind: o.kind,
    cache: cached(o.kind, labelled(o.labelSelector), `.owns(${o.kind.kind}${selector(o.labelSelector)})`),
    predicates: o.predicates,
  }));
  const mapped = definition.watches.map((w) => ({
    cache: cached(w.kind, { ...labelled(w.labelSelector), ...scopeFlags(w) }, `.watches(${w.kind.kind}${selector(w.labelSelector)})`),
    map: w.map,
    predicates: w.predicates,
  }));
  for (const r of definition.reads) read(r);
  return { primary, owned, mapped, reads };
}

/** The read sources of declared reads alone (a webhook's), on the same shared caches as the controllers'. */
export function wireReads(
  declared: readonly ReadKind[],
  indexes: readonly IndexedKind[],
  share: ShareCache,
  namespaces: readonly string[] | undefined,
): ReadSource[] {
  const { read, reads } = wiringOf(indexes, share, namespaces);
  for (const r of declared) read(r);
  return reads;
}

/** Shared caches for declarations, with `indexes` added to the caches of their kind, and the read sources they give. */
function wiringOf(indexes: readonly IndexedKind[], share: ShareCache, namespaces: readonly string[] | undefined) {
  const reads: ReadSource[] = [];
  /** Where caches (or live reads) of `kind` go: the declared namespace, else each of the manager's, else everywhere. */
  const where = (kind: Kind, namespace: string | undefined) =>
    namespace !== undefined || !kind.namespaced ? [namespace] : (namespaces ?? [undefined]);
  const indexed = (kind: Kind, cache: ManagedCache<KubeObject>) => {
    const own = indexes.filter((i) => i.kind.group === kind.group && i.kind.kind === kind.kind);
    for (const index of own) cache.addIndexer(index.name, index.fn);
    return own.map((i) => i.name);
  };
  /** The cache(s) of `kind` in `scope`, in each of the manager's namespaces (or `scope.namespace` when it names one). */
  const cached = (
    kind: Kind,
    scope: Omit<CacheScope, 'namespace'> & { namespace?: string },
    declaredBy: string,
  ): ObjectCache<KubeObject> => {
    const parts = where(kind, scope.namespace).map((namespace) => {
      const partScope: CacheScope = { ...scope, namespace };
      const cache = share(kind, partScope);
      reads.push({ kind, scope: partScope, declaredBy, cache, indexes: indexed(kind, cache) });
      return [namespace, cache] as const;
    });
    if (parts.length === 1) return parts[0]![1];
    return new NamespacesCache(new Map(parts.map(([namespace, cache]) => [namespace!, cache])));
  };
  const read = (r: ReadKind) => {
    const options = [
      r.namespace && `namespace: '${r.namespace}'`,
      r.labelSelector && `labelSelector: '${r.labelSelector}'`,
      r.fieldSelector && `fieldSelector: '${r.fieldSelector}'`,
      r.metadataOnly && 'metadataOnly: true',
      r.live && 'live: true',
    ].filter(Boolean);
    const declaredBy = `.reads(${r.kind.kind}${options.length ? `, { ${options.join(', ')} }` : ''})`;
    const scope = {
      ...labelled(r.labelSelector),
      ...scopeFlags(r),
      ...(r.namespace === undefined ? {} : { namespace: r.namespace }),
    };
    if (r.live) {
      for (const namespace of where(r.kind, r.namespace)) reads.push({ kind: r.kind, scope: { ...scope, namespace }, declaredBy });
    } else {
      cached(r.kind, scope, declaredBy);
    }
  };
  return { cached, read, reads };
}

function labelled(labelSelector?: string): { labelSelector?: string } {
  return labelSelector === undefined ? {} : { labelSelector };
}

/** The field selector and metadata-only flag of a declaration, as a cache scope. */
function scopeFlags(declared: {
  fieldSelector?: string | undefined;
  metadataOnly?: boolean | undefined;
}): Pick<CacheScope, 'fieldSelector' | 'metadataOnly'> {
  return {
    ...(declared.fieldSelector === undefined ? {} : { fieldSelector: declared.fieldSelector }),
    ...(declared.metadataOnly ? { metadataOnly: true } : {}),
  };
}
