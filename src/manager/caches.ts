import type { ObjectCache } from '../cache/index.ts';
import type { Kind, KubeObject } from '../core/index.ts';

/**
 * Where a cache looks: a namespace (all when absent) and label and field selectors.
 *
 * @noExample What the manager passes a {@link CacheFactory}; its example reads it.
 */
export interface CacheScope {
  /** The one namespace to list and watch; undefined: every namespace. */
  namespace?: string | undefined;
  /** Label selector (API string form) the server applies. */
  labelSelector?: string;
  /** Field selector (API string form) the server applies. */
  fieldSelector?: string;
  /** Cache only `apiVersion`, `kind` and `metadata` (`PartialObjectMetadata`): far less memory for big kinds. */
  metadataOnly?: boolean;
}

/**
 * A cache the manager runs and shares between controllers: an {@link ObjectCache} it can run and wait for. The
 * cache layer's `Informer` is one.
 *
 * @noExample What a {@link CacheFactory} returns; its example makes `Informer`s.
 */
export interface ManagedCache<T extends KubeObject> extends ObjectCache<T> {
  /** Keep the cache in step with the API server until `signal` aborts; never returns early on errors. */
  run(signal: AbortSignal): Promise<void>;
  /** Resolves once the first complete list is in. */
  waitForSync(options: { signal?: AbortSignal }): Promise<void>;
  /**
   * How long its watch has been unable to resume (`unresumedMs`, 0 while it works) and its last failure, for
   * `/readyz` and `capstan_watch_unresumed_seconds`; a cache without it is never reported as failing.
   */
  readonly health?: {
    /** Milliseconds the watch has been unable to resume; 0 while it works. */
    unresumedMs(): number;
    /** The last failure of a list or watch request, for messages; undefined when none. */
    readonly lastFailure: string | undefined;
  };
  /** Add a field index; the same function again under the same name is a no-op, another one an error. */
  addIndexer(name: string, indexer: (object: T) => readonly string[]): void;
}

/**
 * Makes the caches; the manager asks once per kind and scope. An `Informer` per call is the default; give your
 * own to tune the informers or to stand in for the API server in a test.
 *
 * @example
 * ```ts
 * import { Informer, slimManagedFields } from 'capstan/cache';
 * import { KubeClient } from 'capstan/client';
 * import { type CacheFactory, Manager } from 'capstan/manager';
 * const client = await KubeClient.fromKubeconfig();
 * // Informers that give up on a silent watch after 60 s (a metadata-only scope would need `client.metadata(kind)`).
 * const caches: CacheFactory = (kind, scope) =>
 *   new Informer(client.resource(kind), { ...scope, transform: slimManagedFields, inactivityTimeoutMs: 60_000 });
 * const manager = new Manager({ client, caches });
 * ```
 */
export type CacheFactory = <T extends KubeObject>(kind: Kind<T>, scope: CacheScope) => ManagedCache<T>;

/** The key under which a cache is shared. */
export function cacheKey(kind: Kind, scope: CacheScope): string {
  return [
    kind.group,
    kind.version,
    kind.kind,
    scope.namespace ?? '',
    scope.labelSelector ?? '',
    scope.fieldSelector ?? '',
    scope.metadataOnly ? 'metadata' : '',
  ].join('|');
}
