/**
 * Caches of Kubernetes objects kept current by watches: the {@link Informer} (list and watch into an indexed
 * in-memory store, `waitForSync`), {@link ObjectCache}, what controllers read and subscribe to,
 * {@link MemoryStore} for caches written by hand (a controller's unit tests), {@link NamespacesCache} over a set
 * of namespaces, and the transforms that slim objects before they are stored. The manager builds and shares
 * the caches its controllers declare; import this entry point to run an informer without it, or to feed a
 * controller in a test.
 *
 * @module capstan/cache
 */
export { CacheError } from './errors.ts';
export { type CacheMetrics, Informer, type InformerOptions } from './informer.ts';
export { NamespacesCache } from './namespaces-cache.ts';
export type { ObjectCache } from './object-cache.ts';
export { type Indexers, MemoryStore, namespaceIndex, reflect, type Store, type StoreChange } from './store.ts';
export { composeTransforms, keepEverything, slimManagedFields, stripManagedFields, type Transform } from './transforms.ts';
