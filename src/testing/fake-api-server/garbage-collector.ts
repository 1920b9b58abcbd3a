// The garbage collector's part in deletions, done synchronously by the fake API server inside the request that removes
// an owner (the real one acts soon after, from its own watches): dependents whose every owner is gone are deleted,
// dependents with another owner lose the dangling reference, and an Orphan delete strips the references at once.
import { apiVersionOf, type Kind, type KubeObject } from '../../core/index.ts';
import { type ApiCall, timestamp } from './api-call.ts';
import { recordUpdate } from './managed-fields.ts';
import type { ObjectStore } from './object-store.ts';
import type { ServedKinds } from './request-path.ts';

/** The manager the collector's writes are recorded under. */
const collectorManager = 'generic-garbage-collector';

/** Deletes dependents and drops references, as kube-controller-manager's garbage collector does. */
export class GarbageCollector {
  private readonly store: ObjectStore;
  private readonly kinds: ServedKinds;
  private readonly now: () => Date;
  private readonly deleteDependent: (call: ApiCall, name: string) => void;

  /** `deleteDependent` deletes one dependent as a Background delete request would (and so cascades further). */
  constructor(store: ObjectStore, kinds: ServedKinds, now: () => Date, deleteDependent: (call: ApiCall, name: string) => void) {
    this.store = store;
    this.kinds = kinds;
    this.now = now;
    this.deleteDependent = deleteDependent;
  }

  /** What the collector does once `owner` is gone: delete its dependents, or drop a dangling reference to it. */
  collect(owner: KubeObject): void {
    const uid = owner.metadata.uid;
    for (const { kind, object } of this.store.everything()) {
      const references = object.metadata.ownerReferences ?? [];
      if (!references.some((r) => r.uid === uid)) continue;
      const current = this.store.get(kind, object.metadata.namespace, object.metadata.name ?? '');
      if (!current) continue; // deleted meanwhile by an earlier cascade
      const others = references.filter((r) => r.uid !== uid && this.ownerExists(r, object.metadata.namespace));
      if (others.length > 0) {
        this.dropReference(kind, current, uid);
        continue;
      }
      const call: ApiCall = {
        method: 'DELETE',
        path: '(garbage collector)',
        target: { kind, namespace: current.metadata.namespace, name: current.metadata.name, subresource: undefined },
        query: {},
        accept: undefined,
      };
      this.deleteDependent(call, current.metadata.name ?? '');
    }
  }

  /** What `propagationPolicy: 'Orphan'` does: the dependents of `owner` lose their reference to it. */
  orphan(owner: KubeObject): void {
    for (const { kind, object } of this.store.everything()) {
      if (object.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid)) this.dropReference(kind, object, owner.metadata.uid);
    }
  }

  /** Whether the object a reference names still exists with that uid. */
  private ownerExists(reference: { apiVersion: string; kind: string; name: string; uid: string }, namespace: string | undefined): boolean {
    const kind = this.kinds.byKind(reference.apiVersion, reference.kind);
    if (!kind) return true; // a kind this server does not serve: the collector would not know either way
    return this.store.get(kind, kind.namespaced ? namespace : undefined, reference.name)?.metadata.uid === reference.uid;
  }

  /** Remove the reference to `uid` from `object`, as the collector's patch does. */
  private dropReference(kind: Kind, object: KubeObject, uid: string | undefined): void {
    const after = structuredClone(object);
    after.metadata.ownerReferences = (after.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
    if (after.metadata.ownerReferences.length === 0) delete after.metadata.ownerReferences;
    const ownership = {
      manager: collectorManager,
      scope: 'main' as const,
      apiVersion: apiVersionOf(kind),
      time: timestamp(this.now()),
    };
    after.metadata.managedFields = recordUpdate(object, after, ownership);
    this.store.put(kind, after, object);
  }
}
