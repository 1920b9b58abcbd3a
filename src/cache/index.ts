export { CacheError } from './errors.ts';
export { type CacheMetrics, Informer, type InformerOptions } from './informer.ts';
export { NamespacesCache } from './namespaces-cache.ts';
export type { ObjectCache } from './object-cache.ts';
export { type Indexers, MemoryStore, namespaceIndex, reflect, type Store, type StoreChange } from './store.ts';
export { composeTransforms, keepEverything, slimManagedFields, stripManagedFields, type Transform } from './transforms.ts';
