import type { ObjectSource } from '../controller/index.ts';
import type { Kind, KubeObject } from '../core/index.ts';

/** Where a cache looks: a namespace (all when absent) and a label selector. */
export interface SourceScope {
  namespace?: string;
  labelSelector?: string;
}

/** A cache the manager runs and shares between controllers. */
export interface ManagedSource<T extends KubeObject> extends ObjectSource<T> {
  /** What the cache holds, for logs and `/readyz`. */
  readonly description: string;
  /** Keep the cache in step with the API server until `signal` aborts; never returns early on errors. */
  run(signal: AbortSignal): Promise<void>;
  /** Resolves once the first complete list is in. */
  waitForSync(signal: AbortSignal): Promise<void>;
}

/** Makes the caches; the manager asks once per kind and scope. */
export type SourceFactory = <T extends KubeObject>(kind: Kind<T>, scope: SourceScope) => ManagedSource<T>;

/** The key under which a source is shared. */
export function sourceKey(kind: Kind, scope: SourceScope): string {
  return [kind.group, kind.version, kind.kind, scope.namespace ?? '', scope.labelSelector ?? ''].join('|');
}
